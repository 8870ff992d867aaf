/**
 * The whole way from raw text to training examples, in one object that can be saved beside a
 * checkpoint: tokenize, number the tokens, cut windows.
 *
 * ```text
 * "The cat sat.\nA dog ran."
 *   ── tokenize ──▶ The cat sat . </s> A dog ran . </s>
 *   ── vocab    ──▶ 5 6 7 2 1 8 9 10 2 1
 *   ── windows  ──▶ contexts [10, k], targets [10]
 * ```
 *
 * @module
 */

import { argError, describeValue } from "../errors.ts";
import { charTokenize, joinWords, wordTokenize } from "./tokenize.ts";
import { DEFAULT_SPECIALS, Vocabulary, type VocabularyJSON } from "./vocab.ts";
import { type ContextWindows, makeWindows } from "./windows.ts";

/** What a token is: a word or punctuation mark, or a single character. */
export type TextLevel = "word" | "char";

/** Options of {@linkcode TextPreprocessor.fit}; every field has a default. */
export interface TextPreprocessorOptions {
  /** `"word"` (default) or `"char"`. */
  level?: TextLevel;
  /** Lower-case the text before tokenizing (default `false`). */
  lowercase?: boolean;
  /** Words seen fewer times than this in the fitted text map to `<unk>` (default 1). */
  minCount?: number;
  /** The largest vocabulary, specials included (default: no limit). */
  maxSize?: number;
  /** `n - 1`, the number of previous tokens in a context (default 3). */
  contextSize?: number;
  /** Contexts never look back across a line end (default `false`; see `makeWindows`). */
  resetAtBoundary?: boolean;
}

/** The options with every default filled in, as a fitted preprocessor holds them. */
export interface ResolvedTextOptions {
  /** `"word"` or `"char"`. */
  level: TextLevel;
  /** Whether text is lower-cased before tokenizing. */
  lowercase: boolean;
  /** The vocabulary's minimum count. */
  minCount: number;
  /** The vocabulary's largest size, or `null` for none. */
  maxSize: number | null;
  /** The number of previous tokens in a context. */
  contextSize: number;
  /** Whether contexts restart after each line end. */
  resetAtBoundary: boolean;
}

/** The plain-object form of a {@linkcode TextPreprocessor}. */
export interface TextPreprocessorJSON {
  /** Always `"mini-neural-lm/text-preprocessor"`. */
  format: "mini-neural-lm/text-preprocessor";
  /** The layout version, `1`. */
  version: 1;
  /** The options, defaults filled in. */
  options: ResolvedTextOptions;
  /** The fitted vocabulary. */
  vocabulary: VocabularyJSON;
}

const FORMAT = "mini-neural-lm/text-preprocessor";

function resolveOptions(fn: string, arg: string, options: unknown): ResolvedTextOptions {
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw argError(fn, arg, "an options object", describeValue(options), TypeError);
  }
  const o = options as TextPreprocessorOptions;
  const level = o.level ?? "word";
  if (level !== "word" && level !== "char") {
    throw argError(fn, `${arg}.level`, '"word" or "char"', describeValue(level));
  }
  const lowercase = o.lowercase ?? false;
  const resetAtBoundary = o.resetAtBoundary ?? false;
  for (const [name, value] of [["lowercase", lowercase], ["resetAtBoundary", resetAtBoundary]]) {
    if (typeof value !== "boolean") {
      throw argError(fn, `${arg}.${name}`, "a boolean", describeValue(value), TypeError);
    }
  }
  const positive = (name: string, value: unknown): number => {
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
      throw argError(fn, `${arg}.${name}`, "a positive integer", describeValue(value));
    }
    return value;
  };
  return {
    level,
    lowercase,
    minCount: positive("minCount", o.minCount ?? 1),
    maxSize: o.maxSize === undefined || o.maxSize === null ? null : positive("maxSize", o.maxSize),
    contextSize: positive("contextSize", o.contextSize ?? 3),
    resetAtBoundary,
  };
}

/**
 * Text to indices to training windows, and indices back to text.
 *
 * Build one with {@linkcode TextPreprocessor.fit} (from text) or
 * {@linkcode TextPreprocessor.fitTokens} (from a stream already split into tokens, such as the
 * Brown corpus); it never changes afterwards.
 *
 * Lines: the text is split at line breaks; every line that holds more than white space gives its
 * tokens followed by the boundary token `</s>`, and empty lines give nothing. This holds for both
 * levels, so at the character level `</s>` plays the part of the line break (and of makemore's
 * `.` for a list of names). The string `"</s>"` typed in a text is read as ordinary characters,
 * never as the boundary.
 *
 * Unicode: every text and every token is brought to Normalization Form C (NFC) before it is
 * counted or looked up (after lower-casing, when `lowercase` is set), in `fit`, `fitTokens`,
 * `tokenize`, `textToIndices`, `encodeTokens` and `windows`. So `"café"` written with the one
 * code point `é` and `"café"` written as `e` + combining accent (NFD) are one vocabulary entry, and
 * a text typed either way encodes to the same indices. ASCII text, such as the Brown corpus, is
 * already in NFC: its tokens and vocabulary are exactly what they would be without this step.
 * The specials (`<unk>`, `</s>`) are left as they are.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { TextPreprocessor } from "./preprocessor.ts";
 * const pre = TextPreprocessor.fit("the cat sat.\nthe dog sat.", { contextSize: 2 });
 * assertEquals(pre.vocab.tokens, ["<unk>", "</s>", ".", "sat", "the", "cat", "dog"]);
 * assertEquals(pre.tokenize("the cat ran."), ["the", "cat", "ran", ".", "</s>"]);
 * assertEquals(pre.textToIndices("the cat ran."), new Int32Array([4, 5, 0, 2, 1]));
 * assertEquals(pre.indicesToText([4, 6, 3, 2, 1]), "the dog sat.\n");
 * const { contexts, targets } = pre.windows("the cat");
 * assertEquals(contexts.toArrays(), [[1, 1], [1, 4], [4, 5]]);
 * assertEquals(targets, new Int32Array([4, 5, 1]));
 * ```
 */
export class TextPreprocessor {
  /** The options, defaults filled in (frozen). */
  readonly options: Readonly<ResolvedTextOptions>;
  /** The vocabulary fitted on the training text. */
  readonly vocab: Vocabulary;

  private constructor(options: ResolvedTextOptions, vocab: Vocabulary) {
    this.options = Object.freeze({ ...options });
    this.vocab = vocab;
  }

  /**
   * Fits a preprocessor on a training text: tokenizes it (lines ending in `</s>`) and builds the
   * vocabulary from those tokens.
   *
   * @param text the training text
   * @param options level, lowercase, minCount, maxSize, contextSize, resetAtBoundary
   * @returns a fitted preprocessor
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { TextPreprocessor } from "./preprocessor.ts";
   * const pre = TextPreprocessor.fit("ab\nba\n", { level: "char" });
   * assertEquals(pre.vocab.tokens, ["<unk>", "</s>", "a", "b"]);
   * assertEquals(pre.vocab.count("</s>"), 2);
   * ```
   */
  static fit(text: string, options: TextPreprocessorOptions = {}): TextPreprocessor {
    const resolved = resolveOptions("TextPreprocessor.fit", "options", options);
    const tokens = tokenizeLines("TextPreprocessor.fit", text, resolved, DEFAULT_SPECIALS[1]);
    return new TextPreprocessor(resolved, buildVocab(tokens, resolved));
  }

  /**
   * Fits a preprocessor on a stream that is already tokens, with `</s>` where lines end (for
   * example `brownSplit().train`). `level` then only says how {@linkcode indicesToText} joins
   * tokens; `lowercase` lower-cases every token except the specials; every token except the
   * specials is normalised to NFC, as the tokenizers do with text.
   *
   * @param tokens the training tokens
   * @param options as for {@linkcode TextPreprocessor.fit}
   * @returns a fitted preprocessor
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { TextPreprocessor } from "./preprocessor.ts";
   * const pre = TextPreprocessor.fitTokens(["The", "jury", "</s>", "the", "end", "</s>"], {
   *   lowercase: true,
   * });
   * assertEquals(pre.vocab.tokens, ["<unk>", "</s>", "the", "end", "jury"]);
   * ```
   */
  static fitTokens(
    tokens: Iterable<string>,
    options: TextPreprocessorOptions = {},
  ): TextPreprocessor {
    const fn = "TextPreprocessor.fitTokens";
    const resolved = resolveOptions(fn, "options", options);
    const prepared = prepareTokens(fn, tokens, resolved.lowercase, DEFAULT_SPECIALS);
    return new TextPreprocessor(resolved, buildVocab(prepared, resolved));
  }

  /**
   * Rebuilds a preprocessor from {@linkcode TextPreprocessor.toJSON}'s object, checking it.
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { TextPreprocessor } from "./preprocessor.ts";
   * const pre = TextPreprocessor.fit("a b a", { contextSize: 2 });
   * const back = TextPreprocessor.fromJSON(JSON.parse(JSON.stringify(pre)));
   * assertEquals(back.textToIndices("b a"), pre.textToIndices("b a"));
   * assertEquals(back.options, pre.options);
   * ```
   */
  static fromJSON(obj: unknown): TextPreprocessor {
    const fn = "TextPreprocessor.fromJSON";
    if (obj === null || typeof obj !== "object" || Array.isArray(obj)) {
      throw argError(fn, "obj", "a text-preprocessor object", describeValue(obj), TypeError);
    }
    const o = obj as Record<string, unknown>;
    if (o.format !== FORMAT) {
      throw argError(fn, "obj.format", JSON.stringify(FORMAT), describeValue(o.format));
    }
    if (o.version !== 1) throw argError(fn, "obj.version", "1", describeValue(o.version));
    const options = resolveOptions(fn, "obj.options", o.options);
    const vocab = Vocabulary.fromJSON(o.vocabulary);
    return new TextPreprocessor(options, vocab);
  }

  /** The vocabulary size `|V|`. */
  get vocabSize(): number {
    return this.vocab.size;
  }

  /** `n - 1`: the number of previous tokens in a context. */
  get contextSize(): number {
    return this.options.contextSize;
  }

  /**
   * The tokens of a text, `</s>` after every non-empty line.
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { TextPreprocessor } from "./preprocessor.ts";
   * const pre = TextPreprocessor.fit("x", { level: "char" });
   * assertEquals(pre.tokenize("ab\n\ncd"), ["a", "b", "</s>", "c", "d", "</s>"]);
   * ```
   */
  tokenize(text: string): string[] {
    const boundary = this.vocab.tokenOf(this.vocab.boundaryIndex);
    return tokenizeLines("TextPreprocessor.tokenize", text, this.options, boundary);
  }

  /**
   * The indices of a text: `vocab.encode(tokenize(text))`; unknown tokens give `<unk>` (0).
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { TextPreprocessor } from "./preprocessor.ts";
   * const pre = TextPreprocessor.fit("hi there");
   * assertEquals(pre.textToIndices("hi you\nthere"), new Int32Array([2, 0, 1, 3, 1]));
   * ```
   */
  textToIndices(text: string): Int32Array {
    return this.vocab.encode(this.tokenize(text));
  }

  /**
   * The indices of a stream already split into tokens, as {@linkcode fitTokens} takes it
   * (lower-cased first when `lowercase` is set, then normalised to NFC).
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { TextPreprocessor } from "./preprocessor.ts";
   * const pre = TextPreprocessor.fitTokens(["a", "b"], { lowercase: true });
   * assertEquals(pre.encodeTokens(["B", "</s>", "c"]), new Int32Array([3, 1, 0]));
   * ```
   */
  encodeTokens(tokens: Iterable<string>): Int32Array {
    const fn = "TextPreprocessor.encodeTokens";
    return this.vocab.encode(
      prepareTokens(fn, tokens, this.options.lowercase, this.vocab.specials),
    );
  }

  /**
   * Text from indices. Word level: tokens joined by spaces, punctuation attached to its word
   * (see `joinWords`); character level: tokens joined with nothing between. At both levels `</s>`
   * becomes a line break; `<unk>` is written as `<unk>`.
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { TextPreprocessor } from "./preprocessor.ts";
   * const text = "The cat sat.\nThe dog, too!";
   * const pre = TextPreprocessor.fit(text);
   * assertEquals(pre.indicesToText(pre.textToIndices(text)), text + "\n");
   * ```
   */
  indicesToText(indices: ArrayLike<number>): string {
    const tokens = this.vocab.decode(indices);
    const boundary = this.vocab.tokenOf(this.vocab.boundaryIndex);
    if (this.options.level === "word") return joinWords(tokens, boundary);
    let text = "";
    for (const token of tokens) text += token === boundary ? "\n" : token;
    return text;
  }

  /**
   * Training examples from a text or an index sequence: {@linkcode makeWindows} with this
   * preprocessor's `contextSize`, `</s>` as padding, and its `resetAtBoundary`.
   *
   * @param input a text (tokenized and encoded first) or indices (from `textToIndices`)
   * @returns `contexts` `[N, contextSize]` and `targets` `[N]`, one example per token
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { TextPreprocessor } from "./preprocessor.ts";
   * const pre = TextPreprocessor.fit("ab", { level: "char", contextSize: 2 });
   * // indices: a 2, b 3, </s> 1
   * const { contexts, targets } = pre.windows("ab");
   * assertEquals(contexts.toArrays(), [[1, 1], [1, 2], [2, 3]]);
   * assertEquals(targets, new Int32Array([2, 3, 1]));
   * ```
   */
  windows(input: string | ArrayLike<number>): ContextWindows {
    const indices = typeof input === "string" ? this.textToIndices(input) : input;
    if (typeof input !== "string") {
      checkInVocabulary("TextPreprocessor.windows", input, this.vocabSize);
    }
    return makeWindows(indices, this.options.contextSize, this.vocab.boundaryIndex, {
      resetAtBoundary: this.options.resetAtBoundary,
    });
  }

  /**
   * The plain object to save beside a checkpoint (`JSON.stringify(pre)` calls this).
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { TextPreprocessor } from "./preprocessor.ts";
   * const json = TextPreprocessor.fit("a", { level: "char" }).toJSON();
   * assertEquals(json.options.level, "char");
   * assertEquals(json.vocabulary.tokens, ["<unk>", "</s>", "a"]);
   * ```
   */
  toJSON(): TextPreprocessorJSON {
    return {
      format: FORMAT,
      version: 1,
      options: { ...this.options },
      vocabulary: this.vocab.toJSON(),
    };
  }

  /** How `console.log` prints a preprocessor. */
  [Symbol.for("Deno.customInspect")](): string {
    const o = this.options;
    return `TextPreprocessor(${o.level} level, contextSize ${o.contextSize}, ${this.vocab.describe()})`;
  }
}

function buildVocab(tokens: Iterable<string>, options: ResolvedTextOptions): Vocabulary {
  return Vocabulary.build(tokens, {
    minCount: options.minCount,
    ...(options.maxSize === null ? {} : { maxSize: options.maxSize }),
  });
}

function tokenizeLines(
  fn: string,
  text: unknown,
  options: ResolvedTextOptions,
  boundary: string,
): string[] {
  if (typeof text !== "string") {
    throw argError(fn, "text", "a string", describeValue(text), TypeError);
  }
  const tokenizer = options.level === "word" ? wordTokenize : charTokenize;
  const tokens: string[] = [];
  for (const line of text.split(/\r\n|\n|\r/)) {
    if (line.trim() === "") continue;
    for (const token of tokenizer(line, { lowercase: options.lowercase })) tokens.push(token);
    tokens.push(boundary);
  }
  return tokens;
}

// Lower-cases (when asked) and NFC-normalises every token but the specials, as the tokenizers
// do with text, so that a token stream and a text agree on how a word is spelt.
function prepareTokens(
  fn: string,
  tokens: Iterable<string>,
  lowercase: boolean,
  specials: readonly string[],
): Iterable<string> {
  if (tokens === null || typeof tokens !== "object" || !(Symbol.iterator in tokens)) {
    throw argError(fn, "tokens", "an iterable of strings", describeValue(tokens), TypeError);
  }
  return (function* () {
    for (const token of tokens) {
      // A non-string passes through untouched, for Vocabulary to refuse with its own message.
      if (typeof token !== "string" || specials.includes(token)) yield token;
      else yield (lowercase ? token.toLowerCase() : token).normalize("NFC");
    }
  })();
}

// An index outside the vocabulary is refused here, before it reaches the embedding lookup.
function checkInVocabulary(fn: string, indices: unknown, size: number): void {
  if (indices === null || typeof indices !== "object" || !("length" in indices)) {
    throw argError(fn, "input", "a text or an array of indices", describeValue(indices), TypeError);
  }
  const sequence = indices as ArrayLike<unknown>;
  for (let t = 0; t < sequence.length; t++) {
    const w = sequence[t];
    if (typeof w !== "number" || !Number.isInteger(w) || w < 0 || w >= size) {
      throw argError(
        fn,
        `input[${t}]`,
        `an index in [0, ${size}) (the vocabulary size)`,
        describeValue(w),
      );
    }
  }
}
