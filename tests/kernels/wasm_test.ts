import { assert, assertEquals, assertLess, assertThrows } from "@std/assert";
import { Rng } from "../../lib/random.ts";
import { clone, type Matrix, matrix, zeros } from "../../lib/tensor.ts";
import { linearBackward, linearForward } from "../../lib/nn/linear.ts";
import { relu, reluBackward, tanh, tanhBackward } from "../../lib/nn/activation.ts";
import { dropoutBackward, dropoutMask } from "../../lib/nn/dropout.ts";
import { momentumStep } from "../../lib/nn/momentum.ts";
import { softmax } from "../../lib/nn/softmax.ts";
import { crossEntropy, softmaxCrossEntropyBackward } from "../../lib/nn/cross_entropy.ts";
import { INIT, KernelArena, kernelsModule, type WasmMatrix } from "../../lib/kernels/wasm.ts";

/** A `[rows, cols]` float32 matrix of N(0, 1) draws. */
function randomMatrix(rng: Rng, rows: number, cols: number): Matrix {
  const m = zeros(rows, cols, "float32");
  for (let k = 0; k < m.data.length; k++) m.data[k] = rng.normal();
  return m;
}

/** max |a − b| / max |b|: the error relative to the size of the expected numbers. */
function relError(actual: Matrix, expected: Matrix): number {
  assertEquals(actual.shape, expected.shape);
  let diff = 0, size = 0;
  for (let k = 0; k < actual.data.length; k++) {
    diff = Math.max(diff, Math.abs(actual.data[k] - expected.data[k]));
    size = Math.max(size, Math.abs(expected.data[k]));
  }
  return size === 0 ? diff : diff / size;
}

function transposed(m: Matrix): Matrix {
  const t = zeros(m.cols, m.rows, m.dtype);
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < m.cols; j++) t.data[j * m.rows + i] = m.data[i * m.cols + j];
  }
  return t;
}

Deno.test("matmul: a 2 x 2 product worked by hand, in each start mode", () => {
  const arena = new KernelArena();
  const A = arena.load(matrix([[1, 2], [3, 4]], "float32"));
  const B = arena.load(matrix([[5, 6], [7, 8]], "float32"));
  const bias = arena.load(matrix([[10, 20]], "float32"));
  const C = arena.alloc(2, 2);
  // A·B = [[1·5 + 2·7, 1·6 + 2·8], [3·5 + 4·7, 3·6 + 4·8]] = [[19, 22], [43, 50]]
  arena.fn.matmul(C.ptr, 2, A.ptr, 2, 1, B.ptr, 2, 2, 2, 2, INIT.zero, 0);
  assertEquals(arena.read(C).toArrays(), [[19, 22], [43, 50]]);
  // accumulate: C + A·B = 2·A·B
  arena.fn.matmul(C.ptr, 2, A.ptr, 2, 1, B.ptr, 2, 2, 2, 2, INIT.accumulate, 0);
  assertEquals(arena.read(C).toArrays(), [[38, 44], [86, 100]]);
  // bias per ROW of C: [[19 + 10, 22 + 10], [43 + 20, 50 + 20]]
  arena.fn.matmul(C.ptr, 2, A.ptr, 2, 1, B.ptr, 2, 2, 2, 2, INIT.bias, bias.ptr);
  assertEquals(arena.read(C).toArrays(), [[29, 32], [63, 70]]);
  // A read transposed (aRow = 1, aCol = 2): Aᵀ·B = [[1·5 + 3·7, 1·6 + 3·8], [2·5 + 4·7, 2·6 + 4·8]]
  arena.fn.matmul(C.ptr, 2, A.ptr, 1, 2, B.ptr, 2, 2, 2, 2, INIT.zero, 0);
  assertEquals(arena.read(C).toArrays(), [[26, 30], [38, 44]]);
});

// Shapes [B, in, out] that reach every tile of the kernel: rows in threes and leftovers, columns
// in 16s, 4s and single leftovers; the canonical hidden layer (B = 128, 240 → 100); and sums
// longer than the kernel's block of 256 terms (B = 300 for dW, out = 520 for dX).
const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [300, 70, 520],
  [7, 5, 3],
  [128, 100, 240],
  [37, 53, 19],
  [16, 3, 64],
];

Deno.test("matmul as the forward pass Yᵀ = W·Xᵀ + b matches linearForward", () => {
  const rng = new Rng(1);
  for (const [batch, nIn, nOut] of SHAPES) {
    const x = randomMatrix(rng, batch, nIn), W = randomMatrix(rng, nOut, nIn);
    const b = randomMatrix(rng, 1, nOut);
    const arena = new KernelArena();
    const xT = arena.load(transposed(x)), Wm = arena.load(W), bm = arena.load(b);
    const yT = arena.alloc(nOut, batch);
    arena.fn.matmul(
      yT.ptr,
      batch,
      Wm.ptr,
      nIn,
      1,
      xT.ptr,
      batch,
      nOut,
      batch,
      nIn,
      INIT.bias,
      bm.ptr,
    );
    assertLess(relError(transposed(arena.read(yT)), linearForward(x, W, b)), 1e-5);
  }
});

Deno.test("matmul as the backward pass (dXᵀ = Wᵀ·dYᵀ, dW = dYᵀ·X) matches linearBackward", () => {
  const rng = new Rng(2);
  for (const [batch, nIn, nOut] of SHAPES) {
    const x = randomMatrix(rng, batch, nIn), W = randomMatrix(rng, nOut, nIn);
    const dy = randomMatrix(rng, batch, nOut);
    const expected = linearBackward(dy, x, W);
    const arena = new KernelArena();
    const Wm = arena.load(W), dyT = arena.load(transposed(dy)), xB = arena.load(x);
    const dxT = arena.alloc(nIn, batch), dW = arena.alloc(nOut, nIn), db = arena.alloc(1, nOut);
    // dXᵀ[i, b] = Σ_o W[o, i]·dYᵀ[o, b]: W read transposed.
    arena.fn.matmul(dxT.ptr, batch, Wm.ptr, 1, nIn, dyT.ptr, batch, nIn, batch, nOut, 0, 0);
    // dW[o, i] = Σ_b dYᵀ[o, b]·X[b, i]
    arena.fn.matmul(dW.ptr, nIn, dyT.ptr, batch, 1, xB.ptr, nIn, nOut, nIn, batch, 0, 0);
    arena.fn.rowSums(db.ptr, dyT.ptr, nOut, batch);
    assertLess(relError(transposed(arena.read(dxT)), expected.dx), 1e-5);
    assertLess(relError(arena.read(dW), expected.dW), 1e-5);
    assertLess(relError(arena.read(db), expected.db), 1e-5);
  }
});

Deno.test("expArray is exp to float32 precision, and never denormal", () => {
  const arena = new KernelArena();
  const xs = [0, -1e-8, -0.5, -1, -2.5, -10, -30, -60, -87, -87.3, 1, 5, 20, 88];
  while (xs.length % 4 !== 0) xs.push(0);
  const x = arena.load(matrix([xs], "float32")), out = arena.alloc(1, xs.length);
  arena.fn.expArray(out.ptr, x.ptr, xs.length);
  const got = arena.read(out).row(0);
  for (let k = 0; k < xs.length; k++) {
    const want = Math.exp(Math.fround(xs[k]));
    assertLess(Math.abs(got[k] - want) / want, 3e-7, `exp(${xs[k]})`);
  }
  // Below −87.3, exp would be denormal: the kernel raises its input to −87.33654 instead, whose
  // exp is the smallest normal float32 (2^-126 ≈ 1.1755e-38), relatively 1e-7 off.
  const low = arena.load(matrix([[-88, -100, -1000, -Infinity]], "float32"));
  const lowOut = arena.alloc(1, 4);
  arena.fn.expArray(lowOut.ptr, low.ptr, 4);
  for (const v of arena.read(lowOut).row(0)) {
    assert(v >= 1.1754942e-38 && v < 1.1755e-38, `${v}`);
  }
});

Deno.test("fmaPeak runs every chain: the lanes sum to what the recurrence gives", () => {
  const { fn } = new KernelArena();
  // s ← s·a + b on twelve chains starting at 1 … 12, four lanes each, summed.
  const expected = (steps: number, a: number, b: number) => {
    let total = 0;
    for (let chain = 1; chain <= 12; chain++) {
      let s = chain;
      for (let k = 0; k < steps; k++) s = Math.fround(s * a + b);
      total += 4 * s;
    }
    return total;
  };
  for (const steps of [0, 1, 2, 5, 40]) {
    assertEquals(fn.fmaPeak(steps, 0.5, 1), expected(steps, 0.5, 1), `${steps} steps`);
  }
  assertEquals(fn.fmaPeak(1, 0.5, 1), 204); // 4 · Σ_{c=1..12} (c/2 + 1)
  assertEquals(fn.fmaPeak(1000, 0.5, 1), 96); // every chain at its fixed point 2
});

Deno.test("tilePeak does the tile's multiply-adds on row k mod 16 of its window each round", () => {
  const arena = new KernelArena();
  const window = arena.allocBytes(1024);
  // Small integers, so that every product and sum is exact whatever the order of the additions.
  const w = arena.f32(window, 256);
  w.forEach((_, i) => (w[i] = (i * 5) % 7 - 3));
  // Row r (16 floats): y0 = w[16r … 16r+3], y1 = w[16r+4 … 16r+7], x_i = w[16r+8+i], i < 6.
  const expected = (steps: number) => {
    let total = 0;
    for (let k = 0; k < steps; k++) {
      const r = 16 * (k % 16);
      let ys = 0;
      for (let l = 0; l < 8; l++) ys += w[r + l];
      for (let i = 0; i < 6; i++) total += w[r + 8 + i] * ys;
    }
    return total;
  };
  for (const steps of [0, 1, 3, 16, 17, 100]) {
    assertEquals(arena.fn.tilePeak(window, steps), expected(steps), `${steps} rounds`);
  }
});

Deno.test("momentum matches momentumStep, with and without weight decay and gradient", () => {
  const rng = new Rng(3);
  for (const [n, decay] of [[1, 0], [7, 0.01], [64, 0], [103, 0.1]]) {
    const W = randomMatrix(rng, 1, n), g = randomMatrix(rng, 1, n), m = randomMatrix(rng, 1, n);
    const options = { lr: 0.3, beta: 0.9, weightDecay: decay };
    const expected = momentumStep({ W }, { W: g }, { W: m }, options);
    const arena = new KernelArena();
    const w = arena.load(W), v = arena.load(m), gm = arena.load(g);
    arena.fn.momentum(w.ptr, v.ptr, gm.ptr, n, 0.3, 0.9, 1 - 0.9, decay);
    assertLess(relError(arena.read(w), expected.params.W), 1e-6);
    assertLess(relError(arena.read(v), expected.velocity.W), 1e-6);
    // g = 0 (address 0): a zero gradient, as for a word absent from the minibatch.
    const zero = momentumStep({ W }, { W: zeros(1, n, "float32") }, { W: m }, options);
    const w0 = arena.load(W), v0 = arena.load(m);
    arena.fn.momentum(w0.ptr, v0.ptr, 0, n, 0.3, 0.9, 1 - 0.9, decay);
    assertLess(relError(arena.read(w0), zero.params.W), 1e-6);
    assertLess(relError(arena.read(v0), zero.velocity.W), 1e-6);
  }
});

Deno.test("momentum: velocities below 2^-100 become exactly 0 (no denormals)", () => {
  const arena = new KernelArena();
  // 8 numbers: the vector loop and the scalar tail both flush.
  const w = arena.load(matrix([[1, 1, 1, 1, 1, 1, 1, 1]], "float32"));
  const v = arena.load(
    matrix([[1e-30, 1e-31, -1e-31, 1e-3, 1e-30, 1e-31, -1e-31, 1e-3]], "float32"),
  );
  arena.fn.momentum(w.ptr, v.ptr, 0, 8, 0.1, 0.5, 0.5, 0);
  // m = 0.5·m: 5e-31 < 2^-100 ≈ 7.9e-31 flushes; 5e-4 stays; 1e-30·0.5 = 5e-31 flushes too.
  assertEquals(arena.read(v).row(0), [0, 0, 0, Math.fround(5e-4), 0, 0, 0, Math.fround(5e-4)]);
});

Deno.test("activate and activationBackward match relu, tanh and their backward through dropout", () => {
  const rng = new Rng(4);
  const z = randomMatrix(rng, 5, 7), dy = randomMatrix(rng, 5, 7);
  const mask = dropoutMask(5, 7, 0.4, new Rng(9), "float32");
  for (const useTanh of [0, 1]) {
    const arena = new KernelArena();
    const a = arena.load(z);
    arena.fn.activate(a.ptr, 35, useTanh);
    const act = useTanh ? tanh(z) : relu(z);
    assertLess(relError(arena.read(a), act), 1e-6);
    const dz = arena.alloc(5, 7), g = arena.load(dy), mk = arena.load(mask);
    arena.fn.activationBackward(dz.ptr, g.ptr, a.ptr, mk.ptr, 35, useTanh);
    const dh = dropoutBackward(dy, mask);
    const expected = useTanh ? tanhBackward(dh, act) : reluBackward(dh, z);
    assertLess(relError(arena.read(dz), expected), 1e-6);
  }
});

Deno.test("the fused softmax, cross-entropy and dscores match softmax, crossEntropy and its gradient", () => {
  // |V| = 50 in chunks of 7 (the last one has 1 row), B = 6 (padded to 8 columns), scores
  // spread over ±30 so that chunk maxima differ a lot and the online rescaling matters.
  const V = 50, B = 6, Bp = 8, R = 7, chunks = Math.ceil(V / R);
  const rng = new Rng(5);
  const scores = zeros(B, V, "float32");
  for (let k = 0; k < scores.data.length; k++) scores.data[k] = 30 * (2 * rng.uniform() - 1);
  const targets = [0, 49, 7, 7, 13, 42];
  const arena = new KernelArena();
  const { slots, fn } = arena;
  const plan = arena.allocBytes(4 * 96);
  const S = arena.alloc(V, Bp);
  const sT = arena.f32(S.ptr, V * Bp);
  for (let b = 0; b < B; b++) for (let v = 0; v < V; v++) sT[v * Bp + b] = scores.data[b * V + v];
  const set = (name: string, value: number) => (arena.i32(plan + 4 * slots[name], 1)[0] = value);
  const target = arena.allocBytes(4 * B);
  arena.i32(target, B).set(targets);
  set("VOCAB", V);
  set("BATCH", B);
  set("BPAD", Bp);
  set("CHUNK", R);
  set("CHUNKS", chunks);
  set("TARGET", target);
  set("SCORES", S.ptr);
  set("CHUNK_MAX", arena.allocBytes(4 * chunks * Bp));
  set("CHUNK_SUM", arena.allocBytes(4 * chunks * Bp));
  set("TARGET_SCORE", arena.allocBytes(4 * 2 * Bp));
  for (let c = 0; c < chunks; c++) fn.softmaxChunk(plan, c);
  const loss = fn.softmaxCombine(plan);
  const probs = softmax(scores);
  const want = crossEntropy(probs, targets);
  assertLess(Math.abs(loss - want) / want, 1e-6);
  const p = arena.allocBytes(4 * B * V);
  fn.probabilities(plan, p);
  const got = zeros(B, V, "float32");
  got.data.set(arena.f32(p, B * V));
  assertLess(relError(got, probs), 1e-5);
  for (let c = 0; c < chunks; c++) fn.dscoresChunk(plan, c);
  const dT = arena.read(S);
  const d = zeros(B, V, "float32");
  for (let b = 0; b < B; b++) for (let v = 0; v < V; v++) d.data[b * V + v] = dT.data[v * Bp + b];
  assertLess(relError(d, softmaxCrossEntropyBackward(probs, targets)), 1e-5);
  // Padding columns carry no gradient.
  for (let v = 0; v < V; v++) assertEquals([dT.data[v * Bp + 6], dT.data[v * Bp + 7]], [0, 0]);
});

Deno.test("transpose and rowSums", () => {
  const arena = new KernelArena();
  const a = arena.load(matrix([[1, 2, 3], [4, 5, 6]], "float32"));
  const t = arena.alloc(3, 2);
  arena.fn.transpose(t.ptr, a.ptr, 2, 3);
  assertEquals(arena.read(t).toArrays(), [[1, 4], [2, 5], [3, 6]]);
  const s = arena.alloc(1, 2);
  arena.fn.rowSums(s.ptr, a.ptr, 2, 3);
  assertEquals(arena.read(s).toArrays(), [[6, 15]]); // [1 + 2 + 3, 4 + 5 + 6]
  const wide = arena.load(matrix([Array.from({ length: 11 }, (_, k) => k + 1)], "float32"));
  arena.fn.rowSums(s.ptr, wide.ptr, 1, 11);
  assertEquals(arena.read(s).data[0], 66); // 1 + … + 11 = 11·12/2
});

Deno.test("KernelArena: aligned allocations, growth, round trips, bad sizes", () => {
  const arena = new KernelArena();
  const a: WasmMatrix = arena.alloc(3, 3);
  const b = arena.alloc(1000, 1000); // 4 MB: the memory grows
  assertEquals(a.ptr % 64, 0);
  assertEquals(b.ptr % 64, 0);
  assert(arena.memory.buffer.byteLength >= b.ptr + 4e6);
  const m = matrix([[1.5, -2], [3, 4]], "float32");
  const w = arena.load(m);
  const back = arena.read(w);
  assertEquals(back.toArrays(), m.toArrays());
  back.data[0] = 99; // a fresh copy: the arena keeps its numbers
  assertEquals(arena.read(w).data[0], 1.5);
  const before = clone(m);
  arena.load(m);
  assertEquals(m.toArrays(), before.toArrays());
  assertThrows(() => arena.allocBytes(-1), RangeError, "KernelArena.allocBytes: bytes expected");
  assertThrows(() => arena.allocBytes(3e9), RangeError, "at most");
  arena.reset();
  assertEquals(arena.alloc(1, 1).ptr, 65536);
});

Deno.test("kernelsModule is compiled once and exports every kernel", () => {
  assert(kernelsModule() === kernelsModule());
  const names = WebAssembly.Module.exports(kernelsModule()).map((e) => e.name);
  for (
    const name of [
      "matmul",
      "momentum",
      "forwardHidden",
      "outputForward",
      "softmaxCombine",
      "outputBackward",
      "backwardHidden",
      "PLAN_SLOTS",
    ]
  ) {
    assert(names.includes(name), name);
  }
});
