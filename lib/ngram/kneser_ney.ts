/**
 * The n-gram baseline: interpolated modified Kneser–Ney smoothing over integer token ids.
 *
 * Bengio et al. (2003) compare the neural model with smoothed n-gram models, Kneser–Ney
 * back-off n-grams among them. This module implements the variant that Chen and Goodman found best,
 * "interpolated modified Kneser–Ney", from S. F. Chen and J. Goodman, "An empirical study of
 * smoothing techniques for language modeling", Harvard TR-10-98 (1998): the model of their
 * Section 3 ("Modified Kneser–Ney smoothing"), whose lower orders use the continuation counts of
 * their Section 2.7 ("Kneser–Ney smoothing").
 *
 * For a model of order `n`, the probability of word `w` after the context `h` of the last
 * `k − 1` words is defined order by order, `k = 1 … n`, where `h′` is `h` without its oldest
 * word:
 *
 * ```text
 * p_k(w | h) = (c_k(h w) − D_k(c_k(h w))) / S_k(h)  +  γ_k(h) · p_{k−1}(w | h′)
 * S_k(h)     = Σ_v c_k(h v)                                       (mass of the context)
 * γ_k(h)     = (D_k,1 · N1(h •) + D_k,2 · N2(h •) + D_k,3+ · N3+(h •)) / S_k(h)
 * D_k(c)     = 0 if c = 0,  D_k,1 if c = 1,  D_k,2 if c = 2,  D_k,3+ if c ≥ 3
 * p_0(w)     = 1 / |V|                                              (the uniform distribution)
 * ```
 *
 * `N1(h •)`, `N2(h •)`, `N3+(h •)` count the words that follow `h` with count 1, 2 and 3 or
 * more; `γ_k(h)` is exactly the mass the discounts removed, so every `p_k(· | h)` sums to 1.
 *
 * - The highest order uses raw counts: `c_n(h w)` is how often `h w` occurs.
 * - The lower orders use continuation counts: `c_k(h w) = N1+(• h w)`, the number of DIFFERENT
 *   words seen just before `h w`. A word that follows many contexts ("the") gets a high
 *   lower-order probability; a word frequent only after one context ("Francisco" after "San")
 *   does not, because the lower order is only consulted when the longer context is not enough.
 * - The three discounts of each order come from that order's count-of-counts `n_r` (how many
 *   distinct k-grams have `c_k = r`), Chen and Goodman's estimates in Section 3:
 *
 *   ```text
 *   Y = n1 / (n1 + 2 n2)
 *   D1 = 1 − 2 Y n2 / n1      D2 = 2 − 3 Y n3 / n2      D3+ = 3 − 4 Y n4 / n3
 *   ```
 *
 *   On a corpus too small for these estimates (a zero `n_r` in a denominator, or an estimate
 *   outside `(0, r)`), `D_r` falls back to `r / 2`; see {@linkcode modifiedKneserNeyDiscounts}.
 * - A context never seen in training (`S_k(h) = 0`) backs off fully: `p_k(w | h) = p_{k−1}(w |
 *   h′)`. Because every discount is positive, every `γ_k(h) > 0`, and because the recursion ends
 *   in the uniform distribution, every word of the vocabulary has a probability above zero.
 *
 * The corpus is one long stream of token ids in which the `boundary` token (`</s>`) ends each
 * sentence. The context of position `t` is the `n − 1` tokens before it, with positions before
 * the start of the stream filled with `boundary` (the convention of the neural model's windows);
 * contexts run across sentence ends, and the boundary tokens themselves are predicted like any
 * other word.
 *
 * Storage. Every context is a node of a trie that grows backwards in time: node 0 is the empty
 * context, and the child of node `h` by token `x` is the context `x h` (one token further into
 * the past). Walking from the root through tokens `t−1, t−2, …` visits the contexts of orders
 * 1, 2, …, n in the order the recursion above needs them, so one probability costs `n − 1` child
 * lookups plus `n` count lookups: O(order). Both maps are keyed by the integer
 * `node · |V| + token`, which is unique and exact (below 2^53).
 *
 * @module
 */

import { argError, describeValue } from "../errors.ts";
import { checkStream, checkToken, countKneserNey, type KneserNeyTables } from "./counts.ts";
import type { CountOfCounts, Discounts } from "./discounts.ts";

export { type CountOfCounts, type Discounts, modifiedKneserNeyDiscounts } from "./discounts.ts";

/** The orders this module supports: bigram to 5-gram. */
const MIN_ORDER = 2;
const MAX_ORDER = 5;

/** Options of {@linkcode KneserNey.train}. */
export interface KneserNeyOptions {
  /** `n`: the model predicts a word from the `n − 1` before it; an integer in `[2, 5]`. */
  order: number;
  /** `|V|`: every token id lies in `[0, vocabSize)`. */
  vocabSize: number;
  /** The id of `</s>`: it separates sentences and pads the contexts before the stream starts. */
  boundary: number;
}

/**
 * An interpolated modified Kneser–Ney n-gram model (see the module documentation for the
 * equations). Build one with {@linkcode KneserNey.train}; the model is immutable.
 *
 * Contexts passed to {@linkcode KneserNey.prob} and its siblings must hold at least `order − 1`
 * token ids; a longer context is allowed and only its last `order − 1` tokens are used (so a
 * whole prefix of a sentence can be passed as is).
 *
 * @example
 * ```ts
 * import { assert, assertAlmostEquals } from "@std/assert";
 * import { KneserNey } from "./kneser_ney.ts";
 * // ids: 0 = "a", 1 = "b", 2 = "</s>"; the stream "a b a b </s>"
 * const model = KneserNey.train(new Int32Array([0, 1, 0, 1, 2]), {
 *   order: 2,
 *   vocabSize: 3,
 *   boundary: 2,
 * });
 * assert(model.prob([0], 1) > model.prob([0], 0)); // "b" follows "a" in the data
 * const p = model.distribution([0]);
 * assertAlmostEquals(p[0] + p[1] + p[2], 1, 1e-12);
 * ```
 */
export class KneserNey {
  /** `n`: the number of tokens in the longest n-gram (context of `n − 1` plus the word). */
  readonly order: number;
  /** `|V|`: token ids lie in `[0, vocabSize)`. */
  readonly vocabSize: number;
  /** The id of `</s>`, which pads the contexts before the start of a stream. */
  readonly boundary: number;
  /**
   * `discounts[k − 1]` is `[D1, D2, D3+]` of order `k`: index 0 is the unigram order (on
   * continuation counts), index `order − 1` the highest order (on raw counts).
   */
  readonly discounts: readonly Discounts[];
  /** `countOfCounts[k − 1]` is `[n1, n2, n3, n4]` of order `k`, the input of its discounts. */
  readonly countOfCounts: readonly CountOfCounts[];

  /** Child of context node `h` by an older token `x`, keyed `h · |V| + x`. */
  readonly #children: Map<number, number>;
  /** `c_k(h w)`, keyed `h · |V| + w`; the order `k` is one more than the length of `h`. */
  readonly #counts: Map<number, number>;
  /** `S_k(h)` by context node. */
  readonly #mass: Float64Array;
  /** `γ_k(h)` by context node. */
  readonly #gamma: Float64Array;
  /** `D_k(c)` at `[(k − 1) · 4 + min(c, 3)]`, with `D_k(0) = 0`. */
  readonly #discount: Float64Array;

  private constructor(options: KneserNeyOptions, tables: KneserNeyTables) {
    this.order = options.order;
    this.vocabSize = options.vocabSize;
    this.boundary = options.boundary;
    this.discounts = Object.freeze(tables.discounts.map((d) => Object.freeze(d)));
    this.countOfCounts = Object.freeze(tables.countOfCounts.map((n) => Object.freeze(n)));
    this.#children = tables.children;
    this.#counts = tables.counts;
    this.#mass = tables.mass;
    this.#gamma = tables.gamma;
    this.#discount = new Float64Array(4 * options.order);
    for (let k = 1; k <= options.order; k++) {
      for (let r = 1; r <= 3; r++) {
        this.#discount[(k - 1) * 4 + r] = tables.discounts[k - 1][r - 1];
      }
    }
  }

  /**
   * Counts the n-grams of a token stream and estimates the model: one pass over the stream to
   * count, one pass over the distinct n-grams for the count-of-counts, the masses `S_k(h)` and
   * the backoff weights `γ_k(h)`. Time and memory are linear in `tokens.length · order`.
   *
   * Raw counts are kept only for the highest order. When position `t` brings an n-gram never seen
   * before, its (n−1)-gram suffix has gained a new distinct left neighbour, so that suffix's
   * continuation count grows by one; if the suffix was itself new, the same holds one order
   * down, and so on.
   *
   * @param tokens the training stream, ids in `[0, vocabSize)`, `boundary` between sentences
   * @param options `order` in `[2, 5]`, `vocabSize`, `boundary`
   * @returns the trained model
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { KneserNey } from "./kneser_ney.ts";
   * // ids: 0 = "a", 1 = "b", 2 = "c", 3 = "</s>"; the stream "a b a c a b </s>"
   * const model = KneserNey.train(new Int32Array([0, 1, 0, 2, 0, 1, 3]), {
   *   order: 2,
   *   vocabSize: 4,
   *   boundary: 3,
   * });
   * assertEquals(model.count([0], 1), 2); // "a b" occurs twice
   * assertEquals(model.count([], 0), 3); // "a" follows 3 different words: </s> (padding), b, c
   * ```
   */
  static train(tokens: Int32Array, options: KneserNeyOptions): KneserNey {
    const fn = "KneserNey.train";
    if (options === null || typeof options !== "object") {
      throw argError(
        fn,
        "options",
        "{ order, vocabSize, boundary }",
        describeValue(options),
        TypeError,
      );
    }
    const { order, vocabSize, boundary } = options;
    if (!Number.isInteger(order) || order < MIN_ORDER || order > MAX_ORDER) {
      throw argError(
        fn,
        "options.order",
        `an integer in [${MIN_ORDER}, ${MAX_ORDER}]`,
        describeValue(order),
      );
    }
    if (!Number.isSafeInteger(vocabSize) || vocabSize < 1) {
      throw argError(fn, "options.vocabSize", "a positive integer", describeValue(vocabSize));
    }
    checkToken(fn, "options.boundary", boundary, vocabSize);
    checkStream(fn, tokens, vocabSize);
    // The trie has at most 1 + length · (order − 1) nodes; keys node · |V| + token must be exact.
    const maxNodes = 1 + tokens.length * (order - 1);
    if (maxNodes * vocabSize > Number.MAX_SAFE_INTEGER) {
      throw argError(
        fn,
        "tokens",
        `(1 + length·(order − 1))·vocabSize <= 2^53 − 1 so that keys stay exact`,
        `length ${tokens.length}, vocabSize ${vocabSize}`,
      );
    }
    return new KneserNey(
      { order, vocabSize, boundary },
      countKneserNey(tokens, order, vocabSize, boundary),
    );
  }
  /** Token `i` of `context`, or `boundary` for the padding before its start (`i < 0`). */
  #tokenAt(context: ArrayLike<number>, i: number): number {
    return i >= 0 ? context[i] : this.boundary;
  }

  /** The context `older h` one token further into the past than node `h`, or -1 if unseen. */
  #child(node: number, older: number): number {
    return this.#children.get(node * this.vocabSize + older) ?? -1;
  }

  /** The node of the whole `context`, walked from its newest token back, or -1 if unseen. */
  #contextNode(context: ArrayLike<number>): number {
    let node = 0;
    for (let i = context.length - 1; i >= 0 && node >= 0; i--) {
      node = this.#child(node, context[i]);
    }
    return node;
  }

  /** `p_k(w | h) = (c − D_k(c)) / S_k(h) + γ_k(h) · lower`, for a seen context node `h`. */
  #interpolate(k: number, node: number, word: number, lower: number): number {
    const c = this.#counts.get(node * this.vocabSize + word) ?? 0;
    // D_k(c) < c for c ≥ 1 (the discounts lie in (0, r)), so the first term is never negative.
    const d = this.#discount[(k - 1) * 4 + Math.min(c, 3)];
    return (c - d) / this.#mass[node] + this.#gamma[node] * lower;
  }

  /**
   * `p(word | context)` where the context is the `order − 1` tokens before index `end` of
   * `context`, indices below 0 reading as `boundary`. Walks the trie from the root, so order
   * `k` is computed right after order `k − 1`, starting from the uniform `p_0 = 1 / |V|`.
   */
  #probAt(context: ArrayLike<number>, end: number, word: number): number {
    let p = 1 / this.vocabSize;
    let node = 0; // the empty context of order 1
    for (let k = 1; k <= this.order; k++) {
      if (k > 1) {
        node = this.#child(node, this.#tokenAt(context, end - (k - 1)));
        // Unseen context: it and every longer one back off fully, p_k = p_{k−1}.
        if (node < 0) break;
      }
      p = this.#interpolate(k, node, word, p);
    }
    return p;
  }

  #checkContext(fn: string, context: unknown): ArrayLike<number> {
    if (
      context === null || typeof context !== "object" ||
      typeof (context as ArrayLike<number>).length !== "number"
    ) {
      throw argError(fn, "context", "an array of token ids", describeValue(context), TypeError);
    }
    const ctx = context as ArrayLike<number>;
    const need = this.order - 1;
    if (ctx.length < need) {
      throw argError(
        fn,
        "context",
        `at least ${need} token ids (order − 1; longer contexts use their last ${need})`,
        `${ctx.length}`,
      );
    }
    for (let i = ctx.length - need; i < ctx.length; i++) {
      checkToken(fn, `context[${i}]`, ctx[i], this.vocabSize);
    }
    return ctx;
  }

  /**
   * `p(word | context)` by the interpolated modified Kneser–Ney recursion, in O(order).
   *
   * @param context at least `order − 1` token ids; only the last `order − 1` are used
   * @param word a token id in `[0, vocabSize)`
   * @returns a probability in `(0, 1]`
   *
   * @example
   * ```ts
   * import { assertAlmostEquals } from "@std/assert";
   * import { KneserNey } from "./kneser_ney.ts";
   * // "a b a c a b </s>" with a = 0, b = 1, c = 2, </s> = 3, order 2 (the arithmetic is spelled
   * // out in tests/ngram/kneser_ney_test.ts): D1 = 5/7, γ(a) = 4/7, p_1(c) = 5/24, so
   * // p(c | a) = (1 − 5/7)/3 + (4/7)·(5/24) = 2/21 + 5/42 = 3/14.
   * const model = KneserNey.train(new Int32Array([0, 1, 0, 2, 0, 1, 3]), {
   *   order: 2,
   *   vocabSize: 4,
   *   boundary: 3,
   * });
   * assertAlmostEquals(model.prob([0], 2), 3 / 14, 1e-15);
   * ```
   */
  prob(context: ArrayLike<number>, word: number): number {
    const ctx = this.#checkContext("KneserNey.prob", context);
    checkToken("KneserNey.prob", "word", word, this.vocabSize);
    return this.#probAt(ctx, ctx.length, word);
  }

  /**
   * `ln p(word | context)`, the natural log of {@linkcode KneserNey.prob}.
   *
   * @param context at least `order − 1` token ids; only the last `order − 1` are used
   * @param word a token id in `[0, vocabSize)`
   * @returns a finite negative number
   *
   * @example
   * ```ts
   * import { assertAlmostEquals } from "@std/assert";
   * import { KneserNey } from "./kneser_ney.ts";
   * const options = { order: 2, vocabSize: 3, boundary: 2 };
   * const model = KneserNey.train(new Int32Array([0, 1, 2]), options);
   * assertAlmostEquals(model.logProb([0], 1), Math.log(model.prob([0], 1)), 1e-15);
   * ```
   */
  logProb(context: ArrayLike<number>, word: number): number {
    const ctx = this.#checkContext("KneserNey.logProb", context);
    checkToken("KneserNey.logProb", "word", word, this.vocabSize);
    return Math.log(this.#probAt(ctx, ctx.length, word));
  }

  /**
   * The whole next-word distribution `p(· | context)` over the vocabulary, in O(|V| · order):
   * the same recursion as {@linkcode KneserNey.prob}, run for every word at once, so
   * `distribution(context)[w]` equals `prob(context, w)` exactly.
   *
   * @param context at least `order − 1` token ids; only the last `order − 1` are used
   * @returns `Float64Array [vocabSize]`, every entry above 0, summing to 1
   *
   * @example
   * ```ts
   * import { assertAlmostEquals } from "@std/assert";
   * import { KneserNey } from "./kneser_ney.ts";
   * const model = KneserNey.train(new Int32Array([0, 1, 0, 2, 3]), {
   *   order: 3,
   *   vocabSize: 5,
   *   boundary: 3,
   * });
   * const p = model.distribution([4, 4]); // a context never seen: backs off to the unigram order
   * assertAlmostEquals(p.reduce((s, x) => s + x, 0), 1, 1e-12);
   * ```
   */
  distribution(context: ArrayLike<number>): Float64Array {
    const ctx = this.#checkContext("KneserNey.distribution", context);
    const V = this.vocabSize;
    const p = new Float64Array(V).fill(1 / V);
    let node = 0;
    for (let k = 1; k <= this.order; k++) {
      if (k > 1) {
        node = this.#child(node, ctx[ctx.length - (k - 1)]);
        if (node < 0) break; // unseen context: this order and all longer ones keep p_{k−1}
      }
      for (let w = 0; w < V; w++) p[w] = this.#interpolate(k, node, w, p[w]);
    }
    return p;
  }

  /**
   * The count the model uses for `context word` at order `context.length + 1`: the raw count
   * `c(h w)` when the context has `order − 1` tokens, the continuation count `N1+(• h w)` (how
   * many different tokens were seen just before `h w`) when it is shorter. 0 if never seen.
   * Counts include the padded n-grams at the start of the training stream.
   *
   * @param context between 0 and `order − 1` token ids
   * @param word a token id in `[0, vocabSize)`
   * @returns a non-negative integer
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { KneserNey } from "./kneser_ney.ts";
   * // "a a a" with a = 0, </s> = 1: the bigram "a a" occurs twice; the padded "</s> a" once.
   * const options = { order: 2, vocabSize: 2, boundary: 1 };
   * const model = KneserNey.train(new Int32Array([0, 0, 0]), options);
   * assertEquals(model.count([0], 0), 2);
   * assertEquals(model.count([1], 0), 1);
   * assertEquals(model.count([], 0), 2); // "a" follows two different tokens: </s> and a
   * ```
   */
  count(context: ArrayLike<number>, word: number): number {
    const fn = "KneserNey.count";
    if (
      context === null || typeof context !== "object" || typeof context.length !== "number"
    ) {
      throw argError(fn, "context", "an array of token ids", describeValue(context), TypeError);
    }
    if (context.length > this.order - 1) {
      throw argError(fn, "context", `at most ${this.order - 1} token ids`, `${context.length}`);
    }
    for (let i = 0; i < context.length; i++) {
      checkToken(fn, `context[${i}]`, context[i], this.vocabSize);
    }
    checkToken(fn, "word", word, this.vocabSize);
    const node = this.#contextNode(context);
    return node < 0 ? 0 : this.#counts.get(node * this.vocabSize + word) ?? 0;
  }

  /**
   * The probability of every token of a stream given the `order − 1` tokens before it, the
   * contexts before the start padded with `boundary`:
   * `probs[t] = p(tokens[t] | tokens[t−n+1 .. t−1])`. These are the per-position target
   * probabilities that {@linkcode KneserNey.perplexity} averages, and that the mixture with the
   * neural model (`chooseMixtureWeight` in `mixture.ts`) takes.
   *
   * @param tokens a non-empty stream of token ids in `[0, vocabSize)`
   * @returns `Float64Array [tokens.length]`
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { KneserNey } from "./kneser_ney.ts";
   * const options = { order: 2, vocabSize: 3, boundary: 2 };
   * const model = KneserNey.train(new Int32Array([0, 1, 2]), options);
   * const probs = model.targetProbs(new Int32Array([0, 1]));
   * assertEquals(probs[0], model.prob([2], 0)); // the first token's context is the boundary
   * assertEquals(probs[1], model.prob([0], 1));
   * ```
   */
  targetProbs(tokens: Int32Array): Float64Array {
    checkStream("KneserNey.targetProbs", tokens, this.vocabSize);
    const probs = new Float64Array(tokens.length);
    for (let t = 0; t < tokens.length; t++) probs[t] = this.#probAt(tokens, t, tokens[t]);
    return probs;
  }

  /**
   * The perplexity of the model on a stream, over every position (the boundary tokens are
   * predicted too, as the neural model does):
   *
   * ```text
   * perplexity = exp( −(1/T) Σ_t ln p(tokens[t] | tokens[t−n+1 .. t−1]) )
   * ```
   *
   * with the contexts before the start padded with `boundary`.
   *
   * @param tokens a non-empty stream of token ids in `[0, vocabSize)`
   * @returns a number ≥ 1, finite because every probability is above 0
   *
   * @example
   * ```ts
   * import { assert } from "@std/assert";
   * import { KneserNey } from "./kneser_ney.ts";
   * const stream = new Int32Array([0, 1, 2, 0, 1, 2, 0, 1, 2]);
   * const model = KneserNey.train(stream, { order: 2, vocabSize: 3, boundary: 2 });
   * const ppl = model.perplexity(stream);
   * assert(ppl >= 1 && ppl < 3); // better than the uniform guess over 3 words
   * ```
   */
  perplexity(tokens: Int32Array): number {
    checkStream("KneserNey.perplexity", tokens, this.vocabSize);
    let sumLog = 0;
    for (let t = 0; t < tokens.length; t++) sumLog += Math.log(this.#probAt(tokens, t, tokens[t]));
    return Math.exp(-sumLog / tokens.length);
  }

  /** `KneserNey order 3, |V| 14000`, for error messages and the REPL. */
  describe(): string {
    return `KneserNey order ${this.order}, |V| ${this.vocabSize}`;
  }
}
