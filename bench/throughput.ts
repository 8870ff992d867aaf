/**
 * The canonical training throughput , end to end: examples per second of the full
 * step (forward, backward and update) of the fast path, with every thread and with one, and of
 * the pure reference path on fewer examples, in the same run.
 *
 * ```sh
 * deno run -A bench/throughput.ts                       # Brown, 50,048 examples (391 minibatches)
 * deno run -A bench/throughput.ts --examples 12800 --reference-examples 256 --data synthetic
 * ```
 *
 * Prints examples/s, GFLOP/s (three matrix products per layer and pass, `2·m·n·k` each: about
 * 8.45 MFLOP per example), the share of this machine's 4-lane WebAssembly FMA ceiling (beside
 * the AVX-512 figure, for scale), and the peak resident memory. These machines are noisy: the
 * per-minibatch median is printed beside the overall rate. `compare.ts` puts the same step beside
 * PyTorch's in one run.
 *
 * @module
 */

import { benchArgs, dataFlag, fail, integerFlag } from "./args.ts";
import { type CoreRate, describeCoreRates, measureCoreRate } from "./calibrate.ts";
import { MiniNeuralLM, type ModelParams } from "../lib/model.ts";
import { crossEntropy } from "../lib/nn/cross_entropy.ts";
import { momentumStep } from "../lib/nn/momentum.ts";
import type { Matrix } from "../lib/tensor.ts";
import { fastTrainStep, toFastState } from "../lib/kernels/fast.ts";
import {
  type BenchData,
  brownData,
  CANONICAL_TRAINING,
  canonicalConfig,
  flopsPerExample,
  peakRssBytes,
  syntheticData,
  take,
  thisMachine,
} from "./canonical.ts";

interface Run {
  label: string;
  /** Cores the run kept busy: its threads (the reference path: one). */
  cores?: number;
  examples: number;
  seconds: number;
  medianStepSeconds: number;
  firstLoss: number;
  lastLoss: number;
}

let peakRss = 0;
function sampleMemory(): void {
  peakRss = Math.max(peakRss, Deno.memoryUsage().rss);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Runs `steps` minibatches after one warm-up minibatch. */
function timeSteps(
  label: string,
  data: BenchData,
  steps: number,
  step: (contexts: BenchData["contexts"], targets: Int32Array) => number,
): Run {
  const B = CANONICAL_TRAINING.batchSize;
  const warm = take(data, 0, B);
  step(warm.contexts, warm.targets);
  const times: number[] = [];
  let firstLoss = NaN, lastLoss = NaN;
  const started = performance.now();
  for (let s = 0; s < steps; s++) {
    const mini = take(data, ((s + 1) * B) % (data.targets.length - B), B);
    const t0 = performance.now();
    const loss = step(mini.contexts, mini.targets);
    times.push((performance.now() - t0) / 1000);
    if (s === 0) firstLoss = loss;
    lastLoss = loss;
    if (s % 16 === 0) sampleMemory();
  }
  sampleMemory();
  return {
    label,
    examples: steps * B,
    seconds: (performance.now() - started) / 1000,
    medianStepSeconds: median(times),
    firstLoss,
    lastLoss,
  };
}

const host = thisMachine();
function machine(): string {
  return `${host.cpu} (${host.identity}), ${host.cores} logical cores; Deno ${Deno.version.deno}, ` +
    `V8 ${Deno.version.v8}`;
}

const USAGE = "deno run -A bench/throughput.ts [--examples N] [--reference-examples N] " +
  "[--data brown|synthetic] [--threads N,N,...] [--json]";
const values = benchArgs("throughput", USAGE, {
  examples: { type: "string", default: "50048" },
  "reference-examples": { type: "string", default: "384" },
  data: { type: "string", default: "brown" },
  threads: { type: "string", default: "" },
  json: { type: "boolean", default: false },
});
const B = CANONICAL_TRAINING.batchSize;
const steps = Math.ceil(integerFlag("throughput", "examples", values.examples) / B);
const referenceSteps = Math.ceil(
  integerFlag("throughput", "reference-examples", values["reference-examples"]) / B,
);
const dataKind = dataFlag("throughput", values.data);
const threadCounts = values.threads
  ? values.threads.split(",").map((t) => integerFlag("throughput", "threads", t))
  : [...new Set([navigator.hardwareConcurrency, 1])];
if (threadCounts.some((t) => t > 256)) fail("throughput", "--threads expected at most 256 each");
const data = (dataKind === "brown" ? await brownData() : null) ??
  syntheticData(Math.max(steps + 2, referenceSteps + 2) * B);
const config = canonicalConfig(data.vocabSize);
const model = new MiniNeuralLM(config);
const params = model.init(1);
const flops = flopsPerExample(config);
const { lr, beta } = CANONICAL_TRAINING;
sampleMemory();

const runs: Run[] = [];
const coreRates: CoreRate[] = [measureCoreRate()];
for (const threads of threadCounts) {
  using state = toFastState(model, params, undefined, { threads });
  state.waitForHelpers();
  const label = `fast, ${state.threads} thread${state.threads > 1 ? "s" : ""}`;
  runs.push({
    ...timeSteps(label, data, steps, (c, t) => fastTrainStep(state, c, t, { lr, beta })),
    cores: Math.min(state.threads, host.cores),
  });
  coreRates.push(measureCoreRate());
}
const measuredCore = Math.max(...coreRates.map((r) => r.gflops));
const measuredTile = Math.max(...coreRates.map((r) => r.tileGflops));

let current: ModelParams = params;
let velocity: Record<string, Matrix> | undefined;
runs.push(timeSteps("reference (pure TypeScript)", data, referenceSteps, (c, t) => {
  const { probs, cache } = model.forward(current, c, { train: true });
  const loss = crossEntropy(probs, t);
  const grads = model.backward(current, cache, t);
  ({ params: current, velocity } = momentumStep(current, grads, velocity, { lr, beta }));
  return loss;
}));

const reference = runs[runs.length - 1];
/**
 * The run's GFLOP/s as shares of the assumed and the measured ceiling of the cores it used, and
 * of the rate of the 6×8 tile on cached data.
 */
function shares(r: Run, gflops: number): string {
  const cores = r.cores ?? 1;
  const assumed = host.wasmPeakGflops / host.cores * cores, measured = measuredCore * cores;
  return `${(100 * gflops / assumed).toFixed(1)}% of ${cores} core(s)' assumed ceiling, ` +
    `${(100 * gflops / measured).toFixed(1)}% of their measured one, ` +
    `${(100 * gflops / (measuredTile * cores)).toFixed(1)}% of the tile's`;
}
const rate = (r: Run) => r.examples / r.seconds;
const medianRate = (r: Run) => B / r.medianStepSeconds;
if (values.json) {
  console.log(JSON.stringify({
    data: data.description,
    machine: machine(),
    flopsPerExample: flops,
    machineInfo: host,
    measuredCoreGflops: coreRates.map((r) => r.gflops),
    measuredTileGflops: coreRates.map((r) => r.tileGflops),
    peakRssBytes: peakRssBytes() ?? peakRss,
    runs: runs.map((r) => ({
      ...r,
      examplesPerSecond: rate(r),
      medianExamplesPerSecond: medianRate(r),
    })),
  }));
} else {
  const f = (x: number, digits = 0) =>
    x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  console.log("mini-neural-lm: canonical training throughput");
  console.log(`data     ${data.description}`);
  console.log(
    `model    context 4, embedding 60, hidden [100] ReLU, softmax over ${f(config.vocabSize)}, ` +
      `float32; minibatch ${B}, momentum ${beta}, lr ${lr}`,
  );
  console.log(`machine  ${machine()}`);
  console.log(
    `FLOPs    ${f(flops / 1e6, 2)} M per example; WebAssembly ceiling ${
      f(host.wasmPeakGflops, 1)
    } GFLOP/s (${host.cores} cores x 2 FMA pipes x 4 lanes x 2 FLOP x ${host.clockGHz} GHz, ` +
      `the clock from ${host.clockSource}); AVX-512 figure ${f(host.avx512PeakGflops, 1)} GFLOP/s`,
  );
  console.log(`         ${describeCoreRates(coreRates, host)}`);
  console.log("");
  for (const r of runs) {
    const gflops = rate(r) * flops / 1e9;
    console.log(
      `${r.label.padEnd(28)} ${f(r.examples).padStart(7)} examples in ${
        f(r.seconds, 2).padStart(6)
      } s:` +
        ` ${f(rate(r)).padStart(6)} ex/s (median minibatch ${f(medianRate(r)).padStart(6)} ex/s),` +
        ` ${f(gflops, 1).padStart(5)} GFLOP/s = ${shares(r, gflops)};` +
        ` loss ${r.firstLoss.toFixed(3)} -> ${r.lastLoss.toFixed(3)}`,
    );
  }
  console.log("");
  for (const r of runs.slice(0, -1)) {
    console.log(`${r.label}: ${f(rate(r) / rate(reference), 1)}x the reference path`);
  }
  console.log(`peak resident memory ${f((peakRssBytes() ?? peakRss) / 2 ** 20)} MiB`);
}
