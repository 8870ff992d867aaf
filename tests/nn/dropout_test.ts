import { assert, assertEquals, assertLess, assertThrows } from "@std/assert";
import { gradCheck } from "../../lib/check/gradcheck.ts";
import { Rng } from "../../lib/random.ts";
import { clone, type Matrix, matrix, zeros } from "../../lib/tensor.ts";
import { dropoutBackward, dropoutForward, dropoutMask } from "../../lib/nn/dropout.ts";
import { randomMatrix, sumProduct } from "../helpers.ts";

Deno.test("dropoutMask: entries follow rng.uniform() in row-major order", () => {
  const rate = 0.3;
  const mask = dropoutMask(3, 4, rate, new Rng(17));
  // Replay the same stream: entry (i, j) is the (i·cols + j)-th draw, 0 when u < rate.
  const replay = new Rng(17);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 4; j++) {
      const u = replay.uniform();
      assertEquals(mask.get(i, j), u < rate ? 0 : 1 / (1 - rate), `entry (${i}, ${j})`);
    }
  }
});

Deno.test("dropoutMask: uses exactly rows·cols draws, rate 0 included", () => {
  for (const rate of [0, 0.5]) {
    const rng = new Rng(3), reference = new Rng(3);
    dropoutMask(2, 5, rate, rng);
    for (let k = 0; k < 10; k++) reference.uniform();
    assertEquals(rng.state(), reference.state());
  }
  // with rate 0 every entry is kept, scaled by 1 / (1 − 0) = 1
  assertEquals(dropoutMask(2, 2, 0, new Rng(1)).toArrays(), [[1, 1], [1, 1]]);
});

Deno.test("dropoutMask: expected value preserved (mean ≈ 1), drop fraction ≈ rate", () => {
  const rate = 0.25, n = 200 * 500;
  const mask = dropoutMask(200, 500, rate, new Rng(123));
  let sum = 0, dropped = 0;
  for (const m of mask.data) {
    assert(m === 0 || m === 1 / (1 - rate), `entry ${m}`);
    sum += m;
    if (m === 0) dropped++;
  }
  // Each entry has mean 1 and variance rate / (1 − rate) = 1/3, so the mean of n = 100,000
  // entries has standard deviation sqrt(1/3 / n) ≈ 0.0018; 0.01 is more than 5 of those.
  assertLess(Math.abs(sum / n - 1), 0.01);
  // The dropped fraction has standard deviation sqrt(0.25·0.75 / n) ≈ 0.0014.
  assertLess(Math.abs(dropped / n - rate), 0.01);
});

Deno.test("dropoutMask: same seed, same mask; another seed, another mask", () => {
  const a = dropoutMask(10, 10, 0.5, new Rng(7));
  const b = dropoutMask(10, 10, 0.5, new Rng(7));
  const c = dropoutMask(10, 10, 0.5, new Rng(8));
  assertEquals(a, b);
  assert(a.data.some((v, k) => v !== c.data[k]));
});

Deno.test("dropoutForward / dropoutBackward: products with the mask, by hand", () => {
  // rate 0.5: kept entries are scaled by 1 / (1 − 0.5) = 2
  const mask = matrix([[2, 0], [0, 2]]);
  // y = x ⊙ mask = [[1·2, 2·0], [3·0, 4·2]]
  assertEquals(dropoutForward(matrix([[1, 2], [3, 4]]), mask).toArrays(), [[2, 0], [0, 8]]);
  // dx = dy ⊙ mask = [[0.5·2, 7·0], [7·0, −1·2]]
  assertEquals(dropoutBackward(matrix([[0.5, 7], [7, -1]]), mask).toArrays(), [[1, 0], [0, -2]]);
});

Deno.test("dropoutBackward: gradient check in float64 with a fixed mask", () => {
  const rng = new Rng(41);
  const x = randomMatrix(rng, 5, 6);
  const R = randomMatrix(rng, 5, 6);
  const mask = dropoutMask(5, 6, 0.4, rng);
  const loss = (p: { x: Matrix }) => sumProduct(dropoutForward(p.x, mask), R);
  const report = gradCheck(loss, { x }, { x: dropoutBackward(R, mask) });
  assertLess(report.x.maxRelError, 1e-6);
});

Deno.test("dropout: float32 in, float32 out", () => {
  const x = matrix([[1, 2, 3, 4]], "float32");
  const mask = dropoutMask(1, 4, 0.5, new Rng(1), "float32");
  assertEquals(mask.dtype, "float32");
  assertEquals(dropoutForward(x, mask).dtype, "float32");
  assertEquals(dropoutBackward(x, matrix([[2, 0, 2, 0]])).dtype, "float32");
});

Deno.test("dropout: pure (inputs unchanged, outputs fresh)", () => {
  const rng = new Rng(12);
  const x = randomMatrix(rng, 3, 4), dy = randomMatrix(rng, 3, 4);
  const mask = dropoutMask(3, 4, 0.5, rng);
  const before = [clone(x), clone(dy), clone(mask)];
  const outs = [dropoutForward(x, mask), dropoutBackward(dy, mask)];
  assertEquals([x, dy, mask], before);
  for (const out of outs) {
    for (const input of [x, dy, mask]) assert(out.data.buffer !== input.data.buffer);
  }
});

Deno.test("dropout: bad inputs", () => {
  const x = zeros(2, 2);
  for (const rate of [-0.1, 1, 1.5, NaN]) {
    assertThrows(
      () => dropoutMask(2, 2, rate, new Rng(0)),
      RangeError,
      `dropoutMask: rate expected a probability in [0, 1), got ${rate}`,
    );
  }
  assertThrows(
    () => dropoutMask(2, 2, "0.5" as never, new Rng(0)),
    RangeError,
    "rate expected a probability",
  );
  assertThrows(
    () => dropoutMask(2, 2, 0.5, Math.random as never),
    TypeError,
    "dropoutMask: rng expected an Rng",
  );
  assertThrows(
    () => dropoutMask(-1, 2, 0.5, new Rng(0)),
    RangeError,
    "dropoutMask: rows expected a non-negative integer, got -1",
  );
  assertThrows(
    () => dropoutMask(2, 1.5, 0.5, new Rng(0)),
    RangeError,
    "dropoutMask: cols expected a non-negative integer, got 1.5",
  );
  assertThrows(
    () => dropoutForward(x, zeros(2, 3)),
    RangeError,
    "dropoutForward: mask expected shape [2, 2] (the shape of x), got [2, 3]",
  );
  assertThrows(
    () => dropoutBackward(zeros(1, 2), zeros(2, 2)),
    RangeError,
    "dropoutBackward: mask expected shape [1, 2] (the shape of dy), got [2, 2]",
  );
  assertThrows(() => dropoutForward([[1]] as never, x), TypeError, "x expected a Matrix");
});
