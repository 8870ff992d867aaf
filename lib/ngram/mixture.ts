/**
 * The mixture of the neural model with the n-gram model, as in Bengio et al. (2003).
 *
 * Bengio, Ducharme, Vincent and Jauvin, "A Neural Probabilistic Language Model" (JMLR 3, 2003),
 * Section 4 (the "mix" column of their result tables), report their best perplexities for the
 * neural network mixed with the interpolated trigram, by averaging the two models' conditional
 * probabilities:
 *
 * ```text
 * p_mix(w | h) = λ · p_nn(w | h) + (1 − λ) · p_ng(w | h)          0 ≤ λ ≤ 1
 * ```
 *
 * A convex combination of two distributions is a distribution, and its log-perplexity
 * `−(1/T) Σ_t ln p_mix(w_t | h_t)` is convex in `λ` (`−ln` of a linear function), so the weight
 * that minimises the perplexity on validation data is a single minimum: the grid search of
 * {@linkcode chooseMixtureWeight} finds it to within one grid step. The averaging of the paper is
 * `λ = 0.5`.
 *
 * The functions take the per-position probabilities of the target words from each model (for the
 * n-gram, `KneserNey.targetProbs`), so they do not care how either model computed them.
 *
 * @module
 */

import { argError, describeValue } from "../errors.ts";

function checkProbs(fn: string, arg: string, probs: unknown): ArrayLike<number> {
  if (
    probs === null || typeof probs !== "object" ||
    typeof (probs as ArrayLike<number>).length !== "number"
  ) {
    throw argError(fn, arg, "an array of probabilities", describeValue(probs), TypeError);
  }
  const p = probs as ArrayLike<number>;
  if (p.length === 0) throw argError(fn, arg, "at least one probability", "an empty array");
  for (let t = 0; t < p.length; t++) {
    const x = p[t];
    if (typeof x !== "number" || !(x >= 0 && x <= 1)) {
      throw argError(fn, `${arg}[${t}]`, "a probability in [0, 1]", describeValue(x));
    }
  }
  return p;
}

function checkPair(
  fn: string,
  pNeural: unknown,
  pNgram: unknown,
): [ArrayLike<number>, ArrayLike<number>] {
  const a = checkProbs(fn, "pNeural", pNeural);
  const b = checkProbs(fn, "pNgram", pNgram);
  if (a.length !== b.length) {
    throw argError(fn, "pNgram", `${a.length} probabilities (as pNeural)`, `${b.length}`);
  }
  return [a, b];
}

function checkWeight(fn: string, weight: unknown): number {
  if (typeof weight !== "number" || !(weight >= 0 && weight <= 1)) {
    throw argError(fn, "weight", "a number in [0, 1]", describeValue(weight));
  }
  return weight;
}

/**
 * The mixture `p_mix[i] = weight · pNeural[i] + (1 − weight) · pNgram[i]`, entry by entry.
 *
 * The two arrays can be whole next-word distributions (`[V]`, e.g. to sample from the mixture)
 * or per-position target probabilities (`[T]`).
 *
 * @param pNeural probabilities from the neural model, in `[0, 1]`
 * @param pNgram probabilities from the n-gram model, as many as `pNeural`
 * @param weight `λ`, the neural model's share, in `[0, 1]`
 * @returns `Float64Array` of the same length
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { mixtureProbs } from "./mixture.ts";
 * // 0.25·0.75 + 0.75·0.25 = 0.375 and 0.25·0.25 + 0.75·0.75 = 0.625 (exact in binary)
 * assertEquals(Array.from(mixtureProbs([0.75, 0.25], [0.25, 0.75], 0.25)), [0.375, 0.625]);
 * ```
 */
export function mixtureProbs(
  pNeural: ArrayLike<number>,
  pNgram: ArrayLike<number>,
  weight: number,
): Float64Array {
  const fn = "mixtureProbs";
  const [a, b] = checkPair(fn, pNeural, pNgram);
  const lambda = checkWeight(fn, weight);
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = lambda * a[i] + (1 - lambda) * b[i];
  return out;
}

/** `exp(−(1/T) Σ_t ln(λ a_t + (1 − λ) b_t))`, inputs already checked. */
function perplexityOfMixture(a: ArrayLike<number>, b: ArrayLike<number>, lambda: number): number {
  let sumLog = 0;
  for (let t = 0; t < a.length; t++) sumLog += Math.log(lambda * a[t] + (1 - lambda) * b[t]);
  return Math.exp(-sumLog / a.length);
}

/**
 * The perplexity of the mixture on a sequence of `T` target words:
 *
 * ```text
 * exp( −(1/T) Σ_t ln(λ · pNeural[t] + (1 − λ) · pNgram[t]) )
 * ```
 *
 * `Infinity` when some position gets probability 0 from the mixture.
 *
 * @param pNeural `[T]` the neural model's probability of each target word
 * @param pNgram `[T]` the n-gram model's probability of each target word
 * @param weight `λ` in `[0, 1]`
 * @returns the perplexity, ≥ 1
 *
 * @example
 * ```ts
 * import { assertAlmostEquals } from "@std/assert";
 * import { mixturePerplexity } from "./mixture.ts";
 * // mixture probabilities 0.5·0.5 + 0.5·0.25 = 0.375 at both positions: perplexity 1/0.375 = 8/3
 * assertAlmostEquals(mixturePerplexity([0.5, 0.25], [0.25, 0.5], 0.5), 8 / 3, 1e-12);
 * ```
 */
export function mixturePerplexity(
  pNeural: ArrayLike<number>,
  pNgram: ArrayLike<number>,
  weight: number,
): number {
  const fn = "mixturePerplexity";
  const [a, b] = checkPair(fn, pNeural, pNgram);
  return perplexityOfMixture(a, b, checkWeight(fn, weight));
}

/** What {@linkcode chooseMixtureWeight} found. */
export interface MixtureChoice {
  /** The weight `λ` of the neural model with the lowest perplexity. */
  weight: number;
  /** The perplexity of the mixture at that weight. */
  perplexity: number;
  /** The grid that was searched, `0, 1/steps, …, 1` (for plotting the curve). */
  weights: number[];
  /** The perplexity at each weight of the grid. */
  perplexities: number[];
}

/**
 * Chooses the mixture weight on validation data: the `λ` of the grid
 * `0, 1/steps, 2/steps, …, 1` (by default `0, 0.05, …, 1`) with the lowest validation perplexity
 * of `λ · p_nn + (1 − λ) · p_ng`. Ties go to the smaller weight. The whole curve comes back too.
 *
 * `λ = 0` is the n-gram alone and `λ = 1` the neural model alone, so the chosen mixture is never
 * worse on validation than either model. Choose the weight on validation data and report the
 * test perplexity at that weight with {@linkcode mixturePerplexity}.
 *
 * @param pNeural `[T]` the neural model's probability of each validation target word
 * @param pNgram `[T]` the n-gram model's probability of each validation target word
 * @param steps the number of grid intervals, a positive integer (default 20, a step of 0.05)
 * @returns the best weight, its perplexity, and the grid with its perplexities
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { chooseMixtureWeight } from "./mixture.ts";
 * // Each model is sure at one position and wrong-ish at the other: the even mix is best.
 * const choice = chooseMixtureWeight([0.9, 0.1], [0.1, 0.9], 4);
 * assertEquals(choice.weights, [0, 0.25, 0.5, 0.75, 1]);
 * assertEquals(choice.weight, 0.5);
 * ```
 */
export function chooseMixtureWeight(
  pNeural: ArrayLike<number>,
  pNgram: ArrayLike<number>,
  steps = 20,
): MixtureChoice {
  const fn = "chooseMixtureWeight";
  const [a, b] = checkPair(fn, pNeural, pNgram);
  if (!Number.isInteger(steps) || steps < 1) {
    throw argError(fn, "steps", "a positive integer", describeValue(steps));
  }
  const weights: number[] = [];
  const perplexities: number[] = [];
  let best = 0;
  for (let s = 0; s <= steps; s++) {
    const lambda = s / steps; // i/steps, not a running sum, so 0.05·k has no drift
    weights.push(lambda);
    perplexities.push(perplexityOfMixture(a, b, lambda));
    if (perplexities[s] < perplexities[best]) best = s;
  }
  return { weight: weights[best], perplexity: perplexities[best], weights, perplexities };
}
