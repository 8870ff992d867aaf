/**
 * Checkpoints: a trained model saved as a directory, written atomically and checked on load.
 *
 * ```text
 * dir/
 *   model.safetensors   the parameters (see ./safetensors.ts), by name: E, W1, b1, ...
 *   config.json         the model's configuration, exactly the object given to saveCheckpoint
 *   vocab.json          the vocabulary, e.g. Vocabulary.toJSON()
 *   training.json       optional: anything else (epoch, history, optimizer settings)
 *   manifest.json       size and SHA-256 of each file above, name/dtype/shape of each tensor
 * ```
 *
 * **Atomic writes.** {@linkcode saveCheckpoint} first builds every file's bytes in memory (a
 * matrix that is not a matrix or a config that is not JSON fails here, before the disk is
 * touched). Then {@linkcode writeFilesAtomically} writes each file to a temporary file in the
 * same directory, flushes it to the disk (`fsync`), and only when all of them are written
 * renames them over their targets, `manifest.json` last. A rename within one directory replaces
 * a file in one step, so a reader sees the old file or the new one, never half of one; a failure
 * before the renames removes the temporaries and leaves an earlier checkpoint as it was.
 *
 * **Checked loads.** The manifest is the commit record: if the process dies between two
 * renames, the directory mixes files of two saves, and their checksums no longer match the
 * manifest. {@linkcode loadCheckpoint} verifies each file's size and SHA-256, decodes the
 * parameters, compares their names, dtypes and shapes with the manifest (and with the shapes
 * the caller expects), and parses the JSON files. Any mismatch throws a
 * {@linkcode CheckpointError} naming the file and what is wrong. The checksums also mean that
 * a hand-edited `config.json` is refused: save again instead.
 *
 * `config.json` holds the caller's object unchanged (the manifest lives in its own file), so a
 * student can open it and read the hyper-parameters.
 *
 * @module
 */

import { argError, describeValue } from "../errors.ts";
import { checkMatrix, type Matrix } from "../tensor.ts";
import { decodeSafetensors, encodeSafetensors, SafetensorsError } from "./safetensors.ts";

/** The file names inside a checkpoint directory. */
export const CHECKPOINT_FILES = {
  /** The parameters, in safetensors format. */
  model: "model.safetensors",
  /** The model configuration. */
  config: "config.json",
  /** The vocabulary. */
  vocab: "vocab.json",
  /** Optional training state (`extra`). */
  training: "training.json",
  /** Sizes, checksums and tensor shapes: written last, read first. */
  manifest: "manifest.json",
} as const;

/** The files that `manifest.json` may list (all but itself). */
const LISTED_FILES: ReadonlySet<string> = new Set([
  CHECKPOINT_FILES.model,
  CHECKPOINT_FILES.config,
  CHECKPOINT_FILES.vocab,
  CHECKPOINT_FILES.training,
]);

/** The `format` field of `manifest.json`. */
const MANIFEST_FORMAT = "mini-neural-lm checkpoint";
/** The manifest version this library writes and reads. */
const MANIFEST_VERSION = 1;

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

/** What {@linkcode saveCheckpoint} writes. */
export interface CheckpointContents {
  /** The parameters by name, each a {@linkcode Matrix} (float32 or float64). */
  params: Readonly<Record<string, Matrix>>;
  /** The model configuration: a plain JSON object (no `NaN`, functions, class instances). */
  config: object;
  /** The vocabulary as plain JSON (an object or an array), e.g. `Vocabulary.toJSON()`. */
  vocab: object;
  /** Optional training state as a plain JSON object; omitted, no `training.json` is kept. */
  extra?: object;
}

/** What {@linkcode loadCheckpoint} returns. */
export interface LoadedCheckpoint {
  /** The parameters, fresh matrices with the dtypes and shapes they were saved with. */
  params: Record<string, Matrix>;
  /** The configuration object, as saved. */
  config: Record<string, unknown>;
  /** The vocabulary JSON, as saved (validate it, e.g. with `Vocabulary.fromJSON`). */
  vocab: unknown;
  /** The training state, or `undefined` when the checkpoint has none. */
  extra: Record<string, unknown> | undefined;
}

/** Options of {@linkcode loadCheckpoint}. */
export interface LoadCheckpointOptions {
  /**
   * The parameters the caller's model needs, as `name -> [rows, cols]`. When given, the
   * checkpoint must hold exactly these names with exactly these shapes.
   */
  expect?: Readonly<Record<string, readonly [number, number]>>;
}

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
}

/** One file for {@linkcode writeFilesAtomically}. */
export interface AtomicFile {
  /** A plain file name inside the directory (no `/` or `\`). */
  name: string;
  /** The file's complete contents. */
  bytes: Uint8Array;
}

/**
 * Saves a model as a checkpoint directory (created if missing), atomically: a bad input or a
 * failed write leaves the directory as it was, with no temporary file; each file is replaced
 * in one step by a rename, and a save interrupted between two renames is caught at load by
 * the manifest's checksums.
 *
 * Writes `model.safetensors` (the params), `config.json`, `vocab.json`, `training.json` (only
 * with `extra`; a stale one from an earlier save is removed) and last `manifest.json`, which
 * records the size and SHA-256 of each file and the dtype and shape of each tensor.
 *
 * @param dir the checkpoint directory
 * @param checkpoint params, config, vocab and optional extra (none of them is changed)
 * @returns the manifest that was written
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { matrix } from "../tensor.ts";
 * import { loadCheckpoint, saveCheckpoint } from "./checkpoint.ts";
 * const dir = await Deno.makeTempDir();
 * const W = matrix([[0.5, -1], [2, 0.25]]);
 * await saveCheckpoint(dir, { params: { W }, config: { hidden: 2 }, vocab: { tokens: ["a", "b"] } });
 * const back = await loadCheckpoint(dir, { expect: { W: [2, 2] } });
 * assertEquals(back.params.W, W);
 * assertEquals(back.config, { hidden: 2 });
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function saveCheckpoint(
  dir: string,
  checkpoint: CheckpointContents,
): Promise<CheckpointManifest> {
  const fn = "saveCheckpoint";
  checkDir(fn, dir);
  if (!isPlainObject(checkpoint)) {
    throw argError(
      fn,
      "checkpoint",
      "{ params, config, vocab, extra? }",
      describeValue(checkpoint),
      TypeError,
    );
  }
  const { params, config, vocab, extra } = checkpoint;
  if (!isPlainObject(params)) {
    throw argError(fn, "params", "a record of named matrices", describeValue(params), TypeError);
  }
  const tensorEntries: [string, CheckpointManifest["tensors"][string]][] = [];
  for (const [name, m] of Object.entries(params)) {
    checkMatrix(fn, `params[${JSON.stringify(name)}]`, m);
    tensorEntries.push([name, { dtype: m.dtype === "float32" ? "F32" : "F64", shape: m.shape }]);
  }
  // Object.fromEntries defines properties, so even a parameter named "__proto__" is kept.
  const tensors = Object.fromEntries(tensorEntries);
  if (!isPlainObject(config)) {
    throw argError(fn, "config", "a plain object", describeValue(config), TypeError);
  }
  if (vocab === null || typeof vocab !== "object") {
    throw argError(fn, "vocab", "a JSON object or array", describeValue(vocab), TypeError);
  }
  if (extra !== undefined && !isPlainObject(extra)) {
    throw argError(fn, "extra", "a plain object or undefined", describeValue(extra), TypeError);
  }

  // Every byte is prepared before the disk is touched: a bad input fails here and leaves the
  // directory (and any earlier checkpoint in it) alone.
  const files: AtomicFile[] = [
    { name: CHECKPOINT_FILES.model, bytes: encodeSafetensors(params) },
    { name: CHECKPOINT_FILES.config, bytes: jsonBytes(fn, "config", config) },
    { name: CHECKPOINT_FILES.vocab, bytes: jsonBytes(fn, "vocab", vocab) },
  ];
  if (extra !== undefined) {
    files.push({ name: CHECKPOINT_FILES.training, bytes: jsonBytes(fn, "extra", extra) });
  }
  const manifest: CheckpointManifest = {
    format: MANIFEST_FORMAT,
    version: MANIFEST_VERSION,
    files: {},
    tensors,
  };
  for (const file of files) {
    manifest.files[file.name] = { bytes: file.bytes.length, sha256: await sha256Hex(file.bytes) };
  }
  files.push({ name: CHECKPOINT_FILES.manifest, bytes: jsonBytes(fn, "manifest", manifest) });

  try {
    await Deno.mkdir(dir, { recursive: true });
  } catch (error) {
    throw new CheckpointError(fn, dir, `cannot create the directory (${message(error)})`, {
      cause: error,
    });
  }
  await writeFilesAtomically(dir, files);
  if (extra === undefined) {
    // The new manifest does not list it, so a load would ignore it; remove it to avoid confusion.
    await Deno.remove(joinPath(dir, CHECKPOINT_FILES.training)).catch(() => {});
  }
  return manifest;
}

/**
 * Loads and verifies a checkpoint directory written by {@linkcode saveCheckpoint}.
 *
 * Checks, in order, each failure a {@linkcode CheckpointError} naming the file: the directory
 * exists; it holds `model.safetensors` (else "not a model directory") and `manifest.json`;
 * the manifest is valid JSON of the expected form; each file it lists exists with the recorded
 * size and SHA-256; `model.safetensors` decodes and holds exactly the manifest's tensors, with
 * their dtypes and shapes; with `options.expect`, exactly those names and shapes; the JSON
 * files parse.
 *
 * @param dir the checkpoint directory
 * @param options `expect`: the parameter shapes the caller's model needs
 * @returns the parameters (fresh matrices), config, vocab and extra
 *
 * @example
 * ```ts
 * import { assertRejects } from "@std/assert";
 * import { CheckpointError, loadCheckpoint } from "./checkpoint.ts";
 * const dir = await Deno.makeTempDir();
 * await assertRejects(() => loadCheckpoint(dir), CheckpointError, "not a model directory");
 * await Deno.remove(dir);
 * ```
 */
export async function loadCheckpoint(
  dir: string,
  options: LoadCheckpointOptions = {},
): Promise<LoadedCheckpoint> {
  const fn = "loadCheckpoint";
  checkDir(fn, dir);
  if (!isPlainObject(options)) {
    throw argError(fn, "options", "an object { expect? }", describeValue(options), TypeError);
  }
  const expect = options.expect;
  if (expect !== undefined) checkExpect(fn, expect);

  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(dir);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new CheckpointError(fn, dir, "no such directory");
    }
    throw new CheckpointError(fn, dir, `cannot read (${message(error)})`, { cause: error });
  }
  if (!info.isDirectory) throw new CheckpointError(fn, dir, "not a directory");

  const modelPath = joinPath(dir, CHECKPOINT_FILES.model);
  const manifestPath = joinPath(dir, CHECKPOINT_FILES.manifest);
  if (!(await isFile(modelPath))) {
    throw new CheckpointError(fn, dir, `not a model directory: missing ${CHECKPOINT_FILES.model}`);
  }
  if (!(await isFile(manifestPath))) {
    throw new CheckpointError(
      fn,
      dir,
      `not a model directory written by saveCheckpoint: missing ${CHECKPOINT_FILES.manifest}`,
    );
  }
  const manifest = parseManifest(fn, manifestPath, await readFile(fn, manifestPath));

  // Read every listed file and check it against the manifest before using any of them.
  const contents = new Map<string, Uint8Array>();
  for (const [name, record] of Object.entries(manifest.files)) {
    const path = joinPath(dir, name);
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(path);
    } catch (error) {
      const why = error instanceof Deno.errors.NotFound
        ? "missing"
        : `cannot read (${message(error)})`;
      throw new CheckpointError(fn, path, `${why}, but ${CHECKPOINT_FILES.manifest} lists it`, {
        cause: error,
      });
    }
    if (bytes.length !== record.bytes) {
      throw new CheckpointError(
        fn,
        path,
        `has ${bytes.length} bytes, ${CHECKPOINT_FILES.manifest} records ${record.bytes} ` +
          "(truncated or altered after saving)",
      );
    }
    const sha = await sha256Hex(bytes);
    if (sha !== record.sha256) {
      throw new CheckpointError(
        fn,
        path,
        `SHA-256 checksum ${sha} does not match ${record.sha256} recorded in ` +
          `${CHECKPOINT_FILES.manifest}: the file was altered after saving, or belongs to ` +
          "another save (an interrupted one?)",
      );
    }
    contents.set(name, bytes);
  }

  let params: Record<string, Matrix>;
  try {
    params = decodeSafetensors(contents.get(CHECKPOINT_FILES.model)!).tensors;
  } catch (error) {
    if (error instanceof SafetensorsError) {
      throw new CheckpointError(fn, modelPath, error.message, { cause: error });
    }
    throw error;
  }
  checkTensors(fn, modelPath, params, manifest.tensors, CHECKPOINT_FILES.manifest);
  if (expect !== undefined) {
    const shapes = Object.entries(expect).map(([name, shape]) => [name, { shape }]);
    checkTensors(fn, modelPath, params, Object.fromEntries(shapes), "options.expect");
  }

  const configPath = joinPath(dir, CHECKPOINT_FILES.config);
  const config = parseJson(fn, configPath, contents.get(CHECKPOINT_FILES.config)!);
  if (!isPlainObject(config)) {
    throw new CheckpointError(
      fn,
      configPath,
      `expected a JSON object, got ${describeValue(config)}`,
    );
  }
  const vocabPath = joinPath(dir, CHECKPOINT_FILES.vocab);
  const vocab = parseJson(fn, vocabPath, contents.get(CHECKPOINT_FILES.vocab)!);
  if (vocab === null || typeof vocab !== "object") {
    throw new CheckpointError(
      fn,
      vocabPath,
      `expected a JSON object or array, got ${describeValue(vocab)}`,
    );
  }
  let extra: Record<string, unknown> | undefined;
  const trainingBytes = contents.get(CHECKPOINT_FILES.training);
  if (trainingBytes !== undefined) {
    const trainingPath = joinPath(dir, CHECKPOINT_FILES.training);
    const parsed = parseJson(fn, trainingPath, trainingBytes);
    if (!isPlainObject(parsed)) {
      throw new CheckpointError(
        fn,
        trainingPath,
        `expected a JSON object, got ${describeValue(parsed)}`,
      );
    }
    extra = parsed;
  }
  return { params, config, vocab, extra };
}

/**
 * Replaces several files of one directory so that no reader ever sees a half-written file:
 * each is written to a fresh temporary file in `dir` and flushed to the disk (`fsync`); when
 * all are written, each is renamed over its target, in the order given, and the directory is
 * flushed so the renames survive a power cut. If anything fails before the renames, every
 * temporary file is removed and the targets are untouched.
 *
 * Each rename is atomic, the sequence of renames is not: put the file that marks a complete
 * write (a manifest with checksums) last. One writer per directory at a time.
 *
 * @param dir an existing directory
 * @param files the files, by plain file name; a target that is a directory is refused
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { writeFilesAtomically } from "./checkpoint.ts";
 * const dir = await Deno.makeTempDir();
 * const bytes = new TextEncoder().encode("hello\n");
 * await writeFilesAtomically(dir, [{ name: "a.txt", bytes }]);
 * assertEquals(await Deno.readTextFile(`${dir}/a.txt`), "hello\n");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeFilesAtomically(
  dir: string,
  files: readonly AtomicFile[],
): Promise<void> {
  const fn = "writeFilesAtomically";
  checkDir(fn, dir);
  if (!Array.isArray(files)) {
    throw argError(fn, "files", "an array of { name, bytes }", describeValue(files), TypeError);
  }
  const names = new Set<string>();
  for (let i = 0; i < files.length; i++) {
    const { name, bytes } = files[i] ?? {};
    if (
      typeof name !== "string" || name === "" || name === "." || name === ".." ||
      /[/\\]/.test(name)
    ) {
      throw argError(fn, `files[${i}].name`, "a plain file name", describeValue(name));
    }
    if (names.has(name)) throw argError(fn, `files[${i}].name`, "a name not used before", name);
    names.add(name);
    if (!(bytes instanceof Uint8Array)) {
      throw argError(fn, `files[${i}].bytes`, "a Uint8Array", describeValue(bytes), TypeError);
    }
    const target = joinPath(dir, name);
    const existing = await Deno.lstat(target).catch(() => undefined);
    if (existing?.isDirectory) {
      throw new CheckpointError(fn, target, "is a directory, cannot replace it with a file");
    }
  }

  const pending: { temp: string; target: string }[] = [];
  let renamed = 0;
  try {
    for (const { name, bytes } of files) {
      // A leading dot hides the temporary from `ls`; the random part keeps two writers apart.
      const temp = joinPath(dir, `.${name}.${crypto.randomUUID()}.tmp`);
      const target = joinPath(dir, name);
      let handle: Deno.FsFile;
      try {
        handle = await Deno.open(temp, { write: true, createNew: true, mode: 0o644 });
      } catch (error) {
        throw new CheckpointError(fn, temp, `cannot create (${message(error)})`, { cause: error });
      }
      pending.push({ temp, target });
      try {
        let written = 0;
        while (written < bytes.length) written += await handle.write(bytes.subarray(written));
        // Without this the rename could reach the disk before the data: after a crash the
        // target would exist but hold zeros.
        await handle.sync();
      } catch (error) {
        throw new CheckpointError(fn, target, `cannot write (${message(error)})`, {
          cause: error,
        });
      } finally {
        handle.close();
      }
    }
    for (const { temp, target } of pending) {
      try {
        await Deno.rename(temp, target);
      } catch (error) {
        throw new CheckpointError(fn, target, `cannot replace (${message(error)})`, {
          cause: error,
        });
      }
      renamed++;
    }
  } catch (error) {
    for (const { temp } of pending.slice(renamed)) await Deno.remove(temp).catch(() => {});
    throw error;
  }
  await syncDirectory(dir);
}

// ---------------------------------------------------------------------------------------------
// Helpers

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function checkDir(fn: string, dir: unknown): asserts dir is string {
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

function joinPath(dir: string, name: string): string {
  return dir.endsWith("/") || dir.endsWith("\\") ? dir + name : `${dir}/${name}`;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

async function readFile(fn: string, path: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (error) {
    throw new CheckpointError(fn, path, `cannot read (${message(error)})`, { cause: error });
  }
}

async function syncDirectory(dir: string): Promise<void> {
  let handle: Deno.FsFile | undefined;
  try {
    handle = await Deno.open(dir, { read: true });
    await handle.sync();
  } catch {
    // Some systems (Windows) cannot open a directory; the renames are still atomic there.
  } finally {
    handle?.close();
  }
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * `value` as pretty-printed JSON bytes, refusing what JSON would silently change: `NaN` and
 * infinities (written as `null`), functions and symbols (dropped), `undefined` in an array
 * (written as `null`), and class instances such as `Map` (written as `{}`).
 */
function jsonBytes(fn: string, arg: string, value: unknown): Uint8Array {
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
    throw argError(fn, arg, "JSON data", message(error), TypeError); // e.g. a cycle
  }
  return new TextEncoder().encode(text + "\n");
}

function parseJson(fn: string, path: string, bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new CheckpointError(fn, path, "not valid UTF-8 text");
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CheckpointError(fn, path, `not valid JSON (${message(error)})`, { cause: error });
  }
}

function parseManifest(fn: string, path: string, bytes: Uint8Array): CheckpointManifest {
  const m = parseJson(fn, path, bytes);
  const bad = (what: string): never => {
    throw new CheckpointError(fn, path, `not a checkpoint manifest: ${what}`);
  };
  if (!isPlainObject(m)) return bad(`expected a JSON object, got ${describeValue(m)}`);
  if (m.format !== MANIFEST_FORMAT) {
    bad(`format ${JSON.stringify(m.format)}, expected ${JSON.stringify(MANIFEST_FORMAT)}`);
  }
  if (m.version !== MANIFEST_VERSION) {
    bad(`version ${JSON.stringify(m.version)}, this library reads version ${MANIFEST_VERSION}`);
  }
  if (!isPlainObject(m.files)) bad(`"files" must be an object`);
  const files = m.files as Record<string, unknown>;
  for (
    const required of [CHECKPOINT_FILES.model, CHECKPOINT_FILES.config, CHECKPOINT_FILES.vocab]
  ) {
    if (!(required in files)) bad(`"files" does not list ${required}`);
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
  if (!isPlainObject(m.tensors)) bad(`"tensors" must be an object`);
  for (const [name, t] of Object.entries(m.tensors as Record<string, unknown>)) {
    if (
      !isPlainObject(t) || (t.dtype !== "F32" && t.dtype !== "F64") || !Array.isArray(t.shape) ||
      t.shape.length !== 2 || !t.shape.every((n) => Number.isSafeInteger(n) && n >= 0)
    ) {
      bad(
        `"tensors"[${JSON.stringify(name)}] must be { dtype: "F32" | "F64", shape: [rows, cols] }`,
      );
    }
  }
  return m as unknown as CheckpointManifest;
}

function checkExpect(
  fn: string,
  expect: unknown,
): asserts expect is Readonly<Record<string, readonly [number, number]>> {
  if (!isPlainObject(expect)) {
    throw argError(
      fn,
      "options.expect",
      "a record name -> [rows, cols]",
      describeValue(expect),
      TypeError,
    );
  }
  for (const [name, shape] of Object.entries(expect)) {
    if (
      !Array.isArray(shape) || shape.length !== 2 ||
      !shape.every((n) => Number.isSafeInteger(n) && n >= 0)
    ) {
      throw argError(
        fn,
        `options.expect[${JSON.stringify(name)}]`,
        "[rows, cols] of non-negative integers",
        JSON.stringify(shape) ?? describeValue(shape),
      );
    }
  }
}

/**
 * Checks that `params` holds exactly the names of `wanted`, each with its shape, and its dtype
 * when `wanted` records one. `source` names where `wanted` comes from, for the message.
 */
function checkTensors(
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
    const fileDtype = m.dtype === "float32" ? "F32" : "F64";
    if (dtype !== undefined && fileDtype !== dtype) {
      throw new CheckpointError(
        fn,
        path,
        `tensor ${quoted} has dtype ${fileDtype}, ${source} says ${dtype}`,
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
