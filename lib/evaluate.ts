/**
 * Measuring a model on held-out text: the mean cross-entropy and perplexity of a dataset, and
 * the probability of each target word.
 *
 * ```text
 * L   = −(1/N) Σ_t log p(w_t | context_t)      nats per word, no dropout
 * PPL = exp(L)                                  Bengio et al. 2003, section 4.2
 * ```
 *
 * @module
 */

import { argError } from "./errors.ts";
import { checkDataset, type Dataset } from "./dataset.ts";
import { createEngine, type EngineName } from "./engine.ts";
import type { MiniNeuralLM, ModelParams } from "./model.ts";

/** Options of {@linkcode evaluate} and {@linkcode targetProbabilities}. */
export interface EvaluateOptions {
  /** Which engine computes (default `"fast"`, the reference path for float64 models). */
  engine?: EngineName;
}

function checked(fn: string, model: MiniNeuralLM, params: ModelParams, data: Dataset): void {
  model.checkParams(fn, params);
  checkDataset(fn, "data", data, model.config.vocabSize, model.config.contextSize);
  if (data.targets.length === 0) throw argError(fn, "data", "at least one example", "0");
}

/**
 * Mean cross-entropy (nats per word) and perplexity `exp(mean)` of a model on a dataset, in
 * evaluation mode (no dropout). The loss comes from the scores by log-sum-exp, so a word whose
 * probability rounds to 0 still counts with its true, finite cost.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { evaluate } from "./evaluate.ts";
 * import { MiniNeuralLM } from "./model.ts";
 * import { indexMatrix } from "./tensor.ts";
 * const model = new MiniNeuralLM({ vocabSize: 4, contextSize: 1, embedDim: 2, hidden: [3] });
 * const data = { contexts: indexMatrix([[0], [1]]), targets: new Int32Array([1, 2]) };
 * const { loss, perplexity } = evaluate(model, model.init(0), data);
 * assert(Math.abs(perplexity - Math.exp(loss)) < 1e-12);
 * ```
 */
export function evaluate(
  model: MiniNeuralLM,
  params: ModelParams,
  data: Dataset,
  options: EvaluateOptions = {},
): { loss: number; perplexity: number } {
  checked("evaluate", model, params, data);
  using engine = createEngine(model, params, { engine: options.engine });
  const loss = engine.evaluate(data);
  return { loss, perplexity: Math.exp(loss) };
}

/**
 * The probability the model gives each target, `p(target_t | context_t)` for every example, in
 * evaluation mode: what the n-gram mixture of Bengio et al. 2003 averages, and what perplexity
 * summarises, `ppl = exp(−mean log p)`.
 *
 * @returns a `Float64Array [N]`
 *
 * @example
 * ```ts
 * import { assertAlmostEquals } from "@std/assert";
 * import { evaluate, targetProbabilities } from "./evaluate.ts";
 * import { MiniNeuralLM } from "./model.ts";
 * import { indexMatrix } from "./tensor.ts";
 * const model = new MiniNeuralLM({ vocabSize: 4, contextSize: 1, embedDim: 2, hidden: [3] });
 * const data = { contexts: indexMatrix([[0], [1]]), targets: new Int32Array([1, 2]) };
 * const p = targetProbabilities(model, model.init(0), data);
 * const meanLog = (Math.log(p[0]) + Math.log(p[1])) / 2;
 * assertAlmostEquals(evaluate(model, model.init(0), data).loss, -meanLog, 1e-12);
 * ```
 */
export function targetProbabilities(
  model: MiniNeuralLM,
  params: ModelParams,
  data: Dataset,
  options: EvaluateOptions = {},
): Float64Array {
  checked("targetProbabilities", model, params, data);
  using engine = createEngine(model, params, { engine: options.engine });
  return engine.targetProbabilities(data);
}
