import {
  assert,
  assertEquals,
  assertRejects,
  assertStrictEquals,
  assertStringIncludes,
} from "@std/assert";
import {
  CHECKPOINT_FILES,
  CheckpointError,
  loadCheckpoint,
  saveCheckpoint,
  writeFilesAtomically,
} from "../../lib/io/checkpoint.ts";
import { clone, type Matrix, matrix } from "../../lib/tensor.ts";

/** A small parameter set of both dtypes, with values whose bits are easy to get wrong. */
function sampleParams(): Record<string, Matrix> {
  return {
    E: matrix([[0.1, -0.2, 0.3], [1e-300, -0, 5], [Math.PI, -Math.E, 1 / 3]]),
    W1: matrix([[0.5, -0.25, 0.125], [2, -4, 8]], "float32"),
    b1: matrix([[0.1, -0.1]], "float32"),
    W2: matrix([[1, 2], [3, 4], [5, 6]]),
    b2: matrix([[0, -0, 1e-12]]),
  };
}
const config = { contextSize: 3, embedDim: 3, hidden: 2, dropout: 0.1, name: "tiny" };
const vocab = { tokens: ["<unk>", "the", "cat"], minCount: 1 };
const extra = { epoch: 4, history: [{ loss: 2.5 }, { loss: 1.75 }], note: null };

/** Runs `body` in a fresh temporary directory and removes it afterwards. */
async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "checkpoint_test_" });
  try {
    await body(dir);
  } finally {
    await Deno.chmod(dir, 0o755).catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
}

/** The names in a directory, sorted (temporary files included: they start with a dot). */
async function listDir(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  return names.sort();
}

/** Every file of a directory with its bytes, to show that a failed save changed nothing. */
async function snapshot(dir: string): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  for (const name of await listDir(dir)) files.set(name, await Deno.readFile(`${dir}/${name}`));
  return files;
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Replaces a file of a checkpoint and updates manifest.json to match, as a careless tool that
 * rewrites files and their checksums would: the checks after the checksum must still catch it.
 */
async function replaceAndResign(dir: string, name: string, bytes: Uint8Array): Promise<void> {
  await Deno.writeFile(`${dir}/${name}`, bytes);
  const manifestPath = `${dir}/${CHECKPOINT_FILES.manifest}`;
  const manifest = JSON.parse(await Deno.readTextFile(manifestPath));
  manifest.files[name] = { bytes: bytes.length, sha256: await sha256(bytes) };
  await Deno.writeTextFile(manifestPath, JSON.stringify(manifest));
}

/** Asserts a CheckpointError whose message has `fragment` and whose path ends with `pathEnd`. */
async function assertCheckpointError(
  load: () => Promise<unknown>,
  fragment: string,
  pathEnd: string,
): Promise<CheckpointError> {
  // (Cast: our @std/assert stand-in types the result as unknown; @std/assert@1 gives E.)
  const error = (await assertRejects(load, CheckpointError, fragment)) as CheckpointError;
  assert(error.path.endsWith(pathEnd), `path ${error.path} should end with ${pathEnd}`);
  assertStringIncludes(error.message, error.path);
  return error;
}

Deno.test("saveCheckpoint then loadCheckpoint gives back the same parameters, bit for bit", async () => {
  await withTempDir(async (dir) => {
    const params = sampleParams();
    const before = Object.fromEntries(Object.entries(params).map(([k, m]) => [k, clone(m)]));
    const configBefore = structuredClone(config);
    await saveCheckpoint(dir, { params, config, vocab, extra });

    assertEquals(await listDir(dir), [
      "config.json",
      "manifest.json",
      "model.safetensors",
      "training.json",
      "vocab.json",
    ]);
    const loaded = await loadCheckpoint(dir);
    // assertEquals compares typed arrays entry by entry with Object.is, so -0 and 0 differ:
    // equal here means equal bits for these (NaN-free) values.
    assertEquals(loaded.params, params);
    assertEquals(Object.keys(loaded.params), ["E", "W1", "b1", "W2", "b2"]);
    assertEquals(loaded.params.W1.dtype, "float32");
    assertEquals(loaded.params.E.dtype, "float64");
    assert(Object.is(loaded.params.E.get(1, 1), -0));
    assertEquals(loaded.config, config);
    assertEquals(loaded.vocab, vocab);
    assertEquals(loaded.extra, extra);
    // Fresh matrices, and the inputs of the save are unchanged.
    assert(loaded.params.E.data !== params.E.data);
    assertEquals(params, before);
    assertEquals(config, configBefore);
  });
});

Deno.test("config.json holds the config unchanged; the manifest records sizes, SHA-256, shapes", async () => {
  await withTempDir(async (dir) => {
    const manifest = await saveCheckpoint(dir, { params: sampleParams(), config, vocab });
    assertEquals(JSON.parse(await Deno.readTextFile(`${dir}/config.json`)), config);
    assertEquals(JSON.parse(await Deno.readTextFile(`${dir}/vocab.json`)), vocab);
    const onDisk = JSON.parse(await Deno.readTextFile(`${dir}/manifest.json`));
    assertEquals(onDisk, manifest);
    const model = await Deno.readFile(`${dir}/model.safetensors`);
    assertEquals(onDisk.files["model.safetensors"], {
      bytes: model.length,
      sha256: await sha256(model),
    });
    assertEquals(Object.keys(onDisk.files).sort(), [
      "config.json",
      "model.safetensors",
      "vocab.json",
    ]);
    assertEquals(onDisk.tensors.W1, { dtype: "F32", shape: [2, 3] });
    assertEquals(onDisk.tensors.E, { dtype: "F64", shape: [3, 3] });
  });
});

Deno.test("saveCheckpoint creates missing directories; without extra, training.json goes", async () => {
  await withTempDir(async (root) => {
    const dir = `${root}/runs/first`;
    await saveCheckpoint(dir, { params: sampleParams(), config, vocab, extra });
    assertEquals((await loadCheckpoint(dir)).extra, extra);
    // A second save without extra: a stale training.json must not survive or be loaded.
    await saveCheckpoint(dir, { params: sampleParams(), config, vocab });
    assert(!(await listDir(dir)).includes("training.json"));
    assertStrictEquals((await loadCheckpoint(dir)).extra, undefined);
  });
});

Deno.test("loadCheckpoint checks the shapes the caller expects", async () => {
  await withTempDir(async (dir) => {
    const params = { W: matrix([[1, 2, 3], [4, 5, 6]]), b: matrix([[0, 1]]) };
    await saveCheckpoint(dir, { params, config, vocab });
    const ok = await loadCheckpoint(dir, { expect: { W: [2, 3], b: [1, 2] } });
    assertEquals(ok.params.W.shape, [2, 3]);
    const model = "model.safetensors";
    await assertCheckpointError(
      () => loadCheckpoint(dir, { expect: { W: [3, 2], b: [1, 2] } }),
      'tensor "W" has shape [2, 3], options.expect says [3, 2]',
      model,
    );
    await assertCheckpointError(
      () => loadCheckpoint(dir, { expect: { W: [2, 3], b: [1, 2], c: [1, 1] } }),
      'has no tensor "c", which options.expect lists',
      model,
    );
    await assertCheckpointError(
      () => loadCheckpoint(dir, { expect: { W: [2, 3] } }),
      'holds tensor "b", which options.expect does not list',
      model,
    );
    await assertRejects(
      () => loadCheckpoint(dir, { expect: { W: [2, -3] } } as never),
      RangeError,
      'loadCheckpoint: options.expect["W"] expected [rows, cols] of non-negative integers',
    );
  });
});

Deno.test("loadCheckpoint: a missing directory, a file, a directory that is not a model", async () => {
  await withTempDir(async (root) => {
    await assertCheckpointError(
      () => loadCheckpoint(`${root}/nowhere`),
      "no such directory",
      "nowhere",
    );
    await Deno.writeTextFile(`${root}/plain.txt`, "hello");
    await assertCheckpointError(
      () => loadCheckpoint(`${root}/plain.txt`),
      "not a directory",
      "plain.txt",
    );
    await Deno.mkdir(`${root}/empty`);
    await assertCheckpointError(
      () => loadCheckpoint(`${root}/empty`),
      "not a model directory: missing model.safetensors",
      "empty",
    );
    // A lone safetensors file (from elsewhere) without our manifest.
    await Deno.mkdir(`${root}/foreign`);
    await Deno.writeFile(`${root}/foreign/model.safetensors`, new Uint8Array(16));
    await assertCheckpointError(
      () => loadCheckpoint(`${root}/foreign`),
      "missing manifest.json",
      "foreign",
    );
  });
});

Deno.test("loadCheckpoint: a file the manifest lists is missing", async () => {
  await withTempDir(async (dir) => {
    await saveCheckpoint(dir, { params: sampleParams(), config, vocab });
    await Deno.remove(`${dir}/vocab.json`);
    await assertCheckpointError(
      () => loadCheckpoint(dir),
      "missing, but manifest.json lists it",
      "vocab.json",
    );
  });
});

Deno.test("loadCheckpoint: a truncated model file", async () => {
  await withTempDir(async (dir) => {
    await saveCheckpoint(dir, { params: sampleParams(), config, vocab });
    const model = await Deno.readFile(`${dir}/model.safetensors`);
    await Deno.writeFile(`${dir}/model.safetensors`, model.subarray(0, model.length - 5));
    await assertCheckpointError(
      () => loadCheckpoint(dir),
      `has ${model.length - 5} bytes, manifest.json records ${model.length}`,
      "model.safetensors",
    );
    // Even with a re-signed manifest, the safetensors decoder finds the missing bytes.
    await replaceAndResign(dir, "model.safetensors", model.subarray(0, model.length - 5));
    await assertCheckpointError(() => loadCheckpoint(dir), "file truncated", "model.safetensors");
  });
});

Deno.test("loadCheckpoint: one flipped byte in the data fails the checksum", async () => {
  await withTempDir(async (dir) => {
    await saveCheckpoint(dir, { params: sampleParams(), config, vocab });
    const model = await Deno.readFile(`${dir}/model.safetensors`);
    model[model.length - 3] ^= 0x01; // one bit of the last float64: still a valid file
    await Deno.writeFile(`${dir}/model.safetensors`, model);
    await assertCheckpointError(
      () => loadCheckpoint(dir),
      "SHA-256 checksum",
      "model.safetensors",
    );
  });
});

Deno.test("loadCheckpoint: an altered header (a changed shape) is caught", async () => {
  await withTempDir(async (dir) => {
    const params = { W: matrix([[1, 2, 3], [4, 5, 6]]), b: matrix([[7, 8]]) };
    await saveCheckpoint(dir, { params, config, vocab });
    const bytes = await Deno.readFile(`${dir}/model.safetensors`);
    // Edit the header text in place, byte for byte (the replacement has the same length).
    const edit = (from: string, to: string): Uint8Array => {
      const find = new TextEncoder().encode(from);
      const out = bytes.slice();
      for (let start = 0; start + find.length <= out.length; start++) {
        if (find.every((b, k) => out[start + k] === b)) {
          out.set(new TextEncoder().encode(to), start);
          return out;
        }
      }
      throw new Error(`${from} not found in the header`);
    };

    // 1. The header says [3, 2] (same byte count): the checksum notices.
    const transposed = edit('"shape":[2,3]', '"shape":[3,2]');
    await Deno.writeFile(`${dir}/model.safetensors`, transposed);
    await assertCheckpointError(() => loadCheckpoint(dir), "SHA-256", "model.safetensors");

    // 2. Same file with a re-signed checksum: the manifest's shape record notices.
    await replaceAndResign(dir, "model.safetensors", transposed);
    await assertCheckpointError(
      () => loadCheckpoint(dir),
      'tensor "W" has shape [3, 2], manifest.json says [2, 3]',
      "model.safetensors",
    );

    // 3. A shape whose byte count does not fit the data: the decoder notices.
    const wider = edit('"shape":[2,3]', '"shape":[2,4]');
    await replaceAndResign(dir, "model.safetensors", wider);
    await assertCheckpointError(
      () => loadCheckpoint(dir),
      "needs 2 x 4 x 8 = 64 bytes",
      "model.safetensors",
    );
  });
});

Deno.test("loadCheckpoint: config.json that is not JSON", async () => {
  await withTempDir(async (dir) => {
    await saveCheckpoint(dir, { params: sampleParams(), config, vocab });
    const garbage = new TextEncoder().encode("{ contextSize: 3, oops }");
    await Deno.writeFile(`${dir}/config.json`, garbage);
    await assertCheckpointError(
      () => loadCheckpoint(dir),
      "altered after saving",
      "config.json",
    );
    await replaceAndResign(dir, "config.json", garbage);
    await assertCheckpointError(() => loadCheckpoint(dir), "not valid JSON", "config.json");
    await replaceAndResign(dir, "config.json", new TextEncoder().encode("[1, 2]"));
    await assertCheckpointError(
      () => loadCheckpoint(dir),
      "expected a JSON object, got an array of length 2",
      "config.json",
    );
  });
});

Deno.test("loadCheckpoint: a manifest that is not JSON, or not ours", async () => {
  await withTempDir(async (dir) => {
    await saveCheckpoint(dir, { params: sampleParams(), config, vocab });
    const path = `${dir}/manifest.json`;
    const good = JSON.parse(await Deno.readTextFile(path));
    await Deno.writeTextFile(path, "not json");
    await assertCheckpointError(() => loadCheckpoint(dir), "not valid JSON", "manifest.json");
    await Deno.writeTextFile(path, JSON.stringify({ ...good, version: 2 }));
    await assertCheckpointError(
      () => loadCheckpoint(dir),
      "version 2, this library reads version 1",
      "manifest.json",
    );
    const noVocab = { ...good, files: { ...good.files } };
    delete noVocab.files["vocab.json"];
    await Deno.writeTextFile(path, JSON.stringify(noVocab));
    await assertCheckpointError(
      () => loadCheckpoint(dir),
      '"files" does not list vocab.json',
      "manifest.json",
    );
  });
});

Deno.test("loadCheckpoint: files of two different saves mixed (an interrupted save)", async () => {
  await withTempDir(async (root) => {
    // Renames are atomic one by one; a crash between two leaves files of two saves. Simulate
    // it: the model of save B next to the manifest of save A.
    await saveCheckpoint(`${root}/a`, { params: sampleParams(), config, vocab });
    const other = sampleParams();
    other.W2 = matrix([[9, 9], [9, 9], [9, 9]]);
    await saveCheckpoint(`${root}/b`, { params: other, config, vocab });
    await Deno.copyFile(`${root}/b/model.safetensors`, `${root}/a/model.safetensors`);
    await assertCheckpointError(
      () => loadCheckpoint(`${root}/a`),
      "belongs to another save",
      "model.safetensors",
    );
  });
});

Deno.test("a save that fails on bad input leaves an earlier checkpoint intact", async () => {
  await withTempDir(async (dir) => {
    const params = sampleParams();
    await saveCheckpoint(dir, { params, config, vocab, extra });
    const before = await snapshot(dir);

    const notAMatrix = { ...sampleParams(), W2: [[1, 2]] as unknown as Matrix };
    await assertRejects(
      () => saveCheckpoint(dir, { params: notAMatrix, config, vocab }),
      TypeError,
      'saveCheckpoint: params["W2"] expected a Matrix',
    );
    await assertRejects(
      () => saveCheckpoint(dir, { params, config: { ...config, dropout: NaN }, vocab }),
      TypeError,
      "saveCheckpoint: config expected JSON data (finite numbers, strings, booleans, null, " +
        'arrays, plain objects), got NaN at key "dropout"',
    );
    await assertRejects(
      () => saveCheckpoint(dir, { params, config, vocab: { counts: new Map([["a", 1]]) } }),
      TypeError,
      "vocab expected JSON data (finite numbers, strings, booleans, null, arrays, plain " +
        'objects), got a Map at key "counts"',
    );
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    await assertRejects(
      () => saveCheckpoint(dir, { params, config, vocab, extra: cyclic }),
      TypeError,
      "saveCheckpoint: extra expected JSON data, got",
    );
    await assertRejects(
      () => saveCheckpoint(dir, { params, config, vocab: { ids: [1, undefined] } }),
      TypeError,
      'undefined in an array at key "1"',
    );

    // Nothing was written, renamed or left behind, and the old checkpoint still loads.
    assertEquals(await snapshot(dir), before);
    const loaded = await loadCheckpoint(dir);
    assertEquals(loaded.params, params);
    assertEquals(loaded.extra, extra);
  });
});

Deno.test("a save blocked by a directory in place of a target writes nothing", async () => {
  await withTempDir(async (dir) => {
    await saveCheckpoint(dir, { params: sampleParams(), config, vocab });
    await Deno.remove(`${dir}/vocab.json`);
    await Deno.mkdir(`${dir}/vocab.json`);
    const model = await Deno.readFile(`${dir}/model.safetensors`);
    const changed = { ...sampleParams(), W2: matrix([[0, 0], [0, 0], [0, 0]]) };
    await assertCheckpointError(
      () => saveCheckpoint(dir, { params: changed, config, vocab }),
      "is a directory",
      "vocab.json",
    );
    assertEquals(await Deno.readFile(`${dir}/model.safetensors`), model);
    assertEquals(await listDir(dir), [
      "config.json",
      "manifest.json",
      "model.safetensors",
      "vocab.json",
    ]);
  });
});

/**
 * Bytes that fail when the writer reads them: a stand-in for a disk that fills up in the middle
 * of a write. (The writer takes `bytes.subarray(written)` for each write call.)
 */
class FailingBytes extends Uint8Array {
  override subarray(): Uint8Array<ArrayBuffer> {
    throw new Error("simulated write failure (disk full)");
  }
}

Deno.test("writeFilesAtomically: a failure mid-write removes every temporary file", async () => {
  await withTempDir(async (dir) => {
    const encode = (s: string) => new TextEncoder().encode(s);
    await writeFilesAtomically(dir, [
      { name: "a.txt", bytes: encode("old a\n") },
      { name: "b.txt", bytes: encode("old b\n") },
    ]);
    const before = await snapshot(dir);
    // a.txt's temporary is complete and b.txt's exists when the write of b.txt fails.
    const error = await assertCheckpointError(
      () =>
        writeFilesAtomically(dir, [
          { name: "a.txt", bytes: encode("new a\n") },
          { name: "b.txt", bytes: new FailingBytes(100) },
          { name: "c.txt", bytes: encode("new c\n") },
        ]),
      "cannot write (simulated write failure (disk full))",
      "b.txt",
    );
    assertStringIncludes(String((error.cause as Error).message), "disk full");
    assertEquals(await snapshot(dir), before);
    assertEquals(await Deno.readTextFile(`${dir}/a.txt`), "old a\n");
  });
});

Deno.test("writeFilesAtomically replaces files and leaves no temporary file", async () => {
  await withTempDir(async (dir) => {
    const encode = (s: string) => new TextEncoder().encode(s);
    await writeFilesAtomically(dir, [{ name: "a.txt", bytes: encode("1") }]);
    await writeFilesAtomically(dir, [
      { name: "a.txt", bytes: encode("2") },
      { name: "empty", bytes: new Uint8Array(0) },
    ]);
    assertEquals(await listDir(dir), ["a.txt", "empty"]);
    assertEquals(await Deno.readTextFile(`${dir}/a.txt`), "2");
    assertEquals((await Deno.readFile(`${dir}/empty`)).length, 0);
  });
});

Deno.test("writeFilesAtomically refuses names that are not plain file names", async () => {
  await withTempDir(async (dir) => {
    const bytes = new Uint8Array(1);
    for (const name of ["", ".", "..", "sub/a.txt", "..\\a.txt"]) {
      await assertRejects(
        () => writeFilesAtomically(dir, [{ name, bytes }]),
        RangeError,
        "expected a plain file name",
      );
    }
    await assertRejects(
      () => writeFilesAtomically(dir, [{ name: "a", bytes }, { name: "a", bytes }]),
      RangeError,
      "a name not used before",
    );
    await assertRejects(
      () => writeFilesAtomically(dir, [{ name: "a", bytes: "text" as unknown as Uint8Array }]),
      TypeError,
      "files[0].bytes expected a Uint8Array",
    );
    assertEquals(await listDir(dir), []);
  });
});

Deno.test("saveCheckpoint and loadCheckpoint refuse bad arguments", async () => {
  await assertRejects(
    () => saveCheckpoint("", { params: {}, config, vocab }),
    TypeError,
    "saveCheckpoint: dir expected a directory path",
  );
  await assertRejects(
    () => saveCheckpoint("x", { params: {}, config: [1] as unknown as object, vocab }),
    TypeError,
    "saveCheckpoint: config expected a plain object",
  );
  await assertRejects(
    () => saveCheckpoint("x", { params: {}, config, vocab: "abc" as unknown as object }),
    TypeError,
    "saveCheckpoint: vocab expected a JSON object or array",
  );
  await assertRejects(
    () => loadCheckpoint(42 as unknown as string),
    TypeError,
    "loadCheckpoint: dir expected a directory path",
  );
});
