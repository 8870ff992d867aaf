/**
 * Training: the minibatch loop, learning-rate schedules, evaluation, early stopping, history.
 *
 * The loop reads top to bottom like the algorithm:
 *
 * ```text
 * for epoch = 1 … E:
 *   shuffle the training examples (seeded)
 *   for each minibatch:  forward → loss → backward → momentum step (lr from the schedule)
 *   evaluate on validation: mean cross-entropy, perplexity = exp(mean cross-entropy)
 *   keep the parameters with the best validation loss; stop after `patience` epochs without one
 * ```
 *
 * @module
 */

import { argError, describeValue } from "./errors.ts";
import type { MiniNeuralLM, ModelParams } from "./model.ts";
import { momentumStep } from "./nn/momentum.ts";
import {
  fastEvaluate,
  type FastState,
  fastSupports,
  fastTargetProbabilities,
  fastTrainStep,
  fromFastState,
  toFastState,
} from "./kernels/fast.ts";
import { crossEntropy } from "./nn/cross_entropy.ts";
import { formatDuration, ProgressBar, type ProgressSink } from "./progress.ts";
import { Rng } from "./random.ts";
import { checkIndices, IndexMatrix, type Matrix } from "./tensor.ts";

/** Examples: one context row and one target word each. */
export interface Dataset {
  /** `[N, n−1]` context word indices. */
  contexts: IndexMatrix;
  /** `[N]` target word indices. */
  targets: Int32Array;
}

/**
 * A learning-rate schedule, as a function of the update count `t` (starting at 0) and the
 * epoch `e` (starting at 0):
 *
 * - `constant`: `lr_t = lr_0`;
 * - `decay`: `lr_t = lr_0 / (1 + r·t)`, the schedule of Bengio et al. 2003 (section 4);
 * - `step`: `lr_t = lr_0 · factor^floor(e / every)`.
 */
export type Schedule =
  | { kind: "constant" }
  | { kind: "decay"; rate: number }
  | { kind: "step"; every: number; factor: number };

/**
 * The learning rate at update `t` of epoch `epoch` under a schedule.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { learningRate } from "./train.ts";
 * assertEquals(learningRate(0.1, { kind: "constant" }, 500, 3), 0.1);
 * assertEquals(learningRate(0.1, { kind: "decay", rate: 0.01 }, 100, 0), 0.05); // 0.1 / (1 + 1)
 * assertEquals(learningRate(0.1, { kind: "step", every: 2, factor: 0.5 }, 0, 5), 0.025);
 * ```
 */
export function learningRate(lr0: number, schedule: Schedule, t: number, epoch: number): number {
  switch (schedule.kind) {
    case "constant":
      return lr0;
    case "decay":
      return lr0 / (1 + schedule.rate * t);
    case "step":
      return lr0 * schedule.factor ** Math.floor(epoch / schedule.every);
  }
}

/** `"fast"`: the WebAssembly kernels where they cover the model; `"reference"`: the pure path. */
export type Engine = "fast" | "reference";

/** A {@linkcode FastState} for the model when `engine` asks for one and the model is covered. */
function fastStateFor(
  fn: string,
  engine: unknown,
  model: MiniNeuralLM,
  params: ModelParams,
): FastState | null {
  if (engine !== "fast" && engine !== "reference") {
    throw argError(fn, "engine", `"fast" or "reference"`, describeValue(engine));
  }
  return engine === "fast" && fastSupports(model.config) === null
    ? toFastState(model, params)
    : null;
}

/** What happened at one update. */
export interface StepRecord {
  /** Update count, from 1. */
  step: number;
  /** Epoch, from 1. */
  epoch: number;
  /** Mean cross-entropy of the minibatch (before the update). */
  loss: number;
  /** Learning rate used for the update. */
  lr: number;
  /** Training throughput so far in this epoch (wall clock: differs from run to run). */
  examplesPerSecond: number;
}

/** What happened in one epoch. */
export interface EpochRecord {
  /** Epoch, from 1. */
  epoch: number;
  /** Mean minibatch loss over the epoch (with dropout, as trained). */
  trainLoss: number;
  /** `exp(trainLoss)`. */
  trainPerplexity: number;
  /** Mean cross-entropy on the validation set (`NaN` without one). */
  validLoss: number;
  /** `exp(validLoss)`. */
  validPerplexity: number;
  /** Learning rate at the end of the epoch. */
  lr: number;
  /** Training throughput of the epoch (wall clock). */
  examplesPerSecond: number;
  /** Wall-clock seconds of the epoch, evaluation included. */
  seconds: number;
}

/** Per-step and per-epoch records of a run. */
export interface History {
  /** One record per update. */
  steps: StepRecord[];
  /** One record per epoch. */
  epochs: EpochRecord[];
}

/** Options of {@linkcode train}; every field has a default. */
export interface TrainOptions {
  /** Passes over the training set (default 5). */
  epochs?: number;
  /** Examples per minibatch (default 64). */
  batchSize?: number;
  /** Initial learning rate `lr_0` (default 0.1). */
  lr?: number;
  /** Momentum `β` in `m = β·m + (1−β)·g` (default 0.9). */
  momentum?: number;
  /** Learning-rate schedule (default constant). */
  schedule?: Schedule;
  /** L2 weight decay `λ` on weights and embeddings, not biases (default 0). */
  weightDecay?: number;
  /** Seed of the shuffling and dropout generator (default 0). */
  seed?: number;
  /** Stop after this many epochs without a better validation loss (default 2; `Infinity`: never). */
  patience?: number;
  /** Stop an epoch after this many updates (default: a full pass). For quick demos. */
  maxStepsPerEpoch?: number;
  /** Called after every update: for live plots. */
  onStep?: (record: StepRecord) => void;
  /** Called after every epoch with the current parameters. */
  onEpoch?: (record: EpochRecord, params: ModelParams) => void;
  /**
   * Which implementation runs the steps (default `"fast"`): `"fast"` uses the WebAssembly kernels
   * of `kernels/fast.ts` on every core when the model is float32 (see `fastSupports`; float64
   * models always take the reference path); `"reference"` composes the pure equations of `nn/`,
   * as the lecture notebooks do. Both give the same numbers to float32 precision.
   */
  engine?: Engine;
  /** Draw a progress bar: `true` on standard error, or a sink of your own (default false). */
  progress?: boolean | ProgressSink;
}

/** The outcome of {@linkcode train}. */
export interface TrainResult {
  /** The parameters of the epoch with the best validation loss (the last, without validation). */
  params: ModelParams;
  /** The parameters after the last update. */
  lastParams: ModelParams;
  /** Every step and epoch. */
  history: History;
  /** Epoch (from 1) whose parameters `params` are. */
  bestEpoch: number;
  /** Whether early stopping ended the run. */
  stoppedEarly: boolean;
}

/**
 * The examples at positions `order[start … end)` of a dataset, as a minibatch.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { batch } from "./train.ts";
 * import { indexMatrix } from "./tensor.ts";
 * const data = { contexts: indexMatrix([[0, 1], [1, 2], [2, 3]]), targets: new Int32Array([2, 3, 4]) };
 * const b = batch(data, new Int32Array([2, 0, 1]), 0, 2);
 * assertEquals(b.contexts.toArrays(), [[2, 3], [0, 1]]);
 * assertEquals(Array.from(b.targets), [4, 2]);
 * ```
 */
export function batch(data: Dataset, order: Int32Array, start: number, end: number): Dataset {
  const cols = data.contexts.cols;
  const size = end - start;
  const contexts = new Int32Array(size * cols);
  const targets = new Int32Array(size);
  for (let b = 0; b < size; b++) {
    const example = order[start + b];
    for (let j = 0; j < cols; j++) contexts[b * cols + j] = data.contexts.data[example * cols + j];
    targets[b] = data.targets[example];
  }
  return { contexts: new IndexMatrix(size, cols, contexts), targets };
}

function checkDataset(fn: string, arg: string, data: Dataset, model: MiniNeuralLM): void {
  if (!data || !(data.contexts instanceof IndexMatrix) || !(data.targets instanceof Int32Array)) {
    throw argError(
      fn,
      arg,
      "{ contexts: IndexMatrix, targets: Int32Array }",
      describeValue(data),
      TypeError,
    );
  }
  const { vocabSize, contextSize } = model.config;
  checkIndices(fn, `${arg}.contexts`, data.contexts, vocabSize, contextSize);
  if (data.targets.length !== data.contexts.rows) {
    throw argError(
      fn,
      `${arg}.targets`,
      `${data.contexts.rows} targets (one per context)`,
      `${data.targets.length}`,
    );
  }
  for (let i = 0; i < data.targets.length; i++) {
    if (data.targets[i] < 0 || data.targets[i] >= vocabSize) {
      throw argError(
        fn,
        `${arg}.targets[${i}]`,
        `an index in [0, ${vocabSize})`,
        `${data.targets[i]}`,
      );
    }
  }
}

/**
 * Mean cross-entropy (nats per word) and perplexity `exp(mean)` of a model on a dataset, in
 * evaluation mode (no dropout), in minibatches of `batchSize`.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { evaluate } from "./train.ts";
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
  batchSize = 256,
  engine: Engine = "fast",
): { loss: number; perplexity: number } {
  checkDataset("evaluate", "data", data, model);
  const n = data.targets.length;
  if (n === 0) throw argError("evaluate", "data", "at least one example", "0");
  const fast = fastStateFor("evaluate", engine, model, params);
  if (fast) {
    try {
      const loss = fastEvaluate(fast, data.contexts, data.targets);
      return { loss, perplexity: Math.exp(loss) };
    } finally {
      fast.dispose();
    }
  }
  const order = Int32Array.from({ length: n }, (_, i) => i);
  let total = 0;
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    const b = batch(data, order, start, end);
    total += crossEntropy(model.forward(params, b.contexts).probs, b.targets) * (end - start);
  }
  const loss = total / n;
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
 * import { evaluate, targetProbabilities } from "./train.ts";
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
  batchSize = 256,
  engine: Engine = "fast",
): Float64Array {
  checkDataset("targetProbabilities", "data", data, model);
  const fast = fastStateFor("targetProbabilities", engine, model, params);
  if (fast) {
    try {
      return fastTargetProbabilities(fast, data.contexts, data.targets);
    } finally {
      fast.dispose();
    }
  }
  const n = data.targets.length;
  const out = new Float64Array(n);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    const b = batch(data, order, start, end);
    const { probs } = model.forward(params, b.contexts);
    for (let r = 0; r < end - start; r++) out[start + r] = probs.get(r, b.targets[r]);
  }
  return out;
}

function positive(fn: string, name: string, v: number, integer = false): void {
  if (!(v > 0) || (integer && !Number.isInteger(v))) {
    throw argError(
      fn,
      name,
      integer ? "a positive integer" : "a positive number",
      describeValue(v),
    );
  }
}

/** What the training loop reports as it goes: an update done, or an epoch done. */
export type TrainEvent =
  | { kind: "step"; record: StepRecord }
  | { kind: "epoch"; record: EpochRecord; params: ModelParams };

/**
 * The training loop itself, as a generator: it yields after every update and every epoch and
 * returns the {@linkcode TrainResult}. {@linkcode train} drives it to the end in one go;
 * {@linkcode trainAsync} awaits the callbacks between events, so a notebook can redraw a plot
 * while the model trains. Arguments as for {@linkcode train}.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { trainLoop } from "./train.ts";
 * import { MiniNeuralLM } from "./model.ts";
 * import { indexMatrix } from "./tensor.ts";
 * const model = new MiniNeuralLM({ vocabSize: 3, contextSize: 1, embedDim: 2, hidden: [2] });
 * const data = { contexts: indexMatrix([[0], [1]]), targets: new Int32Array([1, 2]) };
 * const kinds = [...trainLoop(model, model.init(0), { train: data }, { epochs: 2, batchSize: 1 })]
 *   .map((event) => event.kind);
 * assertEquals(kinds, ["step", "step", "epoch", "step", "step", "epoch"]);
 * ```
 */
export function* trainLoop(
  model: MiniNeuralLM,
  params: ModelParams,
  data: { train: Dataset; valid?: Dataset },
  options: TrainOptions = {},
): Generator<TrainEvent, TrainResult, void> {
  const fn = "train";
  const epochs = options.epochs ?? 5;
  const batchSize = options.batchSize ?? 64;
  const lr0 = options.lr ?? 0.1;
  const beta = options.momentum ?? 0.9;
  const schedule = options.schedule ?? { kind: "constant" };
  const weightDecay = options.weightDecay ?? 0;
  const patience = options.patience ?? 2;
  positive(fn, "options.epochs", epochs, true);
  positive(fn, "options.batchSize", batchSize, true);
  positive(fn, "options.lr", lr0);
  positive(fn, "options.patience", patience);
  if (options.maxStepsPerEpoch !== undefined) {
    positive(fn, "options.maxStepsPerEpoch", options.maxStepsPerEpoch, true);
  }
  model.checkParams(fn, params);
  checkDataset(fn, "data.train", data.train, model);
  if (data.train.targets.length === 0) {
    throw argError(fn, "data.train", "at least one example", "0");
  }
  if (data.valid) checkDataset(fn, "data.valid", data.valid, model);

  const rng = new Rng(options.seed ?? 0);
  const bar = options.progress
    ? new ProgressBar(options.progress === true ? Deno.stderr : options.progress)
    : null;
  const n = data.train.targets.length;
  const stepsPerEpoch = Math.min(Math.ceil(n / batchSize), options.maxStepsPerEpoch ?? Infinity);
  const history: History = { steps: [], epochs: [] };

  // The fast path keeps parameters and velocities in WebAssembly memory, updated in place;
  // `current` is refreshed from it at the end of every epoch.
  const fast = fastStateFor(fn, options.engine ?? "fast", model, params);
  let current = params;
  let velocity: Record<string, Matrix> | undefined = undefined;
  let best = params;
  let bestLoss = Infinity;
  let bestEpoch = 0;
  let sinceBest = 0;
  let t = 0;
  let stoppedEarly = false;

  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const started = performance.now();
      const order = rng.permutation(n);
      let lossSum = 0, seen = 0, lr = lr0;
      for (let s = 0; s < stepsPerEpoch; s++) {
        const mini = batch(data.train, order, s * batchSize, Math.min(n, (s + 1) * batchSize));
        lr = learningRate(lr0, schedule, t, epoch - 1);
        let loss: number;
        if (fast) {
          loss = fastTrainStep(fast, mini.contexts, mini.targets, { lr, beta, weightDecay, rng });
        } else {
          const { probs, cache } = model.forward(current, mini.contexts, { train: true, rng });
          loss = crossEntropy(probs, mini.targets);
          const grads = model.backward(current, cache, mini.targets);
          const stepped = momentumStep(current, grads, velocity, { lr, beta, weightDecay });
          current = stepped.params;
          velocity = stepped.velocity;
        }
        t++;
        lossSum += loss * mini.targets.length;
        seen += mini.targets.length;
        const elapsed = (performance.now() - started) / 1000;
        const rate = seen / elapsed;
        const record: StepRecord = { step: t, epoch, loss, lr, examplesPerSecond: rate };
        history.steps.push(record);
        bar?.update(`epoch ${epoch}/${epochs}`, s + 1, stepsPerEpoch, {
          rate,
          loss,
          etaSeconds: (elapsed / (s + 1)) * (stepsPerEpoch - s - 1),
        });
        yield { kind: "step", record };
      }
      const trainSeconds = (performance.now() - started) / 1000;
      const trainLoss = lossSum / seen;
      if (fast) current = fromFastState(fast).params;
      let valid = { loss: NaN, perplexity: NaN };
      if (data.valid && fast) {
        const loss = fastEvaluate(fast, data.valid.contexts, data.valid.targets);
        valid = { loss, perplexity: Math.exp(loss) };
      } else if (data.valid) valid = evaluate(model, current, data.valid, 256, "reference");
      const record: EpochRecord = {
        epoch,
        trainLoss,
        trainPerplexity: Math.exp(trainLoss),
        validLoss: valid.loss,
        validPerplexity: valid.perplexity,
        lr,
        examplesPerSecond: seen / trainSeconds,
        seconds: (performance.now() - started) / 1000,
      };
      history.epochs.push(record);
      bar?.done(
        `epoch ${epoch}/${epochs}: train ppl ${record.trainPerplexity.toFixed(2)}` +
          (data.valid ? `, valid ppl ${record.validPerplexity.toFixed(2)}` : "") +
          `, ${Math.round(record.examplesPerSecond).toLocaleString("en-US")} ex/s, ` +
          formatDuration(record.seconds),
      );
      yield { kind: "epoch", record, params: current };

      const score = data.valid ? valid.loss : trainLoss;
      if (score < bestLoss) {
        bestLoss = score;
        best = current;
        bestEpoch = epoch;
        sinceBest = 0;
      } else if (++sinceBest >= patience && data.valid) {
        stoppedEarly = epoch < epochs;
        break;
      }
    }
  } finally {
    fast?.dispose();
  }
  return { params: best, lastParams: current, history, bestEpoch, stoppedEarly };
}

/**
 * Trains a model by minibatch SGD with momentum, evaluating on `valid` after every epoch and
 * keeping the best parameters.
 *
 * The same `params`, data and options give the same losses and parameters on every run (the
 * timing fields of the history excepted).
 *
 * @param model the model
 * @param params starting parameters (not modified)
 * @param data `train` examples and optional `valid` examples
 * @param options see {@linkcode TrainOptions}
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { train } from "./train.ts";
 * import { MiniNeuralLM } from "./model.ts";
 * import { indexMatrix } from "./tensor.ts";
 * // learn "0 → 1, 1 → 2, 2 → 0"
 * const model = new MiniNeuralLM({ vocabSize: 3, contextSize: 1, embedDim: 4, hidden: [8] });
 * const data = { contexts: indexMatrix([[0], [1], [2]]), targets: new Int32Array([1, 2, 0]) };
 * const result = train(model, model.init(1), { train: data }, { epochs: 60, batchSize: 3, lr: 0.5 });
 * const losses = result.history.epochs.map((e) => e.trainLoss);
 * assert(losses.at(-1)! < losses[0] / 4);
 * ```
 */
export function train(
  model: MiniNeuralLM,
  params: ModelParams,
  data: { train: Dataset; valid?: Dataset },
  options: TrainOptions = {},
): TrainResult {
  const loop = trainLoop(model, params, data, options);
  for (let next = loop.next();; next = loop.next()) {
    if (next.done) return next.value;
    const event = next.value;
    if (event.kind === "step") options.onStep?.(event.record);
    else options.onEpoch?.(event.record, event.params);
  }
}

/** Callbacks of {@linkcode trainAsync}: as in {@linkcode TrainOptions}, but they may be async. */
export interface AsyncTrainOptions extends Omit<TrainOptions, "onStep" | "onEpoch"> {
  /** Called after every update; a returned promise is awaited before the next one. */
  onStep?: (record: StepRecord) => void | Promise<void>;
  /** Called after every epoch; a returned promise is awaited before the next one. */
  onEpoch?: (record: EpochRecord, params: ModelParams) => void | Promise<void>;
}

/**
 * {@linkcode train}, awaiting the callbacks: a notebook cell can `await live.update(...)` in
 * `onEpoch`, and the kernel sends the new plot while training goes on. Same results as `train`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { train, trainAsync } from "./train.ts";
 * import { MiniNeuralLM } from "./model.ts";
 * import { indexMatrix } from "./tensor.ts";
 * const model = new MiniNeuralLM({ vocabSize: 3, contextSize: 1, embedDim: 2, hidden: [2] });
 * const data = { train: { contexts: indexMatrix([[0], [1]]), targets: new Int32Array([1, 2]) } };
 * const seen: number[] = [];
 * const a = await trainAsync(model, model.init(0), data, {
 *   epochs: 3,
 *   onEpoch: async (e) => { await Promise.resolve(); seen.push(e.epoch); },
 * });
 * assertEquals(seen, [1, 2, 3]);
 * assertEquals(a.params, train(model, model.init(0), data, { epochs: 3 }).params);
 * ```
 */
export async function trainAsync(
  model: MiniNeuralLM,
  params: ModelParams,
  data: { train: Dataset; valid?: Dataset },
  options: AsyncTrainOptions = {},
): Promise<TrainResult> {
  const { onStep, onEpoch, ...rest } = options;
  const loop = trainLoop(model, params, data, rest);
  for (let next = loop.next();; next = loop.next()) {
    if (next.done) return next.value;
    const event = next.value;
    if (event.kind === "step") await onStep?.(event.record);
    else await onEpoch?.(event.record, event.params);
  }
}
