import { assert, assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import {
  generate,
  type GenerateOptions,
  sampleNext,
  samplingDistribution,
  type SamplingOptions,
} from "../lib/generate.ts";
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

type Sampler = (scores: number[], options: unknown) => unknown;
const SAMPLERS: [string, Sampler][] = [
  ["samplingDistribution", (s, o) => samplingDistribution(s, o as SamplingOptions)],
  ["sampleNext", (s, o) => sampleNext(s, o as SamplingOptions, new Rng(0))],
];

Deno.test("sampling refuses bad temperature, top-k, top-p and scores, naming the option", () => {
  for (const [name, f] of SAMPLERS) {
    const bad: [object, string][] = [
      [{ temperature: -1 }, "options.temperature expected a finite number >= 0, got -1"],
      [{ temperature: NaN }, "options.temperature expected a finite number >= 0, got NaN"],
      [
        { temperature: Infinity },
        "options.temperature expected a finite number >= 0, got Infinity",
      ],
      [{ topK: 0 }, "options.topK expected a positive integer (or Infinity), got 0"],
      [{ topK: 2.5 }, "options.topK expected a positive integer (or Infinity), got 2.5"],
      [{ topK: NaN }, "options.topK expected a positive integer (or Infinity), got NaN"],
      [
        { topK: -Infinity },
        "options.topK expected a positive integer (or Infinity), got -Infinity",
      ],
      [{ topP: 0 }, "options.topP expected a probability in (0, 1], got 0"],
      [{ topP: 1.5 }, "options.topP expected a probability in (0, 1], got 1.5"],
      [{ topP: NaN }, "options.topP expected a probability in (0, 1], got NaN"],
      [{ exclude: [5] }, "options.exclude[0] expected an index in [0, 2), got 5"],
      [{ exclude: [0, 0.5] }, "options.exclude[1] expected an index in [0, 2), got 0.5"],
      [
        { exclude: [1, 0, 1] },
        "options.exclude expected to leave at least one word, got all 2 words",
      ],
      [
        { topk: 1 },
        'options expected only temperature, topK, topP, exclude, got an unknown "topk"',
      ],
    ];
    for (const [options, message] of bad) {
      // Every check holds at every temperature, greedy included.
      for (const temperature of [0, 1]) {
        const o = "temperature" in options ? options : { temperature, ...options };
        assertThrows(() => f([1, 2], o), RangeError, `${name}: ${message}`);
      }
    }
    const wrongType: [object, string][] = [
      [{ temperature: "0.5" }, 'options.temperature expected a number, got "0.5"'],
      [{ topK: "3" }, 'options.topK expected a number, got "3"'],
      [{ topP: "0.5" }, 'options.topP expected a number, got "0.5"'],
      [{ exclude: 1 }, "options.exclude expected an array of word indices, got 1"],
    ];
    for (const [options, message] of wrongType) {
      assertThrows(
        () => f([1, 2], { temperature: 0, ...options }),
        TypeError,
        `${name}: ${message}`,
      );
    }
    assertThrows(
      () => f([1, 2], null),
      TypeError,
      `${name}: options expected an options object`,
    );
    assertThrows(
      () => f([1, NaN], {}),
      RangeError,
      `${name}: scores[1] expected a finite number, got NaN`,
    );
    assertThrows(() => f([1, NaN], { temperature: 0 }), RangeError, "scores[1]");
    assertThrows(
      () => f([], {}),
      RangeError,
      `${name}: scores expected at least one score, got none`,
    );
    assertThrows(
      () => f(undefined as unknown as number[], {}),
      TypeError,
      `${name}: scores expected an array`,
    );
  }
  // undefined means the default, so options can be passed through from optional flags.
  assertEquals(
    samplingDistribution([0, 0], {
      temperature: undefined,
      topK: undefined,
      topP: undefined,
      exclude: undefined,
    }),
    new Float64Array([0.5, 0.5]),
  );
  // topK = Infinity is "all words", the default.
  assertEquals(samplingDistribution([0, 1], { topK: Infinity }), samplingDistribution([0, 1]));
  assertThrows(() => sampleNext([1], {}, {} as Rng), TypeError, "sampleNext: rng expected an Rng");
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
  assertThrows(
    () => generate(model, params, [4], { rng, pad: 0 }),
    RangeError,
    "generate: prompt[0] expected an index in [0, 4), got 4",
  );
  assertThrows(() => generate(model, params, [1.5], { rng, pad: 0 }), RangeError, "prompt[0]");
  assertThrows(
    () => generate(model, params, "ab" as unknown as number[], { rng, pad: 0 }),
    TypeError,
    "generate: prompt expected an array of word indices",
  );
  const bad: [object, string][] = [
    [{ pad: 7 }, "options.pad expected an index in [0, 4), got 7"],
    [{ pad: -1 }, "options.pad expected an index in [0, 4), got -1"],
    [{ stopAt: 4 }, "options.stopAt expected an index in [0, 4), got 4"],
    [{ stopAt: 0.5 }, "options.stopAt expected an index in [0, 4), got 0.5"],
    [{ maxTokens: -1 }, "options.maxTokens expected a non-negative integer, got -1"],
    [{ maxTokens: 2.5 }, "options.maxTokens expected a non-negative integer, got 2.5"],
    [{ maxTokens: Infinity }, "options.maxTokens expected a non-negative integer, got Infinity"],
    [{ maxTokens: NaN }, "options.maxTokens expected a non-negative integer, got NaN"],
    [{ temperature: -0.1 }, "options.temperature expected a finite number >= 0, got -0.1"],
    [{ topK: 0 }, "options.topK expected a positive integer (or Infinity), got 0"],
    [{ topP: 2 }, "options.topP expected a probability in (0, 1], got 2"],
    [{ exclude: [4] }, "options.exclude[0] expected an index in [0, 4), got 4"],
    [
      { exclude: [0, 1, 2, 3] },
      "options.exclude expected to leave at least one word, got all 4 words",
    ],
    [
      { count: 3 },
      'options expected only temperature, topK, topP, exclude, rng, maxTokens, stopAt, pad, got an unknown "count"',
    ],
  ];
  for (const [options, message] of bad) {
    for (const temperature of [0, 1]) {
      // maxTokens 0 too: the options are checked before (and whether or not) a word is drawn.
      for (const maxTokens of [0, 5]) {
        const o = { rng, pad: 0, temperature, maxTokens, ...options };
        assertThrows(() => generate(model, params, [], o), RangeError, `generate: ${message}`);
      }
    }
  }
  assertThrows(
    () => generate(model, params, [], { pad: 0 } as unknown as GenerateOptions),
    TypeError,
    "generate: options.rng expected an Rng, got undefined",
  );
  assertThrows(
    () =>
      generate(model, params, [], { rng, pad: 0, maxTokens: "3" } as unknown as GenerateOptions),
    RangeError,
    'generate: options.maxTokens expected a non-negative integer, got "3"',
  );
  assertThrows(
    () => generate(model, params, [], null as unknown as GenerateOptions),
    TypeError,
    "generate: options expected an options object",
  );
  assertThrows(
    () => generate({} as MiniNeuralLM, params, [], { rng, pad: 0 }),
    TypeError,
    "generate: model expected a MiniNeuralLM",
  );
  assertThrows(
    () =>
      generate(model, { ...params, E: undefined } as unknown as typeof params, [], {
        rng,
        pad: 0,
        maxTokens: 0,
      }),
    TypeError,
    "generate: params.E expected a Matrix",
  );
});

Deno.test("generate needs pad when the prompt is shorter than the context, and only then", () => {
  const V = 5;
  const model = new MiniNeuralLM({ vocabSize: V, contextSize: 3, embedDim: 2, hidden: [3] });
  const params = model.init(1);
  for (const prompt of [[], [1], [1, 2]]) {
    assertThrows(
      () => generate(model, params, prompt, { rng: new Rng(0), maxTokens: 0 }),
      RangeError,
      "generate: options.pad expected an index in [0, 5) to fill the context before a prompt " +
        `shorter than 3 words (usually the vocabulary's boundaryIndex, </s>), got none, with a prompt of ${prompt.length}`,
    );
  }
  // A prompt that fills the context needs no pad, and a given pad then changes nothing.
  const full = generate(model, params, [1, 2, 3], { rng: new Rng(4), maxTokens: 10 });
  const padded = generate(model, params, [1, 2, 3], { rng: new Rng(4), maxTokens: 10, pad: 0 });
  assertEquals(full.tokens.length, 10);
  assertEquals(full, padded);
  const longer = generate(model, params, [4, 1, 2, 3], { rng: new Rng(4), maxTokens: 10 });
  assertEquals(longer, full); // only the last 3 prompt words are the context
  // With a short prompt the pad is the context: different pads, different first distributions.
  const a = generate(model, params, [], { rng: new Rng(4), maxTokens: 1, pad: 0, temperature: 2 });
  const b = generate(model, params, [], { rng: new Rng(4), maxTokens: 1, pad: 1, temperature: 2 });
  assert(a.probs[0] !== b.probs[0] || a.tokens[0] !== b.tokens[0]);
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
  // Excluding the best word when every other is far below it (exp underflows against the best
  // score) still leaves a distribution over the others.
  assertEquals(Array.from(samplingDistribution([1000, 0, -1000], { exclude: [0] })), [0, 1, 0]);
  assertEquals(Array.from(samplingDistribution([1000, 0, 2], { exclude: [0], topK: 1 })), [
    0,
    0,
    1,
  ]);
  assertThrows(() => samplingDistribution(scores, { exclude: [0, 1, 2] }), RangeError, "exclude");
  assertThrows(() => samplingDistribution(scores, { exclude: [3] }), RangeError, "exclude");
});
