import { assert, assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import { generate, sampleNext, samplingDistribution } from "../lib/generate.ts";
import { MiniNeuralLM } from "../lib/model.ts";
import { Rng } from "../lib/random.ts";
import { matrix } from "../lib/tensor.ts";

const sum = (p: Float64Array) => p.reduce((a, b) => a + b, 0);

Deno.test("temperature: T = 1 is the softmax, T -> 0 greedy, large T flattens", () => {
  const scores = [1, 2, 3];
  const p1 = samplingDistribution(scores);
  const Z = Math.E + Math.E ** 2 + Math.E ** 3;
  assertAlmostEquals(p1[0], Math.E / Z, 1e-15);
  // T = 0.5 doubles the scores: p ∝ e^2, e^4, e^6
  const half = samplingDistribution(scores, { temperature: 0.5 });
  const Zh = Math.E ** 2 + Math.E ** 4 + Math.E ** 6;
  assertAlmostEquals(half[2], Math.E ** 6 / Zh, 1e-15);
  assertEquals(Array.from(samplingDistribution(scores, { temperature: 0 })), [0, 0, 1]);
  const hot = samplingDistribution(scores, { temperature: 1000 });
  assert(Math.max(...hot) - Math.min(...hot) < 0.001);
  for (const p of [p1, half, hot]) assertAlmostEquals(sum(p), 1, 1e-12);
});

Deno.test("top-k keeps the k most probable words; top-p the smallest nucleus", () => {
  const scores = [0.1, 0.5, 0.2, 0.15, 0.05].map(Math.log); // already a distribution
  const k2 = samplingDistribution(scores, { topK: 2 }); // keeps 0.5 and 0.2
  assertAlmostEquals(k2[1], 0.5 / 0.7, 1e-12);
  assertAlmostEquals(k2[2], 0.2 / 0.7, 1e-12);
  assertEquals([k2[0], k2[3], k2[4]], [0, 0, 0]);
  // sorted: 0.5, 0.2, 0.15, 0.1 -> cumulative 0.5, 0.7, 0.85: top-p 0.8 keeps three
  const p8 = samplingDistribution(scores, { topP: 0.8 });
  assertAlmostEquals(p8[3], 0.15 / 0.85, 1e-12);
  assertEquals([p8[0], p8[4]], [0, 0]);
  // both: top-k 2 first, then top-p within it
  const both = samplingDistribution(scores, { topK: 2, topP: 0.4 });
  assertEquals(Array.from(both), [0, 1, 0, 0, 0]);
});

Deno.test("sampleNext follows the distribution and reports the probability", () => {
  const rng = new Rng(1);
  const counts = [0, 0];
  for (let i = 0; i < 4000; i++) {
    const { index, prob } = sampleNext([0, Math.log(3)], {}, rng);
    counts[index]++;
    assertAlmostEquals(prob, index === 0 ? 0.25 : 0.75, 1e-12);
  }
  assert(Math.abs(counts[1] / 4000 - 0.75) < 0.03, `counts ${counts}`);
});

Deno.test("sampling refuses bad temperature, top-k, top-p and scores", () => {
  assertThrows(() => samplingDistribution([1], { temperature: -1 }), RangeError, "temperature");
  assertThrows(() => samplingDistribution([1], { topK: 0 }), RangeError, "topK");
  assertThrows(() => samplingDistribution([1], { topP: 0 }), RangeError, "topP");
  assertThrows(() => samplingDistribution([1, NaN]), RangeError, "scores[1]");
  assertThrows(() => samplingDistribution([]), RangeError, "at least one score");
});

// A model rigged by hand: E is one-hot, so the scores are a table lookup on the last word,
// and the "language" is 0 -> 1 -> 2 -> 3 -> 0 with certainty at low temperature.
function cycleModel() {
  const V = 4;
  const model = new MiniNeuralLM({ vocabSize: V, contextSize: 1, embedDim: V, hidden: [V] });
  const eye = Array.from({ length: V }, (_, i) => Array.from({ length: V }, (_, j) => +(i === j)));
  const next = Array.from(
    { length: V },
    (_, i) => Array.from({ length: V }, (_, j) => (i === (j + 1) % V ? 20 : 0)),
  );
  const params = {
    E: matrix(eye),
    W1: matrix(eye),
    b1: matrix([[0, 0, 0, 0]]),
    Wout: matrix(next),
    bout: matrix([[0, 0, 0, 0]]),
  };
  return { model, params };
}

Deno.test("generate slides the window: the rigged cycle model walks 1 -> 2 -> 3 -> 0", () => {
  const { model, params } = cycleModel();
  const out = generate(model, params, [0], { rng: new Rng(0), pad: 0, maxTokens: 6 });
  assertEquals(out.tokens, [1, 2, 3, 0, 1, 2]);
  assert(out.probs.every((p) => p > 0.999));
  assertEquals(out.stopped, false);
});

Deno.test("generate stops at the stop token, and is reproducible from the seed", () => {
  const { model, params } = cycleModel();
  const out = generate(model, params, [1], { rng: new Rng(0), pad: 0, stopAt: 0, maxTokens: 10 });
  assertEquals(out.tokens, [2, 3, 0]);
  assertEquals(out.stopped, true);
  const hot = { rng: new Rng(9), pad: 0, maxTokens: 30, temperature: 50 };
  const a = generate(model, params, [], hot);
  const b = generate(model, params, [], { ...hot, rng: new Rng(9) });
  assertEquals(a, b);
  assert(new Set(a.tokens).size > 1);
});

Deno.test("generate refuses prompts and options outside the vocabulary", () => {
  const { model, params } = cycleModel();
  const rng = new Rng(0);
  assertThrows(() => generate(model, params, [4], { rng, pad: 0 }), RangeError, "prompt[0]");
  assertThrows(() => generate(model, params, [1.5], { rng, pad: 0 }), RangeError, "prompt[0]");
  assertThrows(() => generate(model, params, [], { rng, pad: 7 }), RangeError, "generate: pad");
  assertThrows(
    () => generate(model, params, [], { rng, pad: 0, maxTokens: -1 }),
    RangeError,
    "maxTokens",
  );
});

Deno.test("exclude removes words from sampling, greedy included", () => {
  const scores = [Math.log(0.5), Math.log(0.3), Math.log(0.2)];
  const p = samplingDistribution(scores, { exclude: [0] }); // [0, 0.3, 0.2] / 0.5
  assertAlmostEquals(p[1], 0.6, 1e-12);
  assertEquals(p[0], 0);
  assertEquals(Array.from(samplingDistribution(scores, { temperature: 0, exclude: [0] })), [
    0,
    1,
    0,
  ]);
  assertThrows(() => samplingDistribution(scores, { exclude: [0, 1, 2] }), RangeError, "exclude");
  assertThrows(() => samplingDistribution(scores, { exclude: [3] }), RangeError, "exclude");
});
