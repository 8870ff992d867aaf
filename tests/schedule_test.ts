import { assert, assertEquals, assertStrictEquals, assertThrows } from "@std/assert";
import { MiniNeuralLM } from "../lib/model.ts";
import { checkSchedule, plateauStep } from "../lib/schedule.ts";
import type { Schedule } from "../lib/schedule.ts";
import { indexMatrix } from "../lib/tensor.ts";
import { train as trainModel, type TrainState } from "../lib/train.ts";

const check = (s: unknown) => checkSchedule("train", "options.schedule", s);

Deno.test("checkSchedule accepts each kind, at the edges of its ranges, and returns it", () => {
  const good: Schedule[] = [
    { kind: "constant" },
    { kind: "decay", rate: 0 },
    { kind: "decay", rate: 1e-8 },
    { kind: "decay", rate: 1e6 },
    { kind: "step", every: 1, factor: 0.5 },
    { kind: "step", every: 3, factor: 1 },
    { kind: "step", every: 2, factor: 2 }, // growing is odd, but a valid schedule
    { kind: "step", every: 1, factor: Number.MIN_VALUE },
  ];
  for (const s of good) assertStrictEquals(check(s), s);
  // The same object comes back, unchanged.
  const s = { kind: "decay" as const, rate: 0.1 };
  check(s);
  assertEquals(s, { kind: "decay", rate: 0.1 });
});

Deno.test("checkSchedule refuses what is not a schedule object", () => {
  const message = 'train: options.schedule expected a schedule ({ kind: "constant" }, ' +
    '{ kind: "decay", rate }, { kind: "step", every, factor } or ' +
    '{ kind: "plateau", factor, patience?, floor?, restore? }), got';
  for (const [value, got] of [[undefined, "undefined"], [null, "null"], ["decay", '"decay"']]) {
    assertThrows(() => check(value), TypeError, `${message} ${got}`);
  }
  assertThrows(() => check([]), TypeError, `${message} an array of length 0`);
});

Deno.test("checkSchedule refuses an unknown or missing kind", () => {
  const message =
    'train: options.schedule.kind expected "constant", "decay", "step" or "plateau", got';
  assertThrows(() => check({ kind: "cosine" }), RangeError, `${message} "cosine"`);
  assertThrows(() => check({ kind: "Decay", rate: 0.1 }), RangeError, `${message} "Decay"`);
  assertThrows(() => check({ rate: 0.1 }), RangeError, `${message} undefined`);
});

Deno.test("checkSchedule refuses a decay rate that is missing, negative or not finite", () => {
  const message = "train: options.schedule.rate expected a finite number >= 0, got";
  for (const rate of [-1e-9, NaN, Infinity, -Infinity]) {
    assertThrows(() => check({ kind: "decay", rate }), RangeError, `${message} ${rate}`);
  }
  assertThrows(
    () => check({ kind: "decay" }),
    TypeError,
    "train: options.schedule.rate expected a number, got undefined",
  );
  assertThrows(() => check({ kind: "decay", rate: "0.1" }), TypeError, 'got "0.1"');
});

Deno.test("checkSchedule refuses a step schedule's bad every or factor", () => {
  const every = "train: options.schedule.every expected a positive integer (epochs), got";
  for (const e of [0, -1, 1.5, NaN, Infinity]) {
    assertThrows(
      () => check({ kind: "step", every: e, factor: 0.5 }),
      RangeError,
      `${every} ${e}`,
    );
  }
  const factor = "train: options.schedule.factor expected a finite number > 0, got";
  for (const f of [0, -0.5, NaN, Infinity]) {
    assertThrows(() => check({ kind: "step", every: 2, factor: f }), RangeError, `${factor} ${f}`);
  }
  assertThrows(
    () => check({ kind: "step", every: 2 }),
    TypeError,
    "options.schedule.factor expected a number, got undefined",
  );
  assertThrows(
    () => check({ kind: "step", factor: 0.5 }),
    TypeError,
    "options.schedule.every expected a number, got undefined",
  );
});

Deno.test("checkSchedule refuses a field that the kind does not have", () => {
  assertThrows(
    () => check({ kind: "constant", rate: 0.1 }),
    RangeError,
    'train: options.schedule expected only kind for kind "constant", got an extra "rate"',
  );
  assertThrows(
    () => check({ kind: "decay", rate: 0.1, every: 2 }),
    RangeError,
    'expected only kind, rate for kind "decay", got an extra "every"',
  );
  assertThrows(
    () => check({ kind: "step", every: 2, factor: 0.5, rate: 1 }),
    RangeError,
    'expected only kind, every, factor for kind "step", got an extra "rate"',
  );
});

Deno.test("checkSchedule names the caller's function and argument", () => {
  assertThrows(
    () => checkSchedule("trainLoop", "config.schedule", { kind: "decay", rate: -1 }),
    RangeError,
    "trainLoop: config.schedule.rate expected a finite number >= 0, got -1",
  );
});

Deno.test("checkSchedule accepts a plateau schedule and refuses its bad fields", () => {
  const good: Schedule[] = [
    { kind: "plateau", factor: 0.5 },
    { kind: "plateau", factor: 0.1, patience: 3, floor: 1e-4, restore: true },
    { kind: "plateau", factor: 0.99, floor: 0, restore: false },
  ];
  for (const s of good) assertStrictEquals(check(s), s);
  for (const factor of [0, 1, 1.5, -0.5, NaN]) {
    assertThrows(
      () => check({ kind: "plateau", factor }),
      RangeError,
      `train: options.schedule.factor expected a number in (0, 1), got ${factor}`,
    );
  }
  assertThrows(
    () => check({ kind: "plateau", factor: 0.5, patience: 0 }),
    RangeError,
    "options.schedule.patience expected a positive integer (epochs), got 0",
  );
  assertThrows(
    () => check({ kind: "plateau", factor: 0.5, floor: -1 }),
    RangeError,
    "options.schedule.floor expected a finite number >= 0, got -1",
  );
  assertThrows(
    () => check({ kind: "plateau", factor: 0.5, restore: "yes" }),
    TypeError,
    'options.schedule.restore expected a boolean, got "yes"',
  );
  assertThrows(
    () => check({ kind: "plateau", factor: 0.5, every: 2 }),
    RangeError,
    'expected only kind, factor, patience, floor, restore for kind "plateau", got an extra "every"',
  );
});

Deno.test("plateauStep waits `patience` epochs, multiplies by the factor, stops below the floor", () => {
  const schedule = { kind: "plateau" as const, factor: 0.25, patience: 2, floor: 0.01 };
  let state = { lr: 1, wait: 0 };
  const lrs: number[] = [], stops: boolean[] = [];
  for (const improved of [false, true, false, false, false, false, false, false]) {
    const next = plateauStep(schedule, state, improved);
    state = next.state;
    lrs.push(state.lr);
    stops.push(next.stop);
  }
  // An improvement resets the wait; each second epoch without one lowers the rate by 4.
  assertEquals(lrs, [1, 1, 1, 0.25, 0.25, 0.0625, 0.0625, 0.015625]);
  assertEquals(stops.indexOf(true), -1);
  const last = plateauStep(schedule, plateauStep(schedule, state, false).state, false);
  assertEquals([last.state.lr, last.reduced, last.stop], [0.00390625, true, true]);
  // The default patience is one epoch, the default floor 0 (never stop).
  const plain = plateauStep({ kind: "plateau", factor: 0.5 }, { lr: 1e-300, wait: 0 }, false);
  assertEquals([plain.state.lr, plain.reduced, plain.stop], [5e-301, true, false]);
});

/**
 * A run whose validation set wants the opposite of its training set: after epoch 1 the
 * validation loss only gets worse, so a plateau schedule lowers the rate after every epoch.
 */
function opposed() {
  const model = new MiniNeuralLM({ vocabSize: 3, contextSize: 1, embedDim: 2, hidden: [4] });
  const train = { contexts: indexMatrix([[0], [1], [2]]), targets: new Int32Array([1, 2, 0]) };
  const valid = { contexts: indexMatrix([[0], [1], [2]]), targets: new Int32Array([2, 0, 1]) };
  return { model, data: { train, valid } };
}

Deno.test("train with a plateau schedule: halves the rate after each worse epoch, stops below the floor", () => {
  const { model, data } = opposed();
  const result = trainModel(model, model.init(0), data, {
    epochs: 10,
    batchSize: 3,
    lr: 0.4,
    patience: Infinity,
    engine: "reference",
    schedule: { kind: "plateau", factor: 0.5, floor: 0.06 },
  });
  const valid = result.history.epochs.map((e) => e.validLoss);
  for (let e = 1; e < valid.length; e++) assert(valid[e] > valid[0], `epoch ${e + 1}`);
  // Epoch 1 is the best so far; each later one lowers the rate for the next. After epoch 4
  // it is 0.05, below the floor: the run stops.
  assertEquals(result.history.epochs.map((e) => e.lr), [0.4, 0.4, 0.2, 0.1]);
  assertEquals([result.stopReason, result.stoppedEarly, result.bestEpoch], ["floor", true, 1]);
  assertEquals(result.state.lr, 0.05);
});

Deno.test("train with a plateau schedule and restore: goes on from the best parameters, momentum 0", () => {
  const { model, data } = opposed();
  const states: TrainState[] = [];
  const result = trainModel(model, model.init(0), data, {
    epochs: 3,
    batchSize: 3,
    lr: 0.4,
    patience: Infinity,
    engine: "reference",
    schedule: { kind: "plateau", factor: 0.5, restore: true },
    onEpoch: (_r, _p, state) => void states.push(state),
  });
  assertEquals(result.bestEpoch, 1);
  // Epoch 1 is the best: training goes on from its parameters with its momentum.
  assert(states[0].velocity !== undefined);
  // Epochs 2 and 3 are worse: each time the next epoch starts from epoch 1's parameters.
  for (const state of states.slice(1)) {
    assertStrictEquals(state.params, result.params);
    assertEquals(state.velocity, undefined);
  }
  assertEquals(result.stopReason, "epochs");
  // Without restore the run goes on from where it is.
  const plain = trainModel(model, model.init(0), data, {
    epochs: 2,
    batchSize: 3,
    lr: 0.4,
    patience: Infinity,
    engine: "reference",
    schedule: { kind: "plateau", factor: 0.5 },
  });
  assertStrictEquals(plain.state.params, plain.lastParams);
});

Deno.test("early stopping still counts from the best epoch under a plateau schedule", () => {
  const { model, data } = opposed();
  const result = trainModel(model, model.init(0), data, {
    epochs: 10,
    batchSize: 3,
    lr: 0.4,
    patience: 2,
    engine: "reference",
    schedule: { kind: "plateau", factor: 0.5 },
  });
  // Epochs 2 and 3 are no better than epoch 1: stop after epoch 3, whatever the rate.
  assertEquals(result.history.epochs.map((e) => e.lr), [0.4, 0.4, 0.2]);
  assertEquals([result.stopReason, result.stoppedEarly], ["patience", true]);
});
