/**
 * Sliding windows: turns one long index sequence into training examples `(context, target)`,
 * where the context is the `n - 1` tokens before the target, as in Bengio et al. (2003).
 *
 * @module
 */

import { argError, describeValue } from "../errors.ts";
import { IndexMatrix } from "../tensor.ts";

/** Training examples made by {@linkcode makeWindows}: row `t` of `contexts` predicts `targets[t]`. */
export interface ContextWindows {
  /** `[N, contextSize]`: the `contextSize` tokens before each target, oldest first. */
  contexts: IndexMatrix;
  /** `[N]`: the token to predict after each context. */
  targets: Int32Array;
}

/** Options of {@linkcode makeWindows}. */
export interface WindowOptions {
  /**
   * `false` (default): the sequence is one stream, and a context may reach back across a
   * boundary token into the previous line, as Bengio et al. (2003) read the Brown corpus.
   * `true`: each line starts afresh, so a context never holds tokens from before the last
   * boundary; those positions are padded with `boundary` as at the very start (one name per line,
   * as in makemore).
   */
  resetAtBoundary?: boolean;
}

/**
 * One training example per position of an index sequence.
 *
 * For a sequence `w[0..N-1]`, context size `k` and boundary index `b`, example `t`
 * (`0 <= t < N`) is
 *
 * ```text
 * contexts[t][j] = w[t - k + j]   if t - k + j >= 0      (j = 0 .. k-1, oldest first)
 *                = b              otherwise              (padding before the start)
 * targets[t]     = w[t]
 * ```
 *
 * so the first token is predicted from `k` boundaries, exactly as a token after a `</s>` is
 * predicted at the start of a new line. For `w = [5, 6, 7, 8, 9]`, `k = 3`, `b = 1`:
 *
 * ```text
 * t   context     target
 * 0   [1, 1, 1]   5
 * 1   [1, 1, 5]   6
 * 2   [1, 5, 6]   7
 * 3   [5, 6, 7]   8
 * 4   [6, 7, 8]   9
 * ```
 *
 * With `resetAtBoundary`, the start of the sequence moves to just after the latest boundary token
 * before `t`: positions before it are padded with `b` too.
 *
 * @param indices the token indices, integers `>= 0` (usually from a vocabulary's `encode`)
 * @param contextSize `k = n - 1`, the number of previous tokens the model sees (integer >= 1)
 * @param boundary the index used for padding (the vocabulary's `boundaryIndex`)
 * @param options `resetAtBoundary` (default `false`)
 * @returns `contexts` `[N, k]` and `targets` `[N]`, fresh arrays
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { makeWindows } from "./windows.ts";
 * const { contexts, targets } = makeWindows(new Int32Array([5, 6, 7]), 2, 1);
 * assertEquals(contexts.toArrays(), [[1, 1], [1, 5], [5, 6]]);
 * assertEquals(targets, new Int32Array([5, 6, 7]));
 * ```
 */
export function makeWindows(
  indices: ArrayLike<number>,
  contextSize: number,
  boundary: number,
  options: WindowOptions = {},
): ContextWindows {
  const fn = "makeWindows";
  if (indices === null || typeof indices !== "object" || typeof indices.length !== "number") {
    throw argError(fn, "indices", "an array of indices", describeValue(indices), TypeError);
  }
  if (typeof contextSize !== "number" || !Number.isInteger(contextSize) || contextSize < 1) {
    throw argError(fn, "contextSize", "an integer >= 1", describeValue(contextSize));
  }
  if (typeof boundary !== "number" || !Number.isInteger(boundary) || boundary < 0) {
    throw argError(fn, "boundary", "an integer >= 0", describeValue(boundary));
  }
  const reset = options.resetAtBoundary ?? false;
  if (typeof reset !== "boolean") {
    throw argError(fn, "options.resetAtBoundary", "a boolean", describeValue(reset), TypeError);
  }

  const n = indices.length;
  const k = contextSize;
  const sequence = new Int32Array(n);
  for (let t = 0; t < n; t++) {
    const w = indices[t];
    if (!Number.isInteger(w) || w < 0 || w > 2147483647) {
      throw argError(fn, `indices[${t}]`, "an integer >= 0", describeValue(w));
    }
    sequence[t] = w;
  }

  const contexts = new Int32Array(n * k);
  const targets = new Int32Array(n);
  let lineStart = 0; // the first position a context may look at
  for (let t = 0; t < n; t++) {
    for (let j = 0; j < k; j++) {
      const position = t - k + j;
      contexts[t * k + j] = position >= lineStart ? sequence[position] : boundary;
    }
    targets[t] = sequence[t];
    if (reset && sequence[t] === boundary) lineStart = t + 1;
  }
  return { contexts: new IndexMatrix(n, k, contexts), targets };
}
