import { assert, assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import {
  add,
  checkFinite,
  checkIndices,
  checkMatrix,
  checkNonEmpty,
  clone,
  full,
  IndexMatrix,
  indexMatrix,
  inspect,
  Matrix,
  matrix,
  rowVector,
  stats,
  toTargets,
  zeros,
} from "../lib/tensor.ts";

Deno.test("Matrix stores entries row by row: (i, j) at data[i * cols + j]", () => {
  const m = matrix([[1, 2, 3], [4, 5, 6]]);
  assertEquals(m.shape, [2, 3]);
  assertEquals(m.get(0, 2), 3);
  assertEquals(m.get(1, 1), 5);
  assertEquals(m.data[1 * 3 + 2], 6);
  assertEquals(m.row(1), [4, 5, 6]);
  assertEquals(m.toArrays(), [[1, 2, 3], [4, 5, 6]]);
  assertEquals(m.dtype, "float64");
  assertEquals(matrix([[1]], "float32").dtype, "float32");
});

Deno.test("Matrix refuses data of the wrong length or type", () => {
  assertThrows(() => new Matrix(2, 2, new Float64Array(3)), RangeError, "Matrix: data expected 4");
  assertThrows(
    () => new Matrix(1, 1, [1] as unknown as Float64Array),
    TypeError,
    "a Float64Array or Float32Array",
  );
  assertThrows(() => new Matrix(-1, 2, new Float64Array(0)), RangeError, "rows expected");
  assertThrows(() => new Matrix(1.5, 2, new Float64Array(3)), RangeError, "non-negative integer");
});

Deno.test("matrix() refuses ragged rows and non-numbers, naming the entry", () => {
  assertThrows(() => matrix([[1, 2], [3]]), RangeError, "matrix: values[1] expected a row of 2");
  assertThrows(
    () => matrix([[1, "2" as unknown as number]]),
    TypeError,
    "values[0][1] expected a number",
  );
});

Deno.test("indexMatrix refuses fractions, NaN and values beyond 32 bits", () => {
  assertEquals(indexMatrix([[0, 1], [2, 3]]).toArrays(), [[0, 1], [2, 3]]);
  assertThrows(() => indexMatrix([[0, 1.5]]), RangeError, "values[0][1] expected an integer");
  assertThrows(() => indexMatrix([[NaN]]), RangeError, "got NaN");
  assertThrows(() => indexMatrix([[2 ** 31]]), RangeError, "an integer");
  assertThrows(() => new IndexMatrix(1, 2, new Int32Array(3)), RangeError, "2 entries");
});

Deno.test("constructors: zeros, full, rowVector, clone (fresh storage)", () => {
  assertEquals(zeros(2, 3).toArrays(), [[0, 0, 0], [0, 0, 0]]);
  assertEquals(full(2, 1, -2).toArrays(), [[-2], [-2]]);
  assertEquals(rowVector([1, 2]).shape, [1, 2]);
  const a = matrix([[1.25, 2]]);
  const b = clone(a);
  b.data[0] = 9;
  assertEquals(a.get(0, 0), 1.25, "clone must not share storage");
  assertEquals(clone(a, "float32").dtype, "float32");
});

Deno.test("checkMatrix names function, argument, expected and actual shape", () => {
  const e = assertThrows(
    () => checkMatrix("linearForward", "W", zeros(2, 4), [undefined, 3], "in = x.cols"),
    RangeError,
  );
  assertEquals(
    e.message,
    "linearForward: W expected shape [any, 3] (in = x.cols), got [2, 4]",
  );
  assertThrows(() => checkMatrix("f", "x", [[1]]), TypeError, "f: x expected a Matrix");
});

Deno.test("checkFinite reports the first NaN or infinity and its position", () => {
  checkFinite("f", "x", matrix([[1, 2]]));
  assertThrows(
    () => checkFinite("f", "x", matrix([[1, 2], [Infinity, 0]])),
    RangeError,
    "at [1, 0]",
  );
  assertThrows(() => checkFinite("f", "x", matrix([[-Infinity]])), RangeError, "got -Infinity");
});

Deno.test("checkNonEmpty refuses an empty batch", () => {
  assertThrows(
    () => checkNonEmpty("f", "x", zeros(0, 2)),
    RangeError,
    "f: x expected at least one",
  );
  checkNonEmpty("f", "x", zeros(1, 0));
});

Deno.test("checkIndices: out of vocabulary, negative, wrong type, wrong width", () => {
  const ok = indexMatrix([[0, 3]]);
  checkIndices("f", "contexts", ok, 4);
  assertThrows(() => checkIndices("f", "contexts", ok, 3), RangeError, "got 3 at [0, 1]");
  assertThrows(() => checkIndices("f", "contexts", indexMatrix([[-1]]), 3), RangeError, "got -1");
  assertThrows(() => checkIndices("f", "contexts", [[0]], 3), TypeError, "an IndexMatrix");
  assertThrows(() => checkIndices("f", "contexts", ok, 4, 3), RangeError, "3 columns");
});

Deno.test("toTargets checks count, integrality and range", () => {
  assertEquals(toTargets("f", "t", new Int32Array([1, 0]), 2, 2), new Int32Array([1, 0]));
  assertThrows(() => toTargets("f", "t", [1], 2, 2), RangeError, "2 targets (one per row), got 1");
  assertThrows(
    () => toTargets("f", "t", [1, 2], 2, 2),
    RangeError,
    "t[1] expected an index in [0, 2)",
  );
  assertThrows(() => toTargets("f", "t", [1, 0.5], 2, 2), RangeError, "t[1] expected an integer");
  assertThrows(() => toTargets("f", "t", 3 as unknown as number[], 1, 2), TypeError);
});

Deno.test("stats: population std, worked by hand", () => {
  // entries 1, 2, 3, 6: mean 3; squared deviations 4, 1, 0, 9 -> variance 14/4 = 3.5
  const s = stats(matrix([[1, 2], [3, 6]]));
  assertEquals([s.min, s.mean, s.max], [1, 3, 6]);
  assertAlmostEquals(s.std, Math.sqrt(3.5), 1e-12);
  assert(Number.isNaN(stats(zeros(0, 0)).mean));
});

Deno.test("inspect shows shape, dtype, stats and the first values, eliding the rest", () => {
  const text = inspect(matrix([[1, 2, 3, 4], [5, 6, 7, 8]], "float32"), 3);
  // 1..8: mean 4.5, squared deviations sum to 42, variance 42 / 8 = 5.25, std 2.2913
  assertEquals(text, "Matrix [2, 4] float32  min 1  mean 4.5  max 8  std 2.2913  [1, 2, 3, …]");
  assertEquals(Deno.inspect(matrix([[0.5]])), inspect(matrix([[0.5]])));
});

Deno.test("add sums entry by entry, keeps a's dtype and refuses mismatched shapes", () => {
  const a = matrix([[1, 2], [3, 4]], "float32");
  const c = add(a, matrix([[0.5, 0], [0, -4]]));
  assertEquals(c.toArrays(), [[1.5, 2], [3, 0]]);
  assertEquals(c.dtype, "float32");
  assertEquals(a.toArrays(), [[1, 2], [3, 4]], "inputs untouched");
  assertThrows(() => add(a, matrix([[1, 2]])), RangeError, "add: b expected shape [2, 2]");
});
