/**
 * Finite-difference gradient checking: is a hand-written backward right?
 *
 * The central difference
 *
 * ```text
 * dL/dθ_k ≈ (L(θ + ε e_k) − L(θ − ε e_k)) / (2ε)
 * ```
 *
 * has error `O(ε²)`, so in float64 with `ε = 1e-6` it agrees with a correct analytic gradient
 * to about 1e-9 relative error, while a wrong one is off by a large factor. We compare entry by
 * entry with the relative error
 *
 * ```text
 * rel_k = |a_k − n_k| / max(|a_k|, |n_k|, floor)
 * ```
 *
 * where the `floor` (default 1e-6) keeps entries whose true gradient is zero (a ReLU that is
 * off, a word that is not in the batch) from dividing rounding noise by zero.
 *
 * @module
 */

import { argError, describeValue } from "../errors.ts";
import type { Rng } from "../random.ts";
import { checkMatrix, clone, Matrix } from "../tensor.ts";

/** Named parameter matrices, e.g. `{ W: ..., b: ... }`. */
export type Params = Readonly<Record<string, Matrix>>;

/** Options of {@linkcode numericalGradient} and {@linkcode gradCheck}. */
export interface GradCheckOptions {
  /** Step of the central difference (default `1e-6`). */
  eps?: number;
  /** Denominator floor of the relative error (default `1e-6`). */
  floor?: number;
  /**
   * Check at most this many entries per parameter, chosen at random with `rng` (default: all).
   * Useful for a whole model with a large vocabulary.
   */
  maxEntries?: number;
  /** Generator that picks the entries when `maxEntries` is smaller than a parameter. */
  rng?: Rng;
}

/** The verdict on one parameter. */
export interface ParamCheck {
  /** Largest relative error over the checked entries. */
  maxRelError: number;
  /** Largest absolute error `|a − n|` over the checked entries. */
  maxAbsError: number;
  /** `[row, col]` of the entry with the largest relative error. */
  worst: [number, number];
  /** Analytic gradient at `worst`. */
  analytic: number;
  /** Numerical gradient at `worst`. */
  numeric: number;
  /** How many entries were checked. */
  checked: number;
}

function entriesToCheck(size: number, options: GradCheckOptions): Int32Array {
  const max = options.maxEntries ?? size;
  if (max >= size) return Int32Array.from({ length: size }, (_, k) => k);
  if (!options.rng) {
    throw argError("gradCheck", "options.rng", "a generator when maxEntries < size", "none");
  }
  return options.rng.permutation(size).slice(0, max).sort();
}

/**
 * The central-difference gradient of `loss` with respect to one parameter, at the entries
 * `entries` (all by default); other entries are left at 0. `params` is not modified.
 *
 * @param loss scalar function of the parameters
 * @param params the point at which to differentiate
 * @param name which parameter
 *
 * @example
 * ```ts
 * import { assertAlmostEquals } from "@std/assert";
 * import { numericalGradient } from "./gradcheck.ts";
 * import { matrix } from "../tensor.ts";
 * // L(w) = w0^2 + 3 w1, so dL/dw = [2 w0, 3]
 * const loss = (p: { w: typeof w }) => p.w.data[0] ** 2 + 3 * p.w.data[1];
 * const w = matrix([[2, 5]]);
 * const g = numericalGradient(loss, { w }, "w");
 * assertAlmostEquals(g.data[0], 4, 1e-6);
 * assertAlmostEquals(g.data[1], 3, 1e-6);
 * ```
 */
export function numericalGradient<P extends Params>(
  loss: (params: P) => number,
  params: P,
  name: keyof P & string,
  eps = 1e-6,
  entries?: ArrayLike<number>,
): Matrix {
  checkMatrix("numericalGradient", `params.${name}`, params[name]);
  if (!(eps > 0)) throw argError("numericalGradient", "eps", "a positive step", describeValue(eps));
  const original = params[name];
  // A private float64 copy that we nudge entry by entry; the caller's matrix is never touched.
  const probe = clone(original, "float64");
  const shifted = { ...params, [name]: probe } as P;
  const grad = new Float64Array(original.data.length);
  const ks = entries ?? Int32Array.from({ length: grad.length }, (_, k) => k);
  for (let n = 0; n < ks.length; n++) {
    const k = ks[n];
    const saved = probe.data[k];
    probe.data[k] = saved + eps;
    const up = loss(shifted);
    probe.data[k] = saved - eps;
    const down = loss(shifted);
    probe.data[k] = saved;
    grad[k] = (up - down) / (2 * eps);
  }
  return new Matrix(original.rows, original.cols, grad);
}

/**
 * Compares analytic gradients with central differences, parameter by parameter.
 *
 * Run it in float64: in float32 the rounding of the loss swamps any `ε` small enough for the
 * difference to be accurate.
 *
 * @param loss scalar loss as a function of the parameters
 * @param params the parameters (not modified)
 * @param grads the analytic gradients to check, same names and shapes as `params`
 * @returns one {@linkcode ParamCheck} per parameter name
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { gradCheck } from "./gradcheck.ts";
 * import { matrix } from "../tensor.ts";
 * // L(w) = sum(w^2) / 2 has gradient w
 * const loss = (p: { w: typeof w }) => Array.from(p.w.data).reduce((s, x) => s + x * x / 2, 0);
 * const w = matrix([[0.5, -2, 3]]);
 * const report = gradCheck(loss, { w }, { w });
 * assert(report.w.maxRelError < 1e-6);
 * ```
 */
export function gradCheck<P extends Params>(
  loss: (params: P) => number,
  params: P,
  grads: { readonly [K in keyof P]?: Matrix },
  options: GradCheckOptions = {},
): Record<keyof P & string, ParamCheck> {
  const eps = options.eps ?? 1e-6;
  const floor = options.floor ?? 1e-6;
  const report = {} as Record<keyof P & string, ParamCheck>;
  for (const name of Object.keys(params) as (keyof P & string)[]) {
    const p = params[name];
    const g = grads[name];
    checkMatrix("gradCheck", `params.${name}`, p);
    checkMatrix("gradCheck", `grads.${name}`, g, [p.rows, p.cols], `the shape of params.${name}`);
    const entries = entriesToCheck(p.data.length, options);
    const numeric = numericalGradient(loss, params, name, eps, entries);
    const result: ParamCheck = {
      maxRelError: 0,
      maxAbsError: 0,
      worst: [0, 0],
      analytic: NaN,
      numeric: NaN,
      checked: entries.length,
    };
    for (let n = 0; n < entries.length; n++) {
      const k = entries[n];
      const a = g.data[k], x = numeric.data[k];
      const abs = Math.abs(a - x);
      const rel = abs / Math.max(Math.abs(a), Math.abs(x), floor);
      if (!(abs <= result.maxAbsError)) result.maxAbsError = abs;
      // `!(rel <= max)` is also true for NaN, so a NaN gradient is reported, never hidden.
      if (n === 0 || (!(rel <= result.maxRelError) && !Number.isNaN(result.maxRelError))) {
        result.maxRelError = rel;
        result.worst = [Math.floor(k / p.cols), k % p.cols];
        result.analytic = a;
        result.numeric = x;
      }
    }
    report[name] = result;
  }
  return report;
}

/**
 * The largest relative error in a {@linkcode gradCheck} report, over all parameters.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { maxRelError } from "./gradcheck.ts";
 * const r = { maxAbsError: 0, worst: [0, 0] as [number, number], analytic: 0, numeric: 0, checked: 1 };
 * assertEquals(maxRelError({ a: { ...r, maxRelError: 1e-9 }, b: { ...r, maxRelError: 2e-8 } }), 2e-8);
 * ```
 */
export function maxRelError(report: Readonly<Record<string, ParamCheck>>): number {
  let worst = 0;
  for (const r of Object.values(report)) {
    if (Number.isNaN(r.maxRelError)) return NaN; // a NaN gradient fails any threshold
    if (r.maxRelError > worst) worst = r.maxRelError;
  }
  return worst;
}
