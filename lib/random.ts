/**
 * A seeded random number generator: the only source of randomness in the library.
 *
 * Every function that needs randomness (initialisation, dropout masks, shuffling, sampling)
 * takes an {@linkcode Rng} argument; nothing reads a global generator. The same seed gives the
 * same numbers on every run and every machine, because the generator uses only 32-bit integer
 * arithmetic (`Math.imul`, shifts), which JavaScript defines exactly.
 *
 * The algorithm is xoshiro128** (Blackman and Vigna, "Scrambled linear pseudorandom number
 * generators", 2021), seeded by running the 32-bit SplitMix-style mixer over the seed so that
 * nearby seeds give unrelated streams.
 *
 * Seeds are safe integers (`Number.isSafeInteger`: integers of magnitude at most `2^53 − 1`);
 * anything else (`0.5`, `NaN`, `Infinity`, `1e300`) is refused with a `RangeError`, a non-number
 * with a `TypeError`. Every bit of the seed counts: distinct seeds give distinct starting states,
 * so `new Rng(0)` and `new Rng(2 ** 32)` are different streams. A seed in `[0, 2^32)` gives the
 * same numbers as it always has (the high word is zero and leaves the state as it was), so saved
 * results and figures made with such seeds replay unchanged.
 *
 * @module
 */

import { argError, describeValue } from "./errors.ts";

/** A state that {@linkcode Rng.fromState} can resume from. */
export type RngState = readonly [number, number, number, number];

function mix32(z: number): number {
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * A seeded generator of uniform, normal and categorical draws.
 *
 * An `Rng` is explicit state that advances as it draws: pass it to the functions that need
 * randomness, and create a new one with the same seed to replay the same numbers.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { Rng } from "./random.ts";
 * const a = new Rng(42), b = new Rng(42);
 * assertEquals([a.uniform(), a.normal(), a.int(10)], [b.uniform(), b.normal(), b.int(10)]);
 * ```
 */
export class Rng {
  #s0: number;
  #s1: number;
  #s2: number;
  #s3: number;

  /**
   * A generator seeded from a safe integer.
   *
   * ```text
   * lo = the low 32 bits of seed, hi = the high 32 bits (two's complement for seed < 0)
   * s_k = mix32(lo + (k + 1)·0x9e3779b9) XOR mix32(hi·C_k)     k = 0 … 3,  C_0 = 0
   * ```
   *
   * `mix32` (a SplitMix-style finaliser) and multiplication by an odd `C_k` are bijections of
   * 32-bit words, so `s_0` fixes `lo` and then `s_1` fixes `hi`: distinct seeds give distinct
   * states. With `hi = 0` (seeds in `[0, 2^32)`) every `mix32(hi·C_k)` is 0, which keeps those
   * seeds' streams as they were before the high word was mixed in. The one state xoshiro cannot
   * leave, all zero, is out of reach: `s_0 = 0` only for `lo = 2^32 − 0x9e3779b9`, and `s_1` is then
   * 0 only for a high word that no safe integer has.
   *
   * @param seed a safe integer, `−(2^53 − 1) … 2^53 − 1`; the same seed gives the same stream
   * @throws {TypeError} when `seed` is not a number
   * @throws {RangeError} when `seed` is not a safe integer (a fraction, NaN, ±Infinity, 1e300)
   *
   * @example
   * ```ts
   * import { assertNotEquals, assertThrows } from "@std/assert";
   * import { Rng } from "./random.ts";
   * assertNotEquals(new Rng(0).state(), new Rng(2 ** 32 + 0x9e3779b9).state());
   * assertThrows(() => new Rng(1e300), RangeError, "Rng: seed expected a safe integer");
   * ```
   */
  constructor(seed: number) {
    if (typeof seed !== "number") {
      throw argError("Rng", "seed", "a safe integer", describeValue(seed), TypeError);
    }
    if (!Number.isSafeInteger(seed)) {
      throw argError(
        "Rng",
        "seed",
        "a safe integer (an integer in [-(2^53 - 1), 2^53 - 1])",
        describeValue(seed),
      );
    }
    const lo = seed >>> 0;
    const hi = Math.floor(seed / 4294967296) >>> 0;
    let z = lo;
    const next = () => {
      z = (z + 0x9e3779b9) >>> 0;
      return mix32(z);
    };
    this.#s0 = next();
    this.#s1 = (next() ^ mix32(Math.imul(hi, 0x85ebca6b))) >>> 0;
    this.#s2 = (next() ^ mix32(Math.imul(hi, 0xc2b2ae35))) >>> 0;
    this.#s3 = (next() ^ mix32(Math.imul(hi, 0x27d4eb2f))) >>> 0;
  }

  /**
   * A generator that resumes from a saved {@linkcode RngState}.
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { Rng } from "./random.ts";
   * const a = new Rng(1);
   * a.uniform();
   * const b = Rng.fromState(a.state());
   * assertEquals(a.uniform(), b.uniform());
   * ```
   */
  static fromState(state: RngState): Rng {
    if (
      !Array.isArray(state as unknown) || state.length !== 4 ||
      !state.every((x) => Number.isInteger(x) && x >= 0 && x <= 0xffffffff) ||
      state.every((x) => x === 0)
    ) {
      throw argError(
        "Rng.fromState",
        "state",
        "four 32-bit unsigned integers, not all zero",
        describeValue(state),
      );
    }
    const rng = new Rng(0);
    [rng.#s0, rng.#s1, rng.#s2, rng.#s3] = state;
    return rng;
  }

  /** The current state, to save and resume with {@linkcode Rng.fromState}. */
  state(): RngState {
    return [this.#s0 >>> 0, this.#s1 >>> 0, this.#s2 >>> 0, this.#s3 >>> 0];
  }

  /** The next 32 random bits as an unsigned integer in `[0, 2^32)` (xoshiro128**). */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.#s1, 5), 7), 9) >>> 0;
    const t = this.#s1 << 9;
    this.#s2 ^= this.#s0;
    this.#s3 ^= this.#s1;
    this.#s1 ^= this.#s2;
    this.#s0 ^= this.#s3;
    this.#s2 ^= t;
    this.#s3 = rotl(this.#s3, 11);
    return result;
  }

  /**
   * A uniform draw from `[0, 1)` with 53 random bits.
   *
   * @example
   * ```ts
   * import { assert } from "@std/assert";
   * import { Rng } from "./random.ts";
   * const u = new Rng(7).uniform();
   * assert(u >= 0 && u < 1);
   * ```
   */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /**
   * A normal draw `mean + std * z`, `z ~ N(0, 1)` by the Box–Muller transform
   * `z = sqrt(-2 ln u1) cos(2 pi u2)` (one draw per call, so the stream has no hidden cache).
   *
   * @example
   * ```ts
   * import { assert } from "@std/assert";
   * import { Rng } from "./random.ts";
   * const rng = new Rng(3);
   * let sum = 0;
   * for (let i = 0; i < 10000; i++) sum += rng.normal();
   * assert(Math.abs(sum / 10000) < 0.05);
   * ```
   */
  normal(mean = 0, std = 1): number {
    const u1 = 1 - this.uniform(); // in (0, 1], so the log is finite
    const u2 = this.uniform();
    return mean + std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /**
   * A uniform integer in `[0, n)`, without modulo bias (rejection sampling).
   *
   * @example
   * ```ts
   * import { assert } from "@std/assert";
   * import { Rng } from "./random.ts";
   * const k = new Rng(5).int(6);
   * assert(Number.isInteger(k) && k >= 0 && k < 6);
   * ```
   */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 4294967296) {
      throw argError("Rng.int", "n", "an integer in [1, 2^32]", describeValue(n));
    }
    const limit = 4294967296 - (4294967296 % n); // largest multiple of n that fits
    let x: number;
    do x = this.nextUint32(); while (x >= limit);
    return x % n;
  }

  /**
   * A draw from the categorical distribution `P(k) = weights[k] / sum(weights)`, by inverting
   * the cumulative sum. Weights need not sum to 1 but must be finite, non-negative and not all
   * zero.
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { Rng } from "./random.ts";
   * assertEquals(new Rng(0).categorical([0, 0, 1]), 2);
   * ```
   */
  categorical(weights: ArrayLike<number>): number {
    let total = 0;
    for (let k = 0; k < weights.length; k++) {
      const w = weights[k];
      if (!(w >= 0) || !Number.isFinite(w)) {
        throw argError(
          "Rng.categorical",
          `weights[${k}]`,
          "a finite non-negative number",
          describeValue(w),
        );
      }
      total += w;
    }
    if (!(total > 0)) {
      throw argError(
        "Rng.categorical",
        "weights",
        "a positive sum",
        `${total} over ${weights.length} weights`,
      );
    }
    const u = this.uniform() * total;
    let cumulative = 0;
    let last = 0;
    for (let k = 0; k < weights.length; k++) {
      if (weights[k] === 0) continue;
      cumulative += weights[k];
      last = k;
      if (u < cumulative) return k;
    }
    return last; // u landed in the rounding gap at the very top
  }

  /**
   * A uniformly random permutation of `0 .. n-1` (Fisher–Yates), e.g. to shuffle minibatches.
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { Rng } from "./random.ts";
   * const p = new Rng(9).permutation(5);
   * assertEquals(Array.from(p).sort(), [0, 1, 2, 3, 4]);
   * ```
   */
  permutation(n: number): Int32Array {
    if (!Number.isInteger(n) || n < 0) {
      throw argError("Rng.permutation", "n", "a non-negative integer", describeValue(n));
    }
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  /**
   * A new generator seeded from this one's next draws: an independent stream for a sub-task
   * (say, dropout masks) that does not shift this one's later draws by how many it used.
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { Rng } from "./random.ts";
   * const a = new Rng(1).split(), b = new Rng(1).split();
   * assertEquals(a.uniform(), b.uniform());
   * ```
   */
  split(): Rng {
    const rng = new Rng(0);
    rng.#s0 = mix32(this.nextUint32());
    rng.#s1 = mix32(this.nextUint32());
    rng.#s2 = mix32(this.nextUint32());
    rng.#s3 = mix32(this.nextUint32()) | 1;
    return rng;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
