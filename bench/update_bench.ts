/**
 * The parameter updates of the canonical model on one thread: the momentum step of the output
 * layer (1.38 M weights), and the embedding's (sparse gradient, then a momentum step of every
 * row of E: 13,845 × 60), beside the pure `momentumStep` of `lib/nn/momentum.ts`.
 *
 * @module
 */

import { Rng } from "../lib/random.ts";
import { zeros } from "../lib/tensor.ts";
import { momentumStep } from "../lib/nn/momentum.ts";
import { MiniNeuralLM } from "../lib/model.ts";
import { KernelArena } from "../lib/kernels/wasm.ts";
import { fastTrainStep, toFastState } from "../lib/kernels/fast.ts";
import { CANONICAL_VOCAB, canonicalConfig, syntheticData, take } from "./canonical.ts";

const V = CANONICAL_VOCAB, H = 100, B = 128;
const rng = new Rng(3);
const arena = new KernelArena();
const W = arena.alloc(V, H), m = arena.alloc(V, H), g = arena.alloc(V, H);
for (const x of [W, m, g]) {
  arena.f32(x.ptr, V * H).forEach((_, k, a) => (a[k] = rng.normal() * 0.01));
}

const group = "momentum step of Wout [13845, 100]";
Deno.bench("WebAssembly momentum, in place", { group, baseline: true }, () => {
  arena.fn.momentum(W.ptr, m.ptr, g.ptr, V * H, 1e-6, 0.9, 0.1, 0);
});
const Wm = zeros(V, H, "float32"), gm = zeros(V, H, "float32"), vm = zeros(V, H, "float32");
Deno.bench("reference momentumStep (fresh matrices)", { group, n: 20 }, () => {
  momentumStep({ Wout: Wm }, { Wout: gm }, { Wout: vm }, { lr: 0.5, beta: 0.9 });
});

const model = new MiniNeuralLM(canonicalConfig());
const state = toFastState(model, model.init(1), undefined, { threads: 1 });
const mini = take(syntheticData(B), 0, B);
fastTrainStep(state, mini.contexts, mini.targets, { lr: 1e-6, beta: 0.9 });
const dX = state.view("DIN_T", 0).byteOffset;
Deno.bench(
  "embedding: gather xᵀ = E[contexts]",
  { group: "embedding [13845, 60], B = 128" },
  () => {
    state.fn.embeddingGather(state.plan);
  },
);
Deno.bench(
  "embedding: sparse gradient + momentum step of every row",
  { group: "embedding [13845, 60], B = 128", baseline: true },
  () => {
    state.fn.embeddingWords(state.plan);
    for (let part = 0; part < state.embeddingParts; part++) {
      state.fn.embeddingDecay(state.plan, part);
    }
    state.fn.embeddingUpdate(state.plan, dX);
  },
);
