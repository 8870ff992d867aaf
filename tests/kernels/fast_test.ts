import { assert, assertEquals, assertLess, assertThrows } from "@std/assert";
import { MiniNeuralLM, type ModelConfig, type ModelParams } from "../../lib/model.ts";
import { crossEntropy } from "../../lib/nn/cross_entropy.ts";
import { momentumStep } from "../../lib/nn/momentum.ts";
import { Rng } from "../../lib/random.ts";
import { clone, IndexMatrix, indexMatrix, type Matrix } from "../../lib/tensor.ts";
import { evaluate, targetProbabilities } from "../../lib/evaluate.ts";
import {
  fastEvaluate,
  type FastState,
  fastSupports,
  fastTargetProbabilities,
  fastTrainStep,
  fromFastState,
  toFastState,
} from "../../lib/kernels/fast.ts";

type Config = Partial<ModelConfig> & { vocabSize: number };

/** max |a − b| / max |b| over one matrix. */
function relError(actual: Matrix, expected: Matrix): number {
  assertEquals(actual.shape, expected.shape);
  let diff = 0, size = 0;
  for (let k = 0; k < actual.data.length; k++) {
    diff = Math.max(diff, Math.abs(actual.data[k] - expected.data[k]));
    size = Math.max(size, Math.abs(expected.data[k]));
  }
  return size === 0 ? diff : diff / size;
}

/** The worst {@link relError} over every parameter of two records with the same names. */
function worstError(actual: ModelParams, expected: ModelParams): { error: number; name: string } {
  assertEquals(Object.keys(actual), Object.keys(expected));
  let worst = { error: 0, name: "" };
  for (const name of Object.keys(expected)) {
    const error = relError(actual[name], expected[name]);
    if (error > worst.error) worst = { error, name };
  }
  return worst;
}

/** Random minibatches; contexts draw from the first `common` words, so words repeat. */
function batches(config: Config, sizes: number[], seed: number, common = 12) {
  const rng = new Rng(seed);
  const n = config.contextSize ?? 3;
  return sizes.map((B) => ({
    contexts: new IndexMatrix(
      B,
      n,
      Int32Array.from({ length: B * n }, () => rng.int(Math.min(common, config.vocabSize))),
    ),
    targets: Int32Array.from({ length: B }, () => rng.int(config.vocabSize)),
  }));
}

/**
 * Trains the same model on the same minibatches with the reference path (model.ts forward and
 * backward, then momentumStep) and with the fast path, and checks losses and parameters after
 * every step.
 */
function compareWithReference(
  config: Config,
  sizes: number[],
  options: { lr: number; beta: number; weightDecay?: number },
  fastOptions = { threads: 1, chunkRows: 6 },
  tolerance = 1e-5,
): void {
  const model = new MiniNeuralLM({ ...config, dtype: "float32" });
  let params: ModelParams = model.init(7);
  let velocity: ModelParams | undefined = undefined;
  using state = toFastState(model, params, undefined, fastOptions);
  const refRng = new Rng(11), fastRng = new Rng(11);
  for (const [step, mini] of batches(config, sizes, 3).entries()) {
    const { probs, cache } = model.forward(params, mini.contexts, { train: true, rng: refRng });
    const refLoss = crossEntropy(probs, mini.targets);
    const grads = model.backward(params, cache, mini.targets);
    ({ params, velocity } = momentumStep(params, grads, velocity, options));
    const loss = fastTrainStep(state, mini.contexts, mini.targets, { ...options, rng: fastRng });
    assertLess(Math.abs(loss - refLoss) / refLoss, tolerance, `loss at step ${step}`);
    const fast = fromFastState(state);
    const p = worstError(fast.params, params);
    assertLess(p.error, tolerance, `params.${p.name} at step ${step}`);
    const v = worstError(fast.velocity, velocity!);
    assertLess(v.error, tolerance, `velocity.${v.name} at step ${step}`);
  }
  // Both paths drew the same dropout masks: the generators are in the same state.
  assertEquals(refRng.state(), fastRng.state());
}

const SMALL: Config = { vocabSize: 53, contextSize: 3, embedDim: 5, hidden: [7] };

Deno.test("fastTrainStep matches the reference path step by step (one ReLU layer)", () => {
  // Batches of 13, 16 and 1 examples (padding columns, none, and one example); |V| = 53 in
  // chunks of 6 (the last chunk has 5 rows); context words repeat within each batch.
  compareWithReference(SMALL, [13, 16, 1, 9], { lr: 0.4, beta: 0.9 });
});

Deno.test("fastTrainStep matches the reference with weight decay and plain SGD (β = 0)", () => {
  compareWithReference(SMALL, [10, 11, 12], { lr: 0.2, beta: 0.9, weightDecay: 0.05 });
  compareWithReference(SMALL, [10, 11, 12], { lr: 0.2, beta: 0 });
});

Deno.test("fastTrainStep matches the reference: two tanh layers and direct connections", () => {
  compareWithReference(
    {
      vocabSize: 41,
      contextSize: 2,
      embedDim: 6,
      hidden: [9, 5],
      activation: "tanh",
      directConnections: true,
    },
    [8, 15, 3],
    { lr: 0.3, beta: 0.8, weightDecay: 0.01 },
  );
});

Deno.test("fastTrainStep matches the reference with dropout (same masks from the same generator)", () => {
  compareWithReference(
    { vocabSize: 30, contextSize: 2, embedDim: 4, hidden: [12, 8], dropout: 0.3 },
    [9, 9, 9],
    { lr: 0.3, beta: 0.9 },
  );
});

Deno.test("fastTrainStep: a batch where one word fills the whole context (repeated rows of E)", () => {
  const model = new MiniNeuralLM({ ...SMALL, dtype: "float32" });
  const params = model.init(4);
  const contexts = indexMatrix([[5, 5, 5], [5, 5, 5], [5, 1, 5]]);
  const targets = [5, 2, 5];
  const { cache } = model.forward(params, contexts);
  const grads = model.backward(params, cache, targets);
  const expected = momentumStep(params, grads, undefined, { lr: 1, beta: 0.5 });
  using state = toFastState(model, params, undefined, { threads: 1 });
  fastTrainStep(state, contexts, targets, { lr: 1, beta: 0.5 });
  assertLess(worstError(fromFastState(state).params, expected.params).error, 1e-5);
});

Deno.test("rows of E outside the minibatch still move: their velocity decays, as in the reference", () => {
  const model = new MiniNeuralLM({ ...SMALL, dtype: "float32" });
  const params = model.init(5);
  using state = toFastState(model, params, undefined, { threads: 1 });
  fastTrainStep(state, indexMatrix([[3, 4, 5]]), [6], { lr: 0.5, beta: 0.9 });
  const after1 = fromFastState(state);
  // Step 2 does not use word 3: g = 0, so m = 0.9·m1 and E[3] = E1[3] − 0.5·0.9·m1[3].
  fastTrainStep(state, indexMatrix([[7, 8, 9]]), [1], { lr: 0.5, beta: 0.9 });
  const after2 = fromFastState(state);
  for (let j = 0; j < 5; j++) {
    const m1 = after1.velocity.E.get(3, j);
    assert(m1 !== 0);
    assertLess(Math.abs(after2.velocity.E.get(3, j) - 0.9 * m1), 1e-7 * Math.abs(m1) + 1e-12);
    const e2 = after1.params.E.get(3, j) - 0.5 * 0.9 * m1;
    assertLess(Math.abs(after2.params.E.get(3, j) - e2), 1e-6);
  }
  // A word never seen keeps E and a zero velocity.
  assertEquals(after2.params.E.row(40), params.E.row(40));
  assertEquals(after2.velocity.E.row(40), [0, 0, 0, 0, 0]);
});

Deno.test("two threads give bit-for-bit the numbers of one thread", () => {
  // |V| = 5000: enough work per phase (16 groups of 6 or 7 chunks) for the helper to join in.
  const config: Config = { vocabSize: 5000, contextSize: 3, embedDim: 8, hidden: [32] };
  const model = new MiniNeuralLM({ ...config, dtype: "float32" });
  const params = model.init(2);
  using one = toFastState(model, params, undefined, { threads: 1 });
  using two = toFastState(model, params, undefined, { threads: 2 });
  assert(two.threads === 1 || two.waitForHelpers(), "the helper thread started");
  for (const mini of batches(config, [64, 64, 37, 64], 8, 5000)) {
    const a = fastTrainStep(one, mini.contexts, mini.targets, { lr: 0.5, beta: 0.9 });
    const b = fastTrainStep(two, mini.contexts, mini.targets, { lr: 0.5, beta: 0.9 });
    assertEquals(a, b);
  }
  assertEquals(one.helperGroups, 0);
  if (two.threads === 2) assert(two.helperGroups > 0, "the helper ran some groups");
  const x = fromFastState(one), y = fromFastState(two);
  for (const name of Object.keys(x.params)) {
    assertEquals(x.params[name].data, y.params[name].data, name);
    assertEquals(x.velocity[name].data, y.velocity[name].data, name);
  }
});

Deno.test("toFastState and fromFastState round-trip parameters and velocities", () => {
  const config: Config = {
    vocabSize: 11,
    contextSize: 2,
    embedDim: 3,
    hidden: [4, 6],
    directConnections: true,
  };
  const model = new MiniNeuralLM({ ...config, dtype: "float32" });
  const params = model.init(3);
  const velocity = model.init(4); // any numbers of the right shapes
  const before = Object.fromEntries(Object.entries(params).map(([k, m]) => [k, clone(m)]));
  using state = toFastState(model, params, velocity, { threads: 1 });
  const back = fromFastState(state);
  assertEquals(Object.keys(back.params), Object.keys(model.shapes()));
  for (const name of Object.keys(params)) {
    assertEquals(back.params[name].data, params[name].data, name);
    assertEquals(back.velocity[name].data, velocity[name].data, name);
    assertEquals(params[name].data, before[name].data, `toFastState left params.${name} alone`);
  }
  // Fresh matrices: writing into them does not reach the state.
  back.params.Wout.data[0] = 123;
  assert(fromFastState(state).params.Wout.data[0] !== 123);
});

Deno.test("fastEvaluate and fastTargetProbabilities match the reference", () => {
  const config: Config = { vocabSize: 97, contextSize: 3, embedDim: 6, hidden: [10] };
  const model = new MiniNeuralLM({ ...config, dtype: "float32" });
  const params = model.init(6);
  // 300 examples with a capacity of 128: three minibatches, the last one partial.
  const [data] = batches(config, [300], 12, 97);
  using state = toFastState(model, params, undefined, { threads: 1, maxBatch: 128 });
  const want = evaluate(model, params, data).loss;
  assertLess(Math.abs(fastEvaluate(state, data.contexts, data.targets) - want) / want, 1e-5);
  const p = fastTargetProbabilities(state, data.contexts, data.targets);
  const pWant = targetProbabilities(model, params, data);
  for (let i = 0; i < 300; i++) assertLess(Math.abs(p[i] - pWant[i]) / pWant[i], 1e-5);
  // Evaluation changes nothing.
  assertEquals(fromFastState(state).params.Wout.data, params.Wout.data);
});

Deno.test("a minibatch larger than the room made at the start gets more room", () => {
  const config: Config = { vocabSize: 20, contextSize: 2, embedDim: 3, hidden: [4] };
  compareWithReference(config, [4, 40, 7], { lr: 0.1, beta: 0.9 }, { threads: 1, chunkRows: 6 });
  const model = new MiniNeuralLM({ ...config, dtype: "float32" });
  using state = toFastState(model, model.init(1), undefined, { threads: 1, maxBatch: 4 });
  const [mini] = batches(config, [40], 1);
  fastTrainStep(state, mini.contexts, mini.targets, { lr: 0.1, beta: 0.9 });
  assert(state.capacity >= 40);
});

Deno.test("same seed, same numbers", () => {
  const run = () => {
    const model = new MiniNeuralLM({ ...SMALL, dropout: 0.2, dtype: "float32" });
    using state = toFastState(model, model.init(9), undefined, { threads: 1 });
    const rng = new Rng(1);
    const losses = batches(SMALL, [8, 8, 8], 4).map((mini) =>
      fastTrainStep(state, mini.contexts, mini.targets, { lr: 0.3, beta: 0.9, rng })
    );
    return { losses, E: fromFastState(state).params.E.data };
  };
  assertEquals(run(), run());
});

Deno.test("fastSupports: float32 is covered, float64 is left to the reference path", () => {
  assertEquals(fastSupports(new MiniNeuralLM({ ...SMALL, dtype: "float32" }).config), null);
  const why = fastSupports(new MiniNeuralLM({ ...SMALL, dtype: "float64" }).config);
  assert(why !== null && why.includes("float32"));
  const model64 = new MiniNeuralLM(SMALL);
  assertThrows(() => toFastState(model64, model64.init(0)), RangeError, "toFastState: model");
});

Deno.test("bad input is refused with the function's name, and changes nothing", () => {
  const model = new MiniNeuralLM({ ...SMALL, dtype: "float32" });
  const params = model.init(1);
  using state = toFastState(model, params, undefined, { threads: 1 });
  const ok = { lr: 0.1, beta: 0.9 };
  const step = (contexts: IndexMatrix | Int32Array, targets: ArrayLike<number>, o: object = ok) =>
    fastTrainStep(state, contexts, targets, o as { lr: number; beta: number });
  assertThrows(() => step(indexMatrix([[1, 2, 53]]), [0]), RangeError, "fastTrainStep: contexts");
  assertThrows(() => step(indexMatrix([[1, 2]]), [0]), RangeError, "3 columns");
  assertThrows(() => step(new Int32Array([1, 2]), [0]), RangeError, "a multiple of n − 1 = 3");
  assertThrows(
    () => step(new IndexMatrix(0, 3, new Int32Array(0)), []),
    RangeError,
    "at least one",
  );
  assertThrows(() => step(indexMatrix([[1, 2, 3]]), [53]), RangeError, "fastTrainStep: targets[0]");
  assertThrows(() => step(indexMatrix([[1, 2, 3]]), [1, 2]), RangeError, "1 targets");
  assertThrows(() => step(indexMatrix([[1, 2, 3]]), [1], { lr: 0, beta: 0.9 }), RangeError, "lr");
  assertThrows(() => step(indexMatrix([[1, 2, 3]]), [1], { lr: 1, beta: 1 }), RangeError, "beta");
  assertThrows(
    () => step(indexMatrix([[1, 2, 3]]), [1], { lr: 1, beta: 0.5, weightDecay: -1 }),
    RangeError,
    "weightDecay",
  );
  assertEquals(fromFastState(state).params.E.data, params.E.data);
  assertThrows(() => fastTrainStep({} as FastState, indexMatrix([[1, 2, 3]]), [1], ok), TypeError);
  assertThrows(() => fromFastState({} as FastState), TypeError, "fromFastState: state");
  const dropModel = new MiniNeuralLM({ ...SMALL, dropout: 0.5, dtype: "float32" });
  using dropState = toFastState(dropModel, dropModel.init(1), undefined, { threads: 1 });
  assertThrows(
    () => fastTrainStep(dropState, indexMatrix([[1, 2, 3]]), [1], ok),
    TypeError,
    "options.rng",
  );
  assertThrows(
    () => toFastState(model, { ...params, W1: params.E }),
    RangeError,
    "toFastState: params.W1",
  );
  assertThrows(() => toFastState(model, params, undefined, { threads: 0 }), RangeError, "threads");
});

Deno.test("a diverged step (non-finite loss) throws before changing anything", () => {
  const model = new MiniNeuralLM({ ...SMALL, dtype: "float32" });
  const params = model.init(1);
  const broken = { ...params, bout: clone(params.bout) };
  broken.bout.data[3] = Infinity;
  using state = toFastState(model, broken, undefined, { threads: 1 });
  assertThrows(
    () => fastTrainStep(state, indexMatrix([[1, 2, 3]]), [1], { lr: 0.1, beta: 0.9 }),
    RangeError,
    "fastTrainStep: loss expected a finite cross-entropy",
  );
  assertEquals(fromFastState(state).params.W1.data, params.W1.data);
});

Deno.test("a disposed state refuses work", () => {
  const model = new MiniNeuralLM({ ...SMALL, dtype: "float32" });
  const state = toFastState(model, model.init(1), undefined, { threads: 2 });
  state.dispose();
  state.dispose(); // twice is fine
  assertThrows(
    () => fastTrainStep(state, indexMatrix([[1, 2, 3]]), [1], { lr: 0.1, beta: 0.9 }),
    TypeError,
    "disposed",
  );
  assertThrows(() => fromFastState(state), TypeError, "disposed");
});
