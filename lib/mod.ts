/**
 * mini-neural-lm: a feed-forward neural language model in the style of Bengio et al. 2003,
 * written from scratch: every equation a pure function with its backward beside it.
 *
 * This entry is what a user of the model needs: the model, its training, evaluation and
 * generation, the recipes, the matrices and the seeded generator. The other areas have entries
 * of their own: `./nn` (the equations), `./text` (tokens, vocabulary, windows), `./io` (corpora,
 * checkpoints), `./ngram` (Kneser–Ney and the mixture), `./kernels` (the WebAssembly fast path),
 * `./notebook` (displays and plots) and `./exercises` (the students' checkers).
 *
 * ```ts
 * import { assert } from "@std/assert";
 * import { indexMatrix, MiniNeuralLM } from "./mod.ts";
 * const model = new MiniNeuralLM({ vocabSize: 10, contextSize: 3, embedDim: 8, hidden: [16] });
 * const params = model.init(42);
 * const { probs } = model.forward(params, indexMatrix([[1, 2, 3]]));
 * assert(Math.abs(probs.row(0).reduce((a, b) => a + b) - 1) < 1e-12);
 * ```
 *
 * @module
 */

// matrices and the seeded generator
export {
  add,
  clone,
  type DType,
  type FloatArray,
  full,
  IndexMatrix,
  indexMatrix,
  inspect,
  Matrix,
  matrix,
  type MatrixStats,
  rowVector,
  stats,
  zeros,
} from "./tensor.ts";
export { Rng, type RngState } from "./random.ts";

// the model, its defaults and the named recipes
export * from "./model.ts";
export * from "./recipes.ts";

// training: data, schedules, the engines, the loop, evaluation, progress
export type { Dataset } from "./dataset.ts";
export { learningRate, type PlateauSchedule, type Schedule } from "./schedule.ts";
export {
  createEngine,
  type Engine,
  type EngineName,
  type EngineOptions,
  referenceEngine,
  type StepOptions,
} from "./engine.ts";
export {
  type AsyncTrainOptions,
  DivergenceError,
  type EpochRecord,
  type History,
  type StepRecord,
  train,
  trainAsync,
  type TrainEvent,
  trainLoop,
  type TrainOptions,
  type TrainResult,
} from "./train.ts";
export type { StopReason, TrainState } from "./train/resume.ts";
export * from "./evaluate.ts";
export { type ProgressSink, trainingProgress } from "./progress.ts";

// generation
export * from "./generate.ts";
