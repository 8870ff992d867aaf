/**
 * The momentum exercise: a student's `m ← β·m + (1 − β)·g`, `W ← W − lr·m`, checked against the
 * library's `momentumStep` (lib/nn/momentum.ts).
 *
 * @module
 */

import { describeValue } from "../errors.ts";
import { momentumStep } from "../nn/momentum.ts";
import { matrix } from "../tensor.ts";
import { type CheckResult, Report, requireFunction } from "./report.ts";
import { allClose, asRows, firstMismatch, num, sameShape, shape } from "./values.ts";

/** The new weights and velocity a momentum step returns. */
export interface MomentumState {
  /** The new weights `W − lr·m`. */
  W: number[][];
  /** The new velocity `β·m + (1 − β)·g`. */
  m: number[][];
}

/** One momentum step on one weight matrix: `(W, m, g, lr, beta) => { W, m }`, pure. */
export type MomentumStepFn = (
  W: number[][],
  m: number[][],
  g: number[][],
  lr: number,
  beta: number,
) => MomentumState;

const MOMENTUM_CASES: readonly {
  name: string;
  W: number[][];
  m: number[][];
  g: number[][];
  lr: number;
  beta: number;
}[] = [
  // m = 0.9·0 + 0.1·2 = 0.2 ; W = 1 − 0.5·0.2 = 0.9
  { name: "one weight, first step", W: [[1]], m: [[0]], g: [[2]], lr: 0.5, beta: 0.9 },
  {
    name: "a 2 x 3 matrix with a velocity",
    W: [[1, -2, 0.5], [0, 3, -1]],
    m: [[0.5, 0, -1], [2, -0.5, 0.25]],
    g: [[1, 2, -3], [0.5, 0, 4]],
    lr: 0.1,
    beta: 0.9,
  },
  {
    name: "beta = 0 (plain SGD)",
    W: [[2, -1], [0.5, 1]],
    m: [[3, 1], [-2, 0.5]],
    g: [[1, -1], [2, 0.5]],
    lr: 0.2,
    beta: 0,
  },
];

/**
 * Checks a student's momentum step in the form of this project (the velocity is an average of
 * the gradients),
 *
 * ```text
 * m ← β·m + (1 − β)·g
 * W ← W − lr·m                (with the new m)
 * ```
 *
 * against the library's `momentumStep` (lib/nn/momentum.ts), on a single weight, a `2 x 3`
 * matrix with a non-zero velocity, and `β = 0` (plain SGD). The function must be pure: new
 * arrays come back, `W`, `m` and `g` are left as they were.
 *
 * @param fn the student's function `(W, m, g, lr, beta) => { W, m }` on nested arrays
 * @returns the verdict; messages such as `you mutated the input m` or `you forgot the factor
 * (1 − β) on g`
 * @throws {TypeError} when `fn` is not a function
 *
 * @example
 * ```ts
 * import { assert, assertStringIncludes } from "@std/assert";
 * import { checkMomentumStep } from "./momentum_step.ts";
 * function momentumStep(W: number[][], m: number[][], g: number[][], lr: number, beta: number) {
 *   const newM = m.map((r, i) => r.map((mij, j) => beta * mij + (1 - beta) * g[i][j]));
 *   const newW = W.map((r, i) => r.map((wij, j) => wij - lr * newM[i][j]));
 *   return { W: newW, m: newM };
 * }
 * assert(checkMomentumStep(momentumStep).ok);
 * const inPlace = (W: number[][], m: number[][], g: number[][], lr: number, beta: number) => {
 *   const next = momentumStep(W, m, g, lr, beta);
 *   for (let i = 0; i < m.length; i++) m[i] = next.m[i]; // writes into the caller's m
 *   return next;
 * };
 * assertStringIncludes(checkMomentumStep(inPlace).messages.join("\n"), "you mutated the input m");
 * ```
 */
export function checkMomentumStep(fn: MomentumStepFn): CheckResult {
  requireFunction("checkMomentumStep", fn, "(W, m, g, lr, beta) => { W, m }");
  const report = new Report("momentum step");
  for (const { name, W, m, g, lr, beta } of MOMENTUM_CASES) {
    const run = report.attempt(
      name,
      { W, m, g },
      (c) => fn(c.W as number[][], c.m as number[][], c.g as number[][], lr, beta),
    );
    if (report.todo) break;
    if (run === null) continue;
    const ref = momentumStep({ W: matrix(W) }, { W: matrix(g) }, { W: matrix(m) }, { lr, beta });
    const want = { W: ref.params.W.toArrays(), m: ref.velocity.W.toArrays() };
    for (const problem of diagnoseMomentum({ W, m, g, lr, beta }, run.value, want)) {
      report.fail(name, problem);
    }
  }
  return report.result();
}

function diagnoseMomentum(
  input: { W: number[][]; m: number[][]; g: number[][]; lr: number; beta: number },
  value: unknown,
  want: { W: number[][]; m: number[][] },
): string[] {
  if (value === null || typeof value !== "object") {
    return [`returned ${describeValue(value)}, expected an object { W, m }`];
  }
  const result = value as Record<string, unknown>;
  const { W, m, g, lr, beta } = input;
  const combine = (a: number[][], fa: number, b: number[][], fb: number) =>
    a.map((r, i) => r.map((v, j) => fa * v + fb * b[i][j]));
  const problems: string[] = [];

  const gotM = asRows(result.m);
  let studentM: number[][] | null = null;
  if (result.m === undefined) {
    problems.push("m is missing from the returned object { W, m }");
  } else if ("problem" in gotM) {
    problems.push(`the new m ${gotM.problem}`);
  } else if (!sameShape(gotM.rows, want.m)) {
    problems.push(`the new m has shape ${shape(gotM.rows)}, expected ${shape(want.m)}`);
  } else {
    studentM = gotM.rows;
    if (!allClose(studentM, want.m)) {
      if (beta !== 0 && allClose(studentM, combine(m, beta, g, 1))) {
        problems.push(
          "m = β·m + g: you forgot the factor (1 − β) on g; here m = β·m + (1 − β)·g, an " +
            "average of the gradients",
        );
      } else if (allClose(studentM, combine(m, 1 - beta, g, beta))) {
        problems.push("β and (1 − β) are swapped: m = β·m + (1 − β)·g keeps β of the old m");
      } else if (beta !== 0 && allClose(studentM, g)) {
        problems.push("the new m equals g: the velocity keeps β of the old m, m = β·m + (1 − β)·g");
      } else {
        const [i, j] = firstMismatch(studentM, want.m)!;
        problems.push(
          `m[${i}][${j}] = ${num(studentM[i][j])}, expected ${num(want.m[i][j])} ` +
            `(m = β·m + (1 − β)·g)`,
        );
      }
    }
  }

  const gotW = asRows(result.W);
  if (result.W === undefined) {
    problems.push("W is missing from the returned object { W, m }");
  } else if ("problem" in gotW) {
    problems.push(`the new W ${gotW.problem}`);
  } else if (!sameShape(gotW.rows, want.W)) {
    problems.push(`the new W has shape ${shape(gotW.rows)}, expected ${shape(want.W)}`);
  } else if (!allClose(gotW.rows, want.W)) {
    const nW = gotW.rows;
    const followsStudentM = studentM !== null && allClose(nW, combine(W, 1, studentM, -lr));
    if (followsStudentM) {
      // W = W − lr·m with the student's own m: the mistake is in m, reported above.
    } else if (allClose(nW, combine(W, 1, want.m, lr))) {
      problems.push("W moved uphill: the step goes against the velocity, W = W − lr·m");
    } else if (!allClose(m, want.m) && allClose(nW, combine(W, 1, m, -lr))) {
      problems.push(
        "W moved by the old velocity: update m first, then W = W − lr·m with the new m",
      );
    } else if (beta !== 0 && allClose(nW, combine(W, 1, g, -lr))) {
      problems.push("W moved by lr·g: the step uses the velocity, W = W − lr·m with the new m");
    } else {
      const [i, j] = firstMismatch(nW, want.W)!;
      problems.push(
        `W[${i}][${j}] = ${num(nW[i][j])}, expected ${num(want.W[i][j])} (W = W − lr·m, ` +
          `with the new m)`,
      );
    }
  }
  return problems;
}
