// The class-factored output layer inside the model: config, gradients, training through the
// reference engine, exact probabilities, generation, checkpoints; and the full softmax unchanged.
import { assert, assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import { gradCheck, maxRelError } from "../lib/check/gradcheck.ts";
import { createEngine, referenceEngine } from "../lib/engine.ts";
import { samplingDistribution } from "../lib/generate.ts";
import { saveCheckpoint } from "../lib/io/checkpoint.ts";
import { loadModel } from "../lib/io/model_dir.ts";
import { classOutput, MiniNeuralLM, type ModelConfig, type ModelParams } from "../lib/model.ts";
import { embeddingBackward, embeddingForward } from "../lib/nn/embedding.ts";
import { linearBackward, linearForward } from "../lib/nn/linear.ts";
import { relu, reluBackward } from "../lib/nn/activation.ts";
import { dropoutBackward, dropoutForward, dropoutMask } from "../lib/nn/dropout.ts";
import { softmax } from "../lib/nn/softmax.ts";
import { softmaxCrossEntropy, softmaxCrossEntropyBackward } from "../lib/nn/cross_entropy.ts";
import { momentumStep } from "../lib/nn/momentum.ts";
import { Rng } from "../lib/random.ts";
import { add, indexMatrix, type Matrix, zeros } from "../lib/tensor.ts";
import { TextPreprocessor } from "../lib/text/preprocessor.ts";

const V = 12;
const COUNTS = [40, 3, 25, 9, 1, 14, 6, 2, 30, 5, 8, 1];

function classModel(over: Partial<ModelConfig> = {}) {
  return new MiniNeuralLM({
    vocabSize: V,
    contextSize: 2,
    embedDim: 3,
    hidden: [5],
    output: classOutput(COUNTS, 4),
    ...over,
  });
}

function batch(seed: number, B: number) {
  const rng = new Rng(seed);
  const rows = Array.from({ length: B }, () => [rng.int(V), rng.int(V)]);
  return {
    contexts: indexMatrix(rows),
    targets: new Int32Array(Array.from({ length: B }, () => rng.int(V))),
  };
}

function rowSum(m: Matrix, r: number): number {
  return m.row(r).reduce((s, x) => s + x, 0);
}

Deno.test("a class model's parameters: Wclass and bclass after the full model's, same draws", () => {
  const model = classModel({ hidden: [5, 4] });
  assertEquals(model.shapes(), {
    E: [V, 3],
    W1: [5, 6],
    b1: [1, 5],
    W2: [4, 5],
    b2: [1, 4],
    Wout: [V, 4],
    bout: [1, V],
    Wclass: [4, 4],
    bclass: [1, 4],
  });
  const full = new MiniNeuralLM({ ...model.config, output: { kind: "softmax" } });
  const a = model.init(3), b = full.init(3);
  for (const name of Object.keys(b)) assertEquals(a[name].data, b[name].data, name);
  assert(a.Wclass.data.some((x) => x !== 0));
  assert(a.bclass.data.every((x) => x === 0));
});

Deno.test("a class model's gradients match finite differences (one and two hidden layers)", () => {
  for (const hidden of [[5], [5, 4]]) {
    const model = classModel({ hidden, activation: "tanh" });
    const params = model.init(11);
    const { contexts, targets } = batch(2, 6);
    const { cache } = model.forward(params, contexts, { targets });
    const grads = model.backward(params, cache, targets);
    const report = gradCheck((p) => model.loss(p, contexts, targets), params, grads);
    assert(maxRelError(report) < 1e-6, `${hidden}: ${JSON.stringify(report)}`);
  }
});

Deno.test("a class model's probabilities are exact: rows sum to 1, the loss is −log p", () => {
  const model = classModel();
  const params = model.init(5);
  const { contexts, targets } = batch(3, 7);
  const full = model.forward(params, contexts);
  assertEquals(full.probs.shape, [7, V]);
  let nll = 0;
  for (let b = 0; b < 7; b++) {
    assertAlmostEquals(rowSum(full.probs, b), 1, 1e-14);
    assertAlmostEquals(Math.exp(full.scores.get(b, targets[b])), full.probs.get(b, targets[b]));
    nll -= Math.log(full.probs.get(b, targets[b]));
  }
  const trained = model.forward(params, contexts, { targets });
  assertAlmostEquals(model.lossFromScores(trained.output, targets), nll / 7, 1e-13);
  // The log-probabilities serve as scores: their softmax is the distribution itself.
  assertAlmostEquals(softmaxCrossEntropy(full.scores, targets), nll / 7, 1e-13);
  // The full distribution of a training forward pass is the same, made when read.
  for (let k = 0; k < full.probs.data.length; k++) {
    assertAlmostEquals(trained.probs.data[k], full.probs.data[k], 1e-15);
  }
});

Deno.test("a class model's backward works from a forward pass with other targets or none", () => {
  const model = classModel();
  const params = model.init(6);
  const { contexts, targets } = batch(4, 5);
  const right = model.backward(params, model.forward(params, contexts, { targets }).cache, targets);
  const none = model.backward(params, model.forward(params, contexts).cache, targets);
  const other = Int32Array.from(targets, (t) => (t + 1) % V);
  const stale = model.backward(
    params,
    model.forward(params, contexts, { targets: other }).cache,
    targets,
  );
  for (const name of Object.keys(right)) {
    assertEquals(none[name].data, right[name].data, name);
    assertEquals(stale[name].data, right[name].data, name);
  }
  assertThrows(
    () => model.lossFromScores(model.forward(params, contexts).output, targets),
    RangeError,
    "pass options.targets to forward",
  );
});

Deno.test("the reference engine trains a class model; evaluate is the exact cross-entropy", () => {
  const model = classModel({ dtype: "float32" });
  const { contexts, targets } = batch(7, 24);
  using engine = createEngine(model, model.init(1));
  assertEquals(engine.name, "reference"); // the kernels cover the full softmax only
  const step = { lr: 0.5, beta: 0.9, weightDecay: 0 };
  const first = engine.step(contexts, targets, step);
  for (let s = 0; s < 80; s++) engine.step(contexts, targets, step);
  const after = engine.evaluate({ contexts, targets });
  assert(after < first / 2, `loss ${first} → ${after}`);
  const p = engine.targetProbabilities({ contexts, targets });
  const exact = -p.reduce((s, x) => s + Math.log(x), 0) / p.length;
  assertAlmostEquals(after, exact, 1e-5);
});

Deno.test("the full softmax is unchanged: forward, backward and engine steps as before", () => {
  // The full model's composition written out from nn/ functions, as model.ts had it before the
  // output layer became a choice; the model must give exactly these numbers.
  const model = new MiniNeuralLM({
    vocabSize: V,
    contextSize: 2,
    embedDim: 3,
    hidden: [5],
    dropout: 0.25,
    directConnections: true,
  });
  const { contexts, targets } = batch(8, 6);
  const oneStep = (W: ModelParams, m: ModelParams | undefined, rng: Rng) => {
    const x = embeddingForward(W.E, contexts);
    const z = linearForward(x, W.W1, W.b1);
    const h = relu(z);
    const mask = dropoutMask(h.rows, h.cols, 0.25, rng, h.dtype);
    const a = dropoutForward(h, mask);
    const scores = add(linearForward(a, W.Wout, W.bout), linearForward(x, W.Wdirect, zeros(1, V)));
    const loss = softmaxCrossEntropy(scores, targets);
    const dscores = softmaxCrossEntropyBackward(softmax(scores), targets);
    const out = linearBackward(dscores, a, W.Wout);
    const hidden = linearBackward(reluBackward(dropoutBackward(out.dx, mask), z), x, W.W1);
    const direct = linearBackward(dscores, x, W.Wdirect);
    const dE = embeddingBackward(add(hidden.dx, direct.dx), contexts, V);
    const grads = {
      E: dE,
      W1: hidden.dW,
      b1: hidden.db,
      Wout: out.dW,
      bout: out.db,
      Wdirect: direct.dW,
    };
    return { loss, ...momentumStep(W, grads, m, { lr: 0.3, beta: 0.9, weightDecay: 1e-3 }) };
  };
  let W = model.init(2), m: ModelParams | undefined;
  const rng = new Rng(9);
  using engine = referenceEngine(model, W);
  const engineRng = new Rng(9);
  for (let s = 0; s < 3; s++) {
    const expected = oneStep(W, m, rng);
    const loss = engine.step(contexts, targets, {
      lr: 0.3,
      beta: 0.9,
      weightDecay: 1e-3,
      rng: engineRng,
    });
    assertEquals(loss, expected.loss);
    ({ params: W, velocity: m } = expected);
    for (const name of Object.keys(W)) assertEquals(engine.params()[name].data, W[name].data, name);
  }
  const evalScores = add(
    linearForward(relu(linearForward(embeddingForward(W.E, contexts), W.W1, W.b1)), W.Wout, W.bout),
    linearForward(embeddingForward(W.E, contexts), W.Wdirect, zeros(1, V)),
  );
  assertEquals(engine.evaluate({ contexts, targets }), softmaxCrossEntropy(evalScores, targets));
  assertEquals(model.config.output, { kind: "softmax" });
});

Deno.test("class configs are checked: classes, classOf, no direct connections", () => {
  const base = { vocabSize: V, contextSize: 2, embedDim: 3, hidden: [5] };
  const good = classOutput(COUNTS, 4);
  assertThrows(
    () => new MiniNeuralLM({ ...base, output: good, directConnections: true }),
    RangeError,
    "config.directConnections expected false with a class-factored output",
  );
  assertThrows(
    () => new MiniNeuralLM({ ...base, output: { ...good, classes: 13 } }),
    RangeError,
    "config.output.classes expected an integer in [1, 12]",
  );
  assertThrows(
    () =>
      new MiniNeuralLM({
        ...base,
        output: { ...good, classOf: good.classOf.slice(1) },
      }),
    RangeError,
    "config.output.classOf expected the class of each of the 12 words",
  );
  assertThrows(
    () =>
      new MiniNeuralLM({
        ...base,
        output: { kind: "classes", classes: 4, classOf: new Array(V).fill(0) },
      }),
    RangeError,
    "no word in class 1",
  );
  assertThrows(
    () => new MiniNeuralLM({ ...base, output: { kind: "words" } as never }),
    RangeError,
    "config.output.kind",
  );
  // The model keeps its own frozen copy of the classes.
  const classes = [0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3];
  const model = new MiniNeuralLM({
    ...base,
    output: { kind: "classes", classes: 4, classOf: classes },
  });
  classes[0] = 3;
  assertEquals(model.config.output.kind === "classes" && model.config.output.classOf[0], 0);
  assert(Object.isFrozen(model.config.output));
});

Deno.test("generation samples from the exact full distribution of a class model", () => {
  const model = classModel();
  const params = model.init(4);
  const { scores, probs } = model.forward(params, indexMatrix([[3, 5]]));
  const p = samplingDistribution(scores.row(0));
  assertEquals(p.length, V);
  assertAlmostEquals(p.reduce((s, x) => s + x, 0), 1, 1e-14);
  for (let w = 0; w < V; w++) assertAlmostEquals(p[w], probs.get(0, w), 1e-14);
});

Deno.test("a saved class model reloads with its classes and predicts the same probabilities", async () => {
  const text = "the cat sat on the mat . the dog sat on the log . a cat and a dog";
  const pre = TextPreprocessor.fit(text, { contextSize: 2 });
  const counts = pre.vocab.tokens.map((t) => pre.vocab.count(t));
  const model = new MiniNeuralLM({
    vocabSize: pre.vocabSize,
    contextSize: 2,
    embedDim: 3,
    hidden: [4],
    dtype: "float32",
    output: classOutput(counts, 3),
  });
  const params = model.init(0);
  const dir = await Deno.makeTempDir();
  try {
    await saveCheckpoint(dir, { params, config: { model: model.config }, vocab: pre.toJSON() });
    const again = await loadModel(dir);
    assertEquals(again.config.output, model.config.output);
    assertEquals(Object.keys(again.params), Object.keys(params));
    const contexts = indexMatrix([[2, 3], [4, 1]]);
    assertEquals(
      again.model.forward(again.params, contexts).probs.data,
      model.forward(params, contexts).probs.data,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a config saved before the output field existed loads as the full softmax", () => {
  const { output: _, ...old } = classModel().config;
  assertEquals(new MiniNeuralLM(old).config.output, { kind: "softmax" });
});
