/**
 * The reference engine's training step at the canonical shape (context 4, embeddings 60, 100
 * ReLU units, |V| = 13,845, minibatch 128, float32), with the full softmax and with a
 * class-factored output of C = 118 ≈ sqrt(|V|) frequency-binned classes.
 *
 * ```text
 * full softmax   output work per example ≈ 3 · |V| · h         = 4.2 M multiply-adds
 * classes        output work per example ≈ 3 · (C + |class|) · h ≈ 0.07 M (classes of ~118 words)
 * ```
 *
 * Both steps also pay for what does not shrink: the hidden layer, the embedding gradient and
 * the momentum update of every parameter (`Wout` included, its gradient mostly zeros). The
 * classes come from the Zipf law that draws the synthetic words (`p(k) ∝ 1/(k + 1)`), as
 * `frequencyClasses` would bin the counts of a long text drawn from it.
 *
 * @module
 */

import { referenceEngine } from "../lib/engine.ts";
import { classOutput, MiniNeuralLM } from "../lib/model.ts";
import {
  CANONICAL_TRAINING,
  CANONICAL_VOCAB,
  canonicalConfig,
  syntheticData,
  take,
} from "./canonical.ts";

const { batchSize: B, lr, beta } = CANONICAL_TRAINING;
const C = Math.round(Math.sqrt(CANONICAL_VOCAB)); // 118
const zipfCounts = Array.from({ length: CANONICAL_VOCAB }, (_, k) => 1 / (k + 1));

const full = new MiniNeuralLM(canonicalConfig());
const classes = new MiniNeuralLM({ ...canonicalConfig(), output: classOutput(zipfCounts, C) });
const data = syntheticData(64 * B);
const step = { lr, beta, weightDecay: 0 };

const group = "reference engine step, canonical shape, minibatch 128";
const fullEngine = referenceEngine(full, full.init(1));
let s = 0;
Deno.bench("full softmax", { group, baseline: true, n: 3, warmup: 1 }, () => {
  const mini = take(data, (s++ % 63) * B, B);
  fullEngine.step(mini.contexts, mini.targets, step);
});
const classEngine = referenceEngine(classes, classes.init(1));
let t = 0;
Deno.bench(`${C} frequency-binned classes`, { group, n: 20, warmup: 2 }, () => {
  const mini = take(data, (t++ % 63) * B, B);
  classEngine.step(mini.contexts, mini.targets, step);
});
