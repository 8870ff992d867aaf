import { assert, assertEquals, assertFalse, assertThrows } from "@std/assert";
import { DEFAULT_SPECIALS, Vocabulary } from "../../lib/text/vocab.ts";

// counts: the 4, cat 2, sat 2, </s> 2, on 1, mat 1, dog 1
const STREAM = "the cat sat on the mat </s> the dog sat the cat </s>".split(" ");

Deno.test("build: specials first, then words by descending count, ties alphabetical", () => {
  const vocab = Vocabulary.build(STREAM);
  // count 4: the; count 2: cat < sat; count 1: dog < mat < on
  assertEquals(vocab.tokens, ["<unk>", "</s>", "the", "cat", "sat", "dog", "mat", "on"]);
  assertEquals(vocab.size, 8);
  assertEquals(vocab.unkIndex, 0);
  assertEquals(vocab.boundaryIndex, 1);
  assertEquals(vocab.specials, DEFAULT_SPECIALS);
});

Deno.test("build: ties use code-unit order, so capitals come before lower case", () => {
  const vocab = Vocabulary.build(["b", "a", "B", "é", "A"]);
  // "A" (65) < "B" (66) < "a" (97) < "b" (98) < "é" (233)
  assertEquals(vocab.tokens.slice(2), ["A", "B", "a", "b", "é"]);
});

Deno.test("build: minCount sends rare words to <unk>, whose count is what it replaced", () => {
  const vocab = Vocabulary.build(STREAM, { minCount: 2 });
  assertEquals(vocab.tokens, ["<unk>", "</s>", "the", "cat", "sat"]);
  // on, mat, dog: one each
  assertEquals(vocab.count("<unk>"), 3);
  assertEquals(vocab.count("the"), 4);
  assertEquals(vocab.count("</s>"), 2);
  assertEquals(vocab.count("dog"), 0);
  assertEquals(vocab.count("never-seen"), 0);
  // The counts add up to the stream length: every token is counted once, somewhere.
  assertEquals(vocab.total, STREAM.length);
  assertEquals(vocab.minCount, 2);
  assertEquals(vocab.encode(["dog", "the", "</s>"]), new Int32Array([0, 2, 1]));
});

Deno.test("build: maxSize keeps the most frequent words, specials included in the size", () => {
  const vocab = Vocabulary.build(STREAM, { maxSize: 4 });
  assertEquals(vocab.tokens, ["<unk>", "</s>", "the", "cat"]);
  // sat 2 + dog 1 + mat 1 + on 1
  assertEquals(vocab.count("<unk>"), 5);
  assertEquals(vocab.maxSize, 4);
  assertEquals(Vocabulary.build(STREAM, { maxSize: 2 }).tokens, ["<unk>", "</s>"]);
});

Deno.test("build: a literal special in the stream is counted, not added twice", () => {
  const vocab = Vocabulary.build(["<unk>", "a", "<unk>", "</s>"]);
  assertEquals(vocab.tokens, ["<unk>", "</s>", "a"]);
  assertEquals(vocab.count("<unk>"), 2);
  assertEquals(vocab.count("</s>"), 1);
});

Deno.test("build: custom specials", () => {
  const vocab = Vocabulary.build(["x", "y", "x"], { specials: ["?", "|", "<pad>"] });
  assertEquals(vocab.tokens, ["?", "|", "<pad>", "x", "y"]);
  assertEquals(vocab.tokenOf(vocab.unkIndex), "?");
  assertEquals(vocab.tokenOf(vocab.boundaryIndex), "|");
  assertEquals(vocab.indexOf("z"), 0);
});

Deno.test("build: accepts any iterable and an empty stream", () => {
  function* gen() {
    yield "b";
    yield "a";
    yield "b";
  }
  assertEquals(Vocabulary.build(gen()).tokens, ["<unk>", "</s>", "b", "a"]);
  assertEquals(Vocabulary.build(new Set(["q"])).tokens, ["<unk>", "</s>", "q"]);
  const empty = Vocabulary.build([]);
  assertEquals(empty.tokens, ["<unk>", "</s>"]);
  assertEquals(empty.total, 0);
});

Deno.test("indexOf, has, tokenOf, encode and decode agree", () => {
  const vocab = Vocabulary.build(STREAM);
  assertEquals(vocab.indexOf("sat"), 4);
  assertEquals(vocab.indexOf("bird"), 0);
  assert(vocab.has("sat"));
  assert(vocab.has("<unk>"));
  assertFalse(vocab.has("bird"));
  assertEquals(vocab.tokenOf(4), "sat");
  const tokens = ["the", "dog", "sat", "on", "the", "mat", "</s>"];
  const indices = vocab.encode(tokens);
  assertEquals(indices, new Int32Array([2, 5, 4, 7, 2, 6, 1]));
  assertEquals(vocab.decode(indices), tokens);
  assertEquals(vocab.decode([0, 3]), ["<unk>", "cat"]);
  assertEquals(vocab.encode([]), new Int32Array(0));
});

Deno.test("the vocabulary cannot be changed from outside", () => {
  const input = ["a", "b", "a"];
  const copy = [...input];
  const vocab = Vocabulary.build(input);
  assertEquals(input, copy);
  assertThrows(() => (vocab.tokens as string[]).push("zzz"), TypeError);
  assertThrows(() => (vocab.specials as string[])[0] = "zzz", TypeError);
  // toJSON hands out copies.
  const json = vocab.toJSON();
  json.tokens[2] = "changed";
  assertEquals(vocab.tokenOf(2), "a");
  assertEquals(vocab.indexOf("a"), 2);
});

Deno.test("toJSON / fromJSON round trip through a JSON string", () => {
  const vocab = Vocabulary.build(STREAM, { minCount: 2, maxSize: 10 });
  const text = JSON.stringify(vocab);
  const back = Vocabulary.fromJSON(JSON.parse(text));
  assertEquals(back.tokens, vocab.tokens);
  assertEquals(back.specials, vocab.specials);
  assertEquals(back.count("<unk>"), 3);
  assertEquals(back.count("the"), 4);
  assertEquals(back.minCount, 2);
  assertEquals(back.maxSize, 10);
  assertEquals(back.encode(STREAM), vocab.encode(STREAM));
  assertEquals(JSON.parse(text).format, "mini-neural-lm/vocabulary");
  assertEquals(Vocabulary.fromJSON(Vocabulary.build([]).toJSON()).maxSize, null);
});

Deno.test("fromJSON refuses malformed objects with a message naming the field", () => {
  const good = Vocabulary.build(["a", "b"]).toJSON();
  const bad = (patch: Record<string, unknown>) => ({ ...good, ...patch });
  assertThrows(() => Vocabulary.fromJSON(null), TypeError, "Vocabulary.fromJSON: obj expected");
  assertThrows(() => Vocabulary.fromJSON([1]), TypeError, "obj expected a vocabulary object");
  assertThrows(() => Vocabulary.fromJSON(bad({ format: "x" })), RangeError, "obj.format expected");
  assertThrows(
    () => Vocabulary.fromJSON(bad({ version: 2 })),
    RangeError,
    "obj.version expected 1",
  );
  assertThrows(
    () => Vocabulary.fromJSON(bad({ tokens: "abc" })),
    TypeError,
    "obj.tokens expected an array of strings",
  );
  assertThrows(
    () => Vocabulary.fromJSON(bad({ tokens: ["<unk>", "</s>", 5], counts: [0, 0, 1] })),
    TypeError,
    "obj.tokens[2] expected a non-empty string, got 5",
  );
  assertThrows(
    () => Vocabulary.fromJSON(bad({ tokens: ["<unk>", "</s>", "a", "a"], counts: [0, 0, 1, 1] })),
    RangeError,
    "obj.tokens[3] expected a token not listed before",
  );
  assertThrows(
    () => Vocabulary.fromJSON(bad({ tokens: ["</s>", "<unk>", "a", "b"] })),
    RangeError,
    'obj.tokens[0] expected the special "<unk>" (specials come first)',
  );
  assertThrows(
    () => Vocabulary.fromJSON(bad({ counts: [0, 0, 1] })),
    RangeError,
    "obj.counts expected 4 counts (one per token), got 3",
  );
  assertThrows(
    () => Vocabulary.fromJSON(bad({ counts: [0, 0, 1, -1] })),
    RangeError,
    "obj.counts[3] expected a non-negative integer, got -1",
  );
  assertThrows(
    () => Vocabulary.fromJSON(bad({ specials: ["<unk>"] })),
    RangeError,
    "obj.specials expected at least 2 tokens",
  );
  assertThrows(
    () => Vocabulary.fromJSON(bad({ minCount: 0 })),
    RangeError,
    "obj.minCount expected a positive integer, got 0",
  );
  assertThrows(
    () => Vocabulary.fromJSON(bad({ maxSize: 1.5 })),
    RangeError,
    "obj.maxSize expected a positive integer, got 1.5",
  );
});

Deno.test("build refuses bad options and bad tokens", () => {
  assertThrows(
    () => Vocabulary.build(["a"], { minCount: 0 }),
    RangeError,
    "Vocabulary.build: options.minCount expected a positive integer, got 0",
  );
  assertThrows(
    () => Vocabulary.build(["a"], { minCount: 2.5 }),
    RangeError,
    "options.minCount expected a positive integer, got 2.5",
  );
  assertThrows(
    () => Vocabulary.build(["a"], { maxSize: 1 }),
    RangeError,
    "options.maxSize expected at least 2 (the number of specials), got 1",
  );
  assertThrows(
    () => Vocabulary.build(["a"], { specials: ["<unk>"] }),
    RangeError,
    "options.specials expected at least 2 tokens (the unknown token, then the boundary token)",
  );
  assertThrows(
    () => Vocabulary.build(["a"], { specials: ["x", "x"] }),
    RangeError,
    "options.specials[1] expected a token not listed before",
  );
  assertThrows(
    () => Vocabulary.build("a b" as unknown as string[]),
    TypeError,
    "Vocabulary.build: tokens expected an iterable of strings",
  );
  assertThrows(
    () => Vocabulary.build(["a", 3 as unknown as string]),
    TypeError,
    "tokens[1] expected a string, got 3",
  );
  assertThrows(
    () => Vocabulary.build(["a", "b", ""]),
    RangeError,
    'tokens[2] expected a non-empty string, got ""',
  );
});

Deno.test("tokenOf, decode and encode refuse bad indices and tokens", () => {
  const vocab = Vocabulary.build(["a"]);
  assertThrows(
    () => vocab.tokenOf(3),
    RangeError,
    "Vocabulary.tokenOf: index expected an index in [0, 3) (the vocabulary size), got 3",
  );
  assertThrows(() => vocab.tokenOf(-1), RangeError, "got -1");
  assertThrows(() => vocab.tokenOf(1.5), RangeError, "index expected an integer, got 1.5");
  assertThrows(() => vocab.tokenOf(NaN), RangeError, "index expected an integer, got NaN");
  assertThrows(
    () => vocab.decode([0, 2, 7]),
    RangeError,
    "Vocabulary.decode: indices[2] expected an index in [0, 3)",
  );
  assertThrows(() => vocab.decode(5 as unknown as number[]), TypeError, "indices expected");
  assertThrows(
    () => vocab.encode(["a", null as unknown as string]),
    TypeError,
    "Vocabulary.encode: tokens[1] expected a string, got null",
  );
  assertThrows(
    () => vocab.indexOf(7 as unknown as string),
    TypeError,
    "Vocabulary.indexOf: token expected a string, got 7",
  );
});

Deno.test("describe and console output show the size and the first tokens", () => {
  const vocab = Vocabulary.build(STREAM);
  assertEquals(vocab.describe(), "Vocabulary(8 tokens: <unk>, </s>, the, cat, sat, dog, mat, on)");
  assertEquals(Deno.inspect(vocab), vocab.describe());
  const big = Vocabulary.build(Array.from({ length: 20 }, (_, i) => `w${i}`));
  assert(big.describe().endsWith(", …)"));
});
