/**
 * Error messages that name the function, the argument, what was expected and what came.
 *
 * Every check in the library goes through {@linkcode argError}, so every message has one shape:
 *
 * ```text
 * linearForward: W expected shape [any, 3] (in = x.cols), got [2, 4]
 * ```
 *
 * (what `linearForward(zeros(1, 3), zeros(2, 4), zeros(1, 2))` throws: `x` has 3 columns, so `W`
 * needs 3 columns, any number of rows).
 *
 * @module
 */

/**
 * Builds (does not throw) an error for a bad argument.
 *
 * @param fn the public function that refused the input, e.g. `"softmax"`
 * @param arg the argument's name, e.g. `"scores"` or `"contexts[1][2]"`
 * @param expected what the function needs, in words
 * @param got what it was given, in words
 * @param Kind `RangeError` (default) for a wrong value or shape, `TypeError` for a wrong type
 * @returns the error, ready to throw
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { argError } from "./errors.ts";
 * const e = argError("softmax", "scores", "finite numbers", "NaN at [0, 1]");
 * assertEquals(e.message, "softmax: scores expected finite numbers, got NaN at [0, 1]");
 * ```
 *
 * The library's own checks print the same shape of message:
 *
 * ```ts
 * import { assertThrows } from "@std/assert";
 * import { linearForward } from "./nn/linear.ts";
 * import { zeros } from "./tensor.ts";
 * assertThrows(
 *   () => linearForward(zeros(1, 3), zeros(2, 4), zeros(1, 2)),
 *   RangeError,
 *   "linearForward: W expected shape [any, 3] (in = x.cols), got [2, 4]",
 * );
 * ```
 */
export function argError(
  fn: string,
  arg: string,
  expected: string,
  got: string,
  Kind: RangeErrorConstructor | TypeErrorConstructor = RangeError,
): RangeError | TypeError {
  return new Kind(`${fn}: ${arg} expected ${expected}, got ${got}`);
}

/**
 * A short description of any value for an error message: `Matrix [2, 3] float64`, `"abc"`,
 * `1.5`, `undefined`, `an array of length 4`, `a Float32Array of length 3`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { describeValue } from "./errors.ts";
 * assertEquals(describeValue(1.5), "1.5");
 * assertEquals(describeValue([1, 2]), "an array of length 2");
 * assertEquals(describeValue(new Float32Array(3)), "a Float32Array of length 3");
 * ```
 */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (typeof value === "string") {
    return JSON.stringify(value.length > 40 ? value.slice(0, 40) + "…" : value);
  }
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") {
    return String(value);
  }
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) {
    return `a ${value.constructor.name} of length ${
      (value as unknown as ArrayLike<number>).length
    }`;
  }
  const described = value as { describe?: () => string; constructor?: { name?: string } };
  if (typeof described.describe === "function") return described.describe();
  return `a ${described.constructor?.name ?? typeof value}`;
}
