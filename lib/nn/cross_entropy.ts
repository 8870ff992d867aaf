/**
 * The cross-entropy loss of a batch of predicted distributions against the words that came next,
 * its gradient, the fused softmax + cross-entropy gradient, and perplexity.
 *
 * ```text
 * loss            L = −(1/B) Σ_b log p[b][t_b]                     (natural log: nats)
 * backward        dp[b][j] = −1 / (B·p[b][t_b])  if j = t_b, else 0
 * fused backward  dscores[b][j] = (p[b][j] − [j = t_b]) / B         (through the softmax)
 * perplexity      PPL = exp(L)
 * ```
 *
 * `t_b` is the index of the target (next) word of row `b`; `[j = t_b]` is 1 when `j = t_b`, else
 * 0, i.e. the one-hot row of the target. `dscores = dL/ds` is the gradient with respect to the
 * scores `s` (the input of the softmax), the name the whole library uses for it. Minimising `L` maximises the average log-likelihood,
 * the training criterion of Bengio et al. (2003, section 2).
 *
 * @module
 */

import { argError, describeValue } from "../errors.ts";
import { checkMatrix, checkNonEmpty, type Matrix, toTargets, zeros } from "../tensor.ts";

/**
 * Refuses what is not a batch of probabilities: a non-Matrix, no rows, or an entry outside
 * `[0, 1]` (NaN, infinite, negative or above 1), named by its row and column. (Rows need not sum
 * to exactly 1: rounding and float32 make them approximate.)
 */
function checkProbs(fn: string, probs: Matrix): void {
  checkMatrix(fn, "probs", probs);
  checkNonEmpty(fn, "probs", probs);
  const d = probs.data;
  for (let k = 0; k < d.length; k++) {
    // `!(0 <= v && v <= 1)` is also true for NaN.
    if (!(d[k] >= 0 && d[k] <= 1)) {
      const i = Math.floor(k / probs.cols);
      throw argError(
        fn,
        "probs",
        "probabilities in [0, 1]",
        `${d[k]} at row ${i}, column ${k - i * probs.cols}`,
      );
    }
  }
}

/**
 * The mean cross-entropy (negative log-likelihood) of a batch,
 *
 * ```text
 * L = −(1/B) Σ_b log p[b][t_b]
 * ```
 *
 * in nats (natural logarithm). Only the probability of the target word of each row enters.
 *
 * **A probability of exactly 0 at a target gives `Infinity`**: `−log 0 = +∞` is the true value
 * (the model said that word was impossible), and it is returned as is, not clamped to some large
 * finite number that would hide the problem. A softmax rounds a probability to 0 only when its
 * score is far below the row's largest: by about 745 in float64, about 104 in float32 (where
 * `exp` falls below the smallest representable number). If that can happen, compute the loss from
 * `logSoftmax` (`./softmax.ts`) instead: `−(1/B) Σ_b lp[b][t_b]` stays finite.
 *
 * @param probs `[B, V]` probabilities (rows of a `softmax` output), each in `[0, 1]`, at
 * least one row
 * @param targets `B` target word indices, integers in `[0, V)`
 * @returns the mean loss `L >= 0` (for rows that are distributions), `Infinity` when some
 * `p[b][t_b] = 0`
 * @throws {TypeError} when `probs` is not a Matrix or `targets` not array-like
 * @throws {RangeError} for an empty batch, a probability outside `[0, 1]` (NaN, infinite,
 * negative or above 1; the message gives its row, column and value), or targets of the wrong
 * count, not integers, or outside `[0, V)`
 *
 * @example
 * ```ts
 * import { assertAlmostEquals } from "@std/assert";
 * import { matrix } from "../tensor.ts";
 * import { crossEntropy } from "./cross_entropy.ts";
 * const probs = matrix([[0.5, 0.25, 0.25], [0.1, 0.8, 0.1]]);
 * // −(log 0.5 + log 0.8) / 2
 * assertAlmostEquals(crossEntropy(probs, [0, 1]), -(Math.log(0.5) + Math.log(0.8)) / 2, 1e-15);
 * ```
 */
export function crossEntropy(probs: Matrix, targets: ArrayLike<number>): number {
  const fn = "crossEntropy";
  checkProbs(fn, probs);
  const t = toTargets(fn, "targets", targets, probs.rows, probs.cols);
  const batch = probs.rows, vocab = probs.cols;
  // Accumulate −log p (not log p, negated at the end) so that a perfect prediction gives 0, not −0.
  let nll = 0;
  for (let b = 0; b < batch; b++) nll -= Math.log(probs.data[b * vocab + t[b]]);
  return nll / batch;
}

/**
 * The gradient of {@linkcode crossEntropy} with respect to the probabilities,
 *
 * ```text
 * dp[b][j] = −1 / (B·p[b][t_b])   if j = t_b
 *          = 0                     otherwise
 * ```
 *
 * from `L = −(1/B) Σ_b log p[b][t_b]` and `d log p / dp = 1 / p`. Every other entry of row `b`
 * does not appear in `L`, so its gradient is 0. A probability of exactly 0 at a target gives
 * `−Infinity` there (the loss is `Infinity`); `softmaxBackward` refuses that, and
 * {@linkcode softmaxCrossEntropyBackward} never divides by `p` at all.
 *
 * The output has the dtype of `probs`.
 *
 * @param probs `[B, V]` probabilities, each in `[0, 1]`, at least one row
 * @param targets `B` target word indices, integers in `[0, V)`
 * @returns `dp`, `[B, V]`
 * @throws {TypeError} when `probs` is not a Matrix or `targets` not array-like
 * @throws {RangeError} as {@linkcode crossEntropy}
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { matrix } from "../tensor.ts";
 * import { crossEntropyBackward } from "./cross_entropy.ts";
 * const dp = crossEntropyBackward(matrix([[0.5, 0.25, 0.25], [0.1, 0.8, 0.1]]), [0, 1]);
 * // −1 / (2·0.5) = −1 and −1 / (2·0.8) = −0.625
 * assertEquals(dp.toArrays(), [[-1, 0, 0], [0, -0.625, 0]]);
 * ```
 */
export function crossEntropyBackward(probs: Matrix, targets: ArrayLike<number>): Matrix {
  const fn = "crossEntropyBackward";
  checkProbs(fn, probs);
  const t = toTargets(fn, "targets", targets, probs.rows, probs.cols);
  const batch = probs.rows, vocab = probs.cols;
  const dp = zeros(batch, vocab, probs.dtype);
  for (let b = 0; b < batch; b++) {
    const k = b * vocab + t[b];
    dp.data[k] = -1 / (batch * probs.data[k]);
  }
  return dp;
}

/**
 * The gradient of `L(s) = crossEntropy(softmax(s), t)` with respect to the scores `s`, in one
 * step:
 *
 * ```text
 * dscores[b][j] = (p[b][j] − onehot(t_b)[j]) / B          p = softmax(s)
 * ```
 *
 * **Derivation.** Put `dp` of {@linkcode crossEntropyBackward} into the softmax backward
 * `dscores_i = p_i·(dp_i − Σ_j dp_j·p_j)`, one row at a time. Only `j = t` is non-zero in `dp`, so
 *
 * ```text
 * Σ_j dp_j·p_j = (−1 / (B·p_t))·p_t = −1/B
 * dscores_i = p_i·dp_i + p_i/B
 *           = −[i = t]·p_i / (B·p_t) + p_i/B
 *           = (p_i − [i = t]) / B                 (for i = t the first term is −1/B)
 * ```
 *
 * The `1/p_t` cancels, so the fused form is cheaper and has no division that can blow up: it
 * is finite even when `p_t = 0`. The meaning reads off directly: push the target's score up by
 * what it lacks (`1 − p_t`), and every other score down by the probability it took.
 *
 * The output has the dtype of `probs`.
 *
 * @param probs `[B, V]` the `softmax` output for the batch, each entry in `[0, 1]`
 * @param targets `B` target word indices, integers in `[0, V)`
 * @returns `dscores`, `[B, V]`, the gradient of the loss with respect to the scores
 * @throws {TypeError} when `probs` is not a Matrix or `targets` not array-like
 * @throws {RangeError} as {@linkcode crossEntropy}
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { matrix } from "../tensor.ts";
 * import { softmaxCrossEntropyBackward } from "./cross_entropy.ts";
 * const probs = matrix([[0.5, 0.25, 0.25], [0.5, 0.5, 0]]);
 * const dscores = softmaxCrossEntropyBackward(probs, [0, 2]);
 * // row 0: ([0.5, 0.25, 0.25] − [1, 0, 0]) / 2; row 1: ([0.5, 0.5, 0] − [0, 0, 1]) / 2
 * assertEquals(dscores.toArrays(), [[-0.25, 0.125, 0.125], [0.25, 0.25, -0.5]]);
 * ```
 */
export function softmaxCrossEntropyBackward(probs: Matrix, targets: ArrayLike<number>): Matrix {
  const fn = "softmaxCrossEntropyBackward";
  checkProbs(fn, probs);
  const t = toTargets(fn, "targets", targets, probs.rows, probs.cols);
  const batch = probs.rows, vocab = probs.cols;
  const dscores = zeros(batch, vocab, probs.dtype);
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < vocab; j++) {
      const onehot = j === t[b] ? 1 : 0;
      dscores.data[b * vocab + j] = (probs.data[b * vocab + j] - onehot) / batch;
    }
  }
  return dscores;
}

/**
 * The mean cross-entropy of a batch computed from the scores (logits), not the probabilities:
 *
 * ```text
 * L = (1/B) Σ_b ( logsumexp(s[b]) − s[b][t_b] )      logsumexp(s) = m + log Σ_j exp(s_j − m)
 * ```
 *
 * with `m = max_j s_j` of each row. It equals `crossEntropy(softmax(s), t)`, since
 * `−log p_t = −(s_t − logsumexp(s))`, but never forms a probability, so it stays finite where
 * the softmax rounds the target's probability to 0. For float32 scores `[0, 120]` and target 0,
 * `softmax` gives `p_0 = 0` (below float32's smallest number) and `crossEntropy` `Infinity`;
 * this gives the true `120`. The training loop and evaluation use it; its gradient with respect
 * to the scores is the fused {@linkcode softmaxCrossEntropyBackward}, `(softmax(s) − onehot) / B`.
 * The sums are done in float64 whatever the dtype of `scores`.
 *
 * @param scores `[B, V]` finite scores, at least one row
 * @param targets `B` target word indices, integers in `[0, V)`
 * @returns the mean loss `L >= 0` in nats
 * @throws {TypeError} when `scores` is not a Matrix or `targets` not array-like
 * @throws {RangeError} for an empty batch, a NaN / infinite score, or bad targets
 *
 * @example
 * ```ts
 * import { assertAlmostEquals, assertEquals } from "@std/assert";
 * import { matrix } from "../tensor.ts";
 * import { softmax } from "./softmax.ts";
 * import { crossEntropy, softmaxCrossEntropy } from "./cross_entropy.ts";
 * const s = matrix([[1, 2, 3], [0, 0, 0]]);
 * assertAlmostEquals(softmaxCrossEntropy(s, [2, 0]), crossEntropy(softmax(s), [2, 0]), 1e-15);
 * const far = matrix([[0, 120]], "float32");
 * assertEquals(crossEntropy(softmax(far), [0]), Infinity);
 * assertAlmostEquals(softmaxCrossEntropy(far, [0]), 120, 1e-12);
 * ```
 */
export function softmaxCrossEntropy(scores: Matrix, targets: ArrayLike<number>): number {
  const fn = "softmaxCrossEntropy";
  checkMatrix(fn, "scores", scores);
  checkNonEmpty(fn, "scores", scores);
  const t = toTargets(fn, "targets", targets, scores.rows, scores.cols);
  const batch = scores.rows, vocab = scores.cols, s = scores.data;
  let total = 0;
  for (let b = 0; b < batch; b++) {
    const row = b * vocab;
    let max = -Infinity;
    for (let j = 0; j < vocab; j++) {
      if (!Number.isFinite(s[row + j])) {
        throw argError(fn, "scores", "finite numbers", `${s[row + j]} at [${b}, ${j}]`);
      }
      if (s[row + j] > max) max = s[row + j];
    }
    let sum = 0;
    for (let j = 0; j < vocab; j++) sum += Math.exp(s[row + j] - max);
    total += max + Math.log(sum) - s[row + t[b]];
  }
  return total / batch;
}

/**
 * Perplexity from a mean cross-entropy in nats: `PPL = exp(L)`.
 *
 * With `L = −(1/N) Σ_t log p(w_t | context)` over `N` words, `exp(L)` is the geometric mean of
 * `1 / p(w_t | context)`: the model is on average as uncertain as a uniform choice among `PPL`
 * words. A uniform model over `V` words has `L = log V` and `PPL = V`. This is the measure of
 * Bengio et al. (2003, section 4.2). The loss must be in nats (natural log), as
 * {@linkcode crossEntropy} returns it; from bits it would be `2^L`.
 *
 * @param meanCrossEntropy the mean cross-entropy `L >= 0` in nats (`Infinity` gives `Infinity`)
 * @returns `exp(L)`, at least 1
 * @throws {RangeError} for NaN or a negative value (no distribution has negative cross-entropy)
 *
 * @example
 * ```ts
 * import { assertAlmostEquals } from "@std/assert";
 * import { perplexity } from "./cross_entropy.ts";
 * assertAlmostEquals(perplexity(Math.log(50)), 50, 1e-12); // uniform over 50 words
 * ```
 */
export function perplexity(meanCrossEntropy: number): number {
  if (typeof meanCrossEntropy !== "number" || !(meanCrossEntropy >= 0)) {
    throw argError(
      "perplexity",
      "meanCrossEntropy",
      "a mean cross-entropy >= 0 in nats",
      describeValue(meanCrossEntropy),
    );
  }
  return Math.exp(meanCrossEntropy);
}
