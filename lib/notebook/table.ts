/**
 * Tables for notebooks as nodejs-polars DataFrames: training history, vocabulary, training
 * windows. A DataFrame displays as an HTML table in the Deno kernel by itself, and can be
 * filtered, sorted and summarised with polars' own methods (`df.sort("count", true)`,
 * `df.describe()`, `df.filter(pl.col("count").gt(10))`).
 *
 * The frames hold full-precision numbers; {@linkcode roundForDisplay} makes a copy rounded for
 * reading (`2.389` instead of `2.3890644319876384`), so a notebook shows the rounded copy and
 * keeps the full one for computing.
 *
 * This module loads polars' native add-on, so it stays out of `lib/mod.ts`: import it (or
 * `lib/notebook/mod.ts`) only where tables are wanted.
 *
 * @module
 */

import pl from "nodejs-polars";
import { argError, describeValue } from "../errors.ts";
import { IndexMatrix } from "../tensor.ts";
import type { EpochRecord, History, StepRecord } from "../train.ts";

/** A nodejs-polars DataFrame. */
export type DataFrame = pl.DataFrame;

function arrayOf<T>(fn: string, arg: string, value: unknown, what: string): readonly T[] {
  if (!Array.isArray(value)) throw argError(fn, arg, what, describeValue(value), TypeError);
  return value as readonly T[];
}

/** `NaN` (the history's "no validation set") as a missing value, other numbers as they are. */
function missingIfNaN(v: number): number | null {
  return Number.isNaN(v) ? null : v;
}

/**
 * The history of a training run as two tables.
 *
 * ```text
 * steps:  step  epoch  loss  lr  examples_per_s                       one row per update
 * epochs: epoch  train_loss  train_ppl  valid_loss  valid_ppl  lr      one row per epoch
 *         examples_per_s  seconds
 * ```
 *
 * `step` and `epoch` are `Int32`, the rest `Float64`; `valid_loss` and `valid_ppl` are null for
 * a run without validation data (the history records `NaN`).
 *
 * @param history `train(...).history`
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { historyFrame } from "./table.ts";
 * const { steps, epochs } = historyFrame({
 *   steps: [{ step: 1, epoch: 1, loss: 2.5, lr: 0.1, examplesPerSecond: 1000 }],
 *   epochs: [{
 *     epoch: 1, trainLoss: 2.5, trainPerplexity: Math.exp(2.5), validLoss: NaN,
 *     validPerplexity: NaN, lr: 0.1, examplesPerSecond: 1000, seconds: 0.5,
 *   }],
 * });
 * assertEquals(steps.columns, ["step", "epoch", "loss", "lr", "examples_per_s"]);
 * assertEquals(epochs.getColumn("valid_loss").isNull().toArray(), [true]); // no validation
 * ```
 */
export function historyFrame(history: History): { steps: DataFrame; epochs: DataFrame } {
  const fn = "historyFrame";
  if (history === null || typeof history !== "object") {
    throw argError(fn, "history", "{ steps, epochs } (train(...).history)", describeValue(history));
  }
  const steps = arrayOf<StepRecord>(fn, "history.steps", history.steps, "an array of StepRecord");
  const epochs = arrayOf<EpochRecord>(
    fn,
    "history.epochs",
    history.epochs,
    "an array of EpochRecord",
  );
  return {
    steps: pl.DataFrame([
      pl.Series("step", steps.map((s) => s.step), pl.Int32),
      pl.Series("epoch", steps.map((s) => s.epoch), pl.Int32),
      pl.Series("loss", steps.map((s) => s.loss), pl.Float64),
      pl.Series("lr", steps.map((s) => s.lr), pl.Float64),
      pl.Series("examples_per_s", steps.map((s) => s.examplesPerSecond), pl.Float64),
    ]),
    epochs: pl.DataFrame([
      pl.Series("epoch", epochs.map((e) => e.epoch), pl.Int32),
      pl.Series("train_loss", epochs.map((e) => e.trainLoss), pl.Float64),
      pl.Series("train_ppl", epochs.map((e) => e.trainPerplexity), pl.Float64),
      pl.Series("valid_loss", epochs.map((e) => missingIfNaN(e.validLoss)), pl.Float64),
      pl.Series("valid_ppl", epochs.map((e) => missingIfNaN(e.validPerplexity)), pl.Float64),
      pl.Series("lr", epochs.map((e) => e.lr), pl.Float64),
      pl.Series("examples_per_s", epochs.map((e) => e.examplesPerSecond), pl.Float64),
      pl.Series("seconds", epochs.map((e) => e.seconds), pl.Float64),
    ]),
  };
}

/**
 * A vocabulary as a table, most frequent word first:
 *
 * ```text
 * rank  index  word  count  frequency        frequency = count / Σ counts
 * ```
 *
 * `rank` counts from 1 by descending count (ties keep the given order); `index` is the word's
 * position in `words`, its row of the embedding matrix. With Zipf's law in mind, plot `count`
 * against `rank` on log-log axes.
 *
 * @param words the vocabulary's tokens (`vocab.tokens`)
 * @param counts their counts in the corpus, one non-negative integer per word
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { vocabularyFrame } from "./table.ts";
 * const df = vocabularyFrame(["<unk>", "the", "cat"], [1, 6, 3]); // total 10
 * assertEquals(df.getColumn("word").toArray(), ["the", "cat", "<unk>"]);
 * assertEquals(df.getColumn("index").toArray(), [1, 2, 0]);
 * assertEquals(df.getColumn("frequency").toArray(), [0.6, 0.3, 0.1]);
 * ```
 */
export function vocabularyFrame(words: readonly string[], counts: ArrayLike<number>): DataFrame {
  const fn = "vocabularyFrame";
  arrayOf<string>(fn, "words", words, "an array of strings");
  if (counts === null || typeof counts !== "object" || typeof counts.length !== "number") {
    throw argError(fn, "counts", "an array of counts", describeValue(counts), TypeError);
  }
  if (counts.length !== words.length) {
    throw argError(fn, "counts", `${words.length} counts (one per word)`, `${counts.length}`);
  }
  let total = 0;
  for (let i = 0; i < words.length; i++) {
    if (typeof words[i] !== "string") {
      throw argError(fn, `words[${i}]`, "a string", describeValue(words[i]), TypeError);
    }
    const c = counts[i];
    if (!Number.isInteger(c) || c < 0) {
      throw argError(fn, `counts[${i}]`, "a non-negative integer", describeValue(c));
    }
    total += c;
  }
  // Array.prototype.sort is stable, so equal counts keep the vocabulary's order.
  const order = Array.from({ length: words.length }, (_, i) => i)
    .sort((a, b) => counts[b] - counts[a]);
  return pl.DataFrame([
    pl.Series("rank", order.map((_, r) => r + 1), pl.Int32),
    pl.Series("index", order, pl.Int32),
    pl.Series("word", order.map((i) => words[i]), pl.String),
    pl.Series("count", order.map((i) => counts[i]), pl.Int64),
    pl.Series("frequency", order.map((i) => total > 0 ? counts[i] / total : NaN), pl.Float64),
  ]);
}

/**
 * Training windows as a table, one row per example: the context words, oldest first, then the
 * word to predict:
 *
 * ```text
 * t-3    t-2    t-1    target          (contextSize 3)
 * </s>   </s>   </s>   the
 * </s>   </s>   the    cat
 * ```
 *
 * Give words (`string[][]` and `string[]`), or indices (an {@linkcode IndexMatrix} of contexts
 * and the targets) with the vocabulary's `words` to show them as words; without `words`, the
 * columns hold the indices.
 *
 * @param contexts `[N, k]` context indices, or `N` arrays of `k` words
 * @param targets `N` target indices, or `N` words
 * @param words the vocabulary's tokens, to turn indices into words
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { windowsFrame } from "./table.ts";
 * import { indexMatrix } from "../tensor.ts";
 * const words = ["<unk>", "</s>", "the", "cat"];
 * const df = windowsFrame(indexMatrix([[1, 1], [1, 2]]), [2, 3], words);
 * assertEquals(df.columns, ["t-2", "t-1", "target"]);
 * assertEquals(df.getColumn("t-1").toArray(), ["</s>", "the"]);
 * assertEquals(df.getColumn("target").toArray(), ["the", "cat"]);
 * ```
 */
export function windowsFrame(
  contexts: IndexMatrix | readonly (readonly string[])[],
  targets: ArrayLike<number> | readonly string[],
  words?: readonly string[],
): DataFrame {
  const fn = "windowsFrame";
  if (words !== undefined) arrayOf<string>(fn, "words", words, "an array of strings");
  // An index becomes its word when `words` is given; a word stays a word.
  const toWord = (arg: string, v: unknown): string | number => {
    if (typeof v === "string") return v;
    if (!Number.isInteger(v)) {
      throw argError(fn, arg, "a word or an integer index", describeValue(v), TypeError);
    }
    if (words === undefined) return v as number;
    if ((v as number) < 0 || (v as number) >= words.length) {
      throw argError(fn, arg, `an index in [0, ${words.length}) (the vocabulary size)`, `${v}`);
    }
    return words[v as number];
  };

  let n: number, k: number;
  let contextAt: (i: number, j: number) => unknown;
  if (contexts instanceof IndexMatrix) {
    [n, k] = contexts.shape;
    contextAt = (i, j) => contexts.get(i, j);
  } else {
    const rows = arrayOf<readonly string[]>(
      fn,
      "contexts",
      contexts,
      "an IndexMatrix or an array of word arrays",
    );
    n = rows.length;
    k = n > 0 && Array.isArray(rows[0]) ? rows[0].length : 0;
    rows.forEach((row, i) => {
      if (!Array.isArray(row) || row.length !== k) {
        throw argError(fn, `contexts[${i}]`, `${k} words (as contexts[0])`, describeValue(row));
      }
      row.forEach((w, j) => {
        if (typeof w !== "string") {
          throw argError(fn, `contexts[${i}][${j}]`, "a word", describeValue(w), TypeError);
        }
      });
    });
    contextAt = (i, j) => rows[i][j];
  }
  if (targets === null || typeof targets !== "object" || typeof targets.length !== "number") {
    throw argError(fn, "targets", "an array of targets", describeValue(targets), TypeError);
  }
  if (targets.length !== n) {
    throw argError(fn, "targets", `${n} targets (one per context)`, `${targets.length}`);
  }

  const columns: { name: string; values: (string | number)[] }[] = [];
  for (let j = 0; j < k; j++) {
    const values: (string | number)[] = [];
    for (let i = 0; i < n; i++) values.push(toWord(`contexts[${i}][${j}]`, contextAt(i, j)));
    columns.push({ name: `t-${k - j}`, values });
  }
  const targetValues: (string | number)[] = [];
  for (let i = 0; i < n; i++) targetValues.push(toWord(`targets[${i}]`, targets[i]));
  columns.push({ name: "target", values: targetValues });

  return pl.DataFrame(columns.map(({ name, values }) => {
    // Indices without `words` stay numbers; a column is all numbers or all words.
    const numeric = values.length > 0 && typeof values[0] === "number";
    values.forEach((v, i) => {
      if ((typeof v === "number") !== numeric) {
        throw argError(fn, `${name}[${i}]`, numeric ? "an index" : "a word", describeValue(v));
      }
    });
    return numeric ? pl.Series(name, values, pl.Int32) : pl.Series(name, values, pl.String);
  }));
}

/**
 * `x` rounded to `digits` significant digits, but never past the decimal point: a number of
 * `digits` or more integer digits is rounded to an integer, not to a coarser power of ten.
 *
 * ```text
 * roundSignificant(2.3890644319876384, 4) = 2.389
 * roundSignificant(0.000545787376, 4)     = 0.0005458
 * roundSignificant(38745.72111339465, 4)  = 38746
 * ```
 *
 * `0`, `NaN` and `±Infinity` come back as they are.
 *
 * @param x any number
 * @param digits significant digits, an integer in `[1, 100]`
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { roundSignificant } from "./table.ts";
 * assertEquals(roundSignificant(2.3890644319876384, 4), 2.389);
 * assertEquals(roundSignificant(-6.716848951471408e-9, 3), -6.72e-9);
 * assertEquals(roundSignificant(38745.72111339465, 4), 38746);
 * ```
 */
export function roundSignificant(x: number, digits: number): number {
  checkDigits("roundSignificant", "digits", digits);
  if (typeof x !== "number") {
    throw argError("roundSignificant", "x", "a number", describeValue(x), TypeError);
  }
  if (x === 0 || !Number.isFinite(x)) return x;
  if (Math.abs(x) >= 10 ** (digits - 1)) return Math.round(x);
  return Number(x.toPrecision(digits));
}

function checkDigits(fn: string, arg: string, digits: unknown): void {
  if (!Number.isInteger(digits) || (digits as number) < 1 || (digits as number) > 100) {
    throw argError(
      fn,
      arg,
      "an integer number of significant digits in [1, 100]",
      describeValue(digits),
    );
  }
}

/** Options of {@linkcode roundForDisplay}. */
export interface RoundOptions {
  /** Significant digits of every float column (default 4). */
  digits?: number;
  /** Significant digits of particular columns, by name, in place of `digits`. */
  columns?: Readonly<Record<string, number>>;
}

/**
 * A copy of a DataFrame for reading: every float column (`Float64`, `Float32`) rounded with
 * {@linkcode roundSignificant} to `digits` significant digits (4 unless asked otherwise), every
 * other column as it is. Nulls stay null; a rounded column is `Float64` (float32 cannot hold
 * `2.389` and would print `2.3889999389648438`). The frame given is not changed, so a cell can keep the
 * full-precision frame for computing and show the rounded one:
 *
 * ```ts ignore
 * const epochs = historyFrame(result.history).epochs;   // full precision
 * roundForDisplay(epochs);                              // what the cell shows
 * ```
 *
 * @param df the frame to show
 * @param options `digits` for every float column, `columns` for particular ones
 * @returns a new frame with the same columns, dtypes and rows
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import pl from "nodejs-polars";
 * import { roundForDisplay } from "./table.ts";
 * const df = pl.DataFrame({ loss: [2.3890644319876384, 0.5], rate: [38745.72111339465, 1.5] });
 * const shown = roundForDisplay(df, { columns: { rate: 2 } });
 * assertEquals(shown.getColumn("loss").toArray(), [2.389, 0.5]);
 * assertEquals(shown.getColumn("rate").toArray(), [38746, 1.5]);
 * assertEquals(df.getColumn("loss").toArray()[0], 2.3890644319876384); // the original is kept
 * ```
 */
export function roundForDisplay(df: DataFrame, options: RoundOptions = {}): DataFrame {
  const fn = "roundForDisplay";
  if (df === null || typeof df !== "object" || typeof (df as DataFrame).getColumns !== "function") {
    throw argError(fn, "df", "a polars DataFrame", describeValue(df), TypeError);
  }
  const digits = options.digits ?? 4;
  checkDigits(fn, "options.digits", digits);
  const perColumn = options.columns ?? {};
  for (const [name, d] of Object.entries(perColumn)) {
    if (!df.columns.includes(name)) {
      throw argError(
        fn,
        `options.columns`,
        `names of columns of df (${df.columns.join(", ")})`,
        JSON.stringify(name),
      );
    }
    checkDigits(fn, `options.columns[${JSON.stringify(name)}]`, d);
  }
  return pl.DataFrame(
    df.getColumns().map((column) => {
      const isFloat = column.dtype.equals(pl.Float64) || column.dtype.equals(pl.Float32);
      if (!isFloat) return column;
      const d = perColumn[column.name] ?? digits;
      const values = (column.toArray() as (number | null)[]).map((v) =>
        v === null ? null : roundSignificant(v, d)
      );
      // Float64 even for a Float32 column: float32's 2.389 would print as 2.3889999389648438.
      return pl.Series(column.name, values, pl.Float64);
    }),
  );
}
