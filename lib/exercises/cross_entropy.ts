/**
 * The cross-entropy exercise: a student's `L = −(1/B) Σ_b log p[b][t_b]`, checked against the
 * library's `crossEntropy` (lib/nn/cross_entropy.ts).
 *
 * @module
 */

import { describeValue } from "../errors.ts";
import { crossEntropy } from "../nn/cross_entropy.ts";
import { matrix } from "../tensor.ts";
import { type CheckResult, Report, requireFunction } from "./report.ts";
import { close, num } from "./values.ts";

/** The mean cross-entropy of `probs [B][V]` against `targets [B]`. */
export type CrossEntropyFn = (probs: number[][], targets: number[]) => number;

const CROSS_ENTROPY_CASES: readonly { name: string; probs: number[][]; targets: number[] }[] = [
  // −log 0.5 = ln 2 ≈ 0.6931
  { name: "one row", probs: [[0.5, 0.25, 0.25]], targets: [0] },
  {
    name: "a batch of 4 rows with repeated targets [2, 0, 2, 2]",
    probs: [[0.1, 0.6, 0.3], [0.7, 0.2, 0.1], [0.2, 0.2, 0.6], [0.25, 0.25, 0.5]],
    targets: [2, 0, 2, 2],
  },
  // −(log 1 + log 1) / 2 = 0, even though other words have probability 0
  {
    name: "certain predictions with zeros elsewhere",
    probs: [[0, 1, 0], [1, 0, 0]],
    targets: [1, 0],
  },
];

/**
 * Checks a student's mean cross-entropy `L = −(1/B) Σ_b log probs[b][targets[b]]` (natural log,
 * in nats) against the library's `crossEntropy` (lib/nn/cross_entropy.ts): one row, a batch of
 * four with repeated targets (where a sum instead of a mean shows), and certain predictions
 * beside probabilities of exactly 0 (where `0·log 0` would give NaN).
 *
 * @param fn the student's function `(probs: number[][], targets: number[]) => number`
 * @returns the verdict; messages such as `loss is a sum, not a mean over the batch (off by a
 * factor 4)`
 * @throws {TypeError} when `fn` is not a function
 *
 * @example
 * ```ts
 * import { assert, assertStringIncludes } from "@std/assert";
 * import { checkCrossEntropy } from "./cross_entropy.ts";
 * function crossEntropy(probs: number[][], targets: number[]): number {
 *   let sum = 0;
 *   for (let b = 0; b < probs.length; b++) sum -= Math.log(probs[b][targets[b]]);
 *   return sum / probs.length;
 * }
 * assert(checkCrossEntropy(crossEntropy).ok);
 * const total = (p: number[][], t: number[]) => crossEntropy(p, t) * p.length;
 * assertStringIncludes(checkCrossEntropy(total).messages.join("\n"), "a sum, not a mean");
 * ```
 */
export function checkCrossEntropy(fn: CrossEntropyFn): CheckResult {
  requireFunction("checkCrossEntropy", fn, "(probs: number[][], targets: number[]) => number");
  const report = new Report("cross-entropy");
  for (const { name, probs, targets } of CROSS_ENTROPY_CASES) {
    const run = report.attempt(
      name,
      { probs, targets },
      (c) => fn(c.probs as number[][], c.targets as number[]),
    );
    if (report.todo) break;
    if (run === null) continue;
    const want = crossEntropy(matrix(probs), targets);
    const problem = diagnoseCrossEntropy(probs, run.value, want);
    if (problem !== null) report.fail(name, problem);
  }
  return report.result();
}

function diagnoseCrossEntropy(
  probs: number[][],
  got: unknown,
  want: number,
): string | null {
  if (typeof got !== "number") return `returned ${describeValue(got)}, expected a number`;
  if (close(got, want)) return null;
  const batch = probs.length;
  const hasZeros = probs.some((r) => r.some((v) => v === 0));
  const formula = "L = −(1/B) Σ_b log probs[b][targets[b]]";
  if (Number.isNaN(got) && hasZeros) {
    return "got NaN where some probabilities are exactly 0: 0·log 0 is NaN in floating point — " +
      `take only the target's probability, ${formula}`;
  }
  if (got === Infinity && hasZeros) {
    return "got Infinity where some non-target probabilities are exactly 0: only the target's " +
      `probability enters, ${formula}`;
  }
  if (batch > 1 && close(got, want * batch)) {
    return `loss is a sum, not a mean over the batch (off by a factor ${batch}): divide by B`;
  }
  if (close(got, -want)) return `the sign is wrong: got ${num(got)}; ${formula} is >= 0`;
  if (close(got, want / Math.LN10)) {
    return "that is log base 10: use the natural log Math.log (the loss is in nats)";
  }
  if (close(got, want / Math.LN2)) {
    return "that is log base 2 (bits): use the natural log Math.log (the loss is in nats)";
  }
  let allWords = 0;
  for (const r of probs) for (const v of r) allWords -= Math.log(v);
  if (close(got, allWords / batch) || close(got, allWords)) {
    return `you took −log p of every word; only the target word's probability enters: ${formula}`;
  }
  return `got ${num(got)}, expected ${num(want)} (${formula})`;
}
