/**
 * The softmax: turns a row of real scores into a probability distribution over the vocabulary.
 *
 * ```text
 * forward       p[b][j]  = exp(s[b][j] − m_b) / Σ_k exp(s[b][k] − m_b),   m_b = max_k s[b][k]
 * log form      lp[b][j] = s[b][j] − m_b − log Σ_k exp(s[b][k] − m_b)
 * backward      dscores[b][i] = p[b][i] · (dp[b][i] − Σ_j dp[b][j]·p[b][j])
 * ```
 *
 * Each row `b` of the batch is normalised on its own. In the model the scores are the output
 * layer's `s = Wout·h + bout` (plus `Wdirect·x` with direct connections; Bengio et al. 2003 call
 * them "unnormalized log-probabilities"), and `p[b][j]` is the model's
 * `P(next word = j | context b)`. `dscores = dL/ds` is the gradient of the loss with respect to
 * those scores, the name the whole library uses for it.
 *
 * Temperature (`softmax(s / T)`) is not here, so the training path has one meaning only.
 * Generation (`generate.ts`) does not call {@linkcode softmax}: its sampler computes
 * `exp((s_j − m) / T)` itself, over the words it may draw (excluded words get 0, `m` is the
 * largest allowed score), normalises, then applies top-k and top-p.
 *
 * @module
 */

import { argError } from "../errors.ts";
import { checkFinite, checkMatrix, checkNonEmpty, type Matrix, zeros } from "../tensor.ts";

/** Refuses what no softmax can normalise: a non-Matrix, no rows, no columns, NaN or ±Infinity. */
function checkScores(fn: string, scores: Matrix): void {
  checkMatrix(fn, "scores", scores);
  checkNonEmpty(fn, "scores", scores);
  if (scores.cols === 0) {
    throw argError(fn, "scores", "at least one column (one score per word)", "0 columns");
  }
  checkFinite(fn, "scores", scores);
}

/**
 * The row-wise softmax `p[b][j] = exp(s[b][j] − m_b) / Σ_k exp(s[b][k] − m_b)`, where
 * `m_b = max_k s[b][k]` is the largest score of row `b`.
 *
 * **Why subtract the maximum.** For any constant `c`,
 *
 * ```text
 * exp(s_j − c) / Σ_k exp(s_k − c) = exp(s_j)·exp(−c) / (exp(−c)·Σ_k exp(s_k)) = exp(s_j) / Σ_k exp(s_k)
 * ```
 *
 * so the shift changes nothing mathematically. Numerically it changes everything: `exp(x)`
 * overflows to `Infinity` for `x > 709.78` in float64 (`Infinity / Infinity = NaN`), and every
 * `exp(s_k)` underflows to 0 for very negative scores (`0 / 0 = NaN`). With `c = max s` every
 * exponent is `<= 0`, so no term overflows, and the largest term is exactly `exp(0) = 1`, so the
 * denominator is at least 1 and never 0. Scores of ±1e4 are then harmless. Bengio et al. (2003,
 * section 3.2) describe the same trick for their parallel implementation.
 *
 * The output has the dtype of `scores`; the arithmetic is done in float64.
 *
 * @param scores `[B, V]` finite scores, at least one row and one column
 * @returns `p`, `[B, V]`: each row is non-negative and sums to 1 (up to rounding)
 * @throws {TypeError} when `scores` is not a Matrix
 * @throws {RangeError} for an empty batch, zero columns, or a NaN / ±Infinity score
 *
 * @example
 * ```ts
 * import { assertAlmostEquals } from "@std/assert";
 * import { matrix } from "../tensor.ts";
 * import { softmax } from "./softmax.ts";
 * // exp(0) : exp(ln 3) = 1 : 3, so the probabilities are 1/4 and 3/4
 * const p = softmax(matrix([[0, Math.log(3)]]));
 * assertAlmostEquals(p.get(0, 0), 0.25, 1e-15);
 * assertAlmostEquals(p.get(0, 1), 0.75, 1e-15);
 * // huge scores do not overflow: only the differences matter
 * assertAlmostEquals(softmax(matrix([[10000, 10000]])).get(0, 0), 0.5, 1e-15);
 * ```
 */
export function softmax(scores: Matrix): Matrix {
  const fn = "softmax";
  checkScores(fn, scores);
  const batch = scores.rows, vocab = scores.cols;
  const p = zeros(batch, vocab, scores.dtype);
  // The exponentials of one row, kept in float64 until the division.
  const e = new Float64Array(vocab);
  for (let b = 0; b < batch; b++) {
    const row = b * vocab;
    let max = scores.data[row];
    for (let j = 1; j < vocab; j++) max = Math.max(max, scores.data[row + j]);
    let sum = 0;
    for (let j = 0; j < vocab; j++) {
      e[j] = Math.exp(scores.data[row + j] - max);
      sum += e[j];
    }
    for (let j = 0; j < vocab; j++) p.data[row + j] = e[j] / sum;
  }
  return p;
}

/**
 * The row-wise log-softmax `lp[b][j] = s[b][j] − m_b − log Σ_k exp(s[b][k] − m_b)`, with
 * `m_b = max_k s[b][k]`: the logarithm of {@linkcode softmax}, computed without forming `p`.
 *
 * `log(softmax(s))` loses the small probabilities: once `p_j` underflows to 0 its log is
 * `−Infinity`, although the true value is a finite (very negative) number. Here the sum is taken
 * with the same max-shift as {@linkcode softmax} (so it is at least 1 and its log is finite and
 * `>= 0`), and `lp_j` stays finite for every finite score. The cross-entropy
 * `−(1/B) Σ_b lp[b][t_b]` computed from it is therefore finite even where `p[b][t_b]` would
 * round to 0: this is the numerically better path to the loss.
 *
 * The output has the dtype of `scores`; the arithmetic is done in float64.
 *
 * @param scores `[B, V]` finite scores, at least one row and one column
 * @returns `lp`, `[B, V]`: log-probabilities, each `<= 0`; `exp` of each row sums to 1
 * @throws {TypeError} when `scores` is not a Matrix
 * @throws {RangeError} for an empty batch, zero columns, or a NaN / ±Infinity score
 *
 * @example
 * ```ts
 * import { assertAlmostEquals, assertEquals } from "@std/assert";
 * import { matrix } from "../tensor.ts";
 * import { logSoftmax, softmax } from "./softmax.ts";
 * const lp = logSoftmax(matrix([[0, Math.log(3)]]));
 * assertAlmostEquals(lp.get(0, 0), Math.log(0.25), 1e-15);
 * // softmax rounds exp(-10000) to 0; its log would be -Infinity, the log-softmax is exact
 * assertEquals(softmax(matrix([[0, 10000]])).get(0, 0), 0);
 * assertEquals(logSoftmax(matrix([[0, 10000]])).get(0, 0), -10000);
 * ```
 */
export function logSoftmax(scores: Matrix): Matrix {
  const fn = "logSoftmax";
  checkScores(fn, scores);
  const batch = scores.rows, vocab = scores.cols;
  const lp = zeros(batch, vocab, scores.dtype);
  for (let b = 0; b < batch; b++) {
    const row = b * vocab;
    let max = scores.data[row];
    for (let j = 1; j < vocab; j++) max = Math.max(max, scores.data[row + j]);
    let sum = 0;
    for (let j = 0; j < vocab; j++) sum += Math.exp(scores.data[row + j] - max);
    const logSum = Math.log(sum);
    for (let j = 0; j < vocab; j++) lp.data[row + j] = scores.data[row + j] - max - logSum;
  }
  return lp;
}

/**
 * The backward pass of {@linkcode softmax}: given `dp = dL/dp` and the forward's output `p`,
 * the gradient with respect to the scores,
 *
 * ```text
 * dscores[b][i] = p[b][i] · (dp[b][i] − Σ_j dp[b][j]·p[b][j])
 * ```
 *
 * **Derivation.** Within one row, `∂p_j/∂s_i = p_j·(δ_ij − p_i)` (differentiate
 * `exp(s_j) / Σ_k exp(s_k)` by the quotient rule; `δ_ij` is 1 when `i = j`, else 0). The chain
 * rule sums over every output the score `s_i` touches:
 *
 * ```text
 * dscores_i = Σ_j dp_j·∂p_j/∂s_i = Σ_j dp_j·p_j·(δ_ij − p_i) = p_i·dp_i − p_i·Σ_j dp_j·p_j
 * ```
 *
 * This is the Jacobian-vector product, computed in `O(V)` per row without forming the `V x V`
 * Jacobian. Rows do not interact, so each row of the batch is done on its own.
 *
 * After `crossEntropyBackward` prefer `softmaxCrossEntropyBackward` (both in `./cross_entropy.ts`):
 * it gives the same result as `(p − onehot) / B`, without dividing by `p`.
 *
 * The output has the dtype of `dp`; the arithmetic is done in float64.
 *
 * @param dp gradient of the loss with respect to the probabilities, `[B, V]`, finite
 * @param p the output of {@linkcode softmax} for the same batch, `[B, V]`, finite
 * @returns `dscores`, `[B, V]`, the gradient of the loss with respect to the scores
 * @throws {TypeError} when an argument is not a Matrix
 * @throws {RangeError} for an empty batch, shapes that differ, or a NaN / ±Infinity entry (for
 * example `dp = −Infinity` from a probability of exactly 0 at a target)
 *
 * @example
 * ```ts
 * import { assertAlmostEquals } from "@std/assert";
 * import { matrix } from "../tensor.ts";
 * import { softmaxBackward } from "./softmax.ts";
 * // p = [1/2, 1/2], dp = [1, 0]: Σ dp·p = 1/2, so dscores = [1/2·(1 − 1/2), 1/2·(0 − 1/2)]
 * const dscores = softmaxBackward(matrix([[1, 0]]), matrix([[0.5, 0.5]]));
 * assertAlmostEquals(dscores.get(0, 0), 0.25, 1e-15);
 * assertAlmostEquals(dscores.get(0, 1), -0.25, 1e-15);
 * ```
 */
export function softmaxBackward(dp: Matrix, p: Matrix): Matrix {
  const fn = "softmaxBackward";
  checkMatrix(fn, "p", p);
  checkNonEmpty(fn, "p", p);
  checkMatrix(fn, "dp", dp, [p.rows, p.cols], "the shape of p");
  checkFinite(fn, "p", p);
  checkFinite(fn, "dp", dp);
  const batch = p.rows, vocab = p.cols;
  const dscores = zeros(batch, vocab, dp.dtype);
  for (let b = 0; b < batch; b++) {
    const row = b * vocab;
    // Σ_j dp_j·p_j: how much the gradient leans on the distribution as a whole.
    let dot = 0;
    for (let j = 0; j < vocab; j++) dot += dp.data[row + j] * p.data[row + j];
    for (let i = 0; i < vocab; i++) {
      dscores.data[row + i] = p.data[row + i] * (dp.data[row + i] - dot);
    }
  }
  return dscores;
}
