/**
 * Element-wise non-linearities for the hidden layer, each with its backward beside it.
 *
 * ```text
 * relu   y = max(0, x)      dx = dy · [x > 0]
 * tanh   y = tanh(x)        dx = dy · (1 − y²)
 * ```
 *
 * Bengio et al. (2003) used `tanh`; `relu` is the common modern choice. Both work on any shape
 * (an empty matrix included) and return a matrix of the input's shape and dtype.
 *
 * @module
 */

import { argError } from "../errors.ts";
import { checkMatrix, type Matrix, zeros } from "../tensor.ts";

/**
 * The rectified linear unit, entry by entry: `y = max(0, x)`.
 *
 * A `NaN` input stays `NaN` (so a diverging run shows up downstream instead of being zeroed).
 *
 * @param x any matrix
 * @returns `y`, same shape and dtype as `x`
 * @throws {TypeError} when `x` is not a Matrix
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { matrix } from "../tensor.ts";
 * import { relu } from "./activation.ts";
 * assertEquals(relu(matrix([[-2, 0, 3]])).toArrays(), [[0, 0, 3]]);
 * ```
 */
export function relu(x: Matrix): Matrix {
  checkMatrix("relu", "x", x);
  const y = zeros(x.rows, x.cols, x.dtype);
  for (let k = 0; k < x.data.length; k++) {
    const v = x.data[k];
    // `v <= 0` is false for NaN, so NaN passes through; -0 becomes +0.
    y.data[k] = v <= 0 ? 0 : v;
  }
  return y;
}

/**
 * The backward of {@linkcode relu}: `dx = dy · [x > 0]`, i.e. the gradient passes where the
 * input was positive and is blocked elsewhere.
 *
 * At `x = 0` relu has no derivative (its slope jumps from 0 to 1); we use 0 there, the usual
 * choice (any value in `[0, 1]` is a valid subgradient). It matters only on that measure-zero
 * set, which is why gradient checks pick inputs away from 0.
 *
 * @param dy gradient of the loss with respect to the output `y`
 * @param x the INPUT given to the forward, same shape as `dy`
 * @returns `dx`, same shape as `dy`, dtype of `dy`
 * @throws {TypeError} when an argument is not a Matrix
 * @throws {RangeError} when the shapes differ
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { matrix } from "../tensor.ts";
 * import { reluBackward } from "./activation.ts";
 * const dx = reluBackward(matrix([[5, 6, 7]]), matrix([[-1, 0, 2]]));
 * assertEquals(dx.toArrays(), [[0, 0, 7]]);
 * ```
 */
export function reluBackward(dy: Matrix, x: Matrix): Matrix {
  const fn = "reluBackward";
  checkMatrix(fn, "dy", dy);
  checkMatrix(fn, "x", x, [dy.rows, dy.cols], "the shape of dy");
  const dx = zeros(dy.rows, dy.cols, dy.dtype);
  for (let k = 0; k < dy.data.length; k++) {
    dx.data[k] = x.data[k] > 0 ? dy.data[k] : 0;
  }
  return dx;
}

/**
 * The hyperbolic tangent, entry by entry: `y = tanh(x) = (e^x − e^−x) / (e^x + e^−x)`, with
 * values in `(−1, 1)` (exactly ±1 once `|x|` is large enough to round there).
 *
 * @param x any matrix
 * @returns `y`, same shape and dtype as `x`
 * @throws {TypeError} when `x` is not a Matrix
 *
 * @example
 * ```ts
 * import { assertAlmostEquals, assertEquals } from "@std/assert";
 * import { matrix } from "../tensor.ts";
 * import { tanh } from "./activation.ts";
 * const y = tanh(matrix([[0, Math.log(2)]]));
 * assertEquals(y.data[0], 0);
 * assertAlmostEquals(y.data[1], 0.6); // (2 − 1/2) / (2 + 1/2)
 * ```
 */
export function tanh(x: Matrix): Matrix {
  checkMatrix("tanh", "x", x);
  const y = zeros(x.rows, x.cols, x.dtype);
  for (let k = 0; k < x.data.length; k++) y.data[k] = Math.tanh(x.data[k]);
  return y;
}

/**
 * The backward of {@linkcode tanh}, written in terms of the forward's OUTPUT:
 *
 * ```text
 * d tanh(x) / dx = 1 − tanh(x)²,   so   dx = dy · (1 − y²)   with y = tanh(x)
 * ```
 *
 * Pass `y`, the value {@linkcode tanh} returned, not its input `x`: reusing the output saves
 * recomputing `tanh`. Because every `tanh` value lies in `[−1, 1]`, an entry of `y` outside that
 * range (or `NaN`) is refused, which catches the common slip of passing `x`.
 *
 * @param dy gradient of the loss with respect to the output `y`
 * @param y the OUTPUT of the forward, `tanh(x)`, same shape as `dy`
 * @returns `dx`, same shape as `dy`, dtype of `dy`
 * @throws {TypeError} when an argument is not a Matrix
 * @throws {RangeError} when the shapes differ or an entry of `y` is outside `[−1, 1]`
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { matrix } from "../tensor.ts";
 * import { tanhBackward } from "./activation.ts";
 * // y = 0.5: slope 1 − 0.25 = 0.75; y = 0: slope 1
 * const dx = tanhBackward(matrix([[4, 2]]), matrix([[0.5, 0]]));
 * assertEquals(dx.toArrays(), [[3, 2]]);
 * ```
 */
export function tanhBackward(dy: Matrix, y: Matrix): Matrix {
  const fn = "tanhBackward";
  checkMatrix(fn, "dy", dy);
  checkMatrix(fn, "y", y, [dy.rows, dy.cols], "the shape of dy");
  const dx = zeros(dy.rows, dy.cols, dy.dtype);
  for (let k = 0; k < dy.data.length; k++) {
    const v = y.data[k];
    if (!(v >= -1 && v <= 1)) {
      const i = Math.floor(k / y.cols);
      throw argError(
        fn,
        "y",
        "values in [-1, 1] (the OUTPUT of tanh, not its input)",
        `${v} at [${i}, ${k - i * y.cols}]`,
      );
    }
    dx.data[k] = dy.data[k] * (1 - v * v);
  }
  return dx;
}
