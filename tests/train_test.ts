import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertGreater,
  assertLess,
  assertThrows,
} from "@std/assert";
import { MiniNeuralLM } from "../lib/model.ts";
import { Rng } from "../lib/random.ts";
import { clone, IndexMatrix, indexMatrix } from "../lib/tensor.ts";
import { batch, type Dataset } from "../lib/dataset.ts";
import { evaluate, targetProbabilities } from "../lib/evaluate.ts";
import { learningRate } from "../lib/schedule.ts";
import { DivergenceError, train } from "../lib/train.ts";
import type { ProgressSink } from "../lib/progress.ts";

/** A toy language: word w is followed by (w * 3 + 1) mod V, except every 5th step is random. */
function toyData(n: number, V: number, contextSize: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const seq: number[] = [0];
  for (let t = 1; t < n + contextSize; t++) {
    seq.push(t % 5 === 0 ? rng.int(V) : (seq[t - 1] * 3 + 1) % V);
  }
  const contexts = new Int32Array(n * contextSize);
  const targets = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < contextSize; j++) contexts[i * contextSize + j] = seq[i + j];
    targets[i] = seq[i + contextSize];
  }
  return { contexts: new IndexMatrix(n, contextSize, contexts), targets };
}

const model = new MiniNeuralLM({ vocabSize: 12, contextSize: 2, embedDim: 6, hidden: [16] });
const data = { train: toyData(600, 12, 2, 1), valid: toyData(200, 12, 2, 2) };

Deno.test("learning-rate schedules: constant, the paper's 1/(1 + r t) decay, steps", () => {
  assertEquals(learningRate(0.2, { kind: "constant" }, 1000, 9), 0.2);
  assertAlmostEquals(learningRate(0.2, { kind: "decay", rate: 0.5 }, 2, 0), 0.1, 1e-15);
  assertAlmostEquals(learningRate(1, { kind: "step", every: 3, factor: 0.1 }, 0, 2), 1, 1e-15);
  assertAlmostEquals(learningRate(1, { kind: "step", every: 3, factor: 0.1 }, 0, 3), 0.1, 1e-15);
});

Deno.test("batch gathers rows in the given order", () => {
  const d = { contexts: indexMatrix([[0, 1], [2, 3], [4, 5]]), targets: new Int32Array([7, 8, 9]) };
  const b = batch(d, new Int32Array([1, 2, 0]), 1, 3);
  assertEquals(b.contexts.toArrays(), [[4, 5], [0, 1]]);
  assertEquals(Array.from(b.targets), [9, 7]);
});

Deno.test("training lowers the validation perplexity well below the uniform |V|", () => {
  const before = evaluate(model, model.init(3), data.valid);
  assertAlmostEquals(before.perplexity, 12, 4);
  const result = train(model, model.init(3), data, {
    epochs: 8,
    batchSize: 16,
    lr: 0.5,
    patience: Infinity,
  });
  const last = result.history.epochs.at(-1)!;
  assertLess(last.validPerplexity, 4, `valid ppl ${last.validPerplexity}`);
  assertEquals(result.history.steps.length, 8 * Math.ceil(600 / 16));
  assert(result.history.steps.every((s) => s.lr === 0.5 && s.examplesPerSecond > 0));
});

Deno.test("same seed, same history and parameters; another seed differs", () => {
  const options = { epochs: 2, batchSize: 32, lr: 0.3, seed: 5, weightDecay: 1e-4 };
  const a = train(model, model.init(3), data, options);
  const b = train(model, model.init(3), data, options);
  const losses = (r: typeof a) => r.history.steps.map((s) => s.loss);
  assertEquals(losses(a), losses(b));
  assertEquals(a.params, b.params);
  const c = train(model, model.init(3), data, { ...options, seed: 6 });
  assert(losses(a).some((l, i) => l !== losses(c)[i]));
});

Deno.test("train leaves its inputs untouched", () => {
  const params = model.init(3);
  const copy = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, clone(v)]));
  const targets = data.train.targets.slice();
  train(model, params, data, { epochs: 1, maxStepsPerEpoch: 3 });
  assertEquals(params, copy);
  assertEquals(data.train.targets, targets);
});

Deno.test("early stopping keeps the best epoch's parameters", () => {
  // A learning rate far too high makes validation worse after a good first epoch or two.
  const result = train(model, model.init(3), data, {
    epochs: 30,
    batchSize: 8,
    lr: 3,
    momentum: 0,
    patience: 2,
  });
  const valid = result.history.epochs.map((e) => e.validLoss);
  const best = Math.min(...valid.filter((v) => !Number.isNaN(v)));
  assertEquals(valid[result.bestEpoch - 1], best);
  assertAlmostEquals(evaluate(model, result.params, data.valid).loss, best, 1e-12);
  if (result.stoppedEarly) {
    assertEquals(result.history.epochs.length, result.bestEpoch + 2);
  }
});

Deno.test("callbacks see every step and epoch; the decay schedule lowers lr", () => {
  let steps = 0, epochs = 0;
  const result = train(model, model.init(0), data, {
    epochs: 2,
    batchSize: 100,
    schedule: { kind: "decay", rate: 0.1 },
    onStep: () => steps++,
    onEpoch: (record, params) => {
      epochs++;
      assertEquals(record.epoch, epochs);
      assert(params.E !== undefined);
    },
  });
  assertEquals([steps, epochs], [12, 2]);
  const lrs = result.history.steps.map((s) => s.lr);
  assertAlmostEquals(lrs[0], 0.1, 1e-15);
  assertAlmostEquals(lrs[11], 0.1 / (1 + 0.1 * 11), 1e-15);
});

Deno.test("dropout trains too, and the progress bar reports to its sink", () => {
  const withDropout = new MiniNeuralLM({ ...model.config, dropout: 0.3 });
  const lines: string[] = [];
  const sink: ProgressSink = {
    writeSync: (b) => (lines.push(new TextDecoder().decode(b)), b.length),
    isTerminal: () => false,
  };
  const result = train(withDropout, withDropout.init(1), data, {
    epochs: 2,
    batchSize: 32,
    lr: 0.3,
    progress: sink,
  });
  assertGreater(result.history.epochs[0].trainLoss, 0);
  const text = lines.join("");
  assert(text.includes("epoch 1/2 ["), text);
  assert(text.includes("ex/s") && text.includes("ETA"), text);
  assert(text.includes("valid ppl"), text);
});

Deno.test("a float64 run that diverges stops with DivergenceError instead of saving its start", () => {
  // The reference engine's float64 losses stay finite far longer than float32's; a learning
  // rate of 100 still drives them past what exp() can hold within the first epoch.
  assertThrows(
    () => train(model, model.init(3), data, { epochs: 3, lr: 100, batchSize: 16 }),
    DivergenceError,
    "at learning rate 100",
  );
});

Deno.test("train refuses bad options and bad data, naming them", () => {
  const p = model.init(0);
  assertThrows(() => train(model, p, data, { epochs: 0 }), RangeError, "train: options.epochs");
  assertThrows(() => train(model, p, data, { batchSize: 2.5 }), RangeError, "options.batchSize");
  assertThrows(() => train(model, p, data, { lr: -1 }), RangeError, "options.lr");
  const bad = { contexts: indexMatrix([[0, 12]]), targets: new Int32Array([1]) };
  assertThrows(() => train(model, p, { train: bad }), RangeError, "data.train.contexts");
  const badTarget = { contexts: indexMatrix([[0, 1]]), targets: new Int32Array([99]) };
  assertThrows(() => train(model, p, { train: badTarget }), RangeError, "data.train.targets[0]");
  const empty = { contexts: new IndexMatrix(0, 2, new Int32Array(0)), targets: new Int32Array(0) };
  assertThrows(() => train(model, p, { train: empty }), RangeError, "at least one example");
});

// ---- the fast engine (lib/kernels/fast.ts) -------------------------------------------------

const model32 = new MiniNeuralLM({
  vocabSize: 12,
  contextSize: 2,
  embedDim: 6,
  hidden: [16],
  dropout: 0.2,
  dtype: "float32",
});

Deno.test("the fast engine trains like the reference engine: same history and parameters", () => {
  const options = {
    epochs: 4,
    batchSize: 50,
    lr: 0.3,
    weightDecay: 1e-3,
    schedule: { kind: "decay" as const, rate: 0.01 },
    seed: 5,
  };
  const fast = train(model32, model32.init(3), data, options); // engine "fast" by default
  const ref = train(model32, model32.init(3), data, { ...options, engine: "reference" });
  assertEquals(fast.history.steps.length, ref.history.steps.length);
  fast.history.steps.forEach((s, i) => {
    assertAlmostEquals(s.loss, ref.history.steps[i].loss, 1e-4 * ref.history.steps[i].loss);
    assertEquals(s.lr, ref.history.steps[i].lr);
  });
  fast.history.epochs.forEach((e, i) => {
    assertAlmostEquals(e.validLoss, ref.history.epochs[i].validLoss, 1e-4);
  });
  assertEquals(fast.bestEpoch, ref.bestEpoch);
  for (const name of Object.keys(ref.lastParams)) {
    const a = fast.lastParams[name].data, b = ref.lastParams[name].data;
    let diff = 0, size = 0;
    for (let k = 0; k < a.length; k++) {
      diff = Math.max(diff, Math.abs(a[k] - b[k]));
      size = Math.max(size, Math.abs(b[k]));
    }
    assertLess(diff, 1e-4 * size, name);
  }
});

Deno.test("the fast engine: float64 models and engine 'reference' take the pure path", () => {
  // A float64 model is not covered: engine "fast" silently uses the reference path, so the
  // numbers are bit-for-bit those of engine "reference".
  const a = train(model, model.init(3), data, { epochs: 2, engine: "fast" });
  const b = train(model, model.init(3), data, { epochs: 2, engine: "reference" });
  assertEquals(a.params.W1.data, b.params.W1.data);
  assertThrows(
    () => train(model32, model32.init(3), data, { engine: "gpu" as "fast" }),
    RangeError,
    "train: options.engine expected",
  );
});

Deno.test("evaluate and targetProbabilities: fast and reference engines agree", () => {
  const params = model32.init(4);
  const fast = evaluate(model32, params, data.valid);
  const ref = evaluate(model32, params, data.valid, { engine: "reference" });
  assertAlmostEquals(fast.loss, ref.loss, 1e-5);
  const pf = targetProbabilities(model32, params, data.valid);
  const pr = targetProbabilities(model32, params, data.valid, { engine: "reference" });
  for (let i = 0; i < pr.length; i++) assertAlmostEquals(pf[i], pr[i], 1e-5 * pr[i]);
});
