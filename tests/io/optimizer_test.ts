/**
 * `optimizer.safetensors`, the optimiser's tensors of a resumable run: saved beside the model,
 * listed in the manifest with checksums and tensor records, checked on load, and held to the
 * same rules as every other checkpoint file (atomic, only our own files replaced).
 */
import { assert, assertEquals, assertRejects } from "@std/assert";
import {
  CHECKPOINT_FILES,
  CheckpointError,
  loadCheckpoint,
  saveCheckpoint,
} from "../../lib/io/checkpoint.ts";
import { matrix } from "../../lib/tensor.ts";
import { listDir, snapshot, withTempDir } from "./helpers.ts";

const params = { W: matrix([[0.5, -1], [2, 0.25]], "float32") };
const optimizer = {
  "velocity.W": matrix([[1e-3, -2e-3], [0, -0]], "float32"),
  "last.W": matrix([[0.75, -1.5], [2.5, 0.125]], "float32"),
};
const contents = {
  params,
  config: { a: 1 },
  vocab: { tokens: [] },
  extra: { epoch: 1 },
  optimizer,
};

Deno.test("optimizer tensors round-trip bit for bit, recorded in the manifest", async () => {
  await withTempDir(async (dir) => {
    const manifest = await saveCheckpoint(dir, contents);
    assert(Object.hasOwn(manifest.files, CHECKPOINT_FILES.optimizer));
    assertEquals(manifest.optimizerTensors, {
      "velocity.W": { dtype: "F32", shape: [2, 2] },
      "last.W": { dtype: "F32", shape: [2, 2] },
    });
    const back = await loadCheckpoint(dir);
    assertEquals(back.optimizer, optimizer);
    assertEquals(back.params, params);
    assertEquals((await listDir(dir)).filter((n) => n.startsWith(".")), []);
  });
});

Deno.test("an altered optimizer.safetensors, or a manifest that hides it, is refused", async () => {
  await withTempDir(async (dir) => {
    await saveCheckpoint(dir, contents);
    const path = `${dir}/${CHECKPOINT_FILES.optimizer}`;
    const bytes = await Deno.readFile(path);
    bytes[bytes.length - 1] ^= 1;
    await Deno.writeFile(path, bytes);
    await assertRejects(() => loadCheckpoint(dir), CheckpointError, "SHA-256 checksum");

    await saveCheckpoint(dir, contents);
    const manifestPath = `${dir}/${CHECKPOINT_FILES.manifest}`;
    const manifest = JSON.parse(await Deno.readTextFile(manifestPath));
    delete manifest.optimizerTensors;
    await Deno.writeTextFile(manifestPath, JSON.stringify(manifest));
    await assertRejects(
      () => loadCheckpoint(dir),
      CheckpointError,
      `"files" lists ${CHECKPOINT_FILES.optimizer} but there is no "optimizerTensors"`,
    );
  });
});

Deno.test("a manifest whose optimizer records do not match the file is refused", async () => {
  await withTempDir(async (dir) => {
    await saveCheckpoint(dir, contents);
    const manifestPath = `${dir}/${CHECKPOINT_FILES.manifest}`;
    const manifest = JSON.parse(await Deno.readTextFile(manifestPath));
    manifest.optimizerTensors["velocity.W"].shape = [4, 1];
    await Deno.writeTextFile(manifestPath, JSON.stringify(manifest));
    await assertRejects(() => loadCheckpoint(dir), CheckpointError, CHECKPOINT_FILES.optimizer);
  });
});

Deno.test("someone else's optimizer.safetensors is never replaced", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/${CHECKPOINT_FILES.optimizer}`, "not ours");
    const before = await snapshot(dir);
    await assertRejects(
      () => saveCheckpoint(dir, contents),
      CheckpointError,
      "not one saveCheckpoint wrote",
    );
    assertEquals(await snapshot(dir), before);
  });
});
