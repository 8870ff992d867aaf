/**
 * The array type of the library: row-major 2-D matrices, batch first.
 *
 * A language model needs two kinds of arrays and no more:
 *
 * - {@linkcode Matrix}: real numbers, `rows x cols`, stored row by row in one `Float64Array`
 *   (exact enough for gradient checks) or `Float32Array` (half the memory, twice the speed).
 *   Entry `(i, j)` lives at `data[i * cols + j]`. A batch of `B` vectors of length `d` is a
 *   `B x d` matrix; a bias vector is a `1 x d` matrix.
 * - {@linkcode IndexMatrix}: word indices, `rows x cols` in an `Int32Array`; a batch of `B`
 *   contexts of `n - 1` words is a `B x (n - 1)` index matrix.
 *
 * There is no broadcasting machinery and no n-d tensor: each equation in `nn/` writes its own
 * loops, so a student can map every line back to the math.
 *
 * @module
 */

import { argError, describeValue } from "./errors.ts";

/** The element types a {@linkcode Matrix} can hold. */
export type DType = "float32" | "float64";

/** The typed array behind a {@linkcode Matrix}. */
export type FloatArray = Float32Array | Float64Array;

function dtypeOf(data: FloatArray): DType {
  return data instanceof Float32Array ? "float32" : "float64";
}

function allocate(length: number, dtype: DType): FloatArray {
  return dtype === "float32" ? new Float32Array(length) : new Float64Array(length);
}

function checkDim(fn: string, arg: string, n: unknown): number {
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
 * import { Matrix } from "./tensor.ts";
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
 * import { IndexMatrix } from "./tensor.ts";
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
 * A matrix from nested arrays: `matrix([[1, 2], [3, 4]])` is `2 x 2`.
 *
 * @param values one array per row, all of one length, finite or not (checks come later)
 * @param dtype `"float64"` (default) or `"float32"`
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { matrix } from "./tensor.ts";
 * const m = matrix([[1, 2, 3], [4, 5, 6]]);
 * assertEquals(m.shape, [2, 3]);
 * assertEquals(Array.from(m.data), [1, 2, 3, 4, 5, 6]);
 * ```
 */
export function matrix(values: readonly (readonly number[])[], dtype: DType = "float64"): Matrix {
  if (!Array.isArray(values)) {
    throw argError("matrix", "values", "an array of rows", describeValue(values), TypeError);
  }
  const rows = values.length;
  const cols = rows === 0 ? 0 : values[0].length;
  const data = allocate(rows * cols, dtype);
  for (let i = 0; i < rows; i++) {
    const row = values[i];
    if (!Array.isArray(row) || row.length !== cols) {
      throw argError(
        "matrix",
        `values[${i}]`,
        `a row of ${cols} numbers (as values[0])`,
        describeValue(row),
      );
    }
    for (let j = 0; j < cols; j++) {
      if (typeof row[j] !== "number") {
        throw argError(
          "matrix",
          `values[${i}][${j}]`,
          "a number",
          describeValue(row[j]),
          TypeError,
        );
      }
      data[i * cols + j] = row[j];
    }
  }
  return new Matrix(rows, cols, data);
}

/**
 * A `1 x n` matrix from a plain array, the shape of a bias vector.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { rowVector } from "./tensor.ts";
 * assertEquals(rowVector([0.5, -1]).shape, [1, 2]);
 * ```
 */
export function rowVector(values: readonly number[], dtype: DType = "float64"): Matrix {
  return matrix([values], dtype);
}

/**
 * An index matrix from nested arrays of integers; a fraction, `NaN` or a value outside the
 * 32-bit range is refused.
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { indexMatrix } from "./tensor.ts";
 * assertEquals(indexMatrix([[0, 1, 2]]).shape, [1, 3]);
 * assertThrows(() => indexMatrix([[0, 1.5]]), RangeError, "an integer");
 * ```
 */
export function indexMatrix(values: readonly (readonly number[])[]): IndexMatrix {
  if (!Array.isArray(values)) {
    throw argError("indexMatrix", "values", "an array of rows", describeValue(values), TypeError);
  }
  const rows = values.length;
  const cols = rows === 0 ? 0 : values[0].length;
  const data = new Int32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const row = values[i];
    if (!Array.isArray(row) || row.length !== cols) {
      throw argError(
        "indexMatrix",
        `values[${i}]`,
        `a row of ${cols} integers (as values[0])`,
        describeValue(row),
      );
    }
    for (let j = 0; j < cols; j++) {
      const v = row[j];
      if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647) {
        throw argError("indexMatrix", `values[${i}][${j}]`, "an integer", describeValue(v));
      }
      data[i * cols + j] = v;
    }
  }
  return new IndexMatrix(rows, cols, data);
}

/**
 * A `rows x cols` matrix of zeros.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { zeros } from "./tensor.ts";
 * assertEquals(zeros(2, 2).toArrays(), [[0, 0], [0, 0]]);
 * ```
 */
export function zeros(rows: number, cols: number, dtype: DType = "float64"): Matrix {
  checkDim("zeros", "rows", rows);
  checkDim("zeros", "cols", cols);
  return new Matrix(rows, cols, allocate(rows * cols, dtype));
}

/**
 * A `rows x cols` matrix with every entry equal to `value`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { full } from "./tensor.ts";
 * assertEquals(full(1, 3, 7).toArrays(), [[7, 7, 7]]);
 * ```
 */
export function full(rows: number, cols: number, value: number, dtype: DType = "float64"): Matrix {
  const m = zeros(rows, cols, dtype);
  m.data.fill(value);
  return m;
}

/**
 * A fresh copy of a matrix, optionally converted to another dtype.
 *
 * @example
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { clone, matrix } from "./tensor.ts";
 * const a = matrix([[1, 2]]);
 * const b = clone(a, "float32");
 * assert(b.data !== a.data);
 * assertEquals(b.dtype, "float32");
 * ```
 */
export function clone(m: Matrix, dtype: DType = m.dtype): Matrix {
  checkMatrix("clone", "m", m);
  const data = allocate(m.data.length, dtype);
  data.set(m.data);
  return new Matrix(m.rows, m.cols, data);
}

/**
 * Throws unless `m` is a {@linkcode Matrix} whose shape matches `[rows, cols]`; a dimension
 * given as `undefined` may be anything. `detail` explains where the expected shape comes from.
 *
 * @example
 * ```ts
 * import { assertThrows } from "@std/assert";
 * import { checkMatrix, zeros } from "./tensor.ts";
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

/**
 * Throws unless every entry of `m` is finite, naming the first `NaN` or infinity and where it
 * sits.
 *
 * @example
 * ```ts
 * import { assertThrows } from "@std/assert";
 * import { checkFinite, matrix } from "./tensor.ts";
 * assertThrows(
 *   () => checkFinite("softmax", "scores", matrix([[0, NaN]])),
 *   RangeError,
 *   "softmax: scores expected finite numbers, got NaN at [0, 1]",
 * );
 * ```
 */
export function checkFinite(fn: string, arg: string, m: Matrix): void {
  const d = m.data;
  for (let k = 0; k < d.length; k++) {
    if (!Number.isFinite(d[k])) {
      const i = Math.floor(k / m.cols);
      const j = k - i * m.cols;
      throw argError(fn, arg, "finite numbers", `${d[k]} at [${i}, ${j}]`);
    }
  }
}

/**
 * Throws unless `m` has at least one row: an empty batch has no mean loss and is almost always
 * a bug upstream.
 *
 * @example
 * ```ts
 * import { assertThrows } from "@std/assert";
 * import { checkNonEmpty, zeros } from "./tensor.ts";
 * assertThrows(() => checkNonEmpty("crossEntropy", "probs", zeros(0, 3)), RangeError, "at least one row");
 * ```
 */
export function checkNonEmpty(fn: string, arg: string, m: Matrix | IndexMatrix): void {
  if (m.rows === 0) throw argError(fn, arg, "at least one row (an empty batch)", "0 rows");
}

/**
 * Throws unless `indices` is an {@linkcode IndexMatrix} (optionally with `cols` columns) whose
 * every entry is a valid row of a table of `size` rows: `0 <= index < size`.
 *
 * @example
 * ```ts
 * import { assertThrows } from "@std/assert";
 * import { checkIndices, indexMatrix } from "./tensor.ts";
 * assertThrows(
 *   () => checkIndices("embeddingForward", "contexts", indexMatrix([[0, 5]]), 4),
 *   RangeError,
 *   "an index in [0, 4) (the vocabulary size), got 5 at [0, 1]",
 * );
 * ```
 */
export function checkIndices(
  fn: string,
  arg: string,
  indices: unknown,
  size: number,
  cols?: number,
): asserts indices is IndexMatrix {
  if (!(indices instanceof IndexMatrix)) {
    throw argError(
      fn,
      arg,
      "an IndexMatrix (see indexMatrix())",
      describeValue(indices),
      TypeError,
    );
  }
  if (cols !== undefined && indices.cols !== cols) {
    throw argError(fn, arg, `${cols} columns`, `${indices.cols}`);
  }
  const d = indices.data;
  for (let k = 0; k < d.length; k++) {
    if (d[k] < 0 || d[k] >= size) {
      const i = Math.floor(k / indices.cols);
      throw argError(
        fn,
        arg,
        `an index in [0, ${size}) (the vocabulary size)`,
        `${d[k]} at [${i}, ${k - i * indices.cols}]`,
      );
    }
  }
}

/**
 * Target word indices as an `Int32Array`, checked: one per row of a batch of `rows`, each an
 * integer in `[0, size)`.
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { toTargets } from "./tensor.ts";
 * assertEquals(toTargets("crossEntropy", "targets", [2, 0], 2, 3), new Int32Array([2, 0]));
 * assertThrows(() => toTargets("crossEntropy", "targets", [0.5, 0], 2, 3), RangeError, "an integer");
 * ```
 */
export function toTargets(
  fn: string,
  arg: string,
  targets: ArrayLike<number>,
  rows: number,
  size: number,
): Int32Array {
  if (targets === null || typeof targets !== "object" || typeof targets.length !== "number") {
    throw argError(
      fn,
      arg,
      "an array of target indices",
      describeValue(targets),
      TypeError,
    );
  }
  if (targets.length !== rows) {
    throw argError(fn, arg, `${rows} targets (one per row)`, `${targets.length}`);
  }
  const out = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const t = targets[i];
    if (!Number.isInteger(t)) throw argError(fn, `${arg}[${i}]`, "an integer", describeValue(t));
    if (t < 0 || t >= size) {
      throw argError(fn, `${arg}[${i}]`, `an index in [0, ${size}) (the vocabulary size)`, `${t}`);
    }
    out[i] = t;
  }
  return out;
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
 * import { matrix, stats } from "./tensor.ts";
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
 * import { inspect, matrix } from "./tensor.ts";
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

/**
 * Entry-wise sum `c_ij = a_ij + b_ij` of two matrices of one shape (no broadcasting): where two
 * paths of a network meet, their outputs or gradients add.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { add, matrix } from "./tensor.ts";
 * assertEquals(add(matrix([[1, 2]]), matrix([[10, 20]])).toArrays(), [[11, 22]]);
 * ```
 */
export function add(a: Matrix, b: Matrix): Matrix {
  checkMatrix("add", "a", a);
  checkMatrix("add", "b", b, [a.rows, a.cols], "the shape of a");
  const out = zeros(a.rows, a.cols, a.dtype);
  for (let k = 0; k < out.data.length; k++) out.data[k] = a.data[k] + b.data[k];
  return out;
}
