import { assert, assertAlmostEquals, assertEquals, assertLess, assertThrows } from "@std/assert";
import { gradCheck } from "../../lib/check/gradcheck.ts";
import { Rng } from "../../lib/random.ts";
import { clone, type Matrix, matrix, zeros } from "../../lib/tensor.ts";
import { relu, reluBackward, tanh, tanhBackward } from "../../lib/nn/activation.ts";
import { randomMatrix, sumProduct } from "../helpers.ts";

/** Random entries pushed at least 0.1 away from 0, the kink of relu. */
function awayFromZero(rng: Rng, rows: number, cols: number): Matrix {
  const m = randomMatrix(rng, rows, cols);
  for (let k = 0; k < m.data.length; k++) {
    m.data[k] = m.data[k] >= 0 ? m.data[k] + 0.1 : m.data[k] - 0.1;
  }
  return m;
}

Deno.test("relu: max(0, x) by hand, 0 at x = 0, NaN passes through", () => {
  // max(0, −2) = 0, max(0, −0.5) = 0, max(0, 0) = 0, max(0, 0.5) = 0.5, max(0, 3) = 3
  const y = relu(matrix([[-2, -0.5, 0], [0.5, 3, -0]]));
  assertEquals(y.toArrays(), [[0, 0, 0], [0.5, 3, 0]]);
  assert(Object.is(y.data[5], 0), "relu(−0) is +0");
  assert(Number.isNaN(relu(matrix([[NaN]])).data[0]));
});

Deno.test("reluBackward: passes dy where x > 0, blocks it at x <= 0 (0 at the kink)", () => {
  const x = matrix([[-1, 0, 2, 1e-9]]);
  const dy = matrix([[10, 20, 30, 40]]);
  assertEquals(reluBackward(dy, x).toArrays(), [[0, 0, 30, 40]]);
});

Deno.test("reluBackward: gradient check in float64 (loss = Σ relu(x) ⊙ R)", () => {
  const rng = new Rng(31);
  const x = awayFromZero(rng, 4, 6);
  const R = randomMatrix(rng, 4, 6);
  const loss = (p: { x: Matrix }) => sumProduct(relu(p.x), R);
  const report = gradCheck(loss, { x }, { x: reluBackward(R, x) });
  assertLess(report.x.maxRelError, 1e-6);
});

Deno.test("tanh: values worked by hand", () => {
  // tanh(x) = (e^x − e^−x) / (e^x + e^−x), so tanh(0) = 0,
  // tanh(ln 2) = (2 − 1/2) / (2 + 1/2) = 0.6 and tanh(−ln 3) = −(3 − 1/3) / (3 + 1/3) = −0.8
  const y = tanh(matrix([[0, Math.log(2), -Math.log(3)]]));
  assertEquals(y.data[0], 0);
  assertAlmostEquals(y.data[1], 0.6, 1e-15);
  assertAlmostEquals(y.data[2], -0.8, 1e-15);
  // far out it rounds to ±1
  assertEquals(tanh(matrix([[40, -40]])).toArrays(), [[1, -1]]);
});

Deno.test("tanhBackward: dy·(1 − y²) with y the forward's OUTPUT", () => {
  // y = 0.6: 1 − 0.36 = 0.64, times dy = 2 -> 1.28; y = −0.8: 1 − 0.64 = 0.36, times 10 -> 3.6
  // y = 1: slope 0
  const dx = tanhBackward(matrix([[2, 10, 5]]), matrix([[0.6, -0.8, 1]]));
  assertAlmostEquals(dx.data[0], 1.28, 1e-12);
  assertAlmostEquals(dx.data[1], 3.6, 1e-12);
  assertEquals(dx.data[2], 0);
});

Deno.test("tanhBackward: gradient check in float64 (loss = Σ tanh(x) ⊙ R)", () => {
  const rng = new Rng(32);
  const x = randomMatrix(rng, 4, 6);
  const R = randomMatrix(rng, 4, 6);
  const loss = (p: { x: Matrix }) => sumProduct(tanh(p.x), R);
  const report = gradCheck(loss, { x }, { x: tanhBackward(R, tanh(x)) });
  assertLess(report.x.maxRelError, 1e-6);
});

Deno.test("activations: float32 in, float32 out", () => {
  const x = matrix([[-1, 0.5]], "float32");
  const dy = matrix([[1, 1]], "float32");
  assertEquals(relu(x).dtype, "float32");
  assertEquals(reluBackward(dy, x).dtype, "float32");
  assertEquals(tanh(x).dtype, "float32");
  assertEquals(tanhBackward(dy, tanh(x)).dtype, "float32");
  assertEquals(relu(x).toArrays(), [[0, 0.5]]);
});

Deno.test("activations: any shape, the empty one included", () => {
  assertEquals(relu(zeros(0, 3)).shape, [0, 3]);
  assertEquals(tanhBackward(zeros(2, 0), zeros(2, 0)).shape, [2, 0]);
});

Deno.test("activations: pure (inputs unchanged, outputs fresh)", () => {
  const rng = new Rng(4);
  const x = awayFromZero(rng, 3, 3), dy = randomMatrix(rng, 3, 3);
  const y = tanh(x);
  const before = [clone(x), clone(dy), clone(y)];
  const outs = [relu(x), reluBackward(dy, x), tanh(x), tanhBackward(dy, y)];
  assertEquals([x, dy, y], before);
  for (const out of outs) {
    for (const input of [x, dy, y]) assert(out.data.buffer !== input.data.buffer);
  }
});

Deno.test("activations: deterministic", () => {
  const run = () => {
    const x = randomMatrix(new Rng(6), 2, 5);
    return [relu(x), tanh(x), tanhBackward(x, tanh(x))];
  };
  assertEquals(run(), run());
});

Deno.test("activations: bad inputs", () => {
  assertThrows(() => relu([[1]] as never), TypeError, "relu: x expected a Matrix");
  assertThrows(() => tanh(undefined as never), TypeError, "tanh: x expected a Matrix");
  assertThrows(
    () => reluBackward(zeros(2, 3), zeros(3, 2)),
    RangeError,
    "reluBackward: x expected shape [2, 3] (the shape of dy), got [3, 2]",
  );
  assertThrows(
    () => tanhBackward(zeros(1, 2), zeros(1, 3)),
    RangeError,
    "tanhBackward: y expected shape [1, 2] (the shape of dy), got [1, 3]",
  );
  // Passing the input x instead of the output y: 2.5 cannot be a tanh value.
  assertThrows(
    () => tanhBackward(zeros(1, 2), matrix([[0.5, 2.5]])),
    RangeError,
    "tanhBackward: y expected values in [-1, 1] (the OUTPUT of tanh, not its input), " +
      "got 2.5 at [0, 1]",
  );
  assertThrows(
    () => tanhBackward(zeros(2, 1), matrix([[0], [NaN]])),
    RangeError,
    "got NaN at [1, 0]",
  );
  assertThrows(() => reluBackward("dy" as never, zeros(1, 1)), TypeError, "dy expected a Matrix");
});
