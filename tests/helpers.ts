/**
 * Small helpers shared by the tests: random inputs and the scalar losses that gradient checks
 * differentiate.
 *
 * @module
 */

import type { Rng } from "../lib/random.ts";
import { type Matrix, zeros } from "../lib/tensor.ts";

/** A `[rows, cols]` float64 matrix of N(0, 1) draws, in row-major order. */
export function randomMatrix(rng: Rng, rows: number, cols: number): Matrix {
  const m = zeros(rows, cols);
  for (let k = 0; k < m.data.length; k++) m.data[k] = rng.normal();
  return m;
}

/** Σ_k a[k]·r[k]: a scalar loss whose gradient with respect to `a` is `r`. */
export function sumProduct(a: Matrix, r: Matrix): number {
  let s = 0;
  for (let k = 0; k < a.data.length; k++) s += a.data[k] * r.data[k];
  return s;
}
