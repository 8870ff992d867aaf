/**
 * The command line under misuse: every mistake a person could make with a flag, a file or a
 * size ends in one line on standard error and a non-zero status before any work starts, and
 * nothing the user owns is overwritten or deleted.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { cli, quick, withTempDir } from "./cli_helpers.ts";

/** Every file under `dir` with its bytes. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile) files[entry.name] = await Deno.readTextFile(`${dir}/${entry.name}`);
  }
  return files;
}

Deno.test("usage mistakes: exit 2, one line naming the flag, found before any file is read", async () => {
  // --corpus names a missing file: a usage error must be found first (exit 2, not 1).
  const cases: [string[], string][] = [
    [["train", "--epochs", "0"], '--epochs expected an integer >= 1, got "0"'],
    [["train", "--lr", "0"], "--lr expected a number > 0"],
    [["train", "--lr", "-0.1"], "--lr expected a number > 0"],
    [["train", "--batch", "0"], "--batch expected an integer in [1, 65536]"],
    [["train", "--momentum", "1"], "--momentum expected a number in [0, 1)"],
    [["train", "--weight-decay", "-1"], "--weight-decay expected a number >= 0"],
    [["train", "--seed", "1e300"], '--seed expected an integer, got "1e300"'],
    [["train", "--seed", "1.5"], "--seed expected an integer"],
    [["train", "--schedule", "decay:Infinity"], "--schedule expected constant, decay:R"],
    [["train", "--schedule", "decay:"], "--schedule expected constant, decay:R"],
    [["train", "--schedule", "step:0:0.5"], "--schedule expected constant, decay:R"],
    [["train", "--schedule", "warmup"], "--schedule expected constant, decay:R"],
    [["train", "--context", "0"], '--context expected an integer in [1, 1024], got "0"'],
    [["train", "--hidden", "0x10"], "--hidden expected h1 or h1,h2"],
    [["train", "--hidden", " 8 "], "--hidden expected h1 or h1,h2"],
    [["train", "--hidden", "0"], "--hidden expected h1 or h1,h2"],
    [["train", "--epochs", "1e1"], '--epochs expected an integer, got "1e1"'],
    [["train", "--epochs", "0x10"], "--epochs expected an integer"],
    [["train", "--dropout", "NaN"], "--dropout expected a number"],
    [["train", "--patience", "0"], "--patience expected an integer >= 1"],
    [["train", "--max-steps", "-1"], "--max-steps expected an integer >= 1"],
    [["train", "--min-count", "0"], "--min-count expected an integer >= 1"],
    [["train", "--dtype", "float16"], "--dtype expected float32 or float64"],
    [["train", "--out", ""], '--out expected a non-empty value, got ""'],
    [["train", "--corpus", ""], "--corpus expected a non-empty value"],
    [["generate", "--temperature", "-1"], "--temperature expected a number >= 0"],
    [["generate", "--top-p", "2"], "--top-p expected a number in (0, 1]"],
    [["generate", "--top-p", "0"], "--top-p expected a number in (0, 1]"],
    [["generate", "--top-k", "0"], "--top-k expected an integer >= 1"],
    [["generate", "--length", "-1"], "--length expected an integer in [1, 100000]"],
    [["generate", "--count", "-1"], "--count expected an integer in [1, 10000]"],
    [["generate", "--model", ""], "--model expected a non-empty value"],
    [["demo", "--epochs", "0"], "--epochs expected an integer in [1, 1000]"],
    // sizes, refused before the corpus loads or anything is allocated
    [["train", "--embed", "100000000"], "--embed expected an integer in [1, 65536]"],
    [["train", "--embed", "60000", "--context", "1000"], "is above --max-params"],
    [["train", "--hidden", "65536,65536"], "is above --max-params"],
    [["train", "--hidden", "1000000000"], "--hidden expected h1 or h1,h2"],
    [["train", "--context", "100000000"], "--context expected an integer in [1, 1024]"],
  ];
  for (const [argv, message] of cases) {
    const corpus = argv[0] === "train" && !argv.includes("--corpus") ? ["--corpus", "/nope"] : [];
    const { code, err, out } = await cli(...argv, ...corpus);
    assertEquals(code, 2, `${argv.join(" ")}: ${err}`);
    assertStringIncludes(err, message, argv.join(" "));
    assertEquals(err.split("\n").length, 1, err);
    assertEquals(out, "");
  }
});

Deno.test("--out: a directory of the user's files is refused and left byte for byte", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/config.json`, '{"mine": true}');
    await Deno.writeTextFile(`${dir}/vocab.json`, "[1, 2, 3]");
    await Deno.writeTextFile(`${dir}/notes.txt`, "my notes");
    const before = await snapshot(dir);
    for (const force of [[], ["--force"]]) {
      const { code, err } = await cli(...quick("--out", dir, ...force));
      assertEquals(code, 1, err);
      assertMatch(err, /^error: /);
      assertEquals(err.split("\n").length, 1, err);
      assertEquals(await snapshot(dir), before);
    }
    // Without files of ours' names, --force saves beside the user's files and leaves them.
    await Deno.remove(`${dir}/config.json`);
    await Deno.remove(`${dir}/vocab.json`);
    const refused = await cli(...quick("--out", dir));
    assertEquals(refused.code, 1);
    assertStringIncludes(refused.err, "--force");
    const forced = await cli(...quick("--out", dir, "--force"));
    assertEquals(forced.code, 0, forced.err);
    assertEquals(await Deno.readTextFile(`${dir}/notes.txt`), "my notes");
  });
});

Deno.test("--out: a file, /dev/null or a place that cannot be written fails before training", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/file`, "keep me");
    for (const out of [`${dir}/file`, "/dev/null", "/proc/mnlm-cannot-write-here"]) {
      const { code, err } = await cli(...quick("--out", out));
      assertEquals(code, 1, `${out}: ${err}`);
      assertEquals(err.split("\n").length, 1, err);
      assert(!err.includes("training tokens"), `training started for ${out}: ${err}`);
    }
    assertEquals(await Deno.readTextFile(`${dir}/file`), "keep me");
  });
});

Deno.test("train twice into the same directory: the second needs --force, then replaces", async () => {
  await withTempDir(async (dir) => {
    const out = `${dir}/model`;
    assertEquals((await cli(...quick("--out", out))).code, 0);
    const again = await cli(...quick("--out", out, "--seed", "2"));
    assertEquals(again.code, 1);
    assertStringIncludes(again.err, "--force");
    const replaced = await cli(...quick("--out", out, "--seed", "2", "--force"));
    assertEquals(replaced.code, 0, replaced.err);
  });
});

Deno.test("--corpus /dev/zero and a FIFO are refused at once, without reading", async () => {
  await withTempDir(async (dir) => {
    const fifo = `${dir}/fifo`;
    await new Deno.Command("mkfifo", { args: [fifo] }).output();
    for (const corpus of ["/dev/zero", fifo]) {
      const { code, err } = await cli(...quick("--corpus", corpus, "--out", `${dir}/m`));
      assertEquals(code, 1, err);
      assertEquals(err.split("\n").length, 1, err);
      assertStringIncludes(err, corpus === fifo ? "FIFO" : "character device");
    }
  });
});

Deno.test("a float64 run that diverges exits 1 and saves nothing", async () => {
  await withTempDir(async (dir) => {
    const out = `${dir}/model`;
    const { code, err } = await cli(
      "train",
      "--corpus",
      "toy",
      "--min-count",
      "1",
      "--dtype",
      "float64",
      "--lr",
      "100",
      "--epochs",
      "3",
      "--out",
      out,
    );
    assertEquals(code, 1, err);
    assertStringIncludes(err, "diverged");
    assertEquals(err.trim().split("\n").at(-1)!.startsWith("error: train: the run diverged"), true);
    let exists = true;
    await Deno.stat(out).catch(() => (exists = false));
    assertEquals(exists, false, "the directory the run created is removed again");
  });
});

Deno.test("a corpus of one long line trains; a corpus too small says so in tokens", async () => {
  await withTempDir(async (dir) => {
    const words = Array.from({ length: 56000 }, (_, i) => `w${i % 400}`).join(" ");
    await Deno.writeTextFile(`${dir}/line.txt`, words);
    const { code, err } = await cli(
      ...quick("--corpus", `${dir}/line.txt`, "--out", `${dir}/m`).slice(0),
    );
    assertEquals(code, 0, err);
    await Deno.writeTextFile(`${dir}/tiny.txt`, "just four words here");
    const tiny = await cli(...quick("--corpus", `${dir}/tiny.txt`, "--out", `${dir}/t`));
    assertEquals(tiny.code, 1);
    assertMatch(tiny.err, /5 tokens \(4 to train, 0 to validate\) is too small/);
  });
});

Deno.test("the real process: exit statuses 2 and 1, one line, no stack trace", async () => {
  const run = async (...args: string[]) => {
    const { code, stderr, stdout } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-read", "--allow-write", "--allow-env", "lib/cli.ts", ...args],
      stdout: "piped",
      stderr: "piped",
    }).output();
    return {
      code,
      err: new TextDecoder().decode(stderr).trim(),
      out: new TextDecoder().decode(stdout),
    };
  };
  const usage = await run("train", "--batch", "0");
  assertEquals(usage.code, 2);
  assertEquals(usage.err, 'error: train: --batch expected an integer in [1, 65536], got "0"');
  const missing = await run("generate", "--model", "/nonexistent");
  assertEquals(missing.code, 1);
  assertEquals(missing.err.split("\n").length, 1, missing.err);
  assert(!missing.err.includes("    at "), missing.err);
});
