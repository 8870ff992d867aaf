/**
 * The class-factored softmax (Goodman 2001; Mikolov et al. 2011): every word belongs to one
 * class `c(w)`, and the next-word probability is a product of two small softmaxes,
 *
 * ```text
 * p(w | h)        = p(c(w) | h) · p(w | c(w), h)
 * class scores    u[b][c] = Wclass[c]·h_b + bclass[c]                   [B, C]
 * word scores     v[b][w] = Wout[w]·h_b + bout[w],  w in class c_b      [size of class c_b]
 * loss            L = (1/B) Σ_b ( logsumexp(u_b) − u_b[c_b] ) + ( logsumexp(v_b) − v_b[t_b] )
 * backward        du = (softmax(u_b) − onehot(c_b)) / B     over the C classes
 *                 dv = (softmax(v_b) − onehot(t_b)) / B     over the words of c_b only
 *                 dh = duᵀ·Wclass + dvᵀ·Wout[class c_b],  dWout: rows of class c_b only
 * ```
 *
 * `c_b = c(t_b)` is the class of row `b`'s target. Training needs the scores of the target's
 * class only: with `C ≈ sqrt(|V|)` classes of about `sqrt(|V|)` words, a row costs
 * `O(sqrt(|V|)·h)` instead of the full softmax's `O(|V|·h)`. The probabilities stay exactly
 * normalised over `|V|` (each factor is a softmax), so perplexities compare with the full
 * softmax's: {@linkcode classSoftmaxLogProbs} gives the whole distribution.
 *
 * The classes come from `./word_classes.ts` (`frequencyClasses`, `classLayout`).
 *
 * @module
 */

import { argError, describeValue } from "../errors.ts";
import { checkMatrix, checkNonEmpty, type Matrix, toTargets, zeros } from "../tensor.ts";
import { softmaxCrossEntropy, softmaxCrossEntropyBackward } from "./cross_entropy.ts";
import { linearBackward, linearForward } from "./linear.ts";
import { logSoftmax, softmax } from "./softmax.ts";
import type { ClassLayout } from "./word_classes.ts";

export { type ClassLayout, classLayout, frequencyClasses } from "./word_classes.ts";

/** What {@linkcode classSoftmaxForward} computes: the scores the loss and the backward need. */
export interface ClassScores {
  /** `u = Wclass·h + bclass`, the class scores, `[B, C]`. */
  classScores: Matrix;
  /** `c_b`, the class of each row's target, `[B]`. */
  targetClass: Int32Array;
  /**
   * `wordScores[b][k]`: the score of the `k`-th word of class `c_b` (the word
   * `layout.words[layout.start[c_b] + k]`), for the words of that class only (float64).
   */
  wordScores: Float64Array[];
  /** The targets these scores were computed for, `[B]`. */
  targets: Int32Array;
  /** The class structure. */
  layout: ClassLayout;
}

/** The gradients {@linkcode classSoftmaxBackward} returns (sums over the batch of the mean loss). */
export interface ClassSoftmaxGrads {
  /** With respect to the hidden activations, `[B, h]`. */
  dh: Matrix;
  /** With respect to the class weights, `[C, h]`. */
  dWclass: Matrix;
  /** With respect to the class biases, `[1, C]`. */
  dbclass: Matrix;
  /** With respect to the word weights, `[|V|, h]`: zero outside the rows of the targets' classes. */
  dWout: Matrix;
  /** With respect to the word biases, `[1, |V|]`: zero outside the targets' classes. */
  dbout: Matrix;
}

function checkLayout(fn: string, layout: ClassLayout, V: number): void {
  if (
    layout === null || typeof layout !== "object" || !(layout.classOf instanceof Int32Array) ||
    !(layout.start instanceof Int32Array) || !(layout.words instanceof Int32Array)
  ) {
    throw argError(
      fn,
      "layout",
      "a ClassLayout (see classLayout())",
      describeValue(layout),
      TypeError,
    );
  }
  if (layout.classOf.length !== V) {
    throw argError(
      fn,
      "layout",
      `the classes of ${V} words (Wout.rows)`,
      `${layout.classOf.length}`,
    );
  }
}

function checkWeights(fn: string, h: Matrix, Wclass: Matrix, Wout: Matrix, layout: ClassLayout) {
  checkMatrix(fn, "h", h);
  checkNonEmpty(fn, "h", h);
  checkMatrix(fn, "Wout", Wout, [undefined, h.cols], "|V| x h, h = h.cols");
  checkLayout(fn, layout, Wout.rows);
  checkMatrix(fn, "Wclass", Wclass, [layout.classes, h.cols], "C x h, C = layout.classes");
}

function checkScores(fn: string, scores: ClassScores, targets: ArrayLike<number>): void {
  if (scores === null || typeof scores !== "object" || !Array.isArray(scores.wordScores)) {
    throw argError(
      fn,
      "scores",
      "the ClassScores of classSoftmaxForward",
      describeValue(scores),
      TypeError,
    );
  }
  const t = toTargets(fn, "targets", targets, scores.targets.length, scores.layout.classOf.length);
  for (let b = 0; b < t.length; b++) {
    if (t[b] !== scores.targets[b]) {
      throw argError(
        fn,
        `targets[${b}]`,
        `${scores.targets[b]}, the target given to classSoftmaxForward`,
        `${t[b]}`,
      );
    }
  }
}

/** `log Σ_k exp(v_k)`, shifted by the maximum so that nothing overflows. */
function logSumExp(v: ArrayLike<number>): number {
  let max = -Infinity;
  for (let k = 0; k < v.length; k++) if (v[k] > max) max = v[k];
  let sum = 0;
  for (let k = 0; k < v.length; k++) sum += Math.exp(v[k] - max);
  return max + Math.log(sum);
}

/**
 * The training forward pass: the class scores of every row, and the word scores of the
 * target's class only,
 *
 * ```text
 * u[b][c] = Wclass[c]·h_b + bclass[c]                 every class c
 * v[b][k] = Wout[w]·h_b + bout[w]                     w = k-th word of class c_b = c(t_b)
 * ```
 *
 * @param h the hidden activations, `[B, h]`, at least one row
 * @param Wclass class weights `[C, h]`; `bclass` class biases `[1, C]`
 * @param Wout word weights `[|V|, h]`; `bout` word biases `[1, |V|]`
 * @param layout the classes, from `classLayout`
 * @param targets `B` target words in `[0, |V|)`
 * @returns the {@linkcode ClassScores}
 * @throws {TypeError} for an argument of the wrong type
 * @throws {RangeError} for shapes that do not fit together or bad targets
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { matrix } from "../tensor.ts";
 * import { classLayout, classSoftmaxForward } from "./class_softmax.ts";
 * const layout = classLayout([0, 0, 1], 2); // words 0, 1 in class 0; word 2 in class 1
 * const h = matrix([[1, 2]]);
 * const s = classSoftmaxForward(h, matrix([[1, 0], [0, 1]]), matrix([[0, 0]]),
 *   matrix([[1, 1], [0, 1], [5, 5]]), matrix([[0, 0, 0]]), layout, [1]);
 * assertEquals(s.classScores.toArrays(), [[1, 2]]);
 * assertEquals(Array.from(s.wordScores[0]), [3, 2]); // only class 0's words: 1 + 2, 0 + 2
 * ```
 */
export function classSoftmaxForward(
  h: Matrix,
  Wclass: Matrix,
  bclass: Matrix,
  Wout: Matrix,
  bout: Matrix,
  layout: ClassLayout,
  targets: ArrayLike<number>,
): ClassScores {
  const fn = "classSoftmaxForward";
  checkWeights(fn, h, Wclass, Wout, layout);
  checkMatrix(fn, "bclass", bclass, [1, layout.classes], "1 x C");
  checkMatrix(fn, "bout", bout, [1, Wout.rows], "1 x |V|");
  const t = toTargets(fn, "targets", targets, h.rows, Wout.rows);
  const width = h.cols;
  const targetClass = new Int32Array(h.rows);
  const wordScores: Float64Array[] = [];
  for (let b = 0; b < h.rows; b++) {
    const c = layout.classOf[t[b]];
    const first = layout.start[c], size = layout.start[c + 1] - first;
    const v = new Float64Array(size);
    for (let k = 0; k < size; k++) {
      const w = layout.words[first + k];
      let sum = bout.data[w];
      for (let i = 0; i < width; i++) sum += Wout.data[w * width + i] * h.data[b * width + i];
      v[k] = sum;
    }
    targetClass[b] = c;
    wordScores.push(v);
  }
  const classScores = linearForward(h, Wclass, bclass);
  return { classScores, targetClass, wordScores, targets: t, layout };
}

/**
 * The mean cross-entropy of the batch from its class scores, with log-sum-exp:
 *
 * ```text
 * L = (1/B) Σ_b  [logsumexp(u_b) − u_b[c_b]]  +  [logsumexp(v_b) − v_b[t_b]]
 *   = −(1/B) Σ_b  log p(c_b | h_b) + log p(t_b | c_b, h_b)  =  −(1/B) Σ_b log p(t_b | h_b)
 * ```
 *
 * It is the exact cross-entropy of the normalised distribution `p(w | h)` over all `|V|` words,
 * the same quantity as the full softmax's loss, in nats.
 *
 * @param scores the output of {@linkcode classSoftmaxForward}
 * @param targets the same targets that were given to it
 * @returns the mean loss `L >= 0`
 * @throws {TypeError} when `scores` is not a ClassScores
 * @throws {RangeError} when `targets` differ from those of `scores`
 *
 * @example
 * ```ts
 * import { assertAlmostEquals } from "@std/assert";
 * import { matrix } from "../tensor.ts";
 * import { classLayout, classSoftmaxForward, classSoftmaxLoss } from "./class_softmax.ts";
 * const layout = classLayout([0, 0, 1], 2);
 * const zero = (r: number, c: number) => matrix(Array.from({ length: r }, () => new Array(c).fill(0)));
 * const s = classSoftmaxForward(matrix([[1, 2]]), zero(2, 2), zero(1, 2), zero(3, 2), zero(1, 3), layout, [1]);
 * // all scores 0: p(class 0) = 1/2, p(word 1 | class 0) = 1/2
 * assertAlmostEquals(classSoftmaxLoss(s, [1]), Math.log(4), 1e-15);
 * ```
 */
export function classSoftmaxLoss(scores: ClassScores, targets: ArrayLike<number>): number {
  const fn = "classSoftmaxLoss";
  checkScores(fn, scores, targets);
  const { targets: t, layout, wordScores } = scores;
  let within = 0;
  for (let b = 0; b < t.length; b++) {
    within += logSumExp(wordScores[b]) - wordScores[b][layout.slot[t[b]]];
  }
  return softmaxCrossEntropy(scores.classScores, scores.targetClass) + within / t.length;
}

/**
 * The backward pass of {@linkcode classSoftmaxLoss} through {@linkcode classSoftmaxForward}:
 *
 * ```text
 * du_b = (softmax(u_b) − onehot(c_b)) / B                    [C]
 * dv_b = (softmax(v_b) − onehot(slot of t_b)) / B            [size of class c_b]
 * dWclass, dbclass, dh = linearBackward(du, h, Wclass)
 * dWout[w] += dv_b[k]·h_b,  dbout[w] += dv_b[k],  dh_b += dv_b[k]·Wout[w]   (w = k-th word of c_b)
 * ```
 *
 * Each piece is a softmax's fused cross-entropy gradient (see `softmaxCrossEntropyBackward`):
 * the class softmax over all `C` classes, the word softmax over the words of `c_b` only. The
 * rows of `Wout` outside the targets' classes get exactly 0. The outputs have the dtype of `h`.
 *
 * @param scores the output of {@linkcode classSoftmaxForward}
 * @param targets the same targets that were given to it
 * @param h the hidden activations given to it, `[B, h]`
 * @param Wclass the class weights `[C, h]`; `Wout` the word weights `[|V|, h]`
 * @returns `{ dh, dWclass, dbclass, dWout, dbout }`
 * @throws {TypeError} for an argument of the wrong type
 * @throws {RangeError} for shapes that do not fit, or targets that differ from those of `scores`
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { matrix } from "../tensor.ts";
 * import { classLayout, classSoftmaxBackward, classSoftmaxForward } from "./class_softmax.ts";
 * const layout = classLayout([0, 0, 1], 2);
 * const h = matrix([[1, 2]]), Wclass = matrix([[0, 0], [0, 0]]), Wout = matrix([[0, 0], [0, 0], [0, 0]]);
 * const s = classSoftmaxForward(h, Wclass, matrix([[0, 0]]), Wout, matrix([[0, 0, 0]]), layout, [1]);
 * const g = classSoftmaxBackward(s, [1], h, Wclass, Wout);
 * assertEquals(g.dbclass.toArrays(), [[-0.5, 0.5]]); // (softmax(u) − onehot(class 0)) / 1
 * assertEquals(g.dbout.toArrays(), [[0.5, -0.5, 0]]); // word 2 is in another class: 0
 * ```
 */
export function classSoftmaxBackward(
  scores: ClassScores,
  targets: ArrayLike<number>,
  h: Matrix,
  Wclass: Matrix,
  Wout: Matrix,
): ClassSoftmaxGrads {
  const fn = "classSoftmaxBackward";
  checkScores(fn, scores, targets);
  checkWeights(fn, h, Wclass, Wout, scores.layout);
  if (h.rows !== scores.targets.length) {
    throw argError(fn, "h", `${scores.targets.length} rows (one per target)`, `${h.rows}`);
  }
  const { targets: t, layout, wordScores } = scores;
  const B = h.rows, width = h.cols;

  // The class softmax: an ordinary softmax over C classes, then an affine layer.
  const du = softmaxCrossEntropyBackward(softmax(scores.classScores), scores.targetClass);
  const { dx: dh, dW: dWclass, db: dbclass } = linearBackward(du, h, Wclass);

  // The word softmax of each row: over the words of its target's class only.
  const dWout = zeros(Wout.rows, width, h.dtype);
  const dbout = zeros(1, Wout.rows, h.dtype);
  const dhWords = new Float64Array(width);
  for (let b = 0; b < B; b++) {
    const v = wordScores[b];
    const first = layout.start[scores.targetClass[b]];
    const norm = logSumExp(v);
    dhWords.fill(0);
    for (let k = 0; k < v.length; k++) {
      const g = (Math.exp(v[k] - norm) - (k === layout.slot[t[b]] ? 1 : 0)) / B;
      const w = layout.words[first + k];
      dbout.data[w] += g;
      for (let i = 0; i < width; i++) {
        dWout.data[w * width + i] += g * h.data[b * width + i];
        dhWords[i] += g * Wout.data[w * width + i];
      }
    }
    for (let i = 0; i < width; i++) dh.data[b * width + i] += dhWords[i];
  }
  return { dh, dWclass, dbclass, dWout, dbout };
}

/**
 * The whole next-word distribution, as log-probabilities over all `|V|` words:
 *
 * ```text
 * log p(w | h_b) = log softmax(u_b)[c(w)] + v_b[w] − logsumexp_{w' in class c(w)} v_b[w']
 * ```
 *
 * with `u = Wclass·h + bclass` and `v = Wout·h + bout` for every word. Each row sums to 1 in
 * probability (each factor is normalised), so `exp` of a row is a distribution, and its log
 * serves as scores wherever a full softmax's scores would (`softmax(log p) = p`). Costs as much
 * as the full softmax: for evaluation and generation, not for training.
 *
 * @param h the hidden activations, `[B, h]`, at least one row
 * @param Wclass class weights `[C, h]`; `bclass` class biases `[1, C]`
 * @param Wout word weights `[|V|, h]`; `bout` word biases `[1, |V|]`
 * @param layout the classes, from `classLayout`
 * @returns `log p`, `[B, |V|]`, in the dtype of `h`
 * @throws {TypeError} for an argument of the wrong type
 * @throws {RangeError} for shapes that do not fit together
 *
 * @example
 * ```ts
 * import { assertAlmostEquals } from "@std/assert";
 * import { matrix } from "../tensor.ts";
 * import { classLayout, classSoftmaxLogProbs } from "./class_softmax.ts";
 * const lp = classSoftmaxLogProbs(matrix([[1, -1]]), matrix([[1, 0], [0, 1]]), matrix([[0, 0]]),
 *   matrix([[1, 0], [0, 1], [2, 2]]), matrix([[0, 0, 0]]), classLayout([0, 0, 1], 2));
 * assertAlmostEquals(lp.row(0).reduce((s, x) => s + Math.exp(x), 0), 1, 1e-15);
 * assertAlmostEquals(lp.get(0, 2), -Math.log(1 + Math.exp(2)), 1e-15); // alone in class 1
 * ```
 */
export function classSoftmaxLogProbs(
  h: Matrix,
  Wclass: Matrix,
  bclass: Matrix,
  Wout: Matrix,
  bout: Matrix,
  layout: ClassLayout,
): Matrix {
  const fn = "classSoftmaxLogProbs";
  checkWeights(fn, h, Wclass, Wout, layout);
  checkMatrix(fn, "bclass", bclass, [1, layout.classes], "1 x C");
  checkMatrix(fn, "bout", bout, [1, Wout.rows], "1 x |V|");
  const classLog = logSoftmax(linearForward(h, Wclass, bclass));
  const v = linearForward(h, Wout, bout);
  const V = Wout.rows, C = layout.classes;
  const lp = zeros(h.rows, V, h.dtype);
  const inClass = new Float64Array(V);
  for (let b = 0; b < h.rows; b++) {
    for (let c = 0; c < C; c++) {
      const first = layout.start[c], size = layout.start[c + 1] - first;
      for (let k = 0; k < size; k++) inClass[k] = v.data[b * V + layout.words[first + k]];
      const norm = logSumExp(inClass.subarray(0, size));
      for (let k = 0; k < size; k++) {
        const w = layout.words[first + k];
        lp.data[b * V + w] = classLog.data[b * C + c] + inClass[k] - norm;
      }
    }
  }
  return lp;
}
