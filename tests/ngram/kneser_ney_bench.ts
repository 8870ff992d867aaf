/**
 * Timing of the Kneser–Ney baseline at the size of Bengio et al.'s Brown setup: train on
 * 800,000 tokens over |V| = 14,000 ids, evaluate on 200,000. The stream is synthetic, drawn
 * i.i.d. from a Zipf law `p(k) ∝ 1/(k + 1)` with a seeded {@linkcode Rng}; an i.i.d. stream has
 * far more distinct n-grams than real text, so it is a pessimistic load.
 *
 * Run with `deno bench tests/ngram/kneser_ney_bench.ts`.
 *
 * @module
 */

import { KneserNey } from "../../lib/ngram/kneser_ney.ts";
import { Rng } from "../../lib/random.ts";

/** `length` ids from `p(k) ∝ 1/(k + 1)` over `[0, vocabSize)`, by binary search in the CDF. */
function zipfStream(rng: Rng, length: number, vocabSize: number): Int32Array {
  const cdf = new Float64Array(vocabSize);
  let total = 0;
  for (let k = 0; k < vocabSize; k++) {
    total += 1 / (k + 1);
    cdf[k] = total;
  }
  const out = new Int32Array(length);
  for (let t = 0; t < length; t++) {
    const u = rng.uniform() * total;
    let lo = 0;
    let hi = vocabSize - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] > u) hi = mid;
      else lo = mid + 1;
    }
    out[t] = lo;
  }
  return out;
}

const V = 14000;
const rng = new Rng(2003);
const train = zipfStream(rng, 800_000, V);
const valid = zipfStream(rng, 200_000, V);
const options = { vocabSize: V, boundary: 0 }; // id 0, the most frequent, plays </s>
const trigram = KneserNey.train(train, { order: 3, ...options });

Deno.bench({
  name: "train order 3 on 800k tokens, |V| 14k",
  n: 3,
  warmup: 1,
  fn: () => {
    KneserNey.train(train, { order: 3, ...options });
  },
});

Deno.bench({
  name: "perplexity order 3 on 200k tokens",
  n: 5,
  warmup: 1,
  fn: () => {
    trigram.perplexity(valid);
  },
});

Deno.bench({
  name: "distribution order 3 over |V| 14k",
  n: 50,
  warmup: 5,
  fn: () => {
    trigram.distribution([valid[100], valid[101]]);
  },
});
