/**
 * Inverted dropout: during training, zero each unit with probability `rate` and scale the
 * survivors by `1 / (1 − rate)`; at evaluation, do nothing.
 *
 * ```text
 * mask[i][j] = 0               with probability rate
 *            = 1 / (1 − rate)  with probability 1 − rate
 * forward    y  = x  ⊙ mask
 * backward   dx = dy ⊙ mask
 * ```
 *
 * The scaling keeps the expected value of every unit unchanged,
 * `E[mask] = (1 − rate) · 1 / (1 − rate) = 1`, so the layer after dropout sees inputs of the same
 * size in training and at evaluation and nothing needs rescaling at test time (that is what
 * "inverted" means). The forward is a product with a fixed mask, so its backward multiplies by
 * the same mask: keep the mask from the forward and pass it to {@linkcode dropoutBackward}.
 *
 * @module
 */

import { argError, describeValue } from "../errors.ts";
import { Rng } from "../random.ts";
import { checkMatrix, type DType, type Matrix, zeros } from "../tensor.ts";

function checkRate(fn: string, rate: unknown): number {
  if (typeof rate !== "number" || !(rate >= 0 && rate < 1)) {
    throw argError(fn, "rate", "a probability in [0, 1)", describeValue(rate));
  }
  return rate;
}

function checkRng(fn: string, arg: string, rng: unknown): asserts rng is Rng {
  if (!(rng instanceof Rng)) {
    throw argError(fn, arg, "an Rng", describeValue(rng), TypeError);
  }
}

/**
 * A fresh inverted-dropout mask, `[rows, cols]`: each entry is `0` with probability `rate` and
 * `1 / (1 − rate)` otherwise.
 *
 * Entry `(i, j)` is decided by one draw `u = rng.uniform()` (`0` when `u < rate`), and the
 * draws are taken in ROW-MAJOR order: `(0, 0), (0, 1), …, (0, cols − 1), (1, 0), …`. Exactly
 * `rows · cols` draws are used, even when `rate` is 0, so the same seed gives the same mask and
 * leaves `rng` in the same state on every run: that is what makes training reproducible.
 *
 * @param rows number of rows (the batch size)
 * @param cols number of columns (the layer width)
 * @param rate drop probability, in `[0, 1)`
 * @param rng the generator the draws come from (it advances by `rows · cols` draws)
 * @param dtype `"float64"` (default) or `"float32"`
 * @returns the mask
 * @throws {RangeError} for a `rate` outside `[0, 1)` or `NaN`, or a bad `rows`/`cols`
 * @throws {TypeError} when `rng` is not an Rng
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { Rng } from "../random.ts";
 * import { dropoutMask } from "./dropout.ts";
 * const mask = dropoutMask(2, 3, 0.5, new Rng(1));
 * assert(Array.from(mask.data).every((m) => m === 0 || m === 2)); // 1 / (1 − 0.5) = 2
 * ```
 */
export function dropoutMask(
  rows: number,
  cols: number,
  rate: number,
  rng: Rng,
  dtype: DType = "float64",
): Matrix {
  const fn = "dropoutMask";
  for (const [arg, n] of [["rows", rows], ["cols", cols]] as const) {
    if (!Number.isInteger(n) || n < 0) {
      throw argError(fn, arg, "a non-negative integer", describeValue(n));
    }
  }
  checkRate(fn, rate);
  checkRng(fn, "rng", rng);
  const mask = zeros(rows, cols, dtype);
  const keep = 1 / (1 - rate);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      mask.data[i * cols + j] = rng.uniform() < rate ? 0 : keep;
    }
  }
  return mask;
}

/**
 * Applies a dropout mask: `y = x ⊙ mask` (entry by entry).
 *
 * @param x the activations, any shape
 * @param mask a mask from {@linkcode dropoutMask}, same shape as `x`
 * @returns `y`, shape and dtype of `x`
 * @throws {TypeError} when an argument is not a Matrix
 * @throws {RangeError} when the shapes differ
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { matrix } from "../tensor.ts";
 * import { dropoutForward } from "./dropout.ts";
 * const y = dropoutForward(matrix([[1, 2, 3]]), matrix([[2, 0, 2]]));
 * assertEquals(y.toArrays(), [[2, 0, 6]]);
 * ```
 */
export function dropoutForward(x: Matrix, mask: Matrix): Matrix {
  const fn = "dropoutForward";
  checkMatrix(fn, "x", x);
  checkMatrix(fn, "mask", mask, [x.rows, x.cols], "the shape of x");
  const y = zeros(x.rows, x.cols, x.dtype);
  for (let k = 0; k < x.data.length; k++) y.data[k] = x.data[k] * mask.data[k];
  return y;
}

/**
 * The backward of {@linkcode dropoutForward}: since `y = x ⊙ mask` with `mask` a constant,
 * `dx = dy ⊙ mask`. A dropped unit passes no gradient; a kept one passes it scaled by
 * `1 / (1 − rate)`.
 *
 * @param dy gradient of the loss with respect to `y`
 * @param mask the SAME mask the forward used, same shape as `dy`
 * @returns `dx`, shape and dtype of `dy`
 * @throws {TypeError} when an argument is not a Matrix
 * @throws {RangeError} when the shapes differ
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { matrix } from "../tensor.ts";
 * import { dropoutBackward } from "./dropout.ts";
 * const dx = dropoutBackward(matrix([[5, 5, 5]]), matrix([[2, 0, 2]]));
 * assertEquals(dx.toArrays(), [[10, 0, 10]]);
 * ```
 */
export function dropoutBackward(dy: Matrix, mask: Matrix): Matrix {
  const fn = "dropoutBackward";
  checkMatrix(fn, "dy", dy);
  checkMatrix(fn, "mask", mask, [dy.rows, dy.cols], "the shape of dy");
  const dx = zeros(dy.rows, dy.cols, dy.dtype);
  for (let k = 0; k < dy.data.length; k++) dx.data[k] = dy.data[k] * mask.data[k];
  return dx;
}
