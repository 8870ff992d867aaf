/**
 * Learning-rate schedules: the rate of update `t` (from 0) in epoch `e` (from 0), and their check.
 *
 * A {@linkcode Schedule} is a plain record, so it can come from anywhere: a notebook cell, a
 * saved configuration, a command-line flag. {@linkcode checkSchedule} refuses a bad one at the
 * door, with a message that names the field, instead of letting it fail many steps later as a
 * learning rate of `undefined` or `NaN`:
 *
 * ```text
 * constant   lr_t = lr_0
 * decay      lr_t = lr_0 / (1 + r·t)              r >= 0, finite
 * step       lr_t = lr_0 · factor^floor(e / every)  every a positive integer, factor > 0, finite
 * ```
 *
 * @module
 */

import { argError, describeValue } from "./errors.ts";

/**
 * A learning-rate schedule, as a function of the update count `t` (starting at 0) and the
 * epoch `e` (starting at 0):
 *
 * - `constant`: `lr_t = lr_0`;
 * - `decay`: `lr_t = lr_0 / (1 + r·t)`, the schedule of Bengio et al. 2003 (section 4);
 * - `step`: `lr_t = lr_0 · factor^floor(e / every)`.
 */
export type Schedule =
  | { kind: "constant" }
  | { kind: "decay"; rate: number }
  | { kind: "step"; every: number; factor: number };

/**
 * The learning rate at update `t` of epoch `epoch` under a schedule.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { learningRate } from "./schedule.ts";
 * assertEquals(learningRate(0.1, { kind: "constant" }, 500, 3), 0.1);
 * assertEquals(learningRate(0.1, { kind: "decay", rate: 0.01 }, 100, 0), 0.05); // 0.1 / (1 + 1)
 * assertEquals(learningRate(0.1, { kind: "step", every: 2, factor: 0.5 }, 0, 5), 0.025);
 * ```
 */
export function learningRate(lr0: number, schedule: Schedule, t: number, epoch: number): number {
  switch (schedule.kind) {
    case "constant":
      return lr0;
    case "decay":
      return lr0 / (1 + schedule.rate * t);
    case "step":
      return lr0 * schedule.factor ** Math.floor(epoch / schedule.every);
  }
}

const SHAPES = '{ kind: "constant" }, { kind: "decay", rate } or { kind: "step", every, factor }';

// The fields each kind has, `kind` included.
const FIELDS: Record<Schedule["kind"], readonly string[]> = {
  constant: ["kind"],
  decay: ["kind", "rate"],
  step: ["kind", "every", "factor"],
};

/**
 * Throws unless `schedule` is a valid {@linkcode Schedule}:
 *
 * - `{ kind: "constant" }`;
 * - `{ kind: "decay", rate }` with `rate` a finite number `>= 0` (`lr_t = lr_0 / (1 + rate·t)`);
 * - `{ kind: "step", every, factor }` with `every` a positive integer (epochs) and `factor` a
 *   finite number `> 0` (`lr_t = lr_0 · factor^floor(e / every)`).
 *
 * A field that its kind does not have (`{ kind: "decay", rate: 0.1, every: 2 }`) is refused too:
 * it is a sign that the caller meant another kind.
 *
 * @param fn the public function that checks, for the message (e.g. `"train"`)
 * @param arg the argument's name, for the message (e.g. `"options.schedule"`)
 * @param schedule the value to check
 * @returns `schedule` itself, typed as a `Schedule`
 * @throws {TypeError} when `schedule` is not an object, or a field is not a number
 * @throws {RangeError} for an unknown kind, a missing or extra field, or a field out of range
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { checkSchedule } from "./schedule.ts";
 * assertEquals(checkSchedule("train", "options.schedule", { kind: "decay", rate: 1e-8 }), {
 *   kind: "decay",
 *   rate: 1e-8,
 * });
 * assertThrows(
 *   () => checkSchedule("train", "options.schedule", { kind: "cosine" }),
 *   RangeError,
 *   'train: options.schedule.kind expected "constant", "decay" or "step", got "cosine"',
 * );
 * ```
 */
export function checkSchedule(fn: string, arg: string, schedule: unknown): Schedule {
  if (schedule === null || typeof schedule !== "object" || Array.isArray(schedule)) {
    throw argError(fn, arg, `a schedule (${SHAPES})`, describeValue(schedule), TypeError);
  }
  const s = schedule as Record<string, unknown>;
  const kind = s.kind;
  if (kind !== "constant" && kind !== "decay" && kind !== "step") {
    throw argError(fn, `${arg}.kind`, '"constant", "decay" or "step"', describeValue(kind));
  }
  const fields = FIELDS[kind];
  for (const key of Object.keys(s)) {
    if (!fields.includes(key)) {
      throw argError(
        fn,
        arg,
        `only ${fields.join(", ")} for kind "${kind}"`,
        `an extra "${key}"`,
      );
    }
  }
  const number = (name: string): number => {
    const value = s[name];
    if (typeof value !== "number") {
      throw argError(fn, `${arg}.${name}`, "a number", describeValue(value), TypeError);
    }
    return value;
  };
  if (kind === "decay") {
    const rate = number("rate");
    if (!(rate >= 0) || !Number.isFinite(rate)) {
      throw argError(fn, `${arg}.rate`, "a finite number >= 0", describeValue(rate));
    }
  } else if (kind === "step") {
    const every = number("every");
    if (!Number.isInteger(every) || every < 1) {
      throw argError(fn, `${arg}.every`, "a positive integer (epochs)", describeValue(every));
    }
    const factor = number("factor");
    if (!(factor > 0) || !Number.isFinite(factor)) {
      throw argError(fn, `${arg}.factor`, "a finite number > 0", describeValue(factor));
    }
  }
  return schedule as Schedule;
}
