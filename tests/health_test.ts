import { assert, assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import {
  deadUnitShare,
  frobeniusNorm,
  gradientNorms,
  histogramCounts,
  layerStatistics,
  saturatedShare,
  saturationMask,
  updateRatios,
} from "../lib/health.ts";
import { MiniNeuralLM } from "../lib/model.ts";
import { referenceEngine } from "../lib/engine.ts";
import { indexMatrix, Matrix, matrix, zeros } from "../lib/tensor.ts";

Deno.test("histogramCounts: four bins over [0, 2], worked by hand", () => {
  // w = 0.5; bins [0, .5) [.5, 1) [1, 1.5) [1.5, 2]
  // 0 → 0, 0.49 → 0, 0.5 → 1, 1.2 → 2, 1.5 → 3, 2 → 3 (the top edge is in the last bin)
  // −0.1 below, 2.01 above
  const h = histogramCounts(new Float64Array([0, 0.49, 0.5, 1.2, 1.5, 2, -0.1, 2.01]), 4, [0, 2]);
  assertEquals(h.edges, [0, 0.5, 1, 1.5, 2]);
  assertEquals(h.centers, [0.25, 0.75, 1.25, 1.75]);
  assertEquals(h.counts, [2, 1, 1, 2]);
  assertEquals([h.below, h.above, h.total], [1, 1, 8]);
});

Deno.test("histogramCounts: every value counted once, infinities outside the range", () => {
  const values = [-Infinity, Infinity, ...Array.from({ length: 100 }, (_, i) => i / 10 - 5)];
  const h = histogramCounts(values, 7, [-3, 3]);
  assertEquals(h.below + h.above + h.counts.reduce((a, b) => a + b), values.length);
  assertEquals(h.below, 1 + 20); // −∞ and −5.0 … −3.1
  assertEquals(h.above, 1 + 19); // +∞ and 3.1 … 4.9
});

Deno.test("histogramCounts: refuses bad bins, ranges and NaN, naming the argument", () => {
  assertThrows(() => histogramCounts([1], 0, [0, 1]), RangeError, "histogramCounts: bins");
  assertThrows(() => histogramCounts([1], 2, [1, 1]), RangeError, "histogramCounts: range");
  assertThrows(() => histogramCounts([1], 2, [0, Infinity]), RangeError, "range");
  assertThrows(() => histogramCounts([0, NaN], 2, [0, 1]), RangeError, "values[1]");
  assertThrows(
    () => histogramCounts(null as unknown as number[], 2, [0, 1]),
    TypeError,
    "values expected an array of numbers, got null",
  );
});

Deno.test("deadUnitShare: a unit is dead only when it is off on every example", () => {
  const act = matrix([
    [0, 0.5, 0, 0],
    [0, 0, 0, 0.01],
    [0, 0, 0, 0],
  ]);
  // columns 0 and 2 are 0 everywhere; 1 and 3 fire once
  assertEquals(deadUnitShare(act), 2 / 4);
  // with a threshold of 0.01, column 3 counts as off too
  assertEquals(deadUnitShare(act, 0.01), 3 / 4);
  assertThrows(() => deadUnitShare(act, -1), RangeError, "deadUnitShare: threshold");
  assertThrows(() => deadUnitShare([[0]] as unknown as Matrix), TypeError, "deadUnitShare: act");
});

Deno.test("saturatedShare and saturationMask: |h| above the threshold, both signs", () => {
  const act = matrix([[0.99, -0.975, 0.97], [-0.2, 1, 0]]);
  // 0.99, −0.975 and 1 are above 0.97; 0.97 itself is not
  assertEquals(saturatedShare(act), 3 / 6);
  assertEquals(saturatedShare(act, 0.5), 4 / 6); // 0.97 counts now
  assertEquals(saturatedShare(act, 0.1), 5 / 6);
  assertEquals(saturationMask(act).toArrays(), [[1, 1, 0], [0, 1, 0]]);
  assertEquals(act.toArrays(), [[0.99, -0.975, 0.97], [-0.2, 1, 0]]); // unchanged
  assertThrows(() => saturatedShare(act, NaN), RangeError, "saturatedShare: threshold");
});

Deno.test("frobeniusNorm and gradientNorms: by hand, in the record's order", () => {
  // ‖[[1, 2], [2, 4]]‖ = sqrt(1 + 4 + 4 + 16) = 5; ‖[[−1, 1, −1, 1]]‖ = 2
  const grads = { W1: matrix([[1, 2], [2, 4]]), b1: matrix([[-1, 1, -1, 1]]), bout: zeros(1, 3) };
  assertEquals(frobeniusNorm(grads.W1), 5);
  const norms = gradientNorms(grads);
  assertEquals(norms, { W1: 5, b1: 2, bout: 0 });
  assertEquals(Object.keys(norms), ["W1", "b1", "bout"]);
  assertThrows(() => gradientNorms({}), RangeError, "gradientNorms: grads expected at least one");
  assertThrows(
    () => gradientNorms({ W1: [1, 2] as unknown as Matrix }),
    TypeError,
    "gradientNorms: grads.W1 expected a Matrix",
  );
});

Deno.test("updateRatios: lr·‖m‖/‖W‖ per parameter, worked by hand", () => {
  // W1: ‖W‖ = sqrt(36 + 64) = 10, ‖m‖ = sqrt(0.09 + 0.16) = 0.5, lr 0.1 → 0.05/10 = 0.005
  // b1: ‖W‖ = 0 and m ≠ 0 → Infinity; bout: both 0 → NaN
  const params = { W1: matrix([[6, -8]]), b1: zeros(1, 2), bout: zeros(1, 1) };
  const velocity = { W1: matrix([[0.3, 0.4]]), b1: matrix([[1, 0]]), bout: zeros(1, 1) };
  const r = updateRatios(params, velocity, 0.1);
  assertAlmostEquals(r.W1, 0.005, 1e-15);
  assertEquals(r.b1, Infinity);
  assert(Number.isNaN(r.bout));
});

Deno.test("updateRatios: refuses a missing velocity, a shape mismatch and a bad lr", () => {
  const params = { W1: matrix([[6, -8]]) };
  assertThrows(() => updateRatios(params, undefined, 0.1), TypeError, "updateRatios: velocity");
  assertThrows(() => updateRatios(params, { b1: zeros(1, 2) }, 0.1), RangeError, "velocity.W1");
  assertThrows(
    () => updateRatios(params, { W1: zeros(2, 1) }, 0.1),
    RangeError,
    "velocity.W1 expected shape [1, 2] (as params.W1), got [2, 1]",
  );
  assertThrows(() => updateRatios(params, { W1: zeros(1, 2) }, 0), RangeError, "updateRatios: lr");
});

Deno.test("updateRatios: on a reference engine, the ratio is the step's own size", () => {
  // One step from zero momentum: m = (1 − β)·g and W_new = W − lr·m, so lr·‖m‖ = ‖W − W_new‖.
  const model = new MiniNeuralLM({ vocabSize: 4, contextSize: 2, embedDim: 3, hidden: [5] });
  const before = model.init(3);
  const engine = referenceEngine(model, before);
  const contexts = indexMatrix([[0, 1], [2, 3], [1, 1]]);
  engine.step(contexts, new Int32Array([2, 0, 3]), { lr: 0.2, beta: 0.9, weightDecay: 0 });
  const after = engine.params();
  const ratios = updateRatios(after, engine.velocity(), 0.2);
  for (const name of Object.keys(before)) {
    const diff = new Float64Array(before[name].data.length);
    for (let i = 0; i < diff.length; i++) diff[i] = before[name].data[i] - after[name].data[i];
    const step = frobeniusNorm(new Matrix(before[name].rows, before[name].cols, diff));
    assertAlmostEquals(ratios[name], step / frobeniusNorm(after[name]), 1e-12, name);
  }
});

Deno.test("layerStatistics: the model's own pre-activations and activations, with statistics", () => {
  const model = new MiniNeuralLM({
    vocabSize: 6,
    contextSize: 2,
    embedDim: 3,
    hidden: [4, 5],
    activation: "tanh",
  });
  const params = model.init(7);
  const contexts = indexMatrix([[0, 1], [2, 3], [4, 5], [5, 0]]);
  const layers = layerStatistics(model, params, contexts);
  const { cache } = model.forward(params, contexts);
  assertEquals(layers.map((l) => l.layer), [1, 2]);
  layers.forEach((l, i) => {
    assertEquals(l.pre.toArrays(), cache.pre[i].toArrays());
    assertEquals(l.act.toArrays(), cache.act[i].toArrays());
    // mean and std by the definition, from the entries
    const d = Array.from(l.act.data);
    const mean = d.reduce((a, b) => a + b) / d.length;
    const std = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / d.length);
    assertAlmostEquals(l.actStats.mean, mean, 1e-12);
    assertAlmostEquals(l.actStats.std, std, 1e-12);
    assertEquals(l.saturatedShare, saturatedShare(l.act));
    assertEquals(l.deadShare, 0); // tanh is 0 only at z = 0: negative units are not dead
  });
  assertThrows(
    () => layerStatistics(null as unknown as MiniNeuralLM, params, contexts),
    TypeError,
    "layerStatistics: model",
  );
});

Deno.test("layerStatistics: large negative biases kill every ReLU unit", () => {
  const model = new MiniNeuralLM({ vocabSize: 5, contextSize: 2, embedDim: 3, hidden: [4] });
  const params = { ...model.init(1), b1: matrix([[-100, -100, -100, 0]]) };
  const [layer] = layerStatistics(model, params, indexMatrix([[0, 1], [2, 3], [4, 4]]));
  // units 0–2 have z ≈ −100 for every example; unit 3 depends on the data
  assert(layer.deadShare >= 3 / 4, `dead share ${layer.deadShare}`);
  assertEquals(layer.actStats.min, 0);
});
