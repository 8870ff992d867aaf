import { assert, assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { CheckpointError } from "../../lib/io/checkpoint.ts";
import { READ_LIMITS } from "../../lib/io/files.ts";
import { loadModel } from "../../lib/io/model_dir.ts";
import { clone, Matrix } from "../../lib/tensor.ts";
import {
  mkfifo,
  replaceAndResign,
  saveModelDir,
  snapshot,
  tinyModel,
  withTempDir,
} from "./helpers.ts";

/** Asserts a CheckpointError from loadModel naming `file` (and the message fragment). */
async function refused(dir: string, file: string, fragment: string): Promise<CheckpointError> {
  const error = (await assertRejects(() => loadModel(dir), CheckpointError)) as CheckpointError;
  assertEquals(error.path, `${dir}/${file}`, error.message);
  assertStringIncludes(error.message, fragment);
  return error;
}

Deno.test("loadModel gives back the model, its parameters, the preprocessor, the config", async () => {
  await withTempDir(async (dir) => {
    const tiny = tinyModel();
    await saveModelDir(dir, tiny);
    const loaded = await loadModel(dir);
    assertEquals(loaded.config, tiny.model.config);
    assertEquals(loaded.model.config, tiny.model.config);
    assertEquals(loaded.params, tiny.params);
    assertEquals(loaded.pre.toJSON(), tiny.pre.toJSON());
  });
});

Deno.test("loadModel: a vocabulary one entry shorter than vocabSize is refused", async () => {
  await withTempDir(async (dir) => {
    const tiny = tinyModel();
    const vocab = tiny.pre.toJSON();
    vocab.vocabulary.tokens.pop();
    vocab.vocabulary.counts.pop();
    await saveModelDir(dir, tiny, { vocab });
    await refused(
      dir,
      "vocab.json",
      `holds ${tiny.pre.vocabSize - 1} tokens, but ${dir}/config.json says vocabSize ` +
        `${tiny.pre.vocabSize}`,
    );
  });
});

Deno.test("loadModel: a vocabulary of another context size, or not a preprocessor", async () => {
  await withTempDir(async (dir) => {
    const tiny = tinyModel();
    const vocab = tiny.pre.toJSON();
    await saveModelDir(dir, tiny, {
      vocab: { ...vocab, options: { ...vocab.options, contextSize: 3 } },
    });
    await refused(dir, "vocab.json", "has contextSize 3, but");
    await saveModelDir(dir, tiny, { vocab: { tokens: ["a"] } });
    await refused(dir, "vocab.json", "not a text preprocessor of this library");
  });
});

Deno.test("loadModel: F32 tensors under a config that says float64 are refused", async () => {
  await withTempDir(async (dir) => {
    const tiny = tinyModel({ dtype: "float32" });
    await saveModelDir(dir, tiny, { modelConfig: { ...tiny.model.config, dtype: "float64" } });
    await refused(
      dir,
      "model.safetensors",
      `tensor "E" is F32, but ${dir}/config.json says dtype "float64" (F64)`,
    );
  });
});

Deno.test("loadModel: a mix of F32 and F64 tensors is refused, naming the odd one", async () => {
  await withTempDir(async (dir) => {
    const tiny = tinyModel({ dtype: "float32" });
    const b1 = tiny.params.b1;
    const params = { ...tiny.params, b1: new Matrix(b1.rows, b1.cols, Float64Array.from(b1.data)) };
    await saveModelDir(dir, tiny, { params });
    await refused(dir, "model.safetensors", 'tensor "b1" is F64, but');
  });
});

Deno.test("loadModel: NaN and infinite weights are refused, naming the file, tensor and entry", async () => {
  await withTempDir(async (dir) => {
    const tiny = tinyModel();
    const W1 = clone(tiny.params.W1);
    W1.data[1 * W1.cols + 2] = NaN;
    await saveModelDir(dir, tiny, { params: { ...tiny.params, W1 } });
    await refused(dir, "model.safetensors", 'tensor "W1" holds NaN at [1, 2]');
    const bout = clone(tiny.params.bout);
    bout.data[0] = -Infinity;
    await saveModelDir(dir, tiny, { params: { ...tiny.params, bout } });
    await refused(dir, "model.safetensors", 'tensor "bout" holds -Infinity at [0, 0]');
  });
});

Deno.test("loadModel: tensors that do not match the configuration's shapes", async () => {
  await withTempDir(async (dir) => {
    const tiny = tinyModel();
    await saveModelDir(dir, tiny, { modelConfig: { ...tiny.model.config, hidden: [5] } });
    await refused(dir, "model.safetensors", 'tensor "W1" has shape [4, 6]');
    const { b1: _, ...withoutB1 } = tiny.params;
    await saveModelDir(dir, tiny, { params: withoutB1 });
    await refused(dir, "model.safetensors", 'has no tensor "b1"');
    await saveModelDir(dir, tiny, { params: { ...tiny.params, extra: tiny.params.b1 } });
    await refused(dir, "model.safetensors", 'holds tensor "extra"');
  });
});

Deno.test("loadModel: a configuration that is missing, incomplete or invalid", async () => {
  await withTempDir(async (dir) => {
    const tiny = tinyModel();
    await saveModelDir(dir, tiny, { modelConfig: [] as unknown as object });
    await refused(dir, "config.json", 'expected a "model" object');
    const { activation: _, ...noActivation } = tiny.model.config;
    await saveModelDir(dir, tiny, { modelConfig: noActivation });
    await refused(dir, "config.json", '"model" has no "activation"');
    await saveModelDir(dir, tiny, { modelConfig: { ...tiny.model.config, embedDim: -3 } });
    await refused(dir, "config.json", '"model" is not a valid model configuration');
  });
});

Deno.test("loadModel: config.json behind a symbolic link to /dev/zero is refused, not read", async () => {
  await withTempDir(async (dir) => {
    await saveModelDir(dir, tinyModel());
    await Deno.remove(`${dir}/config.json`);
    await Deno.symlink("/dev/zero", `${dir}/config.json`);
    const error = await refused(dir, "config.json", "a character device");
    assertStringIncludes(error.message, "expected a regular file of at most 64 MiB");
  });
});

Deno.test("loadModel: vocab.json as a FIFO is refused at once (no waiting for a writer)", async () => {
  await withTempDir(async (dir) => {
    await saveModelDir(dir, tinyModel());
    await Deno.remove(`${dir}/vocab.json`);
    await mkfifo(`${dir}/vocab.json`);
    await refused(dir, "vocab.json", "found a FIFO (named pipe)");
  });
});

Deno.test("loadModel: a 1 GiB vocab.json, or a manifest that claims one, is refused unread", async () => {
  await withTempDir(async (dir) => {
    await saveModelDir(dir, tinyModel());
    const manifest = await Deno.readTextFile(`${dir}/manifest.json`);
    const file = await Deno.open(`${dir}/vocab.json`, { write: true, truncate: true });
    await file.truncate(1024 ** 3); // sparse: no disk blocks
    file.close();
    await refused(dir, "vocab.json", "found a file of 1 GiB");
    // The manifest's record is checked before the file is even opened.
    const claimed = JSON.parse(manifest);
    claimed.files["vocab.json"].bytes = READ_LIMITS.json + 1;
    await Deno.writeTextFile(`${dir}/manifest.json`, JSON.stringify(claimed));
    await refused(dir, "vocab.json", "manifest.json records 64.0 MiB (67108865 bytes), more than");
  });
});

Deno.test("loadModel: maxModelBytes refuses a larger weights file before reading it", async () => {
  await withTempDir(async (dir) => {
    await saveModelDir(dir, tinyModel());
    const size = (await Deno.stat(`${dir}/model.safetensors`)).size;
    assert((await loadModel(dir, { maxModelBytes: size })).params.E instanceof Matrix);
    const error = (await assertRejects(
      () => loadModel(dir, { maxModelBytes: size - 1 }),
      CheckpointError,
    )) as CheckpointError;
    assertStringIncludes(error.message, "(options.maxModelBytes)");
  });
});

Deno.test("loadModel: a re-signed, truncated vocabulary still fails, and the files stay as they were", async () => {
  await withTempDir(async (dir) => {
    await saveModelDir(dir, tinyModel());
    const vocab = await Deno.readFile(`${dir}/vocab.json`);
    await replaceAndResign(dir, "vocab.json", vocab.subarray(0, vocab.length - 10));
    const before = await snapshot(dir);
    await refused(dir, "vocab.json", "not valid JSON");
    assertEquals(await snapshot(dir), before);
  });
});
