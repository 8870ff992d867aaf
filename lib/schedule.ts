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
 * plateau    lr_e = lr_0 · factor^k                 k = reductions so far, 0 < factor < 1
 * ```
 *
 * The first three are functions of the update count `t` and the epoch `e` alone. `plateau`
 * follows the validation loss, so its rate depends on how the run went: after `patience` epochs
 * (default 1) in a row whose validation loss is no better than the best so far, the rate is
 * multiplied by `factor`; with `restore`, training goes on from the best parameters (and zero
 * momentum); once the rate is below `floor`, the run stops. {@linkcode plateauStep} is that rule
 * as a pure function of the state after an epoch; the training loop keeps the state and passes
 * the current rate to {@linkcode learningRate} as `lr_0`.
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
 * - `step`: `lr_t = lr_0 · factor^floor(e / every)`;
 * - `plateau`: `lr = lr_0 · factor^k` after `k` reductions, one after every `patience` epochs
 *   without a better validation loss (see {@linkcode PlateauSchedule}).
 */
export type Schedule =
  | { kind: "constant" }
  | { kind: "decay"; rate: number }
  | { kind: "step"; every: number; factor: number }
  | PlateauSchedule;

/**
 * A schedule that follows validation ("reduce on plateau", "newbob"):
 *
 * ```text
 * after each epoch:  improved = (validation loss < best so far)
 *                    wait     = improved ? 0 : wait + 1
 *                    if wait >= patience:  lr = factor · lr;  wait = 0
 *                                          (restore: go on from the best parameters, momentum 0)
 *                    if lr < floor:        stop the run
 * ```
 *
 * The rate is constant within an epoch. Without a validation set the training loss stands in.
 * Early stopping (`TrainOptions.patience`) still applies, counted from the best epoch: give it
 * more epochs than this `patience` (or `Infinity`), or the run stops before the rate is lowered.
 *
 * Restoring zeroes the momentum rather than restoring the best epoch's: that velocity is the
 * direction that led away from the best parameters into the plateau, and keeping it would need a
 * second copy of the velocity at every new best. A restart at a lower rate from zero momentum is
 * the plain reading of "go back and take smaller steps".
 */
export interface PlateauSchedule {
  /** `"plateau"`. */
  kind: "plateau";
  /** The rate is multiplied by this at each reduction, `0 < factor < 1`. */
  factor: number;
  /** Epochs in a row without improvement before a reduction, a positive integer (default 1). */
  patience?: number;
  /** Stop once the rate falls below this, `>= 0` (default 0: never). */
  floor?: number;
  /** Go on from the best parameters (with zero momentum) after a reduction (default false). */
  restore?: boolean;
}

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
 * // plateau: lr0 is the rate the plateau rule has reached (see plateauStep)
 * assertEquals(learningRate(0.025, { kind: "plateau", factor: 0.5 }, 900, 7), 0.025);
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
    case "plateau":
      return lr0;
  }
}

/** Where a {@linkcode PlateauSchedule} stands after an epoch. */
export interface PlateauState {
  /** The current rate, `lr_0 · factor^reductions`. */
  lr: number;
  /** Epochs in a row without improvement since the best epoch or the last reduction. */
  wait: number;
}

/** What {@linkcode plateauStep} decided. */
export interface PlateauDecision {
  /** The state for the next epoch. */
  state: PlateauState;
  /** Whether the rate was lowered now. */
  reduced: boolean;
  /** Whether the (new) rate is below the floor: the run stops. */
  stop: boolean;
}

/**
 * The plateau rule after one epoch, as a pure function:
 *
 * ```text
 * wait' = improved ? 0 : wait + 1
 * if wait' >= patience:  lr' = factor · lr,  wait' = 0      (reduced)
 * stop  = lr' < floor
 * ```
 *
 * @param schedule a checked plateau schedule
 * @param state the rate and the count of epochs without improvement before this epoch
 * @param improved whether this epoch's validation loss is below the best before it
 * @returns the next state, whether the rate was lowered, and whether the run stops
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { plateauStep } from "./schedule.ts";
 * const schedule = { kind: "plateau" as const, factor: 0.5, patience: 2, floor: 0.03 };
 * let state = { lr: 0.1, wait: 0 };
 * const trace = [true, false, false, false, false].map((improved) => {
 *   const next = plateauStep(schedule, state, improved);
 *   state = next.state;
 *   return [state.lr, next.reduced, next.stop];
 * });
 * assertEquals(trace, [
 *   [0.1, false, false],
 *   [0.1, false, false],
 *   [0.05, true, false],   // two epochs without improvement: halve
 *   [0.05, false, false],
 *   [0.025, true, true],   // halved again, below the floor: stop
 * ]);
 * ```
 */
export function plateauStep(
  schedule: PlateauSchedule,
  state: PlateauState,
  improved: boolean,
): PlateauDecision {
  const wait = improved ? 0 : state.wait + 1;
  const reduced = wait >= (schedule.patience ?? 1);
  const lr = reduced ? state.lr * schedule.factor : state.lr;
  return { state: { lr, wait: reduced ? 0 : wait }, reduced, stop: lr < (schedule.floor ?? 0) };
}

const SHAPES = '{ kind: "constant" }, { kind: "decay", rate }, { kind: "step", every, factor } ' +
  'or { kind: "plateau", factor, patience?, floor?, restore? }';

// The fields each kind has, `kind` included.
const FIELDS: Record<Schedule["kind"], readonly string[]> = {
  constant: ["kind"],
  decay: ["kind", "rate"],
  step: ["kind", "every", "factor"],
  plateau: ["kind", "factor", "patience", "floor", "restore"],
};

/**
 * Throws unless `schedule` is a valid {@linkcode Schedule}:
 *
 * - `{ kind: "constant" }`;
 * - `{ kind: "decay", rate }` with `rate` a finite number `>= 0` (`lr_t = lr_0 / (1 + rate·t)`);
 * - `{ kind: "step", every, factor }` with `every` a positive integer (epochs) and `factor` a
 *   finite number `> 0` (`lr_t = lr_0 · factor^floor(e / every)`);
 * - `{ kind: "plateau", factor, patience?, floor?, restore? }` with `factor` in `(0, 1)`,
 *   `patience` a positive integer (epochs), `floor` a finite number `>= 0`, `restore` a boolean.
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
 *   'train: options.schedule.kind expected "constant", "decay", "step" or "plateau", got "cosine"',
 * );
 * ```
 */
export function checkSchedule(fn: string, arg: string, schedule: unknown): Schedule {
  if (schedule === null || typeof schedule !== "object" || Array.isArray(schedule)) {
    throw argError(fn, arg, `a schedule (${SHAPES})`, describeValue(schedule), TypeError);
  }
  const s = schedule as Record<string, unknown>;
  const kind = s.kind;
  if (kind !== "constant" && kind !== "decay" && kind !== "step" && kind !== "plateau") {
    const kinds = '"constant", "decay", "step" or "plateau"';
    throw argError(fn, `${arg}.kind`, kinds, describeValue(kind));
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
  } else if (kind === "plateau") {
    const factor = number("factor");
    if (!(factor > 0 && factor < 1)) {
      throw argError(fn, `${arg}.factor`, "a number in (0, 1)", describeValue(factor));
    }
    if (s.patience !== undefined) {
      const patience = number("patience");
      if (!Number.isInteger(patience) || patience < 1) {
        const expected = "a positive integer (epochs)";
        throw argError(fn, `${arg}.patience`, expected, describeValue(patience));
      }
    }
    if (s.floor !== undefined) {
      const floor = number("floor");
      if (!(floor >= 0) || !Number.isFinite(floor)) {
        throw argError(fn, `${arg}.floor`, "a finite number >= 0", describeValue(floor));
      }
    }
    if (s.restore !== undefined && typeof s.restore !== "boolean") {
      throw argError(fn, `${arg}.restore`, "a boolean", describeValue(s.restore), TypeError);
    }
  }
  return schedule as Schedule;
}
