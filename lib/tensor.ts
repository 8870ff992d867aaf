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
 * | module | holds |
 * | --- | --- |
 * | `tensor/matrix.ts` | the types, `checkMatrix`, `stats`, `inspect` |
 * | `tensor/create.ts` | `matrix`, `rowVector`, `indexMatrix`, `zeros`, `full`, `clone`, `add` |
 * | `tensor/checks.ts` | `checkFinite`, `checkNonEmpty`, `checkIndices`, `toTargets` |
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { add, inspect, matrix } from "./tensor.ts";
 * const sum = add(matrix([[1, 2]]), matrix([[10, 20]]));
 * assertEquals(inspect(sum), "Matrix [1, 2] float64  min 11  mean 16.5  max 22  std 5.5  [11, 22]");
 * ```
 *
 * @module
 */

export {
  checkMatrix,
  type DType,
  type FloatArray,
  IndexMatrix,
  inspect,
  Matrix,
  type MatrixStats,
  stats,
} from "./tensor/matrix.ts";
export { add, clone, full, indexMatrix, matrix, rowVector, zeros } from "./tensor/create.ts";
export { checkFinite, checkIndices, checkNonEmpty, toTargets } from "./tensor/checks.ts";
