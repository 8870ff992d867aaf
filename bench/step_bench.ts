/**
 * One whole training step of the canonical model (minibatch 128: forward, backward, momentum
 * update of every parameter): the fast path on one thread and on every core, and the pure
 * reference path (`model.forward`, `model.backward`, `momentumStep`).
 *
 * @module
 */

import { MiniNeuralLM, type ModelParams } from "../lib/model.ts";
import { momentumStep } from "../lib/nn/momentum.ts";
import type { Matrix } from "../lib/tensor.ts";
import { fastTrainStep, toFastState } from "../lib/kernels/fast.ts";
import { CANONICAL_TRAINING, canonicalConfig, syntheticData, take } from "./canonical.ts";

const { batchSize: B, lr, beta } = CANONICAL_TRAINING;
const model = new MiniNeuralLM(canonicalConfig());
const params = model.init(1);
const data = syntheticData(64 * B);
let s = 0;
const next = () => take(data, (s++ % 63) * B, B);

const group = "training step, minibatch 128";
const one = toFastState(model, params, undefined, { threads: 1 });
Deno.bench("fast, 1 thread", { group }, () => {
  const mini = next();
  fastTrainStep(one, mini.contexts, mini.targets, { lr, beta });
});
const all = toFastState(model, params);
all.waitForHelpers();
Deno.bench(`fast, ${all.threads} threads`, { group, baseline: true }, () => {
  const mini = next();
  fastTrainStep(all, mini.contexts, mini.targets, { lr, beta });
});
let current: ModelParams = params;
let velocity: Record<string, Matrix> | undefined;
Deno.bench("reference", { group, n: 3, warmup: 1 }, () => {
  const mini = next();
  const { cache } = model.forward(current, mini.contexts, { train: true });
  const grads = model.backward(current, cache, mini.targets);
  ({ params: current, velocity } = momentumStep(current, grads, velocity, { lr, beta }));
});
