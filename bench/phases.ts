/**
 * Where a canonical training step's time goes: each phase of `fastTryTrainStep` timed on its
 * own, on one thread and on every core, as medians over many minibatches.
 *
 * ```sh
 * deno run -A bench/phases.ts                  # Brown, 100 timed minibatches after 10
 * deno run -A bench/phases.ts --steps 300 --data synthetic
 * ```
 *
 * ```text
 * phase            kernels                                 FLOPs per minibatch (B = 128)
 * load batch       copy contexts and targets in            -
 * forward hidden   x = E[context]; h = relu(W1·x + b1)     2·B·240·100      =   6.1 M
 * output forward   S = Wout·h + bout, per chunk; softmax   2·B·100·|V|      = 354 M
 * softmax combine  normaliser, loss, chunk scales          -
 * embedding words  which rows of E get a gradient          -
 * output backward  dS; dh += Woutᵀ·dS; dWout; momentum    2 · 2·B·100·|V|  = 709 M
 *                  of Wout, bout and E's other rows
 * hidden backward  dW1, dx, momentum of W1, b1, E's rows   2 · 2·B·240·100  =  12 M
 * ```
 *
 * The phases call the state's internal methods in the order `fastTryTrainStep` does, so the
 * parameters move exactly as in training.
 *
 * @module
 */

import { benchArgs, dataFlag, integerFlag } from "./args.ts";
import { type CoreRate, describeCoreRates, measureCoreRate } from "./calibrate.ts";
import { MiniNeuralLM } from "../lib/model.ts";
import { toFastState } from "../lib/kernels/fast.ts";
import { PHASE } from "../lib/kernels/team.ts";
import {
  brownData,
  CANONICAL_TRAINING,
  canonicalConfig,
  syntheticData,
  take,
  thisMachine,
} from "./canonical.ts";

const values = benchArgs(
  "phases",
  "deno run -A bench/phases.ts [--steps N] [--warmup N] [--data brown|synthetic]",
  {
    steps: { type: "string", default: "100" },
    warmup: { type: "string", default: "10" },
    data: { type: "string", default: "brown" },
  },
);
const steps = integerFlag("phases", "steps", values.steps);
const warmup = integerFlag("phases", "warmup", values.warmup, 0);
const dataKind = dataFlag("phases", values.data);
const { batchSize: B, lr, beta } = CANONICAL_TRAINING;
const data = (dataKind === "brown" ? await brownData() : null) ??
  syntheticData((warmup + steps) * B + 1);
const config = canonicalConfig(data.vocabSize);
const model = new MiniNeuralLM(config);
const params = model.init(1);
const host = thisMachine();
const V = config.vocabSize, H = config.hidden[0], X = config.contextSize * config.embedDim;

const PHASES = [
  ["load batch", 0],
  ["forward hidden", 2 * B * X * H],
  ["output forward", 2 * B * H * V],
  ["softmax combine", 0],
  ["embedding words", 0],
  ["output backward", 4 * B * H * V],
  ["hidden backward", 4 * B * X * H],
] as const;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const f = (x: number, digits = 0) =>
  x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

console.log("mini-neural-lm: where a canonical training step's time goes");
console.log(`cpu   ${host.cpu} (${host.identity}), ${host.cores} logical cores`);
console.log(`data  ${data.description}; ${steps} timed minibatches of ${B} after ${warmup}`);
console.log("note  timings on a shared machine are noisy; publish figures from a quiet one");
const coreRates: CoreRate[] = [measureCoreRate()];
console.log(`      ${describeCoreRates(coreRates, host)}`);
const measuredCore = coreRates[0].gflops, measuredTile = coreRates[0].tileGflops;

for (const threads of [...new Set([1, host.cores])]) {
  using state = toFastState(model, params, undefined, { threads });
  state.waitForHelpers();
  const k = state.fn;
  const times = PHASES.map(() => [] as number[]);
  const totals: number[] = [];
  for (let s = 0; s < warmup + steps; s++) {
    const mini = take(data, (s * B) % (data.targets.length - B), B);
    const marks = [performance.now()];
    const mark = () => marks.push(performance.now());
    state.loadBatch(mini.contexts.data, mini.targets, B);
    state.setUpdate(lr, beta, 0);
    mark();
    k.forwardHidden(state.plan);
    mark();
    state.runPhase(PHASE.outputForward);
    mark();
    const loss = k.softmaxCombine(state.plan);
    mark();
    if (!Number.isFinite(loss)) throw new Error(`phases: the loss is ${loss}`);
    k.embeddingWords(state.plan);
    mark();
    state.runPhase(PHASE.outputBackward);
    mark();
    k.backwardHidden(state.plan);
    mark();
    if (s < warmup) continue;
    for (let p = 0; p < PHASES.length; p++) times[p].push(marks[p + 1] - marks[p]);
    totals.push(marks.at(-1)! - marks[0]);
  }
  const total = median(totals);
  console.log(
    `\n${threads} thread(s): median step ${f(total, 2)} ms = ${f(1000 * B / total)} ex/s ` +
      `(the phases' medians add to ${f(times.reduce((a, t) => a + median(t), 0), 2)} ms)`,
  );
  PHASES.forEach(([name, flops], p) => {
    const ms = median(times[p]);
    const rate = flops > 0 ? `, ${f(flops / ms / 1e6, 1).padStart(5)} GFLOP/s` : "";
    const gflops = flops / ms / 1e6;
    const share = flops > 0
      ? ` = ${f(100 * gflops / host.wasmPeakGflops * host.cores / threads, 0)}% of ${threads} ` +
        `core(s)' assumed ceiling, ${
          f(100 * gflops / (measuredCore * threads), 0)
        }% of measured, ` +
        `${f(100 * gflops / (measuredTile * threads), 0)}% of the tile's`
      : "";
    console.log(
      `  ${name.padEnd(16)} ${f(ms, 3).padStart(7)} ms ${
        f(100 * ms / total, 1).padStart(5)
      }%${rate}${share}`,
    );
  });
}

// The thread hand-off: the same parallel phase on a vocabulary so small that its work takes
// about a tenth of a millisecond, on one thread and on every core. What two threads save is half
// the work less what waking the helper and waiting for it cost; so the hand-off is at most the
// many-thread time less the one-thread time divided by the threads (at most: cores that are busy
// together may each run slower, which this counts as hand-off too).
if (host.cores > 1) {
  const tiny = new MiniNeuralLM({
    vocabSize: 256,
    contextSize: 2,
    embedDim: 4,
    hidden: [8],
    dtype: "float32",
  });
  const contexts = new Int32Array(2 * B).map((_, i) => (i * 37) % 256);
  const targets = new Int32Array(B).map((_, i) => (i * 7) % 256);
  const phaseMicros = (threads: number): number => {
    using state = toFastState(tiny, tiny.init(1), undefined, { threads, chunkRows: 16 });
    state.waitForHelpers();
    state.loadBatch(contexts, targets, B);
    state.fn.forwardHidden(state.plan);
    const samples: number[] = [];
    for (let r = 0; r < 7; r++) {
      const t0 = performance.now();
      for (let i = 0; i < 500; i++) state.runPhase(PHASE.outputForward);
      samples.push((performance.now() - t0) / 500 * 1000);
    }
    return median(samples);
  };
  phaseMicros(1);
  const one = phaseMicros(1), many = phaseMicros(host.cores);
  const handOff = many - one / host.cores;
  console.log(
    `\nhand-off: a parallel phase of ${f(one)} µs of work (|V| = 256) takes ${f(many)} µs on ` +
      `${host.cores} threads, so starting the helpers and waiting for them costs at most about ` +
      `${f(Math.max(0, handOff))} µs a phase; a training step has two phases`,
  );
}
