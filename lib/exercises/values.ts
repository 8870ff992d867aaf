/**
 * Reading what a student's function returned and comparing it with the reference: nested arrays
 * (or a `Matrix`, or typed-array rows) as rows of numbers, closeness, shapes, and numbers written
 * short for the messages.
 *
 * Private to the checkers: `mod.ts` does not re-export these helpers.
 *
 * @module
 */

import { describeValue } from "../errors.ts";
import { Matrix } from "../tensor.ts";

/** A number for a message: at most 4 significant digits. */
export function num(x: number): string {
  if (!Number.isFinite(x) || Number.isInteger(x)) return String(x);
  return String(Number(x.toPrecision(4)));
}

/** A large score as `1e4`, `-1e4`. */
export function big(x: number): string {
  return x.toExponential(0).replace("e+", "e");
}

/** A value for a message: a number short, a flat array of numbers as a row, else described. */
export function show(value: unknown): string {
  if (typeof value === "number") return num(value);
  if (Array.isArray(value) && value.every((v) => typeof v === "number")) return row(value);
  return describeValue(value);
}

/** The first 6 values of a row, `[0.25, 0.75]`, with `…` when there are more. */
export function row(values: ArrayLike<number>): string {
  const shown = Array.from(values).slice(0, 6).map(num).join(", ");
  return `[${shown}${values.length > 6 ? ", …" : ""}]`;
}

/** The shape of nested rows, `[rows, cols]`. */
export function shape(rows: readonly (readonly number[])[]): string {
  return `[${rows.length}, ${rows.length === 0 ? 0 : rows[0].length}]`;
}

/**
 * Nested arrays of numbers from what the student returned, or why it is not one: a `Matrix`
 * or typed-array rows are accepted as well.
 */
export function asRows(value: unknown): { rows: number[][] } | { problem: string } {
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
export function close(a: number, b: number, tol = 1e-9): boolean {
  return Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
}

/** The first `[r, c]` where two nested arrays of one shape differ, or `null`. */
export function firstMismatch(
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

/** Whether two nested arrays have the same number of rows and of columns. */
export function sameShape(
  a: readonly (readonly number[])[],
  b: readonly (readonly number[])[],
): boolean {
  return a.length === b.length && (a.length === 0 || a[0].length === b[0].length);
}

/** Whether two nested arrays have one shape and {@linkcode close} entries. */
export function allClose(
  got: readonly (readonly number[])[],
  want: readonly (readonly number[])[],
) {
  return sameShape(got, want) && firstMismatch(got, want) === null;
}

/** The transpose of nested rows: `out[c][r] = a[r][c]`. */
export function transpose(a: readonly (readonly number[])[]): number[][] {
  const out: number[][] = [];
  for (let c = 0; c < (a.length === 0 ? 0 : a[0].length); c++) {
    const column: number[] = [];
    for (let r = 0; r < a.length; r++) column.push(a[r][c]);
    out.push(column);
  }
  return out;
}

/** Every entry times `factor`. */
export function scale(a: readonly (readonly number[])[], factor: number): number[][] {
  return a.map((r) => r.map((v) => v * factor));
}
