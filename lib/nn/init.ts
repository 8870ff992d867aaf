/**
 * Initial values for the parameters: random weights of a sensible scale, zero biases.
 *
 * ```text
 * glorotNormal   W[o][i] ~ N(0, σ²),  σ = sqrt(2 / (fan_in + fan_out))    (Glorot & Bengio 2010)
 * heNormal       W[o][i] ~ N(0, σ²),  σ = sqrt(2 / fan_in)                 (He et al. 2015)
 * zerosInit      W[o][i] = 0
 * ```
 *
 * A weight matrix is stored `[out, in]` (so that `y = W·x + b`), hence for a `rows x cols`
 * matrix **`fan_in = cols`** (the inputs each output unit sums over) and **`fan_out = rows`**.
 *
 * Every random entry is drawn from the given {@linkcode Rng} in row-major order (row 0 left to
 * right, then row 1, ...), one draw per entry, so the same seed gives the same matrix.
 *
 * @module
 */

import { argError, describeValue } from "../errors.ts";
import type { Rng } from "../random.ts";
import type { DType, Matrix } from "../tensor.ts";
import { zeros } from "../tensor.ts";

function checkShape(fn: string, rows: number, cols: number): void {
  for (const [arg, n] of [["rows", rows], ["cols", cols]] as const) {
    if (typeof n !== "number" || !Number.isInteger(n) || n < 1) {
      throw argError(fn, arg, "an integer >= 1", describeValue(n));
    }
  }
}

function checkDType(fn: string, dtype: DType): void {
  if (dtype !== "float64" && dtype !== "float32") {
    throw argError(fn, "dtype", '"float64" or "float32"', describeValue(dtype));
  }
}

function checkRng(fn: string, rng: Rng): void {
  const r = rng as { normal?: unknown; uniform?: unknown } | null | undefined;
  if (typeof r?.normal !== "function" || typeof r?.uniform !== "function") {
    throw argError(fn, "rng", "an Rng (see random.ts)", describeValue(rng), TypeError);
  }
}

/** A `rows x cols` matrix whose entries are `std·z`, `z` drawn by `rng.normal()` row by row. */
function normalMatrix(rows: number, cols: number, rng: Rng, std: number, dtype: DType): Matrix {
  const W = zeros(rows, cols, dtype);
  for (let o = 0; o < rows; o++) {
    for (let i = 0; i < cols; i++) W.data[o * cols + i] = std * rng.normal();
  }
  return W;
}

/**
 * Glorot (or "Xavier") normal initialisation: `W[o][i] ~ N(0, σ²)` with
 *
 * ```text
 * σ = sqrt(2 / (fan_in + fan_out)),   fan_in = cols, fan_out = rows
 * ```
 *
 * Glorot & Bengio (2010, "Understanding the difficulty of training deep feedforward neural
 * networks") ask that a layer keep the variance of the signal going forward
 * (`fan_in·Var(W) = 1`) and of the gradient going back (`fan_out·Var(W) = 1`); the compromise
 * `Var(W) = 2 / (fan_in + fan_out)` is this σ². (The paper draws from a uniform distribution of
 * that variance; this is the normal distribution with the same variance.) Suited to symmetric
 * activations (tanh, as in Bengio et al. 2003) and to linear output layers.
 *
 * @param rows `fan_out`, the number of output units (integer >= 1)
 * @param cols `fan_in`, the number of inputs (integer >= 1)
 * @param rng the generator; `rows·cols` draws of `rng.normal()`, in row-major order
 * @param dtype `"float64"` (default) or `"float32"`
 * @returns `W`, `[rows, cols]`
 * @throws {TypeError} when `rng` is not an Rng
 * @throws {RangeError} for a dimension that is not an integer >= 1, or an unknown dtype
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { Rng } from "../random.ts";
 * import { glorotNormal } from "./init.ts";
 * const W = glorotNormal(3, 5, new Rng(0));
 * // entry (0, 0) is the first normal draw times σ = sqrt(2 / (5 + 3)) = 0.5
 * assertEquals(W.get(0, 0), 0.5 * new Rng(0).normal());
 * ```
 */
export function glorotNormal(
  rows: number,
  cols: number,
  rng: Rng,
  dtype: DType = "float64",
): Matrix {
  const fn = "glorotNormal";
  checkShape(fn, rows, cols);
  checkRng(fn, rng);
  checkDType(fn, dtype);
  return normalMatrix(rows, cols, rng, Math.sqrt(2 / (cols + rows)), dtype);
}

/**
 * He (or "Kaiming") normal initialisation: `W[o][i] ~ N(0, σ²)` with
 *
 * ```text
 * σ = sqrt(2 / fan_in),   fan_in = cols
 * ```
 *
 * He et al. (2015, "Delving deep into rectifiers") note that a ReLU zeroes half of its inputs,
 * halving the second moment of the signal; doubling the forward-preserving variance
 * `1 / fan_in` makes up for it. The natural choice for the model's ReLU hidden layers.
 *
 * @param rows `fan_out`, the number of output units (integer >= 1)
 * @param cols `fan_in`, the number of inputs (integer >= 1)
 * @param rng the generator; `rows·cols` draws of `rng.normal()`, in row-major order
 * @param dtype `"float64"` (default) or `"float32"`
 * @returns `W`, `[rows, cols]`
 * @throws {TypeError} when `rng` is not an Rng
 * @throws {RangeError} for a dimension that is not an integer >= 1, or an unknown dtype
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { Rng } from "../random.ts";
 * import { heNormal } from "./init.ts";
 * const W = heNormal(4, 8, new Rng(1));
 * // σ = sqrt(2 / 8) = 0.5
 * assertEquals(W.get(0, 0), 0.5 * new Rng(1).normal());
 * ```
 */
export function heNormal(rows: number, cols: number, rng: Rng, dtype: DType = "float64"): Matrix {
  const fn = "heNormal";
  checkShape(fn, rows, cols);
  checkRng(fn, rng);
  checkDType(fn, dtype);
  return normalMatrix(rows, cols, rng, Math.sqrt(2 / cols), dtype);
}

/**
 * Zero initialisation, `W[o][i] = 0`: the usual start for biases (`[1, out]`). Never for a
 * weight matrix of a hidden layer: every unit would compute the same thing and receive the same
 * gradient, and the symmetry would never break. No randomness is used.
 *
 * @param rows number of rows (integer >= 1)
 * @param cols number of columns (integer >= 1)
 * @param dtype `"float64"` (default) or `"float32"`
 * @returns a `[rows, cols]` matrix of zeros
 * @throws {RangeError} for a dimension that is not an integer >= 1, or an unknown dtype
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { zerosInit } from "./init.ts";
 * assertEquals(zerosInit(1, 3).toArrays(), [[0, 0, 0]]);
 * ```
 */
export function zerosInit(rows: number, cols: number, dtype: DType = "float64"): Matrix {
  const fn = "zerosInit";
  checkShape(fn, rows, cols);
  checkDType(fn, dtype);
  return zeros(rows, cols, dtype);
}
