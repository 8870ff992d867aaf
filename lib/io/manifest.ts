/**
 * The layout of a checkpoint directory and its `manifest.json`, the record that says which
 * files belong to one save and that marks a directory as one this library wrote.
 *
 * ```json
 * {
 *   "format": "mini-neural-lm checkpoint",
 *   "version": 1,
 *   "files": { "model.safetensors": { "bytes": 1234, "sha256": "64 hex digits" }, ... },
 *   "tensors": { "E": { "dtype": "F32", "shape": [76, 30] }, ... },
 *   "optimizerTensors": { "velocity.E": { "dtype": "F32", "shape": [76, 30] }, ... }
 * }
 * ```
 *
 * `optimizerTensors` is there exactly when `files` lists `optimizer.safetensors` (the training
 * state of a run that can be resumed); a checkpoint without one is as it always was.
 *
 * @module
 */

import { argError, describeValue } from "../errors.ts";
import { checkMatrix, type Matrix } from "../tensor.ts";
import {
  CheckpointError,
  errorMessage,
  fileDtype,
  isPlainObject,
  joinPath,
  parseJson,
  readCheckpointFile,
} from "./_common.ts";
import { READ_LIMITS } from "./files.ts";

/**
 * The file names inside a checkpoint directory.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { CHECKPOINT_FILES } from "./manifest.ts";
 * assertEquals(CHECKPOINT_FILES.model, "model.safetensors");
 * ```
 */
export const CHECKPOINT_FILES = {
  /** The parameters, in safetensors format. */
  model: "model.safetensors",
  /** The model configuration. */
  config: "config.json",
  /** The vocabulary. */
  vocab: "vocab.json",
  /** Optional training state (`extra`). */
  training: "training.json",
  /** Optional optimiser tensors (momentum, last parameters), in safetensors format. */
  optimizer: "optimizer.safetensors",
  /** Sizes, checksums and tensor shapes: written last, read first. */
  manifest: "manifest.json",
} as const;

/** The files that `manifest.json` may list (all but itself). */
export const LISTED_FILES: ReadonlySet<string> = new Set([
  CHECKPOINT_FILES.model,
  CHECKPOINT_FILES.config,
  CHECKPOINT_FILES.vocab,
  CHECKPOINT_FILES.training,
  CHECKPOINT_FILES.optimizer,
]);

/**
 * The `format` field of `manifest.json`: a directory whose manifest carries it was written by
 * this library.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { MANIFEST_FORMAT } from "./manifest.ts";
 * assertEquals(MANIFEST_FORMAT, "mini-neural-lm checkpoint");
 * ```
 */
export const MANIFEST_FORMAT = "mini-neural-lm checkpoint";

/** The manifest version this library writes and reads. */
export const MANIFEST_VERSION = 1;

/** The contents of `manifest.json`. */
export interface CheckpointManifest {
  /** Always `"mini-neural-lm checkpoint"`. */
  format: string;
  /** Layout version, `1`. */
  version: number;
  /** Each file of the checkpoint: its size in bytes and its SHA-256 as 64 hex digits. */
  files: Record<string, { bytes: number; sha256: string }>;
  /** Each tensor of `model.safetensors`: dtype `"F32"`/`"F64"` and shape `[rows, cols]`. */
  tensors: Record<string, { dtype: string; shape: [number, number] }>;
  /** Each tensor of `optimizer.safetensors`, when the checkpoint has one. */
  optimizerTensors?: Record<string, { dtype: string; shape: [number, number] }>;
}

/**
 * Checks the bytes of `manifest.json` and returns its contents; anything that is not a manifest
 * of this library and version is a {@linkcode CheckpointError} for `path`.
 *
 * @param fn the public function reading it, for the message
 * @param path the manifest's path, for the message
 * @param bytes the file's bytes
 * @returns the manifest
 *
 * @example
 * ```ts
 * import { assertThrows } from "@std/assert";
 * import { CheckpointError } from "./checkpoint.ts";
 * import { parseManifest } from "./manifest.ts";
 * const bytes = new TextEncoder().encode('{"format": "other"}');
 * assertThrows(() => parseManifest("f", "m.json", bytes), CheckpointError, "not a checkpoint manifest");
 * ```
 */
export function parseManifest(fn: string, path: string, bytes: Uint8Array): CheckpointManifest {
  const m = parseJson(fn, path, bytes);
  const bad = (what: string): never => {
    throw new CheckpointError(fn, path, `not a checkpoint manifest: ${what}`);
  };
  if (!isPlainObject(m)) return bad(`expected a JSON object, got ${describeValue(m)}`);
  if (m.format !== MANIFEST_FORMAT) {
    bad(`format ${describeValue(m.format)}, expected ${JSON.stringify(MANIFEST_FORMAT)}`);
  }
  if (m.version !== MANIFEST_VERSION) {
    bad(`version ${describeValue(m.version)}, this library reads version ${MANIFEST_VERSION}`);
  }
  if (!isPlainObject(m.files)) bad(`"files" must be an object`);
  const files = m.files as Record<string, unknown>;
  for (
    const required of [CHECKPOINT_FILES.model, CHECKPOINT_FILES.config, CHECKPOINT_FILES.vocab]
  ) {
    if (!Object.hasOwn(files, required)) bad(`"files" does not list ${required}`);
  }
  for (const [name, record] of Object.entries(files)) {
    if (!LISTED_FILES.has(name)) {
      bad(`"files" lists ${JSON.stringify(name)}, which is not a checkpoint file`);
    }
    if (
      !isPlainObject(record) || !Number.isSafeInteger(record.bytes) ||
      (record.bytes as number) < 0 ||
      typeof record.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(record.sha256)
    ) {
      bad(`"files"[${JSON.stringify(name)}] must be { bytes: integer, sha256: 64 hex digits }`);
    }
  }
  const checkTensorRecords = (field: string) => {
    if (!isPlainObject(m[field])) bad(`"${field}" must be an object`);
    for (const [name, t] of Object.entries(m[field] as Record<string, unknown>)) {
      if (
        !isPlainObject(t) || (t.dtype !== "F32" && t.dtype !== "F64") ||
        !Array.isArray(t.shape) ||
        t.shape.length !== 2 || !t.shape.every((n) => Number.isSafeInteger(n) && n >= 0)
      ) {
        bad(
          `"${field}"[${JSON.stringify(name)}] must be { dtype: "F32" | "F64", ` +
            "shape: [rows, cols] }",
        );
      }
    }
  };
  checkTensorRecords("tensors");
  const hasOptimizer = Object.hasOwn(files, CHECKPOINT_FILES.optimizer);
  if (hasOptimizer !== Object.hasOwn(m, "optimizerTensors")) {
    bad(
      hasOptimizer
        ? `"files" lists ${CHECKPOINT_FILES.optimizer} but there is no "optimizerTensors"`
        : `"optimizerTensors" without ${CHECKPOINT_FILES.optimizer} in "files"`,
    );
  }
  if (hasOptimizer) checkTensorRecords("optimizerTensors");
  return m as unknown as CheckpointManifest;
}

/** What {@linkcode inspectCheckpointDirectory} found. */
export interface DirectoryOwner {
  /**
   * `"none"`: no `manifest.json`; `"ours"`: a `manifest.json` with this library's format
   * marker (the directory holds a checkpoint, or a save of one that was interrupted);
   * `"foreign"`: a `manifest.json` that is not ours (see {@linkcode reason}).
   */
  owner: "none" | "ours" | "foreign";
  /** For `"foreign"`: why the manifest is not ours, in words. */
  reason?: string;
}

/**
 * Says whether `dir` holds a `manifest.json` written by this library, without trusting it: the
 * file is read only if it is a regular file of at most `READ_LIMITS.manifest` bytes, and is ours
 * when it is a JSON object whose `format` is {@linkcode MANIFEST_FORMAT} (whatever its version).
 * A missing directory has no manifest.
 *
 * @param fn the public function asking, for messages
 * @param dir the directory
 * @returns the owner, and for a foreign manifest the reason
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { inspectCheckpointDirectory } from "./manifest.ts";
 * const dir = await Deno.makeTempDir();
 * assertEquals(await inspectCheckpointDirectory("f", dir), { owner: "none" });
 * await Deno.writeTextFile(`${dir}/manifest.json`, '{"format": "mini-neural-lm checkpoint"}');
 * assertEquals(await inspectCheckpointDirectory("f", dir), { owner: "ours" });
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function inspectCheckpointDirectory(fn: string, dir: string): Promise<DirectoryOwner> {
  const path = joinPath(dir, CHECKPOINT_FILES.manifest);
  try {
    await Deno.lstat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) {
      return { owner: "none" };
    }
    return { owner: "foreign", reason: `cannot be read (${errorMessage(error)})` };
  }
  let parsed: unknown;
  try {
    parsed = parseJson(fn, path, await readCheckpointFile(fn, path, READ_LIMITS.manifest));
  } catch (error) {
    const problem = errorMessage(error).slice(`${fn}: ${path}: `.length);
    return { owner: "foreign", reason: problem };
  }
  if (isPlainObject(parsed) && parsed.format === MANIFEST_FORMAT) return { owner: "ours" };
  const format = isPlainObject(parsed) ? describeValue(parsed.format) : describeValue(parsed);
  return {
    owner: "foreign",
    reason: `its format is ${format}, not ${JSON.stringify(MANIFEST_FORMAT)}`,
  };
}

/**
 * The manifest records (dtype and shape) of a record of named matrices, each matrix checked;
 * a bad one is an error naming `fn` and `arg[name]`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { matrix } from "../tensor.ts";
 * import { tensorRecords } from "./manifest.ts";
 * assertEquals(tensorRecords("save", "params", { W: matrix([[1, 2]]) }), {
 *   W: { dtype: "F64", shape: [1, 2] },
 * });
 * ```
 */
export function tensorRecords(
  fn: string,
  arg: string,
  tensors: unknown,
): CheckpointManifest["tensors"] {
  if (!isPlainObject(tensors)) {
    throw argError(fn, arg, "a record of named matrices", describeValue(tensors), TypeError);
  }
  const entries: [string, CheckpointManifest["tensors"][string]][] = [];
  for (const [name, m] of Object.entries(tensors)) {
    checkMatrix(fn, `${arg}[${JSON.stringify(name)}]`, m);
    entries.push([name, { dtype: fileDtype(m as Matrix), shape: (m as Matrix).shape }]);
  }
  // Object.fromEntries defines properties, so even a parameter named "__proto__" is kept.
  return Object.fromEntries(entries);
}
