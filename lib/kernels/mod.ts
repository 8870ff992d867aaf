/**
 * The fast path: WebAssembly SIMD kernels shared between threads, the state they work on, and
 * the fast {@linkcode fastEngine} that the trainer uses for float32 models. Every kernel is
 * tested against its pure twin in `nn/`.
 *
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { MiniNeuralLM } from "../model.ts";
 * import { fastSupports } from "./mod.ts";
 * assertEquals(fastSupports(new MiniNeuralLM({ vocabSize: 9, dtype: "float32" }).config), null);
 * ```
 *
 * @module
 */

export {
  fastEvaluate,
  type FastOptions,
  FastState,
  type FastStepOptions,
  fastSupports,
  fastTargetProbabilities,
  fastTrainStep,
  fastTryTrainStep,
  fromFastState,
  type ModelLike,
  toFastState,
} from "./fast.ts";
export { fastEngine, fastEngineSupports } from "./engine.ts";
export { KernelArena, type KernelExports, kernelsAvailable, type WasmMatrix } from "./wasm.ts";
