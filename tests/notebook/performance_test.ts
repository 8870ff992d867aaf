import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertNotEquals,
  assertThrows,
} from "@std/assert";
import {
  fastPass,
  fitLine,
  largestDifference,
  median,
  randomBatches,
  referencePass,
  type TimedPass,
  timeInterleaved,
} from "../../lib/notebook/performance.ts";
import { MiniNeuralLM } from "../../lib/model.ts";
import { matrix } from "../../lib/tensor.ts";

const step = { lr: 0.1, beta: 0.9, weightDecay: 0 };

Deno.test("randomBatches: seeded, shaped as asked, every index inside the vocabulary", () => {
  const config = { vocabSize: 7, contextSize: 3 };
  const batches = randomBatches(config, 5, 4, 2);
  assertEquals(batches.length, 4);
  for (const b of batches) {
    assertEquals(b.contexts.shape, [5, 3]);
    assertEquals(b.targets.length, 5);
    for (const i of [...b.contexts.data, ...b.targets]) assert(i >= 0 && i < 7, `index ${i}`);
  }
  assertEquals(randomBatches(config, 5, 4, 2), batches);
  assertNotEquals(randomBatches(config, 5, 4, 3), batches);
  assertThrows(() => randomBatches(config, 0, 4), RangeError, "randomBatches: batch expected");
  assertThrows(
    () => randomBatches({ vocabSize: 0, contextSize: 3 }, 5, 4),
    RangeError,
    "randomBatches: config.vocabSize",
  );
});

Deno.test("referencePass and fastPass run the same steps: parameters agree to float32 precision", () => {
  const model = new MiniNeuralLM({
    vocabSize: 30,
    contextSize: 2,
    embedDim: 4,
    hidden: [8],
    dtype: "float32",
  });
  const batches = randomBatches(model.config, 6, 3, 1);
  const ref = referencePass(model, batches, step);
  const fast = fastPass(model, batches, 1, step);
  try {
    assert(ref.run() > 0);
    assert(fast.run() > 0);
    const diff = largestDifference(ref.params(), fast.params());
    assert(diff < 1e-5, `largest difference ${diff}`);
    // and the passes did move the parameters away from the start
    assert(largestDifference(ref.params(), model.init(1)) > 1e-3);
  } finally {
    ref.dispose();
    fast.dispose();
  }
  assertThrows(() => referencePass(model, [], step), RangeError, "referencePass: batches");
});

Deno.test("timeInterleaved disposes every pass when one fails, and refuses bad repeats", () => {
  const disposed: string[] = [];
  const pass = (name: string, fail: boolean): TimedPass => ({
    run: () => {
      if (fail) throw new Error(`${name} failed`);
      return 1;
    },
    params: () => ({}),
    dispose: () => disposed.push(name),
  });
  assertThrows(() => timeInterleaved([pass("a", false), pass("b", true)], 2), Error, "b failed");
  assertEquals(disposed, ["a", "b"]);
  assertThrows(() => timeInterleaved([pass("c", false)], 0), RangeError, "repeats");
  assertEquals(disposed, ["a", "b", "c"]);
});

Deno.test("median, fitLine and largestDifference on small cases, and their refusals", () => {
  assertEquals(median([5]), 5);
  assertEquals(median([2, 9, 1, 4]), 3);
  assertThrows(() => median([]), RangeError, "median: xs");
  const { intercept, slope } = fitLine([0, 1, 2, 3], [1, 2, 2, 5]);
  assertAlmostEquals(intercept, 0.7, 1e-12);
  assertAlmostEquals(slope, 1.2, 1e-12);
  assertThrows(() => fitLine([1, 1], [2, 3]), RangeError, "not all equal");
  assertThrows(() => fitLine([1, 2], [2]), RangeError, "fitLine: ys");
  const a = { W: matrix([[1, 2]]) };
  assertEquals(largestDifference(a, { W: matrix([[1, -2]]) }), 4);
  assertThrows(() => largestDifference(a, { V: matrix([[1, 2]]) }), RangeError, "the names of a");
  assertThrows(() => largestDifference(a, { W: matrix([[1], [2]]) }), RangeError, "b.W");
});
