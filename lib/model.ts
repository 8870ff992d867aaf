/**
 * `MiniNeuralLM`: the feed-forward neural language model of Bengio et al. 2003, composed from the
 * equation functions of `nn/` and nothing else.
 *
 * ```text
 * x      = concat(E[w_{t-n+1}], …, E[w_{t-1}])          embedding lookup      [B, (n-1)·m]
 * h_1    = act(W1·x + b1)        (dropout when training) hidden layer          [B, h1]
 * h_2    = act(W2·h_1 + b2)      (optional second layer)                       [B, h2]
 * scores = Wout·h_L + bout  (+ Wdirect·x, the paper's direct connections)       [B, |V|]
 * probs  = softmax(scores)                                                      [B, |V|]
 * loss   = −(1/B) Σ_b log probs[b, target_b]
 *        = (1/B) Σ_b logsumexp(scores[b]) − scores[b, target_b]   (computed from the scores)
 * ```
 *
 * With `output: { kind: "classes", … }` the output is the class-factored softmax
 * (`nn/class_softmax.ts`): `p(w | h) = p(c(w) | h)·p(w | c(w), h)`, trained on the targets'
 * classes only. `output_layer.ts` composes either output layer.
 *
 * Parameters are data: a plain record of named matrices (`E`, `W1`, `b1`, …), made by
 * {@linkcode MiniNeuralLM.init} from a seed, passed to `forward`/`backward`, returned new by the
 * optimiser. The model object holds only its configuration.
 *
 * @module
 */

import { embeddingBackward, embeddingForward } from "./nn/embedding.ts";
import { linearBackward, linearForward } from "./nn/linear.ts";
import { relu, reluBackward, tanh, tanhBackward } from "./nn/activation.ts";
import { dropoutBackward, dropoutForward, dropoutMask } from "./nn/dropout.ts";
import type { ClassLayout } from "./nn/class_softmax.ts";
import { glorotNormal, heNormal, zerosInit } from "./nn/init.ts";
import {
  checkOutputConfig,
  forwardResult,
  outputBackward,
  type OutputConfig,
  outputForward,
  outputLayout,
  outputLoss,
  type OutputScores,
  outputShapes,
} from "./output_layer.ts";
import { argError, describeValue } from "./errors.ts";
import { Rng } from "./random.ts";
import { DEFAULT_MODEL_CONFIG } from "./recipes.ts";
import {
  add,
  checkIndices,
  checkNonEmpty,
  type DType,
  type IndexMatrix,
  Matrix,
  toTargets,
} from "./tensor.ts";

export type { ClassLayout, ClassScores } from "./nn/class_softmax.ts";
export {
  classOutput,
  type ClassOutputConfig,
  type OutputConfig,
  type OutputScores,
} from "./output_layer.ts";

/** The hyper-parameters that fix the model's shape. */
export interface ModelConfig {
  /** `|V|`, the number of words the model predicts over. */
  vocabSize: number;
  /** `n − 1`, how many previous words the model sees. */
  contextSize: number;
  /** `m`, the length of each word's embedding vector. */
  embedDim: number;
  /** Widths of the hidden layers: `[h1]` or `[h1, h2]`. */
  hidden: number[];
  /** Non-linearity of the hidden layers. Bengio et al. 2003 used `tanh`. */
  activation: "relu" | "tanh";
  /** Dropout rate after each hidden layer while training, in `[0, 1)`. */
  dropout: number;
  /** Add the paper's direct input-to-output connections `Wdirect·x`. */
  directConnections: boolean;
  /** Element type of the parameters. */
  dtype: DType;
  /**
   * The output layer: the full softmax over `|V|` (`{ kind: "softmax" }`, the default), or a
   * class-factored softmax over word classes (make one with `classOutput(counts, C)`; no direct
   * connections). Saved with the config, so a checkpoint keeps its classes.
   */
  output: OutputConfig;
}

/**
 * The most parameters {@linkcode MiniNeuralLM.init} allocates unless asked for more: 2^28, about
 * 268 million (1 GiB of float32 weights, and training holds two or three such copies: the
 * weights, their momentum and, on the reference engine, the gradients). A size mistake such as
 * an embedding of 10^8 numbers is refused at once instead of allocating for minutes.
 */
export const MAX_PARAMETERS = 2 ** 28;

function formatGiB(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(bytes < 2 ** 30 ? 3 : 1)} GiB`;
}

/**
 * The model's parameters by name: `E`, `W1`, `b1`, [`W2`, `b2`], `Wout`, `bout`, [`Wdirect`];
 * with a class-factored output also `Wclass`, `bclass` (after `bout`).
 */
export type ModelParams = Readonly<Record<string, Matrix>>;

/** What `forward` keeps for `backward`: the inputs and outputs of every layer. */
export interface ForwardCache {
  /** The contexts of the batch. */
  contexts: IndexMatrix;
  /** Concatenated embeddings `x`, `[B, (n−1)·m]`. */
  x: Matrix;
  /** Pre-activations `z_l = W_l·a_{l−1} + b_l` of each hidden layer. */
  pre: Matrix[];
  /** Activations `act(z_l)` of each hidden layer, before dropout. */
  act: Matrix[];
  /** Dropout masks of each hidden layer (`null` when dropout was off). */
  masks: (Matrix | null)[];
  /** Inputs of each hidden layer, then the input of the output layer (after dropout). */
  inputs: Matrix[];
  /** Next-word probabilities, `[B, |V|]` (a class-factored output makes them when first read). */
  probs: Matrix;
  /** The output scores that the loss and `backward` read (see `lossFromScores`). */
  output: OutputScores;
}

/** The result of {@linkcode MiniNeuralLM.forward}. */
export interface ForwardResult {
  /**
   * Unnormalised scores (logits), `[B, |V|]`. For a class-factored output, the exact
   * log-probabilities `log p(w | h)` (so `softmax(scores) = probs` still), made when first read.
   */
  scores: Matrix;
  /** `softmax(scores)`, `[B, |V|]` (a class-factored output makes it when first read). */
  probs: Matrix;
  /** The output scores for {@linkcode MiniNeuralLM.lossFromScores} (also in `cache.output`). */
  output: OutputScores;
  /** Everything `backward` needs. */
  cache: ForwardCache;
}

/** Options of {@linkcode MiniNeuralLM.forward}. */
export interface ForwardOptions {
  /** Training mode: apply dropout (needs `rng` when `dropout > 0`). Default `false`. */
  train?: boolean;
  /** Generator for dropout masks. */
  rng?: Rng;
  /**
   * The batch's next words. A class-factored output computes its within-class scores for their
   * classes (what the loss and `backward` need); the full softmax ignores them.
   */
  targets?: ArrayLike<number>;
}

function positiveInt(fn: string, name: string, v: unknown): void {
  if (!Number.isInteger(v) || (v as number) < 1) {
    throw argError(fn, name, "a positive integer", describeValue(v));
  }
}

/**
 * A complete config from a partial one: defaults filled in, every field checked.
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { modelConfig } from "./model.ts";
 * assertEquals(modelConfig({ vocabSize: 10 }).hidden, [64]);
 * assertThrows(() => modelConfig({ vocabSize: 10, hidden: [] }), RangeError, "config.hidden");
 * ```
 */
export function modelConfig(partial: Partial<ModelConfig> & { vocabSize: number }): ModelConfig {
  const fn = "modelConfig";
  const c: ModelConfig = { ...DEFAULT_MODEL_CONFIG, ...partial } as ModelConfig;
  positiveInt(fn, "config.vocabSize", c.vocabSize);
  positiveInt(fn, "config.contextSize", c.contextSize);
  positiveInt(fn, "config.embedDim", c.embedDim);
  if (!Array.isArray(c.hidden) || c.hidden.length < 1 || c.hidden.length > 2) {
    throw argError(fn, "config.hidden", "[h1] or [h1, h2]", describeValue(c.hidden));
  }
  c.hidden.forEach((h, l) => positiveInt(fn, `config.hidden[${l}]`, h));
  if (c.activation !== "relu" && c.activation !== "tanh") {
    throw argError(fn, "config.activation", `"relu" or "tanh"`, describeValue(c.activation));
  }
  if (!(c.dropout >= 0 && c.dropout < 1)) {
    throw argError(fn, "config.dropout", "a rate in [0, 1)", describeValue(c.dropout));
  }
  if (typeof c.directConnections !== "boolean") {
    throw argError(
      fn,
      "config.directConnections",
      "true or false",
      describeValue(c.directConnections),
    );
  }
  if (c.dtype !== "float64" && c.dtype !== "float32") {
    throw argError(fn, "config.dtype", `"float64" or "float32"`, describeValue(c.dtype));
  }
  const output = checkOutputConfig(fn, c.output, c.vocabSize, c.directConnections);
  return { ...c, hidden: [...c.hidden], output };
}

/**
 * The neural language model: a configuration and the functions that use it.
 *
 * @example
 * ```ts
 * import { assertAlmostEquals, assertEquals } from "@std/assert";
 * import { MiniNeuralLM } from "./model.ts";
 * import { indexMatrix } from "./tensor.ts";
 * const model = new MiniNeuralLM({ vocabSize: 5, contextSize: 2, embedDim: 3, hidden: [4] });
 * const params = model.init(42);
 * const { probs } = model.forward(params, indexMatrix([[0, 1], [2, 3]]));
 * assertEquals(probs.shape, [2, 5]);
 * assertAlmostEquals(probs.row(0).reduce((a, b) => a + b), 1, 1e-12);
 * ```
 */
export class MiniNeuralLM {
  /** The validated configuration. */
  readonly config: Readonly<ModelConfig>;
  /** The classes of a class-factored output (derived from `config.output`), else `null`. */
  readonly #layout: ClassLayout | null;

  /**
   * A model of the given shape, the configuration checked.
   *
   * @param config the shape of the model; fields left out take `DEFAULT_MODEL_CONFIG` (`recipes.ts`)
   */
  constructor(config: Partial<ModelConfig> & { vocabSize: number }) {
    this.config = Object.freeze(modelConfig(config));
    this.#layout = outputLayout(this.config.output);
  }

  /** Names and shapes `[rows, cols]` of every parameter, in a fixed order. */
  shapes(): Record<string, [number, number]> {
    const { vocabSize: V, contextSize, embedDim, hidden, directConnections } = this.config;
    const inputWidth = contextSize * embedDim;
    const shapes: Record<string, [number, number]> = { E: [V, embedDim] };
    let width = inputWidth;
    hidden.forEach((h, l) => {
      shapes[`W${l + 1}`] = [h, width];
      shapes[`b${l + 1}`] = [1, h];
      width = h;
    });
    Object.assign(shapes, outputShapes(this.config.output, V, width));
    if (directConnections) shapes.Wdirect = [V, inputWidth];
    return shapes;
  }

  /** Total number of trainable numbers (computed from the shapes, nothing allocated). */
  parameterCount(): number {
    return Object.values(this.shapes()).reduce((n, [r, c]) => n + r * c, 0);
  }

  /**
   * Fresh parameters from a seed, drawn in the order of {@linkcode MiniNeuralLM.shapes}:
   *
   * - hidden weights: He/Kaiming normal `σ = sqrt(2 / fan_in)` for ReLU, Glorot/Xavier normal
   *   `σ = sqrt(2 / (fan_in + fan_out))` for tanh;
   * - embeddings `E` and output weights `Wout` (and `Wclass`): Glorot/Xavier normal;
   * - biases and the direct connections `Wdirect`: zeros (the direct path starts silent and
   *   learns only what the hidden path misses).
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { MiniNeuralLM } from "./model.ts";
   * const model = new MiniNeuralLM({ vocabSize: 6, contextSize: 2, embedDim: 3, hidden: [4] });
   * assertEquals(model.init(1).W1.toArrays(), model.init(1).W1.toArrays());
   * assertEquals(Object.keys(model.init(1)), ["E", "W1", "b1", "Wout", "bout"]);
   * ```
   *
   * @param seed the seed of the initial draw
   * @param options `maxParameters`: refuse a larger model before allocating anything (default
   * {@linkcode MAX_PARAMETERS})
   */
  init(seed: number, options: { maxParameters?: number } = {}): ModelParams {
    const limit = options.maxParameters ?? MAX_PARAMETERS;
    const count = this.parameterCount();
    if (!(count <= limit)) {
      throw argError(
        "MiniNeuralLM.init",
        "config",
        `a model of at most ${limit.toLocaleString("en-US")} parameters ` +
          "(options.maxParameters raises the limit)",
        `${count.toLocaleString("en-US")} parameters, ${
          formatGiB(count * (this.config.dtype === "float32" ? 4 : 8))
        } of weights`,
      );
    }
    const rng = new Rng(seed);
    const { dtype, activation } = this.config;
    const params: Record<string, Matrix> = {};
    for (const [name, [rows, cols]] of Object.entries(this.shapes())) {
      if (name.startsWith("b") || name === "Wdirect") params[name] = zerosInit(rows, cols, dtype);
      else if (name === "E" || name === "Wout" || name === "Wclass" || activation === "tanh") {
        params[name] = glorotNormal(rows, cols, rng, dtype);
      } else params[name] = heNormal(rows, cols, rng, dtype);
    }
    return params;
  }

  /** Throws unless `params` has exactly the names and shapes of {@linkcode MiniNeuralLM.shapes}. */
  checkParams(fn: string, params: ModelParams): void {
    const shapes = this.shapes();
    for (const [name, [rows, cols]] of Object.entries(shapes)) {
      const p = params?.[name];
      if (!(p instanceof Matrix)) {
        throw argError(
          fn,
          `params.${name}`,
          `a Matrix [${rows}, ${cols}]`,
          describeValue(p),
          TypeError,
        );
      }
      if (p.rows !== rows || p.cols !== cols) {
        throw argError(fn, `params.${name}`, `shape [${rows}, ${cols}]`, `[${p.rows}, ${p.cols}]`);
      }
    }
    for (const name of Object.keys(params)) {
      if (!(name in shapes)) {
        throw argError(
          fn,
          "params",
          `only ${Object.keys(shapes).join(", ")}`,
          `an extra "${name}"`,
        );
      }
    }
  }

  /**
   * The forward pass for a batch of contexts: embedding lookup, hidden layers (dropout only when
   * `train`), output scores, softmax.
   *
   * @param params parameters from {@linkcode MiniNeuralLM.init} or training
   * @param contexts `[B, n−1]` word indices
   */
  forward(params: ModelParams, contexts: IndexMatrix, options: ForwardOptions = {}): ForwardResult {
    const fn = "MiniNeuralLM.forward";
    const { vocabSize, contextSize, dropout } = this.config;
    this.checkParams(fn, params);
    checkIndices(fn, "contexts", contexts, vocabSize, contextSize);
    checkNonEmpty(fn, "contexts", contexts);
    const useDropout = options.train === true && dropout > 0;
    if (useDropout && !(options.rng instanceof Rng)) {
      throw argError(
        fn,
        "options.rng",
        "a generator for dropout masks when train is true",
        describeValue(options.rng),
        TypeError,
      );
    }

    const targets = options.targets === undefined
      ? undefined
      : toTargets(fn, "options.targets", options.targets, contexts.rows, vocabSize);

    const x = embeddingForward(params.E, contexts);
    const cache: ForwardCache = {
      contexts,
      x,
      pre: [],
      act: [],
      masks: [],
      inputs: [],
      probs: x,
      output: { kind: "softmax", scores: x },
    };
    let a = x;
    for (let l = 1; l <= this.config.hidden.length; l++) {
      cache.inputs.push(a);
      const z = linearForward(a, params[`W${l}`], params[`b${l}`]);
      const h = this.config.activation === "relu" ? relu(z) : tanh(z);
      const mask = useDropout ? dropoutMask(h.rows, h.cols, dropout, options.rng!, h.dtype) : null;
      cache.pre.push(z);
      cache.act.push(h);
      cache.masks.push(mask);
      a = mask ? dropoutForward(h, mask) : h;
    }
    cache.inputs.push(a);
    return forwardResult(outputForward(this.config, this.#layout, params, a, x, targets), cache);
  }

  /**
   * The backward pass: gradients of the mean cross-entropy of the batch with respect to every
   * parameter, by the chain rule from the output back to the embeddings.
   *
   * ```text
   * dscores = dL/dscores = (probs − onehot(targets)) / B
   * dWout, dbout, da_L = linearBackward(dscores, a_L, Wout)
   * for l = L … 1:  dh = dropoutBackward(da_l, mask_l);  dpre = act'(z_l) ⊙ dh
   *                 dW_l, db_l, da_{l−1} = linearBackward(dpre, a_{l−1}, W_l)
   * dx = da_0 (+ Wdirectᵀ·dscores);  dE = scatter-add of dx rows into the context words
   * ```
   *
   * A class-factored output replaces the first two lines by `classSoftmaxBackward`: gradients
   * for `Wclass`, `bclass` and the rows of `Wout`, `bout` in the targets' classes, and `da_L`.
   *
   * `dscores` is the gradient of the loss with respect to the scores (the softmax's input),
   * `a_l` the input of layer `l + 1` (`a_0 = x`), `z_l = W_l·a_{l−1} + b_l` the pre-activation of
   * hidden layer `l` and `dpre` its gradient.
   */
  backward(
    params: ModelParams,
    cache: ForwardCache,
    targets: ArrayLike<number>,
  ): Record<string, Matrix> {
    const L = this.config.hidden.length;
    const { output, inputs, x } = cache;
    const out = outputBackward(
      this.config,
      this.#layout,
      output,
      params,
      () => cache.probs,
      inputs[L],
      x,
      targets,
    );
    const grads: Record<string, Matrix> = { ...out.grads };
    let da = out.da;
    for (let l = L; l >= 1; l--) {
      const mask = cache.masks[l - 1];
      const dh = mask ? dropoutBackward(da, mask) : da;
      const dpre = this.config.activation === "relu"
        ? reluBackward(dh, cache.pre[l - 1])
        : tanhBackward(dh, cache.act[l - 1]);
      const layer = linearBackward(dpre, cache.inputs[l - 1], params[`W${l}`]);
      grads[`W${l}`] = layer.dW;
      grads[`b${l}`] = layer.db;
      da = layer.dx;
    }
    if (out.dxDirect) da = add(da, out.dxDirect); // the direct connections' share of dx
    grads.E = embeddingBackward(da, cache.contexts, this.config.vocabSize);
    // Same key order as the parameters, so records line up when printed side by side.
    const ordered: Record<string, Matrix> = {};
    for (const name of Object.keys(this.shapes())) ordered[name] = grads[name];
    return ordered;
  }

  /**
   * Mean cross-entropy (nats per word) of the batch, in evaluation mode unless `options.train`,
   * computed from the scores with log-sum-exp (`softmaxCrossEntropy`), so it stays finite where a
   * probability would round to 0.
   *
   * @example
   * ```ts
   * import { assertAlmostEquals } from "@std/assert";
   * import { MiniNeuralLM } from "./model.ts";
   * import { indexMatrix } from "./tensor.ts";
   * const model = new MiniNeuralLM({ vocabSize: 50, contextSize: 2, embedDim: 4, hidden: [8] });
   * const params = model.init(0);
   * // an untrained model is close to uniform: loss ≈ ln |V|
   * assertAlmostEquals(model.loss(params, indexMatrix([[1, 2]]), [3]), Math.log(50), 0.5);
   * ```
   */
  loss(
    params: ModelParams,
    contexts: IndexMatrix,
    targets: ArrayLike<number>,
    options: ForwardOptions = {},
  ): number {
    const { output } = this.forward(params, contexts, { ...options, targets });
    return this.lossFromScores(output, targets);
  }

  /**
   * The mean cross-entropy of a batch from the output scores of {@linkcode MiniNeuralLM.forward},
   * with log-sum-exp: `softmaxCrossEntropy(scores, targets)` for the full softmax,
   * `classSoftmaxLoss` for a class-factored output (whose forward needs `options.targets`).
   * Either way the exact `−(1/B) Σ_b log p(t_b | context_b)` of a normalised distribution.
   *
   * @example
   * ```ts
   * import { assertAlmostEquals } from "@std/assert";
   * import { classOutput, MiniNeuralLM } from "./model.ts";
   * import { indexMatrix } from "./tensor.ts";
   * const output = classOutput([9, 5, 3, 2, 1, 1], 2);
   * const model = new MiniNeuralLM({ vocabSize: 6, contextSize: 1, embedDim: 3, hidden: [4], output });
   * const params = model.init(0), contexts = indexMatrix([[1], [2]]), targets = [3, 0];
   * const { output: scores, probs } = model.forward(params, contexts, { targets });
   * const exact = -(Math.log(probs.get(0, 3)) + Math.log(probs.get(1, 0))) / 2;
   * assertAlmostEquals(model.lossFromScores(scores, targets), exact, 1e-12);
   * ```
   */
  lossFromScores(output: OutputScores, targets: ArrayLike<number>): number {
    return outputLoss("MiniNeuralLM.lossFromScores", output, targets);
  }
}
