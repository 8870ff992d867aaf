/**
 * Model directories: the checkpoint that `deno task train` writes and `deno task generate`
 * reads, checked as a whole model.
 *
 * ```text
 * config.json   { "model": ModelConfig, "training": { the flags of the run } }
 * vocab.json    TextPreprocessor.toJSON()
 * model.safetensors, manifest.json   as in ./checkpoint.ts
 * ```
 *
 * - {@linkcode checkModelDestination}, before training: is the output directory one a model may
 *   be saved into, without replacing or deleting anything that is not ours? Refuses an empty
 *   path, a path that is not a directory (`/dev/null`, a file), a directory that holds a saved
 *   model (unless `force`), a non-empty directory of other files (unless `force`), a directory
 *   that cannot be written; so a bad `--out` fails in a second, not after an hour of training.
 * - {@linkcode loadModel}: loads a model directory and checks that its files agree with one
 *   another: the configuration is complete and valid, the tensors have exactly the names and
 *   shapes it implies, all of its dtype, all finite, and the vocabulary has `vocabSize`
 *   entries. Every failure is a {@linkcode CheckpointError} naming the file (and the tensor).
 *
 * A directory is recognised as a model directory of this library by its `manifest.json`, which
 * carries the format marker `"mini-neural-lm checkpoint"`.
 *
 * @module
 */

import { argError, describeValue } from "../errors.ts";
import { MiniNeuralLM, type ModelConfig, type ModelParams } from "../model.ts";
import { TextPreprocessor } from "../text/preprocessor.ts";
import {
  checkDir,
  CheckpointError,
  checkTensors,
  errorMessage,
  fileDtype,
  isPlainObject,
  joinPath,
} from "./_common.ts";
import { removeStaleTemporaries, temporaryName, temporaryTarget } from "./atomic.ts";
import { loadCheckpoint } from "./checkpoint.ts";
import { describeFileKind } from "./files.ts";
import { CHECKPOINT_FILES, inspectCheckpointDirectory } from "./manifest.ts";

/** What {@linkcode loadModel} returns. */
export interface LoadedModel {
  /** The model, built from `config.json`'s `"model"` entry. */
  model: MiniNeuralLM;
  /** Its parameters, checked against the model's shapes and dtype, all finite. */
  params: ModelParams;
  /** The text preprocessor of `vocab.json`, with `vocabSize` tokens. */
  pre: TextPreprocessor;
  /** The model's configuration (the same object as `model.config`). */
  config: Readonly<ModelConfig>;
}

/** Options of {@linkcode loadModel}. */
export interface LoadModelOptions {
  /** The largest `model.safetensors` to read, in bytes (default `READ_LIMITS.weights`). */
  maxModelBytes?: number;
}

/**
 * The fields `config.json`'s `"model"` entry must have: a configuration that leaves one out
 * would silently take a default (`relu` for a model trained with `tanh`).
 */
const REQUIRED_MODEL_FIELDS = [
  "vocabSize",
  "contextSize",
  "embedDim",
  "hidden",
  "activation",
  "dropout",
  "directConnections",
  "dtype",
] as const;

/**
 * Loads a model directory written by `deno task train` (a checkpoint whose `config.json` is
 * `{ model: ModelConfig, ... }` and whose `vocab.json` is a `TextPreprocessor`), and checks
 * that its parts agree, before anything uses them. Each failure is a {@linkcode CheckpointError}
 * naming the file at fault:
 *
 * - everything `loadCheckpoint` checks (kinds and sizes of the files before reading them,
 *   checksums, the safetensors format);
 * - `config.json`: a `"model"` object with every field of a model configuration, valid;
 * - `model.safetensors`: exactly the tensors of that model (`MiniNeuralLM.shapes`), each of the
 *   configuration's dtype (so never a mix of F32 and F64), every value finite (a model that
 *   diverged to `NaN` is refused, with the tensor and the entry);
 * - `vocab.json`: a valid text preprocessor whose vocabulary has exactly `vocabSize` tokens and
 *   whose context size is the model's.
 *
 * @param dir the model directory
 * @param options `maxModelBytes`: the largest weights file to read
 * @returns the model, its parameters, the preprocessor and the configuration
 *
 * @example
 * ```ts
 * import { assertEquals, assertRejects } from "@std/assert";
 * import { MiniNeuralLM } from "../model.ts";
 * import { TextPreprocessor } from "../text/preprocessor.ts";
 * import { CheckpointError, saveCheckpoint } from "./checkpoint.ts";
 * import { loadModel } from "./model_dir.ts";
 * const pre = TextPreprocessor.fit("the cat sat", { contextSize: 2 });
 * const model = new MiniNeuralLM({ vocabSize: pre.vocabSize, contextSize: 2, embedDim: 3, hidden: [4] });
 * const dir = await Deno.makeTempDir();
 * await saveCheckpoint(dir, { params: model.init(0), config: { model: model.config }, vocab: pre.toJSON() });
 * assertEquals((await loadModel(dir)).config, model.config);
 * // The same weights beside a configuration with one more word: refused.
 * const wrong = { ...model.config, vocabSize: pre.vocabSize + 1 };
 * await saveCheckpoint(dir, { params: model.init(0), config: { model: wrong }, vocab: pre.toJSON() });
 * await assertRejects(() => loadModel(dir), CheckpointError, 'tensor "E" has shape');
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadModel(dir: string, options: LoadModelOptions = {}): Promise<LoadedModel> {
  const fn = "loadModel";
  checkDir(fn, dir);
  if (!isPlainObject(options)) {
    throw argError(
      fn,
      "options",
      "an object { maxModelBytes? }",
      describeValue(options),
      TypeError,
    );
  }
  const checkpoint = await loadCheckpoint(dir, {
    maxModelBytes: (options as LoadModelOptions).maxModelBytes,
  });
  const configPath = joinPath(dir, CHECKPOINT_FILES.config);
  const modelPath = joinPath(dir, CHECKPOINT_FILES.model);
  const vocabPath = joinPath(dir, CHECKPOINT_FILES.vocab);

  const entry = checkpoint.config.model;
  if (!isPlainObject(entry)) {
    throw new CheckpointError(
      fn,
      configPath,
      `expected a "model" object (the model's configuration), got ${describeValue(entry)}`,
    );
  }
  for (const field of REQUIRED_MODEL_FIELDS) {
    if (!Object.hasOwn(entry, field)) {
      throw new CheckpointError(fn, configPath, `"model" has no "${field}"`);
    }
  }
  let model: MiniNeuralLM;
  try {
    model = new MiniNeuralLM(entry as unknown as ModelConfig);
  } catch (error) {
    if (!(error instanceof TypeError || error instanceof RangeError)) throw error;
    throw new CheckpointError(
      fn,
      configPath,
      `"model" is not a valid model configuration (${errorMessage(error)})`,
      { cause: error },
    );
  }
  const config = model.config;

  const params = checkpoint.params;
  const shapes = Object.entries(model.shapes()).map(([name, shape]) => [name, { shape }]);
  checkTensors(fn, modelPath, params, Object.fromEntries(shapes), `the model of ${configPath}`);
  const dtype = config.dtype === "float32" ? "F32" : "F64";
  for (const [name, m] of Object.entries(params)) {
    if (fileDtype(m) !== dtype) {
      throw new CheckpointError(
        fn,
        modelPath,
        `tensor ${JSON.stringify(name)} is ${fileDtype(m)}, but ${configPath} says dtype ` +
          `"${config.dtype}" (${dtype}); every tensor of a model has the model's dtype`,
      );
    }
    checkFinite(fn, modelPath, name, m.data, m.cols);
  }
  try {
    model.checkParams(fn, params); // the model's own check, after ours: never expected to fail
  } catch (error) {
    throw new CheckpointError(fn, modelPath, errorMessage(error), { cause: error });
  }

  let pre: TextPreprocessor;
  try {
    pre = TextPreprocessor.fromJSON(checkpoint.vocab);
  } catch (error) {
    if (!(error instanceof TypeError || error instanceof RangeError)) throw error;
    throw new CheckpointError(
      fn,
      vocabPath,
      `not a text preprocessor of this library (${errorMessage(error)})`,
      { cause: error },
    );
  }
  if (pre.vocabSize !== config.vocabSize) {
    throw new CheckpointError(
      fn,
      vocabPath,
      `holds ${pre.vocabSize} tokens, but ${configPath} says vocabSize ${config.vocabSize}: ` +
        "the two files do not belong to one model",
    );
  }
  if (pre.contextSize !== config.contextSize) {
    throw new CheckpointError(
      fn,
      vocabPath,
      `has contextSize ${pre.contextSize}, but ${configPath} says contextSize ` +
        `${config.contextSize}: the two files do not belong to one model`,
    );
  }
  return { model, params, pre, config };
}

function checkFinite(
  fn: string,
  path: string,
  name: string,
  data: Float32Array | Float64Array,
  cols: number,
): void {
  for (let k = 0; k < data.length; k++) {
    if (!Number.isFinite(data[k])) {
      throw new CheckpointError(
        fn,
        path,
        `tensor ${JSON.stringify(name)} holds ${data[k]} at [${Math.floor(k / cols)}, ${
          k % cols
        }]: a model's weights are finite numbers (training diverged before the save, or the ` +
          "file was altered)",
      );
    }
  }
}

/** Options of {@linkcode checkModelDestination}. */
export interface ModelDestinationOptions {
  /**
   * Also accept a directory that holds a saved model (to be replaced) or other files (left as
   * they are, beside the model). Even so, a file with one of the checkpoint's names that this
   * library did not write is never replaced. The command line's `--force`.
   */
  force?: boolean;
}

/** What {@linkcode checkModelDestination} found (and, for `"new"`, did). */
export interface ModelDestination {
  /** The directory, as given. */
  dir: string;
  /**
   * - `"new"`: it did not exist and was created now, with any missing parents (a caller whose
   *   training then fails may remove it again);
   * - `"empty"`: an empty directory (temporary files of an interrupted save do not count);
   * - `"model"`: it holds a saved model, which a save will replace (only with `force`);
   * - `"shared"`: it holds other files, which a save leaves alone (only with `force`).
   */
  state: "new" | "empty" | "model" | "shared";
}

/** The temporary-file name of the write probe. */
const PROBE = "write-probe";

/** How the messages say what to do, in the command line's words. */
const CHOOSE = "choose another directory with --out";

/**
 * Checks, before any training, that a model can be saved in `dir` without losing anything:
 * each refusal is a {@linkcode CheckpointError} (a `RangeError` for `""`) whose message says
 * what was found and what to do (`--out` another directory, or `--force`, which is
 * `options.force`).
 *
 * - `""` is refused, and so is a path that exists and is not a directory (a file, `/dev/null`,
 *   a FIFO; symbolic links are followed).
 * - A missing directory is created, with its missing parents (as `mkdir -p`), so that it can be
 *   proved writable now; `state` is then `"new"`.
 * - A directory that holds a saved model (its `manifest.json` carries this library's marker):
 *   refused unless `force`, which replaces the model's files, and only those.
 * - A directory that holds other files: refused unless `force`, which saves the model beside
 *   them, provided none of them has a checkpoint file's name (`config.json`, `vocab.json`,
 *   `model.safetensors`, `manifest.json`, `training.json`): those were not written by this
 *   library, and are never replaced, `force` or not.
 * - The directory must be writable: a probe file of ours (`.write-probe.mnlm-<uuid>.tmp`) is
 *   created and removed.
 *
 * The command line should offer `--force` with the help text "replace the model in --out, or
 * save beside other files there (files of other programs are never replaced)".
 *
 * @param dir the output directory
 * @param options `force`: accept a directory with a saved model or other files
 * @returns the directory and what it held
 *
 * @example
 * ```ts
 * import { assertEquals, assertRejects } from "@std/assert";
 * import { CheckpointError } from "./checkpoint.ts";
 * import { checkModelDestination } from "./model_dir.ts";
 * const dir = await Deno.makeTempDir();
 * assertEquals((await checkModelDestination(`${dir}/runs/a`)).state, "new");
 * await Deno.writeTextFile(`${dir}/notes.txt`, "mine");
 * await assertRejects(() => checkModelDestination(dir), CheckpointError, "pass --force");
 * await assertRejects(() => checkModelDestination(`${dir}/notes.txt`), CheckpointError, "not a directory");
 * assertEquals(await Deno.readTextFile(`${dir}/notes.txt`), "mine");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function checkModelDestination(
  dir: string,
  options: ModelDestinationOptions = {},
): Promise<ModelDestination> {
  const fn = "checkModelDestination";
  if (typeof dir !== "string") {
    throw argError(fn, "dir", "a directory path", describeValue(dir), TypeError);
  }
  if (dir === "") throw argError(fn, "dir", "a directory path", '"" (an empty string)');
  if (!isPlainObject(options)) {
    throw argError(fn, "options", "an object { force? }", describeValue(options), TypeError);
  }
  const force = (options as ModelDestinationOptions).force ?? false;
  if (typeof force !== "boolean") {
    throw argError(fn, "options.force", "true or false", describeValue(force), TypeError);
  }

  const state = await examine(fn, dir, force);
  // Prove the directory writable with a file of ours, created and removed.
  await removeStaleTemporaries(dir, [PROBE]);
  const probe = joinPath(dir, temporaryName(PROBE));
  try {
    (await Deno.open(probe, { write: true, createNew: true })).close();
  } catch (error) {
    throw new CheckpointError(
      fn,
      dir,
      `cannot write in this directory (${errorMessage(error)}); ${CHOOSE}`,
      { cause: error },
    );
  }
  await Deno.remove(probe).catch(() => {});
  return { dir, state };
}

async function examine(
  fn: string,
  dir: string,
  force: boolean,
): Promise<ModelDestination["state"]> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(dir);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) {
      throw new CheckpointError(fn, dir, `cannot read (${errorMessage(error)}); ${CHOOSE}`, {
        cause: error,
      });
    }
    if (await Deno.lstat(dir).then((i) => i.isSymlink, () => false)) {
      throw new CheckpointError(fn, dir, `is a symbolic link to a missing path; ${CHOOSE}`);
    }
    try {
      await Deno.mkdir(dir, { recursive: true });
    } catch (error) {
      throw new CheckpointError(
        fn,
        dir,
        `cannot create the directory (${errorMessage(error)}); ${CHOOSE}`,
        { cause: error },
      );
    }
    return "new";
  }
  if (!info.isDirectory) {
    throw new CheckpointError(
      fn,
      dir,
      `exists and is ${describeFileKind(info)}, not a directory; ${CHOOSE}`,
    );
  }

  const ours = new Set<string>([...Object.values(CHECKPOINT_FILES), PROBE]);
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      const target = temporaryTarget(entry.name);
      if (target === undefined || !ours.has(target)) names.push(entry.name);
    }
  } catch (error) {
    throw new CheckpointError(fn, dir, `cannot list (${errorMessage(error)}); ${CHOOSE}`, {
      cause: error,
    });
  }
  if (names.length === 0) return "empty";
  names.sort();

  const { owner } = await inspectCheckpointDirectory(fn, dir);
  if (owner === "ours") {
    if (!force) {
      throw new CheckpointError(
        fn,
        dir,
        `holds a saved model (${CHECKPOINT_FILES.manifest}); ${CHOOSE}, or pass --force to ` +
          "replace that model",
      );
    }
    for (const name of Object.values(CHECKPOINT_FILES)) {
      const path = joinPath(dir, name);
      const kind = await Deno.lstat(path).then((i) => i.isDirectory, () => false);
      if (kind) throw new CheckpointError(fn, path, `is a directory; ${CHOOSE}`);
    }
    return "model";
  }
  if (!force) {
    const shown = names.slice(0, 5).join(", ") + (names.length > 5 ? ", …" : "");
    throw new CheckpointError(
      fn,
      dir,
      `is not empty (${shown}) and holds no saved model; ${CHOOSE} (a new or empty one), or ` +
        "pass --force to save the model beside these files, which are left as they are",
    );
  }
  for (const name of Object.values(CHECKPOINT_FILES)) {
    if (names.includes(name)) {
      throw new CheckpointError(
        fn,
        joinPath(dir, name),
        "was not written by this program, and even --force never replaces such a file; move " +
          `it away, or ${CHOOSE}`,
      );
    }
  }
  return "shared";
}
