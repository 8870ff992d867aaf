/**
 * Defaults and named recipes, defined once: the model's and the trainer's defaults, and the
 * configurations that the command line, the benchmarks, the reproduction, the notebooks and the
 * README use by name.
 *
 * | recipe      | data                          | model                                        |
 * | ----------- | ----------------------------- | -------------------------------------------- |
 * | `canonical` | Brown, words seen ≥ 4 times   | n−1 = 4, m = 60, 100 ReLU, float32           |
 * | `mlp9`      | Brown, words seen ≥ 4 times   | n−1 = 4, m = 30, 100 tanh (the paper's MLP9) |
 * | `demo`      | Brown news, words seen ≥ 3    | n−1 = 3, m = 48, 128 ReLU, dropout 0.3       |
 * | `names`     | first names, characters       | n−1 = 4, m = 10, 96 ReLU, float64            |
 *
 * @module
 */

import type { ModelConfig } from "./model.ts";
import type { Schedule } from "./schedule.ts";

/** Defaults for every model field but `vocabSize`. float64: exact arithmetic for the lecture's
 * gradient checks; ask for `dtype: "float32"` to train on the fast WebAssembly path. */
export const DEFAULT_MODEL_CONFIG: Readonly<Omit<ModelConfig, "vocabSize">> = Object.freeze({
  contextSize: 3,
  embedDim: 30,
  hidden: Object.freeze([64]) as number[],
  activation: "relu",
  dropout: 0,
  directConnections: false,
  dtype: "float64",
  output: Object.freeze({ kind: "softmax" }),
});

/** The training options that have a default (every one but the callbacks and `progress`). */
export interface TrainDefaults {
  /** Passes over the training set. */
  epochs: number;
  /** Examples per minibatch. */
  batchSize: number;
  /** Initial learning rate `lr_0`. */
  lr: number;
  /** Momentum `β` in `m = β·m + (1−β)·g`. */
  momentum: number;
  /** Learning-rate schedule. */
  schedule: Schedule;
  /** L2 weight decay `λ` on weights and embeddings, not biases. */
  weightDecay: number;
  /** Seed of the shuffling and dropout generator. */
  seed: number;
  /** Epochs without a better validation loss before stopping (`Infinity`: never). */
  patience: number;
  /** Which engine runs the steps. */
  engine: "fast" | "reference";
}

/** The trainer's defaults: `train(model, params, data)` with no options uses these. */
export const DEFAULT_TRAIN_OPTIONS: Readonly<TrainDefaults> = Object.freeze({
  epochs: 5,
  batchSize: 64,
  lr: 0.1,
  momentum: 0.9,
  schedule: Object.freeze({ kind: "constant" }) as Schedule,
  weightDecay: 0,
  seed: 0,
  patience: 2,
  engine: "fast",
});

/** The name of a recipe. */
export type RecipeName = "canonical" | "mlp9" | "demo" | "names";

/** A named configuration: where the words come from, the model's shape, and how it trains. */
export interface Recipe {
  /** One line on what it is for. */
  description: string;
  /** The corpus name (as the command line's `--corpus` takes it) and the vocabulary's cut-off. */
  data: { corpus: "brown" | "brown-news" | "names"; minCount: number };
  /** Every model field but `vocabSize`, which the vocabulary fixes. */
  model: Readonly<Omit<ModelConfig, "vocabSize">>;
  /** Every training option with a default. */
  training: Readonly<TrainDefaults>;
}

function recipe(
  description: string,
  data: Recipe["data"],
  model: Partial<Omit<ModelConfig, "vocabSize">>,
  training: Partial<TrainDefaults>,
): Readonly<Recipe> {
  return Object.freeze({
    description,
    data: Object.freeze(data),
    model: Object.freeze({ ...DEFAULT_MODEL_CONFIG, ...model }),
    training: Object.freeze({ ...DEFAULT_TRAIN_OPTIONS, ...training }),
  });
}

/**
 * How the two Brown networks train: minibatch 128, L2 10⁻⁵, the rate 0.5 halved whenever an
 * epoch does not lower the validation loss, going on from the best parameters so far; the run
 * ends once the rate would fall below 0.05 (four halvings), or after 20 epochs.
 */
const BROWN_TRAINING: Partial<TrainDefaults> = {
  epochs: 20,
  batchSize: 128,
  lr: 0.5,
  momentum: 0.9,
  schedule: { kind: "plateau", factor: 0.5, patience: 1, floor: 0.05, restore: true },
  weightDecay: 1e-5,
  patience: 6,
  seed: 1,
};

/**
 * The named recipes. Make a model from one with the vocabulary's size:
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { MiniNeuralLM } from "./model.ts";
 * import { RECIPES } from "./recipes.ts";
 * const model = new MiniNeuralLM({ ...RECIPES.canonical.model, vocabSize: 13845 });
 * assertEquals(model.parameterCount(), 13845 * 60 + 240 * 100 + 100 + 100 * 13845 + 13845);
 * assertEquals(RECIPES.demo.training.lr, 0.2);
 * ```
 */
export const RECIPES: Readonly<Record<RecipeName, Readonly<Recipe>>> = Object.freeze({
  /** The benchmark's model on the paper's Brown split; the speed figures are measured on it. */
  canonical: recipe(
    "the benchmark model on Brown (context 4, embeddings 60, 100 ReLU units, float32)",
    { corpus: "brown", minCount: 4 },
    { contextSize: 4, embedDim: 60, hidden: [100], activation: "relu", dtype: "float32" },
    BROWN_TRAINING,
  ),
  /** The shape of the paper's MLP9 (n = 5, h = 100, m = 30, tanh, no direct connections). */
  mlp9: recipe(
    "the MLP9 shape of Bengio et al. 2003 on Brown (context 4, embeddings 30, 100 tanh units)",
    { corpus: "brown", minCount: 4 },
    { contextSize: 4, embedDim: 30, hidden: [100], activation: "tanh", dtype: "float32" },
    BROWN_TRAINING,
  ),
  /** What `deno task demo` trains: a model that beats the Kneser–Ney trigram on Brown news. */
  demo: recipe(
    "the demo on Brown news (context 3, embeddings 48, 128 ReLU units, dropout 0.3, float32)",
    { corpus: "brown-news", minCount: 3 },
    { contextSize: 3, embedDim: 48, hidden: [128], dropout: 0.3, dtype: "float32" },
    { epochs: 12, batchSize: 64, lr: 0.2, weightDecay: 1e-5, patience: 3, seed: 1 },
  ),
  /** The character-level model of first names that the generation notebook samples from. */
  names: recipe(
    "first names, one character at a time (context 4, embeddings 10, 96 ReLU units)",
    { corpus: "names", minCount: 1 },
    { contextSize: 4, embedDim: 10, hidden: [96] },
    { epochs: 4, batchSize: 32, lr: 0.3, seed: 1 },
  ),
});
