import { assert, assertEquals, assertLess, assertThrows } from "@std/assert";
import { gradCheck } from "../../lib/check/gradcheck.ts";
import { Rng } from "../../lib/random.ts";
import { clone, indexMatrix, type Matrix, matrix, zeros } from "../../lib/tensor.ts";
import { embeddingBackward, embeddingForward } from "../../lib/nn/embedding.ts";
import { randomMatrix, sumProduct } from "../helpers.ts";

// V = 4 words, d = 2 features; row w of E is the feature vector of word w.
const E = matrix([
  [1, 2], // word 0
  [3, 4], // word 1
  [5, 6], // word 2
  [7, 8], // word 3
]);

Deno.test("embeddingForward: a 3-word context [2, 0, 2] concatenates E[2], E[0], E[2]", () => {
  // x = concat(E[2], E[0], E[2]) = [5, 6] ++ [1, 2] ++ [5, 6]
  const x = embeddingForward(E, indexMatrix([[2, 0, 2]]));
  assertEquals(x.shape, [1, 6]);
  assertEquals(x.toArrays(), [[5, 6, 1, 2, 5, 6]]);
});

Deno.test("embeddingForward: one row per context in a batch", () => {
  // row 0: E[3] ++ E[1] = [7, 8, 3, 4]; row 1: E[0] ++ E[0] = [1, 2, 1, 2]
  const x = embeddingForward(E, indexMatrix([[3, 1], [0, 0]]));
  assertEquals(x.toArrays(), [[7, 8, 3, 4], [1, 2, 1, 2]]);
});

Deno.test("embeddingBackward: repeated words sum, unused rows stay zero", () => {
  // contexts [[2, 0, 2]], dx = [[1, 2, 3, 4, 5, 6]] split into d = 2 slices per position:
  //   position 0 (word 2): [1, 2]; position 1 (word 0): [3, 4]; position 2 (word 2): [5, 6]
  // dE[0] = [3, 4]; dE[2] = [1 + 5, 2 + 6] = [6, 8]; dE[1] = dE[3] = [0, 0]
  const dE = embeddingBackward(matrix([[1, 2, 3, 4, 5, 6]]), indexMatrix([[2, 0, 2]]), 4);
  assertEquals(dE.shape, [4, 2]);
  assertEquals(dE.toArrays(), [[3, 4], [0, 0], [6, 8], [0, 0]]);
});

Deno.test("embeddingBackward: a word repeated across the batch collects every row", () => {
  // d = 1. Word 1 occurs at (0, 1) with 10 and at (1, 0) with 100; word 3 at (0, 0) with 1
  // and at (1, 1) with 1000. dE = [0, 110, 0, 1001].
  const dE = embeddingBackward(matrix([[1, 10], [100, 1000]]), indexMatrix([[3, 1], [1, 3]]), 4);
  assertEquals(dE.toArrays(), [[0], [110], [0], [1001]]);
});

Deno.test("embeddingBackward: gradient check of dE in float64 (loss = Σ x ⊙ R)", () => {
  const rng = new Rng(11);
  const V = 7, d = 3;
  const table = randomMatrix(rng, V, d);
  // Word 4 repeats inside a context and across rows; words 1 and 6 are unused.
  const contexts = indexMatrix([[4, 0, 4], [2, 4, 5], [3, 3, 0]]);
  const R = randomMatrix(rng, contexts.rows, contexts.cols * d);
  const loss = (p: { E: Matrix }) => sumProduct(embeddingForward(p.E, contexts), R);
  const dE = embeddingBackward(R, contexts, V);
  const report = gradCheck(loss, { E: table }, { E: dE });
  assertLess(report.E.maxRelError, 1e-6);
  // The unused rows are exactly zero, not merely small.
  assertEquals(dE.row(1), [0, 0, 0]);
  assertEquals(dE.row(6), [0, 0, 0]);
});

Deno.test("embedding: float32 in, float32 out", () => {
  const E32 = clone(E, "float32");
  const contexts = indexMatrix([[2, 0, 2]]);
  const x = embeddingForward(E32, contexts);
  assertEquals(x.dtype, "float32");
  assertEquals(x.toArrays(), [[5, 6, 1, 2, 5, 6]]);
  const dx = matrix([[1, 2, 3, 4, 5, 6]], "float32");
  assertEquals(embeddingBackward(dx, contexts, 4).dtype, "float32");
});

Deno.test("embedding: pure (inputs unchanged, outputs fresh)", () => {
  const table = clone(E);
  const contexts = indexMatrix([[2, 0, 2], [1, 1, 3]]);
  const contextsBefore = contexts.data.slice();
  const dx = randomMatrix(new Rng(2), 2, 6);
  const dxBefore = clone(dx);
  const x = embeddingForward(table, contexts);
  const dE = embeddingBackward(dx, contexts, 4);
  assertEquals(table.data, E.data);
  assertEquals(contexts.data, contextsBefore);
  assertEquals(dx.data, dxBefore.data);
  assert(x.data.buffer !== table.data.buffer);
  assert(dE.data.buffer !== dx.data.buffer);
});

Deno.test("embedding: deterministic (same inputs, same numbers)", () => {
  const make = () => {
    const rng = new Rng(99);
    const table = randomMatrix(rng, 5, 3);
    const dx = randomMatrix(rng, 2, 6);
    const contexts = indexMatrix([[4, 1], [1, 0]]);
    return [embeddingForward(table, contexts), embeddingBackward(dx, contexts, 5)];
  };
  assertEquals(make(), make());
});

Deno.test("embeddingForward: bad inputs", () => {
  assertThrows(
    () => embeddingForward(E, indexMatrix([[2, 4, 0]])),
    RangeError,
    "embeddingForward: contexts expected an index in [0, 4) (the vocabulary size), got 4 at [0, 1]",
  );
  assertThrows(
    () => embeddingForward(E, indexMatrix([[0], [-1]])),
    RangeError,
    "got -1 at [1, 0]",
  );
  assertThrows(
    () => embeddingForward(E, indexMatrix([])),
    RangeError,
    "contexts expected at least one row",
  );
  assertThrows(
    () => embeddingForward(E, indexMatrix([[], []])),
    RangeError,
    "contexts expected at least one column",
  );
  assertThrows(
    () => embeddingForward(E, [[0, 1]] as never),
    TypeError,
    "embeddingForward: contexts expected an IndexMatrix",
  );
  assertThrows(
    () => embeddingForward([[1, 2]] as never, indexMatrix([[0]])),
    TypeError,
    "embeddingForward: E expected a Matrix",
  );
});

Deno.test("embeddingBackward: bad inputs", () => {
  const contexts = indexMatrix([[2, 0, 2]]);
  assertThrows(
    () => embeddingBackward(matrix([[1, 2, 3, 4, 5]]), contexts, 4),
    RangeError,
    "embeddingBackward: dx expected (n-1)·d columns, a multiple of contexts.cols = 3, got 5",
  );
  assertThrows(
    () => embeddingBackward(zeros(2, 6), contexts, 4),
    RangeError,
    "embeddingBackward: dx expected shape [1, any] (B = contexts.rows), got [2, 6]",
  );
  assertThrows(
    () => embeddingBackward(zeros(1, 6), contexts, 2),
    RangeError,
    "contexts expected an index in [0, 2) (the vocabulary size), got 2 at [0, 0]",
  );
  assertThrows(
    () => embeddingBackward(zeros(1, 6), contexts, 2.5),
    RangeError,
    "embeddingBackward: vocabSize expected a positive integer, got 2.5",
  );
  assertThrows(
    () => embeddingBackward(zeros(0, 6), indexMatrix([]), 4),
    RangeError,
    "contexts expected at least one row",
  );
  assertThrows(
    () => embeddingBackward("dx" as never, contexts, 4),
    TypeError,
    "embeddingBackward: dx expected a Matrix",
  );
});
