/**
 * The fast path's state: the parameters and velocities of one model in WebAssembly memory, the
 * scratch space of a minibatch, and the thread team that shares the output layer. The step
 * functions of `fast.ts` work on it.
 *
 * @module
 */

import { argError, describeValue } from "../errors.ts";
import type { ModelConfig } from "../model.ts";
import type { Matrix } from "../tensor.ts";
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

/**
 * Why `config` is not covered by the fast path, or `null` when it is: float32 models with one or
 * two hidden layers and the full softmax output are covered (every activation, dropout rate,
 * direct connections), on a runtime that can run the kernels ({@linkcode kernelsAvailable}).
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
  if (config.output.kind !== "softmax") {
    return "the kernels compute the full softmax; a class-factored output runs on the reference path";
  }
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
