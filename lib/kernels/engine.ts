/**
 * The fast engine: the {@linkcode Engine} interface over the WebAssembly kernels of `fast.ts`.
 * Parameters and velocities live in WebAssembly memory and are updated in place; `params()` and
 * `velocity()` copy them out as plain records of float32 matrices.
 *
 * @module
 */

import type { Engine } from "../engine.ts";
import type { ModelConfig, ModelParams } from "../model.ts";
import type { MiniNeuralLM } from "../model.ts";
import {
  fastEvaluate,
  type FastOptions,
  fastSupports,
  fastTargetProbabilities,
  fastTryTrainStep,
  fromFastState,
  toFastState,
} from "./fast.ts";

/**
 * Whether the fast engine covers a model (see `fastSupports` for the reason when it does not).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { MiniNeuralLM } from "../model.ts";
 * import { fastEngineSupports } from "./engine.ts";
 * assertEquals(fastEngineSupports(new MiniNeuralLM({ vocabSize: 9, dtype: "float64" }).config), false);
 * ```
 */
export function fastEngineSupports(config: Readonly<ModelConfig>): boolean {
  return fastSupports(config) === null;
}

/**
 * The fast engine for a float32 model: the same steps as `referenceEngine` (`../engine.ts`), in
 * float32 on every core. Call `dispose` (or `using`) when done to stop its helper threads.
 *
 * @param model a model the kernels cover (see {@linkcode fastEngineSupports})
 * @param params starting parameters
 * @param velocity starting momentum (default zeros)
 * @param options threads and memory (see `FastOptions`)
 *
 * @example
 * ```ts
 * import { assertAlmostEquals } from "@std/assert";
 * import { fastEngine } from "./engine.ts";
 * import { MiniNeuralLM } from "../model.ts";
 * import { indexMatrix } from "../tensor.ts";
 * const model = new MiniNeuralLM({ vocabSize: 50, contextSize: 2, embedDim: 4, hidden: [8], dtype: "float32" });
 * const params = model.init(0);
 * using engine = fastEngine(model, params, undefined, { threads: 1 });
 * const data = { contexts: indexMatrix([[1, 2], [3, 4]]), targets: new Int32Array([3, 5]) };
 * assertAlmostEquals(engine.evaluate(data), model.loss(params, data.contexts, data.targets), 1e-5);
 * ```
 */
export function fastEngine(
  model: MiniNeuralLM,
  params: ModelParams,
  velocity?: ModelParams,
  options: FastOptions = {},
): Engine {
  const state = toFastState(model, params, velocity, options);
  let stepped = velocity !== undefined;
  return {
    name: "fast",
    step(contexts, targets, stepOptions) {
      stepped = true;
      return fastTryTrainStep(state, contexts, targets, stepOptions, "train");
    },
    evaluate: (data) => fastEvaluate(state, data.contexts, data.targets),
    targetProbabilities: (data) => fastTargetProbabilities(state, data.contexts, data.targets),
    params: () => fromFastState(state).params,
    velocity: () => stepped ? fromFastState(state).velocity : undefined,
    dispose: () => state.dispose(),
    [Symbol.dispose]: () => state.dispose(),
  };
}
