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
 * At the canonical shape (|V| = 13,845, h = 100, B = 128) one thread spends about 93% of a step
 * in the three output-layer products, which run near the 4-lane fused-multiply-add limit of a
 * core (about 40 GFLOP/s at 2.6 GHz); two threads take the step in a little over half the time.
 *
 * The output layer (`|V| × h` weights, 1.4 M at the canonical shape) is where the time goes:
 * three matrix products of `2·B·h·|V|` FLOPs each per minibatch. The kernels keep the
 * activations transposed (one column per example) so that those products run as 3 × 16 tiles of
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
import type { MiniNeuralLM, ModelConfig, ModelParams } from "../model.ts";
import { dropoutMask } from "../nn/dropout.ts";
import { checkMomentumOptions } from "../nn/momentum.ts";
import { Rng } from "../random.ts";
import { checkIndices, IndexMatrix, type Matrix, toTargets, zeros } from "../tensor.ts";
import { CONTROL_BYTES, helpersAllowed, PHASE, ThreadTeam } from "./team.ts";
import {
  instantiateKernels,
  type KernelExports,
  kernelsAvailable,
  kernelsMemory,
  MAX_PAGES,
  PAGE_BYTES,
} from "./wasm.ts";

/** Options of {@linkcode toFastState}. */
export interface FastOptions {
  /**
   * Threads, the main one included (default: `navigator.hardwareConcurrency`, at most 8, for an
   * output layer of 65,536 weights or more, else 1). Helper threads need read access to
   * `worker.ts` (`--allow-read`); without it the state uses 1 thread.
   */
  threads?: number;
  /** Room for minibatches of this size; larger ones make more room (default 256). */
  maxBatch?: number;
  /** Vocabulary rows per chunk of the output layer (default 48, a multiple of 3). */
  chunkRows?: number;
  /** Chunks are shared out in this many groups (default 16; fixes the summation order). */
  groups?: number;
}

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

/**
 * Why `config` is not covered by the fast path, or `null` when it is: float32 models with one or
 * two hidden layers are covered (every activation, dropout rate, direct connections), on a
 * runtime that can run the kernels ({@linkcode kernelsAvailable}).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { MiniNeuralLM } from "../model.ts";
 * import { fastSupports } from "./fast.ts";
 * const config = (dtype: "float32" | "float64") => new MiniNeuralLM({ vocabSize: 9, dtype }).config;
 * assertEquals(fastSupports(config("float32")), null);
 * assertEquals(fastSupports(config("float64")), "the fast path computes in float32; this model is float64");
 * ```
 */
export function fastSupports(config: Readonly<ModelConfig>): string | null {
  if (config.dtype !== "float32") {
    return `the fast path computes in float32; this model is ${config.dtype}`;
  }
  if (config.hidden.length < 1 || config.hidden.length > 2) return "1 or 2 hidden layers only";
  if (!kernelsAvailable()) {
    return "this runtime lacks WebAssembly SIMD, relaxed SIMD or shared memory";
  }
  return null;
}

/** Where the numbers of one state live: byte addresses and sizes. */
interface Layout {
  plan: number;
  control: number;
  capacity: number;
  scratchStart: number;
}

/** Output layers with fewer weights than this run on one thread unless asked otherwise. */
const SMALL_OUTPUT = 65536;

const fastStates = new FinalizationRegistry<ThreadTeam>((team) => team.dispose());

/**
 * Parameters and velocities of one model in WebAssembly memory, with the scratch space and
 * threads that {@linkcode fastTrainStep} uses. Make one with {@linkcode toFastState}; call
 * {@linkcode FastState.dispose} (or `using state = toFastState(…)`) when done, to stop its
 * helper threads at once (they never keep a program alive in any case).
 *
 * The methods marked internal are the contract with the kernels; the functions of this module
 * are the way to use a state.
 *
 * @example
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { MiniNeuralLM } from "../model.ts";
 * import { toFastState } from "./fast.ts";
 * const model = new MiniNeuralLM({ vocabSize: 100, contextSize: 2, embedDim: 4, hidden: [8], dtype: "float32" });
 * using state = toFastState(model, model.init(0), undefined, { chunkRows: 24 });
 * assertEquals([state.chunks, state.groups, state.threads], [5, 5, 1]); // 100 rows = 4·24 + 4
 * assert(state.memoryBytes > 0);
 * ```
 */
export class FastState {
  /** The model's configuration. */
  readonly config: Readonly<ModelConfig>;
  /** Threads the state uses, the main one included. */
  readonly threads: number;
  /** Vocabulary rows per output chunk. */
  readonly chunkRows: number;
  /** Output chunks. */
  readonly chunks: number;
  /** Groups of chunks. */
  readonly groups: number;
  /** Parts of `E` updated in the backward phase (rows without gradient). */
  readonly embeddingParts: number;
  /** Updates made so far. */
  steps = 0;
  readonly #memory: WebAssembly.Memory;
  readonly #fn: KernelExports;
  readonly #slots: Readonly<Record<string, number>>;
  readonly #layout: Layout;
  #next: number;
  #team: ThreadTeam | null;
  #disposed = false;

  /** Use {@linkcode toFastState}. */
  constructor(config: Readonly<ModelConfig>, options: FastOptions = {}) {
    const fn = "toFastState";
    this.config = config;
    const cores = typeof navigator !== "undefined" ? navigator.hardwareConcurrency ?? 1 : 1;
    const { vocabSize: V, contextSize: C, embedDim: m, hidden } = config;
    const outputWeights = V * (hidden[hidden.length - 1] + (config.directConnections ? C * m : 0));
    // Below about 65,000 output weights a step takes well under a millisecond, and waking a
    // helper would cost more than it saves.
    const threads = options.threads ??
      (outputWeights >= SMALL_OUTPUT ? Math.min(8, Math.max(1, cores)) : 1);
    if (!Number.isInteger(threads) || threads < 1 || threads > 64) {
      throw argError(fn, "options.threads", "an integer in [1, 64]", describeValue(threads));
    }
    const chunkRows = options.chunkRows ?? 48;
    if (!Number.isInteger(chunkRows) || chunkRows < 1) {
      throw argError(fn, "options.chunkRows", "a positive integer", describeValue(chunkRows));
    }
    const maxBatch = options.maxBatch ?? 256;
    if (!Number.isInteger(maxBatch) || maxBatch < 1) {
      throw argError(fn, "options.maxBatch", "a positive integer", describeValue(maxBatch));
    }
    this.chunkRows = chunkRows;
    this.chunks = Math.ceil(config.vocabSize / chunkRows);
    const groups = options.groups ?? 16;
    if (!Number.isInteger(groups) || groups < 1 || groups > 65535) {
      throw argError(fn, "options.groups", "an integer in [1, 65535]", describeValue(groups));
    }
    this.groups = Math.min(groups, this.chunks);
    this.embeddingParts = Math.min(8, config.vocabSize);
    this.threads = helpersAllowed() ? threads : 1;

    this.#memory = kernelsMemory(2);
    const instance = instantiateKernels(this.#memory);
    this.#fn = instance.fn;
    this.#slots = instance.slots;
    this.#next = PAGE_BYTES;
    const plan = this.#alloc(instance.planSlots * 4);
    const control = this.#alloc(CONTROL_BYTES);
    this.#layout = { plan, control, capacity: 0, scratchStart: 0 };
    this.#allocParams();
    this.#layout.scratchStart = this.#next;
    this.#allocScratch(maxBatch);
    // With one thread the team has no helpers: the main thread runs every group itself.
    const fnRef = this.#fn;
    this.#team = new ThreadTeam(this.#memory, control, plan, this.threads, (p, g, t) => {
      if (p === PHASE.outputForward) fnRef.outputForward(plan, g);
      else fnRef.outputBackward(plan, g, t);
    });
    fastStates.register(this, this.#team, this);
  }

  // ---- memory ------------------------------------------------------------------------------

  #alloc(bytes: number): number {
    const ptr = Math.ceil(this.#next / 64) * 64;
    const end = ptr + bytes;
    const have = this.#memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE_BYTES);
      if (have / PAGE_BYTES + pages > MAX_PAGES) {
        throw new RangeError(
          `toFastState: the model needs more than ${MAX_PAGES * PAGE_BYTES} bytes of memory`,
        );
      }
      this.#memory.grow(pages);
    }
    this.#next = end;
    return ptr;
  }

  #slot(name: string): number {
    const s = this.#slots[name];
    if (s === undefined) throw new Error(`kernels: the module has no plan slot P_${name}`);
    return s;
  }

  #set(name: string, value: number): void {
    new Int32Array(this.#memory.buffer, this.#layout.plan + 4 * this.#slot(name), 1)[0] = value;
  }

  #setF(name: string, value: number): void {
    new Float32Array(this.#memory.buffer, this.#layout.plan + 4 * this.#slot(name), 1)[0] = value;
  }

  #get(name: string): number {
    return new Int32Array(this.#memory.buffer, this.#layout.plan + 4 * this.#slot(name), 1)[0];
  }

  /** The parameter arrays (and their velocities), in the plan. */
  #allocParams(): void {
    const { vocabSize: V, contextSize: C, embedDim: m, hidden, activation } = this.config;
    const D = C * m, L = hidden.length, H1 = hidden[0], H2 = hidden[1] ?? 0;
    const K = hidden[L - 1] + (this.config.directConnections ? D : 0);
    this.#set("VOCAB", V);
    this.#set("CONTEXT", C);
    this.#set("EMBED", m);
    this.#set("LAYERS", L);
    this.#set("H1", H1);
    this.#set("H2", H2);
    this.#set("TANH", activation === "tanh" ? 1 : 0);
    this.#set("DIRECT", this.config.directConnections ? 1 : 0);
    this.#set("OUT_IN", K);
    this.#set("CHUNK", this.chunkRows);
    this.#set("CHUNKS", this.chunks);
    this.#set("GROUPS", this.groups);
    this.#set("E_PARTS", this.embeddingParts);
    const f = (slot: string, n: number) => this.#set(slot, this.#alloc(n * 4));
    f("E", V * m);
    f("VE", V * m);
    f("W1", H1 * D);
    f("B1", H1);
    f("VW1", H1 * D);
    f("VB1", H1);
    if (L === 2) {
      f("W2", H2 * H1);
      f("B2", H2);
      f("VW2", H2 * H1);
      f("VB2", H2);
    }
    f("WO", V * K);
    f("BO", V);
    f("VWO", V * K);
    f("VBO", V);
    f("SLOT", V);
    new Int32Array(this.#memory.buffer, this.#get("SLOT"), V).fill(-1);
  }

  /** Scratch space for minibatches of up to `capacity` examples. */
  #allocScratch(capacity: number): void {
    const { vocabSize: V, contextSize: C, embedDim: m, hidden } = this.config;
    const D = C * m, L = hidden.length, H1 = hidden[0], H2 = hidden[1] ?? 0;
    const HL = hidden[L - 1], K = this.#get("OUT_IN"), maxH = Math.max(H1, H2);
    const Bp = Math.ceil(capacity / 4) * 4;
    // Reuse the old scratch space when growing: nothing in it outlives a step.
    this.#next = this.#layout.scratchStart;
    const f = (slot: string, n: number) => {
      const ptr = this.#alloc(n * 4);
      this.#set(slot, ptr);
      return ptr;
    };
    f("CTX", capacity * C);
    f("TARGET", capacity);
    // X_T lies right below h_L in OUT_T; its address depends on the batch (see loadBatch).
    const out = f("OUT_T", (HL + D) * Bp);
    f("A1_T", H1 * Bp);
    if (L === 2) {
      f("A2_T", H2 * Bp);
      f("H1_T", H1 * Bp);
      f("H1_B", Bp * H1);
    } else this.#set("H1_T", out);
    f("MASK1_T", H1 * Bp);
    if (L === 2) f("MASK2_T", H2 * Bp);
    f("X_B", Bp * D);
    f("OUT_B", Bp * K);
    f("SCORES", V * Bp);
    f("CHUNK_MAX", this.chunks * Bp);
    f("CHUNK_SUM", this.chunks * Bp);
    f("TARGET_SCORE", 2 * Bp);
    f("DOUT_GROUPS", this.groups * K * Bp);
    f("THREAD_GW", this.threads * this.chunkRows * K);
    f("THREAD_GB", this.threads * this.chunkRows);
    f("DOUT_T", K * Bp);
    f("DZ_T", maxH * Bp);
    f("DIN_T", Math.max(D, H1) * Bp);
    f("GW_HIDDEN", Math.max(H1 * D, H2 * H1));
    f("GB_HIDDEN", maxH);
    f("WORDS", capacity * C);
    f("GE", capacity * C * m);
    this.#layout.capacity = capacity;
  }

  // ---- access for the functions below -------------------------------------------------------

  /** @internal A Float32Array view of a plan array. */
  view(slot: string, length: number): Float32Array {
    return new Float32Array(this.#memory.buffer, this.#get(slot), length);
  }

  /** @internal The kernels. */
  get fn(): KernelExports {
    this.#live();
    return this.#fn;
  }

  /** @internal Byte address of the plan block. */
  get plan(): number {
    return this.#layout.plan;
  }

  /** @internal Largest minibatch without reallocation. */
  get capacity(): number {
    return this.#layout.capacity;
  }

  /** Bytes of WebAssembly memory the state holds. */
  get memoryBytes(): number {
    return this.#memory.buffer.byteLength;
  }

  /** Helper threads that have started (at most `threads − 1`). */
  get helpersReady(): number {
    return this.#team?.ready ?? 0;
  }

  /** Groups of output chunks the helper threads have run so far (the rest ran on this thread). */
  get helperGroups(): number {
    return this.#team?.helped ?? 0;
  }

  /**
   * Blocks until the helper threads have started (they start in the background and join in
   * when ready; benchmarks wait so that the first timed step uses every thread).
   *
   * @returns whether every helper is ready
   */
  waitForHelpers(timeoutMs = 10_000): boolean {
    return this.#team?.waitReady(timeoutMs) ?? true;
  }

  /** @internal Copies one batch in and sets the per-step plan slots. */
  loadBatch(contexts: Int32Array, targets: Int32Array | null, batch: number): void {
    this.#live();
    if (batch > this.#layout.capacity) this.#allocScratch(batch);
    const C = this.config.contextSize;
    new Int32Array(this.#memory.buffer, this.#get("CTX"), batch * C).set(contexts);
    const t = new Int32Array(this.#memory.buffer, this.#get("TARGET"), batch);
    if (targets) t.set(targets);
    else t.fill(-1);
    const Bp = Math.ceil(batch / 4) * 4;
    this.#set("BATCH", batch);
    this.#set("BPAD", Bp);
    this.#set("MASKED", 0);
    // The output layer's input is [h_L; x], one column per example: x starts h_L rows down.
    const hL = this.config.hidden[this.config.hidden.length - 1];
    this.#set("X_T", this.#get("OUT_T") + hL * Bp * 4);
  }

  /** @internal Copies dropout masks `[B, h]` in, transposed to `[h, Bp]`. */
  loadMask(layer: number, mask: Matrix): void {
    const Bp = this.#get("BPAD"), H = mask.cols, B = mask.rows;
    const dst = this.view(layer === 1 ? "MASK1_T" : "MASK2_T", H * Bp);
    for (let b = 0; b < B; b++) {
      for (let o = 0; o < H; o++) dst[o * Bp + b] = mask.data[b * H + o];
    }
    this.#set("MASKED", 1);
  }

  /** @internal Sets the update's hyper-parameters. */
  setUpdate(lr: number, beta: number, weightDecay: number): void {
    this.#setF("LR", lr);
    this.#setF("BETA", beta);
    this.#setF("ONE_MINUS_BETA", 1 - beta);
    this.#setF("DECAY", weightDecay);
  }

  /**
   * @internal Runs `body` with `bytes` of temporary memory past the scratch space, and returns
   * what it returns; the memory is free again afterwards.
   */
  withTemporary<T>(bytes: number, body: (ptr: number, buffer: ArrayBufferLike) => T): T {
    const mark = this.#next;
    try {
      const ptr = this.#alloc(bytes);
      return body(ptr, this.#memory.buffer);
    } finally {
      this.#next = mark;
    }
  }

  /**
   * @internal Runs a parallel phase: the output layer's groups, and in the backward phase the
   * parts of `E` after them.
   */
  runPhase(phase: number): void {
    this.#live();
    const extra = phase === PHASE.outputBackward ? this.embeddingParts : 0;
    this.#team!.run(phase, this.groups + extra);
  }

  #live(): void {
    this.checkLive("FastState");
  }

  /** @internal Throws a `TypeError` naming `fn` when the state was disposed. */
  checkLive(fn: string): void {
    if (this.#disposed) {
      throw argError(fn, "state", "a live FastState", "one that was disposed", TypeError);
    }
  }

  /** Stops the helper threads and releases the memory. The state cannot be used afterwards. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#team?.dispose();
    this.#team = null;
    fastStates.unregister(this);
  }

  /** Same as {@linkcode FastState.dispose}, for `using`. */
  [Symbol.dispose](): void {
    this.dispose();
  }
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

/**
 * Next-word probabilities `[B, |V|]` (float32) for a batch of contexts, in evaluation mode.
 *
 * @param state the model's state
 * @param contexts `[B, n−1]` word indices, `B` at most the state's capacity (256 by default)
 * @returns `softmax(scores)`, one row per context
 *
 * @example
 * ```ts
 * import { assertAlmostEquals } from "@std/assert";
 * import { MiniNeuralLM } from "../model.ts";
 * import { indexMatrix } from "../tensor.ts";
 * import { fastForwardProbs, toFastState } from "./fast.ts";
 * const model = new MiniNeuralLM({ vocabSize: 6, contextSize: 2, embedDim: 3, hidden: [4], dtype: "float32" });
 * using state = toFastState(model, model.init(2), undefined, { threads: 1 });
 * const probs = fastForwardProbs(state, indexMatrix([[0, 1]]));
 * assertAlmostEquals(probs.row(0).reduce((a, b) => a + b), 1, 1e-6);
 * ```
 */
export function fastForwardProbs(state: FastState, contexts: IndexMatrix | Int32Array): Matrix {
  const fn = "fastForwardProbs";
  const { flat, batch } = batchOf(fn, state, contexts);
  if (batch > state.capacity) {
    throw argError(fn, "contexts", `at most ${state.capacity} rows`, `${batch}`);
  }
  // Targets are not needed for probabilities; −1 matches no word.
  forwardBatch(state, flat, null, batch);
  const probs = zeros(batch, state.config.vocabSize, "float32");
  state.withTemporary(probs.data.length * 4, (ptr, buffer) => {
    state.fn.probabilities(state.plan, ptr);
    probs.data.set(new Float32Array(buffer, ptr, probs.data.length));
  });
  return probs;
}
