import { assert, assertEquals, assertLess, assertThrows } from "@std/assert";
import { gradCheck } from "../../lib/check/gradcheck.ts";
import { Rng } from "../../lib/random.ts";
import { clone, matrix, zeros } from "../../lib/tensor.ts";
import { linearBackward, linearForward } from "../../lib/nn/linear.ts";
import { randomMatrix, sumProduct } from "../helpers.ts";

// A layer with in = 3 inputs and out = 2 output units, and a batch of B = 2 rows.
const x = matrix([[1, 2, 3], [0, 1, 1]]);
const W = matrix([[1, 0, -1], [2, 1, 0]]); // [out, in]: row o = weights into unit o
const b = matrix([[0.5, -1]]);

Deno.test("linearForward: a 2-unit layer worked on paper", () => {
  // row 0: y0 = 1·1 + 0·2 + (−1)·3 + 0.5 = −1.5;  y1 = 2·1 + 1·2 + 0·3 − 1 = 3
  // row 1: y0 = 1·0 + 0·1 + (−1)·1 + 0.5 = −0.5;  y1 = 2·0 + 1·1 + 0·1 − 1 = 0
  const y = linearForward(x, W, b);
  assertEquals(y.shape, [2, 2]);
  assertEquals(y.toArrays(), [[-1.5, 3], [-0.5, 0]]);
});

Deno.test("linearBackward: gradients worked on paper (dW, db summed over the batch)", () => {
  const dy = matrix([[1, 2], [3, -1]]);
  const { dx, dW, db } = linearBackward(dy, x, W);
  // dx = dy·W:  row 0 = 1·[1, 0, −1] + 2·[2, 1, 0]    = [5, 2, −1]
  //             row 1 = 3·[1, 0, −1] + (−1)·[2, 1, 0] = [1, −1, −3]
  assertEquals(dx.toArrays(), [[5, 2, -1], [1, -1, -3]]);
  // dW = dyᵀ·x: dW[0] = 1·[1, 2, 3] + 3·[0, 1, 1]    = [1, 5, 6]
  //             dW[1] = 2·[1, 2, 3] + (−1)·[0, 1, 1] = [2, 3, 5]
  assertEquals(dW.toArrays(), [[1, 5, 6], [2, 3, 5]]);
  // db = column sums of dy = [1 + 3, 2 − 1]
  assertEquals(db.toArrays(), [[4, 1]]);
});

Deno.test("linearBackward: gradient check of dx, dW, db in float64 (loss = Σ y ⊙ R)", () => {
  const rng = new Rng(21);
  const params = {
    x: randomMatrix(rng, 4, 5),
    W: randomMatrix(rng, 3, 5),
    b: randomMatrix(rng, 1, 3),
  };
  const R = randomMatrix(rng, 4, 3);
  const loss = (p: typeof params) => sumProduct(linearForward(p.x, p.W, p.b), R);
  const { dx, dW, db } = linearBackward(R, params.x, params.W);
  const report = gradCheck(loss, params, { x: dx, W: dW, b: db });
  assertLess(report.x.maxRelError, 1e-6);
  assertLess(report.W.maxRelError, 1e-6);
  assertLess(report.b.maxRelError, 1e-6);
});

Deno.test("linear: float32 in, float32 out", () => {
  const x32 = clone(x, "float32"), W32 = clone(W, "float32"), b32 = clone(b, "float32");
  const y = linearForward(x32, W32, b32);
  assertEquals(y.dtype, "float32");
  assertEquals(y.toArrays(), [[-1.5, 3], [-0.5, 0]]); // exactly representable in float32
  const grads = linearBackward(matrix([[1, 2], [3, -1]], "float32"), x32, W32);
  assertEquals([grads.dx.dtype, grads.dW.dtype, grads.db.dtype], [
    "float32",
    "float32",
    "float32",
  ]);
  assertEquals(grads.dW.toArrays(), [[1, 5, 6], [2, 3, 5]]);
});

Deno.test("linear: pure (inputs unchanged, outputs fresh)", () => {
  const rng = new Rng(3);
  const xs = randomMatrix(rng, 3, 4), Ws = randomMatrix(rng, 2, 4), bs = randomMatrix(rng, 1, 2);
  const dy = randomMatrix(rng, 3, 2);
  const before = [clone(xs), clone(Ws), clone(bs), clone(dy)];
  const y = linearForward(xs, Ws, bs);
  const grads = linearBackward(dy, xs, Ws);
  assertEquals([xs, Ws, bs, dy], before);
  for (const out of [y, grads.dx, grads.dW, grads.db]) {
    for (const input of [xs, Ws, bs, dy]) assert(out.data.buffer !== input.data.buffer);
  }
});

Deno.test("linear: deterministic (same seed, same numbers)", () => {
  const run = () => {
    const rng = new Rng(8);
    const xs = randomMatrix(rng, 3, 4), Ws = randomMatrix(rng, 2, 4), bs = randomMatrix(rng, 1, 2);
    return [linearForward(xs, Ws, bs), linearBackward(randomMatrix(rng, 3, 2), xs, Ws)];
  };
  assertEquals(run(), run());
});

Deno.test("linearForward: shape errors name the argument and the reason", () => {
  assertThrows(
    () => linearForward(x, zeros(2, 4), b),
    RangeError,
    "linearForward: W expected shape [any, 3] (in = x.cols), got [2, 4]",
  );
  assertThrows(
    () => linearForward(x, W, zeros(1, 3)),
    RangeError,
    "linearForward: b expected shape [1, 2] (1 x out, out = W.rows), got [1, 3]",
  );
  assertThrows(
    () => linearForward(x, W, zeros(2, 2)),
    RangeError,
    "b expected shape [1, 2]",
  );
  assertThrows(
    () => linearForward(zeros(0, 3), W, b),
    RangeError,
    "linearForward: x expected at least one row",
  );
  assertThrows(
    () => linearForward([[1, 2, 3]] as never, W, b),
    TypeError,
    "linearForward: x expected a Matrix",
  );
  assertThrows(() => linearForward(x, W, null as never), TypeError, "b expected a Matrix");
});

Deno.test("linearBackward: shape errors name the argument and the reason", () => {
  assertThrows(
    () => linearBackward(zeros(2, 3), x, W),
    RangeError,
    "linearBackward: dy expected shape [2, 2] (B = x.rows, out = W.rows), got [2, 3]",
  );
  assertThrows(
    () => linearBackward(zeros(3, 2), x, W),
    RangeError,
    "dy expected shape [2, 2]",
  );
  assertThrows(
    () => linearBackward(zeros(2, 2), x, zeros(2, 2)),
    RangeError,
    "linearBackward: W expected shape [any, 3] (in = x.cols), got [2, 2]",
  );
  assertThrows(
    () => linearBackward(zeros(0, 2), zeros(0, 3), W),
    RangeError,
    "linearBackward: x expected at least one row",
  );
  assertThrows(() => linearBackward(undefined as never, x, W), TypeError, "dy expected a Matrix");
});
