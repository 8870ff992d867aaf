import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { loadModel, parseFlags, UsageError } from "../lib/cli.ts";
import { indexMatrix } from "../lib/tensor.ts";
import { cli, withTempDir } from "./cli_helpers.ts";

Deno.test("--help on each command lists its flags", async () => {
  for (const command of ["train", "generate", "demo"]) {
    const { code, out } = await cli(command, "--help");
    assertEquals(code, 0);
    assertStringIncludes(out, `deno task ${command}`);
    assertStringIncludes(out, "--seed");
  }
  const { code, out } = await cli("--help");
  assertEquals(code, 0);
  assertStringIncludes(out, "train|generate|demo");
});

Deno.test("bad command lines: one line, exit status 2", async () => {
  const cases: [string[], string][] = [
    [["fly"], 'unknown command "fly"'],
    [["train", "--epoch", "3"], "unknown flag --epoch"],
    [["train", "--epochs", "three"], '--epochs expected an integer, got "three"'],
    [["train", "--epochs"], "--epochs needs a value"],
    [["train", "extra"], 'unexpected argument "extra"'],
    [["train", "--hidden", "8,8,8"], "--hidden expected h1 or h1,h2"],
    [["train", "--activation", "gelu"], "--activation expected relu or tanh"],
    [["train", "--dropout", "1"], '--dropout expected a number in [0, 1), got "1"'],
    [["train", "--schedule", "cosine"], "--schedule expected constant, decay:R"],
    [["generate", "--temperature", "hot"], '--temperature expected a number, got "hot"'],
  ];
  for (const [argv, message] of cases) {
    const { code, err } = await cli(...argv);
    assertEquals(code, 2, argv.join(" "));
    assertStringIncludes(err, message);
    assertEquals(err.split("\n").length, 1, err);
  }
});

Deno.test("runtime failures: one line, exit status 1", async () => {
  await withTempDir(async (dir) => {
    const empty = `${dir}/empty.txt`;
    await Deno.writeTextFile(empty, "");
    const tiny = `${dir}/tiny.txt`;
    await Deno.writeTextFile(tiny, "one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\nten\n");
    const cases: [string[], string][] = [
      [["train", "--corpus", `${dir}/missing.txt`], "missing.txt"],
      [["train", "--corpus", empty], "empty"],
      [
        ["train", "--corpus", tiny, "--context", "50", "--min-count", "1"],
        "too small for a context of 50",
      ],
      [["generate", "--model", dir], "model.safetensors"],
      [["generate", "--model", `${dir}/nowhere`], "nowhere"],
    ];
    for (const [argv, message] of cases) {
      const { code, err } = await cli(...argv);
      assertEquals(code, 1, `${argv.join(" ")}: ${err}`);
      assertStringIncludes(err, message);
      assertMatch(err, /^error: /);
      assertEquals(err.split("\n").length, 1, err);
    }
  });
});

Deno.test("the process itself prints no stack trace and exits non-zero", async () => {
  const command = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-env",
      "lib/cli.ts",
      "generate",
      "--model",
      "/nonexistent",
    ],
    stdout: "piped",
    stderr: "piped",
  });
  const { code, stderr } = await command.output();
  const text = new TextDecoder().decode(stderr).trim();
  assertEquals(code, 1);
  assertEquals(text.split("\n").length, 1, text);
  assert(!text.includes("    at "), text);
});

Deno.test("train then generate on a toy text: saved, reloaded, reproducible", async () => {
  await withTempDir(async (dir) => {
    const out = `${dir}/model`;
    const trained = await cli(
      "train",
      "--corpus",
      "toy",
      "--epochs",
      "4",
      "--min-count",
      "1",
      "--dtype",
      "float64",
      "--out",
      out,
    );
    assertEquals(trained.code, 0, trained.err);
    assertMatch(trained.out, /validation perplexity \d+\.\d+/);
    const args = ["generate", "--model", out, "--prompt", "the cat", "--seed", "3", "--count", "2"];
    const a = await cli(...args);
    const b = await cli(...args);
    assertEquals(a.code, 0, a.err);
    assertEquals(a.out, b.out);
    assertEquals(a.out.split("\n").length, 2);
    assert(a.out.split("\n").every((line) => line.startsWith("the cat")), a.out);
    const unknown = await cli("generate", "--model", out, "--prompt", "the zebra zebra");
    // The note goes to standard error, so redirected samples hold samples only.
    assertEquals(unknown.err, "note: not in the vocabulary, read as <unk>: zebra");
    assert(unknown.out.split("\n").every((line) => line.startsWith("the zebra")), unknown.out);

    // The reloaded model predicts exactly what the model file holds.
    const { model, params, pre } = await loadModel(out);
    const ids = pre.textToIndices("the cat sat");
    const contexts = indexMatrix([Array.from(ids.slice(0, model.config.contextSize))]);
    const again = await loadModel(out);
    assertEquals(
      model.forward(params, contexts).probs,
      again.model.forward(again.params, contexts).probs,
    );
  });
});

Deno.test("parseFlags: defaults, = form, booleans, underscores", () => {
  const spec = {
    lr: { kind: "number" as const, help: "", default: 0.1 },
    direct: { kind: "boolean" as const, help: "", default: false },
    "min-count": { kind: "integer" as const, help: "", default: 1 },
  };
  assertEquals(parseFlags("t", [], spec), { lr: 0.1, direct: false, "min-count": 1 });
  assertEquals(parseFlags("t", ["--lr=0.5", "--direct", "--min_count", "4"], spec), {
    lr: 0.5,
    direct: true,
    "min-count": 4,
  });
  let caught: unknown;
  try {
    parseFlags("t", ["--direct=maybe"], spec);
  } catch (e) {
    caught = e;
  }
  assert(caught instanceof UsageError);
});
