/**
 * What the checkpoint modules share: their error class and small helpers. Private to `lib/io/`
 * (the leading underscore); {@linkcode CheckpointError} is public through `./checkpoint.ts`.
 *
 * @module
 */

import { argError, describeValue } from "../errors.ts";
import type { Matrix } from "../tensor.ts";
import { FileCheckError, readRegularFile } from "./files.ts";

/**
 * A checkpoint that cannot be written or read: missing, altered, truncated, not JSON, or not
 * the model the caller expects. The message reads `fn: path: problem`, and {@linkcode path} is
 * the file (or directory) at fault.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { CheckpointError } from "./checkpoint.ts";
 * const e = new CheckpointError("loadCheckpoint", "run/config.json", "not valid JSON");
 * assertEquals(e.message, "loadCheckpoint: run/config.json: not valid JSON");
 * assertEquals(e.path, "run/config.json");
 * ```
 */
export class CheckpointError extends Error {
  /** The file or directory at fault. */
  readonly path: string;

  /**
   * Builds the error; the message is `fn: path: problem`.
   *
   * @param fn the function that refused, e.g. `"loadCheckpoint"`
   * @param path the file or directory at fault
   * @param problem what is wrong, in words
   * @param options `cause`: the underlying error, if any
   */
  constructor(fn: string, path: string, problem: string, options?: ErrorOptions) {
    super(`${fn}: ${path}: ${problem}`, options);
    this.name = "CheckpointError";
    this.path = path;
  }
}

/** A record built by `{}` or `JSON.parse`, not an array or a class instance. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Refuses a directory argument that is not a non-empty string. */
export function checkDir(fn: string, dir: unknown): asserts dir is string {
  if (typeof dir !== "string" || dir === "") {
    throw argError(
      fn,
      "dir",
      "a directory path (a non-empty string)",
      describeValue(dir),
      TypeError,
    );
  }
}

/** `dir/name`, without doubling a trailing separator. */
export function joinPath(dir: string, name: string): string {
  return dir.endsWith("/") || dir.endsWith("\\") ? dir + name : `${dir}/${name}`;
}

/** The message of anything thrown. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** SHA-256 of `bytes` as 64 lowercase hex digits. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * A file of a checkpoint, read through {@linkcode readRegularFile} (kind and size checked before
 * reading), with every failure a {@linkcode CheckpointError} naming the file. `listed` words a
 * missing file as "missing, but manifest.json lists it".
 */
export async function readCheckpointFile(
  fn: string,
  path: string,
  limitBytes: number,
  missing = "missing",
): Promise<Uint8Array> {
  try {
    return await readRegularFile(fn, path, limitBytes);
  } catch (error) {
    if (error instanceof FileCheckError) {
      throw new CheckpointError(fn, path, `expected ${error.expected}, found ${error.found}`, {
        cause: error,
      });
    }
    if (error instanceof Deno.errors.NotFound) {
      throw new CheckpointError(fn, path, missing, { cause: error });
    }
    throw new CheckpointError(fn, path, `cannot read (${errorMessage(error)})`, { cause: error });
  }
}

/**
 * `value` as pretty-printed JSON bytes, refusing what JSON would silently change: `NaN` and
 * infinities (written as `null`), functions and symbols (dropped), `undefined` in an array
 * (written as `null`), and class instances such as `Map` (written as `{}`).
 */
export function jsonBytes(fn: string, arg: string, value: unknown): Uint8Array {
  const refuse = (key: string, what: string): never => {
    throw argError(
      fn,
      arg,
      "JSON data (finite numbers, strings, booleans, null, arrays, plain objects)",
      `${what}${key === "" ? "" : ` at key ${JSON.stringify(key)}`}`,
      TypeError,
    );
  };
  let text: string;
  try {
    text = JSON.stringify(
      value,
      function (this: unknown, key: string, v: unknown) {
        if (typeof v === "number" && !Number.isFinite(v)) refuse(key, String(v));
        if (typeof v === "bigint") refuse(key, `the bigint ${v}`);
        if (typeof v === "function" || typeof v === "symbol") refuse(key, `a ${typeof v}`);
        if (v === undefined && Array.isArray(this)) refuse(key, "undefined in an array");
        if (typeof v === "object" && v !== null && !Array.isArray(v) && !isPlainObject(v)) {
          refuse(key, describeValue(v));
        }
        return v;
      },
      2,
    );
  } catch (error) {
    if (error instanceof TypeError && error.message.startsWith(`${fn}: `)) throw error;
    throw argError(fn, arg, "JSON data", errorMessage(error), TypeError); // e.g. a cycle
  }
  return new TextEncoder().encode(text + "\n");
}

/** UTF-8 JSON bytes parsed, or a {@linkcode CheckpointError} naming the file. */
export function parseJson(fn: string, path: string, bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new CheckpointError(fn, path, "not valid UTF-8 text");
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    // JSON.parse throws SyntaxError, or RangeError for nesting too deep for the stack.
    throw new CheckpointError(fn, path, `not valid JSON (${errorMessage(error)})`, {
      cause: error,
    });
  }
}

/** `"F32"` or `"F64"`, the safetensors name of a matrix's dtype. */
export function fileDtype(m: Matrix): "F32" | "F64" {
  return m.dtype === "float32" ? "F32" : "F64";
}

/**
 * Checks that `params` holds exactly the names of `wanted`, each with its shape, and its dtype
 * when `wanted` records one. `source` names where `wanted` comes from, for the message; every
 * failure is a {@linkcode CheckpointError} for `path` that names the tensor.
 */
export function checkTensors(
  fn: string,
  path: string,
  params: Record<string, Matrix>,
  wanted: Readonly<Record<string, { shape: readonly [number, number]; dtype?: string }>>,
  source: string,
): void {
  for (const [name, { shape, dtype }] of Object.entries(wanted)) {
    const quoted = JSON.stringify(name);
    if (!Object.hasOwn(params, name)) {
      throw new CheckpointError(fn, path, `has no tensor ${quoted}, which ${source} lists`);
    }
    const m = params[name];
    if (m.rows !== shape[0] || m.cols !== shape[1]) {
      throw new CheckpointError(
        fn,
        path,
        `tensor ${quoted} has shape [${m.rows}, ${m.cols}], ${source} says [${shape[0]}, ${
          shape[1]
        }]`,
      );
    }
    if (dtype !== undefined && fileDtype(m) !== dtype) {
      throw new CheckpointError(
        fn,
        path,
        `tensor ${quoted} has dtype ${fileDtype(m)}, ${source} says ${dtype}`,
      );
    }
  }
  for (const name of Object.keys(params)) {
    if (!Object.hasOwn(wanted, name)) {
      throw new CheckpointError(
        fn,
        path,
        `holds tensor ${JSON.stringify(name)}, which ${source} does not list`,
      );
    }
  }
}
