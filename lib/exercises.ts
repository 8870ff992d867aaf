/**
 * Checkers for the student exercises of `notebooks/08_exercises.ipynb`: a student writes an
 * equation of the model as a plain function over nested arrays, and a checker runs it on several
 * cases, compares it with the library's reference function, and says specifically what is wrong.
 *
 * - {@linkcode checkSoftmax}: `p[b][j] = exp(s[b][j] − m_b) / Σ_k exp(s[b][k] − m_b)`, against
 *   `softmax` (nn/softmax.ts);
 * - {@linkcode checkAffineBackward}: `dx = dy·W`, `dW = dyᵀ·x`, `db = Σ_r dy[r]`, against
 *   `linearBackward` (nn/linear.ts);
 * - {@linkcode checkCrossEntropy}: `L = −(1/B) Σ_b log p[b][t_b]`, against `crossEntropy`
 *   (nn/cross_entropy.ts);
 * - {@linkcode checkPerplexity}: `PPL = exp(−(1/N) Σ_t log p_t)`, against `perplexity`
 *   (nn/cross_entropy.ts);
 * - {@linkcode checkMomentumStep}: `m ← β·m + (1 − β)·g`, `W ← W − lr·m`, against
 *   `momentumStep` (nn/momentum.ts);
 * - {@linkcode checkSampleWithTemperature}: a draw from `softmax(scores / T)` with a given `Rng`,
 *   against `samplingDistribution` (generate.ts).
 *
 * Every checker returns a {@linkcode CheckResult}, which shows itself in a notebook (a green
 * "✓ correct", or a red list of what is wrong) and has `.ok` and `.messages` for code. The
 * checkers never throw because of the student's code: an exception it throws is caught and
 * reported, and the exception of an unfinished skeleton (`throw new Error("not implemented
 * yet")`) makes the result "not done yet" rather than wrong. Each case is run on fresh copies of
 * its inputs, and a function that writes into its arguments is told so.
 *
 * @module
 */

import { argError, describeValue } from "./errors.ts";
import { samplingDistribution } from "./generate.ts";
import { escapeHtml, JUPYTER_DISPLAY, type MimeBundle } from "./notebook/jupyter.ts";
import { crossEntropy, perplexity } from "./nn/cross_entropy.ts";
import { linearBackward } from "./nn/linear.ts";
import { momentumStep } from "./nn/momentum.ts";
import { softmax } from "./nn/softmax.ts";
import { Rng } from "./random.ts";
import { Matrix, matrix } from "./tensor.ts";

// ---------------------------------------------------------------------------------------------
// The result of a check
// ---------------------------------------------------------------------------------------------

/**
 * Where an exercise stands: `"correct"`, `"wrong"` (the messages say why) or `"todo"` (the
 * function still throws "not implemented yet").
 */
export type CheckStatus = "correct" | "wrong" | "todo";

/**
 * The verdict of a checker: `ok`, the list of what is wrong, and the cases that were run. In a
 * notebook it displays itself as a green "✓ correct", an amber "not done yet", or a red list.
 *
 * @example
 * ```ts
 * import { assert, assertEquals, assertStringIncludes } from "@std/assert";
 * import { CheckResult } from "./exercises.ts";
 * import { JUPYTER_DISPLAY } from "./notebook/jupyter.ts";
 * const good = new CheckResult("softmax", [], ["one row"]);
 * assert(good.ok);
 * assertEquals(good.status, "correct");
 * const bad = new CheckResult("softmax", ["one row: rows do not sum to 1 (row 0 sums to 2)"]);
 * assertEquals(bad.ok, false);
 * const html = bad[JUPYTER_DISPLAY]()["text/html"];
 * assertStringIncludes(html ?? "", "rows do not sum to 1");
 * ```
 */
export class CheckResult {
  /** The exercise, e.g. `"softmax"`. */
  readonly exercise: string;
  /** `"correct"`, `"wrong"` or `"todo"`. */
  readonly status: CheckStatus;
  /** `true` exactly when the status is `"correct"`. */
  readonly ok: boolean;
  /** What is wrong, one sentence each, prefixed with the case; empty when correct. */
  readonly messages: string[];
  /** The names of the cases the checker ran. */
  readonly cases: string[];

  /**
   * @param exercise the exercise's name
   * @param messages what is wrong (none: correct)
   * @param cases the cases that were run
   * @param todo `true` when the function is not written yet (its skeleton threw)
   */
  constructor(
    exercise: string,
    messages: readonly string[],
    cases: readonly string[] = [],
    todo = false,
  ) {
    this.exercise = exercise;
    this.messages = [...messages];
    this.cases = [...cases];
    this.status = todo ? "todo" : this.messages.length === 0 ? "correct" : "wrong";
    this.ok = this.status === "correct";
  }

  /** The verdict as plain text, one problem per line. */
  toString(): string {
    if (this.status === "correct") {
      return `✓ correct: ${this.exercise} (checked: ${this.cases.join("; ")})`;
    }
    if (this.status === "todo") return `○ ${this.exercise}: not done yet — ${this.messages[0]}`;
    const count = this.messages.length === 1 ? "1 problem" : `${this.messages.length} problems`;
    return [`✗ ${this.exercise}: ${count}`, ...this.messages.map((m) => `  - ${m}`)].join("\n");
  }

  /** The MIME bundle the Deno kernel shows: the text above, and HTML in colour. */
  [JUPYTER_DISPLAY](): MimeBundle {
    const name = escapeHtml(this.exercise);
    let html: string;
    if (this.status === "correct") {
      html = `<div><span style="color:#1a7f37;font-weight:bold">✓ correct</span>` +
        ` <span style="color:#57606a">${name} — checked: ${
          escapeHtml(this.cases.join("; "))
        }</span></div>`;
    } else if (this.status === "todo") {
      html = `<div style="color:#9a6700"><b>○ ${name}: not done yet</b> — ${
        escapeHtml(this.messages[0])
      }</div>`;
    } else {
      const items = this.messages.map((m) => `<li>${escapeHtml(m)}</li>`).join("");
      html = `<div style="color:#cf222e"><b>✗ ${name}: ${
        this.messages.length === 1 ? "1 problem" : `${this.messages.length} problems`
      }</b><ul style="margin:4px 0">${items}</ul></div>`;
    }
    return { "text/plain": this.toString(), "text/html": html };
  }

  /** How `console.log` prints the result: {@linkcode CheckResult.toString}. */
  [Symbol.for("Deno.customInspect")](): string {
    return this.toString();
  }
}

// ---------------------------------------------------------------------------------------------
// The student's functions
// ---------------------------------------------------------------------------------------------

/** A softmax over nested arrays: `scores [B][V]` to probabilities `[B][V]`, row by row. */
export type SoftmaxFn = (scores: number[][]) => number[][];

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

/** The mean cross-entropy of `probs [B][V]` against `targets [B]`. */
export type CrossEntropyFn = (probs: number[][], targets: number[]) => number;

/** Perplexity from the probabilities the model gave the `N` target words. */
export type PerplexityFn = (targetProbs: number[]) => number;

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

/** A draw of a word index from `softmax(scores / T)` using the generator `rng`. */
export type SampleWithTemperatureFn = (scores: number[], T: number, rng: Rng) => number;

// ---------------------------------------------------------------------------------------------
// Running the student's code
// ---------------------------------------------------------------------------------------------

/** Nested arrays of numbers as inputs: copied before each call and compared after it. */
type Input = number | number[] | number[][];

const NOT_IMPLEMENTED = /not implemented/i;

/** Collects the verdict while a checker runs the cases. */
class Report {
  readonly messages: string[] = [];
  readonly cases: string[] = [];
  readonly #mutated = new Set<string>();
  todo = false;

  constructor(readonly exercise: string) {}

  /**
   * Runs `call` on fresh copies of `inputs`. Returns `{ value }`, or `null` when the student's
   * code threw: the error is then recorded (or, for "not implemented", the report becomes todo).
   * Writing into an input is recorded once per input name.
   */
  attempt(
    caseName: string,
    inputs: Readonly<Record<string, Input>>,
    call: (copies: Record<string, Input>) => unknown,
    hint = "",
  ): { value: unknown } | null {
    if (!this.cases.includes(caseName)) this.cases.push(caseName);
    const copies: Record<string, Input> = {};
    for (const name of Object.keys(inputs)) copies[name] = copyInput(inputs[name]);
    let value: unknown;
    try {
      value = call(copies);
    } catch (error) {
      const text = error instanceof Error
        ? `${error.name}: ${error.message}`
        : describeValue(error);
      if (NOT_IMPLEMENTED.test(text)) {
        this.todo = true;
      } else {
        this.fail(caseName, `your function threw ${text}${hint}`);
      }
      return null;
    }
    for (const name of Object.keys(inputs)) {
      const change = findChange(name, inputs[name], copies[name]);
      if (change !== null && !this.#mutated.has(name)) {
        this.#mutated.add(name);
        this.messages.push(
          `you mutated the input ${name} (${change}): work on new arrays and leave the ` +
            `arguments as they were`,
        );
      }
    }
    return { value };
  }

  fail(caseName: string, message: string): void {
    this.messages.push(`${caseName}: ${message}`);
  }

  result(): CheckResult {
    if (this.todo) {
      return new CheckResult(
        this.exercise,
        [
          'your function still throws "not implemented yet": fill in the TODO and run this ' +
          "cell again",
        ],
        this.cases,
        true,
      );
    }
    return new CheckResult(this.exercise, this.messages, this.cases);
  }
}

function requireFunction(fn: string, f: unknown, signature: string): void {
  if (typeof f !== "function") {
    throw argError(fn, "fn", `a function ${signature}`, describeValue(f), TypeError);
  }
}

function copyInput(value: Input): Input {
  if (Array.isArray(value)) return value.map((v) => copyInput(v)) as Input;
  return value;
}

/** `null` when `after` equals `before`, else where they first differ: `m[0][1] was 0, is now 2`. */
function findChange(path: string, before: unknown, after: unknown): string | null {
  if (Array.isArray(before)) {
    if (!Array.isArray(after) || after.length !== before.length) {
      return `${path} was ${describeValue(before)}, is now ${describeValue(after)}`;
    }
    for (let k = 0; k < before.length; k++) {
      const change = findChange(`${path}[${k}]`, before[k], after[k]);
      if (change !== null) return change;
    }
    return null;
  }
  if (Object.is(before, after)) return null;
  return `${path} was ${show(before)}, is now ${show(after)}`;
}

// ---------------------------------------------------------------------------------------------
// Reading what came back
// ---------------------------------------------------------------------------------------------

/** A number for a message: at most 4 significant digits. */
function num(x: number): string {
  if (!Number.isFinite(x) || Number.isInteger(x)) return String(x);
  return String(Number(x.toPrecision(4)));
}

/** A large score as `1e4`, `-1e4`. */
function big(x: number): string {
  return x.toExponential(0).replace("e+", "e");
}

function show(value: unknown): string {
  if (typeof value === "number") return num(value);
  if (Array.isArray(value) && value.every((v) => typeof v === "number")) return row(value);
  return describeValue(value);
}

function row(values: ArrayLike<number>): string {
  const shown = Array.from(values).slice(0, 6).map(num).join(", ");
  return `[${shown}${values.length > 6 ? ", …" : ""}]`;
}

function shape(rows: readonly (readonly number[])[]): string {
  return `[${rows.length}, ${rows.length === 0 ? 0 : rows[0].length}]`;
}

/**
 * Nested arrays of numbers from what the student returned, or why it is not one: a `Matrix`
 * or typed-array rows are accepted as well.
 */
function asRows(value: unknown): { rows: number[][] } | { problem: string } {
  if (value instanceof Matrix) return { rows: value.toArrays() };
  if (!Array.isArray(value)) {
    return { problem: `is not an array of rows (got ${describeValue(value)})` };
  }
  const rows: number[][] = [];
  for (let r = 0; r < value.length; r++) {
    const entry = value[r];
    if (!Array.isArray(entry) && !(ArrayBuffer.isView(entry) && !(entry instanceof DataView))) {
      return {
        problem: `is not an array of rows: entry ${r} is ${
          describeValue(entry)
        } (return one array per row)`,
      };
    }
    const cells = Array.from(entry as ArrayLike<unknown>);
    if (r > 0 && cells.length !== rows[0].length) {
      return {
        problem: `has rows of different lengths (row 0: ${
          rows[0].length
        }, row ${r}: ${cells.length})`,
      };
    }
    for (let c = 0; c < cells.length; c++) {
      if (typeof cells[c] !== "number") {
        return { problem: `has a non-number at [${r}][${c}]: ${describeValue(cells[c])}` };
      }
    }
    rows.push(cells as number[]);
  }
  return { rows };
}

/** Relative closeness for the checks: `|a − b| <= tol·max(1, |b|)`; NaN is never close. */
function close(a: number, b: number, tol = 1e-9): boolean {
  return Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
}

/** The first `[r, c]` where two nested arrays of one shape differ, or `null`. */
function firstMismatch(
  got: readonly (readonly number[])[],
  want: readonly (readonly number[])[],
): [number, number] | null {
  for (let r = 0; r < want.length; r++) {
    for (let c = 0; c < want[r].length; c++) {
      if (!close(got[r][c], want[r][c])) return [r, c];
    }
  }
  return null;
}

function sameShape(a: readonly (readonly number[])[], b: readonly (readonly number[])[]): boolean {
  return a.length === b.length && (a.length === 0 || a[0].length === b[0].length);
}

function allClose(got: readonly (readonly number[])[], want: readonly (readonly number[])[]) {
  return sameShape(got, want) && firstMismatch(got, want) === null;
}

function transpose(a: readonly (readonly number[])[]): number[][] {
  const out: number[][] = [];
  for (let c = 0; c < (a.length === 0 ? 0 : a[0].length); c++) {
    const column: number[] = [];
    for (let r = 0; r < a.length; r++) column.push(a[r][c]);
    out.push(column);
  }
  return out;
}

function scale(a: readonly (readonly number[])[], factor: number): number[][] {
  return a.map((r) => r.map((v) => v * factor));
}

// ---------------------------------------------------------------------------------------------
// Softmax
// ---------------------------------------------------------------------------------------------

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
 * import { checkSoftmax } from "./exercises.ts";
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

// ---------------------------------------------------------------------------------------------
// Affine backward
// ---------------------------------------------------------------------------------------------

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
 * import { checkAffineBackward } from "./exercises.ts";
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

// ---------------------------------------------------------------------------------------------
// Cross-entropy
// ---------------------------------------------------------------------------------------------

const CROSS_ENTROPY_CASES: readonly { name: string; probs: number[][]; targets: number[] }[] = [
  // −log 0.5 = ln 2 ≈ 0.6931
  { name: "one row", probs: [[0.5, 0.25, 0.25]], targets: [0] },
  {
    name: "a batch of 4 rows with repeated targets [2, 0, 2, 2]",
    probs: [[0.1, 0.6, 0.3], [0.7, 0.2, 0.1], [0.2, 0.2, 0.6], [0.25, 0.25, 0.5]],
    targets: [2, 0, 2, 2],
  },
  // −(log 1 + log 1) / 2 = 0, even though other words have probability 0
  {
    name: "certain predictions with zeros elsewhere",
    probs: [[0, 1, 0], [1, 0, 0]],
    targets: [1, 0],
  },
];

/**
 * Checks a student's mean cross-entropy `L = −(1/B) Σ_b log probs[b][targets[b]]` (natural log,
 * in nats) against the library's `crossEntropy` (lib/nn/cross_entropy.ts): one row, a batch of
 * four with repeated targets (where a sum instead of a mean shows), and certain predictions
 * beside probabilities of exactly 0 (where `0·log 0` would give NaN).
 *
 * @param fn the student's function `(probs: number[][], targets: number[]) => number`
 * @returns the verdict; messages such as `loss is a sum, not a mean over the batch (off by a
 * factor 4)`
 * @throws {TypeError} when `fn` is not a function
 *
 * @example
 * ```ts
 * import { assert, assertStringIncludes } from "@std/assert";
 * import { checkCrossEntropy } from "./exercises.ts";
 * function crossEntropy(probs: number[][], targets: number[]): number {
 *   let sum = 0;
 *   for (let b = 0; b < probs.length; b++) sum -= Math.log(probs[b][targets[b]]);
 *   return sum / probs.length;
 * }
 * assert(checkCrossEntropy(crossEntropy).ok);
 * const total = (p: number[][], t: number[]) => crossEntropy(p, t) * p.length;
 * assertStringIncludes(checkCrossEntropy(total).messages.join("\n"), "a sum, not a mean");
 * ```
 */
export function checkCrossEntropy(fn: CrossEntropyFn): CheckResult {
  requireFunction("checkCrossEntropy", fn, "(probs: number[][], targets: number[]) => number");
  const report = new Report("cross-entropy");
  for (const { name, probs, targets } of CROSS_ENTROPY_CASES) {
    const run = report.attempt(
      name,
      { probs, targets },
      (c) => fn(c.probs as number[][], c.targets as number[]),
    );
    if (report.todo) break;
    if (run === null) continue;
    const want = crossEntropy(matrix(probs), targets);
    const problem = diagnoseCrossEntropy(probs, run.value, want);
    if (problem !== null) report.fail(name, problem);
  }
  return report.result();
}

function diagnoseCrossEntropy(
  probs: number[][],
  got: unknown,
  want: number,
): string | null {
  if (typeof got !== "number") return `returned ${describeValue(got)}, expected a number`;
  if (close(got, want)) return null;
  const batch = probs.length;
  const hasZeros = probs.some((r) => r.some((v) => v === 0));
  const formula = "L = −(1/B) Σ_b log probs[b][targets[b]]";
  if (Number.isNaN(got) && hasZeros) {
    return "got NaN where some probabilities are exactly 0: 0·log 0 is NaN in floating point — " +
      `take only the target's probability, ${formula}`;
  }
  if (got === Infinity && hasZeros) {
    return "got Infinity where some non-target probabilities are exactly 0: only the target's " +
      `probability enters, ${formula}`;
  }
  if (batch > 1 && close(got, want * batch)) {
    return `loss is a sum, not a mean over the batch (off by a factor ${batch}): divide by B`;
  }
  if (close(got, -want)) return `the sign is wrong: got ${num(got)}; ${formula} is >= 0`;
  if (close(got, want / Math.LN10)) {
    return "that is log base 10: use the natural log Math.log (the loss is in nats)";
  }
  if (close(got, want / Math.LN2)) {
    return "that is log base 2 (bits): use the natural log Math.log (the loss is in nats)";
  }
  let allWords = 0;
  for (const r of probs) for (const v of r) allWords -= Math.log(v);
  if (close(got, allWords / batch) || close(got, allWords)) {
    return `you took −log p of every word; only the target word's probability enters: ${formula}`;
  }
  return `got ${num(got)}, expected ${num(want)} (${formula})`;
}

// ---------------------------------------------------------------------------------------------
// Perplexity
// ---------------------------------------------------------------------------------------------

function alternating(n: number, a: number, b: number): number[] {
  return Array.from({ length: n }, (_, t) => (t % 2 === 0 ? a : b));
}

const PERPLEXITY_CASES: readonly { name: string; targetProbs: number[] }[] = [
  // −mean log p = ln 4, so PPL = 4: as uncertain as a uniform choice among 4 words
  { name: "4 words at p = 1/4", targetProbs: [0.25, 0.25, 0.25, 0.25] },
  // −(ln 0.5 + ln 0.125) / 2 = (ln 2 + ln 8) / 2 = ln 16 / 2 = ln 4, so PPL = 4
  { name: "2 words at p = 0.5 and 0.125", targetProbs: [0.5, 0.125] },
  { name: "5 words at different p", targetProbs: [0.9, 0.05, 0.3, 0.6, 0.02] },
  // Geometric mean of p is 1e-5, so PPL = 1e5; the product of the p is 1e-5000, which is 0.
  { name: "1000 words at p = 1e-4 and 1e-6", targetProbs: alternating(1000, 1e-4, 1e-6) },
  { name: "certain predictions", targetProbs: [1, 1, 1] },
];

/**
 * Checks a student's perplexity from the probabilities the model gave the `N` target words,
 *
 * ```text
 * PPL = exp(−(1/N) Σ_t log p_t)        (= exp(L), L the mean cross-entropy in nats)
 * ```
 *
 * against the library's `perplexity(crossEntropy(...))` (lib/nn/cross_entropy.ts): uniform
 * probabilities (PPL = 1/p), a few different ones, 1000 small ones (whose product underflows to
 * 0, so the mean of the logs is the only safe path), and certain predictions (PPL = 1).
 *
 * @param fn the student's function `(targetProbs: number[]) => number`
 * @returns the verdict; messages such as `you used the sum of −log p, not the mean`
 * @throws {TypeError} when `fn` is not a function
 *
 * @example
 * ```ts
 * import { assert, assertStringIncludes } from "@std/assert";
 * import { checkPerplexity } from "./exercises.ts";
 * function perplexity(targetProbs: number[]): number {
 *   let sumLog = 0;
 *   for (let t = 0; t < targetProbs.length; t++) sumLog += Math.log(targetProbs[t]);
 *   return Math.exp(-sumLog / targetProbs.length);
 * }
 * assert(checkPerplexity(perplexity).ok);
 * const meanOnly = (p: number[]) => Math.log(perplexity(p)); // the cross-entropy itself
 * assertStringIncludes(checkPerplexity(meanOnly).messages.join("\n"), "perplexity is exp(L)");
 * ```
 */
export function checkPerplexity(fn: PerplexityFn): CheckResult {
  requireFunction("checkPerplexity", fn, "(targetProbs: number[]) => number");
  const report = new Report("perplexity");
  for (const { name, targetProbs } of PERPLEXITY_CASES) {
    const run = report.attempt(name, { targetProbs }, (c) => fn(c.targetProbs as number[]));
    if (report.todo) break;
    if (run === null) continue;
    // The library's path: the cross-entropy of a one-column batch whose targets are all 0 is
    // −(1/N) Σ_t log p_t.
    const L = crossEntropy(matrix(targetProbs.map((p) => [p])), targetProbs.map(() => 0));
    const problem = diagnosePerplexity(targetProbs, run.value, L, perplexity(L));
    if (problem !== null) report.fail(name, problem);
  }
  return report.result();
}

function diagnosePerplexity(
  targetProbs: number[],
  got: unknown,
  L: number,
  want: number,
): string | null {
  if (typeof got !== "number") return `returned ${describeValue(got)}, expected a number`;
  if (close(got, want)) return null;
  const n = targetProbs.length;
  const formula = "PPL = exp(−(1/N) Σ_t log p_t)";
  if ((got === Infinity || got === 0 || Number.isNaN(got)) && n >= 100) {
    return `underflow: got ${got} for ${n} probabilities — their product rounds to 0 in ` +
      `floating point (and exp of their summed −log p is Infinity); average the logs ` +
      `instead: ${formula}`;
  }
  if (close(got, L)) {
    return `you returned the mean cross-entropy L = ${num(L)}; perplexity is exp(L) = ${num(want)}`;
  }
  if (n > 1 && got > 0 && close(Math.log(got), n * L)) {
    return `you used the sum of −log p, not the mean over the ${n} words: ${formula}`;
  }
  if (close(got, 1 / want)) {
    return `the sign is wrong: got ${num(got)}, which is below 1; ${formula} is at least 1`;
  }
  if (close(got, 2 ** L)) return "that is 2^L: with natural logs, perplexity is exp(L)";
  const meanP = targetProbs.reduce((a, p) => a + p, 0) / n;
  const meanInverse = targetProbs.reduce((a, p) => a + 1 / p, 0) / n;
  if (close(got, 1 / meanP) || close(got, meanInverse)) {
    return `that uses an arithmetic mean; perplexity is the geometric mean of 1/p: ${formula}`;
  }
  return `got ${num(got)}, expected ${num(want)} (${formula})`;
}

// ---------------------------------------------------------------------------------------------
// Momentum step
// ---------------------------------------------------------------------------------------------

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
 * import { checkMomentumStep } from "./exercises.ts";
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

// ---------------------------------------------------------------------------------------------
// Sampling with temperature
// ---------------------------------------------------------------------------------------------

const SAMPLE_SCORES: readonly number[] = [2, 1, 0.5, 0];
const SAMPLE_DRAWS = 4000;
/**
 * The chi-square statistic of a correct sampler over 4 words has 3 degrees of freedom; it
 * exceeds 30 with probability about 1.4e-6, so a correct sampler practically never fails, while
 * a wrong distribution gives hundreds at 4000 draws.
 */
const CHI_SQUARE_LIMIT = 30;

/**
 * Checks a student's sampler of a word index from `softmax(scores / T)`, drawing with the `Rng`
 * it is given, against the library's `samplingDistribution` (lib/generate.ts):
 *
 * - the draws follow `softmax(scores / T)` at `T = 1, 2, 0.5`: 4000 draws each, compared by a
 *   chi-square statistic (a correct sampler stays below 30);
 * - a small `T = 0.05` is nearly greedy (always the highest score), and `T = 0.001` still works
 *   (`scores / T` is huge: the maximum must be subtracted before `exp`);
 * - the same seed gives the same words and different seeds different words: randomness comes
 *   from `rng` only. A call of `Math.random` is detected and reported (while the check runs,
 *   `Math.random` is replaced by a seeded stand-in that counts its calls, so that even then the
 *   check gives the same verdict every time).
 *
 * @param fn the student's function `(scores: number[], T: number, rng: Rng) => number`
 * @returns the verdict; messages such as `the temperature is ignored` or `you called
 * Math.random`
 * @throws {TypeError} when `fn` is not a function
 *
 * @example
 * ```ts
 * import { assert, assertStringIncludes } from "@std/assert";
 * import { checkSampleWithTemperature } from "./exercises.ts";
 * import type { Rng } from "./random.ts";
 * function sample(scores: number[], T: number, rng: Rng): number {
 *   const max = Math.max(...scores);
 *   const weights = scores.map((s) => Math.exp((s - max) / T));
 *   return rng.categorical(weights); // draws k with probability weights[k] / Σ weights
 * }
 * assert(checkSampleWithTemperature(sample).ok);
 * const noTemperature = (scores: number[], _T: number, rng: Rng) => sample(scores, 1, rng);
 * assertStringIncludes(
 *   checkSampleWithTemperature(noTemperature).messages.join("\n"),
 *   "the temperature is ignored",
 * );
 * ```
 */
export function checkSampleWithTemperature(fn: SampleWithTemperatureFn): CheckResult {
  requireFunction("checkSampleWithTemperature", fn, "(scores: number[], T: number, rng: Rng)");
  const report = new Report("sampling with temperature");
  const realRandom = Math.random;
  const standIn = new Rng(20030101);
  let randomCalls = 0;
  Math.random = () => {
    randomCalls++;
    return standIn.uniform();
  };
  try {
    checkSampling(fn, report, () => randomCalls);
  } finally {
    Math.random = realRandom;
  }
  return report.result();
}

/** Draws `n` words with one generator; the scores are one array shared by all calls. */
function drawMany(
  fn: SampleWithTemperatureFn,
  scores: number[],
  T: number,
  rng: Rng,
  n: number,
): unknown[] {
  const draws: unknown[] = [];
  for (let k = 0; k < n; k++) draws.push(fn(scores, T, rng));
  return draws;
}

/** Why a draw is not a word index, or `null` when every draw is one. */
function invalidDraw(draws: readonly unknown[], vocab: number): string | null {
  for (let k = 0; k < draws.length; k++) {
    const d = draws[k];
    if (typeof d !== "number" || !Number.isInteger(d) || d < 0 || d >= vocab) {
      return `draw ${k + 1} returned ${describeValue(d)}, expected a word index, an integer ` +
        `in [0, ${vocab})`;
    }
  }
  return null;
}

function chiSquare(counts: readonly number[], probs: ArrayLike<number>, n: number): number {
  let chi = 0;
  for (let k = 0; k < counts.length; k++) {
    const expected = n * probs[k];
    if (expected === 0) {
      if (counts[k] > 0) return Infinity;
      continue;
    }
    chi += (counts[k] - expected) ** 2 / expected;
  }
  return chi;
}

/**
 * Runs the sampling cases into `report`; `randomCalls` tells how often the student's code has
 * called `Math.random` so far.
 */
function checkSampling(
  fn: SampleWithTemperatureFn,
  report: Report,
  randomCalls: () => number,
): void {
  const scores = [...SAMPLE_SCORES];
  const vocab = scores.length;
  const pct = (x: number) => `${Math.round(100 * x)}%`;

  // The distribution at three temperatures.
  for (const [T, seed] of [[1, 1], [2, 2], [0.5, 3]]) {
    const name = `T = ${T}`;
    const run = report.attempt(
      name,
      { scores },
      (c) => drawMany(fn, c.scores as number[], T, new Rng(seed), SAMPLE_DRAWS),
    );
    if (report.todo) return;
    if (run === null) continue;
    const draws = run.value as unknown[];
    const invalid = invalidDraw(draws, vocab);
    if (invalid !== null) {
      report.fail(name, invalid);
      continue;
    }
    const counts = new Array(vocab).fill(0);
    for (const d of draws as number[]) counts[d]++;
    const want = samplingDistribution(scores, { temperature: T });
    const chi = chiSquare(counts, want, SAMPLE_DRAWS);
    if (chi <= CHI_SQUARE_LIMIT) continue;
    // The word whose share is furthest from what it should be.
    let worst = 0;
    for (let k = 1; k < vocab; k++) {
      if (
        Math.abs(counts[k] / SAMPLE_DRAWS - want[k]) >
          Math.abs(counts[worst] / SAMPLE_DRAWS - want[worst])
      ) worst = k;
    }
    let message = `the draws do not follow softmax(scores / T) for scores ${row(scores)}: ` +
      `word ${worst} came ${pct(counts[worst] / SAMPLE_DRAWS)} of the time, expected ` +
      `${pct(want[worst])} (chi-square ${num(chi)} over ${SAMPLE_DRAWS} draws; a correct ` +
      `sampler stays below ${CHI_SQUARE_LIMIT})`;
    const follows = (probs: ArrayLike<number>) =>
      chiSquare(counts, probs, SAMPLE_DRAWS) <= CHI_SQUARE_LIMIT;
    if (counts[0] === SAMPLE_DRAWS) {
      message += " — every draw was word 0, the highest score: that is greedy decoding; draw " +
        "from the distribution instead";
    } else if (T !== 1 && follows(samplingDistribution(scores))) {
      message += " — they follow softmax(scores): the temperature is ignored; divide the " +
        "scores by T";
    } else if (T !== 1 && follows(samplingDistribution(scores.map((s) => s * T)))) {
      message += " — they follow softmax(scores · T): divide the scores by T, do not multiply";
    } else if (follows(new Array(vocab).fill(1 / vocab))) {
      message += " — they look uniform: the probabilities must come from the scores";
    }
    report.fail(name, message);
  }

  // A small temperature is nearly greedy; a tiny one must not overflow.
  const hint = " — with a small T, scores / T is huge: subtract the largest score before exp";
  for (const [T, seed] of [[0.05, 4], [0.001, 5]]) {
    const name = `T = ${T}`;
    const n = 200;
    const run = report.attempt(
      name,
      { scores },
      (c) => drawMany(fn, c.scores as number[], T, new Rng(seed), n),
      T < 0.01 ? hint : "",
    );
    if (report.todo) return;
    if (run === null) continue;
    const draws = run.value as unknown[];
    const invalid = invalidDraw(draws, vocab);
    if (invalid !== null) {
      report.fail(name, invalid + (T < 0.01 ? hint : ""));
      continue;
    }
    const others = (draws as number[]).filter((d) => d !== 0).length;
    if (others > 0) {
      report.fail(
        name,
        `expected (almost) always word 0, the highest score, but ${others} of ${n} draws were ` +
          "other words: as T → 0, softmax(scores / T) approaches greedy decoding",
      );
    }
  }

  // Randomness from the given generator only.
  const name = "seeded draws";
  const run = report.attempt(name, { scores }, (c) => {
    const s = c.scores as number[];
    return [
      drawMany(fn, s, 1, new Rng(7), 50),
      drawMany(fn, s, 1, new Rng(7), 50),
      drawMany(fn, s, 1, new Rng(8), 50),
    ];
  });
  if (report.todo || run === null) return;
  const [first, again, other] = run.value as unknown[][];
  if (randomCalls() > 0) {
    report.fail(
      name,
      `you called Math.random (${randomCalls()} times): draw with the rng you were given ` +
        "(rng.uniform() or rng.categorical(weights)), so that the same seed gives the same words",
    );
  } else if (findChange("draws", first, again) !== null) {
    report.fail(
      name,
      "two runs with the same seed gave different words: take every random number from the " +
        "rng argument",
    );
  } else if (findChange("draws", first, other) === null) {
    report.fail(
      name,
      "seeds 7 and 8 gave the same 50 words: the draws must come from the rng you were given " +
        "(not from a generator made inside the function)",
    );
  }
}
