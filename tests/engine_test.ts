/**
 * One suite, both engines: the reference engine (the pure equations) and the fast engine (the
 * WebAssembly kernels) must give the same numbers for the same model, data and options, keep
 * the loss finite for scores far apart, and stop a diverged run the same way.
 */
import { assert, assertAlmostEquals, assertEquals, assertInstanceOf } from "@std/assert";
import { assertThrows } from "@std/assert";
import { createEngine, type EngineName } from "../lib/engine.ts";
import { evaluate, targetProbabilities } from "../lib/evaluate.ts";
import { MiniNeuralLM, type ModelParams } from "../lib/model.ts";
import { DivergenceError, resolveTrainOptions, train } from "../lib/train.ts";
import { clone, IndexMatrix, indexMatrix } from "../lib/tensor.ts";
import type { Schedule } from "../lib/schedule.ts";

const ENGINES: EngineName[] = ["reference", "fast"];

const model = new MiniNeuralLM({
  vocabSize: 7,
  contextSize: 2,
  embedDim: 3,
  hidden: [5],
  dtype: "float32",
});
const data = {
  contexts: indexMatrix([[0, 1], [1, 2], [2, 3], [3, 4], [4, 5], [5, 6]]),
  targets: new Int32Array([2, 3, 4, 5, 6, 0]),
};

/** Parameters whose output bias puts word 1's score 120 above every other word's. */
function farApart(): ModelParams {
  const params = model.init(1);
  const zeroOut = clone(params.Wout);
  zeroOut.data.fill(0);
  const bout = clone(params.bout);
  bout.data.fill(0);
  bout.data[1] = 120;
  return { ...params, Wout: zeroOut, bout };
}

for (const engine of ENGINES) {
  Deno.test(`${engine} engine: the loss of scores [0, …, 120] is 120, not Infinity`, () => {
    // Every target but word 1 has probability e^-120: 0 in float32, but a loss of exactly 120.
    const params = farApart();
    const { loss } = evaluate(model, params, data, { engine });
    assertAlmostEquals(loss, 120, 1e-3);
    const p = targetProbabilities(model, params, data, { engine });
    assert(p.every((v) => v < 1e-50), `p = ${p}`);
    using e = createEngine(model, params, { engine });
    assertEquals(e.name, engine);
    const stepLoss = e.step(data.contexts, data.targets, { lr: 0.01, beta: 0.9, weightDecay: 0 });
    assertAlmostEquals(stepLoss, 120, 1e-3);
  });

  Deno.test(`${engine} engine: a diverged run throws DivergenceError, never "best" initial weights`, () => {
    const error = assertThrows(
      () =>
        train(model, model.init(2), { train: data, valid: data }, { lr: 1e6, epochs: 3, engine }),
      DivergenceError,
      "train: the run diverged",
    );
    assertInstanceOf(error, DivergenceError);
    assert(error.epoch >= 1 && error.lr === 1e6, error.message);
  });

  Deno.test(`${engine} engine: step, params and velocity`, () => {
    const params = model.init(3);
    using e = createEngine(model, params, { engine });
    assertEquals(e.velocity(), undefined);
    const before = e.evaluate(data);
    for (let s = 0; s < 30; s++) {
      e.step(data.contexts, data.targets, { lr: 0.5, beta: 0.9, weightDecay: 0 });
    }
    assert(e.evaluate(data) < before / 2, `${e.evaluate(data)} vs ${before}`);
    assertEquals(Object.keys(e.params()), Object.keys(params));
    assertEquals(Object.keys(e.velocity()!), Object.keys(params));
    assertEquals(params.W1.data, model.init(3).W1.data, "the starting parameters are not touched");
  });
}

Deno.test("both engines: the same losses step by step, to float32 precision", () => {
  const run = (engine: EngineName) =>
    train(model, model.init(4), { train: data, valid: data }, {
      epochs: 3,
      batchSize: 2,
      lr: 0.2,
      seed: 9,
      engine,
    });
  const a = run("reference"), b = run("fast");
  assertEquals(a.history.steps.length, b.history.steps.length);
  a.history.steps.forEach((s, i) => assertAlmostEquals(s.loss, b.history.steps[i].loss, 1e-5));
  assertEquals(a.bestEpoch, b.bestEpoch);
});

Deno.test("a float64 model takes the reference engine, asked for the fast one or not", () => {
  const model64 = new MiniNeuralLM({ ...model.config, dtype: "float64" });
  using e = createEngine(model64, model64.init(0), { engine: "fast" });
  assertEquals(e.name, "reference");
  assertThrows(
    () => createEngine(model64, model64.init(0), { engine: "gpu" as EngineName }),
    RangeError,
    `createEngine: options.engine expected "fast" or "reference", got "gpu"`,
  );
});

Deno.test("resolveTrainOptions refuses every bad option before any work, naming it", () => {
  const bad: [Record<string, unknown>, string][] = [
    [{ epochs: 0 }, "options.epochs"],
    [{ batchSize: 1.5 }, "options.batchSize"],
    [{ lr: 0 }, "options.lr"],
    [{ lr: Infinity }, "options.lr"],
    [{ momentum: 1 }, "options.momentum"],
    [{ weightDecay: -1 }, "options.weightDecay"],
    [{ patience: 0 }, "options.patience"],
    [{ maxStepsPerEpoch: 0 }, "options.maxStepsPerEpoch"],
    [{ schedule: { kind: "cosine" } }, "options.schedule.kind"],
    [{ schedule: { kind: "decay", rate: Infinity } }, "options.schedule.rate"],
    [{ schedule: { kind: "step", every: 0, factor: 0.5 } }, "options.schedule.every"],
  ];
  for (const [options, name] of bad) {
    assertThrows(() => resolveTrainOptions("train", options), RangeError, `train: ${name}`);
  }
  const ok = resolveTrainOptions("train", { schedule: { kind: "decay", rate: 0 } as Schedule });
  assertEquals(ok.epochs, 5);
  const empty = { contexts: new IndexMatrix(0, 2, new Int32Array(0)), targets: new Int32Array(0) };
  assertThrows(
    () => train(model, model.init(0), { train: data, valid: empty }),
    RangeError,
    "data.valid expected at least one example",
  );
});
