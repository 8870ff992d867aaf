import { assertEquals, assertThrows } from "@std/assert";
import { TextPreprocessor } from "../../lib/text/preprocessor.ts";
import { Vocabulary } from "../../lib/text/vocab.ts";
import { brownSplit } from "../../lib/io/corpus.ts";

const TEXT = "The cat sat on the mat.\nThe dog sat on the rug.\n\n  \nA cat ran!";
// Tokens: The cat sat on the mat . </s> The dog sat on the rug . </s> A cat ran ! </s>
// (the two blank lines give nothing). Counts: </s> 3; . The cat on sat the 2 each;
// ! A dog mat ran rug 1 each. Ties in code-unit order: "!" < "." < "A" < "T" < lower case.
const VOCAB = [
  "<unk>",
  "</s>",
  ".",
  "The",
  "cat",
  "on",
  "sat",
  "the",
  "!",
  "A",
  "dog",
  "mat",
  "ran",
  "rug",
];

Deno.test("fit: word level, lines end with </s>, vocabulary by count", () => {
  const pre = TextPreprocessor.fit(TEXT);
  assertEquals(pre.vocab.tokens, VOCAB);
  assertEquals(pre.vocabSize, 14);
  assertEquals(pre.vocab.count("</s>"), 3);
  assertEquals(pre.options, {
    level: "word",
    lowercase: false,
    minCount: 1,
    maxSize: null,
    contextSize: 3,
    resetAtBoundary: false,
  });
  assertEquals(pre.contextSize, 3);
});

Deno.test("tokenize and textToIndices include a boundary after each non-empty line", () => {
  const pre = TextPreprocessor.fit(TEXT);
  assertEquals(pre.tokenize("The dog ran.\n\nthe mat"), [
    "The",
    "dog",
    "ran",
    ".",
    "</s>",
    "the",
    "mat",
    "</s>",
  ]);
  // The 3, dog 10, ran 12, on 5, the 7, sofa unknown 0, . 2, </s> 1
  assertEquals(
    pre.textToIndices("The dog ran on the sofa."),
    new Int32Array([3, 10, 12, 5, 7, 0, 2, 1]),
  );
  // Windows-style and old-Mac line ends count as line ends too.
  assertEquals(pre.tokenize("a\r\nb\rc"), ["a", "</s>", "b", "</s>", "c", "</s>"]);
  assertEquals(pre.tokenize(""), []);
  // A typed "</s>" is text, not the boundary.
  assertEquals(pre.tokenize("a </s>"), ["a", "<", "/", "s", ">", "</s>"]);
});

Deno.test("fit: lowercase and minCount", () => {
  const lower = TextPreprocessor.fit(TEXT, { lowercase: true });
  // the 4; </s> 3; . cat on sat 2; ! a dog mat ran rug 1
  assertEquals(lower.vocab.tokens, [
    "<unk>",
    "</s>",
    "the",
    ".",
    "cat",
    "on",
    "sat",
    "!",
    "a",
    "dog",
    "mat",
    "ran",
    "rug",
  ]);
  assertEquals(lower.textToIndices("THE CAT"), new Int32Array([2, 4, 1]));
  const common = TextPreprocessor.fit(TEXT, { minCount: 2 });
  assertEquals(common.vocab.tokens, ["<unk>", "</s>", ".", "The", "cat", "on", "sat", "the"]);
  // mat dog rug A ran !
  assertEquals(common.vocab.count("<unk>"), 6);
  assertEquals(TextPreprocessor.fit(TEXT, { maxSize: 5 }).vocab.tokens, [
    "<unk>",
    "</s>",
    ".",
    "The",
    "cat",
  ]);
});

Deno.test("indicesToText: words joined with spaces, punctuation attached, </s> a line break", () => {
  const text = "The cat sat on the mat.\nThe dog, too!";
  const pre = TextPreprocessor.fit(text);
  assertEquals(pre.indicesToText(pre.textToIndices(text)), text + "\n");
  const small = TextPreprocessor.fit(TEXT);
  // The 3, <unk> 0, sat 6, . 2, </s> 1
  assertEquals(small.indicesToText([3, 0, 6, 2, 1]), "The <unk> sat.\n");
  assertEquals(small.indicesToText(new Int32Array(0)), "");
});

Deno.test("char level: one token per character, </s> ends each line", () => {
  const pre = TextPreprocessor.fit("ab\nba\n\nc", { level: "char" });
  // a 2, b 2, c 1; </s> 3
  assertEquals(pre.vocab.tokens, ["<unk>", "</s>", "a", "b", "c"]);
  assertEquals(pre.tokenize("a b"), ["a", " ", "b", "</s>"]);
  assertEquals(pre.textToIndices("cab\nx"), new Int32Array([4, 2, 3, 1, 0, 1]));
  assertEquals(pre.indicesToText([4, 2, 3, 1, 2]), "cab\na");
  const text = "ab\nba\n";
  assertEquals(pre.indicesToText(pre.textToIndices(text)), text);
  const lower = TextPreprocessor.fit("AbA", { level: "char", lowercase: true });
  assertEquals(lower.vocab.tokens, ["<unk>", "</s>", "a", "b"]);
});

Deno.test("windows from text or from indices", () => {
  const pre = TextPreprocessor.fit(TEXT, { contextSize: 2 });
  // "The cat" -> The 3, cat 4, </s> 1
  const fromText = pre.windows("The cat");
  assertEquals(fromText.contexts.toArrays(), [[1, 1], [1, 3], [3, 4]]);
  assertEquals(fromText.targets, new Int32Array([3, 4, 1]));
  const fromIndices = pre.windows(new Int32Array([3, 4, 1]));
  assertEquals(fromIndices.contexts.toArrays(), fromText.contexts.toArrays());
  assertEquals(fromIndices.targets, fromText.targets);
  assertEquals(pre.windows([3, 4]).targets, new Int32Array([3, 4]));
  assertThrows(
    () => pre.windows([3, 14]),
    RangeError,
    "TextPreprocessor.windows: input[1] expected an index in [0, 14) (the vocabulary size), got 14",
  );
  assertThrows(() => pre.windows([3, -1]), RangeError, "input[1] expected an index in [0, 14)");
  assertThrows(
    () => pre.windows(5 as unknown as number[]),
    TypeError,
    "TextPreprocessor.windows: input expected a text or an array of indices",
  );
});

Deno.test("resetAtBoundary: one name per line, each predicted from a fresh context", () => {
  const pre = TextPreprocessor.fit("ab\nb", {
    level: "char",
    contextSize: 2,
    resetAtBoundary: true,
  });
  // a 2, b 3; ab</s>b</s> = 2 3 1 3 1
  assertEquals(pre.vocab.tokens, ["<unk>", "</s>", "b", "a"]);
  const { contexts, targets } = pre.windows("ab\nb");
  assertEquals(targets, new Int32Array([3, 2, 1, 2, 1]));
  assertEquals(contexts.toArrays(), [[1, 1], [1, 3], [3, 2], [1, 1], [1, 2]]);
});

Deno.test("fitTokens: a stream already tokenized, such as the Brown corpus", () => {
  const stream = ["The", "jury", "said", ".", "</s>", "the", "jury", "</s>"];
  const pre = TextPreprocessor.fitTokens(stream, { minCount: 2 });
  assertEquals(pre.vocab.tokens, ["<unk>", "</s>", "jury"]);
  assertEquals(pre.encodeTokens(["jury", "The"]), new Int32Array([2, 0]));
  const lower = TextPreprocessor.fitTokens(stream, { minCount: 2, lowercase: true });
  // the 2, jury 2 (specials untouched by lower-casing)
  assertEquals(lower.vocab.tokens, ["<unk>", "</s>", "jury", "the"]);
  assertEquals(lower.encodeTokens(["THE", "</s>", "Jury"]), new Int32Array([3, 1, 2]));
  // "said" and "." were seen once each, below minCount: both come back as <unk>.
  assertEquals(
    lower.indicesToText(lower.encodeTokens(stream)),
    "the jury <unk> <unk>\nthe jury\n",
  );
  assertThrows(
    () => TextPreprocessor.fitTokens(3 as unknown as string[]),
    TypeError,
    "TextPreprocessor.fitTokens: tokens expected an iterable of strings",
  );
});

Deno.test("a preprocessor never changes, and does not touch its arguments", () => {
  const options = { level: "word" as const, contextSize: 2 };
  const optionsBefore = { ...options };
  const pre = TextPreprocessor.fit(TEXT, options);
  assertEquals(options, optionsBefore);
  assertThrows(() => {
    (pre.options as { contextSize: number }).contextSize = 9;
  }, TypeError);
  const indices = new Int32Array([3, 4]);
  pre.windows(indices);
  pre.indicesToText(indices);
  assertEquals(indices, new Int32Array([3, 4]));
  // Same text, same options: the same vocabulary, whatever ran before.
  assertEquals(TextPreprocessor.fit(TEXT).vocab.tokens, VOCAB);
});

Deno.test("toJSON / fromJSON round trip", () => {
  const pre = TextPreprocessor.fit(TEXT, {
    level: "word",
    lowercase: true,
    minCount: 2,
    maxSize: 50,
    contextSize: 4,
    resetAtBoundary: true,
  });
  const back = TextPreprocessor.fromJSON(JSON.parse(JSON.stringify(pre)));
  assertEquals(back.options, pre.options);
  assertEquals(back.vocab.tokens, pre.vocab.tokens);
  assertEquals(back.textToIndices(TEXT), pre.textToIndices(TEXT));
  assertEquals(back.windows(TEXT).contexts.toArrays(), pre.windows(TEXT).contexts.toArrays());
  assertEquals(pre.toJSON().format, "mini-neural-lm/text-preprocessor");
});

Deno.test("fromJSON refuses malformed objects", () => {
  const good = TextPreprocessor.fit("a b").toJSON();
  assertThrows(
    () => TextPreprocessor.fromJSON("x"),
    TypeError,
    'TextPreprocessor.fromJSON: obj expected a text-preprocessor object, got "x"',
  );
  assertThrows(
    () => TextPreprocessor.fromJSON({ ...good, format: "mini-neural-lm/vocabulary" }),
    RangeError,
    "TextPreprocessor.fromJSON: obj.format expected",
  );
  assertThrows(
    () => TextPreprocessor.fromJSON({ ...good, version: 0 }),
    RangeError,
    "obj.version expected 1, got 0",
  );
  assertThrows(
    () => TextPreprocessor.fromJSON({ ...good, options: { ...good.options, contextSize: 0 } }),
    RangeError,
    "TextPreprocessor.fromJSON: obj.options.contextSize expected a positive integer, got 0",
  );
  assertThrows(
    () => TextPreprocessor.fromJSON({ ...good, options: { ...good.options, level: "byte" } }),
    RangeError,
    'obj.options.level expected "word" or "char", got "byte"',
  );
  assertThrows(
    () => TextPreprocessor.fromJSON({ ...good, vocabulary: { ...good.vocabulary, counts: [] } }),
    RangeError,
    "Vocabulary.fromJSON: obj.counts expected 4 counts (one per token), got 0",
  );
});

Deno.test("fit refuses bad options and a text that is not a string", () => {
  assertThrows(
    () => TextPreprocessor.fit("a", { level: "byte" as "word" }),
    RangeError,
    'TextPreprocessor.fit: options.level expected "word" or "char", got "byte"',
  );
  assertThrows(
    () => TextPreprocessor.fit("a", { contextSize: 1.5 }),
    RangeError,
    "options.contextSize expected a positive integer, got 1.5",
  );
  assertThrows(
    () => TextPreprocessor.fit("a", { minCount: 0 }),
    RangeError,
    "options.minCount expected a positive integer, got 0",
  );
  assertThrows(
    () => TextPreprocessor.fit("a", { lowercase: 1 as unknown as boolean }),
    TypeError,
    "options.lowercase expected a boolean, got 1",
  );
  assertThrows(
    () => TextPreprocessor.fit(["a"] as unknown as string),
    TypeError,
    "TextPreprocessor.fit: text expected a string",
  );
  const pre = TextPreprocessor.fit("a");
  assertThrows(
    () => pre.tokenize(1 as unknown as string),
    TypeError,
    "TextPreprocessor.tokenize: text expected a string, got 1",
  );
  assertThrows(
    () => pre.indicesToText([5]),
    RangeError,
    "Vocabulary.decode: indices[0] expected an index in [0, 3)",
  );
});

Deno.test("console output names the level, the context size and the vocabulary", () => {
  const pre = TextPreprocessor.fit("a b", { contextSize: 2 });
  assertEquals(
    Deno.inspect(pre),
    "TextPreprocessor(word level, contextSize 2, Vocabulary(4 tokens: <unk>, </s>, a, b))",
  );
});

Deno.test("NFC: 'café' in NFC and in NFD are one vocabulary entry, at both levels", () => {
  const nfc = "caf\u00e9"; // é as one code point
  const nfd = "cafe\u0301"; // e + combining acute accent
  const word = TextPreprocessor.fit(`${nfc} au lait\n${nfd} noir`);
  assertEquals(word.vocab.tokens.filter((t) => t.startsWith("caf")), [nfc]);
  assertEquals(word.vocab.count(nfc), 2);
  assertEquals(word.textToIndices(nfd), word.textToIndices(nfc));
  assertEquals(word.vocab.decode(word.textToIndices(nfd))[0], nfc);
  assertEquals(word.tokenize(nfd), [nfc, "</s>"]);
  assertEquals(word.windows(nfd).targets, word.windows(nfc).targets);
  // Lower-casing: "CAFÉ" typed in NFD is the same word.
  const lower = TextPreprocessor.fit(`${nfc}\nCAFE\u0301`, { lowercase: true });
  assertEquals(lower.vocab.count(nfc), 2);
  // Character level: é is one character, whichever way it was typed.
  const char = TextPreprocessor.fit(`${nfc}\n${nfd}`, { level: "char" });
  assertEquals(char.vocab.tokens, ["<unk>", "</s>", "a", "c", "f", "\u00e9"]);
  assertEquals(char.vocab.count("\u00e9"), 2);
  assertEquals(char.vocab.has("\u0301"), false);
  // A stream of tokens is normalised as well, so it agrees with text.
  const stream = TextPreprocessor.fitTokens([nfc, nfd, "</s>"]);
  assertEquals(stream.vocab.tokens, ["<unk>", "</s>", nfc]);
  assertEquals(stream.vocab.count(nfc), 2);
  assertEquals(stream.encodeTokens([nfd]), stream.encodeTokens([nfc]));
  assertEquals(stream.encodeTokens([nfd]), new Int32Array([2]));
});

Deno.test("NFC changes nothing for ASCII: the Brown vocabulary is what Vocabulary.build gives", () => {
  const { train } = brownSplit();
  const pre = TextPreprocessor.fitTokens(train, { minCount: 4 });
  const direct = Vocabulary.build(train, { minCount: 4 });
  assertEquals(pre.vocabSize, 13_845);
  assertEquals(pre.vocab.tokens, direct.tokens);
  assertEquals(pre.vocab.toJSON().counts, direct.toJSON().counts);
  assertEquals(pre.encodeTokens(train), direct.encode(train));
});
