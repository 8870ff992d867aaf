/**
 * The sampling exercise: a student's draw of a word from `softmax(scores / T)` with a given
 * `Rng`, checked against the library's `samplingDistribution` (lib/generate.ts).
 *
 * @module
 */

import { describeValue } from "../errors.ts";
import { samplingDistribution } from "../generate.ts";
import { Rng } from "../random.ts";
import { type CheckResult, findChange, Report, requireFunction } from "./report.ts";
import { num, row } from "./values.ts";

/** A draw of a word index from `softmax(scores / T)` using the generator `rng`. */
export type SampleWithTemperatureFn = (scores: number[], T: number, rng: Rng) => number;

const SAMPLE_SCORES: readonly number[] = [2, 1, 0.5, 0];
const SAMPLE_DRAWS = 4000;
/**
 * The chi-square statistic of a correct sampler over 4 words has 3 degrees of freedom; it
 * exceeds 30 with probability about 1.4e-6, so a correct sampler practically never fails, while
 * a wrong distribution gives hundreds at 4000 draws.
 */
const CHI_SQUARE_LIMIT = 30;

/**
 * Checks a student's sampler of a word index from `softmax(scores / T)`, drawing with the `Rng`
 * it is given, against the library's `samplingDistribution` (lib/generate.ts):
 *
 * - the draws follow `softmax(scores / T)` at `T = 1, 2, 0.5`: 4000 draws each, compared by a
 *   chi-square statistic (a correct sampler stays below 30);
 * - a small `T = 0.05` is nearly greedy (always the highest score), and `T = 0.001` still works
 *   (`scores / T` is huge: the maximum must be subtracted before `exp`);
 * - the same seed gives the same words and different seeds different words: randomness comes
 *   from `rng` only. A call of `Math.random` is detected and reported (while the check runs,
 *   `Math.random` is replaced by a seeded stand-in that counts its calls, so that even then the
 *   check gives the same verdict every time).
 *
 * @param fn the student's function `(scores: number[], T: number, rng: Rng) => number`
 * @returns the verdict; messages such as `the temperature is ignored` or `you called
 * Math.random`
 * @throws {TypeError} when `fn` is not a function
 *
 * @example
 * ```ts
 * import { assert, assertStringIncludes } from "@std/assert";
 * import { checkSampleWithTemperature } from "./sample_with_temperature.ts";
 * import type { Rng } from "../random.ts";
 * function sample(scores: number[], T: number, rng: Rng): number {
 *   const max = Math.max(...scores);
 *   const weights = scores.map((s) => Math.exp((s - max) / T));
 *   return rng.categorical(weights); // draws k with probability weights[k] / Σ weights
 * }
 * assert(checkSampleWithTemperature(sample).ok);
 * const noTemperature = (scores: number[], _T: number, rng: Rng) => sample(scores, 1, rng);
 * assertStringIncludes(
 *   checkSampleWithTemperature(noTemperature).messages.join("\n"),
 *   "the temperature is ignored",
 * );
 * ```
 */
export function checkSampleWithTemperature(fn: SampleWithTemperatureFn): CheckResult {
  requireFunction("checkSampleWithTemperature", fn, "(scores: number[], T: number, rng: Rng)");
  const report = new Report("sampling with temperature");
  const realRandom = Math.random;
  const standIn = new Rng(20030101);
  let randomCalls = 0;
  Math.random = () => {
    randomCalls++;
    return standIn.uniform();
  };
  try {
    checkSampling(fn, report, () => randomCalls);
  } finally {
    Math.random = realRandom;
  }
  return report.result();
}

/** Draws `n` words with one generator; the scores are one array shared by all calls. */
function drawMany(
  fn: SampleWithTemperatureFn,
  scores: number[],
  T: number,
  rng: Rng,
  n: number,
): unknown[] {
  const draws: unknown[] = [];
  for (let k = 0; k < n; k++) draws.push(fn(scores, T, rng));
  return draws;
}

/** Why a draw is not a word index, or `null` when every draw is one. */
function invalidDraw(draws: readonly unknown[], vocab: number): string | null {
  for (let k = 0; k < draws.length; k++) {
    const d = draws[k];
    if (typeof d !== "number" || !Number.isInteger(d) || d < 0 || d >= vocab) {
      return `draw ${k + 1} returned ${describeValue(d)}, expected a word index, an integer ` +
        `in [0, ${vocab})`;
    }
  }
  return null;
}

function chiSquare(counts: readonly number[], probs: ArrayLike<number>, n: number): number {
  let chi = 0;
  for (let k = 0; k < counts.length; k++) {
    const expected = n * probs[k];
    if (expected === 0) {
      if (counts[k] > 0) return Infinity;
      continue;
    }
    chi += (counts[k] - expected) ** 2 / expected;
  }
  return chi;
}

/**
 * Runs the sampling cases into `report`; `randomCalls` tells how often the student's code has
 * called `Math.random` so far.
 */
function checkSampling(
  fn: SampleWithTemperatureFn,
  report: Report,
  randomCalls: () => number,
): void {
  const scores = [...SAMPLE_SCORES];
  const vocab = scores.length;
  const pct = (x: number) => `${Math.round(100 * x)}%`;

  // The distribution at three temperatures.
  for (const [T, seed] of [[1, 1], [2, 2], [0.5, 3]]) {
    const name = `T = ${T}`;
    const run = report.attempt(
      name,
      { scores },
      (c) => drawMany(fn, c.scores as number[], T, new Rng(seed), SAMPLE_DRAWS),
    );
    if (report.todo) return;
    if (run === null) continue;
    const draws = run.value as unknown[];
    const invalid = invalidDraw(draws, vocab);
    if (invalid !== null) {
      report.fail(name, invalid);
      continue;
    }
    const counts = new Array(vocab).fill(0);
    for (const d of draws as number[]) counts[d]++;
    const want = samplingDistribution(scores, { temperature: T });
    const chi = chiSquare(counts, want, SAMPLE_DRAWS);
    if (chi <= CHI_SQUARE_LIMIT) continue;
    // The word whose share is furthest from what it should be.
    let worst = 0;
    for (let k = 1; k < vocab; k++) {
      if (
        Math.abs(counts[k] / SAMPLE_DRAWS - want[k]) >
          Math.abs(counts[worst] / SAMPLE_DRAWS - want[worst])
      ) worst = k;
    }
    let message = `the draws do not follow softmax(scores / T) for scores ${row(scores)}: ` +
      `word ${worst} came ${pct(counts[worst] / SAMPLE_DRAWS)} of the time, expected ` +
      `${pct(want[worst])} (chi-square ${num(chi)} over ${SAMPLE_DRAWS} draws; a correct ` +
      `sampler stays below ${CHI_SQUARE_LIMIT})`;
    const follows = (probs: ArrayLike<number>) =>
      chiSquare(counts, probs, SAMPLE_DRAWS) <= CHI_SQUARE_LIMIT;
    if (counts[0] === SAMPLE_DRAWS) {
      message += " — every draw was word 0, the highest score: that is greedy decoding; draw " +
        "from the distribution instead";
    } else if (T !== 1 && follows(samplingDistribution(scores))) {
      message += " — they follow softmax(scores): the temperature is ignored; divide the " +
        "scores by T";
    } else if (T !== 1 && follows(samplingDistribution(scores.map((s) => s * T)))) {
      message += " — they follow softmax(scores · T): divide the scores by T, do not multiply";
    } else if (follows(new Array(vocab).fill(1 / vocab))) {
      message += " — they look uniform: the probabilities must come from the scores";
    }
    report.fail(name, message);
  }

  // A small temperature is nearly greedy; a tiny one must not overflow.
  const hint = " — with a small T, scores / T is huge: subtract the largest score before exp";
  for (const [T, seed] of [[0.05, 4], [0.001, 5]]) {
    const name = `T = ${T}`;
    const n = 200;
    const run = report.attempt(
      name,
      { scores },
      (c) => drawMany(fn, c.scores as number[], T, new Rng(seed), n),
      T < 0.01 ? hint : "",
    );
    if (report.todo) return;
    if (run === null) continue;
    const draws = run.value as unknown[];
    const invalid = invalidDraw(draws, vocab);
    if (invalid !== null) {
      report.fail(name, invalid + (T < 0.01 ? hint : ""));
      continue;
    }
    const others = (draws as number[]).filter((d) => d !== 0).length;
    if (others > 0) {
      report.fail(
        name,
        `expected (almost) always word 0, the highest score, but ${others} of ${n} draws were ` +
          "other words: as T → 0, softmax(scores / T) approaches greedy decoding",
      );
    }
  }

  // Randomness from the given generator only.
  const name = "seeded draws";
  const run = report.attempt(name, { scores }, (c) => {
    const s = c.scores as number[];
    return [
      drawMany(fn, s, 1, new Rng(7), 50),
      drawMany(fn, s, 1, new Rng(7), 50),
      drawMany(fn, s, 1, new Rng(8), 50),
    ];
  });
  if (report.todo || run === null) return;
  const [first, again, other] = run.value as unknown[][];
  if (randomCalls() > 0) {
    report.fail(
      name,
      `you called Math.random (${randomCalls()} times): draw with the rng you were given ` +
        "(rng.uniform() or rng.categorical(weights)), so that the same seed gives the same words",
    );
  } else if (findChange("draws", first, again) !== null) {
    report.fail(
      name,
      "two runs with the same seed gave different words: take every random number from the " +
        "rng argument",
    );
  } else if (findChange("draws", first, other) === null) {
    report.fail(
      name,
      "seeds 7 and 8 gave the same 50 words: the draws must come from the rng you were given " +
        "(not from a generator made inside the function)",
    );
  }
}
