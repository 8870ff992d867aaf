/**
 * The state of a training run between two epochs, and its round trip through a checkpoint, so
 * that a run can stop and go on where it stopped with exactly the same numbers.
 *
 * ```text
 * TrainState = parameters to go on from, momentum m, updates done t, epochs done,
 *              the generator's state, the learning rate reached, the best parameters so far
 *              (their loss and epoch), the early-stopping and plateau counters, the history
 * ```
 *
 * A run of `E₁ + E₂` epochs and a run of `E₁` epochs whose state is saved, loaded and given to
 * `trainLoop` as `options.resume` for `E₂` more give bit-identical parameters: every number the
 * loop carries from one epoch to the next is in the state. In a model directory
 * ({@linkcode trainStateToCheckpoint}) the best parameters are `model.safetensors`, the momentum
 * and (when they differ from the best) the last parameters are `optimizer.safetensors`, and the
 * rest is `training.json`.
 *
 * @module
 */

import { argError, describeValue } from "../errors.ts";
import type { MiniNeuralLM, ModelParams } from "../model.ts";
import { Rng, type RngState } from "../random.ts";
import type { Matrix } from "../tensor.ts";
import type { EpochRecord, History, StepRecord } from "../train.ts";

/**
 * Why a run stopped: it ran its `epochs`; early stopping (`patience` epochs without a better
 * validation loss); or a plateau schedule lowered the rate below its `floor`.
 */
export type StopReason = "epochs" | "patience" | "floor";

/** Everything the training loop carries from one epoch to the next. */
export interface TrainState {
  /** Epochs done (the next one is `epoch + 1`). */
  epoch: number;
  /** Updates done, `t`: the decay schedule's clock. */
  step: number;
  /** The parameters the next epoch starts from. */
  params: ModelParams;
  /** The momentum `m` of every parameter (`undefined`: zeros, as before the first update). */
  velocity: ModelParams | undefined;
  /** The shuffling and dropout generator's state ({@linkcode Rng.fromState} resumes it). */
  rngState: RngState;
  /** The rate given to the schedule as `lr_0`: `options.lr`, as a plateau schedule lowered it. */
  lr: number;
  /** Plateau schedule: epochs without improvement since the best or the last reduction. */
  plateauWait: number;
  /** The best parameters so far, their loss (validation, else training) and epoch. */
  best: { params: ModelParams; loss: number; epoch: number };
  /** Epochs since the best one (early stopping). */
  sinceBest: number;
  /** Every step and epoch so far. */
  history: History;
  /** Why the run stopped, once it has; `undefined` while it may go on. */
  stopReason: StopReason | undefined;
}

/**
 * Throws unless `state` is a {@linkcode TrainState} for `model`: counts that are non-negative
 * integers, parameters (and momentum) of the model's shapes, a generator state `Rng.fromState`
 * takes, a finite positive rate, a best epoch within the epochs done.
 *
 * @param fn the public function that checks, for the message
 * @param arg the argument's name, for the message (e.g. `"options.resume"`)
 * @param model the model the state must fit
 * @param state the value to check
 * @returns `state`, typed
 *
 * @example
 * ```ts
 * import { assertThrows } from "@std/assert";
 * import { checkTrainState } from "./resume.ts";
 * import { MiniNeuralLM } from "../model.ts";
 * const model = new MiniNeuralLM({ vocabSize: 3, contextSize: 1, embedDim: 2, hidden: [2] });
 * assertThrows(() => checkTrainState("train", "options.resume", model, { epoch: -1 }), RangeError,
 *   "train: options.resume.epoch expected a non-negative integer, got -1");
 * ```
 */
export function checkTrainState(
  fn: string,
  arg: string,
  model: MiniNeuralLM,
  state: unknown,
): TrainState {
  if (state === null || typeof state !== "object") {
    throw argError(fn, arg, "a training state (TrainState)", describeValue(state), TypeError);
  }
  const s = state as Record<string, unknown>;
  const count = (name: string) => {
    const v = s[name];
    if (!Number.isSafeInteger(v) || (v as number) < 0) {
      throw argError(fn, `${arg}.${name}`, "a non-negative integer", describeValue(v));
    }
    return v as number;
  };
  const epoch = count("epoch");
  count("step");
  count("plateauWait");
  count("sinceBest");
  model.checkParams(`${fn} (${arg}.params)`, s.params as ModelParams);
  if (s.velocity !== undefined) {
    model.checkParams(`${fn} (${arg}.velocity)`, s.velocity as ModelParams);
  }
  try {
    Rng.fromState(s.rngState as RngState);
  } catch (error) {
    throw argError(fn, `${arg}.rngState`, "a generator state", (error as Error).message);
  }
  if (typeof s.lr !== "number" || !(s.lr > 0) || !Number.isFinite(s.lr)) {
    throw argError(fn, `${arg}.lr`, "a finite number > 0", describeValue(s.lr));
  }
  const best = s.best as TrainState["best"] | undefined;
  if (best === null || typeof best !== "object") {
    throw argError(fn, `${arg}.best`, "{ params, loss, epoch }", describeValue(best), TypeError);
  }
  model.checkParams(`${fn} (${arg}.best.params)`, best.params);
  if (!Number.isSafeInteger(best.epoch) || best.epoch < 1 || best.epoch > epoch) {
    const expected = `an integer in [1, ${epoch}] (the epochs done)`;
    throw argError(fn, `${arg}.best.epoch`, expected, describeValue(best.epoch));
  }
  if (typeof best.loss !== "number" || !Number.isFinite(best.loss)) {
    throw argError(fn, `${arg}.best.loss`, "a finite number", describeValue(best.loss));
  }
  const history = s.history as History | undefined;
  if (!history || !Array.isArray(history.steps) || !Array.isArray(history.epochs)) {
    throw argError(fn, `${arg}.history`, "{ steps: [...], epochs: [...] }", describeValue(history));
  }
  const reasons = [undefined, "epochs", "patience", "floor"];
  if (!reasons.includes(s.stopReason as string | undefined)) {
    const expected = '"epochs", "patience", "floor" or undefined';
    throw argError(fn, `${arg}.stopReason`, expected, describeValue(s.stopReason));
  }
  return state as TrainState;
}

/** The `format` of the JSON that {@linkcode trainStateToCheckpoint} makes. */
export const TRAIN_STATE_FORMAT = "mini-neural-lm training state";

/** A {@linkcode TrainState} as checkpoint parts (see {@linkcode trainStateToCheckpoint}). */
export interface TrainStateCheckpoint {
  /** The best parameters: `model.safetensors`, what `generate` uses. */
  params: ModelParams;
  /** `velocity.<name>` (the momentum) and `last.<name>` (the parameters to go on from, when
   * they are not the best ones): `optimizer.safetensors`. */
  optimizer: Record<string, Matrix>;
  /** Everything else, plain JSON (non-finite numbers of the history as `null`): `training.json`. */
  training: Record<string, unknown>;
}

/**
 * Splits a {@linkcode TrainState} into the parts of a model directory: the best parameters,
 * the optimiser's tensors and a JSON record. {@linkcode trainStateFromCheckpoint} puts them back
 * together.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { trainLoop } from "../train.ts";
 * import { trainStateFromCheckpoint, trainStateToCheckpoint, type TrainState } from "./resume.ts";
 * import { MiniNeuralLM } from "../model.ts";
 * import { indexMatrix } from "../tensor.ts";
 * const model = new MiniNeuralLM({ vocabSize: 3, contextSize: 1, embedDim: 2, hidden: [2] });
 * const data = { contexts: indexMatrix([[0], [1]]), targets: new Int32Array([1, 2]) };
 * let state: TrainState | undefined;
 * for (const event of trainLoop(model, model.init(0), { train: data }, { epochs: 1 })) {
 *   if (event.kind === "epoch") state = event.state;
 * }
 * const parts = trainStateToCheckpoint(state!);
 * const back = trainStateFromCheckpoint("load", model, JSON.parse(JSON.stringify(parts.training)), parts);
 * assertEquals(back.params, state!.params);
 * assertEquals(back.rngState, state!.rngState);
 * ```
 */
export function trainStateToCheckpoint(state: TrainState): TrainStateCheckpoint {
  const optimizer: Record<string, Matrix> = {};
  for (const [name, m] of Object.entries(state.velocity ?? {})) optimizer[`velocity.${name}`] = m;
  const last = state.params !== state.best.params;
  if (last) { for (const [name, m] of Object.entries(state.params)) optimizer[`last.${name}`] = m; }
  const training = {
    format: TRAIN_STATE_FORMAT,
    epoch: state.epoch,
    step: state.step,
    rngState: [...state.rngState],
    lr: state.lr,
    plateauWait: state.plateauWait,
    bestLoss: state.best.loss,
    bestEpoch: state.best.epoch,
    sinceBest: state.sinceBest,
    stopReason: state.stopReason ?? null,
    velocity: state.velocity !== undefined,
    lastParams: last,
    history: {
      steps: state.history.steps.map(finiteOrNull),
      epochs: state.history.epochs.map(finiteOrNull),
    },
  };
  return { params: state.best.params, optimizer, training };
}

/** A record's non-finite numbers (a `NaN` validation loss without validation) as `null`. */
function finiteOrNull<T extends object>(record: T): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(record).map(([k, v]) => [k, typeof v === "number" && !isFinite(v) ? null : v]),
  );
}

/** The inverse of {@linkcode finiteOrNull}: `null` back to `NaN`. */
function nullToNaN<T>(fn: string, record: unknown): T {
  if (record === null || typeof record !== "object" || Array.isArray(record)) {
    throw argError(fn, "training.json", "history records (objects)", describeValue(record));
  }
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, v === null ? NaN : v])) as T;
}

/**
 * Puts a {@linkcode TrainState} back together from the parts of a model directory (the
 * inverse of {@linkcode trainStateToCheckpoint}), and checks it against the model
 * ({@linkcode checkTrainState}). An error names `fn` and the part at fault.
 *
 * @param fn the public function that reads, for the message
 * @param model the model of the directory
 * @param training the JSON of `training.json`
 * @param parts `params`: the best parameters (`model.safetensors`); `optimizer`: the tensors of
 *   `optimizer.safetensors` (`undefined` when the directory has none)
 * @returns the state
 *
 * @example
 * ```ts
 * import { assertThrows } from "@std/assert";
 * import { trainStateFromCheckpoint } from "./resume.ts";
 * import { MiniNeuralLM } from "../model.ts";
 * const model = new MiniNeuralLM({ vocabSize: 3, contextSize: 1, embedDim: 2, hidden: [2] });
 * assertThrows(
 *   () => trainStateFromCheckpoint("resume", model, { epochs: 3 }, { params: model.init(0), optimizer: undefined }),
 *   TypeError,
 *   'resume: training.json expected a training state (format "mini-neural-lm training state")',
 * );
 * ```
 */
export function trainStateFromCheckpoint(
  fn: string,
  model: MiniNeuralLM,
  training: unknown,
  parts: { params: ModelParams; optimizer: Record<string, Matrix> | undefined },
): TrainState {
  const t = training as Record<string, unknown> | null;
  if (t === null || typeof t !== "object" || t.format !== TRAIN_STATE_FORMAT) {
    const expected = `a training state (format ${JSON.stringify(TRAIN_STATE_FORMAT)})`;
    throw argError(fn, "training.json", expected, describeValue(t?.format ?? t), TypeError);
  }
  const optimizer = parts.optimizer ?? {};
  const take = (prefix: string, wanted: unknown): ModelParams | undefined => {
    if (wanted !== true) return undefined;
    const out: Record<string, Matrix> = {};
    for (const name of Object.keys(model.shapes())) {
      const m = optimizer[`${prefix}.${name}`];
      if (m === undefined) {
        const expected = `a tensor "${prefix}.${name}" (training.json says it was saved)`;
        throw argError(fn, "optimizer.safetensors", expected, "none", TypeError);
      }
      out[name] = m;
    }
    return out;
  };
  const velocity = take("velocity", t.velocity);
  const last = take("last", t.lastParams);
  const history = t.history as { steps?: unknown; epochs?: unknown } | undefined;
  if (!history || !Array.isArray(history.steps) || !Array.isArray(history.epochs)) {
    throw argError(fn, "training.json", "a history { steps, epochs }", describeValue(history));
  }
  const state = {
    epoch: t.epoch,
    step: t.step,
    params: last ?? parts.params,
    velocity,
    rngState: t.rngState,
    lr: t.lr,
    plateauWait: t.plateauWait,
    best: { params: parts.params, loss: t.bestLoss, epoch: t.bestEpoch },
    sinceBest: t.sinceBest,
    history: {
      steps: history.steps.map((r) => nullToNaN<StepRecord>(fn, r)),
      epochs: history.epochs.map((r) => nullToNaN<EpochRecord>(fn, r)),
    },
    stopReason: t.stopReason ?? undefined,
  };
  return checkTrainState(fn, "training.json", model, state);
}
