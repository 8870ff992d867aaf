/**
 * The affine backward exercise: a student's `dx = dy·W`, `dW = dyᵀ·x`, `db = Σ_r dy[r]`, checked
 * against the library's `linearBackward` (lib/nn/linear.ts).
 *
 * @module
 */

import { describeValue } from "../errors.ts";
import { linearBackward } from "../nn/linear.ts";
import { matrix } from "../tensor.ts";
import { type CheckResult, Report, requireFunction } from "./report.ts";
import {
  allClose,
  asRows,
  firstMismatch,
  num,
  row,
  sameShape,
  scale,
  shape,
  transpose,
} from "./values.ts";

/** The gradients an affine backward returns: `dx [B][in]`, `dW [out][in]`, `db [out]`. */
export interface AffineGrads {
  /** `dx[r][i] = Σ_o dy[r][o]·W[o][i]`, `[B][in]`. */
  dx: number[][];
  /** `dW[o][i] = Σ_r dy[r][o]·x[r][i]`, `[out][in]`. */
  dW: number[][];
  /** `db[o] = Σ_r dy[r][o]`, `[out]` (a `[1][out]` nested array is accepted too). */
  db: number[];
}

/** The backward of `y = W·x + b` over nested arrays: `(dy [B][out], x [B][in], W [out][in])`. */
export type AffineBackwardFn = (dy: number[][], x: number[][], W: number[][]) => AffineGrads;

const AFFINE_CASES: readonly { name: string; dy: number[][]; x: number[][]; W: number[][] }[] = [
  {
    // dx = dy·W = [1·1 − 2·2, 1·0 − 2·1, 1·(−1) − 2·0] = [−3, −2, −1]
    // dW = dyᵀ·x = [[1, 2, 3], [−2, −4, −6]], db = [1, −2]
    name: "one example (B = 1, in = 3, out = 2)",
    dy: [[1, -2]],
    x: [[1, 2, 3]],
    W: [[1, 0, -1], [2, 1, 0]],
  },
  {
    name: "a batch of 4 examples (B = 4, in = 3, out = 2)",
    dy: [[1, -1], [0.5, 2], [-1, 0], [2, 1]],
    x: [[1, 2, 0], [0, -1, 3], [2, 1, 1], [-1, 0, 2]],
    W: [[0.5, -1, 2], [1, 0, -0.5]],
  },
];

/**
 * Checks a student's backward of the affine layer `y = W·x + b` (W stored `[out][in]`),
 *
 * ```text
 * dx[r][i] = Σ_o dy[r][o]·W[o][i]     [B][in]
 * dW[o][i] = Σ_r dy[r][o]·x[r][i]     [out][in]    a sum over the batch
 * db[o]    = Σ_r dy[r][o]             [out]        a sum over the batch
 * ```
 *
 * against the library's `linearBackward` (lib/nn/linear.ts), on one example and on a batch of
 * four (where a gradient that is not summed, is averaged, or holds only the last example shows).
 *
 * @param fn the student's function `(dy, x, W) => { dx, dW, db }` on nested arrays; `db` is a
 * flat array of `out` numbers (a `[1][out]` nested array is accepted too)
 * @returns the verdict; messages such as `dW has shape [3, 2], expected [2, 3] (out x in)` or
 * `db is not summed over the batch`
 * @throws {TypeError} when `fn` is not a function
 *
 * @example
 * ```ts
 * import { assert, assertStringIncludes } from "@std/assert";
 * import { checkAffineBackward } from "./affine_backward.ts";
 * function affineBackward(dy: number[][], x: number[][], W: number[][]) {
 *   const batch = x.length, nIn = x[0].length, nOut = W.length;
 *   const dx = x.map((r) => r.map(() => 0));
 *   const dW = W.map((r) => r.map(() => 0));
 *   const db = W.map(() => 0);
 *   for (let r = 0; r < batch; r++) {
 *     for (let o = 0; o < nOut; o++) {
 *       db[o] += dy[r][o];
 *       for (let i = 0; i < nIn; i++) {
 *         dx[r][i] += dy[r][o] * W[o][i];
 *         dW[o][i] += dy[r][o] * x[r][i];
 *       }
 *     }
 *   }
 *   return { dx, dW, db };
 * }
 * assert(checkAffineBackward(affineBackward).ok);
 * const transposed = (dy: number[][], x: number[][], W: number[][]) => {
 *   const { dx, dW, db } = affineBackward(dy, x, W);
 *   return { dx, dW: dW[0].map((_, i) => dW.map((r) => r[i])), db };
 * };
 * assertStringIncludes(checkAffineBackward(transposed).messages.join("\n"), "(out x in)");
 * ```
 */
export function checkAffineBackward(fn: AffineBackwardFn): CheckResult {
  requireFunction("checkAffineBackward", fn, "(dy, x, W) => { dx, dW, db }");
  const report = new Report("affine backward");
  for (const { name, dy, x, W } of AFFINE_CASES) {
    const run = report.attempt(
      name,
      { dy, x, W },
      (c) => fn(c.dy as number[][], c.x as number[][], c.W as number[][]),
    );
    if (report.todo) break;
    if (run === null) continue;
    const ref = linearBackward(matrix(dy), matrix(x), matrix(W));
    const want = { dx: ref.dx.toArrays(), dW: ref.dW.toArrays(), db: ref.db.row(0) };
    for (const problem of diagnoseAffine(dy, x, run.value, want)) report.fail(name, problem);
  }
  return report.result();
}

function diagnoseAffine(
  dy: number[][],
  x: number[][],
  value: unknown,
  want: { dx: number[][]; dW: number[][]; db: number[] },
): string[] {
  if (value === null || typeof value !== "object") {
    return [`returned ${describeValue(value)}, expected an object { dx, dW, db }`];
  }
  const result = value as Record<string, unknown>;
  const batch = x.length;
  const last = batch - 1;
  const problems: string[] = [];

  // dx = dy·W, [B][in]
  const dx = asRows(result.dx);
  if (result.dx === undefined) {
    problems.push("dx is missing from the returned object { dx, dW, db }");
  } else if ("problem" in dx) {
    problems.push(`dx ${dx.problem}`);
  } else if (!sameShape(dx.rows, want.dx)) {
    problems.push(
      `dx has shape ${shape(dx.rows)}, expected ${shape(want.dx)} (B x in): ` +
        `dx[r][i] = Σ_o dy[r][o]·W[o][i]`,
    );
  } else {
    const miss = firstMismatch(dx.rows, want.dx);
    if (miss !== null) {
      const [r, i] = miss;
      problems.push(
        `dx[${r}][${i}] = ${num(dx.rows[r][i])}, expected ${num(want.dx[r][i])} ` +
          `(dx[r][i] = Σ_o dy[r][o]·W[o][i])`,
      );
    }
  }

  // dW = dyᵀ·x, [out][in], summed over the batch
  const dW = asRows(result.dW);
  const lastOnlyW = want.dW.map((_, o) => x[last].map((xi) => dy[last][o] * xi));
  if (result.dW === undefined) {
    problems.push("dW is missing from the returned object { dx, dW, db }");
  } else if ("problem" in dW) {
    problems.push(`dW ${dW.problem}`);
  } else if (!sameShape(dW.rows, want.dW)) {
    let message = `dW has shape ${shape(dW.rows)}, expected ${shape(want.dW)} (out x in)`;
    if (allClose(dW.rows, transpose(want.dW))) {
      message += ": it is the transpose — W is stored [out][in], so dW[o][i] = " +
        "Σ_r dy[r][o]·x[r][i]";
    }
    problems.push(message);
  } else if (!allClose(dW.rows, want.dW)) {
    if (batch > 1 && allClose(dW.rows, scale(want.dW, 1 / batch))) {
      problems.push(
        `dW is divided by the batch size ${batch} (a mean): the layer's gradients are sums ` +
          `over the batch; the 1/B of a mean loss already came in through dy`,
      );
    } else if (batch > 1 && allClose(dW.rows, lastOnlyW)) {
      problems.push(
        "dW holds only the last example's dy[r][o]·x[r][i]: add (+=) the contributions of " +
          "every row r of the batch",
      );
    } else {
      const [o, i] = firstMismatch(dW.rows, want.dW)!;
      problems.push(
        `dW[${o}][${i}] = ${num(dW.rows[o][i])}, expected ${num(want.dW[o][i])} ` +
          `(dW[o][i] = Σ_r dy[r][o]·x[r][i])`,
      );
    }
  }

  // db = Σ_r dy[r], [out]
  if (result.db === undefined) {
    problems.push("db is missing from the returned object { dx, dW, db }");
  } else {
    const db = asDb(result.db);
    const nOut = want.db.length;
    if (typeof db === "string") {
      problems.push(db);
    } else if (Array.isArray(db[0])) {
      const rows = db as number[][];
      problems.push(
        rows.length === batch && batch > 1
          ? `db is not summed over the batch: it has shape ${shape(rows)}, one row per ` +
            `example; db[o] = Σ_r dy[r][o] is one number per output`
          : `db has shape ${shape(rows)}, expected ${nOut} numbers (one per output)`,
      );
    } else {
      const flat = db as number[];
      if (flat.length !== nOut) {
        problems.push(
          flat.length === x[0].length
            ? `db has ${flat.length} entries, one per input; expected ${nOut}, one per output`
            : `db has ${flat.length} entries, expected ${nOut} (one per output)`,
        );
      } else if (!allClose([flat], [want.db])) {
        if (batch > 1 && allClose([flat], [want.db.map((v) => v / batch)])) {
          problems.push(
            `db is divided by the batch size ${batch} (a mean): db[o] = Σ_r dy[r][o] is a ` +
              `sum over the batch`,
          );
        } else if (batch > 1 && allClose([flat], [dy[last]])) {
          problems.push(
            "db is not summed over the batch: it equals dy of the last example only; " +
              "db[o] = Σ_r dy[r][o]",
          );
        } else {
          problems.push(`db = ${row(flat)}, expected ${row(want.db)} (db[o] = Σ_r dy[r][o])`);
        }
      }
    }
  }
  return problems;
}

/** `db` as a flat array, as rows (when it is not `[1][out]`), or why it is neither. */
function asDb(value: unknown): number[] | number[][] | string {
  if (Array.isArray(value) && value.every((v) => typeof v === "number")) return value;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return Array.from(value as unknown as ArrayLike<number>);
  }
  const rows = asRows(value);
  if ("problem" in rows) return `db ${rows.problem}`;
  return rows.rows.length === 1 ? rows.rows[0] : rows.rows;
}
