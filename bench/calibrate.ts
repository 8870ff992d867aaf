/**
 * The 4-lane ceiling of this machine as it runs now, measured rather than assumed: the
 * register-only multiply-add loop `fmaPeak` of the kernels (twelve independent chains, no memory
 * traffic), timed on one core.
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

/** One measurement of a core's multiply-add rate. */
export interface CoreRate {
  /** GFLOP/s of the best of the timed calls. */
  gflops: number;
  /** The clock that rate needs at 2 multiply-adds of 4 lanes per cycle, in GHz. */
  impliedGHz: number;
}

let kernels: Pick<KernelExports, "fmaPeak"> | undefined;

/**
 * Times `fmaPeak` on this thread: `calls` calls of `steps` rounds each (about 4 ms a call at
 * 48 GFLOP/s), after one untimed call, and keeps the fastest.
 *
 * @param calls timed calls (default 7)
 * @param steps rounds per call (default 2,000,000)
 * @returns the fastest call's rate, and the clock it implies
 */
export function measureCoreRate(calls = 7, steps = 2_000_000): CoreRate {
  kernels ??= new KernelArena().fn;
  const k = kernels;
  k.fmaPeak(steps >> 4, 0.5, 1);
  let best = 0;
  for (let c = 0; c < calls; c++) {
    const t0 = performance.now();
    const sum = k.fmaPeak(steps, 0.5, 1);
    const ms = performance.now() - t0;
    // Every chain has reached 2 in every lane (see fmaPeak): 12 × 4 × 2.
    if (sum !== 96) throw new Error(`measureCoreRate: fmaPeak returned ${sum}, expected 96`);
    best = Math.max(best, FMA_PEAK_FLOPS_PER_STEP * steps / ms / 1e6);
  }
  return { gflops: best, impliedGHz: best / (2 * 4 * 2) };
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
  const perCore = host.wasmPeakGflops / host.cores;
  return `measured: one core ran a register-only 4-lane multiply-add loop at ${f(best)} GFLOP/s ` +
    `(a clock of ${f(best / 16, 2)} GHz at 2 multiply-adds a cycle; ${
      f(100 * best / perCore, 0)
    }% of the assumed ${f(perCore)} per core)` +
    (rates.length > 1
      ? `, ${f(low)} at its slowest of ${rates.length} measurements during the run`
      : "");
}
