import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertLessOrEqual,
  assertThrows,
} from "@std/assert";
import { KneserNey } from "../../lib/ngram/kneser_ney.ts";
import { chooseMixtureWeight, mixturePerplexity, mixtureProbs } from "../../lib/ngram/mixture.ts";
import { Rng } from "../../lib/random.ts";

Deno.test("mixtureProbs: λ·p_nn + (1 − λ)·p_ng entry by entry, pure", () => {
  const nn = new Float64Array([0.5, 0.25, 0.25]);
  const ng = [0.25, 0.25, 0.5];
  const nnCopy = nn.slice();
  // λ = 0.75: 0.75·0.5 + 0.25·0.25 = 0.4375; 0.75·0.25 + 0.25·0.25 = 0.25;
  // 0.75·0.25 + 0.25·0.5 = 0.3125 (all exact in binary); they still sum to 1.
  assertEquals(Array.from(mixtureProbs(nn, ng, 0.75)), [0.4375, 0.25, 0.3125]);
  assertEquals(Array.from(mixtureProbs(nn, ng, 1)), [0.5, 0.25, 0.25]);
  assertEquals(Array.from(mixtureProbs(nn, ng, 0)), [0.25, 0.25, 0.5]);
  assertEquals(nn, nnCopy);
  assertEquals(ng, [0.25, 0.25, 0.5]);
});

Deno.test("mixturePerplexity: exp of the mean −ln of the mixed target probabilities", () => {
  // λ = 0.5: mixtures 0.5·1 + 0.5·0.5 = 0.75 and 0.5·0.25 + 0.5·0.5 = 0.375;
  // perplexity = (0.75 · 0.375)^(−1/2) = (0.28125)^(−1/2).
  assertAlmostEquals(mixturePerplexity([1, 0.25], [0.5, 0.5], 0.5), 1 / Math.sqrt(0.28125), 1e-12);
  // λ = 1 is the neural model alone: (1 · 0.25)^(−1/2) = 2.
  assertAlmostEquals(mixturePerplexity([1, 0.25], [0.5, 0.5], 1), 2, 1e-12);
  // A zero probability from the mixture makes the perplexity infinite.
  assertEquals(mixturePerplexity([0, 0.5], [0.5, 0.5], 1), Infinity);
});

Deno.test("chooseMixtureWeight: the grid minimum, worked by hand", () => {
  // p_nn = [1, 1, 0], p_ng = [0, 0, 1]: the mixture gives λ, λ, 1 − λ, whose product λ²(1 − λ) is
  // largest at λ = 2/3 (derivative 2λ − 3λ² = 0). On the grid 0, 1/3, 2/3, 1 the ends give a
  // zero probability (infinite perplexity) and λ = 2/3 beats 1/3 (4/27 > 2/27), with perplexity
  // (4/27)^(−1/3).
  const choice = chooseMixtureWeight([1, 1, 0], [0, 0, 1], 3);
  assertEquals(choice.weights, [0, 1 / 3, 2 / 3, 1]);
  assertEquals(choice.weight, 2 / 3);
  assertAlmostEquals(choice.perplexity, Math.pow(4 / 27, -1 / 3), 1e-12);
  assertEquals(choice.perplexities[0], Infinity);
  assertEquals(choice.perplexities[3], Infinity);
  assertAlmostEquals(choice.perplexities[1], Math.pow(2 / 27, -1 / 3), 1e-12);

  // Equal models: every weight ties, and ties go to the smallest weight.
  assertEquals(chooseMixtureWeight([0.5, 0.25], [0.5, 0.25]).weight, 0);
});

Deno.test("chooseMixtureWeight: grid 0, 0.05, …, 1 agrees with mixturePerplexity", () => {
  const rng = new Rng(5);
  const nn = Float64Array.from({ length: 200 }, () => 0.01 + 0.9 * rng.uniform());
  const ng = Float64Array.from({ length: 200 }, () => 0.01 + 0.9 * rng.uniform());
  const choice = chooseMixtureWeight(nn, ng);
  assertEquals(choice.weights.length, 21);
  assertEquals(choice.weights[1], 0.05);
  assertEquals(choice.weights[20], 1);
  for (let s = 0; s <= 20; s++) {
    assertEquals(choice.perplexities[s], mixturePerplexity(nn, ng, s / 20));
    assertLessOrEqual(choice.perplexity, choice.perplexities[s]);
  }
  assertEquals(choice.perplexity, mixturePerplexity(nn, ng, choice.weight));
});

Deno.test("mixing two Kneser–Ney models chosen on validation is no worse than either", () => {
  const rng = new Rng(21);
  const V = 30;
  const stream = (length: number) =>
    Int32Array.from({ length }, (_, t) => (t % 7 === 6 ? 0 : 1 + ((t * 3 + rng.int(4)) % (V - 1))));
  const train = stream(3000);
  const valid = stream(600);
  const bigram = KneserNey.train(train, { order: 2, vocabSize: V, boundary: 0 });
  const trigram = KneserNey.train(train, { order: 3, vocabSize: V, boundary: 0 });
  const p2 = bigram.targetProbs(valid);
  const p3 = trigram.targetProbs(valid);
  const choice = chooseMixtureWeight(p3, p2);
  assertAlmostEquals(choice.perplexities[0], bigram.perplexity(valid), 1e-9);
  assertAlmostEquals(choice.perplexities[20], trigram.perplexity(valid), 1e-9);
  assertLessOrEqual(choice.perplexity, Math.min(choice.perplexities[0], choice.perplexities[20]));
  assert(choice.weight >= 0 && choice.weight <= 1);
});

Deno.test("mixture functions refuse bad input", () => {
  assertThrows(
    () => mixtureProbs([0.5, 0.5], [1], 0.5),
    RangeError,
    "mixtureProbs: pNgram expected 2 probabilities (as pNeural), got 1",
  );
  assertThrows(
    () => mixturePerplexity([], [], 0.5),
    RangeError,
    "mixturePerplexity: pNeural expected at least one probability, got an empty array",
  );
  assertThrows(
    () => chooseMixtureWeight([0.5, NaN], [0.5, 0.5]),
    RangeError,
    "chooseMixtureWeight: pNeural[1] expected a probability in [0, 1], got NaN",
  );
  assertThrows(
    () => mixtureProbs([0.5], [1.5], 0.5),
    RangeError,
    "mixtureProbs: pNgram[0] expected a probability in [0, 1], got 1.5",
  );
  assertThrows(
    () => mixtureProbs([0.5], [0.5], 1.2),
    RangeError,
    "mixtureProbs: weight expected a number in [0, 1], got 1.2",
  );
  assertThrows(
    () => mixturePerplexity([0.5], [0.5], NaN),
    RangeError,
    "mixturePerplexity: weight expected a number in [0, 1], got NaN",
  );
  assertThrows(
    () => chooseMixtureWeight([0.5], [0.5], 0),
    RangeError,
    "chooseMixtureWeight: steps expected a positive integer, got 0",
  );
  assertThrows(
    () => mixtureProbs("abc" as unknown as number[], [0.5], 0.5),
    TypeError,
    "mixtureProbs: pNeural expected an array of probabilities",
  );
});
