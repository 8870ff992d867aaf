import { assertEquals, assertThrows } from "@std/assert";
import { charTokenize, joinWords, wordTokenize } from "../../lib/text/tokenize.ts";

Deno.test("wordTokenize splits words and makes each punctuation mark a token", () => {
  assertEquals(wordTokenize("The cat sat on the mat."), [
    "The",
    "cat",
    "sat",
    "on",
    "the",
    "mat",
    ".",
  ]);
  // Two marks in a row are two tokens; a quote is its own token on each side.
  assertEquals(wordTokenize('"Stop!?" she said...'), [
    '"',
    "Stop",
    "!",
    "?",
    '"',
    "she",
    "said",
    ".",
    ".",
    ".",
  ]);
  assertEquals(wordTokenize("(a) [b] {c} $5 50%"), [
    "(",
    "a",
    ")",
    "[",
    "b",
    "]",
    "{",
    "c",
    "}",
    "$",
    "5",
    "50",
    "%",
  ]);
});

Deno.test("wordTokenize keeps inner apostrophes and hyphens, splits outer ones", () => {
  assertEquals(wordTokenize("don't o'clock Atlanta's well-known twenty-one"), [
    "don't",
    "o'clock",
    "Atlanta's",
    "well-known",
    "twenty-one",
  ]);
  // Typographic apostrophe too.
  assertEquals(wordTokenize("it’s"), ["it’s"]);
  // A trailing apostrophe, a leading one and a dash between spaces are marks of their own;
  // a double hyphen is not "inner" (it needs a letter on each side of a single mark).
  assertEquals(wordTokenize("the dogs' 'bones' - a--b"), [
    "the",
    "dogs",
    "'",
    "'",
    "bones",
    "'",
    "-",
    "a",
    "-",
    "-",
    "b",
  ]);
  // Numbers with a point split at the point.
  assertEquals(wordTokenize("3.5"), ["3", ".", "5"]);
});

Deno.test("wordTokenize is Unicode-aware", () => {
  assertEquals(wordTokenize("Café naïve Straße"), ["Café", "naïve", "Straße"]);
  // "e" + U+0301 (combining acute) stays one word, written in NFC: "caf" + U+00E9.
  assertEquals(wordTokenize("cafe\u0301 ok"), ["caf\u00e9", "ok"]);
  // A combining mark with no precomposed letter stays a mark inside the word.
  assertEquals(wordTokenize("q\u0307x"), ["q\u0307x"]);
  assertEquals(wordTokenize("Привет, мир!"), ["Привет", ",", "мир", "!"]);
  assertEquals(wordTokenize("東京 ٣٤"), ["東京", "٣٤"]);
  // The em dash and curly quotes are marks.
  assertEquals(wordTokenize("“yes”—no"), ["“", "yes", "”", "—", "no"]);
});

Deno.test("wordTokenize: white space only separates, lowercase folds case", () => {
  assertEquals(wordTokenize("  a\tb\n\nc  "), ["a", "b", "c"]);
  assertEquals(wordTokenize(""), []);
  assertEquals(wordTokenize("   \n"), []);
  assertEquals(wordTokenize("The Cat SAT", { lowercase: true }), ["the", "cat", "sat"]);
  assertEquals(wordTokenize("The Cat SAT", { lowercase: false }), ["The", "Cat", "SAT"]);
});

Deno.test("charTokenize gives one token per code point", () => {
  assertEquals(charTokenize("ab c"), ["a", "b", " ", "c"]);
  assertEquals(charTokenize("a\nb"), ["a", "\n", "b"]);
  // "😀" is one code point but two UTF-16 units: one token, not two halves.
  assertEquals("😀".length, 2);
  assertEquals(charTokenize("😀!"), ["😀", "!"]);
  // A decomposed "é" is normalised to NFC first: one code point, one token.
  assertEquals(charTokenize("e\u0301"), ["\u00e9"]);
  // Where Unicode has no precomposed letter, the mark stays a code point, and a token, of its own.
  assertEquals(charTokenize("q\u0307"), ["q", "\u0307"]);
  assertEquals(charTokenize(""), []);
  assertEquals(charTokenize("AbC", { lowercase: true }), ["a", "b", "c"]);
});

Deno.test("both tokenizers normalise to NFC: equivalent spellings give the same tokens", () => {
  const nfc: string = "caf\u00e9"; // é as one code point
  const nfd: string = "cafe\u0301"; // e + combining acute accent
  assertEquals([nfc.length, nfd.length], [4, 5]); // two different strings
  assertEquals(nfc.normalize("NFC"), nfd.normalize("NFC"));
  assertEquals(wordTokenize(`${nfd} ${nfc}`), [nfc, nfc]);
  assertEquals(charTokenize(nfd), charTokenize(nfc));
  assertEquals(charTokenize(nfd).length, 4);
  // Marks in either order are put in canonical order: ậ = a + dot below + circumflex.
  assertEquals(wordTokenize("a\u0323\u0302 a\u0302\u0323 \u1ead"), ["\u1ead", "\u1ead", "\u1ead"]);
  // Lower-casing then normalising: "CAFÉ" in NFD lower-cases to NFC "café".
  assertEquals(wordTokenize("CAFE\u0301", { lowercase: true }), [nfc]);
  assertEquals(charTokenize("E\u0301", { lowercase: true }), ["\u00e9"]);
  // ASCII comes out exactly as it went in.
  const ascii = 'The Fulton County Grand Jury said Friday, "an investigation" (1961).';
  assertEquals(wordTokenize(ascii), [
    ...["The", "Fulton", "County", "Grand", "Jury", "said", "Friday", ",", '"', "an"],
    ...["investigation", '"', "(", "1961", ")", "."],
  ]);
  assertEquals(charTokenize(ascii).join(""), ascii);
});

Deno.test("tokenizers refuse what is not a string", () => {
  assertThrows(
    () => wordTokenize(42 as unknown as string),
    TypeError,
    "wordTokenize: text expected a string, got 42",
  );
  assertThrows(
    () => charTokenize(null as unknown as string),
    TypeError,
    "charTokenize: text expected a string, got null",
  );
  assertThrows(
    () => wordTokenize("a", { lowercase: "yes" as unknown as boolean }),
    TypeError,
    "wordTokenize: options.lowercase expected a boolean",
  );
});

Deno.test("joinWords attaches punctuation and turns the boundary into a line break", () => {
  assertEquals(joinWords(["The", "cat", "sat", ".", "</s>"]), "The cat sat.\n");
  assertEquals(joinWords(["Hi", ",", "you", "!", "</s>", "Yes", "?"]), "Hi, you!\nYes?");
  assertEquals(
    joinWords(["a", "(", "b", ")", "c", "$", "5", "and", "50", "%"]),
    "a (b) c $5 and 50%",
  );
  // Straight quotes alternate: open, close, open, close.
  assertEquals(
    joinWords(['"', "a", '"', "and", '"', "b", '"']),
    '"a" and "b"',
  );
  // The quote count restarts on each line.
  assertEquals(joinWords(['"', "a", "</s>", "b", '"', "c"]), '"a\nb "c');
  // Brown's `` and '' quotes.
  assertEquals(joinWords(["``", "No", "''", ",", "he", "said"]), "``No'', he said");
  // A custom boundary.
  assertEquals(joinWords(["a", "<eos>", "b"], "<eos>"), "a\nb");
  assertEquals(joinWords([]), "");
});

Deno.test("joinWords inverts wordTokenize on ordinary prose", () => {
  const text = 'The dog\'s ball (red) rolled away; "Fetch!" she said, and it did.';
  assertEquals(joinWords(wordTokenize(text)), text);
});

Deno.test("joinWords refuses a non-array or a non-string token", () => {
  assertThrows(
    () => joinWords("abc" as unknown as string[]),
    TypeError,
    "joinWords: tokens expected an array of strings",
  );
  assertThrows(
    () => joinWords(["a", 1 as unknown as string]),
    TypeError,
    "joinWords: tokens[1] expected a string, got 1",
  );
});

Deno.test("tokenizers do not modify their input", () => {
  const tokens = ["a", ",", "b"];
  const copy = [...tokens];
  joinWords(tokens);
  assertEquals(tokens, copy);
});
