// `train --output`: the full softmax or a class-factored output, chosen on the command line.
import { assertEquals, assertStringIncludes } from "@std/assert";
import { loadModel } from "../lib/io/model_dir.ts";
import { cli, quick } from "./cli_helpers.ts";

Deno.test("train --output classes:C saves a class model that loads with its classes", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mnlm-output-" });
  try {
    const run = await cli(...quick("--output", "classes:3", "--out", `${dir}/model`));
    assertEquals(run.code, 0, run.err);
    const { config, model } = await loadModel(`${dir}/model`);
    assertEquals(config.output.kind, "classes");
    assertEquals(config.output.kind === "classes" && config.output.classes, 3);
    assertEquals(model.shapes().Wclass, [3, 8]);
    const plain = await cli(...quick("--out", `${dir}/plain`));
    assertEquals(plain.code, 0, plain.err);
    assertEquals((await loadModel(`${dir}/plain`)).config.output, { kind: "softmax" });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("train --output refuses what it cannot train, with a usage error", async () => {
  const cases: [string[], string][] = [
    [["--output", "classes:0", "--corpus", "/nope"], "--output expected softmax or classes:C"],
    [["--output", "words", "--corpus", "/nope"], "--output expected softmax or classes:C"],
    [
      ["--output", "classes:3", "--direct", "--corpus", "/nope"],
      "--direct expected --output softmax",
    ],
    [["--output", "classes:100000"], "--output expected softmax or classes:C"],
  ];
  for (const [argv, message] of cases) {
    const { code, err } = await cli("train", ...argv);
    assertEquals(code, 2, `${argv.join(" ")}: ${err}`);
    assertStringIncludes(err, message);
  }
  const dir = await Deno.makeTempDir({ prefix: "mnlm-output-" });
  try {
    const { code, err } = await cli(...quick("--output", "classes:5000", "--out", `${dir}/m`));
    assertEquals(code, 2, err);
    assertStringIncludes(err, "--output classes:5000 expected at most one class per word");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
