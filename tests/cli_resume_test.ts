/**
 * The command line's long runs: `--schedule plateau:…` with `--lr-floor` and `--restore`, a save
 * after every epoch, and `--resume DIR`, which goes on bit for bit where the run stopped.
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { loadCheckpoint } from "../lib/io/checkpoint.ts";
import { cli, withTempDir } from "./cli_helpers.ts";

const TOY = ["--corpus", "toy", "--min-count", "1", "--dtype", "float64", "--seed", "4"];
const bytes = (path: string) => Deno.readFile(path);

Deno.test("train --resume: one epoch, then one more, gives the files of two epochs straight", async () => {
  await withTempDir(async (dir) => {
    const plateau = [
      "--schedule",
      "plateau:0.5",
      "--restore",
      "--patience",
      "9",
      "--dropout",
      "0.1",
    ];
    const straight = await cli("train", ...TOY, ...plateau, "--epochs", "3", "--out", `${dir}/a`);
    assertEquals(straight.code, 0, straight.err);
    const first = await cli("train", ...TOY, ...plateau, "--epochs", "1", "--out", `${dir}/b`);
    assertEquals(first.code, 0, first.err);
    // The model directory after one epoch holds the state to go on from.
    const saved = await loadCheckpoint(`${dir}/b`);
    assertEquals(saved.extra?.epoch, 1);
    assert(saved.optimizer !== undefined && Object.keys(saved.optimizer).length > 0);

    const second = await cli("train", "--resume", `${dir}/b`, "--epochs", "2");
    assertEquals(second.code, 0, second.err);
    assertStringIncludes(second.err, "resuming after epoch 1, up to epoch 2");
    assertStringIncludes(second.out, `saved to ${dir}/b`);
    const third = await cli("train", "--resume", `${dir}/b`, "--epochs", "3");
    assertEquals(third.code, 0, third.err);
    for (const file of ["model.safetensors", "optimizer.safetensors", "config.json"]) {
      assertEquals(await bytes(`${dir}/b/${file}`), await bytes(`${dir}/a/${file}`), file);
    }
    const a = await loadCheckpoint(`${dir}/a`), b = await loadCheckpoint(`${dir}/b`);
    const numbers = (extra: Record<string, unknown> | undefined) => {
      const { history, ...rest } = extra as { history: { epochs: Record<string, number>[] } };
      return { ...rest, validLosses: history.epochs.map((e) => e.validLoss) };
    };
    assertEquals(numbers(b.extra), numbers(a.extra));

    // Nothing left to do: said, and nothing changes.
    const again = await cli("train", "--resume", `${dir}/b`);
    assertEquals(again.code, 0, again.err);
    assertStringIncludes(again.out, "3 of 3 epochs done; pass --epochs above 3 to train on");
    assertEquals(
      await bytes(`${dir}/b/model.safetensors`),
      await bytes(`${dir}/a/model.safetensors`),
    );
  });
});

Deno.test("train --resume refuses flags that conflict with the saved run, in one line", async () => {
  await withTempDir(async (dir) => {
    const first = await cli("train", ...TOY, "--epochs", "1", "--out", `${dir}/m`);
    assertEquals(first.code, 0, first.err);
    const before = await bytes(`${dir}/m/model.safetensors`);
    const cases: [string[], string][] = [
      [["--context", "5"], "--context 5 conflicts with --context 3 of the run in"],
      [["--hidden", "8"], "--hidden 8 conflicts with --hidden 64"],
      [["--corpus", "garden"], "--corpus garden conflicts with --corpus toy"],
      [["--lr", "0.5"], "--lr 0.5 conflicts with --lr 0.1"],
      [["--out", `${dir}/other`], "--out expected nothing with --resume"],
      [["--lr-floor", "0.01"], "--lr-floor expected --schedule plateau:FACTOR[:PATIENCE]"],
    ];
    for (const [flags, message] of cases) {
      const { code, err } = await cli("train", "--resume", `${dir}/m`, "--epochs", "2", ...flags);
      assertEquals(code, 2, `${flags}: ${err}`);
      assertStringIncludes(err, message);
      assertEquals(err.trim().split("\n").length, 1, err);
    }
    // The same value as saved is no conflict.
    const same = await cli("train", "--resume", `${dir}/m`, "--epochs", "2", "--context", "3");
    assertEquals(same.code, 0, same.err);
    assert((await bytes(`${dir}/m/model.safetensors`)).length === before.length);
    // A directory without a model: exit 1, one line.
    const none = await cli("train", "--resume", `${dir}/nothing`);
    assertEquals(none.code, 1);
    assertEquals(none.err.trim().split("\n").length, 1, none.err);
  });
});

Deno.test("--schedule plateau:FACTOR[:PATIENCE] and its flags are checked before any work", async () => {
  const cases: [string[], string][] = [
    [["--schedule", "plateau:1"], "--schedule expected constant, decay:R"],
    [["--schedule", "plateau:0"], "plateau:FACTOR[:PATIENCE] (0 < FACTOR < 1"],
    [["--schedule", "plateau:0.5:0"], "--schedule expected"],
    [["--schedule", "plateau:0.5:1.5"], "--schedule expected"],
    [["--schedule", "plateau"], "--schedule expected"],
    [["--schedule", "plateau:0.5:2:3"], "--schedule expected"],
    [["--lr-floor", "-1"], "--lr-floor expected a number >= 0"],
    [
      ["--restore"],
      "--restore expected --schedule plateau:FACTOR[:PATIENCE], got --schedule constant",
    ],
  ];
  for (const [flags, message] of cases) {
    // A corpus that does not exist: the flags must fail first.
    const { code, err } = await cli("train", "--corpus", "/nonexistent/corpus.txt", ...flags);
    assertEquals(code, 2, `${flags}: ${err}`);
    assertStringIncludes(err, message);
  }
});

Deno.test("train with a plateau schedule stops below --lr-floor and says why", async () => {
  await withTempDir(async (dir) => {
    const { code, out, err } = await cli(
      "train",
      ...TOY,
      "--lr",
      "3",
      "--schedule",
      "plateau:0.1",
      "--lr-floor",
      "0.5",
      "--patience",
      "20",
      "--epochs",
      "20",
      "--out",
      `${dir}/m`,
    );
    assertEquals(code, 0, err);
    const saved = await loadCheckpoint(`${dir}/m`);
    const epochs = (saved.extra!.history as { epochs: { lr: number }[] }).epochs;
    // lr 3 on the toy text overshoots soon: the first epoch without a better validation loss
    // cuts the rate to 0.3, below the floor, and the run stops there.
    assertEquals(saved.extra!.stopReason, "floor");
    assertStringIncludes(out, "the learning rate fell below --lr-floor");
    assert(epochs.length < 20 && epochs.every((e) => e.lr === 3), JSON.stringify(epochs));
    assertEquals(saved.extra!.lr, 3 * 0.1);
  });
});
