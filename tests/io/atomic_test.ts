import { assert, assertEquals, assertRejects } from "@std/assert";
import { temporaryName, temporaryTarget } from "../../lib/io/atomic.ts";
import { CheckpointError, loadCheckpoint, saveCheckpoint } from "../../lib/io/checkpoint.ts";
import { matrix } from "../../lib/tensor.ts";
import { listDir, withTempDir } from "./helpers.ts";

const params = { W: matrix([[1, 2], [3, 4]]) };
const vocab = { tokens: ["a", "b"] };
const isTemporary = (name: string) => name.endsWith(".tmp");

Deno.test("temporary names are hidden, recognisable, and name their target", () => {
  const name = temporaryName("model.safetensors");
  assert(name.startsWith(".model.safetensors.mnlm-") && name.endsWith(".tmp"), name);
  assertEquals(temporaryTarget(name), "model.safetensors");
  // The names written by earlier versions of this library are recognised too.
  assertEquals(
    temporaryTarget(".config.json.0b5e8bde-3c1f-4a6e-9d2c-51f0a7c3e9b4.tmp"),
    "config.json",
  );
  for (const other of [".config.json.tmp", "config.json", ".config.json.mnlm-xyz.tmp"]) {
    assertEquals(temporaryTarget(other), undefined, other);
  }
});

Deno.test("the next save removes temporaries that a killed save left, and nothing else", async () => {
  await withTempDir(async (dir) => {
    await saveCheckpoint(dir, { params, config: { n: 1 }, vocab });
    const stale = [
      temporaryName("model.safetensors"),
      temporaryName("manifest.json"),
      temporaryName("training.json"),
      ".vocab.json.0b5e8bde-3c1f-4a6e-9d2c-51f0a7c3e9b4.tmp", // the older naming
    ];
    for (const name of stale) await Deno.writeFile(`${dir}/${name}`, new Uint8Array(1000));
    const others = [".notes.txt.mnlm-0b5e8bde-3c1f-4a6e-9d2c-51f0a7c3e9b4.tmp", ".mine.tmp"];
    for (const name of others) await Deno.writeTextFile(`${dir}/${name}`, "mine");
    // A load ignores them; the next save removes ours.
    assertEquals((await loadCheckpoint(dir)).config, { n: 1 });
    await saveCheckpoint(dir, { params, config: { n: 2 }, vocab });
    assertEquals(await listDir(dir), [
      ".mine.tmp",
      ".notes.txt.mnlm-0b5e8bde-3c1f-4a6e-9d2c-51f0a7c3e9b4.tmp",
      "config.json",
      "manifest.json",
      "model.safetensors",
      "vocab.json",
    ]);
    for (const name of others) assertEquals(await Deno.readTextFile(`${dir}/${name}`), "mine");
  });
});

/**
 * A child process that saves a 16 MB checkpoint into `dir` again and again, after one first
 * save; it prints "ready" after the first one.
 */
function saveLoop(dir: string): Deno.ChildProcess {
  const checkpoint = new URL("../../lib/io/checkpoint.ts", import.meta.url).href;
  const tensor = new URL("../../lib/tensor.ts", import.meta.url).href;
  const code = `
    import { saveCheckpoint } from ${JSON.stringify(checkpoint)};
    import { Matrix } from ${JSON.stringify(tensor)};
    const W = new Matrix(1024, 2048, new Float64Array(1024 * 2048).fill(0.5));
    const dir = ${JSON.stringify(dir)};
    await saveCheckpoint(dir, { params: { W }, config: { n: 0 }, vocab: {} });
    console.log("ready");
    for (let n = 1; ; n++) await saveCheckpoint(dir, { params: { W }, config: { n }, vocab: {} });
  `;
  return new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-check", code],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Waits for "ready", then until a temporary file of a save is in `dir`. */
async function waitForSaveInProgress(child: Deno.ChildProcess, dir: string): Promise<void> {
  const reader = child.stdout.getReader();
  let out = "";
  while (!out.includes("ready")) {
    const { value, done } = await reader.read();
    assert(!done, "the child ended before its first save");
    out += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  child.stdout.cancel();
  // The child saves without pause; a save writes 16 MB, so its temporaries are soon seen.
  for (let polls = 0; polls < 100_000; polls++) {
    if ((await listDir(dir)).some(isTemporary)) return;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  throw new Error("no save of the child was ever seen in progress");
}

Deno.test({
  name: "Ctrl-C (SIGINT) and SIGTERM during a save: no temporary is left, the model loads",
  ignore: Deno.build.os === "windows",
  async fn() {
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      await withTempDir(async (dir) => {
        const child = saveLoop(dir);
        await waitForSaveInProgress(child, dir);
        child.kill(signal);
        const status = await child.status;
        await child.stderr.cancel();
        assert(!status.success, `${signal}: the child should stop`);
        assertEquals((await listDir(dir)).filter(isTemporary), [], signal);
        // The earlier checkpoint, or the one whose renames had begun: complete either way.
        const loaded = await loadCheckpoint(dir);
        assertEquals(loaded.params.W.shape, [1024, 2048]);
      });
    }
  },
});

Deno.test({
  name: "SIGKILL during a save: the next save removes what it left",
  ignore: Deno.build.os === "windows",
  async fn() {
    await withTempDir(async (dir) => {
      const child = saveLoop(dir);
      await waitForSaveInProgress(child, dir);
      child.kill("SIGKILL");
      await child.status;
      await child.stderr.cancel();
      // A kill in the middle of the writes leaves the earlier checkpoint whole; one between two
      // renames (a few microseconds of each save) is refused by the checksums. Never a wrong load.
      try {
        assertEquals((await loadCheckpoint(dir)).params.W.shape, [1024, 2048]);
      } catch (error) {
        assert(error instanceof CheckpointError && /SHA-256|bytes/.test(error.message), `${error}`);
      }
      await saveCheckpoint(dir, { params, config: { n: -1 }, vocab });
      assertEquals((await listDir(dir)).filter(isTemporary), []);
      assertEquals((await loadCheckpoint(dir)).config, { n: -1 });
    });
  },
});

Deno.test("a signal outside of a save keeps its usual meaning (the listeners are removed)", async () => {
  await withTempDir(async (dir) => {
    const checkpoint = new URL("../../lib/io/checkpoint.ts", import.meta.url).href;
    const tensor = new URL("../../lib/tensor.ts", import.meta.url).href;
    const code = `
      import { saveCheckpoint } from ${JSON.stringify(checkpoint)};
      import { matrix } from ${JSON.stringify(tensor)};
      await saveCheckpoint(${
      JSON.stringify(dir)
    }, { params: { W: matrix([[1]]) }, config: {}, vocab: {} });
      Deno.kill(Deno.pid, "SIGTERM");
      await new Promise((resolve) => setTimeout(resolve, 60_000));
    `;
    const { code: status, signal } = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--no-check", code],
      stdout: "null",
      stderr: "null",
    }).output();
    // Killed by the signal at once, not left waiting for a minute.
    assertEquals(signal, "SIGTERM", `exit code ${status}`);
  });
});

Deno.test("writeFilesAtomically and saveCheckpoint still refuse a directory in place of a file", async () => {
  await withTempDir(async (dir) => {
    await saveCheckpoint(dir, { params, config: {}, vocab });
    await Deno.remove(`${dir}/config.json`);
    await Deno.mkdir(`${dir}/config.json`);
    await assertRejects(
      () => saveCheckpoint(dir, { params, config: {}, vocab }),
      CheckpointError,
      "is a directory, cannot replace it with a file",
    );
    assertEquals((await listDir(dir)).filter(isTemporary), []);
  });
});
