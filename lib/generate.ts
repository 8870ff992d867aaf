/**
 * Generation: sample the next word, slide the context window, repeat.
 *
 * ```text
 * p = softmax(scores / T)                        temperature T > 0 (T → 0: greedy)
 * keep the k most probable words                 top-k (optional)
 * keep the smallest set with Σ p ≥ top_p         top-p, "nucleus" (optional)
 * renormalise, draw w ~ p, context ← (context[1:], w)
 * ```
 *
 * @module
 */

import { argError, describeValue } from "./errors.ts";
import type { MiniNeuralLM, ModelParams } from "./model.ts";
import { Rng } from "./random.ts";
import { IndexMatrix } from "./tensor.ts";

/** How to turn scores into a sampling distribution. */
export interface SamplingOptions {
  /** `T` in `softmax(scores / T)`: below 1 sharpens, above 1 flattens; 0 is greedy (default 1). */
  temperature?: number;
  /** Keep only the `k` most probable words (default: all). */
  topK?: number;
  /** Keep the fewest most-probable words whose probability sums to at least `topP` (default 1). */
  topP?: number;
  /** Words never to sample (say `<unk>`): their probability is set to 0 before the cut-offs. */
  exclude?: readonly number[];
}

function checkSampling(
  fn: string,
  o: SamplingOptions,
): Required<Omit<SamplingOptions, "exclude">> {
  const temperature = o.temperature ?? 1;
  const topK = o.topK ?? Infinity;
  const topP = o.topP ?? 1;
  if (!(temperature >= 0) || !Number.isFinite(temperature)) {
    throw argError(fn, "temperature", "a finite number >= 0", describeValue(o.temperature));
  }
  if (!(topK >= 1) || (Number.isFinite(topK) && !Number.isInteger(topK))) {
    throw argError(fn, "topK", "a positive integer", describeValue(o.topK));
  }
  if (!(topP > 0 && topP <= 1)) {
    throw argError(fn, "topP", "a probability in (0, 1]", describeValue(o.topP));
  }
  return { temperature, topK, topP };
}

/**
 * The distribution to sample from: `softmax(scores / T)`, then top-k, then top-p, renormalised.
 * Ties at the cut-off are broken by the lower index, so the result is deterministic.
 *
 * @param scores one row of unnormalised scores (logits), `[|V|]`
 * @returns a fresh `Float64Array [|V|]` that sums to 1
 *
 * @example
 * ```ts
 * import { assertAlmostEquals, assertEquals } from "@std/assert";
 * import { samplingDistribution } from "./generate.ts";
 * const s = [Math.log(1), Math.log(2), Math.log(7)]; // softmax = [0.1, 0.2, 0.7]
 * assertAlmostEquals(samplingDistribution(s)[2], 0.7, 1e-12);
 * assertEquals(Array.from(samplingDistribution(s, { temperature: 0 })), [0, 0, 1]);
 * const top2 = samplingDistribution(s, { topK: 2 }); // [0, 0.2, 0.7] / 0.9
 * assertAlmostEquals(top2[1], 0.2 / 0.9, 1e-12);
 * assertEquals(Array.from(samplingDistribution(s, { topP: 0.6 })), [0, 0, 1]);
 * ```
 */
export function samplingDistribution(
  scores: ArrayLike<number>,
  options: SamplingOptions = {},
): Float64Array {
  const fn = "samplingDistribution";
  const { temperature, topK, topP } = checkSampling(fn, options);
  const V = scores.length;
  if (V === 0) throw argError(fn, "scores", "at least one score", "none");
  let max = -Infinity, argmax = 0;
  for (let j = 0; j < V; j++) {
    if (!Number.isFinite(scores[j])) {
      throw argError(fn, `scores[${j}]`, "a finite number", describeValue(scores[j]));
    }
    if (scores[j] > max) {
      max = scores[j];
      argmax = j;
    }
  }
  const p = new Float64Array(V);
  if (temperature === 0) {
    const excluded = new Set(options.exclude ?? []);
    if (excluded.has(argmax)) {
      let best = -Infinity;
      for (let j = 0; j < V; j++) {
        if (!excluded.has(j) && scores[j] > best) [best, argmax] = [scores[j], j];
      }
      if (best === -Infinity) {
        throw argError(fn, "exclude", "to leave at least one word", "every word");
      }
    }
    p[argmax] = 1;
    return p;
  }
  let sum = 0;
  for (let j = 0; j < V; j++) {
    p[j] = Math.exp((scores[j] - max) / temperature);
  }
  for (const j of options.exclude ?? []) {
    if (!(Number.isInteger(j) && j >= 0 && j < V)) {
      throw argError(fn, "exclude", `indices in [0, ${V})`, describeValue(j));
    }
    p[j] = 0;
  }
  for (let j = 0; j < V; j++) sum += p[j];
  if (!(sum > 0)) throw argError(fn, "exclude", "to leave at least one word", "every word");
  for (let j = 0; j < V; j++) p[j] /= sum;
  if (topK >= V && topP >= 1) return p;

  // Words by decreasing probability (stable: the lower index first among equals).
  const order = Array.from({ length: V }, (_, j) => j).sort((a, b) => p[b] - p[a] || a - b);
  let keep = Math.min(V, topK);
  let cumulative = 0;
  for (let r = 0; r < keep; r++) {
    cumulative += p[order[r]];
    if (cumulative >= topP) {
      keep = r + 1;
      break;
    }
  }
  const out = new Float64Array(V);
  let kept = 0;
  for (let r = 0; r < keep; r++) kept += p[order[r]];
  for (let r = 0; r < keep; r++) out[order[r]] = p[order[r]] / kept;
  return out;
}

/**
 * Draws the next word from `samplingDistribution(scores, options)`.
 *
 * @returns the word index and its probability under the sampling distribution
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { sampleNext } from "./generate.ts";
 * import { Rng } from "./random.ts";
 * assertEquals(sampleNext([0, 5, 1], { temperature: 0 }, new Rng(0)), { index: 1, prob: 1 });
 * ```
 */
export function sampleNext(
  scores: ArrayLike<number>,
  options: SamplingOptions,
  rng: Rng,
): { index: number; prob: number } {
  if (!(rng instanceof Rng)) {
    throw argError("sampleNext", "rng", "an Rng", describeValue(rng), TypeError);
  }
  const p = samplingDistribution(scores, options);
  const index = rng.categorical(p);
  return { index, prob: p[index] };
}

/** Options of {@linkcode generate}. */
export interface GenerateOptions extends SamplingOptions {
  /** The generator of the draws (required: the same seed gives the same text). */
  rng: Rng;
  /** The most words to generate (default 20). */
  maxTokens?: number;
  /** Stop after generating this index (typically the boundary `</s>`), included in the output. */
  stopAt?: number;
  /** Index used to pad a prompt shorter than the context (typically the boundary `</s>`). */
  pad: number;
}

/** What {@linkcode generate} produced. */
export interface Generation {
  /** The generated word indices (the prompt excluded). */
  tokens: number[];
  /** For each generated word, its probability under the sampling distribution. */
  probs: number[];
  /** Whether generation ended at `stopAt` (rather than at `maxTokens`). */
  stopped: boolean;
}

/**
 * Generates words one at a time with a sliding context window: the context of each step is the
 * last `n − 1` indices of `pad… + prompt + generated so far`.
 *
 * @param prompt word indices to start from (may be empty)
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { generate } from "./generate.ts";
 * import { MiniNeuralLM } from "./model.ts";
 * import { Rng } from "./random.ts";
 * const model = new MiniNeuralLM({ vocabSize: 6, contextSize: 2, embedDim: 3, hidden: [4] });
 * const params = model.init(0);
 * const a = generate(model, params, [2], { rng: new Rng(5), pad: 1, maxTokens: 8 });
 * const b = generate(model, params, [2], { rng: new Rng(5), pad: 1, maxTokens: 8 });
 * assertEquals(a, b); // same seed, same words
 * assertEquals(a.tokens.length, 8);
 * ```
 */
export function generate(
  model: MiniNeuralLM,
  params: ModelParams,
  prompt: ArrayLike<number>,
  options: GenerateOptions,
): Generation {
  const fn = "generate";
  const { vocabSize, contextSize } = model.config;
  checkSampling(fn, options);
  const maxTokens = options.maxTokens ?? 20;
  if (!Number.isInteger(maxTokens) || maxTokens < 0) {
    throw argError(fn, "maxTokens", "a non-negative integer", describeValue(options.maxTokens));
  }
  for (const [name, v] of [["pad", options.pad], ["stopAt", options.stopAt]] as const) {
    if (v !== undefined && !(Number.isInteger(v) && v >= 0 && v < vocabSize)) {
      throw argError(fn, name, `an index in [0, ${vocabSize})`, describeValue(v));
    }
  }
  for (let i = 0; i < prompt.length; i++) {
    if (!(Number.isInteger(prompt[i]) && prompt[i] >= 0 && prompt[i] < vocabSize)) {
      throw argError(fn, `prompt[${i}]`, `an index in [0, ${vocabSize})`, describeValue(prompt[i]));
    }
  }
  const window: number[] = [...Array(contextSize).fill(options.pad), ...Array.from(prompt)]
    .slice(-contextSize);
  const tokens: number[] = [];
  const probs: number[] = [];
  let stopped = false;
  while (tokens.length < maxTokens) {
    const context = new IndexMatrix(1, contextSize, Int32Array.from(window));
    const { scores } = model.forward(params, context);
    const { index, prob } = sampleNext(scores.data, options, options.rng);
    tokens.push(index);
    probs.push(prob);
    window.shift();
    window.push(index);
    if (index === options.stopAt) {
      stopped = true;
      break;
    }
  }
  return { tokens, probs, stopped };
}
