/**
 * Timing helpers for the performance notebook: random minibatches, timed passes of the reference
 * and the fast engine, interleaved repeats with their medians, and a least-squares line.
 *
 * ```text
 * randomBatches(config, B, steps, seed)   minibatches of random word indices (seeded)
 * referencePass(model, batches, step)     a pass of referenceEngine.step over the batches
 * fastPass(model, batches, threads, step) a pass of the fast engine (WebAssembly, `threads`)
 * timeInterleaved(passes, repeats)        median seconds per example of each pass
 * fitLine(xs, ys)                         y ≈ intercept + slope·x, by least squares
 * ```
 *
 * The timings are wall-clock measurements and differ from run to run; nothing here asserts a
 * speed. The numbers a pass computes (losses, parameters) are those of the engines themselves.
 *
 * @module
 */

import { argError, describeValue } from "../errors.ts";
import type { Dataset } from "../dataset.ts";
import { type Engine, referenceEngine, type StepOptions } from "../engine.ts";
import { fastEngine } from "../kernels/engine.ts";
import type { MiniNeuralLM, ModelParams } from "../model.ts";
import { Rng } from "../random.ts";
import { IndexMatrix } from "../tensor.ts";

/**
 * `steps` minibatches of `batch` random contexts and targets, each index drawn uniformly from
 * `[0, vocabSize)` by a generator seeded with `seed`. The cost of a training step does not depend
 * on which words are in it, so random indices time it as well as real text.
 *
 * @param config the model's `vocabSize` and `contextSize`
 * @param batch examples per minibatch, a positive integer
 * @param steps how many minibatches, a positive integer
 * @param seed the generator's seed (default 0)
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { randomBatches } from "./performance.ts";
 * const batches = randomBatches({ vocabSize: 5, contextSize: 2 }, 3, 4, 1);
 * assertEquals(batches.length, 4);
 * assertEquals(batches[0].contexts.shape, [3, 2]);
 * assertEquals(randomBatches({ vocabSize: 5, contextSize: 2 }, 3, 4, 1), batches); // seeded
 * ```
 */
export function randomBatches(
  config: { vocabSize: number; contextSize: number },
  batch: number,
  steps: number,
  seed = 0,
): Dataset[] {
  const fn = "randomBatches";
  const positive = (arg: string, v: unknown) => {
    if (!Number.isInteger(v) || (v as number) < 1) {
      throw argError(fn, arg, "a positive integer", describeValue(v));
    }
  };
  positive("config.vocabSize", config?.vocabSize);
  positive("config.contextSize", config?.contextSize);
  positive("batch", batch);
  positive("steps", steps);
  const rng = new Rng(seed);
  return Array.from({ length: steps }, () => {
    const contexts = new Int32Array(batch * config.contextSize);
    for (let i = 0; i < contexts.length; i++) contexts[i] = rng.int(config.vocabSize);
    const targets = new Int32Array(batch);
    for (let i = 0; i < batch; i++) targets[i] = rng.int(config.vocabSize);
    return { contexts: new IndexMatrix(batch, config.contextSize, contexts), targets };
  });
}

/**
 * The median of some numbers: the middle one of the sorted list, or the mean of the two middle
 * ones. Unlike the mean, one slow repeat (another program took the cores) hardly moves it.
 *
 * @param xs at least one number (not changed)
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { median } from "./performance.ts";
 * assertEquals(median([3, 1, 100]), 3);
 * assertEquals(median([4, 1, 2, 3]), 2.5);
 * ```
 */
export function median(xs: readonly number[]): number {
  if (!Array.isArray(xs) || xs.length === 0) {
    throw argError("median", "xs", "at least one number", describeValue(xs));
  }
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** A pass over some minibatches that can be timed: `run` returns seconds per example. */
export interface TimedPass {
  /** Runs one pass over the minibatches; returns its wall-clock seconds per example. */
  run(): number;
  /** The engine's parameters now (after the warm-up step and every pass so far). */
  params(): ModelParams;
  /** Frees what the pass holds (the fast engine's memory and helper threads). */
  dispose(): void;
}

function examplesIn(fn: string, batches: readonly Dataset[]): number {
  if (!Array.isArray(batches) || batches.length === 0) {
    throw argError(fn, "batches", "at least one minibatch", describeValue(batches));
  }
  return batches.reduce((n, b) => n + b.targets.length, 0);
}

/** A pass of `engine.step` over `batches`, after one warm-up step on the first of them. */
function enginePass(
  fn: string,
  engine: Engine,
  batches: readonly Dataset[],
  step: StepOptions,
): TimedPass {
  const examples = examplesIn(fn, batches);
  try {
    engine.step(batches[0].contexts, batches[0].targets, step);
  } catch (e) {
    engine.dispose();
    throw e;
  }
  return {
    run() {
      const started = performance.now();
      for (const b of batches) engine.step(b.contexts, b.targets, step);
      return (performance.now() - started) / 1000 / examples;
    },
    params: () => engine.params(),
    dispose: () => engine.dispose(),
  };
}

/**
 * Passes of the reference engine (the pure equations of `nn/`) over `batches`, starting from
 * `model.init(seed)` after one warm-up step on the first minibatch.
 *
 * @param model the model
 * @param batches the minibatches of one pass (at least one)
 * @param step learning rate, momentum and weight decay of every step
 * @param seed the seed of the initial parameters (default 1)
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { randomBatches, referencePass } from "./performance.ts";
 * import { MiniNeuralLM } from "../model.ts";
 * const model = new MiniNeuralLM({ vocabSize: 20, contextSize: 2, embedDim: 3, hidden: [4] });
 * const pass = referencePass(model, randomBatches(model.config, 8, 2), {
 *   lr: 0.1, beta: 0.9, weightDecay: 0,
 * });
 * assert(pass.run() > 0);
 * pass.dispose();
 * ```
 */
export function referencePass(
  model: MiniNeuralLM,
  batches: readonly Dataset[],
  step: StepOptions,
  seed = 1,
): TimedPass {
  return enginePass("referencePass", referenceEngine(model, model.init(seed)), batches, step);
}

/**
 * Passes of the fast engine (the WebAssembly kernels, float32) with `threads` threads over
 * `batches`, starting from `model.init(seed)` after one warm-up step on the first minibatch.
 * Call `dispose` when done: it stops the helper threads.
 *
 * @param model a float32 model the kernels cover
 * @param batches the minibatches of one pass (at least one)
 * @param threads threads, the main one included
 * @param step learning rate, momentum and weight decay of every step
 * @param seed the seed of the initial parameters (default 1)
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { fastPass, randomBatches } from "./performance.ts";
 * import { MiniNeuralLM } from "../model.ts";
 * const model = new MiniNeuralLM({
 *   vocabSize: 20, contextSize: 2, embedDim: 3, hidden: [4], dtype: "float32",
 * });
 * const pass = fastPass(model, randomBatches(model.config, 8, 2), 1, {
 *   lr: 0.1, beta: 0.9, weightDecay: 0,
 * });
 * assert(pass.run() > 0);
 * pass.dispose();
 * ```
 */
export function fastPass(
  model: MiniNeuralLM,
  batches: readonly Dataset[],
  threads: number,
  step: StepOptions,
  seed = 1,
): TimedPass {
  const maxBatch = Math.max(...batches.map((b) => b.targets.length));
  const engine = fastEngine(model, model.init(seed), undefined, { threads, maxBatch });
  return enginePass("fastPass", engine, batches, step);
}

/**
 * The median seconds per example of each pass over `repeats` rounds. The passes take turns
 * (round `r` runs pass 1, 2, 3, …), so a burst of load from another program slows all of them
 * alike instead of spoiling one. Every pass is disposed at the end, also after an error.
 *
 * @param passes the passes to time
 * @param repeats rounds, a positive integer
 * @returns one median per pass, in the order given
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { timeInterleaved } from "./performance.ts";
 * const order: string[] = [];
 * const pass = (name: string, seconds: number[]) => ({
 *   run: () => (order.push(name), seconds.shift()!),
 *   params: () => ({}),
 *   dispose: () => order.push(`${name} disposed`),
 * });
 * const medians = timeInterleaved([pass("a", [3, 1, 2]), pass("b", [5, 9, 4])], 3);
 * assertEquals(medians, [2, 5]);
 * assertEquals(order, ["a", "b", "a", "b", "a", "b", "a disposed", "b disposed"]);
 * ```
 */
export function timeInterleaved(passes: readonly TimedPass[], repeats: number): number[] {
  if (!Number.isInteger(repeats) || repeats < 1) {
    for (const p of passes) p.dispose();
    throw argError("timeInterleaved", "repeats", "a positive integer", describeValue(repeats));
  }
  const times = passes.map(() => [] as number[]);
  try {
    for (let r = 0; r < repeats; r++) passes.forEach((p, i) => times[i].push(p.run()));
  } finally {
    for (const p of passes) p.dispose();
  }
  return times.map(median);
}

/**
 * The least-squares straight line through points `(x_i, y_i)`:
 *
 * ```text
 * slope     = Σ (x_i − x̄)(y_i − ȳ) / Σ (x_i − x̄)²
 * intercept = ȳ − slope·x̄
 * ```
 *
 * @param xs at least two x values, not all equal
 * @param ys as many y values
 *
 * @example
 * ```ts
 * import { assertAlmostEquals } from "@std/assert";
 * import { fitLine } from "./performance.ts";
 * const { intercept, slope } = fitLine([1, 2, 3], [5, 7, 9]); // y = 3 + 2x
 * assertAlmostEquals(intercept, 3, 1e-12);
 * assertAlmostEquals(slope, 2, 1e-12);
 * ```
 */
export function fitLine(
  xs: readonly number[],
  ys: readonly number[],
): { intercept: number; slope: number } {
  const fn = "fitLine";
  if (!Array.isArray(xs) || xs.length < 2) {
    throw argError(fn, "xs", "at least two numbers", describeValue(xs));
  }
  if (!Array.isArray(ys) || ys.length !== xs.length) {
    throw argError(fn, "ys", `${xs.length} numbers (as many as xs)`, describeValue(ys));
  }
  const mean = (v: readonly number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  const mx = mean(xs), my = mean(ys);
  let sxy = 0, sxx = 0;
  for (let i = 0; i < xs.length; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  if (sxx === 0) throw argError(fn, "xs", "x values that are not all equal", `all ${xs[0]}`);
  const slope = sxy / sxx;
  return { intercept: my - slope * mx, slope };
}

/**
 * The largest `|a[name][k] − b[name][k]|` over every parameter and entry of two parameter
 * records with the same names and shapes: how far apart two engines' parameters are.
 *
 * @param a one record of matrices
 * @param b another, with the same names and shapes
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { largestDifference } from "./performance.ts";
 * import { matrix } from "../tensor.ts";
 * const a = { W: matrix([[1, 2]]), b: matrix([[0]]) };
 * assertEquals(largestDifference(a, { W: matrix([[1, 2.5]]), b: matrix([[-0.25]]) }), 0.5);
 * ```
 */
export function largestDifference(a: ModelParams, b: ModelParams): number {
  const fn = "largestDifference";
  const names = Object.keys(a);
  const other = Object.keys(b);
  if (names.length !== other.length || names.some((n) => !(n in b))) {
    throw argError(fn, "b", `the names of a (${names.join(", ")})`, other.join(", "));
  }
  let largest = 0;
  for (const name of names) {
    const x = a[name], y = b[name];
    if (x.rows !== y.rows || x.cols !== y.cols) {
      throw argError(fn, `b.${name}`, `shape [${x.rows}, ${x.cols}]`, `[${y.rows}, ${y.cols}]`);
    }
    for (let k = 0; k < x.data.length; k++) {
      largest = Math.max(largest, Math.abs(x.data[k] - y.data[k]));
    }
  }
  return largest;
}
