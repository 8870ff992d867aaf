/**
 * The checks the equations of `nn/` run on their inputs, each throwing an error that names the
 * function, the argument, what was expected and what came: finite entries, a non-empty batch,
 * word indices inside the vocabulary, and target indices (one per row).
 *
 * @module
 */

import { argError, describeValue } from "../errors.ts";
import { IndexMatrix, type Matrix } from "./matrix.ts";

/**
 * Throws unless every entry of `m` is finite, naming the first `NaN` or infinity and where it
 * sits.
 *
 * @example
 * ```ts
 * import { assertThrows } from "@std/assert";
 * import { checkFinite } from "./checks.ts";
 * import { matrix } from "./create.ts";
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
 * import { checkNonEmpty } from "./checks.ts";
 * import { zeros } from "./create.ts";
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
 * import { checkIndices } from "./checks.ts";
 * import { indexMatrix } from "./create.ts";
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
 * import { toTargets } from "./checks.ts";
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
