/**
 * The corpora the command line knows by name, cut into training, validation and test tokens.
 *
 * A text file is split by tokens, not lines: the first 80% of its tokens train, the next 10%
 * validate, the rest test, each cut moved forward to the end of its line when a line ends
 * before the next cut. A long text on one line splits as well as one of many lines.
 *
 * @module
 */

import { brownSplit, firstNames, readTextFile, TOY_TEXTS, toyText } from "../io/corpus.ts";
import { Rng } from "../random.ts";
import { TextPreprocessor } from "../text/preprocessor.ts";

/** Tokens of a corpus, cut into training, validation and test parts (in order). */
export interface CorpusSplit {
  /** A short name for messages. */
  name: string;
  /** `"word"` or `"char"` tokens. */
  level: "word" | "char";
  /** Training tokens (they also make the vocabulary). */
  train: string[];
  /** Validation tokens. */
  valid: string[];
  /** Test tokens. */
  test: string[];
}

/** The corpus names the command line knows, besides paths of text files. */
export const CORPUS_NAMES: readonly string[] = Object.freeze([
  "brown",
  "brown-news",
  "names",
  ...TOY_TEXTS,
]);

/**
 * The cut near `at`: just after the first `</s>` at or after `at`, if that comes before
 * `limit`; else `at` itself.
 */
function cutAt(tokens: readonly string[], at: number, limit: number): number {
  for (let i = at; i < limit; i++) if (tokens[i - 1] === "</s>") return i;
  return at;
}

/**
 * Splits a text's tokens 80/10/10 into training, validation and test parts, keeping lines whole
 * where the lines are short enough to allow it.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { splitText } from "./corpus.ts";
 * // one line of 20 words still gives all three parts
 * const split = splitText("one line", Array.from({ length: 20 }, (_, i) => `w${i}`).join(" "), "word");
 * assertEquals([split.train.length, split.valid.length, split.test.length], [16, 2, 3]);
 * ```
 */
export function splitText(name: string, text: string, level: "word" | "char"): CorpusSplit {
  const tokens = TextPreprocessor.fit("x", { level }).tokenize(text);
  if (tokens.every((t) => t === "</s>")) throw new Error(`corpus ${name}: the text is empty`);
  const n = tokens.length;
  const a = cutAt(tokens, Math.floor(0.8 * n), Math.floor(0.9 * n));
  const b = cutAt(tokens, Math.max(a, Math.floor(0.9 * n)), n);
  return {
    name,
    level,
    train: tokens.slice(0, a),
    valid: tokens.slice(a, b),
    test: tokens.slice(b),
  };
}

/**
 * Loads a corpus by name: `brown`, `brown-news`, `names` (character level), a toy text of
 * `data/` (`toy`, `garden`, `rhymes`), or the path of a UTF-8 text file (a regular file of at
 * most 256 MiB, checked before it is read).
 */
export function loadCorpus(name: string): CorpusSplit {
  if (name === "brown" || name === "brown-news") {
    return { name, level: "word", ...brownSplit(name) };
  }
  if (name === "names") {
    // Shuffled with a fixed seed so that the split does not follow the alphabet.
    const names = firstNames({ sex: "all" });
    const order = new Rng(0).permutation(names.length);
    return splitText(name, Array.from(order, (i) => names[i]).join("\n"), "char");
  }
  if ((TOY_TEXTS as readonly string[]).includes(name)) {
    return splitText(name, toyText(name as (typeof TOY_TEXTS)[number]), "word");
  }
  return splitText(name, readTextFile(name), "word");
}
