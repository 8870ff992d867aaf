/**
 * What Deno's bounds checks cost the kernels on this machine, measured in one run.
 *
 * Deno does not install V8's WebAssembly trap handler (Node does), so V8 compiles every load and
 * store of the kernels with an explicit check against the memory's size: a compare and a branch,
 * and the computation of the limit, beside each load. The 6×8 tile of the matrix product loads
 * 8 times for 12 multiply-adds, so the checks take issue slots from the loop that matters most.
 *
 * This script runs the same measurements in child processes, taking turns: once as Deno runs
 * them, and once with V8's `--no-wasm-bounds-checks`, a flag for performance testing only (an
 * access out of bounds would then read or write whatever lies there, so nothing else here ever
 * uses it). Each child times the register-only multiply-add loop (`fmaPeak`), the tile's loads
 * and multiply-adds on cached data (`tilePeak`), and the forward product of the canonical output
 * layer (`Sᵀ = Wout·hᵀ + bout`, |V| = 13,845, h = 100, B = 128, in chunks of 48 rows, one
 * thread), and prints them as one JSON line with a checksum of the product's output, which must
 * be the same in every child: the checks change the speed, not the numbers.
 *
 * ```sh
 * deno run -A bench/bounds_checks.ts              # 3 rounds
 * deno run -A bench/bounds_checks.ts --rounds 5
 * ```
 *
 * @module
 */

import { benchArgs, integerFlag } from "./args.ts";
import { measureCoreRate } from "./calibrate.ts";
import { CANONICAL_VOCAB, outputForwardProduct, thisMachine } from "./canonical.ts";
import { KernelArena } from "../lib/kernels/wasm.ts";

/** What one child measured. */
interface Measurement {
  /** GFLOP/s of the register-only loop. */
  fma: number;
  /** GFLOP/s of the tile on cached data. */
  tile: number;
  /** GFLOP/s of the canonical forward product. */
  product: number;
  /** A checksum of the product's output, to compare between the two ways of running. */
  checksum: number;
}

/** The child's work: measure, print one JSON line. */
function child(): void {
  const rates = measureCoreRate(5);
  const V = CANONICAL_VOCAB, H = 100, B = 128, R = 48;
  const arena = new KernelArena();
  const W = arena.alloc(V, H), hT = arena.alloc(H, B), S = arena.alloc(V, B);
  const bias = arena.alloc(1, V);
  arena.f32(W.ptr, V * H).forEach((_, i, a) => (a[i] = Math.sin(i) / 8));
  arena.f32(hT.ptr, H * B).forEach((_, i, a) => (a[i] = Math.cos(i)));
  arena.f32(bias.ptr, V).forEach((_, i, a) => (a[i] = (i % 11) / 16));
  const pointers = { scores: S.ptr, weights: W.ptr, inputT: hT.ptr, bias: bias.ptr };
  const forward = () => outputForwardProduct(arena.fn, pointers, V, H, B, R);
  for (let w = 0; w < 3; w++) forward();
  let best = Infinity;
  for (let r = 0; r < 15; r++) {
    const t0 = performance.now();
    forward();
    best = Math.min(best, performance.now() - t0);
  }
  let checksum = 0;
  for (const x of arena.f32(S.ptr, V * B)) checksum += x;
  const m: Measurement = {
    fma: rates.gflops,
    tile: rates.tileGflops,
    product: 2 * V * H * B / best / 1e6,
    checksum,
  };
  console.log(JSON.stringify(m));
}

/** Runs the child once, with or without V8's bounds checks. */
async function runChild(checks: boolean): Promise<Measurement> {
  const args = ["run", "-A"];
  if (!checks) args.push("--v8-flags=--no-wasm-bounds-checks");
  args.push(new URL(import.meta.url).pathname, "--child");
  const out = await new Deno.Command(Deno.execPath(), { args, stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder().decode(out.stdout).trim();
  if (out.code !== 0) {
    throw new Error(
      `bounds_checks: the child (checks ${checks ? "on" : "off"}) failed: ` +
        new TextDecoder().decode(out.stderr).trim().split("\n")[0],
    );
  }
  return JSON.parse(text.split("\n").at(-1)!) as Measurement;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const USAGE = "deno run -A bench/bounds_checks.ts [--rounds N]";
const values = benchArgs("bounds_checks", USAGE, {
  rounds: { type: "string", default: "3" },
  child: { type: "boolean", default: false },
});
const rounds = integerFlag("bounds_checks", "rounds", values.rounds);

if (values.child) {
  child();
} else {
  const host = thisMachine();
  const f = (x: number, digits = 1) =>
    x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  console.log("mini-neural-lm: what Deno's WebAssembly bounds checks cost the kernels");
  console.log(`cpu      ${host.cpu} (${host.identity}), ${host.cores} logical cores`);
  console.log(
    `runs     ${rounds} round(s), each a child process with the checks (as Deno runs) and one ` +
      `without (V8's --no-wasm-bounds-checks, for measuring only), taking turns; one core each`,
  );
  const on: Measurement[] = [], off: Measurement[] = [];
  for (let r = 0; r < rounds; r++) {
    on.push(await runChild(true));
    off.push(await runChild(false));
  }
  if (
    on.some((m) => m.checksum !== on[0].checksum) || off.some((m) => m.checksum !== on[0].checksum)
  ) {
    throw new Error("bounds_checks: the product's output differs between the runs");
  }
  const rows: [string, keyof Measurement][] = [
    ["register-only multiply-adds (fmaPeak)", "fma"],
    ["the 6x8 tile on cached data (tilePeak)", "tile"],
    ["forward product of the output layer", "product"],
  ];
  console.log(
    `\nGFLOP/s, one core${"".padEnd(23)} ${"checks".padStart(8)} ${"none".padStart(8)}  ratio`,
  );
  for (const [label, key] of rows) {
    const a = median(on.map((m) => m[key])), b = median(off.map((m) => m[key]));
    console.log(
      `${label.padEnd(40)} ${f(a).padStart(8)} ${f(b).padStart(8)}  ${f(b / a, 2).padStart(5)}`,
    );
  }
  const tileOn = median(on.map((m) => m.tile)) / median(on.map((m) => m.fma));
  const tileOff = median(off.map((m) => m.tile)) / median(off.map((m) => m.fma));
  console.log(
    `\nthe tile reaches ${f(100 * tileOn, 0)}% of the register-only rate with the checks, ` +
      `${f(100 * tileOff, 0)}% without; the product computes the same numbers either way`,
  );
}
