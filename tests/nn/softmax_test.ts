import { assert, assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import { gradCheck } from "../../lib/check/gradcheck.ts";
import { Rng } from "../../lib/random.ts";
import { clone, type Matrix, matrix, zeros } from "../../lib/tensor.ts";
import { logSoftmax, softmax, softmaxBackward } from "../../lib/nn/softmax.ts";

function randomMatrix(rows: number, cols: number, rng: Rng, std = 1): Matrix {
  const m = zeros(rows, cols);
  for (let k = 0; k < m.data.length; k++) m.data[k] = rng.normal(0, std);
  return m;
}

function assertMatrixAlmostEquals(actual: Matrix, expected: number[][], tol: number): void {
  assertEquals(actual.shape, [expected.length, expected[0].length]);
  for (let i = 0; i < actual.rows; i++) {
    for (let j = 0; j < actual.cols; j++) {
      assertAlmostEquals(actual.get(i, j), expected[i][j], tol, `at [${i}, ${j}]`);
    }
  }
}

Deno.test("softmax matches hand-worked values", () => {
  // Row 0: exp(0) : exp(ln 2) : exp(ln 3) = 1 : 2 : 3, sum 6 -> [1/6, 2/6, 3/6].
  // Row 1: equal scores -> uniform [1/3, 1/3, 1/3].
  // Row 2: [1, 0, 0]: e / (e + 2) and 1 / (e + 2) twice.
  const e = Math.E;
  const p = softmax(matrix([[0, Math.log(2), Math.log(3)], [5, 5, 5], [1, 0, 0]]));
  assertMatrixAlmostEquals(p, [
    [1 / 6, 2 / 6, 3 / 6],
    [1 / 3, 1 / 3, 1 / 3],
    [e / (e + 2), 1 / (e + 2), 1 / (e + 2)],
  ], 1e-15);
});

Deno.test("softmax rows are distributions, and adding a constant to a row changes nothing", () => {
  const rng = new Rng(11);
  const s = randomMatrix(4, 7, rng, 3);
  const p = softmax(s);
  for (let b = 0; b < 4; b++) {
    let sum = 0;
    for (let j = 0; j < 7; j++) {
      assert(p.get(b, j) > 0 && p.get(b, j) < 1);
      sum += p.get(b, j);
    }
    assertAlmostEquals(sum, 1, 1e-14);
  }
  // exp(s_j + c) / Σ exp(s_k + c) = exp(s_j) / Σ exp(s_k): the max-shift argument, tested.
  const shifted = clone(s);
  for (let j = 0; j < 7; j++) shifted.data[2 * 7 + j] += 123.5;
  const q = softmax(shifted);
  for (let k = 0; k < p.data.length; k++) assertAlmostEquals(q.data[k], p.data[k], 1e-14);
});

Deno.test("softmax is stable for scores of ±1e4, where the naive formula gives NaN", () => {
  // The naive exp(1e4) is Infinity (Infinity / Infinity = NaN) and exp(-1e4) is 0 (0 / 0 = NaN).
  assert(Number.isNaN(Math.exp(1e4) / (Math.exp(1e4) + Math.exp(1e4))));
  assert(Number.isNaN(Math.exp(-1e4) / (Math.exp(-1e4) + Math.exp(-1e4))));
  const p = softmax(matrix([[1e4, 1e4 - 1, -1e4], [-1e4, -1e4, -1e4 - Math.log(2)]]));
  // Row 0 after the shift: exp(0) = 1, exp(-1), exp(-2e4) = 0 -> [1, e^-1, 0] / (1 + e^-1).
  const z = 1 + Math.exp(-1);
  // Row 1 after the shift: 1, 1, exp(-ln 2) = 1/2 -> [2/5, 2/5, 1/5].
  // Tolerance 1e-12: near 1e4 float64 numbers are 1.8e-12 apart, so -1e4 - ln 2 is rounded.
  assertMatrixAlmostEquals(p, [[1 / z, Math.exp(-1) / z, 0], [0.4, 0.4, 0.2]], 1e-12);
  for (const x of p.data) assert(Number.isFinite(x));
});

Deno.test("softmax output follows the input dtype", () => {
  const p = softmax(matrix([[0, Math.log(3)]], "float32"));
  assertEquals(p.dtype, "float32");
  assertAlmostEquals(p.get(0, 0), 0.25, 1e-7);
  assertEquals(softmax(matrix([[0, 1]])).dtype, "float64");
});

Deno.test("logSoftmax equals log(softmax) where both are finite, and stays finite beyond", () => {
  const rng = new Rng(5);
  const s = randomMatrix(3, 6, rng, 2);
  const p = softmax(s);
  const lp = logSoftmax(s);
  for (let k = 0; k < p.data.length; k++) {
    assertAlmostEquals(lp.data[k], Math.log(p.data[k]), 1e-13);
  }
  // [1e4, 0]: shift by 1e4 -> [0, -1e4]; log Σ = log(1 + e^-1e4) = log(1) = 0 in float64.
  // So lp = [0, -1e4], while softmax rounds p_1 = e^-1e4 to 0 and its log is -Infinity.
  const far = matrix([[1e4, 0]]);
  assertEquals(logSoftmax(far).toArrays(), [[0, -1e4]]);
  assertEquals(Math.log(softmax(far).get(0, 1)), -Infinity);
  // [0, ln 3]: log(1/4) and log(3/4).
  const hand = logSoftmax(matrix([[0, Math.log(3)]], "float32"));
  assertEquals(hand.dtype, "float32");
  assertAlmostEquals(hand.get(0, 0), Math.log(0.25), 1e-6);
  assertAlmostEquals(hand.get(0, 1), Math.log(0.75), 1e-6);
});

Deno.test("softmaxBackward matches a hand-worked Jacobian-vector product", () => {
  // p = [1/2, 1/2], dp = [1, 0]: Σ dp·p = 1/2, dz = [1/2·(1 − 1/2), 1/2·(0 − 1/2)] = [1/4, −1/4].
  // p = [0.2, 0.3, 0.5], dp = [1, 2, 3]: Σ dp·p = 0.2 + 0.6 + 1.5 = 2.3,
  //   dz = [0.2·(1 − 2.3), 0.3·(2 − 2.3), 0.5·(3 − 2.3)] = [−0.26, −0.09, 0.35] (sums to 0).
  assertMatrixAlmostEquals(
    softmaxBackward(matrix([[1, 0]]), matrix([[0.5, 0.5]])),
    [[0.25, -0.25]],
    1e-15,
  );
  assertMatrixAlmostEquals(
    softmaxBackward(matrix([[1, 2, 3]]), matrix([[0.2, 0.3, 0.5]])),
    [[-0.26, -0.09, 0.35]],
    1e-15,
  );
  // A gradient that is the same for every word moves no score: the probabilities sum to 1.
  const flat = softmaxBackward(matrix([[4, 4, 4]]), matrix([[0.2, 0.3, 0.5]]));
  for (const x of flat.data) assertAlmostEquals(x, 0, 1e-15);
});

Deno.test("softmaxBackward passes a gradient check of L(s) = Σ c ⊙ softmax(s)", () => {
  const rng = new Rng(21);
  const s = randomMatrix(3, 5, rng, 2);
  const c = randomMatrix(3, 5, rng); // dL/dp = c
  const loss = (q: { s: Matrix }) => {
    const p = softmax(q.s);
    let sum = 0;
    for (let k = 0; k < p.data.length; k++) sum += c.data[k] * p.data[k];
    return sum;
  };
  const report = gradCheck(loss, { s }, { s: softmaxBackward(c, softmax(s)) });
  assert(report.s.maxRelError < 1e-6, `maxRelError ${report.s.maxRelError}`);
});

Deno.test("softmaxBackward output follows the dtype of dp", () => {
  const p = matrix([[0.5, 0.5]]);
  assertEquals(softmaxBackward(matrix([[1, 0]], "float32"), p).dtype, "float32");
  assertEquals(softmaxBackward(matrix([[1, 0]]), matrix([[0.5, 0.5]], "float32")).dtype, "float64");
});

Deno.test("softmax, logSoftmax and softmaxBackward do not modify their inputs", () => {
  const rng = new Rng(3);
  const s = randomMatrix(2, 4, rng);
  const dp = randomMatrix(2, 4, rng);
  const sBefore = clone(s), dpBefore = clone(dp);
  const p = softmax(s);
  const pBefore = clone(p);
  logSoftmax(s);
  const dz = softmaxBackward(dp, p);
  assertEquals(s.data, sBefore.data);
  assertEquals(dp.data, dpBefore.data);
  assertEquals(p.data, pBefore.data);
  assert(p.data !== s.data && dz.data !== dp.data && dz.data !== p.data);
});

Deno.test("softmax and logSoftmax refuse NaN, ±Infinity, empty batches and non-matrices", () => {
  for (const f of [softmax, logSoftmax]) {
    const name = f.name;
    assertThrows(
      () => f(matrix([[0, NaN]])),
      RangeError,
      `${name}: scores expected finite numbers, got NaN at [0, 1]`,
    );
    assertThrows(() => f(matrix([[0, 1], [Infinity, 0]])), RangeError, "Infinity at [1, 0]");
    assertThrows(() => f(matrix([[-Infinity, 0]])), RangeError, "-Infinity at [0, 0]");
    assertThrows(() => f(zeros(0, 3)), RangeError, `${name}: scores expected at least one row`);
    assertThrows(() => f(zeros(2, 0)), RangeError, "at least one column");
    assertThrows(
      () => f([[0, 1]] as unknown as Matrix),
      TypeError,
      `${name}: scores expected a Matrix`,
    );
  }
});

Deno.test("softmaxBackward refuses mismatched shapes, non-finite entries and empty batches", () => {
  const p = matrix([[0.5, 0.5]]);
  assertThrows(
    () => softmaxBackward(matrix([[1, 0, 0]]), p),
    RangeError,
    "softmaxBackward: dp expected shape [1, 2] (the shape of p), got [1, 3]",
  );
  assertThrows(
    () => softmaxBackward(matrix([[-Infinity, 0]]), p),
    RangeError,
    "softmaxBackward: dp expected finite numbers, got -Infinity at [0, 0]",
  );
  assertThrows(
    () => softmaxBackward(matrix([[1, 0]]), matrix([[NaN, 0.5]])),
    RangeError,
    "softmaxBackward: p expected finite numbers, got NaN at [0, 0]",
  );
  assertThrows(() => softmaxBackward(zeros(0, 2), zeros(0, 2)), RangeError, "at least one row");
  assertThrows(() => softmaxBackward(matrix([[1, 0]]), undefined as unknown as Matrix), TypeError);
});
