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
 * A model with a class-factored output (`output: { kind: "classes", … }`) is sampled from its
 * exact full distribution: its `forward` scores are `log p(w | h) = log p(c(w) | h) +
 * log p(w | c(w), h)` over all `|V|` words, so temperature, top-k and top-p mean exactly what
 * they mean for the full softmax. (Drawing a class, then a word within it, would cost
 * `O(C + |class|)` instead of `O(|V|)`, but equals this only at `T = 1` without top-k/top-p.)
 *
 * @module
 */

import { argError, describeValue } from "./errors.ts";
import { MiniNeuralLM, type ModelParams } from "./model.ts";
import { Rng } from "./random.ts";
import { IndexMatrix } from "./tensor.ts";

/**
 * How to turn scores into a sampling distribution. Every field is optional; a field set to
 * `undefined` takes its default. Any other field is refused (a misspelt `topk` would otherwise
 * be ignored without a word).
 */
export interface SamplingOptions {
  /**
   * `T` in `softmax(scores / T)`, a finite number `>= 0`: below 1 sharpens, above 1 flattens; 0
   * is greedy (default 1).
   */
  temperature?: number;
  /** Keep only the `k` most probable words: a positive integer, or `Infinity` (default: all). */
  topK?: number;
  /**
   * Keep the fewest most-probable words whose probability sums to at least `topP`, in `(0, 1]`
   * (default 1: all).
   */
  topP?: number;
  /**
   * Words never to sample (say `<unk>`), indices in `[0, |V|)` that leave at least one word: their
   * probability is set to 0 before the cut-offs, at every temperature (default: none).
   */
  exclude?: readonly number[];
}

const SAMPLING_KEYS = ["temperature", "topK", "topP", "exclude"] as const;

/** Sampling options checked and filled in, ready for {@linkcode distribution}. */
interface Sampling {
  temperature: number;
  topK: number;
  topP: number;
  /** `excluded[j] = 1` when word `j` is never sampled. */
  excluded: Uint8Array;
}

// Refuses a non-object and any field that is not in `known`.
function checkOptionFields(fn: string, options: unknown, known: readonly string[]): void {
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw argError(fn, "options", "an options object", describeValue(options), TypeError);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw argError(fn, "options", `only ${known.join(", ")}`, `an unknown "${key}"`);
    }
  }
}

// Checks every sampling option for a vocabulary of `V` words, once.
function checkSampling(fn: string, o: SamplingOptions, V: number): Sampling {
  const number = (name: string, value: unknown) => {
    if (typeof value !== "number") {
      throw argError(fn, `options.${name}`, "a number", describeValue(value), TypeError);
    }
    return value;
  };
  const temperature = number("temperature", o.temperature ?? 1);
  if (!(temperature >= 0) || !Number.isFinite(temperature)) {
    throw argError(fn, "options.temperature", "a finite number >= 0", describeValue(temperature));
  }
  const topK = number("topK", o.topK ?? Infinity);
  if (!(topK >= 1) || (topK !== Infinity && !Number.isInteger(topK))) {
    throw argError(fn, "options.topK", "a positive integer (or Infinity)", describeValue(topK));
  }
  const topP = number("topP", o.topP ?? 1);
  if (!(topP > 0 && topP <= 1)) {
    throw argError(fn, "options.topP", "a probability in (0, 1]", describeValue(topP));
  }
  const exclude = o.exclude ?? [];
  if (!Array.isArray(exclude)) {
    throw argError(
      fn,
      "options.exclude",
      "an array of word indices",
      describeValue(exclude),
      TypeError,
    );
  }
  const excluded = new Uint8Array(V);
  let count = 0;
  for (let i = 0; i < exclude.length; i++) {
    const j = exclude[i];
    if (!(Number.isInteger(j) && j >= 0 && j < V)) {
      throw argError(fn, `options.exclude[${i}]`, `an index in [0, ${V})`, describeValue(j));
    }
    if (!excluded[j]) count++;
    excluded[j] = 1;
  }
  if (V > 0 && count === V) {
    throw argError(fn, "options.exclude", "to leave at least one word", `all ${V} words`);
  }
  return { temperature, topK, topP, excluded };
}

function checkScores(fn: string, scores: unknown): ArrayLike<number> {
  if (
    scores === null || typeof scores !== "object" ||
    typeof (scores as ArrayLike<number>).length !== "number"
  ) {
    throw argError(fn, "scores", "an array of scores", describeValue(scores), TypeError);
  }
  const s = scores as ArrayLike<number>;
  if (s.length === 0) throw argError(fn, "scores", "at least one score", "none");
  return s;
}

// The sampling distribution for options already checked against `scores.length` words.
function distribution(fn: string, scores: ArrayLike<number>, o: Sampling): Float64Array {
  const V = scores.length;
  // The largest score among the words that may be drawn: the greedy choice (the lower index
  // among equals), and the shift that keeps exp from overflowing. Shifting by the largest
  // allowed score, not the largest of all, keeps at least one exp(0) = 1 after the exclusions.
  let max = -Infinity, argmax = -1;
  for (let j = 0; j < V; j++) {
    if (typeof scores[j] !== "number" || !Number.isFinite(scores[j])) {
      throw argError(fn, `scores[${j}]`, "a finite number", describeValue(scores[j]));
    }
    if (!o.excluded[j] && scores[j] > max) {
      max = scores[j];
      argmax = j;
    }
  }
  const p = new Float64Array(V);
  if (o.temperature === 0) {
    p[argmax] = 1;
    return p;
  }
  let sum = 0;
  for (let j = 0; j < V; j++) {
    p[j] = o.excluded[j] ? 0 : Math.exp((scores[j] - max) / o.temperature);
    sum += p[j];
  }
  for (let j = 0; j < V; j++) p[j] /= sum;
  if (o.topK >= V && o.topP >= 1) return p;

  // Words by decreasing probability (stable: the lower index first among equals).
  const order = Array.from({ length: V }, (_, j) => j).sort((a, b) => p[b] - p[a] || a - b);
  let keep = Math.min(V, o.topK);
  let cumulative = 0;
  for (let r = 0; r < keep; r++) {
    cumulative += p[order[r]];
    if (cumulative >= o.topP) {
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
 * The distribution to sample from: `softmax(scores / T)`, then top-k, then top-p, renormalised.
 * Ties at the cut-off are broken by the lower index, so the result is deterministic.
 *
 * @param scores one row of unnormalised scores (logits), `[|V|]`, finite, at least one
 * @param options temperature, topK, topP, exclude (see {@linkcode SamplingOptions})
 * @returns a fresh `Float64Array [|V|]` that sums to 1
 * @throws {TypeError} for options that are not an object, an unknown option, an option of the
 * wrong type, or scores that are not array-like
 * @throws {RangeError} for an option out of range (each message names it), no scores, or a
 * score that is not finite
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
  checkOptionFields(fn, options, SAMPLING_KEYS);
  const s = checkScores(fn, scores);
  return distribution(fn, s, checkSampling(fn, options, s.length));
}

/**
 * Draws the next word from `samplingDistribution(scores, options)`.
 *
 * @param scores one row of unnormalised scores (logits), `[|V|]`
 * @param options as for {@linkcode samplingDistribution}
 * @param rng the generator of the draw
 * @returns the word index and its probability under the sampling distribution
 * @throws {TypeError} or {RangeError} as {@linkcode samplingDistribution}; a TypeError when `rng`
 * is not an `Rng`
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
  const fn = "sampleNext";
  checkOptionFields(fn, options, SAMPLING_KEYS);
  checkRng(fn, rng);
  const s = checkScores(fn, scores);
  const p = distribution(fn, s, checkSampling(fn, options, s.length));
  const index = rng.categorical(p);
  return { index, prob: p[index] };
}

function checkRng(fn: string, rng: unknown): void {
  if (!(rng instanceof Rng)) {
    throw argError(
      fn,
      fn === "generate" ? "options.rng" : "rng",
      "an Rng",
      describeValue(rng),
      TypeError,
    );
  }
}

/** Options of {@linkcode generate}: the sampling options and these. */
export interface GenerateOptions extends SamplingOptions {
  /** The generator of the draws (required: the same seed gives the same text). */
  rng: Rng;
  /** The most words to generate, a non-negative integer (default 20). */
  maxTokens?: number;
  /**
   * Stop after generating this index (typically the boundary `</s>`), included in the output
   * (default: never stop early).
   */
  stopAt?: number;
  /**
   * The index that fills the context before the prompt when the prompt is shorter than the
   * context `n − 1`: use the vocabulary's `boundaryIndex` (`</s>`), which is what the training
   * windows put before the first word of a text. **Required whenever the prompt is shorter than
   * the context** (an empty prompt included): `generate` cannot tell which index is the
   * boundary, and a silent default (say index 0, `<unk>`) would start the model from a context it
   * never saw in training. Not needed when the prompt fills the context; checked when given.
   */
  pad?: number;
}

const GENERATE_KEYS = [...SAMPLING_KEYS, "rng", "maxTokens", "stopAt", "pad"] as const;

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
 * last `n − 1` indices of `pad… + prompt + generated so far`, and each word is drawn from
 * `samplingDistribution(scores, options)` of that context's scores.
 *
 * Every argument and option is checked once, before the first forward pass, at every
 * temperature; an error names the option (`generate: options.topK expected …`).
 *
 * @param model the model whose `forward` gives the scores
 * @param params its parameters
 * @param prompt word indices to start from (may be empty), each in `[0, |V|)`
 * @param options `rng` (required), `pad` (required when the prompt is shorter than the context),
 * `maxTokens`, `stopAt` and the {@linkcode SamplingOptions}
 * @returns the generated indices, their sampling probabilities, and whether `stopAt` ended it
 * @throws {TypeError} for a model that is not a `MiniNeuralLM`, parameters of the wrong kind, a
 * prompt that is not an array of indices, options that are not an object, an `rng` that is not
 * an `Rng`, or an option of the wrong type
 * @throws {RangeError} for an unknown option, an option out of range, a missing `pad` that is
 * needed, a prompt index outside the vocabulary, or parameters of the wrong shape
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { generate } from "./generate.ts";
 * import { MiniNeuralLM } from "./model.ts";
 * import { Rng } from "./random.ts";
 * const model = new MiniNeuralLM({ vocabSize: 6, contextSize: 2, embedDim: 3, hidden: [4] });
 * const params = model.init(0);
 * const a = generate(model, params, [2], { rng: new Rng(5), pad: 1, maxTokens: 8 });
 * const b = generate(model, params, [2], { rng: new Rng(5), pad: 1, maxTokens: 8 });
 * assertEquals(a, b); // same seed, same words
 * assertEquals(a.tokens.length, 8);
 * // A prompt of two words fills the context: no pad needed. One word does not.
 * assertEquals(generate(model, params, [2, 3], { rng: new Rng(5), maxTokens: 2 }).tokens.length, 2);
 * assertThrows(() => generate(model, params, [2], { rng: new Rng(5) }), RangeError, "options.pad");
 * ```
 */
export function generate(
  model: MiniNeuralLM,
  params: ModelParams,
  prompt: ArrayLike<number>,
  options: GenerateOptions,
): Generation {
  const fn = "generate";
  if (!(model instanceof MiniNeuralLM)) {
    throw argError(fn, "model", "a MiniNeuralLM", describeValue(model), TypeError);
  }
  const { vocabSize, contextSize } = model.config;
  model.checkParams(fn, params);
  if (
    prompt === null || typeof prompt !== "object" ||
    typeof (prompt as ArrayLike<number>).length !== "number"
  ) {
    throw argError(
      fn,
      "prompt",
      "an array of word indices (encode a text with the preprocessor first)",
      describeValue(prompt),
      TypeError,
    );
  }
  for (let i = 0; i < prompt.length; i++) {
    if (!(Number.isInteger(prompt[i]) && prompt[i] >= 0 && prompt[i] < vocabSize)) {
      throw argError(fn, `prompt[${i}]`, `an index in [0, ${vocabSize})`, describeValue(prompt[i]));
    }
  }
  checkOptionFields(fn, options, GENERATE_KEYS);
  checkRng(fn, options.rng);
  const sampling = checkSampling(fn, options, vocabSize);
  const maxTokens = options.maxTokens ?? 20;
  if (typeof maxTokens !== "number" || !Number.isInteger(maxTokens) || maxTokens < 0) {
    throw argError(fn, "options.maxTokens", "a non-negative integer", describeValue(maxTokens));
  }
  for (const [name, v] of [["pad", options.pad], ["stopAt", options.stopAt]] as const) {
    if (v !== undefined && !(Number.isInteger(v) && v >= 0 && v < vocabSize)) {
      throw argError(fn, `options.${name}`, `an index in [0, ${vocabSize})`, describeValue(v));
    }
  }
  if (options.pad === undefined && prompt.length < contextSize) {
    throw argError(
      fn,
      "options.pad",
      `an index in [0, ${vocabSize}) to fill the context before a prompt shorter than ` +
        `${contextSize} words (usually the vocabulary's boundaryIndex, </s>)`,
      `none, with a prompt of ${prompt.length}`,
    );
  }
  const window: number[] = [...Array(contextSize).fill(options.pad), ...Array.from(prompt)]
    .slice(-contextSize);
  const tokens: number[] = [];
  const probs: number[] = [];
  let stopped = false;
  while (tokens.length < maxTokens) {
    const context = new IndexMatrix(1, contextSize, Int32Array.from(window));
    const { scores } = model.forward(params, context);
    const p = distribution(fn, scores.data, sampling);
    const index = options.rng.categorical(p);
    tokens.push(index);
    probs.push(p[index]);
    window.shift();
    window.push(index);
    if (index === options.stopAt) {
      stopped = true;
      break;
    }
  }
  return { tokens, probs, stopped };
}
