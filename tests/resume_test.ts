/**
 * Resumable training: a run that stops after an epoch, is saved to a model directory, loaded
 * and resumed gives bit for bit the parameters of a run that never stopped, on both engines,
 * with dropout, weight decay, the decay schedule and the plateau schedule (with `restore`).
 */
import { assert, assertEquals, assertRejects, assertStrictEquals, assertThrows } from "@std/assert";
import type { EngineName } from "../lib/engine.ts";
import { CHECKPOINT_FILES, loadCheckpoint, saveCheckpoint } from "../lib/io/checkpoint.ts";
import { MiniNeuralLM, type ModelConfig, type ModelParams } from "../lib/model.ts";
import type { Schedule } from "../lib/schedule.ts";
import { indexMatrix } from "../lib/tensor.ts";
import { train, type TrainOptions, type TrainState } from "../lib/train.ts";
import { trainStateFromCheckpoint, trainStateToCheckpoint } from "../lib/train/resume.ts";

/** A toy corpus: 0 1 2 … 8 0 1 … with a few exceptions, contexts of 2. */
function toyData(count: number, offset: number) {
  const contexts: number[][] = [], targets: number[] = [];
  for (let i = 0; i < count; i++) {
    const a = (i + offset) % 9, b = (i * 7 + offset) % 9;
    contexts.push([a, b]);
    targets.push(i % 5 === 0 ? (a * b) % 9 : (b + 1) % 9);
  }
  return { contexts: indexMatrix(contexts), targets: new Int32Array(targets) };
}
const data = { train: toyData(40, 0), valid: toyData(12, 3) };

function toyModel(dtype: ModelConfig["dtype"], dropout = 0.2): MiniNeuralLM {
  return new MiniNeuralLM({
    vocabSize: 9,
    contextSize: 2,
    embedDim: 3,
    hidden: [6],
    dropout,
    dtype,
  });
}

/** The engine that a dtype takes: float64 runs on the reference engine, float32 on the fast. */
const CASES: [EngineName, ModelConfig["dtype"]][] = [["reference", "float64"], ["fast", "float32"]];

/** Saves a state as the command line does, loads it back through the files. */
async function roundTrip(model: MiniNeuralLM, state: TrainState): Promise<TrainState> {
  const dir = await Deno.makeTempDir();
  try {
    const parts = trainStateToCheckpoint(state);
    await saveCheckpoint(dir, {
      params: parts.params,
      config: { model: model.config },
      vocab: { tokens: [] },
      extra: parts.training,
      optimizer: parts.optimizer,
    });
    const loaded = await loadCheckpoint(dir);
    return trainStateFromCheckpoint("resume", model, loaded.extra, loaded);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Both parameter records, tensor by tensor, entry by entry (`assertEquals` compares values). */
function assertSameParams(actual: ModelParams, expected: ModelParams) {
  assertEquals(Object.keys(actual).sort(), Object.keys(expected).sort());
  for (const name of Object.keys(expected)) {
    assertEquals(actual[name].dtype, expected[name].dtype, name);
    assertEquals(actual[name].data, expected[name].data, `tensor ${name}`);
  }
}

/** The numbers of a history, without the wall-clock fields. */
function losses(state: { history: TrainState["history"] }) {
  return {
    steps: state.history.steps.map(({ step, epoch, loss, lr }) => ({ step, epoch, loss, lr })),
    epochs: state.history.epochs.map(({ epoch, trainLoss, validLoss, lr }) => ({
      epoch,
      trainLoss,
      validLoss,
      lr,
    })),
  };
}

/** Runs `total` epochs straight, and `first` epochs + save + load + resume; compares them. */
async function straightAndResumed(
  engine: EngineName,
  dtype: ModelConfig["dtype"],
  options: TrainOptions,
  first: number,
  total: number,
) {
  const model = toyModel(dtype);
  const base = { ...options, engine, batchSize: 8, weightDecay: 1e-3, seed: 5 };
  const straight = train(model, model.init(3), data, { ...base, epochs: total });
  const part = train(model, model.init(3), data, { ...base, epochs: first });
  const loaded = await roundTrip(model, part.state);
  const resumed = train(model, model.init(99), data, { ...base, epochs: total, resume: loaded });
  return { straight, resumed };
}

for (const [engine, dtype] of CASES) {
  Deno.test(`${engine} engine: 1 epoch + save + load + resume + 1 = 2 epochs, bit for bit`, async () => {
    const decay: Schedule = { kind: "decay", rate: 0.05 };
    const { straight, resumed } = await straightAndResumed(
      engine,
      dtype,
      {
        lr: 0.3,
        schedule: decay,
      },
      1,
      2,
    );
    assertSameParams(resumed.lastParams, straight.lastParams);
    assertSameParams(resumed.params, straight.params);
    assertSameParams(resumed.state.velocity!, straight.state.velocity!);
    assertEquals(resumed.state.rngState, straight.state.rngState);
    assertEquals(resumed.state.step, straight.state.step);
    assertEquals(losses(resumed), losses(straight));
    assertEquals([resumed.bestEpoch, resumed.stopReason], [
      straight.bestEpoch,
      straight.stopReason,
    ]);
  });

  Deno.test(`${engine} engine: a plateau schedule with restore resumes bit for bit`, async () => {
    const plateau: Schedule = { kind: "plateau", factor: 0.5, patience: 1, restore: true };
    const options = { lr: 2, schedule: plateau, patience: Infinity };
    // Epoch 4 is worse than epoch 3: the rate halves and epoch 5 starts from epoch 3's
    // parameters with zero momentum. Resume before that (after 2) and right after it (after 4).
    for (const first of [2, 4]) {
      const { straight, resumed } = await straightAndResumed(engine, dtype, options, first, 5);
      assertEquals(straight.history.epochs.map((e) => e.lr), [2, 2, 2, 2, 1]);
      assertSameParams(resumed.lastParams, straight.lastParams);
      assertSameParams(resumed.params, straight.params);
      assertEquals(resumed.state.lr, straight.state.lr);
      assertEquals(losses(resumed), losses(straight));
    }
  });
}

Deno.test("the state of every epoch resumes the run from there (in memory, no files)", () => {
  const model = toyModel("float64", 0);
  const options = { epochs: 3, batchSize: 8, lr: 0.2, seed: 2, engine: "reference" as const };
  const states: TrainState[] = [];
  const straight = train(model, model.init(0), data, {
    ...options,
    onEpoch: (_record, _params, state) => void states.push(state),
  });
  assertEquals(states.map((s) => s.epoch), [1, 2, 3]);
  for (const state of states.slice(0, 2)) {
    const resumed = train(model, model.init(0), data, { ...options, resume: state });
    assertSameParams(resumed.lastParams, straight.lastParams);
    assertEquals(losses(resumed), losses(straight));
  }
  // A state whose epochs are all done: nothing to train, the same result.
  const done = train(model, model.init(0), data, { ...options, resume: states[2] });
  assertStrictEquals(done.state, states[2]);
  assertEquals(done.history.epochs.length, 3);
});

Deno.test("the model directory of a resumable run: optimizer.safetensors, listed in the manifest", async () => {
  const model = toyModel("float32");
  const result = train(model, model.init(0), data, { epochs: 2, batchSize: 8, lr: 0.2 });
  const dir = await Deno.makeTempDir();
  try {
    const parts = trainStateToCheckpoint(result.state);
    const manifest = await saveCheckpoint(dir, {
      params: parts.params,
      config: { model: model.config },
      vocab: { tokens: [] },
      extra: parts.training,
      optimizer: parts.optimizer,
    });
    assert(Object.hasOwn(manifest.files, CHECKPOINT_FILES.optimizer));
    assertEquals(
      Object.keys(manifest.optimizerTensors!).filter((n) => n.startsWith("velocity.")).length,
      Object.keys(model.shapes()).length,
    );
    // A save without the optimiser removes the stale file, and the load has none.
    await saveCheckpoint(dir, { params: parts.params, config: {}, vocab: {} });
    assertEquals((await loadCheckpoint(dir)).optimizer, undefined);
    await assertRejects(
      () => Deno.lstat(`${dir}/${CHECKPOINT_FILES.optimizer}`),
      Deno.errors.NotFound,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a resume state that does not fit the model is refused, naming the field", () => {
  const model = toyModel("float64", 0);
  const result = train(model, model.init(0), data, { epochs: 1, batchSize: 8 });
  const other = new MiniNeuralLM({ ...model.config, hidden: [4] });
  assertThrows(
    () => train(other, other.init(0), data, { resume: result.state }),
    RangeError,
    "options.resume.params",
  );
  assertThrows(
    () => train(model, model.init(0), data, { resume: { ...result.state, lr: 0 } }),
    RangeError,
    "train: options.resume.lr expected a finite number > 0, got 0",
  );
  assertThrows(
    () =>
      train(model, model.init(0), data, { resume: { ...result.state, rngState: [0, 0, 0, 0] } }),
    RangeError,
    "train: options.resume.rngState expected a generator state",
  );
  assertThrows(
    () =>
      trainStateFromCheckpoint("resume", model, {
        ...trainStateToCheckpoint(result.state).training,
        velocity: true,
      }, {
        params: result.params,
        optimizer: undefined,
      }),
    TypeError,
    'resume: optimizer.safetensors expected a tensor "velocity.E"',
  );
});
