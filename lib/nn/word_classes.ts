/**
 * Word classes for a class-factored output layer: which class each word belongs to, and the
 * words of each class.
 *
 * ```text
 * frequency binning   sort the words by count, largest first; cut the list into C runs of
 *                     about equal count mass Σ count / C   (Mikolov et al. 2011, section 3)
 * layout              words of class c = words[start[c] .. start[c+1]),  slot[w] = position of w
 * ```
 *
 * Frequent words get small classes (the most frequent word of Brown, "the", holds about 6 % of
 * the tokens, more than a whole bin when C = 118, so it is a class of its own), rare words share
 * large ones. Every class holds at least one word.
 *
 * @module
 */

import { argError, describeValue } from "../errors.ts";

/**
 * The class structure that the class-factored softmax (`./class_softmax.ts`) reads: the class of
 * every word and, for every class, its words. Made by {@linkcode classLayout}; all arrays are
 * fresh and never changed after.
 */
export interface ClassLayout {
  /** `C`, the number of classes. */
  readonly classes: number;
  /** `classOf[w]`, the class of word `w`, `[|V|]`. */
  readonly classOf: Int32Array;
  /** The words of class `c` are `words[start[c]]` … `words[start[c+1] − 1]`, `[C + 1]`. */
  readonly start: Int32Array;
  /** Every word, grouped by class; in increasing word index within a class, `[|V|]`. */
  readonly words: Int32Array;
  /** `slot[w]`, the position of `w` within its class: `words[start[classOf[w]] + slot[w]] = w`. */
  readonly slot: Int32Array;
}

function positiveInteger(fn: string, arg: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw argError(fn, arg, "a positive integer", describeValue(value));
  }
  return value;
}

function arrayLike(fn: string, arg: string, value: unknown): ArrayLike<unknown> {
  if (
    value === null || typeof value !== "object" ||
    typeof (value as ArrayLike<unknown>).length !== "number"
  ) {
    throw argError(fn, arg, "an array of numbers", describeValue(value), TypeError);
  }
  const a = value as ArrayLike<unknown>;
  if (a.length === 0) throw argError(fn, arg, "at least one word", "an empty array");
  return a;
}

/**
 * Frequency-binned classes (Mikolov et al. 2011, "Extensions of recurrent neural network
 * language model", section 3): the words sorted by count, largest first (ties: smaller index
 * first), then cut into `C` consecutive runs of about equal count mass. The word at position
 * `k` of that order goes to the bin in which its mass begins,
 *
 * ```text
 * c_k = floor(C · (Σ_{j<k} count_j) / Σ_j count_j)
 * ```
 *
 * held to `c_{k−1} ≤ c_k ≤ c_{k−1} + 1` and to leaving one word for every later class, so no
 * class is empty and each class is a run of the sorted list. A word too frequent for one bin
 * takes a class of its own.
 *
 * @param counts how often each word was seen in the training text (`Vocabulary.toJSON().counts`),
 * finite numbers `>= 0` with a positive sum, one per word
 * @param classes `C`, an integer in `[1, |V|]`
 * @returns `classOf`, the class of every word, `[|V|]`
 * @throws {TypeError} when `counts` is not array-like
 * @throws {RangeError} for a bad count, a zero total, or `C` outside `[1, |V|]`
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { frequencyClasses } from "./word_classes.ts";
 * // mass 100: "a" (50) fills the first half alone; the rest share the second half
 * assertEquals(Array.from(frequencyClasses([5, 50, 10, 30, 5], 2)), [1, 0, 1, 1, 1]);
 * ```
 */
export function frequencyClasses(counts: ArrayLike<number>, classes: number): Int32Array {
  const fn = "frequencyClasses";
  const c = arrayLike(fn, "counts", counts);
  const V = c.length;
  let total = 0;
  for (let w = 0; w < V; w++) {
    const n = c[w];
    if (typeof n !== "number" || !Number.isFinite(n) || n < 0) {
      throw argError(fn, `counts[${w}]`, "a finite count >= 0", describeValue(n));
    }
    total += n;
  }
  if (!(total > 0)) throw argError(fn, "counts", "a positive total", "counts that sum to 0");
  const C = positiveInteger(fn, "classes", classes);
  if (C > V) throw argError(fn, "classes", `at most ${V} (one word per class)`, `${C}`);

  const order = Array.from({ length: V }, (_, w) => w);
  order.sort((a, b) => (counts[b] - counts[a]) || (a - b));
  const classOf = new Int32Array(V);
  let before = 0, current = 0;
  for (let k = 0; k < V; k++) {
    const w = order[k];
    const bin = Math.min(C - 1, Math.floor((C * before) / total));
    const lowest = Math.max(current, C - (V - k)); // later classes still need a word each
    const highest = k === 0 ? 0 : current + 1; // classes are consecutive runs
    current = Math.min(Math.max(bin, lowest), highest);
    classOf[w] = current;
    before += counts[w];
  }
  return classOf;
}

/**
 * The layout of a class assignment: for every class, its words (in increasing index) and, for
 * every word, its position within its class. Refuses an assignment with an empty class.
 *
 * @param classOf the class of every word, integers in `[0, C)`, at least one word
 * @param classes `C`, a positive integer
 * @returns a {@linkcode ClassLayout} of fresh arrays
 * @throws {TypeError} when `classOf` is not array-like
 * @throws {RangeError} for a class outside `[0, C)`, not an integer, or a class with no word
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { classLayout } from "./word_classes.ts";
 * const layout = classLayout([1, 0, 1, 1], 2);
 * assertEquals(Array.from(layout.start), [0, 1, 4]);
 * assertEquals(Array.from(layout.words), [1, 0, 2, 3]); // class 0: word 1; class 1: 0, 2, 3
 * assertEquals(Array.from(layout.slot), [0, 0, 1, 2]);
 * ```
 */
export function classLayout(classOf: ArrayLike<number>, classes: number): ClassLayout {
  const fn = "classLayout";
  const a = arrayLike(fn, "classOf", classOf);
  const C = positiveInteger(fn, "classes", classes);
  const V = a.length;
  const of = new Int32Array(V);
  const size = new Int32Array(C);
  for (let w = 0; w < V; w++) {
    const c = a[w];
    if (typeof c !== "number" || !Number.isInteger(c) || c < 0 || c >= C) {
      throw argError(fn, `classOf[${w}]`, `a class in [0, ${C})`, describeValue(c));
    }
    of[w] = c;
    size[c]++;
  }
  const start = new Int32Array(C + 1);
  for (let c = 0; c < C; c++) {
    if (size[c] === 0) {
      throw argError(fn, "classOf", `every class in [0, ${C}) used`, `no word in class ${c}`);
    }
    start[c + 1] = start[c] + size[c];
  }
  const words = new Int32Array(V);
  const slot = new Int32Array(V);
  const filled = new Int32Array(C);
  for (let w = 0; w < V; w++) {
    const c = of[w];
    slot[w] = filled[c]++;
    words[start[c] + slot[w]] = w;
  }
  return Object.freeze({ classes: C, classOf: of, start, words, slot });
}
