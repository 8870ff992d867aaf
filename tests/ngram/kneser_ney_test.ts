import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertGreater,
  assertLess,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import { KneserNey, modifiedKneserNeyDiscounts } from "../../lib/ngram/kneser_ney.ts";
import { Rng } from "../../lib/random.ts";

// The toy corpus "a b a c a b </s>" with ids a = 0, b = 1, c = 2, </s> = 3 and one word, d = 4,
// that never occurs: |V| = 5.
const A = 0, B = 1, C = 2, END = 3, D = 4;
const TOY = new Int32Array([A, B, A, C, A, B, END]);
const TOY_OPTIONS = { vocabSize: 5, boundary: END };

/*
 * Order 2, worked on paper.
 *
 * Bigrams, with the context of the first token padded with </s>:
 *   </s> a, a b, b a, a c, c a, a b, b </s>
 * Raw bigram counts (the highest order):
 *   c(</s> a) = 1, c(a b) = 2, c(b a) = 1, c(a c) = 1, c(c a) = 1, c(b </s>) = 1
 *   count-of-counts n1 = 5, n2 = 1, n3 = 0, n4 = 0
 *   Y = 5 / (5 + 2·1) = 5/7
 *   D1 = 1 − 2·(5/7)·(1/5) = 5/7                              in (0, 1): kept
 *   D2 = 2 − 3·(5/7)·(0/1) = 2                                not below 2: falls back to 1
 *   D3+ = 3 − 4·Y·0/0                                         undefined: falls back to 1.5
 * Unigram continuation counts N1+(• w), the number of distinct words before w:
 *   a: {</s>, b, c} = 3    b: {a} = 1    c: {a} = 1    </s>: {b} = 1    d: 0
 *   mass 3 + 1 + 1 + 1 = 6; n1 = 3, n2 = 0, n3 = 1, n4 = 0; Y = 3 / 3 = 1
 *   D1 = 1 − 2·1·0/3 = 1 (not below 1: 0.5), D2 = 0/0 (1), D3+ = 3 − 4·1·0/1 = 3 (not below 3: 1.5)
 *   γ() = (0.5·3 [b, c, </s>] + 1.5·1 [a]) / 6 = 1/2
 * Unigram order, interpolated with the uniform 1/5:
 *   p1(a) = (3 − 1.5)/6 + (1/2)(1/5) = 1/4 + 1/10 = 7/20
 *   p1(b) = p1(c) = p1(</s>) = (1 − 0.5)/6 + 1/10 = 1/12 + 1/10 = 11/60
 *   p1(d) = 0 + 1/10 = 1/10
 *   sum: 7/20 + 3·11/60 + 1/10 = 21/60 + 33/60 + 6/60 = 1
 * Bigram order:
 *   context a: c(a b) = 2, c(a c) = 1, mass 3; γ(a) = (D1·1 + D2·1)/3 = (5/7 + 1)/3 = 4/7
 *     p(b | a) = (2 − 1)/3 + (4/7)(11/60) = 1/3 + 11/105 = 46/105
 *     p(c | a) = (1 − 5/7)/3 + (4/7)(11/60) = 2/21 + 11/105 = 21/105 = 1/5
 *     p(a | a) = (4/7)(7/20) = 1/5
 *     p(</s> | a) = (4/7)(11/60) = 11/105
 *     p(d | a) = (4/7)(1/10) = 2/35
 *     sum: (46 + 21 + 21 + 11 + 6)/105 = 1
 *   context b: c(b a) = 1, c(b </s>) = 1, mass 2; γ(b) = (5/7)·2/2 = 5/7
 *     p(a | b) = (1 − 5/7)/2 + (5/7)(7/20) = 1/7 + 1/4 = 11/28
 *     p(</s> | b) = 1/7 + (5/7)(11/60) = 1/7 + 11/84 = 23/84
 *   context </s>: c(</s> a) = 1, mass 1; γ(</s>) = 5/7
 *     p(a | </s>) = 2/7 + (5/7)(7/20) = 2/7 + 1/4 = 15/28
 *     p(d | </s>) = (5/7)(1/10) = 1/14
 *   context d (never seen): backs off fully, p(w | d) = p1(w)
 */
Deno.test("order 2 on the toy corpus: counts, discounts and probabilities worked on paper", () => {
  const model = KneserNey.train(TOY, { order: 2, ...TOY_OPTIONS });

  assertEquals(model.count([A], B), 2);
  assertEquals(model.count([A], C), 1);
  assertEquals(model.count([END], A), 1);
  assertEquals(model.count([B], B), 0);
  assertEquals(model.count([], A), 3);
  assertEquals(model.count([], B), 1); // "a b" twice, but after one distinct word
  assertEquals(model.count([], END), 1);
  assertEquals(model.count([], D), 0);

  assertEquals(model.countOfCounts, [[3, 0, 1, 0], [5, 1, 0, 0]]);
  assertEquals(model.discounts[0], [0.5, 1, 1.5]);
  assertAlmostEquals(model.discounts[1][0], 5 / 7, 1e-15);
  assertEquals(model.discounts[1].slice(1), [1, 1.5]);

  const tol = 1e-15;
  assertAlmostEquals(model.prob([D], A), 7 / 20, tol);
  assertAlmostEquals(model.prob([D], B), 11 / 60, tol);
  assertAlmostEquals(model.prob([D], END), 11 / 60, tol);
  assertAlmostEquals(model.prob([D], D), 1 / 10, tol);

  assertAlmostEquals(model.prob([A], B), 46 / 105, tol);
  assertAlmostEquals(model.prob([A], C), 1 / 5, tol);
  assertAlmostEquals(model.prob([A], A), 1 / 5, tol);
  assertAlmostEquals(model.prob([A], END), 11 / 105, tol);
  assertAlmostEquals(model.prob([A], D), 2 / 35, tol);

  assertAlmostEquals(model.prob([B], A), 11 / 28, tol);
  assertAlmostEquals(model.prob([B], END), 23 / 84, tol);
  assertAlmostEquals(model.prob([END], A), 15 / 28, tol);
  assertAlmostEquals(model.prob([END], D), 1 / 14, tol);
  assertAlmostEquals(model.logProb([A], B), Math.log(46 / 105), 1e-14);
});

/*
 * Order 3 on the same corpus. Trigrams, padded with two </s> before the first token:
 *   </s> </s> a, </s> a b, a b a, b a c, a c a, c a b, a b </s>       (each once)
 * Highest order: n1 = 7, n2 = n3 = n4 = 0, Y = 1, D1 = 1 − 0 = 1 (falls back to 0.5), D2 and D3+
 * undefined (1 and 1.5).
 * Bigram order, continuation counts N1+(• x w):
 *   a b: {</s>, c} = 2; </s> a, b a, a c, c a, b </s>: 1 each
 * These are the numbers of the order-2 model's raw bigram counts, and the bigram types (hence the
 * unigram continuation counts) are the same, so p2(w | h) here equals p(w | h) above.
 *   context "</s> a" (only through the padding): c(</s> a b) = 1, mass 1, γ = 0.5·1/1 = 1/2
 *     p(b | </s> a) = (1 − 0.5)/1 + (1/2)(46/105) = 1/2 + 23/105 = 151/210
 *     p(c | </s> a) = (1/2)(1/5) = 1/10
 *   context "b b" (unseen, but "b" seen): p(w | b b) = p2(w | b); p(a | b b) = 11/28
 *   context "d a" ("d a" unseen, "a" seen): p(w | d a) = p2(w | a); p(b | d a) = 46/105
 */
Deno.test("order 3 on the toy corpus: padding, continuation counts and full backoff", () => {
  const model = KneserNey.train(TOY, { order: 3, ...TOY_OPTIONS });

  assertEquals(model.count([END, END], A), 1); // the padded first trigram
  assertEquals(model.count([END, A], B), 1);
  assertEquals(model.count([C, A], B), 1);
  assertEquals(model.count([A], B), 2); // continuation: after </s> and after c
  assertEquals(model.count([END], A), 1);
  assertEquals(model.count([], A), 3);
  assertEquals(model.countOfCounts[2], [7, 0, 0, 0]);
  assertEquals(model.discounts[2], [0.5, 1, 1.5]);
  assertAlmostEquals(model.discounts[1][0], 5 / 7, 1e-15);

  const tol = 1e-15;
  assertAlmostEquals(model.prob([END, A], B), 151 / 210, tol);
  assertAlmostEquals(model.prob([END, A], C), 1 / 10, tol);
  assertAlmostEquals(model.prob([B, B], A), 11 / 28, tol);
  assertAlmostEquals(model.prob([D, A], B), 46 / 105, tol);
  assertAlmostEquals(model.prob([D, D], D), 1 / 10, tol); // unseen all the way down: p1(d)
});

/** All `length`-token contexts over `vocabSize` ids, in odometer order. */
function allContexts(length: number, vocabSize: number): number[][] {
  if (length === 0) return [[]];
  const out: number[][] = [];
  for (const rest of allContexts(length - 1, vocabSize)) {
    for (let x = 0; x < vocabSize; x++) out.push([...rest, x]);
  }
  return out;
}

function checkDistribution(model: KneserNey, context: number[]): void {
  const p = model.distribution(context);
  assertEquals(p.length, model.vocabSize);
  let sum = 0;
  for (let w = 0; w < p.length; w++) {
    assertGreater(p[w], 0, `p(${w} | ${context}) > 0`);
    assertStrictEquals(model.prob(context, w), p[w], `prob equals distribution at ${w}`);
    sum += p[w];
  }
  assertAlmostEquals(sum, 1, 1e-12, `sum over the vocabulary after [${context}]`);
}

Deno.test("every toy context, seen or not, gives a positive distribution summing to 1", () => {
  for (const order of [2, 3, 4]) {
    const model = KneserNey.train(TOY, { order, ...TOY_OPTIONS });
    for (const context of allContexts(order - 1, 5)) checkDistribution(model, context);
  }
});

/** A stream of `sentences` sentences from a small grammar, each ended by `end`. */
function grammarStream(rng: Rng, sentences: number, end: number): Int32Array {
  // ids: 0 the, 1 a, 2 cat, 3 dog, 4 bird, 5 sat, 6 ran, 7 sang, 8 on, 9 mat, 10 tree, 11 </s>
  const subjects = [2, 3, 4];
  const verbs = [5, 6, 7];
  const places = [9, 10];
  const out: number[] = [];
  for (let s = 0; s < sentences; s++) {
    out.push(rng.int(2), subjects[rng.int(3)], verbs[rng.int(3)]);
    if (rng.uniform() < 0.5) out.push(8, 0, places[rng.int(2)]);
    out.push(end);
  }
  return new Int32Array(out);
}

Deno.test("orders 2 to 5: distributions sum to 1 for seen, unseen and boundary contexts", () => {
  const rng = new Rng(11);
  const V = 14; // ids 12 and 13 never occur
  const stream = grammarStream(rng, 200, 11);
  for (let order = 2; order <= 5; order++) {
    const model = KneserNey.train(stream, { order, vocabSize: V, boundary: 11 });
    const contexts: number[][] = [
      Array.from(stream.subarray(10, 10 + order - 1)), // seen
      new Array(order - 1).fill(11), // all boundary: the start of the stream
      new Array(order - 1).fill(13), // never seen
      [...new Array(order - 2).fill(12), 11], // unseen history ending in the boundary
    ];
    for (let i = 0; i < 20; i++) {
      contexts.push(Array.from({ length: order - 1 }, () => rng.int(V))); // mostly unseen
    }
    for (const context of contexts) checkDistribution(model, context);
  }
});

Deno.test("a longer context uses its last order − 1 tokens", () => {
  const model = KneserNey.train(TOY, { order: 3, ...TOY_OPTIONS });
  assertStrictEquals(model.prob([C, D, END, A], B), model.prob([END, A], B));
  assertEquals(model.distribution([B, B, END, A]), model.distribution([END, A]));
  assertStrictEquals(model.logProb([C, END, A], B), model.logProb([END, A], B));
});

Deno.test("targetProbs and perplexity pad the start of the stream with the boundary", () => {
  const model = KneserNey.train(TOY, { order: 3, ...TOY_OPTIONS });
  const heldOut = new Int32Array([A, C, A, B, END, D]);
  const probs = model.targetProbs(heldOut);
  const padded = [END, END, ...heldOut];
  let sumLog = 0;
  for (let t = 0; t < heldOut.length; t++) {
    assertStrictEquals(probs[t], model.prob(padded.slice(t, t + 2), heldOut[t]));
    sumLog += Math.log(probs[t]);
  }
  assertAlmostEquals(model.perplexity(heldOut), Math.exp(-sumLog / heldOut.length), 1e-12);
  // The first token: p(a | </s> </s>), the one trigram context seen only through padding.
  // c(</s> </s> a) = 1 with D1 = 0.5 and γ = 1/2, over p2(a | </s>) = 15/28: 1/2 + 15/56 = 43/56.
  assertAlmostEquals(probs[0], 43 / 56, 1e-15);
});

Deno.test("order-3 perplexity on held-out text is finite and below the unigram's", () => {
  const rng = new Rng(7);
  const V = 13; // id 12 never occurs
  const train = grammarStream(rng, 400, 11);
  const test = grammarStream(rng, 100, 11);
  const model = KneserNey.train(train, { order: 3, vocabSize: V, boundary: 11 });
  const ppl = model.perplexity(test);

  // The add-one unigram p(w) = (c(w) + 1) / (N + V), which ignores the context.
  const counts = new Float64Array(V);
  for (const w of train) counts[w]++;
  let sumLog = 0;
  for (const w of test) sumLog += Math.log((counts[w] + 1) / (train.length + V));
  const unigramPpl = Math.exp(-sumLog / test.length);

  assert(Number.isFinite(ppl));
  assertGreater(ppl, 1);
  assertLess(ppl, unigramPpl);
  // A sentence holds 1 + log2 3 + log2 3 + 1 + 0.5·1 ≈ 5.67 bits of choice over 5.5 tokens on
  // average, about 1.03 bits a token: the true perplexity is about 2^1.03 ≈ 2.04, far below what
  // a model blind to the context can reach.
  assertLess(ppl, 0.6 * unigramPpl);
});

Deno.test("train is pure and deterministic", () => {
  const tokens = grammarStream(new Rng(3), 50, 11);
  const copy = tokens.slice();
  const options = { order: 3, vocabSize: 12, boundary: 11 };
  const optionsCopy = { ...options };
  const m1 = KneserNey.train(tokens, options);
  const m2 = KneserNey.train(tokens, options);
  assertEquals(tokens, copy);
  assertEquals(options, optionsCopy);
  assertEquals(m1.distribution([0, 2]), m2.distribution([0, 2]));
  assertEquals(m1.discounts, m2.discounts);
  const context = [0, 2];
  m1.distribution(context);
  m1.prob(context, 5);
  assertEquals(context, [0, 2]);
  assert(Object.isFrozen(m1.discounts) && Object.isFrozen(m1.discounts[0]));
});

Deno.test("modifiedKneserNeyDiscounts: Chen and Goodman's estimates and the r/2 fallback", () => {
  // n = [100, 40, 20, 10]: Y = 100/180 = 5/9
  //   D1 = 1 − 2·(5/9)·(40/100) = 1 − 4/9 = 5/9
  //   D2 = 2 − 3·(5/9)·(20/40) = 2 − 5/6 = 7/6
  //   D3+ = 3 − 4·(5/9)·(10/20) = 3 − 10/9 = 17/9
  const [d1, d2, d3] = modifiedKneserNeyDiscounts([100, 40, 20, 10]);
  assertAlmostEquals(d1, 5 / 9, 1e-15);
  assertAlmostEquals(d2, 7 / 6, 1e-15);
  assertAlmostEquals(d3, 17 / 9, 1e-15);
  // n = [10, 10, 1, 30]: Y = 10/30 = 1/3; D1 = 1 − 2·(1/3)·1 = 1/3; D2 = 2 − 3·(1/3)·(1/10) = 1.9;
  // D3+ = 3 − 4·(1/3)·30 = −37: negative, falls back to 1.5.
  const [e1, e2, e3] = modifiedKneserNeyDiscounts([10, 10, 1, 30]);
  assertAlmostEquals(e1, 1 / 3, 1e-15);
  assertAlmostEquals(e2, 1.9, 1e-15);
  assertEquals(e3, 1.5);
  assertEquals(modifiedKneserNeyDiscounts([0, 0, 0, 0]), [0.5, 1, 1.5]);
  assertThrows(
    () => modifiedKneserNeyDiscounts([1, 2, 3] as unknown as [number, number, number, number]),
    RangeError,
    "modifiedKneserNeyDiscounts: countOfCounts expected [n1, n2, n3, n4]",
  );
  assertThrows(
    () => modifiedKneserNeyDiscounts([1, -2, 3, 4]),
    RangeError,
    "countOfCounts[1] expected a non-negative integer, got -2",
  );
});

Deno.test("train refuses bad orders, tokens, vocabulary sizes and boundaries", () => {
  const ok = { order: 2, vocabSize: 5, boundary: END };
  for (const order of [1, 6, 2.5, NaN]) {
    assertThrows(
      () => KneserNey.train(TOY, { ...ok, order }),
      RangeError,
      `KneserNey.train: options.order expected an integer in [2, 5], got ${order}`,
    );
  }
  assertThrows(
    () => KneserNey.train(new Int32Array([0, 1, 5]), ok),
    RangeError,
    "KneserNey.train: tokens[2] expected an index in [0, 5) (the vocabulary size), got 5",
  );
  assertThrows(
    () => KneserNey.train(new Int32Array([0, -1]), ok),
    RangeError,
    "tokens[1] expected an index in [0, 5)",
  );
  assertThrows(
    () => KneserNey.train(new Int32Array(0), ok),
    RangeError,
    "KneserNey.train: tokens expected at least one token, got an empty Int32Array",
  );
  assertThrows(
    () => KneserNey.train([0, 1] as unknown as Int32Array, ok),
    TypeError,
    "KneserNey.train: tokens expected an Int32Array, got an array of length 2",
  );
  assertThrows(
    () => KneserNey.train(TOY, { ...ok, vocabSize: 0 }),
    RangeError,
    "options.vocabSize expected a positive integer, got 0",
  );
  assertThrows(
    () => KneserNey.train(TOY, { ...ok, boundary: 5 }),
    RangeError,
    "options.boundary expected an index in [0, 5) (the vocabulary size), got 5",
  );
  assertThrows(
    () => KneserNey.train(TOY, undefined as unknown as typeof ok),
    TypeError,
    "KneserNey.train: options expected { order, vocabSize, boundary }, got undefined",
  );
});

Deno.test("prob, logProb, distribution, count, targetProbs and perplexity refuse bad input", () => {
  const model = KneserNey.train(TOY, { order: 3, ...TOY_OPTIONS });
  assertThrows(
    () => model.prob([A], B),
    RangeError,
    "KneserNey.prob: context expected at least 2 token ids (order − 1; longer contexts use " +
      "their last 2), got 1",
  );
  assertThrows(() => model.distribution([]), RangeError, "KneserNey.distribution: context");
  assertThrows(() => model.logProb([A], B), RangeError, "KneserNey.logProb: context");
  assertThrows(
    () => model.prob([A, 7], B),
    RangeError,
    "KneserNey.prob: context[1] expected an index in [0, 5) (the vocabulary size), got 7",
  );
  assertThrows(
    () => model.distribution([A, 0.5]),
    TypeError,
    "context[1] expected an integer token id, got 0.5",
  );
  assertThrows(
    () => model.prob([A, B], 5),
    RangeError,
    "KneserNey.prob: word expected an index in [0, 5) (the vocabulary size), got 5",
  );
  assertThrows(
    () => model.logProb([A, B], 1.5),
    TypeError,
    "KneserNey.logProb: word expected an integer token id, got 1.5",
  );
  assertThrows(
    () => model.prob(null as unknown as number[], B),
    TypeError,
    "KneserNey.prob: context expected an array of token ids, got null",
  );
  assertThrows(
    () => model.count([A, B, C], D),
    RangeError,
    "KneserNey.count: context expected at most 2 token ids, got 3",
  );
  assertThrows(() => model.count([A], -1), RangeError, "KneserNey.count: word expected");
  assertThrows(
    () => model.perplexity(new Int32Array(0)),
    RangeError,
    "KneserNey.perplexity: tokens expected at least one token",
  );
  assertThrows(
    () => model.targetProbs(new Int32Array([0, 9])),
    RangeError,
    "KneserNey.targetProbs: tokens[1] expected an index in [0, 5)",
  );
});
