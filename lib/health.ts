/**
 * Health statistics of a network: what its activations, gradients and updates look like, so that
 * a bad initialisation or learning rate shows before the loss curve gives it away.
 *
 * ```text
 * histogramCounts(values, bins, [lo, hi])  counts per bin of width w = (hi − lo) / bins
 * layerStatistics(model, params, contexts) z_l and h_l of each hidden layer, mean and std
 * deadUnitShare(h)                         (1/H) Σ_j 1[h_bj = 0 for every b]      (ReLU)
 * saturatedShare(h, 0.97)                  (1/(B·H)) Σ_b Σ_j 1[|h_bj| > 0.97]    (tanh)
 * saturationMask(h, 0.97)                  1[|h_bj| > 0.97] as a matrix, for a heatmap
 * frobeniusNorm(M), gradientNorms(g)       ‖G‖_F = sqrt(Σ_ij G_ij²) per parameter
 * updateRatios(W, m, lr)                   lr·‖m‖_F / ‖W‖_F per parameter (healthy: near 1e-3)
 * ```
 *
 * Every function is pure and reads its arguments only. These are statistics of the model, not
 * displays; `lib/notebook/mod.ts` re-exports them for the notebooks.
 *
 * @module
 */

import { argError, describeValue } from "./errors.ts";
import type { MiniNeuralLM, ModelParams } from "./model.ts";
import { checkMatrix, type IndexMatrix, Matrix, type MatrixStats, stats } from "./tensor.ts";

/** The counts of {@linkcode histogramCounts}. */
export interface Histogram {
  /** The `bins + 1` bin edges, from `lo` to `hi`. */
  edges: number[];
  /** The centre of each bin (for a line or bar plot). */
  centers: number[];
  /** How many values fell in each bin; the last bin includes `hi`. */
  counts: number[];
  /** Values below `lo` (counted in no bin). */
  below: number;
  /** Values above `hi` (counted in no bin). */
  above: number;
  /** All values: `below + Σ counts + above`. */
  total: number;
}

/**
 * Counts of values in `bins` equal bins over `[lo, hi]`:
 *
 * ```text
 * w = (hi − lo) / bins,   value v goes to bin k = floor((v − lo) / w)   (v = hi: the last bin)
 * ```
 *
 * Values outside the range are counted in `below` and `above`, so nothing is lost silently: a
 * histogram of activations with a fixed range shows when they spread beyond it.
 *
 * @param values finite numbers (a `Matrix`'s `data`, an array)
 * @param bins number of bins, a positive integer
 * @param range `[lo, hi]` with `lo < hi`, both finite
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { histogramCounts } from "./health.ts";
 * const h = histogramCounts([-2, -0.5, 0, 0.25, 1, 3], 2, [-1, 1]);
 * assertEquals(h.edges, [-1, 0, 1]);
 * assertEquals(h.counts, [1, 3]); // [-1, 0): −0.5;  [0, 1]: 0, 0.25, 1
 * assertEquals([h.below, h.above, h.total], [1, 1, 6]);
 * ```
 */
export function histogramCounts(
  values: ArrayLike<number>,
  bins: number,
  range: readonly [number, number],
): Histogram {
  const fn = "histogramCounts";
  if (values === null || typeof values !== "object" || typeof values.length !== "number") {
    throw argError(fn, "values", "an array of numbers", describeValue(values), TypeError);
  }
  if (!Number.isInteger(bins) || bins < 1) {
    throw argError(fn, "bins", "a positive integer", describeValue(bins));
  }
  if (!Array.isArray(range) || range.length !== 2) {
    throw argError(fn, "range", "[lo, hi]", describeValue(range), TypeError);
  }
  const [lo, hi] = range;
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo < hi)) {
    throw argError(fn, "range", "finite [lo, hi] with lo < hi", `[${lo}, ${hi}]`);
  }
  const width = (hi - lo) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, k) => k === bins ? hi : lo + k * width);
  const centers = Array.from({ length: bins }, (_, k) => (edges[k] + edges[k + 1]) / 2);
  const counts = new Array<number>(bins).fill(0);
  let below = 0, above = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== "number" || Number.isNaN(v)) {
      throw argError(fn, `values[${i}]`, "a number", describeValue(v));
    }
    if (v < lo) below++;
    else if (v > hi) above++;
    else counts[Math.min(bins - 1, Math.floor((v - lo) / width))]++;
  }
  return { edges, centers, counts, below, above, total: values.length };
}

/** One hidden layer as {@linkcode layerStatistics} sees it. */
export interface LayerStatistics {
  /** The layer, from 1. */
  layer: number;
  /** Pre-activations `z_l = a_{l−1}·W_lᵀ + b_l`, `[B, h_l]`. */
  pre: Matrix;
  /** Activations `h_l = act(z_l)`, `[B, h_l]`. */
  act: Matrix;
  /** min, mean, max, std of `z_l` over the whole batch. */
  preStats: MatrixStats;
  /** min, mean, max, std of `h_l` over the whole batch. */
  actStats: MatrixStats;
  /** {@linkcode deadUnitShare} of `h_l` (ReLU units that are 0 for every example). */
  deadShare: number;
  /** {@linkcode saturatedShare} of `h_l` at 0.97 (tanh activations in the flat tails). */
  saturatedShare: number;
}

/**
 * The pre-activations and activations of every hidden layer on a batch, in evaluation mode (no
 * dropout), with their statistics:
 *
 * ```text
 * z_l = a_{l−1}·W_lᵀ + b_l,  h_l = act(z_l),  mean = (1/(B·H)) Σ h,  std = sqrt(mean of (h − mean)²)
 * ```
 *
 * @param model the model
 * @param params its parameters
 * @param contexts `[B, n−1]` word indices (a few hundred examples are enough)
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { layerStatistics } from "./health.ts";
 * import { MiniNeuralLM } from "./model.ts";
 * import { indexMatrix } from "./tensor.ts";
 * const model = new MiniNeuralLM({ vocabSize: 5, contextSize: 2, embedDim: 3, hidden: [4, 6] });
 * const layers = layerStatistics(model, model.init(0), indexMatrix([[0, 1], [2, 3], [4, 4]]));
 * assertEquals(layers.map((l) => l.act.shape), [[3, 4], [3, 6]]);
 * assertEquals(layers[0].actStats.min >= 0, true); // ReLU
 * ```
 */
export function layerStatistics(
  model: MiniNeuralLM,
  params: ModelParams,
  contexts: IndexMatrix,
): LayerStatistics[] {
  if (model === null || typeof model !== "object" || typeof model.forward !== "function") {
    throw argError("layerStatistics", "model", "a MiniNeuralLM", describeValue(model), TypeError);
  }
  const { cache } = model.forward(params, contexts);
  return cache.pre.map((pre, l) => {
    const act = cache.act[l];
    return {
      layer: l + 1,
      pre,
      act,
      preStats: stats(pre),
      actStats: stats(act),
      deadShare: deadUnitShare(act),
      saturatedShare: saturatedShare(act),
    };
  });
}

function checkThreshold(fn: string, threshold: number): void {
  if (typeof threshold !== "number" || !(threshold >= 0) || !Number.isFinite(threshold)) {
    throw argError(fn, "threshold", "a finite number >= 0", describeValue(threshold));
  }
}

/**
 * The share of units that are dead on a batch: a unit (column `j`) is dead when the size of its
 * activation is at most `threshold` for every example (row `b`):
 *
 * ```text
 * dead = (1/H) Σ_j 1[ |h_bj| ≤ threshold for every b ]
 * ```
 *
 * A ReLU unit with `z_bj < 0` everywhere passes no gradient (`relu'(z) = 0`) and no longer
 * learns; on a large enough batch a dead unit is dead for good. (A tanh unit is 0 only where
 * `z = 0`, so on real data this share is 0 for tanh: its failure is saturation, see
 * {@linkcode saturatedShare}.)
 *
 * @param act activations `[B, H]`
 * @param threshold largest `|h|` that counts as "off" (default 0, a ReLU's exact zero)
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { deadUnitShare } from "./health.ts";
 * import { matrix } from "./tensor.ts";
 * // column 0 is 0 on both rows; columns 1 and 2 fire at least once
 * assertEquals(deadUnitShare(matrix([[0, 1, 0], [0, 0, 2]])), 1 / 3);
 * ```
 */
export function deadUnitShare(act: Matrix, threshold = 0): number {
  const fn = "deadUnitShare";
  checkMatrix(fn, "act", act);
  checkThreshold(fn, threshold);
  if (act.rows === 0 || act.cols === 0) {
    throw argError(fn, "act", "at least one row and one column", act.describe());
  }
  let dead = 0;
  for (let j = 0; j < act.cols; j++) {
    let off = true;
    for (let b = 0; b < act.rows && off; b++) off = Math.abs(act.get(b, j)) <= threshold;
    if (off) dead++;
  }
  return dead / act.cols;
}

/**
 * The share of activations in the flat tails of tanh, where `tanh'(z) = 1 − h²` is nearly 0 and
 * the gradient that flows back through the unit is cut:
 *
 * ```text
 * saturated = (1/(B·H)) Σ_b Σ_j 1[ |h_bj| > threshold ]      (threshold 0.97: tanh' < 0.06)
 * ```
 *
 * @param act activations `[B, H]`
 * @param threshold the `|h|` above which an activation counts as saturated (default 0.97)
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { saturatedShare } from "./health.ts";
 * import { matrix } from "./tensor.ts";
 * assertEquals(saturatedShare(matrix([[0.99, -0.98], [0.5, 0.97]])), 2 / 4);
 * ```
 */
export function saturatedShare(act: Matrix, threshold = 0.97): number {
  const fn = "saturatedShare";
  checkMatrix(fn, "act", act);
  checkThreshold(fn, threshold);
  if (act.data.length === 0) throw argError(fn, "act", "at least one entry", act.describe());
  let saturated = 0;
  for (let i = 0; i < act.data.length; i++) if (Math.abs(act.data[i]) > threshold) saturated++;
  return saturated / act.data.length;
}

/**
 * Which activations are saturated, as a 0/1 matrix of the same shape (white/black in a heatmap:
 * a column that is 1 on every row is a unit that no longer learns):
 *
 * ```text
 * mask_bj = 1[ |h_bj| > threshold ]
 * ```
 *
 * @param act activations `[B, H]`
 * @param threshold the `|h|` above which an activation counts as saturated (default 0.97)
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { saturationMask } from "./health.ts";
 * import { matrix } from "./tensor.ts";
 * assertEquals(saturationMask(matrix([[0.99, 0.1], [-1, 0]])).toArrays(), [[1, 0], [1, 0]]);
 * ```
 */
export function saturationMask(act: Matrix, threshold = 0.97): Matrix {
  const fn = "saturationMask";
  checkMatrix(fn, "act", act);
  checkThreshold(fn, threshold);
  const out = new Float64Array(act.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.abs(act.data[i]) > threshold ? 1 : 0;
  return new Matrix(act.rows, act.cols, out);
}

/**
 * The Frobenius norm of a matrix, the length of all its entries read as one vector:
 *
 * ```text
 * ‖M‖_F = sqrt( Σ_i Σ_j M_ij² )
 * ```
 *
 * @param m any matrix
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { frobeniusNorm } from "./health.ts";
 * import { matrix } from "./tensor.ts";
 * assertEquals(frobeniusNorm(matrix([[3, 0], [0, -4]])), 5);
 * ```
 */
export function frobeniusNorm(m: Matrix): number {
  checkMatrix("frobeniusNorm", "m", m);
  let squares = 0;
  for (let i = 0; i < m.data.length; i++) squares += m.data[i] * m.data[i];
  return Math.sqrt(squares);
}

function checkRecord(fn: string, arg: string, record: unknown): Record<string, Matrix> {
  if (record === null || typeof record !== "object" || Array.isArray(record)) {
    throw argError(fn, arg, "a record of named matrices", describeValue(record), TypeError);
  }
  const entries = Object.entries(record);
  if (entries.length === 0) throw argError(fn, arg, "at least one matrix", "an empty record");
  for (const [name, m] of entries) checkMatrix(fn, `${arg}.${name}`, m);
  return record as Record<string, Matrix>;
}

/**
 * The Frobenius norm of every gradient, by parameter name (in the record's order):
 *
 * ```text
 * ‖∂L/∂W‖_F = sqrt( Σ_ij (∂L/∂W_ij)² )     for each W in E, W1, b1, …, Wout, bout
 * ```
 *
 * @param grads gradients by name, as `model.backward` returns them
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { gradientNorms } from "./health.ts";
 * import { matrix } from "./tensor.ts";
 * const norms = gradientNorms({ W1: matrix([[1, 2], [2, 4]]), b1: matrix([[0, 0]]) });
 * assertEquals(norms, { W1: 5, b1: 0 });
 * ```
 */
export function gradientNorms(grads: Readonly<Record<string, Matrix>>): Record<string, number> {
  const record = checkRecord("gradientNorms", "grads", grads);
  const norms: Record<string, number> = {};
  for (const [name, g] of Object.entries(record)) norms[name] = frobeniusNorm(g);
  return norms;
}

/**
 * How large the last update was against the weights it changed, per parameter. With the momentum
 * step `W ← W − lr·m` the update is `lr·m`, so
 *
 * ```text
 * ratio(W) = ‖lr·m‖_F / ‖W‖_F = lr·‖m‖_F / ‖W‖_F
 * ```
 *
 * A rule of thumb (Karpathy, makemore part 3): near `1e-3` (log10 ≈ −3) the weights learn at a
 * steady pace; far below, that parameter barely moves; far above, each step rewrites it. A
 * parameter with `‖W‖_F = 0` gives `Infinity` (`NaN` when its update is 0 too).
 *
 * @param params the parameters after the update
 * @param velocity the momentum `m` of the update, same names and shapes (`engine.velocity()`)
 * @param lr the learning rate of the update, finite and > 0
 *
 * @example
 * ```ts
 * import { assertAlmostEquals } from "@std/assert";
 * import { updateRatios } from "./health.ts";
 * import { matrix } from "./tensor.ts";
 * const r = updateRatios({ W: matrix([[3, 4]]) }, { W: matrix([[0.06, 0.08]]) }, 0.5);
 * assertAlmostEquals(r.W, 0.01, 1e-12); // 0.5 · 0.1 / 5
 * ```
 */
export function updateRatios(
  params: Readonly<Record<string, Matrix>>,
  velocity: Readonly<Record<string, Matrix>> | undefined,
  lr: number,
): Record<string, number> {
  const fn = "updateRatios";
  const W = checkRecord(fn, "params", params);
  if (velocity === undefined) {
    throw argError(
      fn,
      "velocity",
      "the momentum of a step (there is none before the first step)",
      "undefined",
      TypeError,
    );
  }
  const m = checkRecord(fn, "velocity", velocity);
  if (typeof lr !== "number" || !Number.isFinite(lr) || !(lr > 0)) {
    throw argError(fn, "lr", "a finite number > 0", describeValue(lr));
  }
  const ratios: Record<string, number> = {};
  for (const [name, w] of Object.entries(W)) {
    const v = m[name];
    if (v === undefined) {
      throw argError(fn, `velocity.${name}`, `a Matrix [${w.rows}, ${w.cols}]`, "undefined");
    }
    if (v.rows !== w.rows || v.cols !== w.cols) {
      throw argError(
        fn,
        `velocity.${name}`,
        `shape [${w.rows}, ${w.cols}] (as params.${name})`,
        `[${v.rows}, ${v.cols}]`,
      );
    }
    ratios[name] = (lr * frobeniusNorm(v)) / frobeniusNorm(w);
  }
  return ratios;
}
