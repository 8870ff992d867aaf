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
 * More than two models (several networks, Kneser–Ney models of several orders) mix the same way,
 * `p_mix = Σ_k λ_k p_k` with `Σ_k λ_k = 1`; {@linkcode fitMixtureWeights} fits the weights on
 * validation by expectation–maximisation (`λ_k ← mean_t λ_k p_k[t] / Σ_j λ_j p_j[t]`), and
 * {@linkcode mixturePerplexityOf} measures the mixture. The paper's MLP10 recipe (one network and
 * the trigram, one weight by grid) stays {@linkcode chooseMixtureWeight}.
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

/** Options of {@linkcode fitMixtureWeights}. */
export interface EmOptions {
  /** Stop when an iteration raises the mean log-likelihood by less than this (default 1e-7 nats). */
  tolerance?: number;
  /** Stop after this many iterations in any case (default 500). */
  maxIterations?: number;
  /** The starting weights, positive, summing to 1 (default uniform, `1/K` each). */
  initial?: readonly number[];
}

/** What {@linkcode fitMixtureWeights} found. */
export interface EmMixture {
  /** `λ_1 … λ_K`, non-negative, summing to 1. */
  weights: number[];
  /** The perplexity of the mixture at those weights on the data they were fitted on. */
  perplexity: number;
  /** Iterations done. */
  iterations: number;
  /** Whether the last iteration gained less than `tolerance` (else `maxIterations` stopped it). */
  converged: boolean;
  /** The mean log-likelihood `(1/T) Σ_t ln Σ_k λ_k p_k[t]` before the first and after each iteration. */
  logLikelihoods: number[];
}

function checkComponents(fn: string, components: unknown): ArrayLike<number>[] {
  if (!Array.isArray(components) || components.length === 0) {
    throw argError(
      fn,
      "components",
      "a non-empty array of probability arrays",
      describeValue(components),
      TypeError,
    );
  }
  const checked = components.map((p, k) => checkProbs(fn, `components[${k}]`, p));
  for (let k = 1; k < checked.length; k++) {
    if (checked[k].length !== checked[0].length) {
      const expected = `${checked[0].length} probabilities (as components[0])`;
      throw argError(fn, `components[${k}]`, expected, `${checked[k].length}`);
    }
  }
  return checked;
}

function checkWeights(fn: string, arg: string, weights: unknown, k: number): number[] {
  const w = weights as number[];
  const ok = Array.isArray(w) && w.length === k &&
    w.every((x) => typeof x === "number" && x >= 0 && x <= 1) &&
    Math.abs(w.reduce((a, b) => a + b, 0) - 1) < 1e-9;
  if (!ok) {
    throw argError(fn, arg, `${k} weights in [0, 1] that sum to 1`, describeValue(weights));
  }
  return w;
}

/** `(1/T) Σ_t ln Σ_k λ_k p_k[t]`, inputs already checked. */
function meanLogLikelihood(p: ArrayLike<number>[], weights: readonly number[]): number {
  let sum = 0;
  for (let t = 0; t < p[0].length; t++) {
    let mix = 0;
    for (let k = 0; k < p.length; k++) mix += weights[k] * p[k][t];
    sum += Math.log(mix);
  }
  return sum / p[0].length;
}

/**
 * The perplexity of a mixture of `K` models on `T` target words:
 * `exp(−(1/T) Σ_t ln Σ_k λ_k p_k[t])`. With two components and weights `[λ, 1 − λ]` it is
 * {@linkcode mixturePerplexity}.
 *
 * @param components `K` arrays of `T` probabilities: each model's probability of each target
 * @param weights `λ_1 … λ_K` in `[0, 1]`, summing to 1
 * @returns the perplexity, ≥ 1 (`Infinity` when the mixture gives some target probability 0)
 *
 * @example
 * ```ts
 * import { assertAlmostEquals } from "@std/assert";
 * import { mixturePerplexityOf, mixturePerplexity } from "./mixture.ts";
 * const a = [0.5, 0.25], b = [0.25, 0.5];
 * assertAlmostEquals(mixturePerplexityOf([a, b], [0.3, 0.7]), mixturePerplexity(a, b, 0.3), 1e-12);
 * ```
 */
export function mixturePerplexityOf(
  components: readonly ArrayLike<number>[],
  weights: readonly number[],
): number {
  const fn = "mixturePerplexityOf";
  const p = checkComponents(fn, components);
  return Math.exp(-meanLogLikelihood(p, checkWeights(fn, "weights", weights, p.length)));
}

/**
 * Fits the weights of a mixture `p_mix[t] = Σ_k λ_k p_k[t]` of `K` models (networks,
 * Kneser–Ney models of any order) to held-out data by expectation–maximisation. Each iteration
 * gives every word's credit to the models in proportion to what they predicted, and makes each
 * weight the mean credit of its model:
 *
 * ```text
 * λ_k ← (1/T) Σ_t  λ_k p_k[t] / Σ_j λ_j p_j[t]
 * ```
 *
 * The new weights sum to 1, and an iteration never lowers the mean log-likelihood
 * `L(λ) = (1/T) Σ_t ln Σ_k λ_k p_k[t]` (EM's guarantee; `L` is concave in `λ`, so its maximum
 * over the weights is the only one EM can settle in). It stops when an iteration gains less than
 * `tolerance` nats per word, or after `maxIterations`. With `K = 2` it finds the minimum that
 * {@linkcode chooseMixtureWeight} brackets with its grid. Fit on validation data; report the test
 * perplexity with {@linkcode mixturePerplexityOf}.
 *
 * @param components `K` arrays of `T` probabilities in `[0, 1]`: each model's probability of
 *   each validation target word; at every position at least one is positive
 * @param options tolerance, maxIterations, initial weights
 * @returns the weights, their perplexity, and the log-likelihood of each iteration
 *
 * @example
 * ```ts
 * import { assertAlmostEquals } from "@std/assert";
 * import { fitMixtureWeights } from "./mixture.ts";
 * // Model A is right at positions 0 and 1, model B at position 2: A earns about 2/3 of the weight.
 * const fit = fitMixtureWeights([[0.9, 0.9, 0.01], [0.01, 0.01, 0.9]]);
 * assertAlmostEquals(fit.weights[0], 2 / 3, 0.01);
 * assertAlmostEquals(fit.weights[0] + fit.weights[1], 1, 1e-12);
 * ```
 */
export function fitMixtureWeights(
  components: readonly ArrayLike<number>[],
  options: EmOptions = {},
): EmMixture {
  const fn = "fitMixtureWeights";
  const p = checkComponents(fn, components);
  const K = p.length, T = p[0].length;
  const { tolerance = 1e-7, maxIterations = 500 } = options;
  if (typeof tolerance !== "number" || !(tolerance >= 0) || !Number.isFinite(tolerance)) {
    throw argError(fn, "options.tolerance", "a finite number >= 0", describeValue(tolerance));
  }
  if (!Number.isInteger(maxIterations) || maxIterations < 1) {
    throw argError(fn, "options.maxIterations", "a positive integer", describeValue(maxIterations));
  }
  let weights = options.initial === undefined
    ? new Array<number>(K).fill(1 / K)
    : [...checkWeights(fn, "options.initial", options.initial, K)];
  if (weights.some((w) => w === 0)) {
    // EM never moves a weight away from 0: such a start is a mistake.
    throw argError(fn, "options.initial", "positive weights", describeValue(options.initial));
  }
  for (let t = 0; t < T; t++) {
    if (p.every((pk) => pk[t] === 0)) {
      throw argError(
        fn,
        "components",
        "some model giving each target a positive probability",
        `0 from every model at position ${t}`,
      );
    }
  }
  const logLikelihoods = [meanLogLikelihood(p, weights)];
  let iterations = 0, converged = false;
  while (iterations < maxIterations && !converged) {
    const credit = new Array<number>(K).fill(0);
    for (let t = 0; t < T; t++) {
      let mix = 0;
      for (let k = 0; k < K; k++) mix += weights[k] * p[k][t];
      for (let k = 0; k < K; k++) credit[k] += (weights[k] * p[k][t]) / mix;
    }
    weights = credit.map((c) => c / T);
    iterations++;
    logLikelihoods.push(meanLogLikelihood(p, weights));
    converged = logLikelihoods[iterations] - logLikelihoods[iterations - 1] < tolerance;
  }
  return {
    weights,
    perplexity: Math.exp(-logLikelihoods[iterations]),
    iterations,
    converged,
    logLikelihoods,
  };
}
