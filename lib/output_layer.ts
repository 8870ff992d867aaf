/**
 * The model's output layer, two ways: the full softmax over the vocabulary, or the
 * class-factored softmax (`nn/class_softmax.ts`). `MiniNeuralLM` (`model.ts`) calls these on the
 * last hidden layer's output `a`; the model config's `output` field picks one.
 *
 * ```text
 * softmax   scores = Wout·a + bout (+ Wdirect·x)      L = logsumexp(s) − s[t]
 * classes   u = Wclass·a + bclass,  v = Wout[class c(t)]·a + bout[class c(t)]
 *           L = logsumexp(u) − u[c(t)] + logsumexp(v) − v[t]
 * ```
 *
 * @module
 */

import { argError, describeValue } from "./errors.ts";
import { linearBackward, linearForward } from "./nn/linear.ts";
import { softmax } from "./nn/softmax.ts";
import { softmaxCrossEntropy, softmaxCrossEntropyBackward } from "./nn/cross_entropy.ts";
import {
  type ClassLayout,
  classLayout,
  type ClassScores,
  classSoftmaxBackward,
  classSoftmaxForward,
  classSoftmaxLogProbs,
  classSoftmaxLoss,
  frequencyClasses,
} from "./nn/class_softmax.ts";
import { zerosInit } from "./nn/init.ts";
import type { ForwardCache, ForwardResult, ModelConfig } from "./model.ts";
import { add, type Matrix } from "./tensor.ts";

/**
 * Which output layer a model has: the full softmax over `|V|` words, or `classes` word classes
 * (`classOf[w]` the class of word `w`), each word's probability a class's times the word's
 * within its class. {@linkcode classOutput} makes the second from the training counts.
 */
export type OutputConfig = { kind: "softmax" } | ClassOutputConfig;

/** A class-factored output: `classes` word classes, `classOf[w]` the class of word `w`. */
export interface ClassOutputConfig {
  /** Always `"classes"`. */
  kind: "classes";
  /** `C`, the number of classes, in `[1, |V|]`. */
  classes: number;
  /** The class of every word, integers in `[0, C)`, every class used. */
  classOf: readonly number[];
}

/**
 * A class-factored output of `classes` frequency-binned classes (`frequencyClasses`), ready for
 * the model config's `output` field. `C ≈ sqrt(|V|)` makes training cheapest.
 *
 * @param counts how often each word was seen in the training text, e.g. `Vocabulary.toJSON().counts`
 * @param classes `C`, an integer in `[1, |V|]`
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { classOutput } from "./output_layer.ts";
 * assertEquals(classOutput([5, 50, 10, 30, 5], 2), { kind: "classes", classes: 2, classOf: [1, 0, 1, 1, 1] });
 * ```
 */
export function classOutput(counts: ArrayLike<number>, classes: number): ClassOutputConfig {
  return { kind: "classes", classes, classOf: Array.from(frequencyClasses(counts, classes)) };
}

/**
 * The output scores as the loss and the backward pass need them: the full softmax's scores
 * `[B, |V|]`, or the class scores of `nn/class_softmax.ts` (`null` when `forward` was not given
 * the targets, whose classes they are computed for).
 */
export type OutputScores =
  | { kind: "softmax"; scores: Matrix }
  | { kind: "classes"; scores: ClassScores | null };

/**
 * The output config checked and copied (frozen), or a RangeError/TypeError naming the field.
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { checkOutputConfig } from "./output_layer.ts";
 * const output = { kind: "classes", classes: 2, classOf: [0, 1, 1] } as const;
 * assertEquals(checkOutputConfig("demo", output, 3, false), output);
 * assertThrows(() => checkOutputConfig("demo", output, 3, true), RangeError, "config.directConnections");
 * ```
 */
export function checkOutputConfig(
  fn: string,
  output: unknown,
  vocabSize: number,
  directConnections: boolean,
): Readonly<OutputConfig> {
  const o = output as Record<string, unknown> | null;
  const kinds = `{ kind: "softmax" } or { kind: "classes", classes, classOf }`;
  if (o === null || typeof o !== "object") {
    throw argError(fn, "config.output", kinds, describeValue(output), TypeError);
  }
  if (o.kind === "softmax") return Object.freeze({ kind: "softmax" });
  if (o.kind !== "classes") throw argError(fn, "config.output.kind", kinds, describeValue(o.kind));
  const C = o.classes;
  if (typeof C !== "number" || !Number.isInteger(C) || C < 1 || C > vocabSize) {
    throw argError(
      fn,
      "config.output.classes",
      `an integer in [1, ${vocabSize}]`,
      describeValue(C),
    );
  }
  const classOf = o.classOf as ArrayLike<number>;
  if (classOf === null || typeof classOf !== "object" || classOf.length !== vocabSize) {
    throw argError(
      fn,
      "config.output.classOf",
      `the class of each of the ${vocabSize} words (see classOutput())`,
      describeValue(classOf),
    );
  }
  if (directConnections) {
    throw argError(
      fn,
      "config.directConnections",
      "false with a class-factored output (direct connections feed the full softmax only)",
      "true",
    );
  }
  try {
    classLayout(classOf, C);
  } catch (error) {
    throw argError(
      fn,
      "config.output.classOf",
      "a class of every word, no class empty",
      (error as Error).message,
    );
  }
  return Object.freeze({
    kind: "classes",
    classes: C,
    classOf: Object.freeze(Array.from(classOf)),
  });
}

/**
 * The layout of a class-factored output (`null` for the full softmax).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { outputLayout } from "./output_layer.ts";
 * assertEquals(Array.from(outputLayout({ kind: "classes", classes: 2, classOf: [1, 0, 1] })!.words), [1, 0, 2]);
 * assertEquals(outputLayout({ kind: "softmax" }), null);
 * ```
 */
export function outputLayout(output: Readonly<OutputConfig>): ClassLayout | null {
  return output.kind === "classes" ? classLayout(output.classOf, output.classes) : null;
}

/**
 * Names and shapes of the output parameters, after the hidden layers (width `h`).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { outputShapes } from "./output_layer.ts";
 * const output = { kind: "classes", classes: 2, classOf: [1, 0, 1] } as const;
 * assertEquals(outputShapes(output, 3, 4), { Wout: [3, 4], bout: [1, 3], Wclass: [2, 4], bclass: [1, 2] });
 * ```
 */
export function outputShapes(
  output: Readonly<OutputConfig>,
  vocabSize: number,
  width: number,
): Record<string, [number, number]> {
  const shapes: Record<string, [number, number]> = {
    Wout: [vocabSize, width],
    bout: [1, vocabSize],
  };
  if (output.kind === "classes") {
    shapes.Wclass = [output.classes, width];
    shapes.bclass = [1, output.classes];
  }
  return shapes;
}

/** What {@linkcode outputForward} gives back to the model's forward pass. */
export interface OutputForward {
  /** The pieces for the loss and the backward pass. */
  output: OutputScores;
  /** The full softmax's scores, or (classes) the exact `log p` over `|V|`, made when called. */
  scores: () => Matrix;
  /** `softmax(scores)`, the next-word distribution over `|V|`, made when called. */
  probs: () => Matrix;
}

function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

/**
 * The output layer's forward pass on the last hidden output `a` (and the embeddings `x`, for
 * direct connections). The full softmax computes its scores and probabilities at once, as it
 * always did; a class-factored output computes the class scores of the targets' classes (when
 * `targets` is given), and its full distribution only when asked for.
 *
 * @example
 * ```ts
 * import { assertAlmostEquals, assertEquals } from "@std/assert";
 * import { classOutput, MiniNeuralLM } from "./model.ts";
 * import { outputBackward, outputForward, outputLayout, outputLoss } from "./output_layer.ts";
 * import { matrix } from "./tensor.ts";
 * const model = new MiniNeuralLM({ vocabSize: 4, hidden: [2], output: classOutput([4, 3, 2, 1], 2) });
 * const params = model.init(0), layout = outputLayout(model.config.output);
 * const a = matrix([[0.5, -1]]), targets = new Int32Array([3]);
 * const out = outputForward(model.config, layout, params, a, a, targets);
 * assertAlmostEquals(outputLoss("demo", out.output, targets), -Math.log(out.probs().get(0, 3)), 1e-12);
 * const back = outputBackward(model.config, layout, out.output, params, out.probs, a, a, targets);
 * assertEquals(Object.keys(back.grads), ["Wout", "bout", "Wclass", "bclass"]);
 * ```
 */
export function outputForward(
  config: Readonly<ModelConfig>,
  layout: ClassLayout | null,
  params: Readonly<Record<string, Matrix>>,
  a: Matrix,
  x: Matrix,
  targets: Int32Array | undefined,
): OutputForward {
  if (config.output.kind === "softmax") {
    let scores = linearForward(a, params.Wout, params.bout);
    if (config.directConnections) {
      const zero = zerosInit(1, params.Wout.rows, x.dtype);
      scores = add(scores, linearForward(x, params.Wdirect, zero));
    }
    const probs = softmax(scores);
    return { output: { kind: "softmax", scores }, scores: () => scores, probs: () => probs };
  }
  const { Wclass, bclass, Wout, bout } = params;
  const scores = targets === undefined
    ? null
    : classSoftmaxForward(a, Wclass, bclass, Wout, bout, layout!, targets);
  const logProbs = once(() => classSoftmaxLogProbs(a, Wclass, bclass, Wout, bout, layout!));
  const probs = once(() => {
    const lp = logProbs(), p = zerosInit(lp.rows, lp.cols, lp.dtype);
    for (let k = 0; k < lp.data.length; k++) p.data[k] = Math.exp(lp.data[k]);
    return p;
  });
  return { output: { kind: "classes", scores }, scores: logProbs, probs };
}

/**
 * `forward`'s result from the output layer's pieces, `cache.probs` and `cache.output` filled in.
 * The full softmax's scores and probabilities are plain fields, made at once as they always
 * were; a class-factored output makes its full distribution over `|V|` only when it is read.
 *
 * @example
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { classOutput, MiniNeuralLM } from "./model.ts";
 * import { indexMatrix } from "./tensor.ts";
 * const model = new MiniNeuralLM({ vocabSize: 4, contextSize: 1, output: classOutput([4, 3, 2, 1], 2) });
 * const result = model.forward(model.init(0), indexMatrix([[1]]), { targets: [2] }); // calls forwardResult
 * assert(Object.getOwnPropertyDescriptor(result, "probs")!.get); // made when read
 * assertEquals(result.probs.shape, [1, 4]);
 * ```
 */
export function forwardResult(out: OutputForward, cache: ForwardCache): ForwardResult {
  cache.output = out.output;
  if (out.output.kind === "softmax") {
    cache.probs = out.probs();
    return { scores: out.scores(), probs: cache.probs, output: out.output, cache };
  }
  const lazy = (get: () => Matrix) => ({ get, enumerable: true });
  Object.defineProperty(cache, "probs", lazy(out.probs));
  return Object.defineProperties({ output: out.output, cache }, {
    scores: lazy(out.scores),
    probs: lazy(out.probs),
  }) as ForwardResult;
}

/**
 * The mean cross-entropy of a batch from its output scores, with log-sum-exp: the full
 * softmax's `softmaxCrossEntropy`, or the class-factored `classSoftmaxLoss`. (Example: see
 * {@linkcode outputForward}.)
 */
export function outputLoss(fn: string, output: OutputScores, targets: ArrayLike<number>): number {
  if (output?.kind === "softmax") return softmaxCrossEntropy(output.scores, targets);
  if (output?.kind !== "classes") {
    throw argError(
      fn,
      "output",
      "the output of MiniNeuralLM.forward",
      describeValue(output),
      TypeError,
    );
  }
  if (output.scores === null) {
    throw argError(
      fn,
      "output",
      "class scores for the targets (pass options.targets to forward)",
      "a forward pass without targets",
    );
  }
  return classSoftmaxLoss(output.scores, targets);
}

/** The output layer's gradients and the gradient `da` reaching the last hidden output. */
export interface OutputBackward {
  /** Gradients of the output parameters (`Wout`, `bout`, and `Wdirect` or `Wclass`, `bclass`). */
  grads: Record<string, Matrix>;
  /** Gradient with respect to the last hidden output `a`. */
  da: Matrix;
  /** Gradient reaching the embeddings `x` through the direct connections, if any. */
  dxDirect: Matrix | null;
}

/**
 * The output layer's backward pass for the mean cross-entropy. The full softmax: `dscores =
 * (probs − onehot) / B`, then the affine layers. Classes: `classSoftmaxBackward`, the class
 * scores recomputed here if the forward pass had other targets or none. (Example: see
 * {@linkcode outputForward}.)
 */
export function outputBackward(
  config: Readonly<ModelConfig>,
  layout: ClassLayout | null,
  output: OutputScores,
  params: Readonly<Record<string, Matrix>>,
  probs: () => Matrix,
  a: Matrix,
  x: Matrix,
  targets: ArrayLike<number>,
): OutputBackward {
  if (config.output.kind === "softmax") {
    const dscores = softmaxCrossEntropyBackward(probs(), targets);
    const out = linearBackward(dscores, a, params.Wout);
    const grads: Record<string, Matrix> = { Wout: out.dW, bout: out.db };
    let dxDirect: Matrix | null = null;
    if (config.directConnections) {
      const direct = linearBackward(dscores, x, params.Wdirect);
      grads.Wdirect = direct.dW;
      dxDirect = direct.dx;
    }
    return { grads, da: out.dx, dxDirect };
  }
  if (output?.kind !== "classes") {
    throw argError(
      "MiniNeuralLM.backward",
      "cache.output",
      "the cache of this model's forward",
      describeValue(output),
    );
  }
  const { Wclass, bclass, Wout, bout } = params;
  const same = output.scores !== null && output.scores.targets.length === targets.length &&
    output.scores.targets.every((t, b) => t === targets[b]);
  const scores = same
    ? output.scores!
    : classSoftmaxForward(a, Wclass, bclass, Wout, bout, layout!, targets);
  const g = classSoftmaxBackward(scores, targets, a, Wclass, Wout);
  return {
    grads: { Wout: g.dWout, bout: g.dbout, Wclass: g.dWclass, bclass: g.dbclass },
    da: g.dh,
    dxDirect: null,
  };
}
