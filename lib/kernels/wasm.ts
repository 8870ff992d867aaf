/**
 * Loading the WebAssembly kernels, and a small arena of shared memory to run them on.
 *
 * The module is compiled from `assembly/kernels.ts` (AssemblyScript) by
 * `deno task build:kernels` and shipped base64-encoded in `wasm_bytes.ts`, so loading it needs no
 * file access. It imports its memory, a *shared* `WebAssembly.Memory`, so that worker threads can
 * run the same kernels on the same numbers.
 *
 * @module
 */

import { argError, describeValue } from "../errors.ts";
import { type Matrix, zeros } from "../tensor.ts";
import { KERNELS_WASM_BASE64 } from "./wasm_bytes.ts";

/** Bytes in a WebAssembly page. */
export const PAGE_BYTES = 65536;

/** The most pages the module's memory may grow to (2 GiB); fixed by the build flags. */
export const MAX_PAGES = 32768;

/** The functions the kernels module exports (addresses and sizes are plain numbers). */
export interface KernelExports {
  /** `C = start + op(A)·B`; see the AssemblyScript source for the argument order. */
  matmul(
    c: number,
    ldc: number,
    a: number,
    aRow: number,
    aCol: number,
    b: number,
    ldb: number,
    M: number,
    N: number,
    K: number,
    init: number,
    bias: number,
  ): void;
  /** `out = exp(x)` element-wise, with the vector exponential. */
  expArray(out: number, x: number, n: number): void;
  /** One momentum step on `n` numbers, in place. */
  momentum(
    w: number,
    m: number,
    g: number,
    n: number,
    lr: number,
    beta: number,
    oneMinusBeta: number,
    decay: number,
  ): void;
  /** `dst = srcᵀ`. */
  transpose(dst: number, src: number, rows: number, cols: number): void;
  /** ReLU (`tanh = 0`) or tanh, in place. */
  activate(y: number, n: number, tanh: number): void;
  /** `dz = act'(a) ⊙ (dy ⊙ mask)`. */
  activationBackward(
    dz: number,
    dy: number,
    a: number,
    mask: number,
    n: number,
    tanh: number,
  ): void;
  /** Row sums. */
  rowSums(out: number, x: number, rows: number, cols: number): void;
  /** Embedding lookup into `Xᵀ`. */
  embeddingGather(plan: number): void;
  /** Rows of the sparse embedding gradient for the minibatch's distinct words. */
  embeddingWords(plan: number): void;
  /** Momentum step of one part of the rows of `E` without a gradient. */
  embeddingDecay(plan: number, part: number): void;
  /** Embedding gradient and momentum step of the rows that have one. */
  embeddingUpdate(plan: number, dXT: number): void;
  /** Embedding lookup and hidden layers. */
  forwardHidden(plan: number): void;
  /** Output scores and softmax share of one group of chunks. */
  outputForward(plan: number, group: number): void;
  /** The softmax's share of one chunk of scores. */
  softmaxChunk(plan: number, chunk: number): void;
  /** Normaliser, loss and chunk scales; returns the mean cross-entropy. */
  softmaxCombine(plan: number): number;
  /** `dscores` of one chunk. */
  dscoresChunk(plan: number, chunk: number): void;
  /** Probabilities `[B, |V|]` after the softmax. */
  probabilities(plan: number, out: number): void;
  /** Output layer backward and update for one group of chunks. */
  outputBackward(plan: number, group: number, thread: number): void;
  /** Hidden layers' backward and update, then the embeddings'. */
  backwardHidden(plan: number): void;
  /** `steps` rounds of 12 register-only 4-lane multiply-adds; the sum of the lanes. */
  fmaPeak(steps: number, a: number, b: number): number;
  /** The loads and multiply-adds of the 6×8 tile on a 1 KiB window at `p`, `steps` rounds. */
  tilePeak(p: number, steps: number): number;
}

/** `init` values of `matmul`: start from zero, from C, or from a bias per row. */
export const INIT = Object.freeze({ zero: 0, accumulate: 1, bias: 2 });

let compiled: WebAssembly.Module | undefined;

/**
 * The compiled kernels module (compiled once, then cached).
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { kernelsModule } from "./wasm.ts";
 * assert(WebAssembly.Module.exports(kernelsModule()).some((e) => e.name === "matmul"));
 * ```
 */
export function kernelsModule(): WebAssembly.Module {
  if (!compiled) {
    const binary = atob(KERNELS_WASM_BASE64);
    const bytes = new Uint8Array(binary.length);
    for (let k = 0; k < binary.length; k++) bytes[k] = binary.charCodeAt(k);
    compiled = new WebAssembly.Module(bytes);
  }
  return compiled;
}

/**
 * Whether this runtime can run the kernels: WebAssembly with 128-bit SIMD, relaxed SIMD and
 * shared memory (Deno, Node.js and Chromium have them; when they are missing the trainer takes
 * the reference path).
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { kernelsAvailable } from "./wasm.ts";
 * assert(kernelsAvailable()); // Deno 2
 * ```
 */
export function kernelsAvailable(): boolean {
  if (available === undefined) {
    try {
      kernelsModule();
      kernelsMemory(1);
      available = true;
    } catch {
      available = false;
    }
  }
  return available;
}

let available: boolean | undefined;

/**
 * A new shared memory of `pages` pages for the kernels, growable to {@linkcode MAX_PAGES}.
 *
 * @example
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { kernelsMemory, PAGE_BYTES } from "./wasm.ts";
 * const memory = kernelsMemory(3);
 * const buffer: ArrayBufferLike = memory.buffer;
 * assertEquals(buffer.byteLength, 3 * PAGE_BYTES);
 * assert(Object.prototype.toString.call(buffer) === "[object SharedArrayBuffer]");
 * ```
 */
export function kernelsMemory(pages: number): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: pages, maximum: MAX_PAGES, shared: true });
}

/** An instance of the kernels on a memory: its functions and its plan slot numbers. */
export interface KernelInstance {
  /** The exported functions. */
  fn: KernelExports;
  /** Slot numbers of the plan block, by name without the `P_` prefix (e.g. `VOCAB`). */
  slots: Readonly<Record<string, number>>;
  /** How many 4-byte slots the plan block has. */
  planSlots: number;
}

/**
 * Instantiates the kernels on a shared memory (made by {@linkcode kernelsMemory}).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { instantiateKernels, kernelsMemory } from "./wasm.ts";
 * const { slots } = instantiateKernels(kernelsMemory(4));
 * assertEquals(slots.VOCAB, 0);
 * ```
 */
export function instantiateKernels(memory: WebAssembly.Memory): KernelInstance {
  const instance = new WebAssembly.Instance(kernelsModule(), {
    env: {
      memory,
      abort: () => {
        throw new Error("kernels: WebAssembly abort");
      },
    },
  });
  (instance.exports.initConstants as () => void)();
  const slots: Record<string, number> = {};
  for (const [name, value] of Object.entries(instance.exports)) {
    if (name.startsWith("P_") && value instanceof WebAssembly.Global) {
      slots[name.slice(2)] = value.value as number;
    }
  }
  const planSlots = (instance.exports.PLAN_SLOTS as WebAssembly.Global).value as number;
  return {
    fn: instance.exports as unknown as KernelExports,
    slots: Object.freeze(slots),
    planSlots,
  };
}

/** A float32 matrix that lives in an arena's memory, at byte address `ptr`. */
export interface WasmMatrix {
  /** Byte address of entry (0, 0). */
  readonly ptr: number;
  /** Rows. */
  readonly rows: number;
  /** Columns (the row stride). */
  readonly cols: number;
}

/**
 * Memory for the kernels with a bump allocator: for tests, benchmarks and one-off kernel calls.
 * Arrays are 64-byte aligned; nothing is freed except all at once by {@linkcode KernelArena.reset}.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { KernelArena } from "./wasm.ts";
 * import { matrix } from "../tensor.ts";
 * const arena = new KernelArena();
 * const a = arena.load(matrix([[1, 2], [3, 4]], "float32"));
 * const c = arena.alloc(2, 2);
 * arena.fn.matmul(c.ptr, 2, a.ptr, 2, 1, a.ptr, 2, 2, 2, 2, 0, 0); // C = A·A
 * assertEquals(arena.read(c).toArrays(), [[7, 10], [15, 22]]);
 * ```
 */
export class KernelArena {
  /** The shared memory. */
  readonly memory: WebAssembly.Memory;
  /** The kernels, instantiated on {@linkcode KernelArena.memory}. */
  readonly fn: KernelExports;
  /** Plan slot numbers. */
  readonly slots: Readonly<Record<string, number>>;
  #start: number;
  #next: number;

  /**
   * An arena on a fresh shared memory, with the kernels instantiated on it.
   *
   * @param reserveBytes bytes at the bottom left alone (default: one page)
   */
  constructor(reserveBytes = PAGE_BYTES) {
    this.memory = kernelsMemory(Math.ceil(reserveBytes / PAGE_BYTES) + 1);
    const { fn, slots } = instantiateKernels(this.memory);
    this.fn = fn;
    this.slots = slots;
    this.#start = reserveBytes;
    this.#next = reserveBytes;
  }

  /** Bytes allocated so far, including the reserved bottom. */
  get used(): number {
    return this.#next;
  }

  /** Allocates `bytes` (64-byte aligned, zero on first use) and returns the address. */
  allocBytes(bytes: number): number {
    if (!Number.isInteger(bytes) || bytes < 0) {
      throw argError(
        "KernelArena.allocBytes",
        "bytes",
        "a non-negative integer",
        describeValue(bytes),
      );
    }
    const ptr = Math.ceil(this.#next / 64) * 64;
    const end = ptr + bytes;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE_BYTES);
      if (have / PAGE_BYTES + pages > MAX_PAGES) {
        throw argError(
          "KernelArena.allocBytes",
          "bytes",
          `at most ${MAX_PAGES * PAGE_BYTES} bytes in all`,
          `${end}`,
        );
      }
      this.memory.grow(pages);
    }
    this.#next = end;
    return ptr;
  }

  /** A `[rows, cols]` float32 matrix in the arena (zero on first use). */
  alloc(rows: number, cols: number): WasmMatrix {
    return { ptr: this.allocBytes(rows * cols * 4), rows, cols };
  }

  /** A copy of `m` in the arena, as float32. */
  load(m: Matrix): WasmMatrix {
    const w = this.alloc(m.rows, m.cols);
    this.f32(w.ptr, m.data.length).set(m.data);
    return w;
  }

  /** A fresh float32 `Matrix` with the arena matrix's numbers. */
  read(w: WasmMatrix): Matrix {
    const out = zeros(w.rows, w.cols, "float32");
    out.data.set(this.f32(w.ptr, w.rows * w.cols));
    return out;
  }

  /** A `Float32Array` view of `length` numbers at `ptr` (valid until the memory grows). */
  f32(ptr: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, length);
  }

  /** An `Int32Array` view of `length` numbers at `ptr` (valid until the memory grows). */
  i32(ptr: number, length: number): Int32Array {
    return new Int32Array(this.memory.buffer, ptr, length);
  }

  /** Forgets every allocation; the next ones reuse (and do not clear) the memory. */
  reset(): void {
    this.#next = this.#start;
  }
}
