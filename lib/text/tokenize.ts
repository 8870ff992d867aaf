/**
 * Tokenizers: text in, a list of tokens out.
 *
 * A language model predicts the next token from the previous ones, so the first decision is what
 * a token is. Two answers are enough for this course:
 *
 * - {@linkcode wordTokenize}: words and punctuation marks, as in the Brown corpus, where the
 *   vocabulary holds tens of thousands of entries;
 * - {@linkcode charTokenize}: single characters (Unicode code points), as in makemore, where the
 *   vocabulary holds a few dozen entries.
 *
 * {@linkcode joinWords} goes back from word tokens to readable text.
 *
 * **Unicode normalisation.** Both tokenizers first bring the text to Unicode Normalization Form C
 * (NFC, `String.prototype.normalize("NFC")`, after lower-casing when asked). The same word can be
 * typed two ways: `"café"` with the single code point `é` (U+00E9), or with `e` followed by the
 * combining accent U+0301 (NFD, as macOS file names and some editors write it). They look the
 * same and mean the same, so after NFC both give the one token `"café"` and one vocabulary entry,
 * instead of two entries that split the word's counts. ASCII text is already in NFC and comes out
 * unchanged.
 *
 * @module
 */

import { argError, describeValue } from "../errors.ts";

/** Options shared by both tokenizers. */
export interface TokenizeOptions {
  /**
   * Lower-case the text first (`String.prototype.toLowerCase`, the same on every machine); the
   * result is then normalised to NFC like any text.
   */
  lowercase?: boolean;
}

// A word is a run of letters, digits and combining marks (the accent of a decomposed "é"),
// optionally joined by single inner apostrophes or hyphens: "don't", "Atlanta's", "well-known".
// Anything else that is not white space is a token of one code point: ".", ",", "(", "$", "—".
const WORD_OR_MARK = /[\p{L}\p{N}\p{M}]+(?:['’‐-][\p{L}\p{N}\p{M}]+)*|[^\s\p{L}\p{N}\p{M}]/gu;

function checkText(fn: string, text: unknown): asserts text is string {
  if (typeof text !== "string") {
    throw argError(fn, "text", "a string", describeValue(text), TypeError);
  }
}

function checkOptions(fn: string, options: TokenizeOptions): boolean {
  const lowercase = options.lowercase ?? false;
  if (typeof lowercase !== "boolean") {
    throw argError(fn, "options.lowercase", "a boolean", describeValue(lowercase), TypeError);
  }
  return lowercase;
}

// Lower-cases when asked, then brings the text to NFC: canonically equivalent spellings of a
// word ("é" as one code point or as "e" + a combining accent) become the same string. NFC comes
// last because lower-casing may leave a string that is not in NFC.
function prepare(text: string, lowercase: boolean): string {
  return (lowercase ? text.toLowerCase() : text).normalize("NFC");
}

/**
 * Splits text into words and punctuation marks.
 *
 * - A word is a maximal run of letters and digits (any script: `\p{L}`, `\p{N}`, and combining
 *   marks `\p{M}`), which may contain single apostrophes (`'` or `’`) or hyphens (`-`, `‐`)
 *   *between* two such characters: `don't`, `o'clock`, `twenty-one`.
 * - Every other character that is not white space is a token on its own: `.` `,` `"` `(` `$`.
 *   So `"Hi!"` gives `"`, `Hi`, `!`, `"`; a trailing apostrophe (`dogs'`) is a separate `'`; a
 *   decimal number `3.5` gives `3`, `.`, `5`.
 * - White space separates tokens and is dropped.
 * - The text is normalised to NFC first (see the module notes), so `"café"` typed with a
 *   combining accent gives the same token as `"café"` typed with `é`.
 *
 * @param text any string
 * @param options `lowercase` (default `false`)
 * @returns the tokens, in order, in NFC
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { wordTokenize } from "./tokenize.ts";
 * assertEquals(
 *   wordTokenize("The cat's well-known mat, (really)!"),
 *   ["The", "cat's", "well-known", "mat", ",", "(", "really", ")", "!"],
 * );
 * assertEquals(wordTokenize("Ünïcode Straße", { lowercase: true }), ["ünïcode", "straße"]);
 * // "e" + U+0301 (combining acute accent) becomes the single code point "é" (U+00E9).
 * assertEquals(wordTokenize("cafe\u0301 au lait"), ["caf\u00e9", "au", "lait"]);
 * ```
 */
export function wordTokenize(text: string, options: TokenizeOptions = {}): string[] {
  checkText("wordTokenize", text);
  const lowercase = checkOptions("wordTokenize", options);
  return prepare(text, lowercase).match(WORD_OR_MARK) ?? [];
}

/**
 * Splits text into characters: one token per Unicode code point of the text in NFC
 * (`Array.from(text.normalize("NFC"))`), white space and line breaks included.
 *
 * A code point is what a user usually calls a character, but not always. NFC joins a letter and
 * a combining accent into one code point where Unicode has one for the pair (`e` + U+0301 becomes
 * `é`), so both spellings of `"café"` give the same four tokens; but an emoji sequence, or a letter
 * with an accent that has no precomposed form, still takes several code points, and then several
 * tokens.
 *
 * @param text any string
 * @param options `lowercase` (default `false`)
 * @returns the characters of the text in NFC, in order
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { charTokenize } from "./tokenize.ts";
 * assertEquals(charTokenize("Cat 🐱"), ["C", "a", "t", " ", "🐱"]);
 * assertEquals(charTokenize("Ab", { lowercase: true }), ["a", "b"]);
 * assertEquals(charTokenize("e\u0301"), ["\u00e9"]); // one character, not e + accent
 * ```
 */
export function charTokenize(text: string, options: TokenizeOptions = {}): string[] {
  checkText("charTokenize", text);
  const lowercase = checkOptions("charTokenize", options);
  return Array.from(prepare(text, lowercase));
}

// Marks that close something or end a clause lean on the word before them: "mat." not "mat .".
const NO_SPACE_BEFORE = new Set([
  ".",
  ",",
  ";",
  ":",
  "!",
  "?",
  ")",
  "]",
  "}",
  "%",
  "…",
  "'",
  "’",
  "”",
  "''", // the Brown corpus's closing quote
]);

// Marks that open something lean on the word after them: "(really" not "( really".
const NO_SPACE_AFTER = new Set(["(", "[", "{", "$", "‘", "“", "``"]); // `` opens a Brown quote

/**
 * Joins word tokens into readable text, the rough inverse of {@linkcode wordTokenize}.
 *
 * Tokens are separated by one space, except: no space before closing marks
 * (`. , ; : ! ? ) ] } % …` and closing quotes), no space after opening marks (`( [ { $` and
 * opening quotes); a straight double quote `"` opens and closes in turn within a line. The
 * boundary token (default `</s>`) becomes a line break.
 *
 * `joinWords(wordTokenize(s))` gives back `s` for ordinary single-spaced prose; it cannot restore
 * double spaces, tabs, or a space the writer put before a comma.
 *
 * @param tokens word tokens, for example from a vocabulary's `decode`
 * @param boundary the token that ends a line (default `"</s>"`)
 * @returns the text
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { joinWords } from "./tokenize.ts";
 * assertEquals(
 *   joinWords(["She", "said", ",", '"', "hi", '"', "(", "twice", ")", ".", "</s>", "Yes", "!"]),
 *   'She said, "hi" (twice).\nYes!',
 * );
 * ```
 */
export function joinWords(tokens: readonly string[], boundary = "</s>"): string {
  if (!Array.isArray(tokens)) {
    throw argError("joinWords", "tokens", "an array of strings", describeValue(tokens), TypeError);
  }
  let text = "";
  let atLineStart = true;
  let afterOpening = false; // the previous token opened something: no space before this one
  let quoteOpen = false; // inside a straight "..." quotation on this line
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (typeof token !== "string") {
      throw argError("joinWords", `tokens[${i}]`, "a string", describeValue(token), TypeError);
    }
    if (token === boundary) {
      text += "\n";
      atLineStart = true;
      afterOpening = false;
      quoteOpen = false;
      continue;
    }
    let spaceBefore = !atLineStart && !afterOpening && !NO_SPACE_BEFORE.has(token);
    afterOpening = NO_SPACE_AFTER.has(token);
    if (token === '"') {
      // A straight quote is ambiguous: count them, odd ones open and even ones close.
      if (quoteOpen) spaceBefore = false;
      else afterOpening = true;
      quoteOpen = !quoteOpen;
    }
    text += spaceBefore ? " " + token : token;
    atLineStart = false;
  }
  return text;
}
