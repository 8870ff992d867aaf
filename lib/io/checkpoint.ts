/**
 * Checkpoints: a trained model saved as a directory, written atomically and checked on load.
 *
 * ```text
 * dir/
 *   model.safetensors   the parameters (see ./safetensors.ts), by name: E, W1, b1, ...
 *   config.json         the model's configuration, exactly the object given to saveCheckpoint
 *   vocab.json          the vocabulary, e.g. Vocabulary.toJSON()
 *   training.json       optional: anything else (epoch, history, optimizer settings)
 *   optimizer.safetensors  optional: the optimiser's tensors (momentum), to resume training
 *   manifest.json       size and SHA-256 of each file above, name/dtype/shape of each tensor
 * ```
 *
 * **Atomic writes.** {@linkcode saveCheckpoint} first builds every file's bytes in memory (a
 * matrix that is not a matrix or a config that is not JSON fails here, before the disk is
 * touched). Then {@linkcode writeFilesAtomically} writes each file to a temporary file in the
 * same directory, flushes it to the disk (`fsync`), and only when all of them are written
 * renames them over their targets, `manifest.json` last. A rename within one directory replaces
 * a file in one step, so a reader sees the old file or the new one, never half of one; a failure
 * or a signal (Ctrl-C) before the renames removes the temporaries and leaves an earlier
 * checkpoint as it was, and temporaries that a killed process left are removed by the next save.
 *
 * **Only its own files.** `manifest.json` also marks the directory as one this library wrote.
 * `saveCheckpoint` replaces the six files above only in such a directory (or writes them where
 * none of them exists yet); it refuses a directory whose `config.json` or `manifest.json` is
 * someone else's, and never touches any other file.
 *
 * **Checked loads.** The manifest is the commit record: if the process dies between two
 * renames, the directory mixes files of two saves, and their checksums no longer match the
 * manifest. {@linkcode loadCheckpoint} reads each file only after checking that it is a regular
 * file within its size limit (see `READ_LIMITS` in ./files.ts: a FIFO or `/dev/zero` in place of
 * `config.json` is refused, not read), verifies each file's size and SHA-256, decodes the
 * parameters, compares their names, dtypes and shapes with the manifest (and with the shapes
 * the caller expects), and parses the JSON files. Any mismatch throws a
 * {@linkcode CheckpointError} naming the file and what is wrong. The checksums also mean that
 * a hand-edited `config.json` is refused: save again instead.
 *
 * `config.json` holds the caller's object unchanged (the manifest lives in its own file), so a
 * student can open it and read the hyper-parameters. For a model directory written by the
 * command line, `loadModel` in ./model_dir.ts also checks that the configuration, the
 * vocabulary and the tensors agree.
 *
 * @module
 */

import { argError, describeValue } from "../errors.ts";
import type { Matrix } from "../tensor.ts";
import {
  checkDir,
  CheckpointError,
  checkTensors,
  errorMessage,
  isPlainObject,
  joinPath,
  jsonBytes,
  parseJson,
  readCheckpointFile,
  sha256Hex,
} from "./_common.ts";
import { type AtomicFile, removeStaleTemporaries, writeFilesAtomically } from "./atomic.ts";
import { formatBytes, READ_LIMITS } from "./files.ts";
import {
  CHECKPOINT_FILES,
  type CheckpointManifest,
  inspectCheckpointDirectory,
  MANIFEST_FORMAT,
  MANIFEST_VERSION,
  parseManifest,
  tensorRecords,
} from "./manifest.ts";
import { decodeSafetensors, encodeSafetensors, SafetensorsError } from "./safetensors.ts";

export { type AtomicFile, CHECKPOINT_FILES, CheckpointError, writeFilesAtomically };
export type { CheckpointManifest };

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
  /**
   * Optional optimiser tensors by name (the momentum of each parameter, …), saved as
   * `optimizer.safetensors`; omitted, no `optimizer.safetensors` is kept.
   */
  optimizer?: Readonly<Record<string, Matrix>>;
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
  /** The optimiser tensors, or `undefined` when the checkpoint has none. */
  optimizer: Record<string, Matrix> | undefined;
}

/** Options of {@linkcode loadCheckpoint}. */
export interface LoadCheckpointOptions {
  /**
   * The parameters the caller's model needs, as `name -> [rows, cols]`. When given, the
   * checkpoint must hold exactly these names with exactly these shapes.
   */
  expect?: Readonly<Record<string, readonly [number, number]>>;
  /**
   * The largest `model.safetensors` (and `optimizer.safetensors`) to read, in bytes (default
   * `READ_LIMITS.weights`, 2 GiB): a larger file is refused before it is read.
   */
  maxModelBytes?: number;
}

/**
 * Saves a model as a checkpoint directory (created, with its parents, if missing), atomically:
 * a bad input or a failed write leaves the directory as it was, with no temporary file; each
 * file is replaced in one step by a rename, and a save interrupted between two renames is caught
 * at load by the manifest's checksums.
 *
 * Writes `model.safetensors` (the params), `config.json`, `vocab.json`, `training.json` (only
 * with `extra`; a stale one from an earlier save is removed), `optimizer.safetensors` (only with
 * `optimizer`, likewise) and `manifest.json`, which records the size and SHA-256 of each file and
 * the dtype and shape of each tensor. The files are
 * replaced only if the directory's `manifest.json` was written by this library; in a directory
 * without one, a file of one of these six names that exists already is someone else's, and the
 * save is refused with a {@linkcode CheckpointError} before anything is written. Other files in
 * the directory are never touched.
 *
 * @param dir the checkpoint directory
 * @param checkpoint params, config, vocab, optional extra and optimizer (none is changed)
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
  const { params, config, vocab, extra, optimizer } = checkpoint;
  const tensors = tensorRecords(fn, "params", params);
  const optimizerTensors = optimizer === undefined
    ? undefined
    : tensorRecords(fn, "optimizer", optimizer);
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
  if (optimizer !== undefined) {
    files.push({ name: CHECKPOINT_FILES.optimizer, bytes: encodeSafetensors(optimizer) });
  }
  const manifest: CheckpointManifest = {
    format: MANIFEST_FORMAT,
    version: MANIFEST_VERSION,
    files: {},
    tensors,
    ...(optimizerTensors === undefined ? {} : { optimizerTensors }),
  };
  for (const file of files) {
    manifest.files[file.name] = { bytes: file.bytes.length, sha256: await sha256Hex(file.bytes) };
  }
  const manifestFile = {
    name: CHECKPOINT_FILES.manifest,
    bytes: jsonBytes(fn, "manifest", manifest),
  };

  const ours = await checkOwnDirectory(fn, dir);
  try {
    await Deno.mkdir(dir, { recursive: true });
  } catch (error) {
    throw new CheckpointError(fn, dir, `cannot create the directory (${errorMessage(error)})`, {
      cause: error,
    });
  }
  // The manifest commits a save, so it goes last over an earlier checkpoint. Into a directory
  // that has none yet it goes first: a save killed half-way then still leaves the directory
  // marked as ours (and refused at load, its checksums unmatched), so the next save may
  // replace what this one left.
  await writeFilesAtomically(dir, ours ? [...files, manifestFile] : [manifestFile, ...files]);
  // A file the new manifest does not list would be ignored by a load; remove it to avoid
  // confusion. (It is ours: checkOwnDirectory refused a directory that held one of someone
  // else's.)
  if (extra === undefined) {
    await Deno.remove(joinPath(dir, CHECKPOINT_FILES.training)).catch(() => {});
  }
  if (optimizer === undefined) {
    await Deno.remove(joinPath(dir, CHECKPOINT_FILES.optimizer)).catch(() => {});
  }
  await removeStaleTemporaries(dir, [CHECKPOINT_FILES.training, CHECKPOINT_FILES.optimizer]);
  return manifest;
}

/**
 * Whether `dir` holds a checkpoint of ours (`true`), or none of our six file names (`false`,
 * also for a missing directory); anything else is refused, before a byte is written.
 */
async function checkOwnDirectory(fn: string, dir: string): Promise<boolean> {
  let info: Deno.FileInfo | undefined;
  try {
    info = await Deno.stat(dir);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) {
      throw new CheckpointError(fn, dir, `cannot read (${errorMessage(error)})`, { cause: error });
    }
  }
  if (info !== undefined && !info.isDirectory) {
    throw new CheckpointError(fn, dir, "exists and is not a directory");
  }
  if (info === undefined) return false;
  const { owner, reason } = await inspectCheckpointDirectory(fn, dir);
  const advice = "saveCheckpoint never replaces files it did not write: choose another " +
    "directory, or move the file away";
  if (owner === "foreign") {
    const path = joinPath(dir, CHECKPOINT_FILES.manifest);
    throw new CheckpointError(fn, path, `was not written by saveCheckpoint (${reason}); ${advice}`);
  }
  if (owner === "ours") return true;
  for (const name of Object.values(CHECKPOINT_FILES)) {
    const path = joinPath(dir, name);
    const exists = await Deno.lstat(path).then(() => true, () => false);
    if (exists) {
      throw new CheckpointError(
        fn,
        path,
        `exists, and ${dir} has no ${CHECKPOINT_FILES.manifest} of a checkpoint, so the file is ` +
          `not one saveCheckpoint wrote; ${advice}`,
      );
    }
  }
  return false;
}

/**
 * Loads and verifies a checkpoint directory written by {@linkcode saveCheckpoint}.
 *
 * Checks, in order, each failure a {@linkcode CheckpointError} naming the file: the directory
 * exists; it holds `manifest.json` (else "not a model directory"); the manifest is a regular
 * file of at most `READ_LIMITS.manifest` bytes and valid JSON of the expected form; each file it
 * lists is a regular file within its limit (`READ_LIMITS.json`, or `options.maxModelBytes` for
 * the weights), checked before it is read, with the recorded size and SHA-256;
 * `model.safetensors` (and `optimizer.safetensors`, when listed) decodes and holds exactly the
 * manifest's tensors, with their dtypes and shapes; with `options.expect`, exactly those names and shapes; the JSON files parse.
 *
 * @param dir the checkpoint directory
 * @param options `expect`: the parameter shapes the caller's model needs; `maxModelBytes`
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
    throw argError(
      fn,
      "options",
      "an object { expect?, maxModelBytes? }",
      describeValue(options),
      TypeError,
    );
  }
  const { expect, maxModelBytes = READ_LIMITS.weights } = options as LoadCheckpointOptions;
  if (expect !== undefined) checkExpect(fn, expect);
  if (!Number.isSafeInteger(maxModelBytes) || maxModelBytes < 0) {
    throw argError(
      fn,
      "options.maxModelBytes",
      "a non-negative integer",
      describeValue(maxModelBytes),
    );
  }

  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(dir);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new CheckpointError(fn, dir, "no such directory");
    }
    throw new CheckpointError(fn, dir, `cannot read (${errorMessage(error)})`, { cause: error });
  }
  if (!info.isDirectory) throw new CheckpointError(fn, dir, "not a directory");

  const modelPath = joinPath(dir, CHECKPOINT_FILES.model);
  const manifestPath = joinPath(dir, CHECKPOINT_FILES.manifest);
  const present = async (path: string) => await Deno.lstat(path).then(() => true, () => false);
  if (!(await present(manifestPath))) {
    throw new CheckpointError(
      fn,
      dir,
      (await present(modelPath))
        ? `not a model directory written by saveCheckpoint: missing ${CHECKPOINT_FILES.manifest}`
        : `not a model directory: missing ${CHECKPOINT_FILES.model} and ${CHECKPOINT_FILES.manifest}`,
    );
  }
  const manifest = parseManifest(
    fn,
    manifestPath,
    await readCheckpointFile(fn, manifestPath, READ_LIMITS.manifest),
  );

  // Read every listed file and check it against the manifest before using any of them.
  const contents = new Map<string, Uint8Array>();
  for (const [name, record] of Object.entries(manifest.files)) {
    const path = joinPath(dir, name);
    const weights = name === CHECKPOINT_FILES.model || name === CHECKPOINT_FILES.optimizer;
    const limit = weights ? maxModelBytes : READ_LIMITS.json;
    if (record.bytes > limit) {
      const which = weights ? "options.maxModelBytes" : "READ_LIMITS.json";
      throw new CheckpointError(
        fn,
        path,
        `${CHECKPOINT_FILES.manifest} records ${formatBytes(record.bytes)}, more than the ` +
          `${formatBytes(limit)} allowed (${which})`,
      );
    }
    const bytes = await readCheckpointFile(
      fn,
      path,
      limit,
      `missing, but ${CHECKPOINT_FILES.manifest} lists it`,
    );
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

  const decode = (path: string, bytes: Uint8Array): Record<string, Matrix> => {
    try {
      return decodeSafetensors(bytes).tensors;
    } catch (error) {
      if (error instanceof SafetensorsError) {
        throw new CheckpointError(fn, path, error.message, { cause: error });
      }
      throw error;
    }
  };
  const params = decode(modelPath, contents.get(CHECKPOINT_FILES.model)!);
  checkTensors(fn, modelPath, params, manifest.tensors, CHECKPOINT_FILES.manifest);
  let optimizer: Record<string, Matrix> | undefined;
  const optimizerBytes = contents.get(CHECKPOINT_FILES.optimizer);
  if (optimizerBytes !== undefined) {
    const optimizerPath = joinPath(dir, CHECKPOINT_FILES.optimizer);
    optimizer = decode(optimizerPath, optimizerBytes);
    const records = manifest.optimizerTensors!; // parseManifest: present with the file
    checkTensors(fn, optimizerPath, optimizer, records, CHECKPOINT_FILES.manifest);
  }
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
  return { params, config, vocab, extra, optimizer };
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
