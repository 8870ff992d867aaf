/**
 * A local stand-in for the subset of `@std/assert` that this project uses.
 *
 * The package registry that hosts `jsr:@std/assert` is not reachable from the machines this
 * project is built on, so `deno.json` maps the bare specifier `@std/assert` to this file. Every
 * function here keeps the name, the argument order and the meaning of its `@std/assert@1`
 * namesake, so on a machine that reaches that registry the one import-map line can switch to
 * `jsr:@std/assert@^1` and every test runs unchanged.
 *
 * @example
 * ```ts
 * import { assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
 * assertEquals({ a: [1, 2] }, { a: [1, 2] });
 * assertAlmostEquals(0.1 + 0.2, 0.3);
 * assertThrows(() => { throw new RangeError("bad") }, RangeError, "bad");
 * ```
 *
 * @module
 */

/** The error every failed assertion throws. */
export class AssertionError extends Error {
  /** @param message what was expected and what came */
  constructor(message: string) {
    super(message);
    this.name = "AssertionError";
  }
}

function show(value: unknown): string {
  return Deno.inspect(value, {
    depth: 6,
    colors: false,
    iterableLimit: 24,
    strAbbreviateSize: 400,
  });
}

function suffix(msg: string | undefined): string {
  return msg ? `: ${msg}` : "";
}

/**
 * Deep structural equality, in the sense `assertEquals` uses: primitives by `Object.is` (so
 * `NaN` equals `NaN`), arrays and typed arrays element by element, `Map`/`Set` by content,
 * `Date` by time, other objects by constructor and own enumerable keys.
 */
export function equal(a: unknown, b: unknown): boolean {
  return deepEqual(a, b, new Map());
}

function deepEqual(a: unknown, b: unknown, seen: Map<object, object>): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (seen.get(a) === b) return true;
  seen.set(a, b);
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (a instanceof RegExp && b instanceof RegExp) return String(a) === String(b);
  if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) {
    const x = a as unknown as ArrayLike<unknown>;
    const y = b as unknown as ArrayLike<unknown>;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
    return true;
  }
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [key, value] of a) {
      if (!b.has(key) || !deepEqual(value, b.get(key), seen)) return false;
    }
    return true;
  }
  if (a instanceof Set && b instanceof Set) {
    if (a.size !== b.size) return false;
    for (const value of a) if (!b.has(value)) return false;
    return true;
  }
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  for (const key of keysA) {
    if (!Object.hasOwn(b, key)) return false;
    if (
      !deepEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], seen)
    ) return false;
  }
  return true;
}

/** Fails unless `expr` is truthy. */
export function assert(expr: unknown, msg = ""): asserts expr {
  if (!expr) throw new AssertionError(msg || "Expected expression to be truthy");
}

/** Fails unless `expr` is falsy. */
export function assertFalse(expr: unknown, msg = ""): void {
  if (expr) throw new AssertionError(msg || "Expected expression to be falsy");
}

/** Fails unless `actual` and `expected` are deeply equal (see {@linkcode equal}). */
export function assertEquals<T>(actual: T, expected: T, msg?: string): void {
  if (equal(actual, expected)) return;
  throw new AssertionError(
    `Values are not equal${suffix(msg)}\n  actual:   ${show(actual)}\n  expected: ${
      show(expected)
    }`,
  );
}

/** Fails when `actual` and `expected` are deeply equal. */
export function assertNotEquals<T>(actual: T, expected: T, msg?: string): void {
  if (!equal(actual, expected)) return;
  throw new AssertionError(
    `Expected actual: ${show(actual)} not to be: ${show(expected)}${suffix(msg)}`,
  );
}

/** Fails unless `Object.is(actual, expected)`. */
export function assertStrictEquals<T>(actual: unknown, expected: T, msg?: string): void {
  if (Object.is(actual, expected)) return;
  throw new AssertionError(
    `Values are not strictly equal${suffix(msg)}\n  actual:   ${show(actual)}\n  expected: ${
      show(expected)
    }`,
  );
}

/** Fails when `Object.is(actual, expected)`. */
export function assertNotStrictEquals<T>(actual: T, expected: T, msg?: string): void {
  if (!Object.is(actual, expected)) return;
  throw new AssertionError(
    `Expected "actual" to not be strictly equal to: ${show(expected)}${suffix(msg)}`,
  );
}

/**
 * Fails unless `|actual - expected| <= tolerance`. As in `@std/assert`, the default tolerance is
 * `1e-7`, `NaN` equals nothing, and equal infinities pass.
 */
export function assertAlmostEquals(
  actual: number,
  expected: number,
  tolerance = 1e-7,
  msg?: string,
): void {
  if (Object.is(actual, expected)) return;
  const delta = Math.abs(expected - actual);
  if (delta <= tolerance) return;
  throw new AssertionError(
    `Expected actual: "${actual}" to be close to "${expected}": delta "${delta}" is greater than "${tolerance}"${
      suffix(msg)
    }`,
  );
}

/** Fails unless `actual > expected`. */
export function assertGreater<T>(actual: T, expected: T, msg?: string): void {
  if (actual > expected) return;
  throw new AssertionError(`Expect ${show(actual)} > ${show(expected)}${suffix(msg)}`);
}

/** Fails unless `actual >= expected`. */
export function assertGreaterOrEqual<T>(actual: T, expected: T, msg?: string): void {
  if (actual >= expected) return;
  throw new AssertionError(`Expect ${show(actual)} >= ${show(expected)}${suffix(msg)}`);
}

/** Fails unless `actual < expected`. */
export function assertLess<T>(actual: T, expected: T, msg?: string): void {
  if (actual < expected) return;
  throw new AssertionError(`Expect ${show(actual)} < ${show(expected)}${suffix(msg)}`);
}

/** Fails unless `actual <= expected`. */
export function assertLessOrEqual<T>(actual: T, expected: T, msg?: string): void {
  if (actual <= expected) return;
  throw new AssertionError(`Expect ${show(actual)} <= ${show(expected)}${suffix(msg)}`);
}

/** Fails when `actual` is `null` or `undefined`. */
export function assertExists<T>(actual: T, msg?: string): asserts actual is NonNullable<T> {
  if (actual === null || actual === undefined) {
    throw new AssertionError(
      msg || `Expected actual: "${actual}" to not be null or undefined`,
    );
  }
}

/** Fails unless `actual` is an instance of `expectedType`. */
export function assertInstanceOf<T extends abstract new (...args: never[]) => unknown>(
  actual: unknown,
  expectedType: T,
  msg = "",
): asserts actual is InstanceType<T> {
  if (actual instanceof expectedType) return;
  throw new AssertionError(
    msg || `Expected object to be an instance of "${expectedType.name}" but was ${show(actual)}`,
  );
}

/** Fails unless `actual` contains `expected`. */
export function assertStringIncludes(actual: string, expected: string, msg?: string): void {
  if (actual.includes(expected)) return;
  throw new AssertionError(
    `Expected actual: "${actual}" to contain: "${expected}"${suffix(msg)}`,
  );
}

/** Fails unless `actual` matches `expected`. */
export function assertMatch(actual: string, expected: RegExp, msg?: string): void {
  if (expected.test(actual)) return;
  throw new AssertionError(`Expected actual: "${actual}" to match: "${expected}"${suffix(msg)}`);
}

/** Fails unless every element of `expected` is deeply equal to some element of `actual`. */
export function assertArrayIncludes<T>(
  actual: ArrayLike<T>,
  expected: ArrayLike<T>,
  msg?: string,
): void {
  const missing: T[] = [];
  for (let i = 0; i < expected.length; i++) {
    let found = false;
    for (let j = 0; j < actual.length && !found; j++) found = equal(expected[i], actual[j]);
    if (!found) missing.push(expected[i]);
  }
  if (missing.length === 0) return;
  throw new AssertionError(
    `Expected actual: "${show(actual)}" to include: "${show(expected)}"${suffix(msg)}\nmissing: ${
      show(missing)
    }`,
  );
}

/** Always fails. */
export function fail(msg?: string): never {
  throw new AssertionError(`Failed assertion${suffix(msg)}`);
}

type ErrorClass<E extends Error> = abstract new (...args: never[]) => E;

function checkError<E extends Error>(
  error: unknown,
  ErrorClass: ErrorClass<E> | undefined,
  msgIncludes: string | undefined,
  msg: string | undefined,
): E {
  if (ErrorClass && !(error instanceof ErrorClass)) {
    throw new AssertionError(
      `Expected error to be instance of "${ErrorClass.name}", but was "${
        (error as Error)?.constructor?.name
      }"${suffix(msg)}: ${show(error)}`,
    );
  }
  if (msgIncludes !== undefined) {
    const message = error instanceof Error ? error.message : String(error);
    if (!message.includes(msgIncludes)) {
      throw new AssertionError(
        `Expected error message to include ${show(msgIncludes)}, but got ${show(message)}${
          suffix(msg)
        }`,
      );
    }
  }
  return error as E;
}

/**
 * Fails unless `fn` throws; with `ErrorClass`, the error must be an instance of it, and with
 * `msgIncludes`, its message must contain that text. Returns the error.
 */
export function assertThrows(fn: () => unknown, msg?: string): unknown;
export function assertThrows<E extends Error = Error>(
  fn: () => unknown,
  ErrorClass: ErrorClass<E>,
  msgIncludes?: string,
  msg?: string,
): E;
export function assertThrows<E extends Error = Error>(
  fn: () => unknown,
  errorClassOrMsg?: ErrorClass<E> | string,
  msgIncludes?: string,
  msg?: string,
): E | unknown {
  let ErrorClass: ErrorClass<E> | undefined;
  if (typeof errorClassOrMsg === "string") msg = errorClassOrMsg;
  else ErrorClass = errorClassOrMsg;
  try {
    fn();
  } catch (error) {
    return checkError(error, ErrorClass, msgIncludes, msg);
  }
  throw new AssertionError(`Expected function to throw${suffix(msg)}`);
}

/** The asynchronous twin of {@linkcode assertThrows}: `fn` must return a promise that rejects. */
export function assertRejects(fn: () => PromiseLike<unknown>, msg?: string): Promise<unknown>;
export function assertRejects<E extends Error = Error>(
  fn: () => PromiseLike<unknown>,
  ErrorClass: ErrorClass<E>,
  msgIncludes?: string,
  msg?: string,
): Promise<E>;
export async function assertRejects<E extends Error = Error>(
  fn: () => PromiseLike<unknown>,
  errorClassOrMsg?: ErrorClass<E> | string,
  msgIncludes?: string,
  msg?: string,
): Promise<E | unknown> {
  let ErrorClass: ErrorClass<E> | undefined;
  if (typeof errorClassOrMsg === "string") msg = errorClassOrMsg;
  else ErrorClass = errorClassOrMsg;
  try {
    await fn();
  } catch (error) {
    return checkError(error, ErrorClass, msgIncludes, msg);
  }
  throw new AssertionError(`Expected function to reject${suffix(msg)}`);
}
