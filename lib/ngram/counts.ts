/**
 * Counting for interpolated modified Kneser–Ney (the equations are in `kneser_ney.ts`): one pass
 * over a token stream builds the trie of contexts and the counts `c_k(h w)` (raw at the highest
 * order, continuation counts below), and one pass over the distinct k-grams gives each order's
 * count-of-counts and discounts, each context's mass `S_k(h)` and backoff weight `γ_k(h)`.
 * Private to the n-gram model: `kneser_ney.ts` does not re-export these names.
 *
 * @module
 */

import { argError, describeValue } from "../errors.ts";
import { type CountOfCounts, type Discounts, modifiedKneserNeyDiscounts } from "./discounts.ts";

/** `token` when it is an integer id in `[0, vocabSize)`; an error naming `fn` and `arg` otherwise. */
export function checkToken(fn: string, arg: string, token: unknown, vocabSize: number): number {
  if (typeof token !== "number" || !Number.isInteger(token)) {
    throw argError(fn, arg, "an integer token id", describeValue(token), TypeError);
  }
  if (token < 0 || token >= vocabSize) {
    throw argError(fn, arg, `an index in [0, ${vocabSize}) (the vocabulary size)`, `${token}`);
  }
  return token;
}

/** `tokens` when it is a non-empty `Int32Array` of ids in `[0, vocabSize)`; an error otherwise. */
export function checkStream(fn: string, tokens: unknown, vocabSize: number): Int32Array {
  if (!(tokens instanceof Int32Array)) {
    throw argError(fn, "tokens", "an Int32Array", describeValue(tokens), TypeError);
  }
  if (tokens.length === 0) {
    throw argError(fn, "tokens", "at least one token", "an empty Int32Array");
  }
  for (let t = 0; t < tokens.length; t++) {
    if (tokens[t] < 0 || tokens[t] >= vocabSize) {
      throw argError(
        fn,
        `tokens[${t}]`,
        `an index in [0, ${vocabSize}) (the vocabulary size)`,
        `${tokens[t]}`,
      );
    }
  }
  return tokens;
}

/** What {@linkcode countKneserNey} returns: the trie, the counts and the estimates of a model. */
export interface KneserNeyTables {
  /** Child of context node `h` by an older token `x`, keyed `h · |V| + x`; node 0 is the root. */
  children: Map<number, number>;
  /** `c_k(h w)`, keyed `h · |V| + w`; the order `k` is one more than the length of `h`. */
  counts: Map<number, number>;
  /** `S_k(h) = Σ_v c_k(h v)` by context node. */
  mass: Float64Array;
  /** `γ_k(h)` by context node (0 for a context with no mass). */
  gamma: Float64Array;
  /** `[D1, D2, D3+]` of each order `k`, at index `k − 1`. */
  discounts: Discounts[];
  /** `[n1, n2, n3, n4]` of each order `k`, at index `k − 1`. */
  countOfCounts: CountOfCounts[];
}

/**
 * Counts the n-grams of `tokens` for a model of `order` and estimates its discounts and backoff
 * weights. The stream, `order`, `vocabSize` and `boundary` must already be checked (see
 * `KneserNey.train`, which documents the counting rules).
 *
 * @param tokens the training stream, ids in `[0, vocabSize)`
 * @param order `n`, in `[2, 5]`
 * @param vocabSize `|V|`
 * @param boundary the id that pads the contexts before the start of the stream
 * @returns the tables of the model
 */
export function countKneserNey(
  tokens: Int32Array,
  order: number,
  vocabSize: number,
  boundary: number,
): KneserNeyTables {
  const V = vocabSize;
  const children = new Map<number, number>();
  const counts = new Map<number, number>();
  const depth: number[] = [0]; // depth[node] = length of the context; node 0 is the root
  const path = new Int32Array(order); // path[j]: node of the last j tokens before position t

  for (let t = 0; t < tokens.length; t++) {
    const word = tokens[t];
    let node = 0;
    for (let j = 1; j < order; j++) {
      const i = t - j;
      const older = i >= 0 ? tokens[i] : boundary;
      const key = node * V + older;
      let child = children.get(key);
      if (child === undefined) {
        child = depth.length;
        depth.push(j);
        children.set(key, child);
      }
      node = child;
      path[j] = node;
    }
    // The highest order always counts; a lower order counts only when the n-gram one order up
    // was new, i.e. when its own k-gram gained a new distinct left neighbour.
    for (let k = order; k >= 1; k--) {
      const key = path[k - 1] * V + word;
      const before = counts.get(key) ?? 0;
      counts.set(key, before + 1);
      if (before > 0) break;
    }
  }

  // One pass over the distinct k-grams: count-of-counts per order, mass and N1/N2/N3+ per
  // context node.
  const nodes = depth.length;
  const mass = new Float64Array(nodes);
  const followers = new Float64Array(nodes * 3); // [N1(h •), N2(h •), N3+(h •)] per node
  const nr: number[][] = [];
  for (let k = 1; k <= order; k++) nr.push([0, 0, 0, 0]);
  for (const [key, c] of counts) {
    const node = Math.floor(key / V);
    const k = depth[node] + 1;
    if (c <= 4) nr[k - 1][c - 1]++;
    mass[node] += c;
    followers[node * 3 + Math.min(c, 3) - 1]++;
  }
  const countOfCounts = nr.map((n) => [n[0], n[1], n[2], n[3]] as const);
  const discounts = countOfCounts.map((n) => modifiedKneserNeyDiscounts(n));

  const gamma = new Float64Array(nodes);
  for (let node = 0; node < nodes; node++) {
    const [d1, d2, d3] = discounts[depth[node]];
    const removed = d1 * followers[node * 3] + d2 * followers[node * 3 + 1] +
      d3 * followers[node * 3 + 2];
    gamma[node] = mass[node] > 0 ? removed / mass[node] : 0;
  }
  return { children, counts, mass, gamma, discounts, countOfCounts };
}
