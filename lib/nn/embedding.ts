/**
 * The word-feature lookup of Bengio et al. (2003): each context word becomes a learned row of
 * the embedding table `E`, and the rows of a context are laid side by side.
 *
 * ```text
 * forward   x = concat(E[i_1], E[i_2], …, E[i_{n-1}])                 (one row per example)
 * backward  dE[w] = Σ over every (b, p) with contexts[b][p] = w of dx[b][p·d .. p·d + d)
 * ```
 *
 * The lookup is a selection, so its gradient flows only into the rows that were selected, and a
 * word that was selected several times (twice in one context, or in several examples of the
 * batch) receives the SUM of all its contributions. Every other row of `dE` is zero.
 *
 * Shapes: `E` is `[V, d]` (vocabulary size by feature size), `contexts` is `[B, n-1]`, `x` and
 * `dx` are `[B, (n-1)·d]`, and word `contexts[b][p]` fills columns `p·d .. p·d + d - 1` of row
 * `b` of `x`.
 *
 * @module
 */

import { argError, describeValue } from "../errors.ts";
import {
  checkIndices,
  checkMatrix,
  checkNonEmpty,
  type IndexMatrix,
  type Matrix,
  zeros,
} from "../tensor.ts";

/** Refuses a context with no words: with `n - 1 = 0` there is nothing to look up. */
function checkHasWords(fn: string, contexts: IndexMatrix): void {
  if (contexts.cols === 0) {
    throw argError(fn, "contexts", "at least one column (n - 1 >= 1 context words)", "0 columns");
  }
}

/**
 * Checks `dx` against `contexts` and returns `d`, the feature size: `dx` must have one row per
 * context and `(n - 1)·d` columns.
 */
function featureSize(fn: string, dx: unknown, contexts: IndexMatrix): number {
  checkMatrix(fn, "dx", dx, [contexts.rows, undefined], "B = contexts.rows");
  const positions = contexts.cols;
  if (dx.cols % positions !== 0) {
    throw argError(
      fn,
      "dx",
      `(n-1)·d columns, a multiple of contexts.cols = ${positions}`,
      `${dx.cols} columns`,
    );
  }
  return dx.cols / positions;
}

/**
 * Looks up and concatenates the embeddings of each context:
 * `x[b] = concat(E[contexts[b][0]], …, E[contexts[b][n-2]])`, that is
 * `x[b][p·d + j] = E[contexts[b][p]][j]`.
 *
 * The output has the dtype of `E`.
 *
 * @param E the embedding table, `[V, d]`: row `w` holds the features of word `w`
 * @param contexts word indices, `[B, n-1]`, each in `[0, V)`; at least one row and one column
 * @returns `x`, `[B, (n-1)·d]`
 * @throws {TypeError} when `E` is not a Matrix or `contexts` is not an IndexMatrix
 * @throws {RangeError} for an index outside `[0, V)`, an empty batch, or a context of no words
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { matrix, indexMatrix } from "../tensor.ts";
 * import { embeddingForward } from "./embedding.ts";
 * const E = matrix([[0, 1], [2, 3], [4, 5]]); // V = 3 words, d = 2 features
 * const x = embeddingForward(E, indexMatrix([[2, 0]])); // context "word 2, word 0"
 * assertEquals(x.toArrays(), [[4, 5, 0, 1]]);
 * ```
 */
export function embeddingForward(E: Matrix, contexts: IndexMatrix): Matrix {
  const fn = "embeddingForward";
  checkMatrix(fn, "E", E);
  checkIndices(fn, "contexts", contexts, E.rows);
  checkNonEmpty(fn, "contexts", contexts);
  checkHasWords(fn, contexts);
  const batch = contexts.rows, positions = contexts.cols, d = E.cols;
  const x = zeros(batch, positions * d, E.dtype);
  for (let b = 0; b < batch; b++) {
    for (let p = 0; p < positions; p++) {
      const word = contexts.data[b * positions + p];
      for (let j = 0; j < d; j++) {
        x.data[b * positions * d + p * d + j] = E.data[word * d + j];
      }
    }
  }
  return x;
}

/**
 * The gradient of the loss with respect to the whole embedding table, `[V, d]`:
 *
 * ```text
 * dE[w][j] = Σ_{b, p : contexts[b][p] = w} dx[b][p·d + j]
 * ```
 *
 * Each slice of `dx` is added (not assigned) into the row of the word it came from, so a word
 * repeated within a context or across the batch collects every contribution; rows of words
 * that do not occur stay exactly 0. The output has the dtype of `dx`.
 *
 * @param dx gradient of the loss with respect to the forward output `x`, `[B, (n-1)·d]`
 * @param contexts the word indices given to the forward, `[B, n-1]`
 * @param vocabSize `V`, the number of rows of `E`
 * @returns `dE`, `[V, d]`
 * @throws {TypeError} when `dx` is not a Matrix or `contexts` is not an IndexMatrix
 * @throws {RangeError} for a bad `vocabSize`, an index outside `[0, V)`, an empty batch, or a
 *   `dx` whose shape does not fit `contexts`
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { matrix, indexMatrix } from "../tensor.ts";
 * import { embeddingBackward } from "./embedding.ts";
 * // d = 1; word 1 appears twice, so it gets 10 + 20; words 0 and 3 are unused
 * const dE = embeddingBackward(matrix([[10, 20, 5]]), indexMatrix([[1, 1, 2]]), 4);
 * assertEquals(dE.toArrays(), [[0], [30], [5], [0]]);
 * ```
 */
export function embeddingBackward(
  dx: Matrix,
  contexts: IndexMatrix,
  vocabSize: number,
): Matrix {
  const fn = "embeddingBackward";
  if (!Number.isInteger(vocabSize) || vocabSize < 1) {
    throw argError(fn, "vocabSize", "a positive integer", describeValue(vocabSize));
  }
  checkIndices(fn, "contexts", contexts, vocabSize);
  checkNonEmpty(fn, "contexts", contexts);
  checkHasWords(fn, contexts);
  const d = featureSize(fn, dx, contexts);
  const batch = contexts.rows, positions = contexts.cols;
  const dE = zeros(vocabSize, d, dx.dtype);
  for (let b = 0; b < batch; b++) {
    for (let p = 0; p < positions; p++) {
      const word = contexts.data[b * positions + p];
      for (let j = 0; j < d; j++) {
        dE.data[word * d + j] += dx.data[b * positions * d + p * d + j];
      }
    }
  }
  return dE;
}
