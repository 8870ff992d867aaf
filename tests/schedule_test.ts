import { assertEquals, assertStrictEquals, assertThrows } from "@std/assert";
import { checkSchedule } from "../lib/schedule.ts";
import type { Schedule } from "../lib/schedule.ts";

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
