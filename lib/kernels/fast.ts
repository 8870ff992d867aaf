/**
 * The fast training step: the same model, loss and momentum update as `model.ts` +
 * `nn/momentum.ts`, computed in float32 by the WebAssembly kernels of `assembly/kernels.ts` and
 * shared between threads. The parameters live in WebAssembly memory and are updated IN PLACE;
 * {@linkcode toFastState} and {@linkcode fromFastState} convert to and from the library's pure
 * records of matrices.
 *
 * ```text
 * per minibatch                                        where                  share of FLOPs
 * x = E[context]; hidden layers; batch copies           main thread            about 2%
 * scores, softmax per vocabulary chunk                  all threads (phase 1)  about 1/3
 * normaliser Z, loss, chunk scales                      main thread
 * dscores, dh, dWout + momentum per chunk;              all threads (phase 2)  about 2/3
 *   momentum of the rows of E without a gradient
 * hidden layers back + momentum; E's gradient rows      main thread
 * ```
 *
 * At the canonical shape (|V| = 13,845, h = 100, B = 128) one thread spends about 97% of a step
 * in the three output-layer products (`bench/phases.ts` times each phase), which run near the
 * 4-lane fused-multiply-add limit of a core (2 FMAs of 4 lanes per cycle: 42 GFLOP/s at
 * 2.6 GHz, more at turbo clocks); two threads take the step in a little over half the time.
 *
 * The output layer (`|V| × h` weights, 1.4 M at the canonical shape) is where the time goes:
 * three matrix products of `2·B·h·|V|` FLOPs each per minibatch. The kernels keep the
 * activations transposed (one column per example) so that those products run as 6 × 8 tiles of
 * fused multiply-adds on 4-lane vectors.
 *
 * **Exactly the reference's update.** Every parameter gets the dense momentum step
 * `m = β·m + (1−β)·(g + λ·w); w = w − lr·m` at every step, including the rows of `E` whose words
 * are not in the minibatch (their gradient is 0 but their velocity still decays and still moves
 * them). Only the embedding's GRADIENT is sparse. The one departure: a velocity below 2^-100 in
 * magnitude is set to 0 (see `momentum` in the kernels), far below float32 resolution.
 *
 * **Determinism.** The result does not depend on how many threads ran: the chunks form a fixed
 * number of groups, each with its own partial sums, added in a fixed order.
 *
 * Covered: float32 models with one or two hidden layers, ReLU or tanh, dropout (masks drawn
 * from the caller's generator exactly as `MiniNeuralLM.forward` draws them), direct connections,
 * weight decay. Not covered: float64 models ({@linkcode fastSupports} says so; use the reference
 * path, which is what float64 is for).
 *
 * @module
 */

import { argError, describeValue } from "../errors.ts";
import type { MiniNeuralLM, ModelParams } from "../model.ts";
import { dropoutMask } from "../nn/dropout.ts";
import { checkMomentumOptions } from "../nn/momentum.ts";
import { Rng } from "../random.ts";
import { checkIndices, IndexMatrix, type Matrix, toTargets, zeros } from "../tensor.ts";
import { PHASE } from "./team.ts";
import { type FastOptions, FastState, fastSupports } from "./state.ts";

export { type FastOptions, FastState, fastSupports } from "./state.ts";

/** Options of {@linkcode fastTrainStep}, as for `momentumStep` and `MiniNeuralLM.forward`. */
export interface FastStepOptions {
  /** Learning rate `lr > 0`. */
  lr: number;
  /** Momentum `β` in `[0, 1)`. */
  beta: number;
  /** L2 weight decay `λ ≥ 0` on weights and embeddings, not biases (default 0). */
  weightDecay?: number;
  /** Generator for dropout masks; needed when the model has dropout. */
  rng?: Rng;
}

/** What the fast state needs of a model: its configuration, shapes and parameter check. */
export type ModelLike = Pick<MiniNeuralLM, "config" | "shapes" | "checkParams">;

/**
 * Copies a model's parameters (and optionally its momentum velocities) into a new
 * {@linkcode FastState}, as float32.
 *
 * @param model the model (its configuration must pass {@linkcode fastSupports})
 * @param params parameters with the model's names and shapes
 * @param velocity velocities with the same names and shapes (default: zeros, as a first step)
 * @param options threads, batch room, chunking
 * @throws {RangeError} for a configuration the fast path does not cover, or bad parameters
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { MiniNeuralLM } from "../model.ts";
 * import { fromFastState, toFastState } from "./fast.ts";
 * const model = new MiniNeuralLM({ vocabSize: 7, contextSize: 2, embedDim: 3, hidden: [4], dtype: "float32" });
 * const params = model.init(1);
 * using state = toFastState(model, params, undefined, { threads: 1 });
 * assertEquals(fromFastState(state).params.Wout.toArrays(), params.Wout.toArrays());
 * ```
 */
export function toFastState(
  model: ModelLike,
  params: ModelParams,
  velocity?: ModelParams,
  options: FastOptions = {},
): FastState {
  const fn = "toFastState";
  const why = fastSupports(model.config);
  if (why !== null) throw argError(fn, "model", "a configuration the fast path covers", why);
  model.checkParams(fn, params);
  if (velocity !== undefined) model.checkParams(fn, velocity);
  const state = new FastState(model.config, options);
  try {
    writeRecord(state, params, "");
    if (velocity !== undefined) writeRecord(state, velocity, "V");
  } catch (e) {
    state.dispose();
    throw e;
  }
  return state;
}

/** Copies a record into the state's parameter (`prefix = ""`) or velocity (`"V"`) arrays. */
function writeRecord(state: FastState, record: ModelParams, prefix: string): void {
  const { vocabSize: V, contextSize: C, embedDim: m, hidden } = state.config;
  const D = C * m, L = hidden.length, HL = hidden[L - 1];
  const K = HL + (state.config.directConnections ? D : 0);
  state.view(prefix + "E", V * m).set(record.E.data);
  for (let l = 1; l <= L; l++) {
    state.view(`${prefix}W${l}`, record[`W${l}`].data.length).set(record[`W${l}`].data);
    state.view(`${prefix}B${l}`, hidden[l - 1]).set(record[`b${l}`].data);
  }
  const wo = state.view(prefix + "WO", V * K);
  for (let v = 0; v < V; v++) {
    wo.set(record.Wout.data.subarray(v * HL, (v + 1) * HL), v * K);
    if (state.config.directConnections) {
      wo.set(record.Wdirect.data.subarray(v * D, (v + 1) * D), v * K + HL);
    }
  }
  state.view(prefix + "BO", V).set(record.bout.data);
}

/** Reads the state's parameter (`prefix = ""`) or velocity (`"V"`) arrays into fresh matrices. */
function readRecord(state: FastState, prefix: string): Record<string, Matrix> {
  const { vocabSize: V, contextSize: C, embedDim: m, hidden } = state.config;
  const D = C * m, L = hidden.length, HL = hidden[L - 1];
  const direct = state.config.directConnections;
  const K = HL + (direct ? D : 0);
  const copy = (slot: string, rows: number, cols: number) => {
    const out = zeros(rows, cols, "float32");
    out.data.set(state.view(prefix + slot, rows * cols));
    return out;
  };
  const record: Record<string, Matrix> = { E: copy("E", V, m) };
  let width = D;
  for (let l = 1; l <= L; l++) {
    record[`W${l}`] = copy(`W${l}`, hidden[l - 1], width);
    record[`b${l}`] = copy(`B${l}`, 1, hidden[l - 1]);
    width = hidden[l - 1];
  }
  const wo = state.view(prefix + "WO", V * K);
  const Wout = zeros(V, HL, "float32");
  const Wdirect = direct ? zeros(V, D, "float32") : null;
  for (let v = 0; v < V; v++) {
    Wout.data.set(wo.subarray(v * K, v * K + HL), v * HL);
    Wdirect?.data.set(wo.subarray(v * K + HL, (v + 1) * K), v * D);
  }
  record.Wout = Wout;
  record.bout = copy("BO", 1, V);
  if (Wdirect) record.Wdirect = Wdirect;
  return record;
}

/**
 * The state's parameters and velocities as fresh float32 matrices, with the names and key
 * order of `MiniNeuralLM.shapes()`: ready for `model.forward`, `momentumStep` or a checkpoint.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { MiniNeuralLM } from "../model.ts";
 * import { fromFastState, toFastState } from "./fast.ts";
 * const model = new MiniNeuralLM({ vocabSize: 5, contextSize: 1, embedDim: 2, hidden: [3], dtype: "float32" });
 * using state = toFastState(model, model.init(0), undefined, { threads: 1 });
 * const { params, velocity } = fromFastState(state);
 * assertEquals(Object.keys(params), ["E", "W1", "b1", "Wout", "bout"]);
 * assertEquals(velocity.Wout.toArrays()[0], [0, 0, 0]); // no step yet
 * ```
 */
export function fromFastState(
  state: FastState,
): { params: Record<string, Matrix>; velocity: Record<string, Matrix> } {
  if (!(state instanceof FastState)) {
    throw argError("fromFastState", "state", "a FastState", describeValue(state), TypeError);
  }
  state.checkLive("fromFastState");
  return { params: readRecord(state, ""), velocity: readRecord(state, "V") };
}

/** Contexts as a flat `Int32Array` of `B·(n−1)` checked indices, and `B`. */
function batchOf(
  fn: string,
  state: FastState,
  contexts: IndexMatrix | Int32Array,
): { flat: Int32Array; batch: number } {
  if (!(state instanceof FastState)) {
    throw argError(fn, "state", "a FastState (see toFastState)", describeValue(state), TypeError);
  }
  state.checkLive(fn);
  const { vocabSize: V, contextSize: C } = state.config;
  let matrix: IndexMatrix;
  if (contexts instanceof Int32Array) {
    if (contexts.length % C !== 0) {
      throw argError(
        fn,
        "contexts",
        `a multiple of n − 1 = ${C} indices`,
        `${contexts.length}`,
      );
    }
    matrix = new IndexMatrix(contexts.length / C, C, contexts);
  } else matrix = contexts;
  checkIndices(fn, "contexts", matrix, V, C);
  if (matrix.rows === 0) throw argError(fn, "contexts", "at least one example", "0 rows");
  return { flat: matrix.data, batch: matrix.rows };
}

/**
 * One training step on a minibatch, in place: forward, mean cross-entropy, backward and the
 * momentum step of every parameter. The same update as
 *
 * ```ts ignore
 * const { probs, cache } = model.forward(params, contexts, { train: true, rng });
 * const loss = crossEntropy(probs, targets);
 * ({ params, velocity } = momentumStep(params, model.backward(params, cache, targets), velocity,
 *   { lr, beta, weightDecay }));
 * ```
 *
 * in float32 arithmetic. With dropout, the masks are drawn from `options.rng` in the reference's
 * order, so both paths consume the generator alike.
 *
 * @param state the model's state (updated in place)
 * @param contexts `[B, n−1]` word indices (an `IndexMatrix`, or a flat `Int32Array`)
 * @param targets `[B]` target word indices
 * @param options learning rate, momentum, weight decay, dropout generator
 * @returns the minibatch's mean cross-entropy, before the update
 * @throws {RangeError} for bad indices or options, or a non-finite loss (nothing is updated then)
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { MiniNeuralLM } from "../model.ts";
 * import { indexMatrix } from "../tensor.ts";
 * import { fastTrainStep, toFastState } from "./fast.ts";
 * const model = new MiniNeuralLM({ vocabSize: 3, contextSize: 1, embedDim: 4, hidden: [8], dtype: "float32" });
 * using state = toFastState(model, model.init(1), undefined, { threads: 1 });
 * const contexts = indexMatrix([[0], [1], [2]]), targets = [1, 2, 0];
 * const first = fastTrainStep(state, contexts, targets, { lr: 0.5, beta: 0.9 });
 * let last = first;
 * for (let s = 0; s < 60; s++) last = fastTrainStep(state, contexts, targets, { lr: 0.5, beta: 0.9 });
 * assert(last < first / 4);
 * ```
 */
export function fastTrainStep(
  state: FastState,
  contexts: IndexMatrix | Int32Array,
  targets: ArrayLike<number>,
  options: FastStepOptions,
): number {
  const loss = fastTryTrainStep(state, contexts, targets, options, "fastTrainStep");
  if (!Number.isFinite(loss)) {
    throw argError(
      "fastTrainStep",
      "loss",
      "a finite cross-entropy (the model has diverged?)",
      `${loss}`,
    );
  }
  return loss;
}

/**
 * {@linkcode fastTrainStep} for a caller that decides itself what a diverged step means (the
 * training loop): the minibatch's mean cross-entropy before the update, and the update only when
 * that loss is finite. A non-finite loss is returned with nothing changed.
 *
 * @param state the model's state (updated in place when the loss is finite)
 * @param contexts `[B, n−1]` word indices (an `IndexMatrix`, or a flat `Int32Array`)
 * @param targets `[B]` target word indices
 * @param options learning rate, momentum, weight decay, dropout generator
 * @param fn the name that error messages give (default `"fastTryTrainStep"`)
 * @returns the loss before the update, possibly `Infinity` or `NaN`
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { MiniNeuralLM } from "../model.ts";
 * import { indexMatrix } from "../tensor.ts";
 * import { fastTryTrainStep, fromFastState, toFastState } from "./fast.ts";
 * const model = new MiniNeuralLM({ vocabSize: 3, contextSize: 1, embedDim: 2, hidden: [2], dtype: "float32" });
 * const params = model.init(1);
 * params.bout.data[0] = Infinity; // a diverged model: the loss is not finite
 * using state = toFastState(model, params, undefined, { threads: 1 });
 * const loss = fastTryTrainStep(state, indexMatrix([[0]]), [1], { lr: 0.1, beta: 0.9 });
 * assertEquals(Number.isFinite(loss), false);
 * assertEquals(fromFastState(state).params.W1.data, params.W1.data); // nothing was updated
 * ```
 */
export function fastTryTrainStep(
  state: FastState,
  contexts: IndexMatrix | Int32Array,
  targets: ArrayLike<number>,
  options: FastStepOptions,
  fn = "fastTryTrainStep",
): number {
  const { flat, batch } = batchOf(fn, state, contexts);
  const t = toTargets(fn, "targets", targets, batch, state.config.vocabSize);
  checkMomentumOptions(fn, options);
  const { dropout, hidden } = state.config;
  const masks: Matrix[] = [];
  if (dropout > 0) {
    if (!(options.rng instanceof Rng)) {
      throw argError(
        fn,
        "options.rng",
        "a generator for dropout masks (the model has dropout)",
        describeValue(options.rng),
        TypeError,
      );
    }
    for (const h of hidden) masks.push(dropoutMask(batch, h, dropout, options.rng, "float32"));
  }
  state.loadBatch(flat, t, batch);
  masks.forEach((mask, l) => state.loadMask(l + 1, mask));
  state.setUpdate(options.lr, options.beta, options.weightDecay ?? 0);
  const k = state.fn;
  k.forwardHidden(state.plan);
  state.runPhase(PHASE.outputForward);
  const loss = k.softmaxCombine(state.plan);
  if (!Number.isFinite(loss)) return loss;
  k.embeddingWords(state.plan);
  state.runPhase(PHASE.outputBackward);
  k.backwardHidden(state.plan);
  state.steps++;
  return loss;
}

/** Runs the forward pass of one batch (no dropout) and returns its mean cross-entropy. */
function forwardBatch(
  state: FastState,
  contexts: Int32Array,
  targets: Int32Array | null,
  batch: number,
): number {
  state.loadBatch(contexts, targets, batch);
  state.fn.forwardHidden(state.plan);
  state.runPhase(PHASE.outputForward);
  return state.fn.softmaxCombine(state.plan);
}

/**
 * Mean cross-entropy (nats per word) of the model on a dataset, in evaluation mode (no
 * dropout), in minibatches of the state's capacity. Parameters are not changed.
 *
 * @param state the model's state
 * @param contexts `[N, n−1]` word indices
 * @param targets `[N]` target word indices
 * @returns `−(1/N) Σ log p(target | context)`
 *
 * @example
 * ```ts
 * import { assertAlmostEquals } from "@std/assert";
 * import { MiniNeuralLM } from "../model.ts";
 * import { indexMatrix } from "../tensor.ts";
 * import { fastEvaluate, toFastState } from "./fast.ts";
 * const model = new MiniNeuralLM({ vocabSize: 50, contextSize: 2, embedDim: 4, hidden: [8], dtype: "float32" });
 * const params = model.init(0);
 * using state = toFastState(model, params, undefined, { threads: 1 });
 * const contexts = indexMatrix([[1, 2], [3, 4]]);
 * assertAlmostEquals(fastEvaluate(state, contexts, [3, 5]), model.loss(params, contexts, [3, 5]), 1e-5);
 * ```
 */
export function fastEvaluate(
  state: FastState,
  contexts: IndexMatrix | Int32Array,
  targets: ArrayLike<number>,
): number {
  const fn = "fastEvaluate";
  const { flat, batch: n } = batchOf(fn, state, contexts);
  const t = toTargets(fn, "targets", targets, n, state.config.vocabSize);
  const C = state.config.contextSize, size = state.capacity;
  let total = 0;
  for (let start = 0; start < n; start += size) {
    const end = Math.min(n, start + size);
    const loss = forwardBatch(
      state,
      flat.subarray(start * C, end * C),
      t.subarray(start, end),
      end - start,
    );
    total += loss * (end - start);
  }
  return total / n;
}

/**
 * The probability the model gives each target, `p(target_t | context_t)` for every example, in
 * evaluation mode (the fast twin of `targetProbabilities` in `train.ts`: what the n-gram
 * mixture averages).
 *
 * @param state the model's state
 * @param contexts `[N, n−1]` word indices
 * @param targets `[N]` target word indices
 * @returns a `Float64Array [N]` (computed in float32: relative error about 1e-6)
 *
 * @example
 * ```ts
 * import { assertAlmostEquals } from "@std/assert";
 * import { MiniNeuralLM } from "../model.ts";
 * import { indexMatrix } from "../tensor.ts";
 * import { fastEvaluate, fastTargetProbabilities, toFastState } from "./fast.ts";
 * const model = new MiniNeuralLM({ vocabSize: 9, contextSize: 1, embedDim: 2, hidden: [3], dtype: "float32" });
 * using state = toFastState(model, model.init(0), undefined, { threads: 1 });
 * const contexts = indexMatrix([[0], [5]]);
 * const p = fastTargetProbabilities(state, contexts, [1, 2]);
 * const meanLog = (Math.log(p[0]) + Math.log(p[1])) / 2;
 * assertAlmostEquals(fastEvaluate(state, contexts, [1, 2]), -meanLog, 1e-6);
 * ```
 */
export function fastTargetProbabilities(
  state: FastState,
  contexts: IndexMatrix | Int32Array,
  targets: ArrayLike<number>,
): Float64Array {
  const fn = "fastTargetProbabilities";
  const { flat, batch: n } = batchOf(fn, state, contexts);
  const t = toTargets(fn, "targets", targets, n, state.config.vocabSize);
  const C = state.config.contextSize, size = state.capacity;
  const out = new Float64Array(n);
  for (let start = 0; start < n; start += size) {
    const end = Math.min(n, start + size);
    forwardBatch(state, flat.subarray(start * C, end * C), t.subarray(start, end), end - start);
    const nll = state.view("TARGET_SCORE", end - start);
    for (let i = start; i < end; i++) out[i] = Math.exp(-nll[i - start]);
  }
  return out;
}
