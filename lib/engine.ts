/**
 * Engines: what runs the numbers of a training run. The training loop, `evaluate` and
 * `targetProbabilities` talk to an {@linkcode Engine} and never ask which one they have.
 *
 * ```text
 * step(batch)            forward → loss from the scores → backward → momentum step
 * evaluate(data)         mean cross-entropy, no dropout
 * targetProbabilities    p(target | context) of every example
 * params() / velocity()  the current parameters and momentum, as plain records
 * ```
 *
 * Two engines compute the same equations: {@linkcode referenceEngine}, the pure composition of
 * `nn/` that the lecture notebooks step through, and `fastEngine` (`kernels/engine.ts`), the
 * WebAssembly kernels on every core for float32 models. {@linkcode createEngine} picks one.
 *
 * @module
 */

import { argError, describeValue } from "./errors.ts";
import { batchRanges, type Dataset, slice } from "./dataset.ts";
import type { FastOptions } from "./kernels/fast.ts";
import { fastEngine, fastEngineSupports } from "./kernels/engine.ts";
import type { MiniNeuralLM, ModelParams } from "./model.ts";
import { momentumStep } from "./nn/momentum.ts";
import { logSoftmax } from "./nn/softmax.ts";
import type { Rng } from "./random.ts";
import type { IndexMatrix } from "./tensor.ts";

/** The update of one step: `m = β·m + (1−β)·(g + λ·W); W = W − lr·m`. */
export interface StepOptions {
  /** Learning rate `lr > 0`. */
  lr: number;
  /** Momentum `β` in `[0, 1)`. */
  beta: number;
  /** L2 weight decay `λ ≥ 0` on weights and embeddings, not biases. */
  weightDecay: number;
  /** Generator of the dropout masks (needed when the model has dropout). */
  rng?: Rng;
}

/** What runs a model's numbers: one training step, evaluation, and the parameters. */
export interface Engine extends Disposable {
  /** `"reference"` or `"fast"`. */
  readonly name: EngineName;
  /**
   * One minibatch update; returns the batch's mean cross-entropy before the update. A loss that
   * is not finite (a diverged model) may be returned without an update: the caller stops.
   */
  step(contexts: IndexMatrix, targets: Int32Array, options: StepOptions): number;
  /** Mean cross-entropy (nats per word) of a dataset, in evaluation mode. */
  evaluate(data: Dataset): number;
  /** `p(target_t | context_t)` of every example, in evaluation mode. */
  targetProbabilities(data: Dataset): Float64Array;
  /** The current parameters (the reference engine's own record; a fresh copy from the fast one). */
  params(): ModelParams;
  /** The current momentum `m` of every parameter (`undefined` before the first step). */
  velocity(): ModelParams | undefined;
  /** Frees what the engine holds (the fast engine's memory and threads); idempotent. */
  dispose(): void;
}

/** `"fast"`: the WebAssembly kernels where they cover the model; `"reference"`: the pure path. */
export type EngineName = "fast" | "reference";

/** Evaluation goes through the data in minibatches of this many examples. */
export const EVAL_BATCH = 256;

/**
 * The reference engine: the model's pure equations, one minibatch at a time. Its `step` is the
 * whole algorithm of Bengio et al. (2003, section 4), in four lines:
 *
 * ```text
 * scores, cache = forward(W, contexts, targets)         embedding → hidden → output scores
 * L             = mean_b logsumexp(s_b) − s_b[t_b]      the loss from the scores
 * g             = backward(W, cache, targets)           the chain rule, layer by layer
 * W, m          = momentumStep(W, g, m)                 m = β·m + (1−β)·g;  W = W − lr·m
 * ```
 *
 * The loss comes from `model.lossFromScores`: `softmaxCrossEntropy(scores, targets)` for the
 * full softmax; for a class-factored output, whose forward pass scores only the targets' classes
 * (hence the targets passed to `forward`), the class and within-class terms. Nothing is
 * mutated: each step makes new parameter and velocity records.
 *
 * @param model the model
 * @param params starting parameters
 * @param velocity starting momentum (default: zeros, made at the first step)
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { referenceEngine } from "./engine.ts";
 * import { MiniNeuralLM } from "./model.ts";
 * import { indexMatrix } from "./tensor.ts";
 * const model = new MiniNeuralLM({ vocabSize: 3, contextSize: 1, embedDim: 4, hidden: [8] });
 * using engine = referenceEngine(model, model.init(1));
 * const contexts = indexMatrix([[0], [1], [2]]), targets = new Int32Array([1, 2, 0]);
 * const first = engine.step(contexts, targets, { lr: 0.5, beta: 0.9, weightDecay: 0 });
 * for (let s = 0; s < 60; s++) engine.step(contexts, targets, { lr: 0.5, beta: 0.9, weightDecay: 0 });
 * assert(engine.evaluate({ contexts, targets }) < first / 4);
 * ```
 */
export function referenceEngine(
  model: MiniNeuralLM,
  params: ModelParams,
  velocity?: ModelParams,
): Engine {
  model.checkParams("referenceEngine", params);
  if (velocity !== undefined) model.checkParams("referenceEngine", velocity);
  let W = params, m = velocity;
  return {
    name: "reference",
    step(contexts, targets, { lr, beta, weightDecay, rng }) {
      const { output, cache } = model.forward(W, contexts, { train: true, rng, targets });
      const loss = model.lossFromScores(output, targets);
      const grads = model.backward(W, cache, targets);
      ({ params: W, velocity: m } = momentumStep(W, grads, m, { lr, beta, weightDecay }));
      return loss;
    },
    evaluate(data) {
      let total = 0;
      for (const [start, end] of batchRanges(data.targets.length, EVAL_BATCH)) {
        const b = slice(data, start, end);
        const { output } = model.forward(W, b.contexts, { targets: b.targets });
        total += model.lossFromScores(output, b.targets) * (end - start);
      }
      return total / data.targets.length;
    },
    targetProbabilities(data) {
      const p = new Float64Array(data.targets.length);
      for (const [start, end] of batchRanges(data.targets.length, EVAL_BATCH)) {
        const b = slice(data, start, end);
        const logProbs = logSoftmax(model.forward(W, b.contexts).scores);
        for (let r = 0; r < end - start; r++) {
          p[start + r] = Math.exp(logProbs.get(r, b.targets[r]));
        }
      }
      return p;
    },
    params: () => W,
    velocity: () => m,
    dispose() {},
    [Symbol.dispose]() {},
  };
}

/** Options of {@linkcode createEngine}. */
export interface EngineOptions {
  /** Which engine (default `"fast"`, which falls back to the reference for uncovered models). */
  engine?: EngineName;
  /** Starting momentum (default zeros). */
  velocity?: ModelParams;
  /** Threads and memory of the fast engine. */
  fast?: FastOptions;
}

/**
 * An engine for a model: the fast one when `engine` is `"fast"` and the kernels cover the model
 * (float32, one or two hidden layers, a runtime with WebAssembly SIMD and threads), else the
 * reference one. Both give the same numbers to float32 precision; float64 models always take the
 * reference path, which is what float64 is for.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { createEngine } from "./engine.ts";
 * import { MiniNeuralLM } from "./model.ts";
 * const model64 = new MiniNeuralLM({ vocabSize: 5, dtype: "float64" });
 * using engine = createEngine(model64, model64.init(0));
 * assertEquals(engine.name, "reference");
 * ```
 */
export function createEngine(
  model: MiniNeuralLM,
  params: ModelParams,
  options: EngineOptions = {},
): Engine {
  const name = options.engine ?? "fast";
  if (name !== "fast" && name !== "reference") {
    throw argError("createEngine", "options.engine", `"fast" or "reference"`, describeValue(name));
  }
  return name === "fast" && fastEngineSupports(model.config)
    ? fastEngine(model, params, options.velocity, options.fast)
    : referenceEngine(model, params, options.velocity);
}
