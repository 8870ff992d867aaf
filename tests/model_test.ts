import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertNotEquals,
  assertThrows,
} from "@std/assert";
import { gradCheck, maxRelError } from "../lib/check/gradcheck.ts";
import { MiniNeuralLM, type ModelConfig, type ModelParams } from "../lib/model.ts";
import { Rng } from "../lib/random.ts";
import { loadCheckpoint, saveCheckpoint } from "../lib/io/checkpoint.ts";
import { clone, IndexMatrix, indexMatrix, matrix } from "../lib/tensor.ts";

Deno.test("forward on a 3-word context with a 2-unit hidden layer, worked on paper", () => {
  const model = new MiniNeuralLM({ vocabSize: 3, contextSize: 3, embedDim: 1, hidden: [2] });
  const params: ModelParams = {
    E: matrix([[1], [2], [-1]]),
    W1: matrix([[1, 1, 1], [1, -1, 0]]),
    b1: matrix([[0.5, 0]]),
    Wout: matrix([[1, 0], [0, 1], [-1, 1]]),
    bout: matrix([[0, 0, 0.5]]),
  };
  // x = [E0, E1, E2] = [1, 2, -1]
  // z = W1 x + b1 = [1 + 2 - 1 + 0.5, 1 - 2 + 0 + 0] = [2.5, -1];  h = relu(z) = [2.5, 0]
  // scores = Wout h + bout = [2.5, 0, -2.5 + 0.5] = [2.5, 0, -2]
  const { scores, probs, cache } = model.forward(params, indexMatrix([[0, 1, 2]]));
  assertEquals(cache.x.toArrays(), [[1, 2, -1]]);
  assertEquals(cache.pre[0].toArrays(), [[2.5, -1]]);
  assertEquals(cache.act[0].toArrays(), [[2.5, 0]]);
  assertEquals(scores.toArrays(), [[2.5, 0, -2]]);
  const Z = Math.exp(2.5) + 1 + Math.exp(-2);
  assertAlmostEquals(probs.get(0, 0), Math.exp(2.5) / Z, 1e-15);
  assertAlmostEquals(probs.get(0, 1), 1 / Z, 1e-15);
  // loss for target 1 is -log(1 / Z) = ln Z = ln 13.31784... = 2.58910
  assertAlmostEquals(model.loss(params, indexMatrix([[0, 1, 2]]), [1]), 2.5891, 1e-4);
});

function wholeModelCheck(config: Partial<ModelConfig> & { vocabSize: number }, seed: number) {
  const model = new MiniNeuralLM({ ...config, dtype: "float64" });
  const params = model.init(seed);
  // nudge biases and direct weights away from zero so that their gradients are exercised
  const rng = new Rng(seed + 100);
  const start: Record<string, ReturnType<typeof clone>> = {};
  for (const [name, p] of Object.entries(params)) {
    const q = clone(p);
    for (let k = 0; k < q.data.length; k++) q.data[k] += 0.1 * rng.normal();
    start[name] = q;
  }
  const contexts = indexMatrix([[0, 1, 2], [3, 3, 1], [6, 0, 0], [2, 5, 4]]);
  const targets = [4, 0, 6, 2];
  // Dropout masks come from a fresh generator of one seed each time, so the loss is the same
  // function of the parameters at every evaluation, as a gradient check needs.
  const loss = (p: ModelParams) =>
    model.loss(p, contexts, targets, { train: true, rng: new Rng(7) });
  const { cache } = model.forward(start, contexts, { train: true, rng: new Rng(7) });
  const grads = model.backward(start, cache, targets);
  assertEquals(Object.keys(grads), Object.keys(start));
  const report = gradCheck(loss, start, grads, { eps: 1e-6 });
  const worst = maxRelError(report);
  assert(worst < 1e-6, `max relative error ${worst}: ${JSON.stringify(report)}`);
}

Deno.test("whole-model gradient check: one ReLU layer", () => {
  wholeModelCheck({ vocabSize: 7, contextSize: 3, embedDim: 2, hidden: [5] }, 1);
});

Deno.test("whole-model gradient check: two tanh layers, direct connections, dropout", () => {
  wholeModelCheck({
    vocabSize: 7,
    contextSize: 3,
    embedDim: 2,
    hidden: [5, 4],
    activation: "tanh",
    directConnections: true,
    dropout: 0.3,
  }, 2);
});

Deno.test("whole-model gradient check: two ReLU layers with dropout", () => {
  wholeModelCheck({
    vocabSize: 7,
    contextSize: 3,
    embedDim: 3,
    hidden: [6, 5],
    dropout: 0.5,
  }, 3);
});

Deno.test("forward and backward are pure and deterministic", () => {
  const model = new MiniNeuralLM({ vocabSize: 9, contextSize: 2, embedDim: 3, hidden: [4] });
  const params = model.init(11);
  const before = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, clone(v)]));
  const contexts = indexMatrix([[1, 2], [8, 0]]);
  const ctxBefore = contexts.toArrays();
  const a = model.forward(params, contexts);
  const grads = model.backward(params, a.cache, [3, 4]);
  const b = model.forward(params, contexts);
  assertEquals(a.probs, b.probs);
  assertEquals(grads, model.backward(params, b.cache, [3, 4]));
  assertEquals(params, before);
  assertEquals(contexts.toArrays(), ctxBefore);
  assertEquals(model.init(11), model.init(11));
  assertNotEquals(model.init(11).E.toArrays(), model.init(12).E.toArrays());
});

Deno.test("an untrained model's loss is close to ln |V|", () => {
  const model = new MiniNeuralLM({ vocabSize: 1000, contextSize: 3, embedDim: 16, hidden: [32] });
  const rng = new Rng(0);
  const rows = Array.from({ length: 64 }, () => [rng.int(1000), rng.int(1000), rng.int(1000)]);
  const targets = rows.map(() => rng.int(1000));
  const loss = model.loss(model.init(0), indexMatrix(rows), targets);
  assertAlmostEquals(loss, Math.log(1000), 0.3);
});

Deno.test("float32 models compute in float32", () => {
  const model = new MiniNeuralLM({ vocabSize: 5, contextSize: 2, embedDim: 2, dtype: "float32" });
  const params = model.init(0);
  assertEquals(params.W1.dtype, "float32");
  const { probs, cache } = model.forward(params, indexMatrix([[0, 1]]));
  assertEquals(probs.dtype, "float32");
  assertEquals(model.backward(params, cache, [2]).E.dtype, "float32");
});

Deno.test("parameter shapes, count and config errors", () => {
  const model = new MiniNeuralLM({
    vocabSize: 10,
    contextSize: 3,
    embedDim: 4,
    hidden: [5, 6],
    directConnections: true,
  });
  assertEquals(model.shapes(), {
    E: [10, 4],
    W1: [5, 12],
    b1: [1, 5],
    W2: [6, 5],
    b2: [1, 6],
    Wout: [10, 6],
    bout: [1, 10],
    Wdirect: [10, 12],
  });
  assertEquals(model.parameterCount(), 40 + 60 + 5 + 30 + 6 + 60 + 10 + 120);
  assertThrows(() => new MiniNeuralLM({ vocabSize: 0 }), RangeError, "config.vocabSize");
  assertThrows(() => new MiniNeuralLM({ vocabSize: 5, dropout: 1 }), RangeError, "[0, 1)");
  assertThrows(
    () => new MiniNeuralLM({ vocabSize: 5, activation: "gelu" as "relu" }),
    RangeError,
    "config.activation",
  );
  assertThrows(() => new MiniNeuralLM({ vocabSize: 5, hidden: [3, 3, 3] }), RangeError, "hidden");
});

Deno.test("forward refuses bad contexts and bad parameters with named errors", () => {
  const model = new MiniNeuralLM({ vocabSize: 5, contextSize: 2, embedDim: 2, hidden: [3] });
  const params = model.init(0);
  assertThrows(
    () => model.forward(params, indexMatrix([[0, 5]])),
    RangeError,
    "MiniNeuralLM.forward: contexts expected an index in [0, 5) (the vocabulary size), got 5",
  );
  assertThrows(() => model.forward(params, indexMatrix([[0, 1, 2]])), RangeError, "2 columns");
  assertThrows(
    () => model.forward(params, new IndexMatrix(0, 2, new Int32Array(0))),
    RangeError,
    "at least one row",
  );
  const { W1: _, ...missing } = params;
  assertThrows(() => model.forward(missing, indexMatrix([[0, 1]])), TypeError, "params.W1");
  assertThrows(
    () => model.forward({ ...params, b1: matrix([[0, 0]]) }, indexMatrix([[0, 1]])),
    RangeError,
    "params.b1 expected shape [1, 3], got [1, 2]",
  );
  const dropping = new MiniNeuralLM({ ...model.config, dropout: 0.5 });
  assertThrows(
    () => dropping.forward(params, indexMatrix([[0, 1]]), { train: true }),
    TypeError,
    "options.rng",
  );
});

Deno.test("a model saved to a checkpoint and loaded back gives identical probabilities", async () => {
  const model = new MiniNeuralLM({
    vocabSize: 11,
    contextSize: 2,
    embedDim: 3,
    hidden: [5, 4],
    directConnections: true,
    dtype: "float32",
  });
  const params = model.init(8);
  const dir = await Deno.makeTempDir({ prefix: "mnlm-model-" });
  try {
    await saveCheckpoint(dir, { params, config: { model: model.config }, vocab: {} });
    const loaded = await loadCheckpoint(dir, { expect: model.shapes() });
    const contexts = indexMatrix([[0, 1], [10, 3], [5, 5]]);
    assertEquals(
      model.forward(loaded.params, contexts).probs,
      model.forward(params, contexts).probs,
    );
    assertEquals(new MiniNeuralLM(loaded.config.model as ModelConfig).config, model.config);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
