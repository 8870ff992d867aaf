/**
 * The affine layer `y = W·x + b`, applied to every row `r` of a batch.
 *
 * ```text
 * forward   y[r][o] = Σ_i W[o][i]·x[r][i] + bias[o]            Y = X·Wᵀ + b
 * backward  dx[r][i] = Σ_o dy[r][o]·W[o][i]                     dX = dY·W
 *           dW[o][i] = Σ_r dy[r][o]·x[r][i]                     dW = dYᵀ·X
 *           db[o]    = Σ_r dy[r][o]                             db = column sums of dY
 * ```
 *
 * `bias` is the `[1, out]` matrix passed as `b`. `W` is stored `[out, in]`, so row `o` of `W`
 * holds the weights into output unit `o` and the code reads like the equation. `dW` and `db` are
 * SUMS over the batch, not means: the `1 / B` of a mean loss is applied once, in the loss
 * gradient, and flows back through `dy`.
 *
 * @module
 */

import { checkMatrix, checkNonEmpty, type Matrix, zeros } from "../tensor.ts";

/** The gradients {@linkcode linearBackward} returns. */
export interface LinearGrads {
  /** Gradient with respect to the input, `[B, in]`. */
  dx: Matrix;
  /** Gradient with respect to the weights, `[out, in]`, summed over the batch. */
  dW: Matrix;
  /** Gradient with respect to the bias, `[1, out]`, summed over the batch. */
  db: Matrix;
}

/**
 * The forward pass of an affine layer, one row of the batch at a time:
 * `y[r][o] = Σ_i W[o][i]·x[r][i] + bias[o]`, i.e. `Y = X·Wᵀ + b`.
 *
 * The output has the dtype of `x`; sums are accumulated in float64.
 *
 * @param x the inputs, `[B, in]`, at least one row
 * @param W the weights, `[out, in]`
 * @param b the bias, `[1, out]`
 * @returns `y`, `[B, out]`
 * @throws {TypeError} when an argument is not a Matrix
 * @throws {RangeError} for an empty batch or shapes that do not fit together
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { matrix } from "../tensor.ts";
 * import { linearForward } from "./linear.ts";
 * const W = matrix([[1, 1], [2, -1]]); // 2 outputs, 2 inputs
 * const y = linearForward(matrix([[3, 4]]), W, matrix([[0, 10]]));
 * assertEquals(y.toArrays(), [[7, 12]]); // [3 + 4 + 0, 6 - 4 + 10]
 * ```
 */
export function linearForward(x: Matrix, W: Matrix, b: Matrix): Matrix {
  const fn = "linearForward";
  checkMatrix(fn, "x", x);
  checkNonEmpty(fn, "x", x);
  checkMatrix(fn, "W", W, [undefined, x.cols], "in = x.cols");
  checkMatrix(fn, "b", b, [1, W.rows], "1 x out, out = W.rows");
  const batch = x.rows, nIn = x.cols, nOut = W.rows;
  const y = zeros(batch, nOut, x.dtype);
  for (let r = 0; r < batch; r++) {
    for (let o = 0; o < nOut; o++) {
      let sum = b.data[o];
      for (let i = 0; i < nIn; i++) sum += W.data[o * nIn + i] * x.data[r * nIn + i];
      y.data[r * nOut + o] = sum;
    }
  }
  return y;
}

/**
 * The backward pass of {@linkcode linearForward}: given `dy = dL/dy`, the gradients
 *
 * ```text
 * dx = dy·W      dx[r][i] = Σ_o dy[r][o]·W[o][i]     [B, in]
 * dW = dyᵀ·x     dW[o][i] = Σ_r dy[r][o]·x[r][i]     [out, in]   (a sum over the batch)
 * db = Σ_r dy    db[o]    = Σ_r dy[r][o]             [1, out]    (a sum over the batch)
 * ```
 *
 * Each weight `W[o][i]` multiplies `x[r][i]` into `y[r][o]` for every row `r` of the batch, so
 * its gradient collects `dy[r][o]·x[r][i]` from all rows; likewise the bias. The outputs have the
 * dtype of `dy`; sums are accumulated in float64.
 *
 * @param dy gradient of the loss with respect to the output `y`, `[B, out]`
 * @param x the input given to the forward, `[B, in]`
 * @param W the weights given to the forward, `[out, in]`
 * @returns `{ dx, dW, db }`
 * @throws {TypeError} when an argument is not a Matrix
 * @throws {RangeError} for an empty batch or shapes that do not fit together
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { matrix } from "../tensor.ts";
 * import { linearBackward } from "./linear.ts";
 * const x = matrix([[3, 4], [1, 0]]);
 * const W = matrix([[1, 1], [2, -1]]);
 * const dy = matrix([[1, 0], [0, 1]]);
 * const { dx, dW, db } = linearBackward(dy, x, W);
 * assertEquals(dx.toArrays(), [[1, 1], [2, -1]]); // row r of dy picks row r of W here
 * assertEquals(dW.toArrays(), [[3, 4], [1, 0]]);
 * assertEquals(db.toArrays(), [[1, 1]]);
 * ```
 */
export function linearBackward(dy: Matrix, x: Matrix, W: Matrix): LinearGrads {
  const fn = "linearBackward";
  checkMatrix(fn, "x", x);
  checkNonEmpty(fn, "x", x);
  checkMatrix(fn, "W", W, [undefined, x.cols], "in = x.cols");
  checkMatrix(fn, "dy", dy, [x.rows, W.rows], "B = x.rows, out = W.rows");
  const batch = x.rows, nIn = x.cols, nOut = W.rows;
  const dx = zeros(batch, nIn, dy.dtype);
  const dW = zeros(nOut, nIn, dy.dtype);
  const db = zeros(1, nOut, dy.dtype);

  // The loops run so that the innermost index walks along a row in memory: row r of dx is a
  // weighted sum of the rows of W, and row o of dW a weighted sum of the rows of x. The sums
  // are kept in a float64 row and written out once.
  const acc = new Float64Array(nIn);
  for (let r = 0; r < batch; r++) {
    acc.fill(0);
    for (let o = 0; o < nOut; o++) {
      const g = dy.data[r * nOut + o];
      if (g === 0) continue; // common after a ReLU: nothing flows back through this unit
      for (let i = 0; i < nIn; i++) acc[i] += g * W.data[o * nIn + i];
    }
    dx.data.set(acc, r * nIn);
  }
  for (let o = 0; o < nOut; o++) {
    acc.fill(0);
    for (let r = 0; r < batch; r++) {
      const g = dy.data[r * nOut + o];
      if (g === 0) continue;
      for (let i = 0; i < nIn; i++) acc[i] += g * x.data[r * nIn + i];
    }
    dW.data.set(acc, o * nIn);
  }
  for (let o = 0; o < nOut; o++) {
    let sum = 0;
    for (let r = 0; r < batch; r++) sum += dy.data[r * nOut + o];
    db.data[o] = sum;
  }
  return { dx, dW, db };
}
