/**
 * The vocabulary: a fixed, numbered list of tokens, so that text becomes integer indices that
 * can pick rows of an embedding matrix.
 *
 * Tokens are compared as exact strings: the vocabulary does not normalise them. The tokenizers
 * and the `TextPreprocessor` bring every token to Unicode NFC first, so that the two spellings of
 * `"café"` (one code point `é`, or `e` + a combining accent) are one entry; a caller who builds a
 * vocabulary from tokens of its own should do the same (`token.normalize("NFC")`).
 *
 * @module
 */

import { argError, describeValue } from "../errors.ts";

/** The default special tokens: index 0 stands for any unknown word, index 1 ends a line. */
export const DEFAULT_SPECIALS: readonly string[] = Object.freeze(["<unk>", "</s>"]);

/** Options of {@linkcode Vocabulary.build}. */
export interface VocabularyOptions {
  /** A word seen fewer times than this is left out and maps to `<unk>` (default 1: keep all). */
  minCount?: number;
  /**
   * The special tokens, placed first: `specials[0]` is the unknown token, `specials[1]` the
   * boundary token (line end and padding); more may follow. Default `["<unk>", "</s>"]`.
   */
  specials?: readonly string[];
  /** The largest vocabulary, specials included: only the most frequent words are kept. */
  maxSize?: number;
}

/** The plain-object form of a {@linkcode Vocabulary}, as {@linkcode Vocabulary.toJSON} writes it. */
export interface VocabularyJSON {
  /** Always `"mini-neural-lm/vocabulary"`: what this object is. */
  format: "mini-neural-lm/vocabulary";
  /** The layout version, `1`. */
  version: 1;
  /** The special tokens (also the first entries of `tokens`). */
  specials: string[];
  /** Every token, by index. */
  tokens: string[];
  /** `counts[i]`: how many tokens of the building stream encode to index `i`. */
  counts: number[];
  /** The `minCount` the vocabulary was built with. */
  minCount: number;
  /** The `maxSize` it was built with, or `null` for none. */
  maxSize: number | null;
}

const FORMAT = "mini-neural-lm/vocabulary";

function checkPositiveInteger(fn: string, arg: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw argError(fn, arg, "a positive integer", describeValue(value));
  }
  return value;
}

function checkSpecials(fn: string, arg: string, specials: unknown): string[] {
  if (!Array.isArray(specials)) {
    throw argError(fn, arg, "an array of strings", describeValue(specials), TypeError);
  }
  if (specials.length < 2) {
    throw argError(
      fn,
      arg,
      "at least 2 tokens (the unknown token, then the boundary token)",
      `${specials.length}`,
    );
  }
  for (let i = 0; i < specials.length; i++) {
    const s = specials[i];
    if (typeof s !== "string" || s === "") {
      throw argError(fn, `${arg}[${i}]`, "a non-empty string", describeValue(s), TypeError);
    }
    if (specials.indexOf(s) !== i) {
      throw argError(fn, `${arg}[${i}]`, "a token not listed before", JSON.stringify(s));
    }
  }
  return [...specials];
}

/**
 * A numbered list of tokens: specials first, then words from most to least frequent.
 *
 * Index layout after {@linkcode Vocabulary.build}:
 *
 * ```text
 * 0        <unk>   every word outside the vocabulary
 * 1        </s>    end of a line; also pads contexts before the start of a text
 * 2 ...    words by descending count; equal counts in code-unit order ("A" < "a" < "b")
 * ```
 *
 * A vocabulary never changes after it is built; build a new one for new text.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { Vocabulary } from "./vocab.ts";
 * const vocab = Vocabulary.build("the cat saw the dog".split(" "));
 * assertEquals(vocab.tokens, ["<unk>", "</s>", "the", "cat", "dog", "saw"]);
 * assertEquals(vocab.encode(["the", "bird"]), new Int32Array([2, 0])); // "bird" is unknown
 * assertEquals(vocab.decode([3, 1]), ["cat", "</s>"]);
 * ```
 */
export class Vocabulary {
  readonly #tokens: readonly string[];
  readonly #counts: readonly number[];
  readonly #index: ReadonlyMap<string, number>;
  readonly #specials: readonly string[];
  /** The `minCount` this vocabulary was built with. */
  readonly minCount: number;
  /** The `maxSize` this vocabulary was built with, or `null` for none. */
  readonly maxSize: number | null;

  private constructor(
    specials: readonly string[],
    tokens: readonly string[],
    counts: readonly number[],
    minCount: number,
    maxSize: number | null,
  ) {
    this.#specials = Object.freeze([...specials]);
    this.#tokens = Object.freeze([...tokens]);
    this.#counts = Object.freeze([...counts]);
    const index = new Map<string, number>();
    for (let i = 0; i < tokens.length; i++) index.set(tokens[i], i);
    this.#index = index;
    this.minCount = minCount;
    this.maxSize = maxSize;
  }

  /**
   * Counts the tokens of a stream and numbers them.
   *
   * The specials come first. A word is kept when `count >= minCount`; the kept words are sorted
   * by descending count, ties in code-unit order (as JavaScript's `<` compares strings, the same
   * on every machine); with `maxSize`, only the first `maxSize - specials.length` are kept. A
   * special token met in the stream (for example `</s>` at each line end) is counted, not added
   * twice. The count of `<unk>` is the number of stream tokens it stands for.
   *
   * @param tokens the training stream, for example `["the", "cat", "</s>", ...]`
   * @param options `minCount` (default 1), `specials` (default `["<unk>", "</s>"]`), `maxSize`
   * @returns the vocabulary
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { Vocabulary } from "./vocab.ts";
   * // counts: a 3, b 2, c 1, </s> 2
   * const vocab = Vocabulary.build(["a", "b", "a", "</s>", "c", "a", "b", "</s>"], { minCount: 2 });
   * assertEquals(vocab.tokens, ["<unk>", "</s>", "a", "b"]);
   * assertEquals(vocab.count("<unk>"), 1); // the one "c"
   * ```
   */
  static build(tokens: Iterable<string>, options: VocabularyOptions = {}): Vocabulary {
    const fn = "Vocabulary.build";
    const minCount = checkPositiveInteger(fn, "options.minCount", options.minCount ?? 1);
    const specials = checkSpecials(fn, "options.specials", options.specials ?? DEFAULT_SPECIALS);
    const maxSize = options.maxSize === undefined
      ? null
      : checkPositiveInteger(fn, "options.maxSize", options.maxSize);
    if (maxSize !== null && maxSize < specials.length) {
      throw argError(
        fn,
        "options.maxSize",
        `at least ${specials.length} (the number of specials)`,
        `${maxSize}`,
      );
    }
    if (tokens === null || typeof tokens !== "object" || !(Symbol.iterator in tokens)) {
      throw argError(fn, "tokens", "an iterable of strings", describeValue(tokens), TypeError);
    }

    const counts = new Map<string, number>();
    let position = 0;
    for (const token of tokens) {
      if (typeof token !== "string") {
        throw argError(fn, `tokens[${position}]`, "a string", describeValue(token), TypeError);
      }
      if (token === "") throw argError(fn, `tokens[${position}]`, "a non-empty string", '""');
      counts.set(token, (counts.get(token) ?? 0) + 1);
      position++;
    }

    const words: string[] = [];
    for (const [word, count] of counts) {
      if (count >= minCount && !specials.includes(word)) words.push(word);
    }
    words.sort((a, b) => {
      const byCount = counts.get(b)! - counts.get(a)!;
      if (byCount !== 0) return byCount;
      return a < b ? -1 : a > b ? 1 : 0;
    });
    const kept = maxSize === null ? words : words.slice(0, maxSize - specials.length);

    const all = [...specials, ...kept];
    const tokenCounts = all.map((token) => counts.get(token) ?? 0);
    // Every stream token that is not in the vocabulary will be encoded as <unk>.
    let keptTotal = 0;
    for (const c of tokenCounts) keptTotal += c;
    tokenCounts[0] += position - keptTotal;
    return new Vocabulary(specials, all, tokenCounts, minCount, maxSize);
  }

  /**
   * Rebuilds a vocabulary from {@linkcode Vocabulary.toJSON}'s object (for example read back from
   * a JSON file beside a checkpoint), checking every field.
   *
   * @param obj the parsed JSON
   * @returns the vocabulary
   *
   * @example
   * ```ts
   * import { assertEquals, assertThrows } from "@std/assert";
   * import { Vocabulary } from "./vocab.ts";
   * const vocab = Vocabulary.build(["x", "y", "x"]);
   * const back = Vocabulary.fromJSON(JSON.parse(JSON.stringify(vocab)));
   * assertEquals(back.tokens, vocab.tokens);
   * assertThrows(() => Vocabulary.fromJSON({ format: "nope" }), RangeError, "format");
   * ```
   */
  static fromJSON(obj: unknown): Vocabulary {
    const fn = "Vocabulary.fromJSON";
    if (obj === null || typeof obj !== "object" || Array.isArray(obj)) {
      throw argError(fn, "obj", "a vocabulary object", describeValue(obj), TypeError);
    }
    const o = obj as Record<string, unknown>;
    if (o.format !== FORMAT) {
      throw argError(fn, "obj.format", JSON.stringify(FORMAT), describeValue(o.format));
    }
    if (o.version !== 1) throw argError(fn, "obj.version", "1", describeValue(o.version));
    const specials = checkSpecials(fn, "obj.specials", o.specials);
    const tokens = o.tokens;
    if (!Array.isArray(tokens)) {
      throw argError(fn, "obj.tokens", "an array of strings", describeValue(tokens), TypeError);
    }
    const seen = new Set<string>();
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i];
      if (typeof t !== "string" || t === "") {
        throw argError(fn, `obj.tokens[${i}]`, "a non-empty string", describeValue(t), TypeError);
      }
      if (seen.has(t)) {
        throw argError(fn, `obj.tokens[${i}]`, "a token not listed before", JSON.stringify(t));
      }
      seen.add(t);
    }
    for (let i = 0; i < specials.length; i++) {
      if (tokens[i] !== specials[i]) {
        throw argError(
          fn,
          `obj.tokens[${i}]`,
          `the special ${JSON.stringify(specials[i])} (specials come first)`,
          describeValue(tokens[i]),
        );
      }
    }
    const counts = o.counts;
    if (!Array.isArray(counts)) {
      throw argError(fn, "obj.counts", "an array of numbers", describeValue(counts), TypeError);
    }
    if (counts.length !== tokens.length) {
      throw argError(
        fn,
        "obj.counts",
        `${tokens.length} counts (one per token)`,
        `${counts.length}`,
      );
    }
    for (let i = 0; i < counts.length; i++) {
      const c = counts[i];
      if (typeof c !== "number" || !Number.isInteger(c) || c < 0) {
        throw argError(fn, `obj.counts[${i}]`, "a non-negative integer", describeValue(c));
      }
    }
    const minCount = checkPositiveInteger(fn, "obj.minCount", o.minCount);
    const maxSize = o.maxSize === null ? null : checkPositiveInteger(fn, "obj.maxSize", o.maxSize);
    return new Vocabulary(specials, tokens, counts, minCount, maxSize);
  }

  /** Number of tokens, specials included: the number of rows of the embedding matrix. */
  get size(): number {
    return this.#tokens.length;
  }

  /** Every token, by index (a frozen array). */
  get tokens(): readonly string[] {
    return this.#tokens;
  }

  /** The special tokens (a frozen array): `specials[0]` unknown, `specials[1]` boundary. */
  get specials(): readonly string[] {
    return this.#specials;
  }

  /** Index of the unknown token `<unk>` (0). */
  get unkIndex(): number {
    return 0;
  }

  /** Index of the boundary token `</s>` (1): ends each line and pads contexts. */
  get boundaryIndex(): number {
    return 1;
  }

  /** Number of tokens in the stream the vocabulary was built from (the sum of all counts). */
  get total(): number {
    let sum = 0;
    for (const c of this.#counts) sum += c;
    return sum;
  }

  /**
   * Whether `token` has its own index (is not mapped to `<unk>`).
   *
   * @example
   * ```ts
   * import { assert, assertFalse } from "@std/assert";
   * import { Vocabulary } from "./vocab.ts";
   * const vocab = Vocabulary.build(["cat"]);
   * assert(vocab.has("cat"));
   * assertFalse(vocab.has("dog"));
   * ```
   */
  has(token: string): boolean {
    return this.#index.has(token);
  }

  /**
   * Index of `token`; a token outside the vocabulary gives {@linkcode Vocabulary.unkIndex}.
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { Vocabulary } from "./vocab.ts";
   * const vocab = Vocabulary.build(["cat"]);
   * assertEquals(vocab.indexOf("cat"), 2);
   * assertEquals(vocab.indexOf("dog"), vocab.unkIndex);
   * ```
   */
  indexOf(token: string): number {
    if (typeof token !== "string") {
      throw argError("Vocabulary.indexOf", "token", "a string", describeValue(token), TypeError);
    }
    return this.#index.get(token) ?? 0;
  }

  /**
   * The token at `index`, an integer in `[0, size)`.
   *
   * @example
   * ```ts
   * import { assertEquals, assertThrows } from "@std/assert";
   * import { Vocabulary } from "./vocab.ts";
   * const vocab = Vocabulary.build(["cat"]);
   * assertEquals(vocab.tokenOf(2), "cat");
   * assertThrows(() => vocab.tokenOf(3), RangeError, "an index in [0, 3)");
   * ```
   */
  tokenOf(index: number): string {
    return this.#tokens[this.#checkIndex("Vocabulary.tokenOf", "index", index)];
  }

  /**
   * How many tokens of the building stream encode to `token`'s index: a word's frequency; for
   * `<unk>`, the number of words it replaced; 0 for a token outside the vocabulary.
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { Vocabulary } from "./vocab.ts";
   * const vocab = Vocabulary.build(["a", "b", "a"], { minCount: 2 });
   * assertEquals([vocab.count("a"), vocab.count("<unk>"), vocab.count("b")], [2, 1, 0]);
   * ```
   */
  count(token: string): number {
    const i = this.#index.get(token);
    return i === undefined ? 0 : this.#counts[i];
  }

  /**
   * Indices of a token sequence: `out[t] = indexOf(tokens[t])`.
   *
   * @param tokens the tokens
   * @returns an `Int32Array` of the same length
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { Vocabulary } from "./vocab.ts";
   * const vocab = Vocabulary.build(["a", "b"]);
   * assertEquals(vocab.encode(["b", "a", "zzz", "</s>"]), new Int32Array([3, 2, 0, 1]));
   * ```
   */
  encode(tokens: Iterable<string>): Int32Array {
    if (tokens === null || typeof tokens !== "object" || !(Symbol.iterator in tokens)) {
      throw argError(
        "Vocabulary.encode",
        "tokens",
        "an iterable of strings",
        describeValue(tokens),
        TypeError,
      );
    }
    const out: number[] = [];
    for (const token of tokens) {
      if (typeof token !== "string") {
        throw argError(
          "Vocabulary.encode",
          `tokens[${out.length}]`,
          "a string",
          describeValue(token),
          TypeError,
        );
      }
      out.push(this.#index.get(token) ?? 0);
    }
    return Int32Array.from(out);
  }

  /**
   * Tokens of an index sequence: `out[t] = tokenOf(indices[t])`; each index is checked.
   *
   * @param indices integers in `[0, size)`
   * @returns the tokens
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { Vocabulary } from "./vocab.ts";
   * const vocab = Vocabulary.build(["a", "b"]);
   * assertEquals(vocab.decode(new Int32Array([2, 3, 1])), ["a", "b", "</s>"]);
   * ```
   */
  decode(indices: ArrayLike<number>): string[] {
    if (indices === null || typeof indices !== "object" || typeof indices.length !== "number") {
      throw argError(
        "Vocabulary.decode",
        "indices",
        "an array of indices",
        describeValue(indices),
        TypeError,
      );
    }
    const out: string[] = new Array(indices.length);
    for (let t = 0; t < indices.length; t++) {
      out[t] = this.#tokens[this.#checkIndex("Vocabulary.decode", `indices[${t}]`, indices[t])];
    }
    return out;
  }

  /**
   * The plain object to save (`JSON.stringify(vocab)` calls this); read it back with
   * {@linkcode Vocabulary.fromJSON}.
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { Vocabulary } from "./vocab.ts";
   * const json = Vocabulary.build(["a", "a", "b"]).toJSON();
   * assertEquals(json.tokens, ["<unk>", "</s>", "a", "b"]);
   * assertEquals(json.counts, [0, 0, 2, 1]);
   * ```
   */
  toJSON(): VocabularyJSON {
    return {
      format: FORMAT,
      version: 1,
      specials: [...this.#specials],
      tokens: [...this.#tokens],
      counts: [...this.#counts],
      minCount: this.minCount,
      maxSize: this.maxSize,
    };
  }

  /** `Vocabulary(6 tokens: <unk>, </s>, the, cat, dog, saw)`, the first 12 tokens shown. */
  describe(): string {
    const head = this.#tokens.slice(0, 12).join(", ");
    return `Vocabulary(${this.size} tokens: ${head}${this.size > 12 ? ", …" : ""})`;
  }

  /** How `console.log` prints a vocabulary: {@linkcode Vocabulary.describe}. */
  [Symbol.for("Deno.customInspect")](): string {
    return this.describe();
  }

  #checkIndex(fn: string, arg: string, index: unknown): number {
    if (typeof index !== "number" || !Number.isInteger(index)) {
      throw argError(fn, arg, "an integer", describeValue(index));
    }
    if (index < 0 || index >= this.#tokens.length) {
      throw argError(
        fn,
        arg,
        `an index in [0, ${this.#tokens.length}) (the vocabulary size)`,
        `${index}`,
      );
    }
    return index;
  }
}
