/**
 * The matrix products of the canonical model, each as one WebAssembly `matmul` call on one
 * thread (activations transposed, one column per example), beside the pure `linearForward` /
 * `linearBackward` of `lib/nn/linear.ts` at the hidden layer's shape.
 *
 * Output layer, |V| = 13,845, h = 100, B = 128: each product is 2·13845·100·128 = 354 MFLOP,
 * computed in chunks of 48 vocabulary rows as the training step does (one chunk's scores stay
 * in the cache between the products that use them).
 *
 * @module
 */

import { Rng } from "../lib/random.ts";
import { zeros } from "../lib/tensor.ts";
import { linearBackward, linearForward } from "../lib/nn/linear.ts";
import { INIT, KernelArena } from "../lib/kernels/wasm.ts";
import { CANONICAL_VOCAB, outputForwardProduct } from "./canonical.ts";

const V = CANONICAL_VOCAB, H = 100, B = 128, X = 240;
const rng = new Rng(1);
const arena = new KernelArena();
const fill = (ptr: number, n: number) =>
  arena.f32(ptr, n).forEach((_, k, a) => (a[k] = rng.normal() * 0.1));
const Wout = arena.alloc(V, H),
  bout = arena.alloc(1, V),
  hT = arena.alloc(H, B),
  hB = arena.alloc(B, H);
const scores = arena.alloc(V, B), dhT = arena.alloc(H, B), dW = arena.alloc(V, H);
const W1 = arena.alloc(H, X),
  b1 = arena.alloc(1, H),
  xT = arena.alloc(X, B),
  xB = arena.alloc(B, X);
const zT = arena.alloc(H, B), dxT = arena.alloc(X, B), dW1 = arena.alloc(H, X);
for (const m of [Wout, bout, hT, hB, scores, W1, b1, xT, xB, zT]) fill(m.ptr, m.rows * m.cols);
const k = arena.fn;

const R = 48;
/** Calls `f(v0, rows)` for each chunk of the vocabulary. */
function chunked(f: (v0: number, rows: number) => void): void {
  for (let v0 = 0; v0 < V; v0 += R) f(v0, Math.min(R, V - v0));
}
const group = "output layer (354 MFLOP each)";
const forward = { scores: scores.ptr, weights: Wout.ptr, inputT: hT.ptr, bias: bout.ptr };
Deno.bench("forward  Sᵀ = Wout·hᵀ + bout", { group, baseline: true }, () => {
  outputForwardProduct(k, forward, V, H, B, R);
});
Deno.bench("backward dhᵀ = Woutᵀ·dSᵀ", { group }, () => {
  chunked((v0, rows) =>
    k.matmul(
      dhT.ptr,
      B,
      Wout.ptr + 4 * v0 * H,
      1,
      H,
      scores.ptr + 4 * v0 * B,
      B,
      H,
      B,
      rows,
      v0 ? INIT.accumulate : INIT.zero,
      0,
    )
  );
});
Deno.bench("backward dWout = dSᵀ·h", { group }, () => {
  chunked((v0, rows) =>
    k.matmul(
      dW.ptr + 4 * v0 * H,
      H,
      scores.ptr + 4 * v0 * B,
      B,
      1,
      hB.ptr,
      H,
      rows,
      H,
      B,
      INIT.zero,
      0,
    )
  );
});
Deno.bench("backward dhᵀ = Woutᵀ·dSᵀ in one call (blocks of 256 inside)", { group }, () => {
  k.matmul(dhT.ptr, B, Wout.ptr, 1, H, scores.ptr, B, H, B, V, INIT.zero, 0);
});

const hidden = "hidden layer 240 → 100 (6.1 MFLOP each)";
Deno.bench("forward  zᵀ = W1·xᵀ + b1", { group: hidden, baseline: true }, () => {
  k.matmul(zT.ptr, B, W1.ptr, X, 1, xT.ptr, B, H, B, X, INIT.bias, b1.ptr);
});
Deno.bench("backward dxᵀ = W1ᵀ·dzᵀ", { group: hidden }, () => {
  k.matmul(dxT.ptr, B, W1.ptr, 1, X, zT.ptr, B, X, B, H, INIT.zero, 0);
});
Deno.bench("backward dW1 = dzᵀ·x", { group: hidden }, () => {
  k.matmul(dW1.ptr, X, zT.ptr, B, 1, xB.ptr, X, H, X, B, INIT.zero, 0);
});

const x = zeros(B, X, "float32"), W = zeros(H, X, "float32"), b = zeros(1, H, "float32");
const dy = zeros(B, H, "float32");
for (const m of [x, W, b, dy]) m.data.forEach((_, i, a) => (a[i] = rng.normal() * 0.1));
Deno.bench("reference linearForward", { group: hidden }, () => {
  linearForward(x, W, b);
});
Deno.bench("reference linearBackward (both products)", { group: hidden }, () => {
  linearBackward(dy, x, W);
});
