/**
 * The perplexity exercise: a student's `PPL = exp(−(1/N) Σ_t log p_t)`, checked against the
 * library's `perplexity(crossEntropy(...))` (lib/nn/cross_entropy.ts).
 *
 * @module
 */

import { describeValue } from "../errors.ts";
import { crossEntropy, perplexity } from "../nn/cross_entropy.ts";
import { matrix } from "../tensor.ts";
import { type CheckResult, Report, requireFunction } from "./report.ts";
import { close, num } from "./values.ts";

/** Perplexity from the probabilities the model gave the `N` target words. */
export type PerplexityFn = (targetProbs: number[]) => number;

function alternating(n: number, a: number, b: number): number[] {
  return Array.from({ length: n }, (_, t) => (t % 2 === 0 ? a : b));
}

const PERPLEXITY_CASES: readonly { name: string; targetProbs: number[] }[] = [
  // −mean log p = ln 4, so PPL = 4: as uncertain as a uniform choice among 4 words
  { name: "4 words at p = 1/4", targetProbs: [0.25, 0.25, 0.25, 0.25] },
  // −(ln 0.5 + ln 0.125) / 2 = (ln 2 + ln 8) / 2 = ln 16 / 2 = ln 4, so PPL = 4
  { name: "2 words at p = 0.5 and 0.125", targetProbs: [0.5, 0.125] },
  { name: "5 words at different p", targetProbs: [0.9, 0.05, 0.3, 0.6, 0.02] },
  // Geometric mean of p is 1e-5, so PPL = 1e5; the product of the p is 1e-5000, which is 0.
  { name: "1000 words at p = 1e-4 and 1e-6", targetProbs: alternating(1000, 1e-4, 1e-6) },
  { name: "certain predictions", targetProbs: [1, 1, 1] },
];

/**
 * Checks a student's perplexity from the probabilities the model gave the `N` target words,
 *
 * ```text
 * PPL = exp(−(1/N) Σ_t log p_t)        (= exp(L), L the mean cross-entropy in nats)
 * ```
 *
 * against the library's `perplexity(crossEntropy(...))` (lib/nn/cross_entropy.ts): uniform
 * probabilities (PPL = 1/p), a few different ones, 1000 small ones (whose product underflows to
 * 0, so the mean of the logs is the only safe path), and certain predictions (PPL = 1).
 *
 * @param fn the student's function `(targetProbs: number[]) => number`
 * @returns the verdict; messages such as `you used the sum of −log p, not the mean`
 * @throws {TypeError} when `fn` is not a function
 *
 * @example
 * ```ts
 * import { assert, assertStringIncludes } from "@std/assert";
 * import { checkPerplexity } from "./perplexity.ts";
 * function perplexity(targetProbs: number[]): number {
 *   let sumLog = 0;
 *   for (let t = 0; t < targetProbs.length; t++) sumLog += Math.log(targetProbs[t]);
 *   return Math.exp(-sumLog / targetProbs.length);
 * }
 * assert(checkPerplexity(perplexity).ok);
 * const meanOnly = (p: number[]) => Math.log(perplexity(p)); // the cross-entropy itself
 * assertStringIncludes(checkPerplexity(meanOnly).messages.join("\n"), "perplexity is exp(L)");
 * ```
 */
export function checkPerplexity(fn: PerplexityFn): CheckResult {
  requireFunction("checkPerplexity", fn, "(targetProbs: number[]) => number");
  const report = new Report("perplexity");
  for (const { name, targetProbs } of PERPLEXITY_CASES) {
    const run = report.attempt(name, { targetProbs }, (c) => fn(c.targetProbs as number[]));
    if (report.todo) break;
    if (run === null) continue;
    // The library's path: the cross-entropy of a one-column batch whose targets are all 0 is
    // −(1/N) Σ_t log p_t.
    const L = crossEntropy(matrix(targetProbs.map((p) => [p])), targetProbs.map(() => 0));
    const problem = diagnosePerplexity(targetProbs, run.value, L, perplexity(L));
    if (problem !== null) report.fail(name, problem);
  }
  return report.result();
}

function diagnosePerplexity(
  targetProbs: number[],
  got: unknown,
  L: number,
  want: number,
): string | null {
  if (typeof got !== "number") return `returned ${describeValue(got)}, expected a number`;
  if (close(got, want)) return null;
  const n = targetProbs.length;
  const formula = "PPL = exp(−(1/N) Σ_t log p_t)";
  if ((got === Infinity || got === 0 || Number.isNaN(got)) && n >= 100) {
    return `underflow: got ${got} for ${n} probabilities — their product rounds to 0 in ` +
      `floating point (and exp of their summed −log p is Infinity); average the logs ` +
      `instead: ${formula}`;
  }
  if (close(got, L)) {
    return `you returned the mean cross-entropy L = ${num(L)}; perplexity is exp(L) = ${num(want)}`;
  }
  if (n > 1 && got > 0 && close(Math.log(got), n * L)) {
    return `you used the sum of −log p, not the mean over the ${n} words: ${formula}`;
  }
  if (close(got, 1 / want)) {
    return `the sign is wrong: got ${num(got)}, which is below 1; ${formula} is at least 1`;
  }
  if (close(got, 2 ** L)) return "that is 2^L: with natural logs, perplexity is exp(L)";
  const meanP = targetProbs.reduce((a, p) => a + p, 0) / n;
  const meanInverse = targetProbs.reduce((a, p) => a + 1 / p, 0) / n;
  if (close(got, 1 / meanP) || close(got, meanInverse)) {
    return `that uses an arithmetic mean; perplexity is the geometric mean of 1/p: ${formula}`;
  }
  return `got ${num(got)}, expected ${num(want)} (${formula})`;
}
