import { assert, assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import {
  bestKneserNey,
  readReproduction,
  reduction,
  type Reproduction,
  reproductionSummary,
  runStatus,
  table1Frame,
} from "../../lib/notebook/reproduction.ts";
import { learningRateCurves, reproductionCurves } from "../../lib/notebook/reproduction_curves.ts";
import type { EpochRecord } from "../../lib/train.ts";

function epoch(e: number, validPerplexity: number): EpochRecord {
  return {
    epoch: e,
    trainLoss: 6,
    trainPerplexity: Math.exp(6),
    validLoss: Math.log(validPerplexity),
    validPerplexity,
    lr: 0.5,
    examplesPerSecond: 7000,
    seconds: 120,
  };
}

/** A reproduction 40 minutes long: mlp9 done, canonical still training. */
const record: Reproduction = {
  command: "deno task reproduce --epochs 10",
  started: "2026-11-25T17:00:00.000Z",
  finished: "2026-11-25T17:40:00.000Z",
  machine: "2 CPUs",
  corpus: { train: 800000, valid: 200000, test: 218532, vocabulary: 13845 },
  kneserNey: {
    "3": { valid: 164, test: 145, seconds: 0.9 },
    "5": { valid: 163, test: 144, seconds: 3.6 },
  },
  models: {
    mlp9: {
      config: { embedDim: 30 },
      parameters: 1825795,
      training: { epochs: 10 },
      epochs: [epoch(1, 200), epoch(2, 180)],
      done: true,
      bestEpoch: 2,
      seconds: 1150,
      valid: 180,
      test: 130,
      mixture: { weight: 0.65, valid: 134, test: 118 },
    },
    canonical: {
      config: { embedDim: 60 },
      parameters: 2253145,
      training: { epochs: 10 },
      epochs: [epoch(1, 190.67)],
      done: false,
    },
  },
};

Deno.test("runStatus and reproductionSummary say where each network stands and how long it took", () => {
  assertEquals(runStatus(record, "mlp9"), "done: best epoch 2 of 2, 19 min");
  assertEquals(
    runStatus(record, "canonical"),
    "still training: 1 of at most 10 epochs done, latest valid ppl 190.7",
  );
  const summary = reproductionSummary(record, 13000);
  assertStringIncludes(summary, "took:     40 min in all");
  assertStringIncludes(summary, "note: |V| = 13845 there, 13000 here");
  assertStringIncludes(summary, "1825795 parameters");
  assert(!reproductionSummary(record, 13845).includes("note:"));
});

Deno.test("table1Frame: ours beside the paper, null where a network has no numbers yet", () => {
  const df = table1Frame(record);
  const models = df.getColumn("model").toArray();
  const row = (name: string) => df.row(models.indexOf(name));
  const columns = df.columns;
  const at = (name: string, column: string) => row(name)[columns.indexOf(column)];
  assertEquals(row("Kneser-Ney 5-gram").slice(1, 3), [163, 144]);
  assertEquals(at("Kneser-Ney 5-gram", "paper: test"), 321);
  assertEquals(row("Kneser-Ney 4-gram").slice(1, 3), [null, null]);
  assertEquals(row("MLP9 shape (mlp9)").slice(1, 3), [180, 130]);
  assertEquals(at("MLP10: mlp9 + trigram", "note"), "with the KN trigram, λ = 0.65 (valid)");
  assertEquals(row("canonical network").slice(1, 3), [null, null]);
  assertStringIncludes(String(at("canonical network", "note")), "still training");
  // ratios over each side's own best Kneser–Ney (ours: the 5-gram, 144; the paper's: 321)
  assertEquals(at("MLP9 shape (mlp9)", "ours: test / best KN"), 130 / 144);
  assertEquals(at("MLP9 shape (mlp9)", "paper: test / best KN"), 276 / 321);
  assertEquals(at("canonical network", "ours: test / best KN"), null);
  // the EM rows wait for every network
  assertEquals(at("ensemble of the networks", "ours: test"), null);
  assertStringIncludes(String(at("networks + KN 3- and 5-gram", "note")), "when every network");
});

Deno.test("table1Frame: the EM ensemble and mixture rows carry their perplexities and weights", () => {
  const em = (weights: Record<string, number>, test: number) => ({
    components: Object.keys(weights),
    weights,
    valid: test + 10,
    test,
    iterations: 12,
    converged: true,
  });
  const done = {
    ...record,
    ensembleEM: em({ canonical: 0.55, mlp9: 0.45 }, 120),
    mixtureEM: em({ canonical: 0.4, mlp9: 0.3, kn3: 0.1, kn5: 0.2 }, 108),
  };
  const df = table1Frame(done);
  const models = df.getColumn("model").toArray();
  const row = (name: string) => df.row(models.indexOf(name));
  assertEquals(row("ensemble of the networks").slice(1, 4), [130, 120, 120 / 144]);
  assertEquals(
    row("networks + KN 3- and 5-gram").at(-1),
    "EM weights canonical 0.400, mlp9 0.300, kn3 0.100, kn5 0.200",
  );
});

Deno.test("learningRateCurves: one step line per network, on a log axis", () => {
  const fig = learningRateCurves(record);
  assertEquals(fig.data.map((t) => t.name), ["canonical: lr", "mlp9: lr"]);
  assertEquals(fig.data[1].y, [0.5, 0.5]);
  assertEquals(fig.layout.yaxis?.type, "log");
});

Deno.test("bestKneserNey picks the lowest validation perplexity; reduction is in percent", () => {
  assertEquals(bestKneserNey(record), { order: 5, valid: 163, test: 144 });
  assertEquals(bestKneserNey({ ...record, kneserNey: undefined }), undefined);
  assertEquals(reduction(200, 150), 25);
});

Deno.test("reproductionCurves: train and valid per network, and the 5-gram for scale", () => {
  const fig = reproductionCurves(record);
  assertEquals(fig.data.map((t) => t.name), [
    "canonical: train",
    "canonical: valid",
    "mlp9: train",
    "mlp9: valid",
    "Kneser-Ney 5-gram: valid",
  ]);
  assertEquals(fig.data.at(-1)!.x, [1, 2]);
});

Deno.test("readReproduction reads the file, returns null without one, refuses what is not one", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const good = `${dir}/reproduction.json`;
    await Deno.writeTextFile(good, JSON.stringify(record));
    assertEquals(await readReproduction(good), record);
    assertEquals(await readReproduction(`${dir}/missing.json`), null);
    await Deno.writeTextFile(`${dir}/bad.json`, "{ not json");
    await assertRejects(() => readReproduction(`${dir}/bad.json`), SyntaxError);
    await Deno.writeTextFile(`${dir}/other.json`, "[1, 2]");
    await assertRejects(() => readReproduction(`${dir}/other.json`), TypeError, "models");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the stored data/reproduction.json reads, and its numbers reach the table", async () => {
  const repro = await readReproduction(new URL("../../data/reproduction.json", import.meta.url));
  assert(repro !== null, "data/reproduction.json is missing");
  const df = table1Frame(repro);
  const mlp9 = df.row(df.getColumn("model").toArray().indexOf("MLP9 shape (mlp9)"));
  const run = repro.models.mlp9; // absent while a reproduction is still on its first network
  assertEquals(mlp9[2], run?.done ? run.test : null);
});
