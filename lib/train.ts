/**
 * Training: the minibatch loop, evaluation after every epoch, early stopping, history.
 *
 * The loop reads top to bottom like the algorithm:
 *
 * ```text
 * for epoch = 1 … E:          (or from the epoch after options.resume's, with its state)
 *   shuffle the training examples (seeded)
 *   for each minibatch:  engine.step: forward → loss → backward → momentum step
 *                        (lr from the schedule; a loss that is not finite stops the run)
 *   evaluate on validation: mean cross-entropy, perplexity = exp(mean cross-entropy)
 *   keep the parameters with the best validation loss; stop after `patience` epochs without one
 *   plateau schedule: lower the rate after its `patience` epochs without a better loss
 *                     (with `restore`, go back to the best parameters); stop below its floor
 *   report the epoch, with the state to resume from (TrainState, ./train/resume.ts)
 * ```
 *
 * The numbers come from an {@linkcode Engine} (`engine.ts`): the pure reference equations or the
 * WebAssembly kernels. The loop is the same for both.
 *
 * @module
 */

import { argError } from "./errors.ts";
import { batch, checkDataset, type Dataset } from "./dataset.ts";
import { createEngine, type Engine, type EngineName } from "./engine.ts";
import type { MiniNeuralLM, ModelParams } from "./model.ts";
import { type ProgressSink, trainingProgress } from "./progress.ts";
import { Rng } from "./random.ts";
import { learningRate, plateauStep, type Schedule } from "./schedule.ts";
import { type ResolvedTrainOptions, resolveTrainOptions } from "./train/options.ts";
import { checkTrainState, type StopReason, type TrainState } from "./train/resume.ts";

export { checkTrainState, resolveTrainOptions, type StopReason, type TrainState };
export type { ResolvedTrainOptions };

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

/** Options of {@linkcode train}; every field has a default ({@linkcode DEFAULT_TRAIN_OPTIONS}). */
export interface TrainOptions {
  /** Passes over the training set (default 5). */
  epochs?: number;
  /** Examples per minibatch (default 64). */
  batchSize?: number;
  /** Initial learning rate `lr_0` (default 0.1). */
  lr?: number;
  /** Momentum `β` in `m = β·m + (1−β)·g`, in `[0, 1)` (default 0.9). */
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
  /** Called after every epoch with the current parameters and the state to resume from. */
  onEpoch?: (record: EpochRecord, params: ModelParams, state: TrainState) => void;
  /**
   * Go on with a run from the state an epoch event reported (or one loaded from a model
   * directory): the loop starts at epoch `resume.epoch + 1` with its parameters, momentum,
   * update count, generator, learning rate, best parameters, counters and history. `epochs` is
   * the total, so `{ epochs: 5, resume: stateAfter3 }` runs epochs 4 and 5. The `params`
   * argument of the call is then ignored (`resume.params` replaces it). The other options
   * should be the run's own: the same options give bit-identical numbers to a run that never
   * stopped.
   */
  resume?: TrainState;
  /**
   * Which engine runs the steps (default `"fast"`): `"fast"` uses the WebAssembly kernels on
   * every core when the model is float32 (float64 models always take the reference path);
   * `"reference"` composes the pure equations of `nn/`, as the lecture notebooks do. Both give the
   * same numbers to float32 precision.
   */
  engine?: EngineName;
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
  /** Whether early stopping (or a plateau schedule's floor) ended the run before `epochs`. */
  stoppedEarly: boolean;
  /** Why the run stopped: `"epochs"` (all done), `"patience"` or `"floor"`. */
  stopReason: StopReason;
  /** The state after the last epoch: give it as `options.resume` to go on. */
  state: TrainState;
}

/**
 * A run that diverged: a minibatch loss or the validation loss that is not finite, or so large
 * that its perplexity overflows (`exp(L) = Infinity`, `L > 709.78` nats). Both engines stop with
 * it; nothing is returned as "best" from such a run.
 */
export class DivergenceError extends Error {
  /** The epoch (from 1) where it happened. */
  readonly epoch: number;
  /** The update (from 1) where it happened; `undefined` for the validation loss. */
  readonly step: number | undefined;
  /** The loss that was not finite. */
  readonly loss: number;
  /** The learning rate of the last update. */
  readonly lr: number;

  /**
   * Says where the run diverged and with what loss.
   *
   * @param at where and what: epoch, step (for a minibatch), the loss, the learning rate
   */
  constructor(at: { epoch: number; step?: number; loss: number; lr: number }) {
    const where = at.step === undefined
      ? `the validation loss after epoch ${at.epoch} is ${at.loss}`
      : `the loss of update ${at.step} (epoch ${at.epoch}) is ${at.loss}`;
    super(
      `train: the run diverged: ${where} at learning rate ${at.lr}; ` +
        `try a smaller learning rate (for example a tenth)`,
    );
    this.name = "DivergenceError";
    this.epoch = at.epoch;
    this.step = at.step;
    this.loss = at.loss;
    this.lr = at.lr;
  }
}

/** Whether a mean cross-entropy means a diverged run: not finite, or `exp` of it overflows. */
function diverged(loss: number): boolean {
  return !Number.isFinite(Math.exp(loss));
}

/** What the training loop reports as it goes: an update done, or an epoch done. */
export type TrainEvent =
  | {
    kind: "step";
    record: StepRecord;
    /** The update's place in its epoch, from 1, of `stepsPerEpoch`. */
    stepInEpoch: number;
    stepsPerEpoch: number;
    /** Epochs planned. */
    epochs: number;
  }
  | {
    kind: "epoch";
    record: EpochRecord;
    /** The parameters after the epoch's last update. */
    params: ModelParams;
    epochs: number;
    /** Everything needed to go on from here (`options.resume`), e.g. after a save and a load. */
    state: TrainState;
  };

/**
 * The training loop itself, as a generator: it yields after every update and every epoch and
 * returns the {@linkcode TrainResult}. {@linkcode train} drives it to the end in one go;
 * {@linkcode trainAsync} awaits the callbacks between events, so a notebook can redraw a plot
 * while the model trains. Arguments as for {@linkcode train}; the callbacks and `progress` of
 * `options` are for the drivers, the loop only yields.
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
  const o = resolveTrainOptions(fn, options);
  model.checkParams(fn, params);
  const { vocabSize, contextSize } = model.config;
  checkDataset(fn, "data.train", data.train, vocabSize, contextSize);
  if (data.train.targets.length === 0) {
    throw argError(fn, "data.train", "at least one example", "0");
  }
  if (data.valid) {
    checkDataset(fn, "data.valid", data.valid, vocabSize, contextSize);
    if (data.valid.targets.length === 0) {
      throw argError(fn, "data.valid", "at least one example (or no data.valid)", "0");
    }
  }

  const start = options.resume === undefined
    ? undefined
    : checkTrainState(fn, "options.resume", model, options.resume);

  const rng = start ? Rng.fromState(start.rngState) : new Rng(o.seed);
  const n = data.train.targets.length;
  const stepsPerEpoch = Math.min(Math.ceil(n / o.batchSize), o.maxStepsPerEpoch ?? Infinity);
  const history: History = {
    steps: [...(start?.history.steps ?? [])],
    epochs: [...(start?.history.epochs ?? [])],
  };
  let current = start?.params ?? params, t = start?.step ?? 0;
  let engine: Engine = createEngine(model, current, {
    engine: o.engine,
    velocity: start?.velocity,
  });
  let best = start?.best.params ?? null, bestLoss = start?.best.loss ?? Infinity;
  let bestEpoch = start?.best.epoch ?? 0, sinceBest = start?.sinceBest ?? 0;
  // lr0 is the schedule's lr_0: options.lr, lowered by a plateau schedule as the run goes.
  let lr0 = start?.lr ?? o.lr, plateauWait = start?.plateauWait ?? 0;
  let stopReason: StopReason | undefined, state = start;

  try {
    for (let epoch = (start?.epoch ?? 0) + 1; epoch <= o.epochs && !stopReason; epoch++) {
      const started = performance.now();
      const order = rng.permutation(n);
      let lossSum = 0, seen = 0, lr = lr0;
      for (let s = 0; s < stepsPerEpoch; s++) {
        const mini = batch(data.train, order, s * o.batchSize, Math.min(n, (s + 1) * o.batchSize));
        lr = learningRate(lr0, o.schedule, t, epoch - 1);
        const step = { lr, beta: o.momentum, weightDecay: o.weightDecay, rng };
        const loss = engine.step(mini.contexts, mini.targets, step);
        t++;
        if (diverged(loss)) throw new DivergenceError({ epoch, step: t, loss, lr });
        lossSum += loss * mini.targets.length;
        seen += mini.targets.length;
        const rate = seen / ((performance.now() - started) / 1000);
        const record: StepRecord = { step: t, epoch, loss, lr, examplesPerSecond: rate };
        history.steps.push(record);
        yield { kind: "step", record, stepInEpoch: s + 1, stepsPerEpoch, epochs: o.epochs };
      }
      const trainSeconds = (performance.now() - started) / 1000;
      const trainLoss = lossSum / seen;
      current = engine.params();
      const validLoss = data.valid ? engine.evaluate(data.valid) : NaN;
      if (data.valid && diverged(validLoss)) {
        throw new DivergenceError({ epoch, loss: validLoss, lr });
      }
      const record: EpochRecord = {
        epoch,
        trainLoss,
        trainPerplexity: Math.exp(trainLoss),
        validLoss,
        validPerplexity: Math.exp(validLoss),
        lr,
        examplesPerSecond: seen / trainSeconds,
        seconds: (performance.now() - started) / 1000,
      };
      history.epochs.push(record);

      const score = data.valid ? validLoss : trainLoss;
      const improved = score < bestLoss;
      if (improved) {
        [best, bestLoss, bestEpoch, sinceBest] = [current, score, epoch, 0];
      } else if (++sinceBest >= o.patience && data.valid && epoch < o.epochs) {
        stopReason = "patience";
      }
      let next = current; // where the next epoch starts
      if (o.schedule.kind === "plateau" && !stopReason) {
        const plateau = plateauStep(o.schedule, { lr: lr0, wait: plateauWait }, improved);
        ({ lr: lr0, wait: plateauWait } = plateau.state);
        if (plateau.reduced && o.schedule.restore) {
          // Back to the best parameters, with zero momentum (see PlateauSchedule for why).
          engine.dispose();
          engine = createEngine(model, best!, { engine: o.engine });
          next = best!;
        }
        if (plateau.stop && epoch < o.epochs) stopReason = "floor";
      }
      state = {
        epoch,
        step: t,
        params: next,
        velocity: engine.velocity(),
        rngState: rng.state(),
        lr: lr0,
        plateauWait,
        best: { params: best!, loss: bestLoss, epoch: bestEpoch },
        sinceBest,
        history: { steps: [...history.steps], epochs: [...history.epochs] },
        stopReason: stopReason ?? (epoch === o.epochs ? "epochs" : undefined),
      };
      yield { kind: "epoch", record, params: current, epochs: o.epochs, state };
    }
  } finally {
    engine.dispose();
  }
  // A resumed run with no epoch left to train keeps the reason its state gives.
  const reason = stopReason ?? state?.stopReason ?? "epochs";
  return {
    params: best ?? current,
    lastParams: current,
    history,
    bestEpoch,
    stoppedEarly: reason !== "epochs",
    stopReason: reason,
    state: state!,
  };
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
 * @throws {DivergenceError} when a loss stops being finite
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
  const { onStep, onEpoch, progress, ...rest } = options;
  const bar = progress ? trainingProgress(progress === true ? Deno.stderr : progress) : null;
  const loop = trainLoop(model, params, data, rest);
  for (let next = loop.next();; next = loop.next()) {
    if (next.done) return next.value;
    const event = next.value;
    bar?.(event);
    if (event.kind === "step") onStep?.(event.record);
    else onEpoch?.(event.record, event.params, event.state);
  }
}

/** Callbacks of {@linkcode trainAsync}: as in {@linkcode TrainOptions}, but they may be async. */
export interface AsyncTrainOptions extends Omit<TrainOptions, "onStep" | "onEpoch"> {
  /** Called after every update; a returned promise is awaited before the next one. */
  onStep?: (record: StepRecord) => void | Promise<void>;
  /** Called after every epoch; a returned promise is awaited before the next one. */
  onEpoch?: (record: EpochRecord, params: ModelParams, state: TrainState) => void | Promise<void>;
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
  const { onStep, onEpoch, progress, ...rest } = options;
  const bar = progress ? trainingProgress(progress === true ? Deno.stderr : progress) : null;
  const loop = trainLoop(model, params, data, rest);
  for (let next = loop.next();; next = loop.next()) {
    if (next.done) return next.value;
    const event = next.value;
    bar?.(event);
    if (event.kind === "step") await onStep?.(event.record);
    else await onEpoch?.(event.record, event.params, event.state);
  }
}
