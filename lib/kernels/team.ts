/**
 * A team of threads that share the output layer's work: the main thread and `threads − 1`
 * helper workers, all running the same WebAssembly kernels on one shared memory.
 *
 * The output layer's vocabulary rows are cut into chunks, and the chunks into a FIXED number of
 * groups. In each parallel phase every thread takes the next unclaimed group (an atomic
 * compare-and-swap on a counter) until none is left; the main thread then waits until every
 * group is done. Because the groups do not depend on the number of threads, and partial sums are
 * kept per group and added in group order, the numbers that come out are the same with one
 * thread or many, and the same from run to run.
 *
 * ```text
 * control word   meaning
 * GEN            generation: bumped by the main thread to start a phase; helpers wait on it
 * PHASE          which kernel this generation runs (outputForward or outputBackward)
 * NEXT           (generation << 16) | next group to claim; a claim for an old generation fails
 * DONE           groups finished in this generation
 * EXIT, ERROR    ask helpers to stop; a helper's kernel threw
 * READY          helpers that have started
 * HELPED         groups the helpers have run, in all (a statistic)
 * GROUPS         how many groups this generation has
 * ```
 *
 * Helpers are `node:worker_threads` workers marked `unref()`, so an idle team never keeps a
 * program from exiting; {@linkcode ThreadTeam.dispose} stops them at once.
 *
 * @module
 */

import { Worker } from "node:worker_threads";

/** Indices of the control words, in an `Int32Array` over the shared memory. */
export const CONTROL = Object.freeze({
  GEN: 0,
  PHASE: 1,
  NEXT: 2,
  DONE: 3,
  EXIT: 4,
  ERROR: 5,
  READY: 6,
  HELPED: 7,
  GROUPS: 8,
});

/** Bytes of the control block. */
export const CONTROL_BYTES = 64;

/** The kernels a phase runs on each group (see `worker.ts`). */
export const PHASE = Object.freeze({ outputForward: 1, outputBackward: 2 });

/** How long the main thread waits for a helper without progress before it gives up (ms). */
const STALL_MS = 120_000;

/**
 * Claims the next group of generation `gen`, or returns −1 when there is none left (or the
 * generation is over).
 *
 * @param control the control words
 * @param gen the generation the caller works for
 * @param groups how many groups the phase has
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { claimGroup, CONTROL } from "./team.ts";
 * const control = new Int32Array(new SharedArrayBuffer(64));
 * control[CONTROL.NEXT] = 3 << 16; // generation 3, next group 0
 * assertEquals([claimGroup(control, 3, 2), claimGroup(control, 3, 2), claimGroup(control, 3, 2)], [0, 1, -1]);
 * ```
 */
export function claimGroup(control: Int32Array, gen: number, groups: number): number {
  for (;;) {
    const word = Atomics.load(control, CONTROL.NEXT);
    if (word >>> 16 !== gen) return -1;
    const group = word & 0xffff;
    if (group >= groups) return -1;
    if (Atomics.compareExchange(control, CONTROL.NEXT, word, word + 1) === word) return group;
  }
}

/** What a worker receives at start. */
export interface HelperData {
  /** The shared memory. */
  memory: WebAssembly.Memory;
  /** Byte address of the control block. */
  control: number;
  /** Byte address of the plan block. */
  plan: number;
  /** This helper's thread number, from 1. */
  thread: number;
}

/**
 * Whether this program may start helper threads: Deno with read access to the worker's file.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { helpersAllowed } from "./team.ts";
 * assertEquals(typeof helpersAllowed(), "boolean");
 * ```
 */
export function helpersAllowed(): boolean {
  const url = new URL("./worker.ts", import.meta.url);
  if (url.protocol !== "file:" || typeof Deno === "undefined") return false;
  try {
    return Deno.permissions.querySync({ name: "read", path: url }).state === "granted";
  } catch {
    return false;
  }
}

/**
 * The main thread's handle on the team.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { ThreadTeam } from "./team.ts";
 * import { KernelArena } from "./wasm.ts";
 * const arena = new KernelArena();
 * const done: number[] = [];
 * // one thread: the main thread runs every group itself
 * const team = new ThreadTeam(arena.memory, arena.allocBytes(64), 0, 1, (_phase, g) => {
 *   done.push(g);
 * });
 * team.run(1, 4);
 * assertEquals(done, [0, 1, 2, 3]);
 * team.dispose();
 * ```
 */
export class ThreadTeam {
  /** Threads including the main thread. */
  readonly threads: number;
  #control: Int32Array;
  #workers: Worker[] = [];
  #gen = 0;
  #work: (phase: number, group: number, thread: number) => void;

  /**
   * @param memory the shared memory
   * @param controlPtr byte address of a zeroed {@linkcode CONTROL_BYTES} block in it
   * @param plan byte address of the plan block (passed to the helpers' kernels)
   * @param threads threads including the main thread (helpers = threads − 1)
   * @param work what the main thread runs for a group
   */
  constructor(
    memory: WebAssembly.Memory,
    controlPtr: number,
    plan: number,
    threads: number,
    work: (phase: number, group: number, thread: number) => void,
  ) {
    this.threads = threads;
    this.#work = work;
    this.#control = new Int32Array(memory.buffer, controlPtr, CONTROL_BYTES / 4);
    for (let t = 1; t < threads; t++) {
      const data: HelperData = { memory, control: controlPtr, plan, thread: t };
      const worker = new Worker(new URL("./worker.ts", import.meta.url), { workerData: data });
      worker.unref();
      // A helper that fails to start simply never claims a group; the others do its share.
      worker.on("error", () => {});
      this.#workers.push(worker);
    }
  }

  /** Helpers that have started so far. */
  get ready(): number {
    return Atomics.load(this.#control, CONTROL.READY);
  }

  /** Groups the helpers have run since the team started. */
  get helped(): number {
    return Atomics.load(this.#control, CONTROL.HELPED);
  }

  /**
   * Blocks until every helper has started, or `timeoutMs` has passed.
   *
   * @returns whether all helpers are ready
   */
  waitReady(timeoutMs = 10_000): boolean {
    const until = performance.now() + timeoutMs;
    for (;;) {
      const ready = Atomics.load(this.#control, CONTROL.READY);
      if (ready >= this.threads - 1) return true;
      const left = until - performance.now();
      if (left <= 0) return false;
      Atomics.wait(this.#control, CONTROL.READY, ready, Math.min(left, 50));
    }
  }

  /**
   * Runs one phase on groups `0 … groups − 1`, with whichever helpers are ready, and returns
   * when all of them are done.
   *
   * @param phase a {@linkcode PHASE} value
   * @param groups how many groups (at most 65535)
   */
  run(phase: number, groups: number): void {
    const c = this.#control;
    this.#gen = this.#gen % 0x7fff + 1;
    const gen = this.#gen;
    Atomics.store(c, CONTROL.DONE, 0);
    Atomics.store(c, CONTROL.GROUPS, groups);
    Atomics.store(c, CONTROL.NEXT, gen << 16);
    Atomics.store(c, CONTROL.PHASE, phase);
    Atomics.store(c, CONTROL.GEN, gen);
    if (this.#workers.length > 0) Atomics.notify(c, CONTROL.GEN);
    for (;;) {
      const group = claimGroup(c, gen, groups);
      if (group < 0) break;
      this.#work(phase, group, 0);
      Atomics.add(c, CONTROL.DONE, 1);
    }
    let last = -1, since = performance.now();
    for (;;) {
      const done = Atomics.load(c, CONTROL.DONE);
      if (done >= groups) break;
      if (Atomics.load(c, CONTROL.ERROR) !== 0) {
        throw new Error("ThreadTeam.run: a helper thread failed; see its error above");
      }
      if (done !== last) [last, since] = [done, performance.now()];
      else if (performance.now() - since > STALL_MS) {
        throw new Error(`ThreadTeam.run: no progress for ${STALL_MS} ms (${done}/${groups})`);
      }
      Atomics.wait(c, CONTROL.DONE, done, 100);
    }
  }

  /** Stops the helpers. The team cannot run afterwards. */
  dispose(): void {
    Atomics.store(this.#control, CONTROL.EXIT, 1);
    Atomics.add(this.#control, CONTROL.GEN, 1);
    Atomics.notify(this.#control, CONTROL.GEN);
    for (const worker of this.#workers) worker.terminate();
    this.#workers = [];
  }
}
