import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertLessOrEqual,
  assertThrows,
} from "@std/assert";
import { KneserNey } from "../../lib/ngram/kneser_ney.ts";
import {
  chooseMixtureWeight,
  fitMixtureWeights,
  mixturePerplexity,
  mixturePerplexityOf,
  mixtureProbs,
} from "../../lib/ngram/mixture.ts";
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

/**
 * Data drawn from a known mixture: each position's word comes from model A with probability
 * `λ`, else from model B; the two models predict different words. The fitted weight must come
 * back close to `λ`.
 */
function drawnFromMixture(lambda: number, T: number, seed: number) {
  const rng = new Rng(seed);
  const V = 10;
  const pA = new Float64Array(T), pB = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    // A gives word 0 probability 0.9 (the others 0.1/9); B gives word 1 probability 0.9.
    const fromA = rng.uniform() < lambda;
    const sure = rng.uniform() < 0.9;
    const word = sure ? (fromA ? 0 : 1) : 2 + rng.int(V - 2);
    pA[t] = word === 0 ? 0.9 : 0.1 / (V - 1);
    pB[t] = word === 1 ? 0.9 : 0.1 / (V - 1);
  }
  return { pA, pB };
}

Deno.test("fitMixtureWeights: two components recover the weight they were mixed with", () => {
  for (const lambda of [0.2, 0.5, 0.8]) {
    const { pA, pB } = drawnFromMixture(lambda, 20000, 7);
    const fit = fitMixtureWeights([pA, pB]);
    assert(fit.converged);
    assertAlmostEquals(fit.weights[0], lambda, 0.02);
    assertAlmostEquals(fit.weights[0] + fit.weights[1], 1, 1e-12);
    // The same maximum as the two-model grid search, to within its step.
    const grid = chooseMixtureWeight(pA, pB, 100);
    assertAlmostEquals(fit.weights[0], grid.weight, 0.011);
    assertLessOrEqual(fit.perplexity, grid.perplexity + 1e-9);
    assertAlmostEquals(fit.perplexity, mixturePerplexityOf([pA, pB], fit.weights), 1e-9);
  }
});

Deno.test("fitMixtureWeights: an iteration never lowers the validation likelihood", () => {
  const rng = new Rng(3);
  for (let trial = 0; trial < 20; trial++) {
    const K = 2 + rng.int(4), T = 1 + rng.int(200);
    const components = Array.from(
      { length: K },
      () => Float64Array.from({ length: T }, () => rng.uniform() ** 3),
    );
    const fit = fitMixtureWeights(components, { tolerance: 0, maxIterations: 60 });
    for (let i = 1; i < fit.logLikelihoods.length; i++) {
      assert(
        fit.logLikelihoods[i] >= fit.logLikelihoods[i - 1] - 1e-12,
        `trial ${trial}, iteration ${i}: ${fit.logLikelihoods[i]} < ${fit.logLikelihoods[i - 1]}`,
      );
    }
    assertAlmostEquals(fit.weights.reduce((a, b) => a + b, 0), 1, 1e-12);
    // Never worse than the uniform start, nor than any model alone.
    const uniform = components.map(() => 1 / K);
    assertLessOrEqual(fit.perplexity, mixturePerplexityOf(components, uniform) + 1e-9);
    for (let k = 0; k < K; k++) {
      const alone = components.map((_, j) => (j === k ? 1 : 0));
      assertLessOrEqual(fit.perplexity, mixturePerplexityOf(components, alone) + 1e-9);
    }
  }
});

Deno.test("fitMixtureWeights: a model that is always better takes all the weight; the tolerance stops it", () => {
  const fit = fitMixtureWeights([[0.5, 0.5, 0.5], [0.1, 0.1, 0.1]], { tolerance: 1e-12 });
  assert(fit.weights[0] > 0.999, `${fit.weights}`);
  const early = fitMixtureWeights([[0.5, 0.5, 0.5], [0.1, 0.1, 0.1]], { maxIterations: 2 });
  assertEquals([early.iterations, early.converged, early.logLikelihoods.length], [2, false, 3]);
});

Deno.test("fitMixtureWeights refuses bad components and options, naming them", () => {
  assertThrows(() => fitMixtureWeights([]), TypeError, "fitMixtureWeights: components expected");
  assertThrows(
    () => fitMixtureWeights([[0.5], [0.5, 0.5]]),
    RangeError,
    "components[1] expected 1 probabilities (as components[0]), got 2",
  );
  assertThrows(() => fitMixtureWeights([[0.5], [1.5]]), RangeError, "components[1][0]");
  assertThrows(
    () => fitMixtureWeights([[0, 0.5], [0, 0.5]]),
    RangeError,
    "got 0 from every model at position 0",
  );
  assertThrows(
    () => fitMixtureWeights([[0.5], [0.5]], { initial: [1, 0] }),
    RangeError,
    "options.initial expected positive weights",
  );
  assertThrows(
    () => fitMixtureWeights([[0.5], [0.5]], { initial: [0.7, 0.7] }),
    RangeError,
    "options.initial expected 2 weights in [0, 1] that sum to 1",
  );
  assertThrows(
    () => fitMixtureWeights([[0.5]], { tolerance: -1 }),
    RangeError,
    "options.tolerance expected a finite number >= 0",
  );
});

Deno.test("a KN trigram and a KN bigram mixed by EM: never worse on validation than either", () => {
  const rng = new Rng(11);
  const seq = (n: number) =>
    Int32Array.from({ length: n }, (_, i) => (i % 7 === 0 ? 0 : 1 + rng.int(5)));
  const train = seq(3000), valid = seq(500);
  const models = [2, 3].map((order) =>
    KneserNey.train(train, { order, vocabSize: 6, boundary: 0 })
  );
  const probs = models.map((kn) => kn.targetProbs(valid));
  const fit = fitMixtureWeights(probs);
  for (const kn of models) assertLessOrEqual(fit.perplexity, kn.perplexity(valid) + 1e-9);
});
