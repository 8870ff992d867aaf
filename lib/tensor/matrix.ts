/**
 * The two array types, {@linkcode Matrix} (real numbers) and {@linkcode IndexMatrix} (word
 * indices), with what belongs to the type itself: the check that a value is a matrix of a given
 * shape ({@linkcode checkMatrix}), and how a matrix summarises and prints itself
 * ({@linkcode stats}, {@linkcode inspect}). `lib/tensor.ts` re-exports the public names;
 * `allocate` and `checkDim` are shared with `create.ts` only.
 *
 * @module
 */

import { argError, describeValue } from "../errors.ts";

/** The element types a {@linkcode Matrix} can hold. */
export type DType = "float32" | "float64";

/** The typed array behind a {@linkcode Matrix}. */
export type FloatArray = Float32Array | Float64Array;
/** The dtype of a typed array. */
function dtypeOf(data: FloatArray): DType {
  return data instanceof Float32Array ? "float32" : "float64";
}

/** A zero-filled typed array of `length` entries of `dtype`. */
export function allocate(length: number, dtype: DType): FloatArray {
  return dtype === "float32" ? new Float32Array(length) : new Float64Array(length);
}

/** `n` when it is a non-negative integer; a `RangeError` naming `fn` and `arg` otherwise. */
export function checkDim(fn: string, arg: string, n: unknown): number {
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0) {
    throw argError(fn, arg, "a non-negative integer", describeValue(n));
  }
  return n;
}
/**
 * A row-major `rows x cols` matrix of real numbers.
 *
 * The constructor wraps `data` without copying it; the functions of the library never write
 * into a matrix they were given, they return new ones.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { Matrix } from "./matrix.ts";
 * const m = new Matrix(2, 3, new Float64Array([1, 2, 3, 4, 5, 6]));
 * assertEquals(m.shape, [2, 3]);
 * assertEquals(m.get(1, 0), 4); // data[1 * 3 + 0]
 * assertEquals(m.dtype, "float64");
 * ```
 */
export class Matrix {
  /** Number of rows (the batch dimension for activations). */
  readonly rows: number;
  /** Number of columns (the feature dimension). */
  readonly cols: number;
  /** The entries, row by row: entry `(i, j)` is `data[i * cols + j]`. */
  readonly data: FloatArray;

  /**
   * A matrix over `data`, its size checked against `rows · cols`.
   *
   * @param rows number of rows
   * @param cols number of columns
   * @param data `rows * cols` entries, row by row (not copied)
   */
  constructor(rows: number, cols: number, data: FloatArray) {
    checkDim("Matrix", "rows", rows);
    checkDim("Matrix", "cols", cols);
    if (!(data instanceof Float64Array || data instanceof Float32Array)) {
      throw argError(
        "Matrix",
        "data",
        "a Float64Array or Float32Array",
        describeValue(data),
        TypeError,
      );
    }
    if (data.length !== rows * cols) {
      throw argError(
        "Matrix",
        "data",
        `${rows * cols} entries (rows ${rows} x cols ${cols})`,
        `${data.length}`,
      );
    }
    this.rows = rows;
    this.cols = cols;
    this.data = data;
  }

  /** `"float64"` or `"float32"`, from the typed array. */
  get dtype(): DType {
    return dtypeOf(this.data);
  }

  /** `[rows, cols]`. */
  get shape(): [number, number] {
    return [this.rows, this.cols];
  }

  /** Entry `(i, j)`. No bounds check: use it for reading, in loops that know their bounds. */
  get(i: number, j: number): number {
    return this.data[i * this.cols + j];
  }

  /** Row `i` as a plain array. */
  row(i: number): number[] {
    return Array.from(this.data.subarray(i * this.cols, (i + 1) * this.cols));
  }

  /** The entries as nested plain arrays, `rows` arrays of `cols` numbers. */
  toArrays(): number[][] {
    const out: number[][] = [];
    for (let i = 0; i < this.rows; i++) out.push(this.row(i));
    return out;
  }

  /** `Matrix [rows, cols] dtype`, for error messages. */
  describe(): string {
    return `Matrix [${this.rows}, ${this.cols}] ${this.dtype}`;
  }

  /** How `console.log` and the REPL print a matrix: {@linkcode inspect}. */
  [Symbol.for("Deno.customInspect")](): string {
    return inspect(this);
  }
}

/**
 * A row-major `rows x cols` matrix of word indices (32-bit integers).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { IndexMatrix } from "./matrix.ts";
 * const contexts = new IndexMatrix(2, 3, new Int32Array([0, 1, 2, 1, 2, 3]));
 * assertEquals(contexts.get(1, 2), 3);
 * ```
 */
export class IndexMatrix {
  /** Number of rows (one per example). */
  readonly rows: number;
  /** Number of columns (one per context position). */
  readonly cols: number;
  /** The indices, row by row. */
  readonly data: Int32Array;

  /**
   * An index matrix over `data`, its size checked against `rows · cols`.
   *
   * @param rows number of rows
   * @param cols number of columns
   * @param data `rows * cols` indices, row by row (not copied)
   */
  constructor(rows: number, cols: number, data: Int32Array) {
    checkDim("IndexMatrix", "rows", rows);
    checkDim("IndexMatrix", "cols", cols);
    if (!(data instanceof Int32Array)) {
      throw argError("IndexMatrix", "data", "an Int32Array", describeValue(data), TypeError);
    }
    if (data.length !== rows * cols) {
      throw argError(
        "IndexMatrix",
        "data",
        `${rows * cols} entries (rows ${rows} x cols ${cols})`,
        `${data.length}`,
      );
    }
    this.rows = rows;
    this.cols = cols;
    this.data = data;
  }

  /** `[rows, cols]`. */
  get shape(): [number, number] {
    return [this.rows, this.cols];
  }

  /** Index at `(i, j)`. */
  get(i: number, j: number): number {
    return this.data[i * this.cols + j];
  }

  /** The indices as nested plain arrays. */
  toArrays(): number[][] {
    const out: number[][] = [];
    for (let i = 0; i < this.rows; i++) {
      out.push(Array.from(this.data.subarray(i * this.cols, (i + 1) * this.cols)));
    }
    return out;
  }

  /** `IndexMatrix [rows, cols]`, for error messages. */
  describe(): string {
    return `IndexMatrix [${this.rows}, ${this.cols}]`;
  }

  /** How `console.log` prints an index matrix. */
  [Symbol.for("Deno.customInspect")](): string {
    const head = this.toArrays().slice(0, 4).map((r) => `[${r.join(", ")}]`).join(", ");
    return `IndexMatrix [${this.rows}, ${this.cols}] ${head}${this.rows > 4 ? ", …" : ""}`;
  }
}

/**
 * Throws unless `m` is a {@linkcode Matrix} whose shape matches `[rows, cols]`; a dimension
 * given as `undefined` may be anything. `detail` explains where the expected shape comes from.
 *
 * @example
 * ```ts
 * import { assertThrows } from "@std/assert";
 * import { checkMatrix } from "./matrix.ts";
 * import { zeros } from "./create.ts";
 * checkMatrix("f", "x", zeros(2, 3), [2, 3]);
 * assertThrows(
 *   () => checkMatrix("f", "x", zeros(2, 4), [2, 3]),
 *   RangeError,
 *   "f: x expected shape [2, 3], got [2, 4]",
 * );
 * ```
 */
export function checkMatrix(
  fn: string,
  arg: string,
  m: unknown,
  shape?: readonly [number | undefined, number | undefined],
  detail = "",
): asserts m is Matrix {
  if (!(m instanceof Matrix)) {
    throw argError(fn, arg, "a Matrix", describeValue(m), TypeError);
  }
  if (shape === undefined) return;
  const [rows, cols] = shape;
  if ((rows !== undefined && m.rows !== rows) || (cols !== undefined && m.cols !== cols)) {
    const want = `[${rows ?? "any"}, ${cols ?? "any"}]`;
    throw argError(
      fn,
      arg,
      `shape ${want}${detail ? ` (${detail})` : ""}`,
      `[${m.rows}, ${m.cols}]`,
    );
  }
}

/** Summary statistics of a matrix, as {@linkcode stats} returns them. */
export interface MatrixStats {
  /** Smallest entry. */
  min: number;
  /** Mean of the entries. */
  mean: number;
  /** Largest entry. */
  max: number;
  /** Population standard deviation `sqrt(mean((x - mean)^2))`. */
  std: number;
}

/**
 * Minimum, mean, maximum and standard deviation of all entries (`NaN`s for an empty matrix).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { stats } from "./matrix.ts";
 * import { matrix } from "./create.ts";
 * assertEquals(stats(matrix([[1, 3]])), { min: 1, mean: 2, max: 3, std: 1 });
 * ```
 */
export function stats(m: Matrix): MatrixStats {
  checkMatrix("stats", "m", m);
  const d = m.data;
  if (d.length === 0) return { min: NaN, mean: NaN, max: NaN, std: NaN };
  let min = Infinity, max = -Infinity, sum = 0;
  for (let k = 0; k < d.length; k++) {
    const v = d[k];
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  const mean = sum / d.length;
  let squares = 0;
  for (let k = 0; k < d.length; k++) squares += (d[k] - mean) * (d[k] - mean);
  return { min, mean, max, std: Math.sqrt(squares / d.length) };
}

/** A number for {@linkcode inspect}: 4 decimals, or exponent notation when very large or small. */
function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return "0";
  const a = Math.abs(x);
  return a >= 1e4 || a < 1e-3 ? x.toExponential(2) : x.toFixed(4).replace(/\.?0+$/, "");
}

/**
 * A compact one-glance summary: shape, dtype, min/mean/max/std and the first few values.
 *
 * @param m the matrix
 * @param count how many leading values to show (default 6)
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { inspect } from "./matrix.ts";
 * import { matrix } from "./create.ts";
 * assertEquals(
 *   inspect(matrix([[1, 2], [3, 4]])),
 *   "Matrix [2, 2] float64  min 1  mean 2.5  max 4  std 1.118  [1, 2, 3, 4]",
 * );
 * ```
 */
export function inspect(m: Matrix, count = 6): string {
  checkMatrix("inspect", "m", m);
  const s = stats(m);
  const n = Math.min(count, m.data.length);
  const head = Array.from(m.data.subarray(0, n), fmt).join(", ");
  const more = m.data.length > n ? ", …" : "";
  return `${m.describe()}  min ${fmt(s.min)}  mean ${fmt(s.mean)}  max ${fmt(s.max)}  std ${
    fmt(s.std)
  }  [${head}${more}]`;
}
