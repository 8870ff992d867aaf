/**
 * Checkers for the student exercises of `notebooks/08_exercises.ipynb`: a student writes an
 * equation of the model as a plain function over nested arrays, and a checker runs it on several
 * cases, compares it with the library's reference function, and says specifically what is wrong.
 *
 * | checker | the equation | the reference | module |
 * | --- | --- | --- | --- |
 * | {@linkcode checkSoftmax} | `p[b][j] = exp(s[b][j] − m_b) / Σ_k exp(s[b][k] − m_b)` | `softmax` (nn/softmax.ts) | `softmax.ts` |
 * | {@linkcode checkAffineBackward} | `dx = dy·W`, `dW = dyᵀ·x`, `db = Σ_r dy[r]` | `linearBackward` (nn/linear.ts) | `affine_backward.ts` |
 * | {@linkcode checkCrossEntropy} | `L = −(1/B) Σ_b log p[b][t_b]` | `crossEntropy` (nn/cross_entropy.ts) | `cross_entropy.ts` |
 * | {@linkcode checkPerplexity} | `PPL = exp(−(1/N) Σ_t log p_t)` | `perplexity` (nn/cross_entropy.ts) | `perplexity.ts` |
 * | {@linkcode checkMomentumStep} | `m ← β·m + (1 − β)·g`, `W ← W − lr·m` | `momentumStep` (nn/momentum.ts) | `momentum_step.ts` |
 * | {@linkcode checkSampleWithTemperature} | a draw from `softmax(scores / T)` with a given `Rng` | `samplingDistribution` (generate.ts) | `sample_with_temperature.ts` |
 *
 * Every checker returns a {@linkcode CheckResult} (`report.ts`), which shows itself in a notebook
 * (a green "✓ correct", or a red list of what is wrong) and has `.ok` and `.messages` for code.
 * The checkers never throw because of the student's code: an exception it throws is caught and
 * reported, and the exception of an unfinished skeleton (`throw new Error("not implemented
 * yet")`) makes the result "not done yet" rather than wrong. Each case is run on fresh copies of
 * its inputs, and a function that writes into its arguments is told so.
 *
 * In a notebook next to the repository:
 *
 * ```ts ignore
 * import { checkSoftmax } from "../lib/exercises/mod.ts";
 * ```
 *
 * @example
 * ```ts
 * import { assertEquals, assertStringIncludes } from "@std/assert";
 * import { checkCrossEntropy, checkPerplexity } from "./mod.ts";
 * // A skeleton the student has not filled in yet: "not done yet", not wrong.
 * const skeleton = (_probs: number[][], _targets: number[]): number => {
 *   throw new Error("not implemented yet");
 * };
 * assertEquals(checkCrossEntropy(skeleton).status, "todo");
 * // exp of the SUM of −log p instead of the mean: the checker says so.
 * const summed = (p: number[]) => Math.exp(-p.reduce((s, x) => s + Math.log(x), 0));
 * const result = checkPerplexity(summed);
 * assertEquals(result.ok, false);
 * assertStringIncludes(result.messages.join("\n"), "the sum of −log p, not the mean");
 * ```
 *
 * @module
 */

export { CheckResult, type CheckStatus } from "./report.ts";
export { checkSoftmax, type SoftmaxFn } from "./softmax.ts";
export { type AffineBackwardFn, type AffineGrads, checkAffineBackward } from "./affine_backward.ts";
export { checkCrossEntropy, type CrossEntropyFn } from "./cross_entropy.ts";
export { checkPerplexity, type PerplexityFn } from "./perplexity.ts";
export { checkMomentumStep, type MomentumState, type MomentumStepFn } from "./momentum_step.ts";
export {
  checkSampleWithTemperature,
  type SampleWithTemperatureFn,
} from "./sample_with_temperature.ts";
