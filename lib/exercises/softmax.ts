/**
 * The softmax exercise: a student's `p[b][j] = exp(s[b][j] − m_b) / Σ_k exp(s[b][k] − m_b)`,
 * checked against the library's `softmax` (lib/nn/softmax.ts).
 *
 * @module
 */

import { softmax } from "../nn/softmax.ts";
import { matrix } from "../tensor.ts";
import { type CheckResult, Report, requireFunction } from "./report.ts";
import {
  asRows,
  big,
  close,
  firstMismatch,
  num,
  row,
  sameShape,
  shape,
  transpose,
} from "./values.ts";

/** A softmax over nested arrays: `scores [B][V]` to probabilities `[B][V]`, row by row. */
export type SoftmaxFn = (scores: number[][]) => number[][];

const SOFTMAX_CASES: readonly { name: string; scores: number[][] }[] = [
  // exp(0) : exp(ln 3) = 1 : 3, so p = [1/4, 3/4]
  { name: "one row [0, ln 3]", scores: [[0, Math.log(3)]] },
  { name: "a batch of 4 rows", scores: [[1, 2, 3], [0, 0, 0], [-1, 0.5, 2], [3, 1, -2]] },
  { name: "scores of 1e4", scores: [[1e4, 1e4 - 1, 1e4 - 2], [1e4, 0, -1e4]] },
  { name: "scores of -1e4", scores: [[-1e4, -1e4 + 1, -1e4 + 2]] },
  // A batch-wide maximum (1e4) would leave every exp of row 1 at exp(−2e4) = 0.
  { name: "rows of 1e4 and -1e4 in one batch", scores: [[1e4, 1e4 - 1], [-1e4, -1e4 + 1]] },
  { name: "a single word", scores: [[5]] },
];

/**
 * Checks a student's softmax `p[b][j] = exp(s[b][j] − m_b) / Σ_k exp(s[b][k] − m_b)`,
 * `m_b = max_k s[b][k]`, against the library's `softmax` (lib/nn/softmax.ts): a row worked by
 * hand, a batch of several rows (each row is its own distribution), scores of ±1e4 (which
 * overflow or underflow without the max subtraction), rows of very different size in one batch
 * (the maximum must be each row's own), and a single word.
 *
 * @param fn the student's function, `(scores: number[][]) => number[][]`, `[B][V]` to `[B][V]`
 * @returns the verdict; its messages say what is wrong, e.g. `rows do not sum to 1 (row 0 sums
 * to 1.73)` or `overflow: got NaN for scores of 1e4 — subtract the row maximum before exp`
 * @throws {TypeError} when `fn` is not a function
 *
 * @example
 * ```ts
 * import { assert, assertStringIncludes } from "@std/assert";
 * import { checkSoftmax } from "./softmax.ts";
 * function softmax(scores: number[][]): number[][] {
 *   const probs: number[][] = [];
 *   for (let b = 0; b < scores.length; b++) {
 *     const max = Math.max(...scores[b]);
 *     const e = scores[b].map((s) => Math.exp(s - max));
 *     const sum = e.reduce((a, v) => a + v, 0);
 *     probs.push(e.map((v) => v / sum));
 *   }
 *   return probs;
 * }
 * assert(checkSoftmax(softmax).ok);
 * // Without the max subtraction exp(1e4) is Infinity, and Infinity / Infinity is NaN.
 * const naive = (scores: number[][]) =>
 *   scores.map((r) => r.map(Math.exp)).map((e) => e.map((v) => v / e.reduce((a, w) => a + w)));
 * assertStringIncludes(checkSoftmax(naive).messages.join("\n"), "subtract the row maximum");
 * ```
 */
export function checkSoftmax(fn: SoftmaxFn): CheckResult {
  requireFunction("checkSoftmax", fn, "(scores: number[][]) => number[][]");
  const report = new Report("softmax");
  for (const { name, scores } of SOFTMAX_CASES) {
    const run = report.attempt(name, { scores }, (c) => fn(c.scores as number[][]));
    if (report.todo) break;
    if (run === null) continue;
    const want = softmax(matrix(scores)).toArrays();
    const problem = diagnoseSoftmax(scores, run.value, want);
    if (problem !== null) report.fail(name, problem);
  }
  return report.result();
}

function diagnoseSoftmax(scores: number[][], value: unknown, want: number[][]): string | null {
  const got = asRows(value);
  if ("problem" in got) return `the result ${got.problem}`;
  const p = got.rows;
  if (!sameShape(p, want)) {
    return `the result has shape ${shape(p)}, expected ${shape(want)} (the shape of scores: ` +
      `one row per example, one column per word)`;
  }
  for (let b = 0; b < p.length; b++) {
    for (let j = 0; j < p[b].length; j++) {
      if (Number.isFinite(p[b][j])) continue;
      const rowMax = Math.max(...scores[b]);
      if (rowMax > 709) {
        const why = Number.isNaN(p[b][j]) ? ", and Infinity / Infinity is NaN" : "";
        return `overflow: got ${p[b][j]} for scores of ${big(rowMax)} — subtract the row ` +
          `maximum before exp (exp(${big(rowMax)}) is Infinity in floating point${why})`;
      }
      if (rowMax < -745) {
        return `underflow: got ${p[b][j]} for scores of ${big(rowMax)} (row ${b}) — every ` +
          `exp(${big(rowMax)}) rounds to 0 and 0 / 0 is NaN: subtract the row's own maximum ` +
          `before exp`;
      }
      return `got ${p[b][j]} at [${b}][${j}]`;
    }
  }
  for (let b = 0; b < p.length; b++) {
    for (let j = 0; j < p[b].length; j++) {
      if (p[b][j] < 0) return `probabilities must be >= 0, got ${num(p[b][j])} at [${b}][${j}]`;
    }
  }
  for (let b = 0; b < p.length; b++) {
    let sum = 0;
    for (let j = 0; j < p[b].length; j++) sum += p[b][j];
    if (close(sum, 1)) continue;
    let message = `rows do not sum to 1 (row ${b} sums to ${num(sum)})`;
    if (p.length > 1) {
      let total = 0;
      for (const r of p) for (const v of r) total += v;
      const columnsSumTo1 = transpose(p).every((column) =>
        close(column.reduce((a, v) => a + v, 0), 1)
      );
      if (close(total, 1)) {
        message += ": the whole batch sums to 1 — normalise each row on its own";
      } else if (columnsSumTo1) {
        message += ": each column sums to 1 — normalise along a row (over the words j), " +
          "not down a column";
      }
    }
    return message;
  }
  const miss = firstMismatch(p, want);
  if (miss !== null) {
    const b = miss[0];
    return `row ${b}: got ${row(p[b])}, expected ${row(want[b])} ` +
      `(p[b][j] = exp(s[b][j] − max_k s[b][k]) / Σ_k exp(s[b][k] − max_k s[b][k]))`;
  }
  return null;
}
