/**
 * Examples as the trainer sees them: one context row and one target word each, and minibatches
 * cut from them in a given order.
 *
 * ```text
 * contexts [N, n−1]   the n−1 previous words of each example (word indices)
 * targets  [N]        the word that came next
 * ```
 *
 * @module
 */

import { argError, describeValue } from "./errors.ts";
import { checkIndices, IndexMatrix } from "./tensor.ts";

/** Examples: one context row and one target word each. */
export interface Dataset {
  /** `[N, n−1]` context word indices. */
  contexts: IndexMatrix;
  /** `[N]` target word indices. */
  targets: Int32Array;
}

/**
 * The examples at positions `order[start … end)` of a dataset, as a minibatch.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { batch } from "./dataset.ts";
 * import { indexMatrix } from "./tensor.ts";
 * const data = { contexts: indexMatrix([[0, 1], [1, 2], [2, 3]]), targets: new Int32Array([2, 3, 4]) };
 * const b = batch(data, new Int32Array([2, 0, 1]), 0, 2);
 * assertEquals(b.contexts.toArrays(), [[2, 3], [0, 1]]);
 * assertEquals(Array.from(b.targets), [4, 2]);
 * ```
 */
export function batch(data: Dataset, order: Int32Array, start: number, end: number): Dataset {
  const cols = data.contexts.cols;
  const size = end - start;
  const contexts = new Int32Array(size * cols);
  const targets = new Int32Array(size);
  for (let b = 0; b < size; b++) {
    const example = order[start + b];
    for (let j = 0; j < cols; j++) contexts[b * cols + j] = data.contexts.data[example * cols + j];
    targets[b] = data.targets[example];
  }
  return { contexts: new IndexMatrix(size, cols, contexts), targets };
}

/**
 * The minibatches `[start, end)` that cover `n` examples in order, `size` at a time (the last one
 * may be smaller).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { batchRanges } from "./dataset.ts";
 * assertEquals(batchRanges(5, 2), [[0, 2], [2, 4], [4, 5]]);
 * ```
 */
export function batchRanges(n: number, size: number): [number, number][] {
  const ranges: [number, number][] = [];
  for (let start = 0; start < n; start += size) ranges.push([start, Math.min(n, start + size)]);
  return ranges;
}

/**
 * Throws unless `data` is a dataset for a model of `vocabSize` words and `contextSize` previous
 * words: contexts `[N, contextSize]` and `N` targets, every index in `[0, vocabSize)`.
 *
 * @param fn the public function that checks, for the message
 * @param arg the argument's name, e.g. `"data.train"`
 *
 * @example
 * ```ts
 * import { assertThrows } from "@std/assert";
 * import { checkDataset } from "./dataset.ts";
 * import { indexMatrix } from "./tensor.ts";
 * const data = { contexts: indexMatrix([[0], [1]]), targets: new Int32Array([1, 5]) };
 * assertThrows(() => checkDataset("train", "data.train", data, 4, 1), RangeError, "data.train.targets[1]");
 * ```
 */
export function checkDataset(
  fn: string,
  arg: string,
  data: Dataset,
  vocabSize: number,
  contextSize: number,
): void {
  if (!data || !(data.contexts instanceof IndexMatrix) || !(data.targets instanceof Int32Array)) {
    throw argError(
      fn,
      arg,
      "{ contexts: IndexMatrix, targets: Int32Array }",
      describeValue(data),
      TypeError,
    );
  }
  checkIndices(fn, `${arg}.contexts`, data.contexts, vocabSize, contextSize);
  if (data.targets.length !== data.contexts.rows) {
    throw argError(
      fn,
      `${arg}.targets`,
      `${data.contexts.rows} targets (one per context)`,
      `${data.targets.length}`,
    );
  }
  for (let i = 0; i < data.targets.length; i++) {
    if (data.targets[i] < 0 || data.targets[i] >= vocabSize) {
      throw argError(
        fn,
        `${arg}.targets[${i}]`,
        `an index in [0, ${vocabSize})`,
        `${data.targets[i]}`,
      );
    }
  }
}

/**
 * Examples `start … end − 1` of a dataset, in order, sharing its memory (no copy).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { slice } from "./dataset.ts";
 * import { indexMatrix } from "./tensor.ts";
 * const data = { contexts: indexMatrix([[0, 1], [1, 2], [2, 3]]), targets: new Int32Array([2, 3, 4]) };
 * assertEquals(slice(data, 1, 3).contexts.toArrays(), [[1, 2], [2, 3]]);
 * ```
 */
export function slice(data: Dataset, start: number, end: number): Dataset {
  const cols = data.contexts.cols;
  return {
    contexts: new IndexMatrix(
      end - start,
      cols,
      data.contexts.data.subarray(start * cols, end * cols),
    ),
    targets: data.targets.subarray(start, end),
  };
}
