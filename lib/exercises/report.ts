/**
 * What every exercise checker shares: the {@linkcode CheckResult} a checker returns (and how it
 * shows itself in a notebook), and the `Report` that runs the student's function on fresh copies
 * of each case's inputs and collects what is wrong. `mod.ts` re-exports `CheckResult` and
 * `CheckStatus`; `Report` and the helpers here are private to the checkers.
 *
 * @module
 */

import { argError, describeValue } from "../errors.ts";
import { escapeHtml, JUPYTER_DISPLAY, type MimeBundle } from "../notebook/jupyter.ts";
import { show } from "./values.ts";

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
 * import { CheckResult } from "./report.ts";
 * import { JUPYTER_DISPLAY } from "../notebook/jupyter.ts";
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
   * A verdict: correct when there are no messages, unless `todo`.
   *
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

/** Nested arrays of numbers as inputs: copied before each call and compared after it. */
type Input = number | number[] | number[][];

const NOT_IMPLEMENTED = /not implemented/i;

/** Collects the verdict while a checker runs the cases. */
export class Report {
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

  /** Records that case `caseName` went wrong, and why. */
  fail(caseName: string, message: string): void {
    this.messages.push(`${caseName}: ${message}`);
  }

  /** The verdict: todo, correct or the problems found. */
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

/** Throws a `TypeError` naming the checker `fn` when `f` is not a function. */
export function requireFunction(fn: string, f: unknown, signature: string): void {
  if (typeof f !== "function") {
    throw argError(fn, "fn", `a function ${signature}`, describeValue(f), TypeError);
  }
}

/** A deep copy of nested arrays of numbers. */
function copyInput(value: Input): Input {
  if (Array.isArray(value)) return value.map((v) => copyInput(v)) as Input;
  return value;
}

/** `null` when `after` equals `before`, else where they first differ: `m[0][1] was 0, is now 2`. */
export function findChange(path: string, before: unknown, after: unknown): string | null {
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
