// @ts-nocheck: AssemblyScript (https://www.assemblyscript.org), compiled to WebAssembly by
// `deno task build:kernels` (tools/build_kernels.ts); Deno does not type-check this dialect.
/**
 * The fast kernels of mini-neural-lm, in AssemblyScript: TypeScript syntax with WebAssembly's
 * number types (`i32`, `f32`, `usize` for a byte address, `v128` for four packed `f32` lanes).
 *
 * Everything here works on raw addresses in one linear memory that JavaScript lays out
 * (`lib/kernels/fast.ts`); nothing is allocated, so the same compiled module runs in the main
 * thread and in the worker threads, all sharing that memory. Matrices are row-major `f32`.
 *
 * The model's activations are kept TRANSPOSED, one column per example (`Xᵀ` is `[in, B]`), so
 * the four lanes of a vector always hold four examples of the batch. Then each of the three
 * products of a layer is one call of {@link matmul}:
 *
 * ```text
 * forward    Yᵀ[out, B] = W[out, in] · Xᵀ[in, B] + b         A = W,   plain
 * backward   dXᵀ[in, B] = Wᵀ[in, out] · dYᵀ[out, B]          A = W,   read transposed
 *            dW[out, in] = dYᵀ[out, B] · X[B, in]             A = dYᵀ, plain; X batch-major
 * ```
 *
 * Layout of the model step, and the phases that two or more threads share, are described in
 * `lib/kernels/fast.ts`. The plan block below is the contract between the two files.
 *
 * `deno fmt` and `deno lint` keep this file tidy like the rest of the repository; since the
 * formatter drops AssemblyScript's `@inline` decorator, small helpers rely on Binaryen's `-O3`
 * inliner instead (it inlines every one of them: see the `(func` list of the `.wat`).
 */

// ------------------------------------------------------------------------------------------
// The plan: one block of 32-bit slots that says where everything lives and how big it is.
// JavaScript reads these slot numbers from the module's exports, so they are defined only here.
// ------------------------------------------------------------------------------------------

/** How many 4-byte slots the plan block has. */
export const PLAN_SLOTS: i32 = 96;

// sizes (i32)
export const P_VOCAB: i32 = 0; // |V|
export const P_CONTEXT: i32 = 1; // n − 1
export const P_EMBED: i32 = 2; // m
export const P_LAYERS: i32 = 3; // 1 or 2 hidden layers
export const P_H1: i32 = 4;
export const P_H2: i32 = 5;
export const P_TANH: i32 = 6; // 0: relu, 1: tanh
export const P_MASKED: i32 = 7; // 1 when this step multiplies hidden layers by dropout masks
export const P_DIRECT: i32 = 8; // 1 with direct connections
export const P_OUT_IN: i32 = 9; // K, the width of the output layer's input: h_L (+ (n−1)·m)
export const P_BATCH: i32 = 10; // B
export const P_BPAD: i32 = 11; // B rounded up to a multiple of 4: the row stride of [·, B] arrays
export const P_CHUNK: i32 = 12; // vocabulary rows per chunk
export const P_CHUNKS: i32 = 13; // ceil(|V| / chunk)
export const P_GROUPS: i32 = 14; // chunks are handed out to threads in this many groups
export const P_E_PARTS: i32 = 19; // E's rows without gradient are updated in this many parts
// update (f32)
export const P_LR: i32 = 15;
export const P_BETA: i32 = 16;
export const P_ONE_MINUS_BETA: i32 = 17; // 1 − β, computed in double precision by the caller
export const P_DECAY: i32 = 18; // weight decay λ
// parameters and their velocities (byte addresses)
export const P_E: i32 = 20;
export const P_VE: i32 = 21;
export const P_W1: i32 = 22;
export const P_B1: i32 = 23;
export const P_VW1: i32 = 24;
export const P_VB1: i32 = 25;
export const P_W2: i32 = 26;
export const P_B2: i32 = 27;
export const P_VW2: i32 = 28;
export const P_VB2: i32 = 29;
export const P_WO: i32 = 30; // [|V|, K]: row v is [Wout[v] | Wdirect[v]]
export const P_BO: i32 = 31;
export const P_VWO: i32 = 32;
export const P_VBO: i32 = 33;
// the batch (byte addresses of i32 arrays)
export const P_CTX: i32 = 36; // [B, n−1]
export const P_TARGET: i32 = 37; // [B]
// activations and scratch (byte addresses of f32 arrays unless noted)
export const P_OUT_T: i32 = 40; // [K, Bp]: the output layer's input, transposed
export const P_X_T: i32 = 41; // [(n−1)·m, Bp]: concatenated embeddings, right below h_L in P_OUT_T
export const P_A1_T: i32 = 42; // [h1, Bp]: act(z1), before dropout
export const P_A2_T: i32 = 43; // [h2, Bp]
export const P_H1_T: i32 = 44; // [h1, Bp]: layer 1's output after dropout (P_OUT_T when L = 1)
export const P_MASK1_T: i32 = 45; // [h1, Bp]
export const P_MASK2_T: i32 = 46; // [h2, Bp]
export const P_X_B: i32 = 47; // [Bp, (n−1)·m]: X batch-major, for dW1
export const P_H1_B: i32 = 48; // [Bp, h1]: layer 1's output batch-major, for dW2
export const P_OUT_B: i32 = 49; // [Bp, K]: the output layer's input batch-major, for dWout
export const P_SCORES: i32 = 50; // [|V|, Bp]: scores, then exponentials, then dscores
export const P_CHUNK_MAX: i32 = 51; // [chunks, Bp]: max score of the chunk, later a scale
export const P_CHUNK_SUM: i32 = 52; // [chunks, Bp]: Σ exp(score − chunk max)
export const P_TARGET_SCORE: i32 = 53; // [2, Bp]: target's score, then −log p; scratch
export const P_DOUT_GROUPS: i32 = 54; // [groups, K, Bp]: one partial dOUTᵀ per group
export const P_THREAD_GW: i32 = 55; // [threads, chunk, K]: gradient rows of Wout, per thread
export const P_THREAD_GB: i32 = 56; // [threads, chunk]: gradient of bout, per thread
export const P_DOUT_T: i32 = 57; // [K, Bp]: dOUTᵀ, the sum of the groups' partials
export const P_DZ_T: i32 = 58; // [max h, Bp]
export const P_DIN_T: i32 = 59; // [max((n−1)·m, h1), Bp]: gradient of a hidden layer's input
export const P_GW_HIDDEN: i32 = 60; // [max(h1·(n−1)·m, h2·h1)]: gradient of W1 or W2
export const P_GB_HIDDEN: i32 = 61; // [max h]
export const P_SLOT: i32 = 62; // i32 [|V|]: row of a word in P_GE, or −1
export const P_WORDS: i32 = 63; // i32 [B·(n−1)]: the distinct words of the batch
export const P_GE: i32 = 64; // [B·(n−1), m]: gradient rows of E, one per distinct word
export const P_DISTINCT: i32 = 65; // i32: how many distinct words the batch has

/** Velocities smaller than this in magnitude are set to zero; see {@link momentum}. */
const FLUSH: f32 = 7.888609e-31; // 2^-100

function slot(plan: usize, s: i32): i32 {
  return load<i32>(plan + (<usize> s << 2));
}

function slotF(plan: usize, s: i32): f32 {
  return load<f32>(plan + (<usize> s << 2));
}

function addr(plan: usize, s: i32): usize {
  return <usize> load<i32>(plan + (<usize> s << 2));
}

function madd(a: v128, b: v128, c: v128): v128 {
  // a·b + c. "Relaxed": one fused multiply-add where the processor has one (rounded once),
  // otherwise a multiply and an add (rounded twice). Either is within float32 tolerance.
  return f32x4.relaxed_madd(a, b, c);
}

// ------------------------------------------------------------------------------------------
// Matrix product
// ------------------------------------------------------------------------------------------

/** `init` of {@link matmul}: start each C[i, j] from 0, from C itself, or from bias[i]. */
export const INIT_ZERO: i32 = 0;
export const INIT_ACCUMULATE: i32 = 1;
export const INIT_BIAS: i32 = 2;

/**
 * `C[i, j] = start(i, j) + Σ_k A(i, k) · B[k, j]` for `i < M`, `j < N`, `k < K`, where
 * `A(i, k)` is the `f32` at `a + 4·(i·aRow + k·aCol)` (so `aRow = lda, aCol = 1` reads A as
 * stored and `aRow = 1, aCol = lda` reads it transposed), B and C are row-major with row
 * strides `ldb` and `ldc` (in elements), and `start` is set by `init`.
 *
 * Work is cut into tiles of 6 rows × 8 columns: twelve 4-lane accumulators stay in registers
 * while `k` runs, and each step loads 2 vectors of B and, one at a time, 6 numbers of A for 12
 * fused multiply-adds, so that the accumulators, the two vectors and the one number fit in the
 * 16 vector registers of x86-64 (a 3 × 16 tile needs 19, spills, and took 1.8 times as long on
 * an AMD EPYC host).
 * Leftover columns and rows go through tiles of 3 × 16, 3 × 4, 1 × 16 and 1 × 4, and one at a
 * time. Every element is the same chain of multiply-adds over `k` whichever tile computes it.
 */
export function matmul(
  c: usize,
  ldc: i32,
  a: usize,
  aRow: i32,
  aCol: i32,
  b: usize,
  ldb: i32,
  M: i32,
  N: i32,
  K: i32,
  init: i32,
  bias: usize,
): void {
  // Long sums are cut into blocks of K_BLOCK terms, so that the rows of A and B a block reads
  // stay in the cache while every tile of C passes over them.
  let k0 = 0;
  do {
    const kb = min(K_BLOCK, K - k0);
    matmulBlock(
      c,
      ldc,
      a + (<usize> k0 * (<usize> aCol << 2)),
      aRow,
      aCol,
      b + (<usize> k0 * (<usize> ldb << 2)),
      ldb,
      M,
      N,
      kb,
      k0 == 0 ? init : INIT_ACCUMULATE,
      bias,
    );
    k0 += K_BLOCK;
  } while (k0 < K);
}

/** Terms of a sum per pass of {@link matmul}. */
const K_BLOCK: i32 = 256;

/** {@link matmul} for one block of at most {@link K_BLOCK} terms. */
function matmulBlock(
  c: usize,
  ldc: i32,
  a: usize,
  aRow: i32,
  aCol: i32,
  b: usize,
  ldb: i32,
  M: i32,
  N: i32,
  K: i32,
  init: i32,
  bias: usize,
): void {
  const ldcB = <usize> ldc << 2, ldbB = <usize> ldb << 2;
  const aRowB = <usize> aRow << 2, aColB = <usize> aCol << 2;
  let i = 0;
  // Six rows at a time in tiles of 8 columns; the columns left over go through the three-row
  // tiles, twice. Every element of C is the same chain of fused multiply-adds over k whatever
  // tile computes it, so the tile shapes change the speed and not the numbers.
  for (; i + 6 <= M; i += 6) {
    const ai = a + <usize> i * aRowB;
    const ci = c + <usize> i * ldcB;
    const bi = init == INIT_BIAS ? bias + (<usize> i << 2) : 0;
    let j = 0;
    for (; j + 8 <= N; j += 8) {
      tile6x8(
        ci + (<usize> j << 2),
        ldcB,
        ai,
        aRowB,
        aColB,
        b + (<usize> j << 2),
        ldbB,
        K,
        init,
        bi,
      );
    }
    for (let half = 0; half < 2; half++) {
      const r0 = <usize> (3 * half);
      rows3(
        ci + r0 * ldcB,
        ldcB,
        ai + r0 * aRowB,
        aRowB,
        aColB,
        b,
        ldbB,
        N,
        K,
        init,
        bi == 0 ? 0 : bi + (r0 << 2),
        j,
      );
    }
  }
  for (; i + 3 <= M; i += 3) {
    const ai = a + <usize> i * aRowB;
    const ci = c + <usize> i * ldcB;
    const bi = init == INIT_BIAS ? bias + (<usize> i << 2) : 0;
    rows3(ci, ldcB, ai, aRowB, aColB, b, ldbB, N, K, init, bi, 0);
  }
  for (; i < M; i++) {
    const ai = a + <usize> i * aRowB;
    const ci = c + <usize> i * ldcB;
    const bi = init == INIT_BIAS ? bias + (<usize> i << 2) : 0;
    let j = 0;
    for (; j + 16 <= N; j += 16) {
      tile1x16(ci + (<usize> j << 2), ai, aColB, b + (<usize> j << 2), ldbB, K, init, bi);
    }
    for (; j + 4 <= N; j += 4) {
      tile1x4(ci + (<usize> j << 2), ai, aColB, b + (<usize> j << 2), ldbB, K, init, bi);
    }
    for (; j < N; j++) {
      scalar1x1(ci + (<usize> j << 2), ai, aColB, b + (<usize> j << 2), ldbB, K, init, bi);
    }
  }
}

/** Rows `0, 1, 2` of C from column `j0` on: tiles of 16 columns, then of 4, then one by one. */
function rows3(
  ci: usize,
  ldcB: usize,
  ai: usize,
  aRowB: usize,
  aColB: usize,
  b: usize,
  ldbB: usize,
  N: i32,
  K: i32,
  init: i32,
  bi: usize,
  j0: i32,
): void {
  let j = j0;
  for (; j + 16 <= N; j += 16) {
    tile3x16(
      ci + (<usize> j << 2),
      ldcB,
      ai,
      aRowB,
      aColB,
      b + (<usize> j << 2),
      ldbB,
      K,
      init,
      bi,
    );
  }
  for (; j + 4 <= N; j += 4) {
    tile3x4(
      ci + (<usize> j << 2),
      ldcB,
      ai,
      aRowB,
      aColB,
      b + (<usize> j << 2),
      ldbB,
      K,
      init,
      bi,
    );
  }
  for (; j < N; j++) {
    for (let r = 0; r < 3; r++) {
      const br: usize = bi == 0 ? 0 : bi + (<usize> r << 2);
      scalar1x1(
        ci + <usize> r * ldcB + (<usize> j << 2),
        ai + <usize> r * aRowB,
        aColB,
        b + (<usize> j << 2),
        ldbB,
        K,
        init,
        br,
      );
    }
  }
}

function start(c: usize, init: i32, bias: usize): v128 {
  if (init == INIT_ACCUMULATE) return v128.load(c);
  return f32x4.splat(bias == 0 ? <f32> 0 : load<f32>(bias));
}

/**
 * Six rows × 8 columns of C: twelve 4-lane accumulators, two vectors of B and one broadcast
 * number of A live at a time, fifteen of the sixteen vector registers of x86-64 (the shape of
 * the 6 × 16 AVX2 kernels of BLIS, at 4 lanes). Each step: 6 + 2 loads for 12 multiply-adds.
 */
function tile6x8(
  c: usize,
  ldc: usize,
  a: usize,
  aRow: usize,
  aCol: usize,
  b: usize,
  ldb: usize,
  K: i32,
  init: i32,
  bias: usize,
): void {
  const c1 = c + ldc, c2 = c1 + ldc, c3 = c2 + ldc, c4 = c3 + ldc, c5 = c4 + ldc;
  const b1: usize = bias == 0 ? 0 : bias + 4, b2: usize = bias == 0 ? 0 : bias + 8;
  const b3: usize = bias == 0 ? 0 : bias + 12, b4: usize = bias == 0 ? 0 : bias + 16;
  const b5: usize = bias == 0 ? 0 : bias + 20;
  let s00 = start(c, init, bias), s01 = start(c + 16, init, bias);
  let s10 = start(c1, init, b1), s11 = start(c1 + 16, init, b1);
  let s20 = start(c2, init, b2), s21 = start(c2 + 16, init, b2);
  let s30 = start(c3, init, b3), s31 = start(c3 + 16, init, b3);
  let s40 = start(c4, init, b4), s41 = start(c4 + 16, init, b4);
  let s50 = start(c5, init, b5), s51 = start(c5 + 16, init, b5);
  let ap = a, bp = b;
  for (let k = 0; k < K; k++) {
    const y0 = v128.load(bp), y1 = v128.load(bp, 16);
    let x = v128.load32_splat(ap);
    s00 = madd(x, y0, s00);
    s01 = madd(x, y1, s01);
    x = v128.load32_splat(ap + aRow);
    s10 = madd(x, y0, s10);
    s11 = madd(x, y1, s11);
    x = v128.load32_splat(ap + 2 * aRow);
    s20 = madd(x, y0, s20);
    s21 = madd(x, y1, s21);
    x = v128.load32_splat(ap + 3 * aRow);
    s30 = madd(x, y0, s30);
    s31 = madd(x, y1, s31);
    x = v128.load32_splat(ap + 4 * aRow);
    s40 = madd(x, y0, s40);
    s41 = madd(x, y1, s41);
    x = v128.load32_splat(ap + 5 * aRow);
    s50 = madd(x, y0, s50);
    s51 = madd(x, y1, s51);
    ap += aCol;
    bp += ldb;
  }
  v128.store(c, s00);
  v128.store(c, s01, 16);
  v128.store(c1, s10);
  v128.store(c1, s11, 16);
  v128.store(c2, s20);
  v128.store(c2, s21, 16);
  v128.store(c3, s30);
  v128.store(c3, s31, 16);
  v128.store(c4, s40);
  v128.store(c4, s41, 16);
  v128.store(c5, s50);
  v128.store(c5, s51, 16);
}

function tile3x16(
  c: usize,
  ldc: usize,
  a: usize,
  aRow: usize,
  aCol: usize,
  b: usize,
  ldb: usize,
  K: i32,
  init: i32,
  bias: usize,
): void {
  const c1 = c + ldc, c2 = c1 + ldc;
  const b1: usize = bias == 0 ? 0 : bias + 4, b2: usize = bias == 0 ? 0 : bias + 8;
  let s00 = start(c, init, bias), s01 = start(c + 16, init, bias);
  let s02 = start(c + 32, init, bias), s03 = start(c + 48, init, bias);
  let s10 = start(c1, init, b1), s11 = start(c1 + 16, init, b1);
  let s12 = start(c1 + 32, init, b1), s13 = start(c1 + 48, init, b1);
  let s20 = start(c2, init, b2), s21 = start(c2 + 16, init, b2);
  let s22 = start(c2 + 32, init, b2), s23 = start(c2 + 48, init, b2);
  let ap = a, bp = b;
  const a2 = aRow + aRow;
  for (let k = 0; k < K; k++) {
    const x0 = v128.load32_splat(ap), x1 = v128.load32_splat(ap + aRow);
    const x2 = v128.load32_splat(ap + a2);
    const y0 = v128.load(bp),
      y1 = v128.load(bp, 16),
      y2 = v128.load(bp, 32),
      y3 = v128.load(bp, 48);
    s00 = madd(x0, y0, s00);
    s01 = madd(x0, y1, s01);
    s02 = madd(x0, y2, s02);
    s03 = madd(x0, y3, s03);
    s10 = madd(x1, y0, s10);
    s11 = madd(x1, y1, s11);
    s12 = madd(x1, y2, s12);
    s13 = madd(x1, y3, s13);
    s20 = madd(x2, y0, s20);
    s21 = madd(x2, y1, s21);
    s22 = madd(x2, y2, s22);
    s23 = madd(x2, y3, s23);
    ap += aCol;
    bp += ldb;
  }
  v128.store(c, s00);
  v128.store(c, s01, 16);
  v128.store(c, s02, 32);
  v128.store(c, s03, 48);
  v128.store(c1, s10);
  v128.store(c1, s11, 16);
  v128.store(c1, s12, 32);
  v128.store(c1, s13, 48);
  v128.store(c2, s20);
  v128.store(c2, s21, 16);
  v128.store(c2, s22, 32);
  v128.store(c2, s23, 48);
}

function tile3x4(
  c: usize,
  ldc: usize,
  a: usize,
  aRow: usize,
  aCol: usize,
  b: usize,
  ldb: usize,
  K: i32,
  init: i32,
  bias: usize,
): void {
  const c1 = c + ldc, c2 = c1 + ldc;
  let s0 = start(c, init, bias);
  let s1 = start(c1, init, bias == 0 ? 0 : bias + 4);
  let s2 = start(c2, init, bias == 0 ? 0 : bias + 8);
  let ap = a, bp = b;
  const a2 = aRow + aRow;
  for (let k = 0; k < K; k++) {
    const y = v128.load(bp);
    s0 = madd(v128.load32_splat(ap), y, s0);
    s1 = madd(v128.load32_splat(ap + aRow), y, s1);
    s2 = madd(v128.load32_splat(ap + a2), y, s2);
    ap += aCol;
    bp += ldb;
  }
  v128.store(c, s0);
  v128.store(c1, s1);
  v128.store(c2, s2);
}

function tile1x16(
  c: usize,
  a: usize,
  aCol: usize,
  b: usize,
  ldb: usize,
  K: i32,
  init: i32,
  bias: usize,
): void {
  let s0 = start(c, init, bias), s1 = start(c + 16, init, bias);
  let s2 = start(c + 32, init, bias), s3 = start(c + 48, init, bias);
  let ap = a, bp = b;
  for (let k = 0; k < K; k++) {
    const x = v128.load32_splat(ap);
    s0 = madd(x, v128.load(bp), s0);
    s1 = madd(x, v128.load(bp, 16), s1);
    s2 = madd(x, v128.load(bp, 32), s2);
    s3 = madd(x, v128.load(bp, 48), s3);
    ap += aCol;
    bp += ldb;
  }
  v128.store(c, s0);
  v128.store(c, s1, 16);
  v128.store(c, s2, 32);
  v128.store(c, s3, 48);
}

function tile1x4(
  c: usize,
  a: usize,
  aCol: usize,
  b: usize,
  ldb: usize,
  K: i32,
  init: i32,
  bias: usize,
): void {
  let s = start(c, init, bias);
  let ap = a, bp = b;
  for (let k = 0; k < K; k++) {
    s = madd(v128.load32_splat(ap), v128.load(bp), s);
    ap += aCol;
    bp += ldb;
  }
  v128.store(c, s);
}

function scalar1x1(
  c: usize,
  a: usize,
  aCol: usize,
  b: usize,
  ldb: usize,
  K: i32,
  init: i32,
  bias: usize,
): void {
  let s: f32 = init == INIT_ACCUMULATE ? load<f32>(c) : bias == 0 ? 0 : load<f32>(bias);
  let ap = a, bp = b;
  for (let k = 0; k < K; k++) {
    s += load<f32>(ap) * load<f32>(bp);
    ap += aCol;
    bp += ldb;
  }
  store<f32>(c, s);
}

// ------------------------------------------------------------------------------------------
// Element-wise pieces
// ------------------------------------------------------------------------------------------

/**
 * Where {@link initConstants} puts the constants of {@link expShifted}: below 1024, where
 * AssemblyScript's own static data starts, and far below the arrays JavaScript lays out.
 */
const EXP_TABLE: usize = 256;

/**
 * Writes the exponential's constants into memory. Every instance calls it once (writing the same
 * numbers, so instances sharing a memory do not disturb each other).
 *
 * Why not literal constants: V8 rebuilds a 128-bit constant from two 64-bit immediates at every
 * use inside a loop, which made the exponential two to four times slower. Loaded from memory
 * once before the loop, the constants stay in registers.
 */
export function initConstants(): void {
  store<f32>(EXP_TABLE, -87.33654); // below this, exp(x) would be a denormal
  store<f32>(EXP_TABLE, 1.44269504088896341, 4); // log2(e)
  store<f32>(EXP_TABLE, 0.693359375, 8); // ln 2, high part (exact in a few bits)
  store<f32>(EXP_TABLE, -2.12194440e-4, 12); // ln 2 − high part
  store<f32>(EXP_TABLE, 1.9875691500e-4, 16); // Cephes expf polynomial, degree 7 down to 2
  store<f32>(EXP_TABLE, 1.3981999507e-3, 20);
  store<f32>(EXP_TABLE, 8.3334519073e-3, 24);
  store<f32>(EXP_TABLE, 4.1665795894e-2, 28);
  store<f32>(EXP_TABLE, 1.6666665459e-1, 32);
  store<f32>(EXP_TABLE, 5.0000001201e-1, 36);
  store<f32>(EXP_TABLE, 1, 40);
  store<i32>(EXP_TABLE, 127, 44);
  store<f32>(EXP_TABLE, 12582912, 48); // 1.5 · 2^23
}

/**
 * `out[r, j] = exp(x[r, j] − shift[j])` over `rows` rows of `cols` numbers (`cols` a multiple of
 * 4; `out` may be `x`), adding each row into `sums[j]` when `sums ≠ 0`; `shift = 0` means none.
 *
 * Four lanes at a time: `x = n·ln 2 + r` with `n` an integer and `|r| ≤ ln 2 / 2`, then
 * `exp(x) = 2^n · p(r)`, `p` the polynomial of Cephes' `expf` (relative error about 1e-7), and
 * `2^n` built directly in the float's exponent bits. Inputs below −87.3 are raised to −87.3
 * (`exp` ≈ 1.2e-38, the smallest normal float32), which keeps every result out of the slow
 * denormal range; inputs must be at most 88 (here they are ≤ 0: scores minus their maximum).
 *
 * `pmax` ("pseudo-maximum", one x86 instruction) replaces `max`, whose exact NaN and ±0 rules
 * V8 builds from several instructions; the values here are finite, where the two agree.
 *
 * `n` comes from adding and subtracting `1.5·2^23`: a float32 in `[2^23, 2^24)` has no bits
 * after the point, so `x·log2 e + 1.5·2^23` is rounded to the nearest integer (ties to even,
 * exactly what `nearest` gives for `|x·log2 e| < 2^22`), and the integer `n` sits in its low
 * mantissa bits, where `(bits + 127) << 23` turns it into the exponent of `2^n` (the shift drops
 * the sum's own exponent bits). Adds run on other execution ports than the multiply-adds, while
 * the rounding and the float-to-integer conversion it replaces compete with them: the exponential
 * is about 11% faster on an Intel Xeon host (family 6, model 207), with the same bits.
 * The constants come from memory for the reason given at {@link initConstants}.
 */
function expShifted(out: usize, x: usize, rows: i32, cols: i32, shift: usize, sums: usize): void {
  const low = v128.load32_splat(EXP_TABLE), log2e = v128.load32_splat(EXP_TABLE + 4);
  const ln2hi = v128.load32_splat(EXP_TABLE + 8), ln2lo = v128.load32_splat(EXP_TABLE + 12);
  const c7 = v128.load32_splat(EXP_TABLE + 16), c6 = v128.load32_splat(EXP_TABLE + 20);
  const c5 = v128.load32_splat(EXP_TABLE + 24), c4 = v128.load32_splat(EXP_TABLE + 28);
  const c3 = v128.load32_splat(EXP_TABLE + 32), c2 = v128.load32_splat(EXP_TABLE + 36);
  const one = v128.load32_splat(EXP_TABLE + 40), bias = v128.load32_splat(EXP_TABLE + 44);
  const magic = v128.load32_splat(EXP_TABLE + 48);
  const rowB = <usize> cols << 2;
  // Column blocks outside, rows inside: the shift and the running sum stay in registers.
  for (let j = 0; j < cols; j += 4) {
    const o = <usize> j << 2;
    const sh = shift != 0 ? v128.load(shift + o) : f32x4.splat(0);
    let sum = f32x4.splat(0);
    let xp = x + o, op = out + o;
    for (let r = 0; r < rows; r++) {
      const v = f32x4.pmax(f32x4.sub(v128.load(xp), sh), low);
      const s = f32x4.add(f32x4.mul(v, log2e), magic);
      const n = f32x4.sub(s, magic);
      // r = x − n·ln 2, with ln 2 in two parts so that the first product is exact.
      let t = f32x4.relaxed_nmadd(n, ln2hi, v);
      t = f32x4.relaxed_nmadd(n, ln2lo, t);
      let p = madd(c7, t, c6);
      p = madd(p, t, c5);
      p = madd(p, t, c4);
      p = madd(p, t, c3);
      p = madd(p, t, c2);
      p = madd(p, f32x4.mul(t, t), f32x4.add(t, one)); // p·t² + t + 1
      const pow2 = i32x4.shl(i32x4.add(s, bias), 23);
      const e = f32x4.mul(p, pow2);
      v128.store(op, e);
      sum = f32x4.add(sum, e);
      xp += rowB;
      op += rowB;
    }
    if (sums != 0) v128.store(sums + o, f32x4.add(v128.load(sums + o), sum));
  }
}

/** `out[k] = exp(x[k])` for `k < n`, `n` a multiple of 4; exported for the tests. */
export function expArray(out: usize, x: usize, n: i32): void {
  expShifted(out, x, 1, n, 0, 0);
}

/**
 * One momentum step on `n` numbers, in place, as `nn/momentum.ts` writes it:
 *
 * ```text
 * g' = g + λ·w          (weight decay; λ = 0 for biases)
 * m  = β·m + (1 − β)·g'
 * w  = w − lr·m
 * ```
 *
 * `g = 0` (the address) means a zero gradient: a word absent from the batch still decays its
 * velocity and moves its embedding, exactly as the dense reference does.
 *
 * A velocity whose magnitude falls below 2^-100 is set to 0. Without this, the velocity of a
 * word unseen for about 800 steps becomes a denormal float, which x86 processors compute about
 * a hundred times slower, and with β = 0.9 it never leaves that range (0.9·k units in the last
 * place rounds back to k for k ≤ 5). What it changes in a weight is below lr·2^-100 per step,
 * under the resolution of any float32 weight larger than about 1e-23.
 */
export function momentum(
  w: usize,
  m: usize,
  g: usize,
  n: i32,
  lr: f32,
  beta: f32,
  oneMinusBeta: f32,
  decay: f32,
): void {
  const vl = f32x4.splat(-lr), vb = f32x4.splat(beta), vg = f32x4.splat(oneMinusBeta);
  const vd = f32x4.splat(decay), tiny = f32x4.splat(FLUSH);
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const o = <usize> k << 2;
    const wk = v128.load(w + o);
    const gk = madd(vd, wk, g == 0 ? f32x4.splat(0) : v128.load(g + o));
    let mk = madd(vb, v128.load(m + o), f32x4.mul(vg, gk));
    mk = v128.and(mk, f32x4.ge(f32x4.abs(mk), tiny));
    v128.store(m + o, mk);
    v128.store(w + o, madd(vl, mk, wk));
  }
  for (; k < n; k++) {
    const o = <usize> k << 2;
    const wk = load<f32>(w + o);
    const gk = (g == 0 ? <f32> 0 : load<f32>(g + o)) + decay * wk;
    let mk = beta * load<f32>(m + o) + oneMinusBeta * gk;
    if (Mathf.abs(mk) < FLUSH) mk = 0;
    store<f32>(m + o, mk);
    store<f32>(w + o, wk - lr * mk);
  }
}

/** `dst[j, i] = src[i, j]` for a `[rows, cols]` source (row strides `cols` and `rows`). */
export function transpose(dst: usize, src: usize, rows: i32, cols: i32): void {
  for (let i = 0; i < rows; i++) {
    const s = src + (<usize> (i * cols) << 2);
    for (let j = 0; j < cols; j++) {
      store<f32>(dst + (<usize> (j * rows + i) << 2), load<f32>(s + (<usize> j << 2)));
    }
  }
}

/** `y = act(y)` in place over `n` numbers: ReLU `max(y, 0)` (`tanh = 0`) or `tanh`. */
export function activate(y: usize, n: i32, tanh: i32): void {
  let k = 0;
  if (tanh == 0) {
    const zero = f32x4.splat(0);
    for (; k + 4 <= n; k += 4) {
      const o = <usize> k << 2;
      v128.store(y + o, f32x4.max(v128.load(y + o), zero));
    }
  }
  for (; k < n; k++) {
    const o = <usize> k << 2;
    const v = load<f32>(y + o);
    store<f32>(y + o, tanh == 0 ? (v <= 0 ? 0 : v) : Mathf.tanh(v));
  }
}

/**
 * The gradient through a hidden layer's dropout and activation, over `n` numbers:
 * `dz = act'(·) ⊙ (dy ⊙ mask)`, with `act' = [a > 0]` for ReLU (`a = relu(z) > 0` exactly when
 * `z > 0`) and `1 − a²` for tanh, `a` the activation before dropout. `mask = 0` (the address)
 * means no dropout.
 */
export function activationBackward(
  dz: usize,
  dy: usize,
  a: usize,
  mask: usize,
  n: i32,
  tanh: i32,
): void {
  for (let k = 0; k < n; k++) {
    const o = <usize> k << 2;
    let g = load<f32>(dy + o);
    if (mask != 0) g *= load<f32>(mask + o);
    const v = load<f32>(a + o);
    store<f32>(dz + o, tanh == 0 ? (v > 0 ? g : 0) : g * (1 - v * v));
  }
}

/** `out[i] = Σ_j x[i, j]` over a `[rows, cols]` matrix (cols a multiple of 4 or not). */
export function rowSums(out: usize, x: usize, rows: i32, cols: i32): void {
  for (let i = 0; i < rows; i++) {
    const xi = x + (<usize> (i * cols) << 2);
    let acc = f32x4.splat(0);
    let j = 0;
    for (; j + 4 <= cols; j += 4) acc = f32x4.add(acc, v128.load(xi + (<usize> j << 2)));
    let s = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) +
      (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
    for (; j < cols; j++) s += load<f32>(xi + (<usize> j << 2));
    store<f32>(out + (<usize> i << 2), s);
  }
}

// ------------------------------------------------------------------------------------------
// The model step. Serial parts run on the main thread; the output layer is cut into chunks of
// vocabulary rows, and groups of chunks are shared out between threads.
// ------------------------------------------------------------------------------------------

/**
 * Before the output layer (main thread): embedding lookup `Xᵀ`, the hidden layers, and the
 * batch-major copies the weight gradients will need.
 *
 * ```text
 * Xᵀ[p·m + j, b] = E[ctx[b, p], j]                 (0 in the padding columns b ≥ B)
 * z_lᵀ = W_l · in_lᵀ + b_l;  a_l = act(z_l);  h_l = a_l ⊙ mask_l
 * ```
 */
export function forwardHidden(plan: usize): void {
  const Bp = slot(plan, P_BPAD);
  const C = slot(plan, P_CONTEXT), m = slot(plan, P_EMBED), D = C * m;
  const xT = addr(plan, P_X_T);
  embeddingGather(plan);
  const L = slot(plan, P_LAYERS), tanh = slot(plan, P_TANH), masked = slot(plan, P_MASKED);
  let inT = xT, inW = D;
  for (let l = 1; l <= L; l++) {
    const H = slot(plan, l == 1 ? P_H1 : P_H2);
    const aT = addr(plan, l == 1 ? P_A1_T : P_A2_T);
    const hT = l == L ? addr(plan, P_OUT_T) : addr(plan, P_H1_T);
    matmul(
      aT,
      Bp,
      addr(plan, l == 1 ? P_W1 : P_W2),
      inW,
      1,
      inT,
      Bp,
      H,
      Bp,
      inW,
      INIT_BIAS,
      addr(plan, l == 1 ? P_B1 : P_B2),
    );
    activate(aT, H * Bp, tanh);
    const mask = addr(plan, l == 1 ? P_MASK1_T : P_MASK2_T);
    for (let k = 0; k < H * Bp; k++) {
      const o = <usize> k << 2;
      store<f32>(hT + o, masked != 0 ? load<f32>(aT + o) * load<f32>(mask + o) : load<f32>(aT + o));
    }
    inT = hT;
    inW = H;
  }
  transpose(addr(plan, P_X_B), xT, D, Bp);
  if (L == 2) transpose(addr(plan, P_H1_B), addr(plan, P_H1_T), slot(plan, P_H1), Bp);
  transpose(addr(plan, P_OUT_B), addr(plan, P_OUT_T), slot(plan, P_OUT_IN), Bp);
}

/** `Xᵀ[p·m + j, b] = E[ctx[b, p], j]`, and 0 in the padding columns `b ≥ B`. */
export function embeddingGather(plan: usize): void {
  const B = slot(plan, P_BATCH), Bp = slot(plan, P_BPAD);
  const C = slot(plan, P_CONTEXT), m = slot(plan, P_EMBED);
  const E = addr(plan, P_E), ctx = addr(plan, P_CTX), xT = addr(plan, P_X_T);
  for (let p = 0; p < C; p++) {
    for (let b = 0; b < Bp; b++) {
      const column = xT + (<usize> (p * m * Bp + b) << 2);
      const step = <usize> Bp << 2;
      if (b < B) {
        const word = load<i32>(ctx + (<usize> (b * C + p) << 2));
        const row = E + (<usize> (word * m) << 2);
        for (let j = 0; j < m; j++) {
          store<f32>(column + <usize> j * step, load<f32>(row + (<usize> j << 2)));
        }
      } else {
        for (let j = 0; j < m; j++) store<f32>(column + <usize> j * step, 0);
      }
    }
  }
}

/** First and one-past-last chunk of group `g`: the chunks are split as evenly as they go. */
function groupStart(plan: usize, g: i32): i32 {
  return <i32> ((<i64> g * <i64> slot(plan, P_CHUNKS)) / <i64> slot(plan, P_GROUPS));
}

/**
 * Output scores of the chunks of group `g`, and their share of the softmax (any thread):
 *
 * ```text
 * Sᵀ[v, b]      = Wout[v] · out[b] + bout[v]         for the chunk's rows v
 * max_c[b]      = max_v Sᵀ[v, b]
 * Sᵀ[v, b]     ← exp(Sᵀ[v, b] − max_c[b])
 * sum_c[b]      = Σ_v Sᵀ[v, b]
 * target[b]     = Sᵀ[t_b, b] before the exp, when t_b is in the chunk
 * ```
 *
 * Each chunk is normalised by its own maximum, so the chunks need no communication; the
 * maxima are reconciled afterwards ({@link softmaxCombine}), as in an "online" softmax.
 */
export function outputForward(plan: usize, g: i32): void {
  const c0 = groupStart(plan, g), c1 = groupStart(plan, g + 1);
  for (let c = c0; c < c1; c++) outputForwardChunk(plan, c);
}

function outputForwardChunk(plan: usize, c: i32): void {
  const V = slot(plan, P_VOCAB), R = slot(plan, P_CHUNK), K = slot(plan, P_OUT_IN);
  const Bp = slot(plan, P_BPAD);
  const v0 = c * R, rows = min(R, V - v0);
  const S = addr(plan, P_SCORES) + (<usize> v0 * <usize> Bp << 2);
  matmul(
    S,
    Bp,
    addr(plan, P_WO) + (<usize> v0 * <usize> K << 2),
    K,
    1,
    addr(plan, P_OUT_T),
    Bp,
    rows,
    Bp,
    K,
    INIT_BIAS,
    addr(plan, P_BO) + (<usize> v0 << 2),
  );
  softmaxChunk(plan, c);
}

/**
 * The softmax's work on one chunk of scores `Sᵀ[v0 : v0 + rows, :]`, in place (see
 * {@link outputForward}): the chunk's column maxima and sums of exponentials, the target scores.
 */
export function softmaxChunk(plan: usize, c: i32): void {
  const V = slot(plan, P_VOCAB), R = slot(plan, P_CHUNK);
  const B = slot(plan, P_BATCH), Bp = slot(plan, P_BPAD);
  const v0 = c * R, rows = min(R, V - v0);
  const rowB = <usize> Bp << 2;
  const S = addr(plan, P_SCORES) + (<usize> v0 * rowB);
  const targets = addr(plan, P_TARGET), targetScore = addr(plan, P_TARGET_SCORE);
  for (let b = 0; b < B; b++) {
    const t = load<i32>(targets + (<usize> b << 2));
    if (t >= v0 && t < v0 + rows) {
      store<f32>(
        targetScore + (<usize> b << 2),
        load<f32>(S + <usize> (t - v0) * rowB + (<usize> b << 2)),
      );
    }
  }
  const cmax = addr(plan, P_CHUNK_MAX) + (<usize> c * rowB);
  const csum = addr(plan, P_CHUNK_SUM) + (<usize> c * rowB);
  for (let b = 0; b < Bp; b += 4) {
    const ob = <usize> b << 2;
    let mx = v128.load(S + ob);
    for (let r = 1; r < rows; r++) mx = f32x4.pmax(mx, v128.load(S + <usize> r * rowB + ob));
    v128.store(cmax + ob, mx);
    v128.store(csum + ob, f32x4.splat(0));
  }
  expShifted(S, S, rows, Bp, cmax, csum);
}

/**
 * After every chunk's forward (main thread): the softmax's normaliser and the loss, and the
 * scale that turns each chunk's exponentials into `dscores`.
 *
 * ```text
 * M[b]        = max_c max_c[b]
 * Z[b]        = Σ_c sum_c[b] · exp(max_c[b] − M[b])          = Σ_v exp(S[v, b] − M[b])
 * loss        = (1/B) Σ_b (M[b] + log Z[b] − S[t_b, b])      = −(1/B) Σ_b log p[t_b, b]
 * scale_c[b]  = exp(max_c[b] − M[b]) / (Z[b] · B)            (0 for padding columns b ≥ B)
 * ```
 *
 * The scales overwrite the chunk maxima, and each example's `−log p[t_b, b]` overwrites its
 * target score. A scale below 2^-100 is set to 0 (those words' probabilities are below 1e-28),
 * which keeps later products out of the denormal range.
 *
 * @returns the mean cross-entropy of the batch
 */
export function softmaxCombine(plan: usize): f64 {
  const B = slot(plan, P_BATCH), Bp = slot(plan, P_BPAD), chunks = slot(plan, P_CHUNKS);
  const rowB = <usize> Bp << 2;
  const cmax = addr(plan, P_CHUNK_MAX), csum = addr(plan, P_CHUNK_SUM);
  const targetScore = addr(plan, P_TARGET_SCORE);
  const invB = f32x4.splat(<f32> (1.0 / <f64> B)), tiny = f32x4.splat(FLUSH);
  let loss: f64 = 0;
  // M: the largest chunk maximum of each column; then every chunk maximum becomes
  // exp(max_c − M), in place.
  const M = addr(plan, P_TARGET_SCORE) + rowB; // Bp numbers of scratch past the target scores
  for (let b = 0; b < Bp; b += 4) {
    const ob = <usize> b << 2;
    let mx = v128.load(cmax + ob);
    for (let c = 1; c < chunks; c++) mx = f32x4.pmax(mx, v128.load(cmax + <usize> c * rowB + ob));
    v128.store(M + ob, mx);
  }
  expShifted(cmax, cmax, chunks, Bp, M, 0);
  for (let b = 0; b < Bp; b += 4) {
    const ob = <usize> b << 2;
    let Z = f32x4.splat(0);
    for (let c = 0; c < chunks; c++) {
      const o = <usize> c * rowB + ob;
      Z = madd(v128.load(csum + o), v128.load(cmax + o), Z);
    }
    const inv = f32x4.div(invB, Z);
    for (let c = 0; c < chunks; c++) {
      const p = cmax + <usize> c * rowB + ob;
      const s = f32x4.mul(v128.load(p), inv);
      v128.store(p, v128.and(s, f32x4.ge(s, tiny)));
    }
    const Mv = v128.load(M + ob);
    for (let k = 0; k < 4 && b + k < B; k++) {
      const at = targetScore + ob + (<usize> k << 2);
      const nll = <f64> lane(Mv, k) + Math.log(<f64> lane(Z, k)) - <f64> load<f32>(at);
      loss += nll;
      store<f32>(at, <f32> nll); // each example's −log p(target), for targetProbabilities
    }
  }
  for (let b = B; b < Bp; b++) {
    for (let c = 0; c < chunks; c++) store<f32>(cmax + <usize> c * rowB + (<usize> b << 2), 0);
  }
  return loss / <f64> B;
}

function lane(v: v128, k: i32): f32 {
  if (k == 0) return f32x4.extract_lane(v, 0);
  if (k == 1) return f32x4.extract_lane(v, 1);
  if (k == 2) return f32x4.extract_lane(v, 2);
  return f32x4.extract_lane(v, 3);
}

/**
 * `probs[b, v] = p(v | context b)` into a `[B, |V|]` array, after {@link softmaxCombine}: the
 * chunk scales hold `exp(max_c − M) / (Z·B)`, so `p = e · scale · B`.
 */
export function probabilities(plan: usize, out: usize): void {
  const V = slot(plan, P_VOCAB), R = slot(plan, P_CHUNK), B = slot(plan, P_BATCH);
  const Bp = slot(plan, P_BPAD);
  const S = addr(plan, P_SCORES), scale = addr(plan, P_CHUNK_MAX);
  for (let v = 0; v < V; v++) {
    const c = v / R;
    for (let b = 0; b < B; b++) {
      const e = load<f32>(S + (<usize> (v * Bp + b) << 2));
      const s = load<f32>(scale + (<usize> (c * Bp + b) << 2));
      store<f32>(out + (<usize> (b * V + v) << 2), e * s * <f32> B);
    }
  }
}

/**
 * The output layer's backward pass and update for the chunks of group `g` (any thread `t`):
 *
 * ```text
 * dSᵀ[v, b]  = exp_c[v, b] · scale_c[b] − [v = t_b] / B      = (p − onehot) / B
 * dOUTᵀ_g   += Woutᵀ[:, chunk] · dSᵀ[chunk]                  (with the weights BEFORE the update)
 * gW[v]      = Σ_b dSᵀ[v, b] · out[b];   gb[v] = Σ_b dSᵀ[v, b]
 * momentum step of Wout[v], bout[v] (weight decay on Wout only)
 * ```
 *
 * Each group has its own partial `dOUTᵀ_g`, summed in group order by {@link backwardHidden}, so
 * the result does not depend on which thread ran which group. Groups numbered from `P_GROUPS`
 * on are parts of the embedding matrix instead: see {@link embeddingDecay}.
 */
export function outputBackward(plan: usize, g: i32, thread: i32): void {
  const groups = slot(plan, P_GROUPS);
  if (g >= groups) {
    // The groups after the output layer's: parts of E, whose rows without a gradient need
    // their momentum step too, and nothing in this phase reads E.
    embeddingDecay(plan, g - groups);
    return;
  }
  const c0 = groupStart(plan, g), c1 = groupStart(plan, g + 1);
  for (let c = c0; c < c1; c++) outputBackwardChunk(plan, g, c, thread, c == c0);
}

function outputBackwardChunk(plan: usize, g: i32, c: i32, thread: i32, first: bool): void {
  const V = slot(plan, P_VOCAB), R = slot(plan, P_CHUNK), K = slot(plan, P_OUT_IN);
  const Bp = slot(plan, P_BPAD);
  const v0 = c * R, rows = min(R, V - v0);
  const rowB = <usize> Bp << 2;
  const S = addr(plan, P_SCORES) + (<usize> v0 * rowB);
  dscoresChunk(plan, c);
  const Wo = addr(plan, P_WO) + (<usize> v0 * <usize> K << 2);
  const dOut = addr(plan, P_DOUT_GROUPS) + (<usize> g * <usize> K * rowB);
  matmul(dOut, Bp, Wo, 1, K, S, Bp, K, Bp, rows, first ? INIT_ZERO : INIT_ACCUMULATE, 0);
  const gW = addr(plan, P_THREAD_GW) + (<usize> thread * <usize> R * <usize> K << 2);
  const gb = addr(plan, P_THREAD_GB) + (<usize> thread * <usize> R << 2);
  matmul(gW, K, S, Bp, 1, addr(plan, P_OUT_B), K, rows, K, Bp, INIT_ZERO, 0);
  rowSums(gb, S, rows, Bp);
  const lr = slotF(plan, P_LR), beta = slotF(plan, P_BETA), omb = slotF(plan, P_ONE_MINUS_BETA);
  momentum(
    Wo,
    addr(plan, P_VWO) + (<usize> v0 * <usize> K << 2),
    gW,
    rows * K,
    lr,
    beta,
    omb,
    slotF(plan, P_DECAY),
  );
  momentum(
    addr(plan, P_BO) + (<usize> v0 << 2),
    addr(plan, P_VBO) + (<usize> v0 << 2),
    gb,
    rows,
    lr,
    beta,
    omb,
    0,
  );
}

/**
 * `dSᵀ = (p − onehot) / B` for one chunk, in place over its exponentials (see
 * {@link outputBackward}).
 */
export function dscoresChunk(plan: usize, c: i32): void {
  const V = slot(plan, P_VOCAB), R = slot(plan, P_CHUNK);
  const B = slot(plan, P_BATCH), Bp = slot(plan, P_BPAD);
  const v0 = c * R, rows = min(R, V - v0);
  const rowB = <usize> Bp << 2;
  const S = addr(plan, P_SCORES) + (<usize> v0 * rowB);
  const scale = addr(plan, P_CHUNK_MAX) + (<usize> c * rowB);
  for (let r = 0; r < rows; r++) {
    const p = S + <usize> r * rowB;
    for (let b = 0; b < Bp; b += 4) {
      const ob = <usize> b << 2;
      v128.store(p + ob, f32x4.mul(v128.load(p + ob), v128.load(scale + ob)));
    }
  }
  const invB: f32 = <f32> (1.0 / <f64> B);
  const targets = addr(plan, P_TARGET);
  for (let b = 0; b < B; b++) {
    const t = load<i32>(targets + (<usize> b << 2));
    if (t >= v0 && t < v0 + rows) {
      const p = S + <usize> (t - v0) * rowB + (<usize> b << 2);
      store<f32>(p, load<f32>(p) - invB);
    }
  }
}

/**
 * After every chunk's backward (main thread): sum the groups' `dOUTᵀ`, go back through the
 * hidden layers (updating each after its input gradient is taken), and update the embeddings.
 *
 * ```text
 * dOUTᵀ = Σ_g dOUTᵀ_g                       (rows h_L: dh_L;  rows below, with direct: dX)
 * for l = L … 1:  dz = act'(a_l) ⊙ (dh_l ⊙ mask_l)
 *                 dinᵀ = W_lᵀ · dz;  gW_l = dz · in_l;  gb_l = Σ_b dz;  momentum step
 * dX = dinᵀ of layer 1 (+ the direct part);  gE[w] = Σ over the batch's uses of w of dX rows
 * momentum step of the rows of E that have a gradient (the others: embeddingDecay, earlier)
 * ```
 */
export function backwardHidden(plan: usize): void {
  const Bp = slot(plan, P_BPAD), K = slot(plan, P_OUT_IN), groups = slot(plan, P_GROUPS);
  const rowB = <usize> Bp << 2;
  const n = K * Bp;
  const dOut = addr(plan, P_DOUT_T), parts = addr(plan, P_DOUT_GROUPS);
  let firstGroup = true;
  for (let g = 0; g < groups; g++) {
    if (groupStart(plan, g + 1) == groupStart(plan, g)) continue; // an empty group
    const part = parts + <usize> g * <usize> K * rowB;
    let k = 0;
    for (; k + 4 <= n; k += 4) {
      const o = <usize> k << 2;
      v128.store(
        dOut + o,
        firstGroup ? v128.load(part + o) : f32x4.add(v128.load(dOut + o), v128.load(part + o)),
      );
    }
    firstGroup = false;
  }
  const L = slot(plan, P_LAYERS), tanh = slot(plan, P_TANH), masked = slot(plan, P_MASKED);
  const C = slot(plan, P_CONTEXT), m = slot(plan, P_EMBED), D = C * m;
  const lr = slotF(plan, P_LR), beta = slotF(plan, P_BETA), omb = slotF(plan, P_ONE_MINUS_BETA);
  const decay = slotF(plan, P_DECAY);
  const dz = addr(plan, P_DZ_T), dIn = addr(plan, P_DIN_T);
  const gW = addr(plan, P_GW_HIDDEN), gb = addr(plan, P_GB_HIDDEN);
  for (let l = L; l >= 1; l--) {
    const H = slot(plan, l == 1 ? P_H1 : P_H2);
    const inW = l == 1 ? D : slot(plan, P_H1);
    const dh = l == L ? dOut : dIn;
    activationBackward(
      dz,
      dh,
      addr(plan, l == 1 ? P_A1_T : P_A2_T),
      masked != 0 ? addr(plan, l == 1 ? P_MASK1_T : P_MASK2_T) : 0,
      H * Bp,
      tanh,
    );
    const W = addr(plan, l == 1 ? P_W1 : P_W2);
    matmul(dIn, Bp, W, 1, inW, dz, Bp, inW, Bp, H, INIT_ZERO, 0);
    matmul(gW, inW, dz, Bp, 1, addr(plan, l == 1 ? P_X_B : P_H1_B), inW, H, inW, Bp, INIT_ZERO, 0);
    rowSums(gb, dz, H, Bp);
    momentum(W, addr(plan, l == 1 ? P_VW1 : P_VW2), gW, H * inW, lr, beta, omb, decay);
    momentum(
      addr(plan, l == 1 ? P_B1 : P_B2),
      addr(plan, l == 1 ? P_VB1 : P_VB2),
      gb,
      H,
      lr,
      beta,
      omb,
      0,
    );
  }
  if (slot(plan, P_DIRECT) != 0) {
    const direct = dOut + <usize> slot(plan, P_H1 + L - 1) * rowB;
    for (let k = 0; k < D * Bp; k += 4) {
      const o = <usize> k << 2;
      v128.store(dIn + o, f32x4.add(v128.load(dIn + o), v128.load(direct + o)));
    }
  }
  embeddingUpdate(plan, dIn);
}

/**
 * Gives each distinct word of the minibatch a row of the sparse gradient `gE` (zeroed), in
 * order of first use: `slot[w]` is that row, or −1 for a word not in the minibatch. Runs on the
 * main thread before the parallel backward phase, which reads the slots.
 */
export function embeddingWords(plan: usize): void {
  const B = slot(plan, P_BATCH), C = slot(plan, P_CONTEXT), m = slot(plan, P_EMBED);
  const ctx = addr(plan, P_CTX), slots = addr(plan, P_SLOT), words = addr(plan, P_WORDS);
  const gE = addr(plan, P_GE);
  let distinct = 0;
  for (let k = 0; k < B * C; k++) {
    const w = load<i32>(ctx + (<usize> k << 2));
    if (load<i32>(slots + (<usize> w << 2)) < 0) {
      store<i32>(slots + (<usize> w << 2), distinct);
      store<i32>(words + (<usize> distinct << 2), w);
      const row = gE + (<usize> (distinct * m) << 2);
      for (let j = 0; j < m; j++) store<f32>(row + (<usize> j << 2), 0);
      distinct++;
    }
  }
  store<i32>(plan + (<usize> P_DISTINCT << 2), distinct);
}

/**
 * The momentum step of the rows of `E` in part `part` (of `P_E_PARTS`) whose words are NOT in
 * the minibatch: gradient 0, so `m = β·m + (1−β)·λ·w; w = w − lr·m`. Exactly the reference's
 * dense update for those rows; any thread may run it while the output layer is updated.
 */
export function embeddingDecay(plan: usize, part: i32): void {
  const V = slot(plan, P_VOCAB), m = slot(plan, P_EMBED), parts = slot(plan, P_E_PARTS);
  const w0 = <i32> ((<i64> part * <i64> V) / <i64> parts);
  const w1 = <i32> ((<i64> (part + 1) * <i64> V) / <i64> parts);
  const lr = slotF(plan, P_LR), beta = slotF(plan, P_BETA), omb = slotF(plan, P_ONE_MINUS_BETA);
  const decay = slotF(plan, P_DECAY);
  const E = addr(plan, P_E), vE = addr(plan, P_VE), slots = addr(plan, P_SLOT);
  // Runs of consecutive rows without a gradient are contiguous memory: one call each.
  let w = w0;
  while (w < w1) {
    if (load<i32>(slots + (<usize> w << 2)) >= 0) {
      w++;
      continue;
    }
    let end = w + 1;
    while (end < w1 && load<i32>(slots + (<usize> end << 2)) < 0) end++;
    const o = <usize> (w * m) << 2;
    momentum(E + o, vE + o, 0, (end - w) * m, lr, beta, omb, decay);
    w = end;
  }
}

/**
 * The embedding's gradient and the momentum step of the rows that have one (after
 * {@link embeddingWords}; the other rows are {@link embeddingDecay}'s):
 * `gE[w] = Σ_{(b, p): ctx[b, p] = w} dX[b, p·m : (p+1)·m]`, summed in the reference's order
 * (examples, then positions). Frees the slots for the next minibatch.
 */
export function embeddingUpdate(plan: usize, dXT: usize): void {
  const B = slot(plan, P_BATCH), Bp = slot(plan, P_BPAD);
  const C = slot(plan, P_CONTEXT), m = slot(plan, P_EMBED);
  const ctx = addr(plan, P_CTX), slots = addr(plan, P_SLOT), words = addr(plan, P_WORDS);
  const gE = addr(plan, P_GE);
  for (let b = 0; b < B; b++) {
    for (let p = 0; p < C; p++) {
      const w = load<i32>(ctx + (<usize> (b * C + p) << 2));
      const row = gE + (<usize> (load<i32>(slots + (<usize> w << 2)) * m) << 2);
      for (let j = 0; j < m; j++) {
        const o = row + (<usize> j << 2);
        store<f32>(o, load<f32>(o) + load<f32>(dXT + (<usize> ((p * m + j) * Bp + b) << 2)));
      }
    }
  }
  const lr = slotF(plan, P_LR), beta = slotF(plan, P_BETA), omb = slotF(plan, P_ONE_MINUS_BETA);
  const decay = slotF(plan, P_DECAY);
  const E = addr(plan, P_E), vE = addr(plan, P_VE);
  const distinct = slot(plan, P_DISTINCT);
  for (let s = 0; s < distinct; s++) {
    const w = load<i32>(words + (<usize> s << 2));
    const o = <usize> (w * m) << 2;
    momentum(E + o, vE + o, gE + (<usize> (s * m) << 2), m, lr, beta, omb, decay);
    store<i32>(slots + (<usize> w << 2), -1);
  }
}

// ------------------------------------------------------------------------------------------
// Calibration
// ------------------------------------------------------------------------------------------

/**
 * What one core delivers in 4-lane fused multiply-adds right now: `steps` rounds of twelve
 * independent chains `s ← s·a + b` (12 × 4 lanes × 2 = 96 FLOP a round) that never touch memory,
 * returning the sum of every lane so that no round can be skipped. Twelve chains cover the
 * multiply-add's latency (4 cycles on current x86 cores) on both FMA pipes, so the rate this
 * reaches is the 4-lane ceiling of the core as it runs now: its real clock, turbo, and the share
 * of a physical core that another virtual machine's thread may be taking, all included. The
 * benchmarks divide by it to tell a slow kernel from a slow machine.
 *
 * With `a = 0.5` and `b = 1` every product is exact, so the result does not depend on whether
 * the multiply-add is fused: the chains start at 1 … 12 and all tend to 2.
 */
export function fmaPeak(steps: i32, a: f32, b: f32): f32 {
  const va = f32x4.splat(a), vb = f32x4.splat(b);
  let s0 = f32x4.splat(1), s1 = f32x4.splat(2), s2 = f32x4.splat(3), s3 = f32x4.splat(4);
  let s4 = f32x4.splat(5), s5 = f32x4.splat(6), s6 = f32x4.splat(7), s7 = f32x4.splat(8);
  let s8 = f32x4.splat(9), s9 = f32x4.splat(10), s10 = f32x4.splat(11), s11 = f32x4.splat(12);
  for (let k = 0; k < steps; k++) {
    s0 = madd(s0, va, vb);
    s1 = madd(s1, va, vb);
    s2 = madd(s2, va, vb);
    s3 = madd(s3, va, vb);
    s4 = madd(s4, va, vb);
    s5 = madd(s5, va, vb);
    s6 = madd(s6, va, vb);
    s7 = madd(s7, va, vb);
    s8 = madd(s8, va, vb);
    s9 = madd(s9, va, vb);
    s10 = madd(s10, va, vb);
    s11 = madd(s11, va, vb);
  }
  return sum12(s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11);
}

/** The sum of every lane of twelve vectors (the calibration loops' result). */
function sum12(
  s0: v128,
  s1: v128,
  s2: v128,
  s3: v128,
  s4: v128,
  s5: v128,
  s6: v128,
  s7: v128,
  s8: v128,
  s9: v128,
  s10: v128,
  s11: v128,
): f32 {
  const t = f32x4.add(
    f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3)),
    f32x4.add(
      f32x4.add(f32x4.add(s4, s5), f32x4.add(s6, s7)),
      f32x4.add(f32x4.add(s8, s9), f32x4.add(s10, s11)),
    ),
  );
  return lane(t, 0) + lane(t, 1) + lane(t, 2) + lane(t, 3);
}

/**
 * The instruction mix of {@link tile6x8} on data that stays in the level-1 cache: `steps` rounds
 * that each load 2 vectors and broadcast 6 numbers from a 1 KiB window at `p` (16 rows of 64
 * bytes, one row a round), then do the tile's 12 fused multiply-adds into 12 accumulators.
 * Against {@link fmaPeak}, which never touches memory, this shows what the loads (and their
 * bounds checks) cost on this core before any cache miss: the ceiling of the tile itself. Returns
 * the sum of every lane, so that no round can be skipped.
 */
export function tilePeak(p: usize, steps: i32): f32 {
  let s00 = f32x4.splat(0), s01 = f32x4.splat(0), s10 = f32x4.splat(0), s11 = f32x4.splat(0);
  let s20 = f32x4.splat(0), s21 = f32x4.splat(0), s30 = f32x4.splat(0), s31 = f32x4.splat(0);
  let s40 = f32x4.splat(0), s41 = f32x4.splat(0), s50 = f32x4.splat(0), s51 = f32x4.splat(0);
  for (let k = 0; k < steps; k++) {
    const q = p + (<usize> (k & 15) << 6);
    const y0 = v128.load(q), y1 = v128.load(q, 16);
    let x = v128.load32_splat(q, 32);
    s00 = madd(x, y0, s00);
    s01 = madd(x, y1, s01);
    x = v128.load32_splat(q, 36);
    s10 = madd(x, y0, s10);
    s11 = madd(x, y1, s11);
    x = v128.load32_splat(q, 40);
    s20 = madd(x, y0, s20);
    s21 = madd(x, y1, s21);
    x = v128.load32_splat(q, 44);
    s30 = madd(x, y0, s30);
    s31 = madd(x, y1, s31);
    x = v128.load32_splat(q, 48);
    s40 = madd(x, y0, s40);
    s41 = madd(x, y1, s41);
    x = v128.load32_splat(q, 52);
    s50 = madd(x, y0, s50);
    s51 = madd(x, y1, s51);
  }
  return sum12(s00, s01, s10, s11, s20, s21, s30, s31, s40, s41, s50, s51);
}
