import { assert, assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import { gradCheck } from "../../lib/check/gradcheck.ts";
import { Rng } from "../../lib/random.ts";
import { clone, type Matrix, matrix, zeros } from "../../lib/tensor.ts";
import { softmax, softmaxBackward } from "../../lib/nn/softmax.ts";
import {
  crossEntropy,
  crossEntropyBackward,
  perplexity,
  softmaxCrossEntropyBackward,
} from "../../lib/nn/cross_entropy.ts";

function randomScores(rows: number, cols: number, rng: Rng): Matrix {
  const m = zeros(rows, cols);
  for (let k = 0; k < m.data.length; k++) m.data[k] = rng.normal(0, 2);
  return m;
}

const PROBS = [[0.5, 0.25, 0.25], [0.1, 0.8, 0.1]];

Deno.test("crossEntropy matches hand-worked values", () => {
  // −(ln 0.5 + ln 0.8) / 2 = (0.693147... + 0.223143...) / 2 = 0.458145...
  const loss = crossEntropy(matrix(PROBS), [0, 1]);
  assertAlmostEquals(loss, (Math.LN2 - Math.log(0.8)) / 2, 1e-15);
  assertAlmostEquals(loss, 0.4581453659, 1e-10);
  // The other targets: −(ln 0.25 + ln 0.1) / 2 = (1.386294... + 2.302585...) / 2 = 1.844439...
  assertAlmostEquals(crossEntropy(matrix(PROBS), [2, 2]), 1.8444397270, 1e-9);
  // A certain, correct prediction costs nothing: −ln 1 = 0.
  assertEquals(crossEntropy(matrix([[0, 1, 0]]), [1]), 0);
});

Deno.test("crossEntropy of a uniform prediction over V words is ln V, perplexity V", () => {
  const V = 8;
  const uniform = matrix([Array(V).fill(1 / V), Array(V).fill(1 / V)]);
  const loss = crossEntropy(uniform, [3, 7]);
  assertAlmostEquals(loss, Math.log(8), 1e-15);
  assertAlmostEquals(perplexity(loss), 8, 1e-12);
});

Deno.test("crossEntropy is Infinity, not clamped, when the target has probability 0", () => {
  const probs = matrix([[0, 1], [0.5, 0.5]]);
  assertEquals(crossEntropy(probs, [0, 1]), Infinity);
  assertEquals(perplexity(crossEntropy(probs, [0, 1])), Infinity);
  // A zero elsewhere in the row does not matter: −(ln 1 + ln 0.5) / 2 = ln 2 / 2.
  assertAlmostEquals(crossEntropy(probs, [1, 1]), Math.LN2 / 2, 1e-15);
  // The gradient at that target is −1 / (2·0) = −Infinity; the fused gradient stays finite.
  assertEquals(crossEntropyBackward(probs, [0, 1]).get(0, 0), -Infinity);
  // (p − onehot) / 2: row 0 ([0, 1] − [1, 0]) / 2, row 1 ([0.5, 0.5] − [0, 1]) / 2.
  const dz = softmaxCrossEntropyBackward(probs, [0, 1]);
  assertEquals(dz.toArrays(), [[-0.5, 0.5], [0.25, -0.25]]);
});

Deno.test("crossEntropyBackward matches hand-worked values and a gradient check", () => {
  // −1 / (B·p) at the targets, B = 2: −1 / (2·0.5) = −1 and −1 / (2·0.8) = −0.625.
  const dp = crossEntropyBackward(matrix(PROBS), [0, 1]);
  assertEquals(dp.toArrays(), [[-1, 0, 0], [0, -0.625, 0]]);
  const probs = matrix([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1], [0.25, 0.25, 0.5]]);
  const targets = [2, 0, 1];
  const report = gradCheck(
    (q: { probs: Matrix }) => crossEntropy(q.probs, targets),
    { probs },
    { probs: crossEntropyBackward(probs, targets) },
  );
  assert(report.probs.maxRelError < 1e-6, `maxRelError ${report.probs.maxRelError}`);
});

Deno.test("softmaxCrossEntropyBackward matches (p − onehot) / B worked by hand", () => {
  // B = 2. Row 0: ([0.5, 0.25, 0.25] − [1, 0, 0]) / 2 = [−0.25, 0.125, 0.125].
  //        Row 1: ([0.1, 0.8, 0.1] − [0, 0, 1]) / 2 = [0.05, 0.4, −0.45].
  const dz = softmaxCrossEntropyBackward(matrix(PROBS), [0, 2]);
  const expected = [[-0.25, 0.125, 0.125], [0.05, 0.4, -0.45]];
  for (let b = 0; b < 2; b++) {
    for (let j = 0; j < 3; j++) assertAlmostEquals(dz.get(b, j), expected[b][j], 1e-15);
  }
});

Deno.test("the fused gradient equals softmaxBackward(crossEntropyBackward(...))", () => {
  const rng = new Rng(8);
  const p = softmax(randomScores(5, 6, rng));
  const targets = [0, 5, 2, 2, 3];
  const fused = softmaxCrossEntropyBackward(p, targets);
  const chained = softmaxBackward(crossEntropyBackward(p, targets), p);
  for (let k = 0; k < fused.data.length; k++) {
    assertAlmostEquals(fused.data[k], chained.data[k], 1e-12);
  }
});

Deno.test("the fused gradient passes a gradient check of L(s) = crossEntropy(softmax(s), t)", () => {
  const rng = new Rng(9);
  const scores = randomScores(4, 7, rng);
  const targets = [6, 0, 3, 3];
  const report = gradCheck(
    (q: { scores: Matrix }) => crossEntropy(softmax(q.scores), targets),
    { scores },
    { scores: softmaxCrossEntropyBackward(softmax(scores), targets) },
  );
  assert(report.scores.maxRelError < 1e-6, `maxRelError ${report.scores.maxRelError}`);
});

Deno.test("cross-entropy gradients follow the dtype of probs", () => {
  const p32 = matrix(PROBS, "float32");
  assertEquals(crossEntropyBackward(p32, [0, 1]).dtype, "float32");
  assertEquals(softmaxCrossEntropyBackward(p32, [0, 1]).dtype, "float32");
  assertAlmostEquals(crossEntropy(p32, [0, 1]), 0.4581453659, 1e-7);
});

Deno.test("cross-entropy functions do not modify their inputs", () => {
  const probs = matrix(PROBS);
  const targets = [0, 1];
  const before = clone(probs);
  crossEntropy(probs, targets);
  const dp = crossEntropyBackward(probs, targets);
  const dz = softmaxCrossEntropyBackward(probs, targets);
  assertEquals(probs.data, before.data);
  assertEquals(targets, [0, 1]);
  assert(dp.data !== probs.data && dz.data !== probs.data);
});

Deno.test("perplexity is exp of the mean cross-entropy in nats", () => {
  assertEquals(perplexity(0), 1);
  assertAlmostEquals(perplexity(1), Math.E, 1e-15);
  assertAlmostEquals(perplexity(Math.log(17964)), 17964, 1e-8);
  assertThrows(
    () => perplexity(NaN),
    RangeError,
    "perplexity: meanCrossEntropy expected a mean cross-entropy >= 0 in nats, got NaN",
  );
  assertThrows(() => perplexity(-0.1), RangeError, "got -0.1");
  assertThrows(() => perplexity("2" as unknown as number), RangeError, 'got "2"');
});

Deno.test("targets are validated: count, integers, range, type", () => {
  const probs = matrix(PROBS);
  for (const f of [crossEntropy, crossEntropyBackward, softmaxCrossEntropyBackward]) {
    const name = f.name;
    assertThrows(
      () => f(probs, [0]),
      RangeError,
      `${name}: targets expected 2 targets (one per row), got 1`,
    );
    assertThrows(() => f(probs, [0, 1.5]), RangeError, `${name}: targets[1] expected an integer`);
    assertThrows(() => f(probs, [0, NaN]), RangeError, "targets[1] expected an integer, got NaN");
    assertThrows(() => f(probs, [3, 0]), RangeError, "targets[0] expected an index in [0, 3)");
    assertThrows(() => f(probs, [0, -1]), RangeError, "targets[1] expected an index in [0, 3)");
    assertThrows(
      () => f(probs, undefined as unknown as number[]),
      TypeError,
      `${name}: targets expected an array of target indices`,
    );
  }
  // Any ArrayLike of integers will do, e.g. the Int32Array that windows produce.
  assertEquals(crossEntropy(probs, new Int32Array([0, 1])), crossEntropy(probs, [0, 1]));
});

Deno.test("probs are validated: NaN, infinite, negative, above 1, empty batch, non-matrix", () => {
  for (const f of [crossEntropy, crossEntropyBackward, softmaxCrossEntropyBackward]) {
    const name = f.name;
    assertThrows(
      () => f(matrix([[0.5, NaN]]), [0]),
      RangeError,
      `${name}: probs expected probabilities in [0, 1], got NaN at row 0, column 1`,
    );
    assertThrows(
      () => f(matrix([[1, 0], [Infinity, 0]]), [0, 0]),
      RangeError,
      "got Infinity at row 1, column 0",
    );
    assertThrows(() => f(matrix([[1, 0], [0, -Infinity]]), [0, 0]), RangeError, "got -Infinity");
    assertThrows(
      () => f(matrix([[0.5, 0.5], [1.5, -0.5]]), [0, 0]),
      RangeError,
      "got 1.5 at row 1, column 0",
    );
    assertThrows(() => f(matrix([[0.5, -0.5]]), [0]), RangeError, "got -0.5 at row 0, column 1");
    // Above 1 is refused even where it is not the target's entry, and by the smallest margin.
    assertThrows(
      () => f(matrix([[0.25, 0.25, 0.5], [0.5, 0.25, 1 + 2 ** -52]]), [0, 0]),
      RangeError,
      `${name}: probs expected probabilities in [0, 1], got 1.0000000000000002 at row 1, column 2`,
    );
    assertThrows(() => f(matrix([[2, 0]], "float32"), [1]), RangeError, "got 2 at row 0, column 0");
    assertThrows(() => f(zeros(0, 3), []), RangeError, `${name}: probs expected at least one row`);
    assertThrows(
      () => f([[1]] as unknown as Matrix, [0]),
      TypeError,
      `${name}: probs expected a Matrix`,
    );
  }
});

Deno.test("probs at the ends of [0, 1] are accepted", () => {
  assertEquals(crossEntropy(matrix([[1, 0], [0, 1]]), [0, 1]), 0);
  assertEquals(crossEntropy(matrix([[1, 0]]), [1]), Infinity);
  assertEquals(crossEntropyBackward(matrix([[1, 0]]), [0]).toArrays(), [[-1, 0]]);
});
