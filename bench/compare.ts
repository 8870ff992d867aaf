/**
 * What a user waits for, measured in one run on this machine: canonical training beside PyTorch
 * (the same model, weights, minibatches and update, alternated), evaluation, generation,
 * Kneser–Ney training, peak memory and, with `--with-demo`, the wall time of `deno task demo`.
 *
 * ```sh
 * deno run -A bench/compare.ts                    # Brown; 3 rounds of 200 timed minibatches
 * deno run -A bench/compare.ts --with-demo        # also time `deno task demo` (1–2 minutes)
 * deno run -A bench/compare.ts --rounds 1 --steps 50 --skip-eval --skip-ngram   # a quick look
 * deno run -A bench/compare.ts --json out/compare.json
 * ```
 *
 * Training: ours (the fast path, every core) and PyTorch (`pytorch_canonical.py`, run by
 * `pytorch.ts` with the best of its thread settings) take turns, each from the same initial
 * weights on the same minibatches: a warm-up, then the timed steps. The ratio is median ours /
 * median PyTorch. The losses of the first steps must agree to 1e-4 (the same computation in
 * float32, summed in other orders). Without a Python that imports torch, one line says so and the
 * rest runs.
 *
 * Timings on a shared machine are noisy: take the figures to publish on a quiet one.
 *
 * @module
 */

import { benchArgs, dataFlag, fail, integerFlag } from "./args.ts";
import { type CoreRate, describeCoreRates, measureCoreRate } from "./calibrate.ts";
import { evaluate } from "../lib/evaluate.ts";
import { writeFilesAtomically } from "../lib/io/atomic.ts";
import { generate } from "../lib/generate.ts";
import { fastEvaluate, fastTrainStep, toFastState } from "../lib/kernels/fast.ts";
import { MiniNeuralLM, type ModelParams } from "../lib/model.ts";
import { KneserNey } from "../lib/ngram/kneser_ney.ts";
import { Rng } from "../lib/random.ts";
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
import {
  findTorchPython,
  openblasSetup,
  runTorch,
  type TorchRun,
  type TorchSetup,
  writeTorchInputs,
} from "./pytorch.ts";

/** Steps whose losses must agree between the two implementations, and how closely. */
const CHECK_STEPS = 5, CHECK_TOLERANCE = 1e-4;

const USAGE = "deno run -A bench/compare.ts [--steps N] [--warmup N] [--rounds N] " +
  "[--sweep-steps N] [--data brown|synthetic] [--threads N] [--python PATH] [--openblas DIR] " +
  "[--no-torch] [--skip-eval] [--skip-ngram] [--with-demo] [--json FILE]";
const values = benchArgs("compare", USAGE, {
  steps: { type: "string", default: "200" },
  warmup: { type: "string", default: "10" },
  rounds: { type: "string", default: "3" },
  "sweep-steps": { type: "string", default: "30" },
  data: { type: "string", default: "brown" },
  threads: { type: "string", default: "" },
  python: { type: "string" },
  openblas: { type: "string" },
  "no-torch": { type: "boolean", default: false },
  "skip-eval": { type: "boolean", default: false },
  "skip-ngram": { type: "boolean", default: false },
  "with-demo": { type: "boolean", default: false },
  json: { type: "string" },
});
const integer = (name: keyof typeof values, min = 1) =>
  integerFlag("compare", name, values[name], min);
const steps = integer("steps"), warmup = integer("warmup", CHECK_STEPS);
const rounds = integer("rounds"), sweepSteps = Math.min(steps, integer("sweep-steps"));
const dataKind = dataFlag("compare", values.data);
if (values.json !== undefined) {
  // The report goes to a new file only: a file the user already has is never overwritten.
  try {
    Deno.statSync(values.json);
    fail("compare", `--json ${JSON.stringify(values.json)} exists; name a new file`);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}
const { batchSize: B, lr, beta } = CANONICAL_TRAINING;
const host = thisMachine();
const threads = values.threads ? integer("threads") : host.cores;
if (threads > 256) fail("compare", `--threads expected at most 256, got ${threads}`);

const f = (x: number, digits = 0) =>
  x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const mib = (bytes: number | null) => bytes === null ? "unknown" : `${f(bytes / 2 ** 20)} MiB`;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const seconds = (body: () => void) => {
  const t0 = performance.now();
  body();
  return (performance.now() - t0) / 1000;
};
const report: Record<string, unknown> = {};

const data: BenchData = (dataKind === "brown" ? await brownData() : null) ??
  syntheticData((warmup + steps) * B + 1);
const config = canonicalConfig(data.vocabSize);
const model = new MiniNeuralLM(config);
const params = model.init(1);
const flops = flopsPerExample(config);

console.log("mini-neural-lm: what the user waits for, in one run on this machine");
console.log(`cpu      ${host.cpu} (${host.identity}), ${host.cores} logical cores`);
console.log(
  `ceiling  WebAssembly (4 lanes): ${f(host.wasmPeakGflops, 1)} GFLOP/s = ${host.cores} cores x ` +
    `2 FMA pipes x 4 lanes x 2 FLOP x ${host.clockGHz} GHz, the clock from ${host.clockSource}; ` +
    `AVX-512 for scale: ${f(host.avx512PeakGflops, 1)} GFLOP/s (16 lanes` +
    `${host.avx512 ? "" : "; this CPU reports no AVX-512"})`,
);
console.log(`runtime  Deno ${Deno.version.deno}, V8 ${Deno.version.v8}`);
console.log(`data     ${data.description}`);
console.log(
  `model    context 4, embedding 60, hidden [100] ReLU, softmax over ${f(config.vocabSize)}, ` +
    `float32; minibatch ${B}, momentum ${beta} (m = β·m + (1−β)·g), lr ${lr}; ` +
    `${f(flops / 1e6, 2)} MFLOP per example`,
);
console.log("note     timings on a shared machine are noisy; publish figures from a quiet one");
Object.assign(report, { machine: host, data: data.description, flopsPerExample: flops });

// ---------------------------------------------------------------------------------------------
// Training, ours and PyTorch's, alternated

interface OursRun {
  examplesPerSecond: number;
  medianStepSeconds: number;
  losses: number[];
}

/** Our fast path from the initial weights: `warmup` minibatches, then `steps` timed ones. */
function ours(params: ModelParams): OursRun {
  using state = toFastState(model, params, undefined, { threads });
  state.waitForHelpers();
  const step = (s: number) => {
    const mini = take(data, s * B, B);
    return fastTrainStep(state, mini.contexts, mini.targets, { lr, beta });
  };
  const losses: number[] = [];
  for (let s = 0; s < warmup; s++) losses.push(step(s));
  const times: number[] = [];
  const t0 = performance.now();
  for (let s = warmup; s < warmup + steps; s++) times.push(seconds(() => losses.push(step(s))));
  const total = (performance.now() - t0) / 1000;
  return { examplesPerSecond: steps * B / total, medianStepSeconds: median(times), losses };
}

let torch: TorchSetup | null = null;
let folder: string | null = null;
let best = { torch: 1, openblas: 1 };
if (values["no-torch"]) {
  console.log("\nPyTorch  skipped (--no-torch)");
} else {
  const found = await findTorchPython(values.python ? [values.python] : undefined);
  if ("why" in found) console.log(`\nPyTorch  skipped: ${found.why}`);
  else torch = { python: found.python, ...await openblasSetup(values.openblas) };
}
if (torch !== null) {
  folder = await Deno.makeTempDir({ prefix: "mnlm-compare-" });
  await writeTorchInputs(folder, config, params, data, { batchSize: B, lr, beta, warmup, steps });
  console.log(`\nPyTorch  ${torch.python}; ${torch.blasNote}`);
  const settings = [...new Set([1, host.cores])].flatMap((openblas) =>
    [...new Set([1, host.cores])].map((t) => ({ torch: t, openblas }))
  );
  let bestRate = 0;
  for (const s of settings) {
    const r = await runTorch(torch, folder, s, sweepSteps);
    console.log(
      `  threads OPENBLAS_NUM_THREADS=${s.openblas}, torch.set_num_threads(${s.torch}): ` +
        `${f(r.examplesPerSecond).padStart(6)} ex/s over ${sweepSteps} minibatches ` +
        `(torch ${r.torch}; BLAS ${
          r.blas.map((p) => p.split("/").at(-1)).join(", ") || "not seen"
        })`,
    );
    if (r.examplesPerSecond > bestRate) [bestRate, best] = [r.examplesPerSecond, s];
  }
  console.log(
    `  best: OPENBLAS_NUM_THREADS=${best.openblas}, torch.set_num_threads(${best.torch})`,
  );
}

console.log(
  `\ntraining ${rounds} round(s), each from the same initial weights: ${warmup} warm-up ` +
    `minibatches, then ${steps} timed (${f(steps * B)} examples); ours: fast path, ${threads} ` +
    `thread(s)`,
);
const oursRuns: OursRun[] = [], torchRuns: TorchRun[] = [];
const coreRates: CoreRate[] = [];
for (let r = 0; r < rounds; r++) {
  coreRates.push(measureCoreRate());
  const o = ours(params);
  oursRuns.push(o);
  console.log(
    `  ours    ${f(o.examplesPerSecond).padStart(6)} ex/s (median minibatch ` +
      `${f(B / o.medianStepSeconds).padStart(6)} ex/s), loss ${o.losses[0].toFixed(4)} -> ` +
      `${o.losses.at(-1)!.toFixed(4)}`,
  );
  if (torch !== null && folder !== null) {
    const t = await runTorch(torch, folder, best);
    torchRuns.push(t);
    console.log(
      `  PyTorch ${f(t.examplesPerSecond).padStart(6)} ex/s (median minibatch ` +
        `${f(B / t.medianStepSeconds).padStart(6)} ex/s), loss ${t.losses[0].toFixed(4)} -> ` +
        `${t.losses.at(-1)!.toFixed(4)}`,
    );
  }
}
coreRates.push(measureCoreRate());
const oursMedian = median(oursRuns.map((r) => r.examplesPerSecond));
const gflops = oursMedian * flops / 1e9;
const cores = Math.min(threads, host.cores);
const assumedCeiling = host.wasmPeakGflops / host.cores * cores;
const measuredCeiling = Math.max(...coreRates.map((r) => r.gflops)) * cores;
const tileCeiling = Math.max(...coreRates.map((r) => r.tileGflops)) * cores;
console.log(
  `  ours: median ${f(oursMedian)} ex/s = ${f(gflops, 1)} GFLOP/s = ` +
    `${f(100 * gflops / assumedCeiling, 1)}% of ${cores} core(s)' assumed WebAssembly ceiling, ` +
    `${f(100 * gflops / measuredCeiling, 1)}% of their measured one, ` +
    `${f(100 * gflops / tileCeiling, 1)}% of the 6x8 tile's rate on cached data ` +
    `(${f(100 * gflops / host.avx512PeakGflops, 1)}% of the AVX-512 figure)`,
);
console.log(`  ceiling ${describeCoreRates(coreRates, host)}`);
const trainingPeak = peakRssBytes();
report.training = {
  threads,
  warmup,
  steps,
  rounds,
  ours: oursRuns,
  oursMedian,
  gflops,
  measuredCoreGflops: coreRates.map((r) => r.gflops),
  measuredTileGflops: coreRates.map((r) => r.tileGflops),
};
if (torchRuns.length > 0) {
  const torchMedian = median(torchRuns.map((r) => r.examplesPerSecond));
  const tg = torchMedian * flops / 1e9;
  console.log(
    `  PyTorch: median ${f(torchMedian)} ex/s = ${f(tg, 1)} GFLOP/s ` +
      `(${f(100 * tg / host.avx512PeakGflops, 1)}% of the AVX-512 figure)`,
  );
  console.log(`  ratio (median ours / median PyTorch): ${f(oursMedian / torchMedian, 2)}`);
  const a = oursRuns[0].losses, b = torchRuns[0].losses;
  const early = Math.max(...a.slice(0, CHECK_STEPS).map((x, i) => Math.abs(x - b[i])));
  const last = Math.abs(a.at(-1)! - b.at(-1)!);
  const agree = early <= CHECK_TOLERANCE;
  console.log(
    `  check: losses of the first ${CHECK_STEPS} steps differ by at most ${
      early.toExponential(1)
    }` +
      ` (tolerance ${CHECK_TOLERANCE}): ${agree ? "agree" : "DISAGREE"}; after ` +
      `${a.length} steps ${a.at(-1)!.toFixed(5)} vs ${b.at(-1)!.toFixed(5)} (|Δ| = ` +
      `${last.toExponential(1)}, float32 rounding in other orders grows with the steps)`,
  );
  console.log(
    `  peak memory: PyTorch process ${mib(torchRuns[0].peakRssBytes)}`,
  );
  report.pytorch = {
    setup: torch,
    threads: best,
    runs: torchRuns.map(({ losses: _, ...r }) => r),
    median: torchMedian,
    ratio: oursMedian / torchMedian,
    check: { earlyMaxDifference: early, finalDifference: last, agree },
  };
  if (!agree) console.error("compare: the two implementations disagree (see the check line)");
}
if (folder !== null) await Deno.remove(folder, { recursive: true });
if (torch?.tempDir) await Deno.remove(torch.tempDir, { recursive: true });
console.log(`  peak memory of this process after training: ${mib(trainingPeak)}`);

// ---------------------------------------------------------------------------------------------
// Evaluation and generation

if (values["skip-eval"]) {
  console.log("\nevaluation and generation skipped (--skip-eval)");
} else {
  const valid = data.validation ?? take(data, 0, Math.min(data.targets.length, 200_000));
  const n = valid.targets.length;
  const what = data.validation ? "the 200,000 validation tokens" : "synthetic examples";
  let loss = NaN;
  const times = [0, 1].map(() => seconds(() => ({ loss } = evaluate(model, params, valid))));
  const evalRate = n / median(times);
  using state = toFastState(model, params, undefined, { threads });
  state.waitForHelpers();
  fastEvaluate(state, take(data, 0, 1024).contexts, take(data, 0, 1024).targets);
  const warmRate = n / seconds(() => fastEvaluate(state, valid.contexts, valid.targets));
  console.log(
    `\nevaluate ${f(n)} windows of ${what}: ${f(evalRate)} ex/s (evaluate(), engine made per ` +
      `call; median of 2), ${f(warmRate)} ex/s on a ready state; loss ${loss.toFixed(3)}`,
  );
  console.log(
    `  per example, evaluation is ${f(evalRate / oursMedian, 2)}x as fast as training ` +
      `(target ≥ 3x): ${evalRate / oursMedian >= 3 ? "met" : "NOT met"}`,
  );
  const boundary = data.boundary ?? 0;
  const tokens = 50;
  const perToken = median([1, 2, 3].map((seed) =>
    seconds(() =>
      generate(model, params, [], { rng: new Rng(seed), pad: boundary, maxTokens: tokens })
    )
  )) / tokens;
  console.log(
    `generate ${f(perToken * 1000, 2)} ms per token (${f(1 / perToken)} tokens/s; ` +
      `lib/generate.ts, ${tokens} tokens, median of 3, canonical model)`,
  );
  report.evaluation = { examples: n, examplesPerSecond: evalRate, warmRate, loss };
  report.generation = { secondsPerToken: perToken };
}

// ---------------------------------------------------------------------------------------------
// Kneser–Ney

if (values["skip-ngram"]) {
  console.log("\nKneser–Ney skipped (--skip-ngram)");
} else if (data.trainIds === undefined || data.boundary === undefined) {
  console.log("\nKneser–Ney skipped: needs the Brown corpus");
} else {
  const ids = data.trainIds, boundary = data.boundary;
  const kn: Record<number, number> = {};
  for (const order of [3, 5]) {
    kn[order] = seconds(() => KneserNey.train(ids, { order, vocabSize: data.vocabSize, boundary }));
  }
  console.log(
    `\nKneser–Ney training on ${f(ids.length)} tokens: order 3 ${f(kn[3], 2)} s, order 5 ` +
      `${f(kn[5], 2)} s`,
  );
  report.kneserNey = kn;
}
console.log(`peak memory of this process, all of the above: ${mib(peakRssBytes())}`);
report.peakRssBytes = { afterTraining: trainingPeak, atEnd: peakRssBytes() };

// ---------------------------------------------------------------------------------------------
// The demo

if (values["with-demo"]) {
  const root = new URL("..", import.meta.url).pathname;
  const t0 = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "demo"],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const wall = (performance.now() - t0) / 1000;
  const lastLine = new TextDecoder().decode(out.stdout).trim().split("\n").at(-1) ?? "";
  console.log(
    `\ndemo     deno task demo: ${f(wall, 1)} s wall${out.success ? "" : " (FAILED)"}; last ` +
      `line: ${lastLine}`,
  );
  report.demo = { seconds: wall, success: out.success };
} else {
  console.log("\ndemo     not timed (add --with-demo: about 1–2 minutes)");
}

if (values.json) {
  const slash = values.json.lastIndexOf("/");
  await writeFilesAtomically(slash < 0 ? "." : values.json.slice(0, slash) || "/", [{
    name: values.json.slice(slash + 1),
    bytes: new TextEncoder().encode(JSON.stringify(report, null, 2) + "\n"),
  }]);
  console.log(`wrote ${values.json}`);
}
