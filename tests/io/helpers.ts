/** Shared by the tests of lib/io: temporary directories, snapshots, re-signed manifests, FIFOs. */

import { assert } from "@std/assert";
import { CHECKPOINT_FILES, saveCheckpoint } from "../../lib/io/checkpoint.ts";
import { MiniNeuralLM, type ModelConfig, type ModelParams } from "../../lib/model.ts";
import { TextPreprocessor } from "../../lib/text/preprocessor.ts";

/** Runs `body` in a fresh temporary directory and removes it afterwards. */
export async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "io_test_" });
  try {
    await body(dir);
  } finally {
    await Deno.chmod(dir, 0o755).catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
}

/** The names in a directory, sorted (hidden temporary files included). */
export async function listDir(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  return names.sort();
}

/**
 * Every entry of a directory with its bytes (a regular file), or a word for what else it is:
 * compared before and after, it shows that nothing was changed, added or removed.
 */
export async function snapshot(dir: string): Promise<Map<string, Uint8Array | string>> {
  const files = new Map<string, Uint8Array | string>();
  for (const name of await listDir(dir)) {
    const info = await Deno.lstat(`${dir}/${name}`);
    files.set(
      name,
      info.isFile ? await Deno.readFile(`${dir}/${name}`) : info.isSymlink ? "symlink" : "other",
    );
  }
  return files;
}

/** SHA-256 as 64 hex digits. */
export async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Replaces a file of a checkpoint and updates manifest.json to match, as a careless tool that
 * rewrites files and their checksums would: the checks after the checksum must still catch it.
 */
export async function replaceAndResign(
  dir: string,
  name: string,
  bytes: Uint8Array,
): Promise<void> {
  await Deno.writeFile(`${dir}/${name}`, bytes);
  const manifestPath = `${dir}/${CHECKPOINT_FILES.manifest}`;
  const manifest = JSON.parse(await Deno.readTextFile(manifestPath));
  manifest.files[name] = { bytes: bytes.length, sha256: await sha256(bytes) };
  await Deno.writeTextFile(manifestPath, JSON.stringify(manifest));
}

/** Makes a FIFO (named pipe) with the system's `mkfifo`. */
export async function mkfifo(path: string): Promise<void> {
  const { success, stderr } = await new Deno.Command("mkfifo", { args: [path] }).output();
  assert(success, `mkfifo ${path}: ${new TextDecoder().decode(stderr)}`);
}

/** A tiny model as `deno task train` would save it. */
export interface TinyModel {
  model: MiniNeuralLM;
  params: ModelParams;
  pre: TextPreprocessor;
}

/** A small word-level model over a few sentences, with seeded parameters. */
export function tinyModel(config: Partial<ModelConfig> = {}): TinyModel {
  const pre = TextPreprocessor.fit("the cat sat on the mat\nthe dog sat on the rug\n", {
    contextSize: 2,
  });
  const model = new MiniNeuralLM({
    vocabSize: pre.vocabSize,
    contextSize: 2,
    embedDim: 3,
    hidden: [4],
    dtype: "float32",
    ...config,
  });
  return { model, params: model.init(1), pre };
}

/** Saves `tiny` (or parts swapped for others) into `dir` the way the command line does. */
export async function saveModelDir(
  dir: string,
  tiny: TinyModel,
  swap: { params?: ModelParams; modelConfig?: object; vocab?: object } = {},
): Promise<void> {
  await saveCheckpoint(dir, {
    params: swap.params ?? tiny.params,
    config: { model: swap.modelConfig ?? tiny.model.config, training: { epochs: 1 } },
    vocab: swap.vocab ?? tiny.pre.toJSON(),
  });
}
