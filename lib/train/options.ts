/**
 * The options of a training run, checked and with their defaults filled in, before any work.
 *
 * @module
 */

import { argError, describeValue } from "../errors.ts";
import { Rng } from "../random.ts";
import { DEFAULT_TRAIN_OPTIONS, type TrainDefaults } from "../recipes.ts";
import { checkSchedule } from "../schedule.ts";
import type { TrainOptions } from "../train.ts";

/** Every training option, defaults filled in. */
export type ResolvedTrainOptions = TrainDefaults & Pick<TrainOptions, "maxStepsPerEpoch">;

/**
 * The options of a run with {@linkcode DEFAULT_TRAIN_OPTIONS} filled in, every value checked;
 * an error names the option (`train: options.lr expected …`).
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { resolveTrainOptions } from "./options.ts";
 * assertEquals(resolveTrainOptions("train", { lr: 0.5 }).lr, 0.5);
 * assertThrows(() => resolveTrainOptions("train", { momentum: 1 }), RangeError, "options.momentum");
 * ```
 */
export function resolveTrainOptions(fn: string, options: TrainOptions): ResolvedTrainOptions {
  const o = { ...DEFAULT_TRAIN_OPTIONS, ...dropUndefined(options) };
  const check = (name: string, ok: boolean, expected: string, value: unknown) => {
    if (!ok) throw argError(fn, `options.${name}`, expected, describeValue(value));
  };
  const positiveInt = (v: unknown) => Number.isInteger(v) && (v as number) >= 1;
  check("epochs", positiveInt(o.epochs), "a positive integer", o.epochs);
  check("batchSize", positiveInt(o.batchSize), "a positive integer", o.batchSize);
  check("lr", Number.isFinite(o.lr) && o.lr > 0, "a finite number > 0", o.lr);
  check("momentum", o.momentum >= 0 && o.momentum < 1, "a number in [0, 1)", o.momentum);
  check(
    "weightDecay",
    Number.isFinite(o.weightDecay) && o.weightDecay >= 0,
    "a finite number >= 0",
    o.weightDecay,
  );
  check(
    "patience",
    positiveInt(o.patience) || o.patience === Infinity,
    "a positive integer or Infinity",
    o.patience,
  );
  if (o.maxStepsPerEpoch !== undefined) {
    check(
      "maxStepsPerEpoch",
      positiveInt(o.maxStepsPerEpoch),
      "a positive integer",
      o.maxStepsPerEpoch,
    );
  }
  check(
    "engine",
    o.engine === "fast" || o.engine === "reference",
    `"fast" or "reference"`,
    o.engine,
  );
  checkSchedule(fn, "options.schedule", o.schedule);
  new Rng(o.seed); // refuses a seed it cannot take
  return {
    epochs: o.epochs,
    batchSize: o.batchSize,
    lr: o.lr,
    momentum: o.momentum,
    schedule: o.schedule,
    weightDecay: o.weightDecay,
    seed: o.seed,
    patience: o.patience,
    engine: o.engine,
    maxStepsPerEpoch: o.maxStepsPerEpoch,
  };
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
