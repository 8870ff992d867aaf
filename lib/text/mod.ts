/**
 * From text to indices: tokenizers, the vocabulary, context windows, and the
 * {@linkcode TextPreprocessor} that does all three. Text and tokens are normalised to Unicode NFC
 * on the way in, so canonically equivalent spellings of a word are one token.
 *
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { TextPreprocessor } from "./mod.ts";
 * const pre = TextPreprocessor.fit("the cat sat . the cat ran .", { contextSize: 2 });
 * const { contexts, targets } = pre.windows("the cat sat .");
 * assertEquals(contexts.rows, targets.length);
 * ```
 *
 * @module
 */

export * from "./tokenize.ts";
export * from "./vocab.ts";
export * from "./windows.ts";
export * from "./preprocessor.ts";
