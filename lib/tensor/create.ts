/**
 * Making matrices: from nested arrays ({@linkcode matrix}, {@linkcode rowVector},
 * {@linkcode indexMatrix}), filled ({@linkcode zeros}, {@linkcode full}), copied
 * ({@linkcode clone}), and the one entry-wise operation the model needs ({@linkcode add}).
 *
 * @module
 */

import { argError, describeValue } from "../errors.ts";
import { allocate, checkDim, checkMatrix, type DType, IndexMatrix, Matrix } from "./matrix.ts";

/**
 * A matrix from nested arrays: `matrix([[1, 2], [3, 4]])` is `2 x 2`.
 *
 * @param values one array per row, all of one length, finite or not (checks come later)
 * @param dtype `"float64"` (default) or `"float32"`
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { matrix } from "./create.ts";
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
 * import { rowVector } from "./create.ts";
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
 * import { indexMatrix } from "./create.ts";
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
 * import { zeros } from "./create.ts";
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
 * import { full } from "./create.ts";
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
 * import { clone, matrix } from "./create.ts";
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
 * Entry-wise sum `c_ij = a_ij + b_ij` of two matrices of one shape (no broadcasting): where two
 * paths of a network meet, their outputs or gradients add.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { add, matrix } from "./create.ts";
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
