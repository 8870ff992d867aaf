/**
 * The fused softmax + cross-entropy + gradient over the canonical output, `[|V| = 13,845,
 * B = 128]`, on one thread, beside the pure `softmax`, `crossEntropy` and
 * `softmaxCrossEntropyBackward` of `lib/nn`.
 *
 * The fused version works chunk by chunk (48 vocabulary rows) on transposed scores: each chunk's
 * maximum and sum of exponentials, then one combine, then `dscores = (p − onehot)/B` in place.
 *
 * @module
 */

import { Rng } from "../lib/random.ts";
import { zeros } from "../lib/tensor.ts";
import { softmax } from "../lib/nn/softmax.ts";
import { crossEntropy, softmaxCrossEntropyBackward } from "../lib/nn/cross_entropy.ts";
import { MiniNeuralLM } from "../lib/model.ts";
import { fastTrainStep, toFastState } from "../lib/kernels/fast.ts";
import { CANONICAL_VOCAB, canonicalConfig, syntheticData, take } from "./canonical.ts";

const V = CANONICAL_VOCAB, B = 128;
const model = new MiniNeuralLM(canonicalConfig());
const state = toFastState(model, model.init(1), undefined, { threads: 1 });
const mini = take(syntheticData(B), 0, B);
fastTrainStep(state, mini.contexts, mini.targets, { lr: 0.5, beta: 0.9 }); // lays out one batch
const scores = state.view("SCORES", V * B);
const rng = new Rng(2);
const saved = Float32Array.from(scores, () => 4 * rng.normal());
const { fn, plan, chunks } = state;

const group = `softmax + cross-entropy + dscores, [${V}, ${B}]`;
Deno.bench("fused (WebAssembly, 1 thread)", { group, baseline: true }, (b) => {
  scores.set(saved);
  b.start();
  for (let c = 0; c < chunks; c++) fn.softmaxChunk(plan, c);
  fn.softmaxCombine(plan);
  for (let c = 0; c < chunks; c++) fn.dscoresChunk(plan, c);
  b.end();
});

const S = zeros(B, V, "float32");
S.data.forEach((_, i, a) => (a[i] = 4 * rng.normal()));
Deno.bench("reference softmax, crossEntropy, softmaxCrossEntropyBackward", { group, n: 10 }, () => {
  const p = softmax(S);
  crossEntropy(p, mini.targets);
  softmaxCrossEntropyBackward(p, mini.targets);
});
