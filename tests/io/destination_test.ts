import { assert, assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { CheckpointError, loadCheckpoint, saveCheckpoint } from "../../lib/io/checkpoint.ts";
import { checkModelDestination } from "../../lib/io/model_dir.ts";
import { matrix } from "../../lib/tensor.ts";
import { listDir, mkfifo, snapshot, withTempDir } from "./helpers.ts";

const encode = (s: string) => new TextEncoder().encode(s);
const params = { W: matrix([[1, 2], [3, 4]]) };
const config = { model: { hidden: 2 } };
const vocab = { tokens: ["a", "b"] };

/** A directory of someone else's files, some with a checkpoint file's name. */
async function userFiles(dir: string, names: string[]): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  for (const name of names) await Deno.writeFile(`${dir}/${name}`, encode(`mine: ${name}\n`));
}

Deno.test("checkModelDestination refuses an empty path, a file, /dev/null and a FIFO", async () => {
  await withTempDir(async (root) => {
    await assertRejects(
      () => checkModelDestination(""),
      RangeError,
      'checkModelDestination: dir expected a directory path, got "" (an empty string)',
    );
    await Deno.writeTextFile(`${root}/notes.txt`, "mine\n");
    await assertRejects(
      () => checkModelDestination(`${root}/notes.txt`),
      CheckpointError,
      `checkModelDestination: ${root}/notes.txt: exists and is a regular file, not a directory; ` +
        "choose another directory with --out",
    );
    await assertRejects(
      () => checkModelDestination("/dev/null", { force: true }),
      CheckpointError,
      "/dev/null: exists and is a character device, not a directory",
    );
    await mkfifo(`${root}/pipe`);
    await assertRejects(
      () => checkModelDestination(`${root}/pipe`),
      CheckpointError,
      "is a FIFO (named pipe), not a directory",
    );
    await Deno.symlink(`${root}/nowhere`, `${root}/dangling`);
    await assertRejects(
      () => checkModelDestination(`${root}/dangling`),
      CheckpointError,
      "is a symbolic link to a missing path",
    );
    assertEquals(await Deno.readTextFile(`${root}/notes.txt`), "mine\n");
    assertEquals(await listDir(root), ["dangling", "notes.txt", "pipe"]);
  });
});

Deno.test("checkModelDestination creates a missing directory with its parents, and accepts an empty one", async () => {
  await withTempDir(async (root) => {
    assertEquals(await checkModelDestination(`${root}/runs/a/model`), {
      dir: `${root}/runs/a/model`,
      state: "new",
    });
    assertEquals(await listDir(`${root}/runs/a/model`), []); // the probe file is gone
    assertEquals((await checkModelDestination(`${root}/runs/a/model`)).state, "empty");
    await assertRejects(
      () => checkModelDestination(`${root}/runs/a/model/x`, { force: "yes" as unknown as boolean }),
      TypeError,
      "options.force expected true or false",
    );
  });
});

Deno.test("a directory of the user's files: refused, and with --force still never replaced", async () => {
  await withTempDir(async (root) => {
    const dir = `${root}/work`;
    await userFiles(dir, ["config.json", "vocab.json", "notes.txt", "training.json"]);
    const before = await snapshot(dir);
    const error = await assertRejects(() => checkModelDestination(dir), CheckpointError);
    assertStringIncludes(
      (error as Error).message,
      "is not empty (config.json, notes.txt, training.json, vocab.json) and holds no saved " +
        "model; choose another directory with --out (a new or empty one), or pass --force",
    );
    await assertRejects(
      () => checkModelDestination(dir, { force: true }),
      CheckpointError,
      `${dir}/config.json: was not written by this program, and even --force never replaces ` +
        "such a file",
    );
    // The save itself refuses too, whoever calls it, before anything is written.
    await assertRejects(
      () => saveCheckpoint(dir, { params, config, vocab }),
      CheckpointError,
      `${dir}/config.json: exists, and ${dir} has no manifest.json of a checkpoint`,
    );
    assertEquals(await snapshot(dir), before);
  });
});

Deno.test("--force saves beside other files and leaves them as they were", async () => {
  await withTempDir(async (root) => {
    const dir = `${root}/work`;
    await userFiles(dir, ["notes.txt", "data.csv"]);
    await Deno.mkdir(`${dir}/sub`);
    const before = await snapshot(dir);
    await assertRejects(() => checkModelDestination(dir), CheckpointError, "pass --force");
    assertEquals(await checkModelDestination(dir, { force: true }), { dir, state: "shared" });
    await saveCheckpoint(dir, { params, config, vocab, extra: { epoch: 1 } });
    await saveCheckpoint(dir, { params, config, vocab }); // training.json (ours) goes again
    const after = await snapshot(dir);
    for (const [name, bytes] of before) assertEquals(after.get(name), bytes, name);
    assertEquals(await listDir(dir), [
      "config.json",
      "data.csv",
      "manifest.json",
      "model.safetensors",
      "notes.txt",
      "sub",
      "vocab.json",
    ]);
  });
});

Deno.test("a saved model is replaced only with --force", async () => {
  await withTempDir(async (root) => {
    const dir = `${root}/model`;
    await saveCheckpoint(dir, { params, config, vocab });
    await Deno.writeTextFile(`${dir}/README.txt`, "my notes on this run\n");
    const before = await snapshot(dir);
    await assertRejects(
      () => checkModelDestination(dir),
      CheckpointError,
      `${dir}: holds a saved model (manifest.json); choose another directory with --out, or ` +
        "pass --force to replace that model",
    );
    assertEquals(await snapshot(dir), before);
    assertEquals(await checkModelDestination(dir, { force: true }), { dir, state: "model" });
    await saveCheckpoint(dir, { params: { W: matrix([[5, 6], [7, 8]]) }, config, vocab });
    assertEquals((await loadCheckpoint(dir)).params.W.toArrays(), [[5, 6], [7, 8]]);
    assertEquals(await Deno.readTextFile(`${dir}/README.txt`), "my notes on this run\n");
  });
});

Deno.test("a manifest.json that is not ours marks the directory as someone else's", async () => {
  await withTempDir(async (root) => {
    const dir = `${root}/web`;
    await userFiles(dir, ["index.html"]);
    await Deno.writeTextFile(`${dir}/manifest.json`, '{"name": "my web app"}\n');
    const before = await snapshot(dir);
    await assertRejects(
      () => checkModelDestination(dir, { force: true }),
      CheckpointError,
      `${dir}/manifest.json: was not written by this program`,
    );
    await assertRejects(
      () => saveCheckpoint(dir, { params, config, vocab }),
      CheckpointError,
      `${dir}/manifest.json: was not written by saveCheckpoint (its format is undefined, not ` +
        '"mini-neural-lm checkpoint")',
    );
    assertEquals(await snapshot(dir), before);
  });
});

Deno.test("a directory that cannot be written is refused before training", {
  ignore: Deno.build.os !== "linux",
}, async () => {
  // /proc/self is a directory in which nobody, not even root, can create a file.
  const error = await assertRejects(
    () => checkModelDestination("/proc/self", { force: true }),
    CheckpointError,
    "/proc/self: cannot write in this directory",
  );
  assertStringIncludes((error as Error).message, "choose another directory with --out");
  await assertRejects(
    () => checkModelDestination("/proc/self/no/such/dir"),
    CheckpointError,
    "cannot create the directory",
  );
});

Deno.test("saveCheckpoint refuses a path that is a file, and leaves the file alone", async () => {
  await withTempDir(async (root) => {
    await Deno.writeTextFile(`${root}/model`, "not a directory\n");
    await assertRejects(
      () => saveCheckpoint(`${root}/model`, { params, config, vocab }),
      CheckpointError,
      `${root}/model: exists and is not a directory`,
    );
    assertEquals(await Deno.readTextFile(`${root}/model`), "not a directory\n");
    assert((await Deno.stat(`${root}/model`)).isFile);
  });
});
