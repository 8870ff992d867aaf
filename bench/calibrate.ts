/**
 * The 4-lane ceiling of this machine as it runs now, measured rather than assumed: the
 * register-only multiply-add loop `fmaPeak` of the kernels (twelve independent chains, no memory
 * traffic), timed on one core; and beside it `tilePeak`, the loads and multiply-adds of the
 * matrix product's 6×8 tile on data that stays in the level-1 cache, which is as fast as the
 * products can go on this core before any cache miss.
 *
 * The ceiling that {@linkcode thisMachine} computes assumes a clock, which on these virtual
 * machines is the nominal one: the cores may run faster (turbo), and a physical core shared with
 * another machine's thread runs slower. The measured rate includes both, so a share of it tells
 * a slow kernel from a slow machine. Measured between the timed runs, its spread shows how noisy
 * the machine was while they ran.
 *
 * @module
 */

import { KernelArena, type KernelExports } from "../lib/kernels/wasm.ts";
import type { thisMachine } from "./canonical.ts";

/** FLOPs of one round of `fmaPeak`: 12 chains × 4 lanes × 2 (a multiply and an add). */
export const FMA_PEAK_FLOPS_PER_STEP = 96;

/** FLOPs of one round of `tilePeak`: the tile's 12 multiply-adds × 4 lanes × 2. */
export const TILE_PEAK_FLOPS_PER_STEP = 96;

/** One measurement of a core's multiply-add rate. */
export interface CoreRate {
  /** GFLOP/s of the best of the timed calls of `fmaPeak` (registers only). */
  gflops: number;
  /** The clock that rate needs at 2 multiply-adds of 4 lanes per cycle, in GHz. */
  impliedGHz: number;
  /** GFLOP/s of the best of the timed calls of `tilePeak` (the 6×8 tile on cached data). */
  tileGflops: number;
}

let kernels: { fn: Pick<KernelExports, "fmaPeak" | "tilePeak">; window: number } | undefined;

/**
 * Times `fmaPeak` and `tilePeak` on this thread, taking turns: `calls` calls of `steps` rounds
 * each (about 4 ms a call at 48 GFLOP/s), after one untimed call of each, and keeps the fastest
 * of each.
 *
 * @param calls timed calls of each (default 7)
 * @param steps rounds per call (default 2,000,000)
 * @returns the fastest rates, and the clock the register-only one implies
 */
export function measureCoreRate(calls = 7, steps = 2_000_000): CoreRate {
  if (kernels === undefined) {
    const arena = new KernelArena();
    const window = arena.allocBytes(1024);
    // 0.5 everywhere: each round adds 0.25 to every lane, exactly, for a checkable sum.
    arena.f32(window, 256).fill(0.5);
    kernels = { fn: arena.fn, window };
  }
  const { fn: k, window } = kernels;
  k.fmaPeak(steps >> 4, 0.5, 1);
  k.tilePeak(window, steps >> 4);
  let best = 0, bestTile = 0;
  for (let c = 0; c < calls; c++) {
    let t0 = performance.now();
    const sum = k.fmaPeak(steps, 0.5, 1);
    let ms = performance.now() - t0;
    // Every chain has reached 2 in every lane (see fmaPeak): 12 × 4 × 2.
    if (sum !== 96) throw new Error(`measureCoreRate: fmaPeak returned ${sum}, expected 96`);
    best = Math.max(best, FMA_PEAK_FLOPS_PER_STEP * steps / ms / 1e6);
    const tileSteps = steps >> 1; // the tile runs at about half the register-only rate
    t0 = performance.now();
    const tileSum = k.tilePeak(window, tileSteps);
    ms = performance.now() - t0;
    // 48 lanes, each 0.25 per round; float32 stays exact while a lane is below 2^22.
    if (tileSum !== 12 * tileSteps) {
      throw new Error(`measureCoreRate: tilePeak returned ${tileSum}, expected ${12 * tileSteps}`);
    }
    bestTile = Math.max(bestTile, TILE_PEAK_FLOPS_PER_STEP * tileSteps / ms / 1e6);
  }
  return { gflops: best, impliedGHz: best / (2 * 4 * 2), tileGflops: bestTile };
}

/**
 * One line on the measured ceiling beside the assumed one: the best and the lowest of some
 * measurements of {@linkcode measureCoreRate}.
 *
 * @param rates measurements taken during the run
 * @param host what the benchmarks read of the machine
 */
export function describeCoreRates(rates: CoreRate[], host: ReturnType<typeof thisMachine>): string {
  const f = (x: number, digits = 1) =>
    x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const best = Math.max(...rates.map((r) => r.gflops));
  const low = Math.min(...rates.map((r) => r.gflops));
  const tile = Math.max(...rates.map((r) => r.tileGflops));
  const perCore = host.wasmPeakGflops / host.cores;
  return `measured: one core ran a register-only 4-lane multiply-add loop at ${f(best)} GFLOP/s ` +
    `(a clock of ${f(best / 16, 2)} GHz at 2 multiply-adds a cycle; ${
      f(100 * best / perCore, 0)
    }% of the assumed ${f(perCore)} per core)` +
    (rates.length > 1
      ? `, ${f(low)} at its slowest of ${rates.length} measurements during the run`
      : "") +
    `; the 6x8 tile's loads and multiply-adds on cached data ran at ${f(tile)} GFLOP/s ` +
    `(${f(100 * tile / best, 0)}% of the register-only rate: the ceiling of the products)`;
}
