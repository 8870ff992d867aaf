/**
 * The PyTorch side of `compare.ts`: writes the canonical model's initial weights and minibatches
 * to a folder, finds a Python that imports torch, puts OpenBLAS first for that one process, and
 * runs `pytorch_canonical.py` on the folder.
 *
 * ```text
 * folder/meta.json                  shapes, batch, lr, beta, warm-up and timed steps
 * folder/contexts.i32 targets.i32   (warm-up + steps) minibatches, in order, int32 little-endian
 * folder/E.f32 W1.f32 b1.f32 Wout.f32 bout.f32   initial weights, float32 little-endian, row-major
 * ```
 *
 * Debian's `python3-torch` uses the system BLAS, Debian's reference BLAS unless OpenBLAS is the
 * chosen alternative (about 10× slower on this model). Nothing is installed: an OpenBLAS folder
 * (one that holds `libblas.so.3`, as `/usr/lib/x86_64-linux-gnu/openblas-pthread`), or a
 * `libopenblas0-pthread_*.deb` unpacked with `dpkg-deb -x` into a temporary folder, is put first
 * on `LD_LIBRARY_PATH` of the torch process only.
 *
 * @module
 */

import type { ModelConfig, ModelParams } from "../lib/model.ts";
import type { BenchData } from "./canonical.ts";

/** The program that trains the same model in PyTorch. */
export const TORCH_PROGRAM = new URL("./pytorch_canonical.py", import.meta.url).pathname;

/** What one PyTorch run reports (`pytorch_canonical.py`'s JSON line). */
export interface TorchRun {
  examplesPerSecond: number;
  medianStepSeconds: number;
  seconds: number;
  /** The loss of every step, warm-up included, before its update. */
  losses: number[];
  torch: string;
  torchThreads: number;
  openblasThreads: string | null;
  /** The BLAS and LAPACK libraries mapped into the process. */
  blas: string[];
  peakRssBytes: number;
}

/** How to start PyTorch: the interpreter and the environment of its process. */
export interface TorchSetup {
  python: string;
  /** `LD_LIBRARY_PATH` of the torch process, or `null` to leave it as it is. */
  libraryPath: string | null;
  /** One line on where OpenBLAS came from. */
  blasNote: string;
  /** A temporary folder to remove when done (where a .deb was unpacked). */
  tempDir?: string;
}

const decoder = new TextDecoder();

async function runCommand(
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  try {
    const out = await new Deno.Command(cmd, { args, env, stdout: "piped", stderr: "piped" })
      .output();
    return {
      ok: out.success,
      stdout: decoder.decode(out.stdout),
      stderr: decoder.decode(out.stderr),
    };
  } catch (error) {
    return { ok: false, stdout: "", stderr: (error as Error).message };
  }
}

/**
 * The first interpreter that imports torch, of `candidates` (default: `$PYTHON`, then Debian's
 * `/usr/bin/python3`, then `python3` on the path, which may be another installation without
 * torch); otherwise the reason, one line.
 */
export async function findTorchPython(
  candidates = [Deno.env.get("PYTHON"), "/usr/bin/python3", "python3"],
): Promise<{ python: string } | { why: string }> {
  const tried: string[] = [];
  for (const python of candidates) {
    if (!python || tried.some((t) => t.startsWith(python + ":"))) continue;
    const r = await runCommand(python, ["-c", "import torch"]);
    if (r.ok) return { python };
    const last = r.stderr.trim().split("\n").at(-1) ?? "";
    tried.push(`${python}: ${last || "failed"}`);
  }
  return { why: `no Python imports torch (${tried.join("; ")})` };
}

/**
 * Where OpenBLAS comes from, for the torch process: `given` (a folder holding `libblas.so.3`, or
 * a `libopenblas0-pthread` .deb to unpack), else the first `/tmp/libopenblas0-pthread_*.deb`,
 * else Debian's installed `openblas-pthread` folder, else nothing (the system BLAS).
 */
export async function openblasSetup(given?: string): Promise<Omit<TorchSetup, "python">> {
  const isFile = (p: string) => {
    try {
      return Deno.statSync(p).isFile;
    } catch {
      return false;
    }
  };
  let source = given;
  if (source === undefined) {
    try {
      source = [...Deno.readDirSync("/tmp")]
        .map((e) => e.name)
        .filter((n) => /^libopenblas0-pthread_.*\.deb$/.test(n))
        .sort()
        .map((n) => `/tmp/${n}`)[0];
    } catch { /* no /tmp */ }
  }
  const installed = "/usr/lib/x86_64-linux-gnu/openblas-pthread";
  if (source === undefined && isFile(`${installed}/libblas.so.3`)) source = installed;
  if (source === undefined) {
    return { libraryPath: null, blasNote: "no OpenBLAS found: torch uses the system BLAS" };
  }
  let folder = source, tempDir: string | undefined;
  if (source.endsWith(".deb")) {
    const dir = await Deno.makeTempDir({ prefix: "mnlm-openblas-" });
    const r = await runCommand("dpkg-deb", ["-x", source, dir]);
    const found = [...walk(dir)].find((p) => p.endsWith("/openblas-pthread/libblas.so.3"));
    if (!r.ok || found === undefined) {
      await Deno.remove(dir, { recursive: true });
      const why = r.ok ? "holds no openblas-pthread/libblas.so.3" : `failed (${r.stderr.trim()})`;
      return { libraryPath: null, blasNote: `unpacking ${source} ${why}: the system BLAS` };
    }
    folder = found.slice(0, -"/libblas.so.3".length);
    tempDir = dir;
  } else if (!isFile(`${folder}/libblas.so.3`)) {
    return { libraryPath: null, blasNote: `${folder} holds no libblas.so.3: the system BLAS` };
  }
  const rest = Deno.env.get("LD_LIBRARY_PATH");
  return {
    libraryPath: rest ? `${folder}:${rest}` : folder,
    blasNote: `OpenBLAS from ${source}${folder === source ? "" : ` (unpacked in ${folder})`}`,
    tempDir,
  };
}

function* walk(dir: string): Generator<string> {
  for (const e of Deno.readDirSync(dir)) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory) yield* walk(p);
    else yield p;
  }
}

/**
 * Writes what `pytorch_canonical.py` reads: the initial weights and `warmup + steps` minibatches
 * of `batchSize` consecutive examples, minibatch `s` holding examples `s·B … s·B + B − 1`.
 */
export async function writeTorchInputs(
  folder: string,
  config: ModelConfig,
  params: ModelParams,
  data: BenchData,
  run: { batchSize: number; lr: number; beta: number; warmup: number; steps: number },
): Promise<void> {
  if (config.hidden.length !== 1 || config.directConnections || config.dropout > 0) {
    throw new RangeError(
      "writeTorchInputs: config expected one hidden layer, no direct connections, no dropout",
    );
  }
  const examples = (run.warmup + run.steps) * run.batchSize;
  if (examples > data.targets.length) {
    throw new RangeError(
      `writeTorchInputs: run expected at most ${data.targets.length} examples, got ${examples}`,
    );
  }
  const C = config.contextSize;
  const bytes = (a: Int32Array | Float32Array) =>
    new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  await Deno.writeTextFile(
    `${folder}/meta.json`,
    JSON.stringify({
      vocabSize: config.vocabSize,
      contextSize: C,
      embedDim: config.embedDim,
      hidden: config.hidden[0],
      ...run,
    }),
  );
  await Deno.writeFile(`${folder}/contexts.i32`, bytes(data.contexts.data.slice(0, examples * C)));
  await Deno.writeFile(`${folder}/targets.i32`, bytes(data.targets.slice(0, examples)));
  for (const name of ["E", "W1", "b1", "Wout", "bout"]) {
    await Deno.writeFile(`${folder}/${name}.f32`, bytes(Float32Array.from(params[name].data)));
  }
}

/**
 * Runs `pytorch_canonical.py` on a folder with `torch.set_num_threads(threads.torch)` and
 * `OPENBLAS_NUM_THREADS = threads.openblas`, for the folder's steps or fewer.
 */
export async function runTorch(
  setup: TorchSetup,
  folder: string,
  threads: { torch: number; openblas: number },
  steps?: number,
): Promise<TorchRun> {
  const env: Record<string, string> = { OPENBLAS_NUM_THREADS: String(threads.openblas) };
  if (setup.libraryPath !== null) env.LD_LIBRARY_PATH = setup.libraryPath;
  const r = await runCommand(
    setup.python,
    [
      "-B", // no __pycache__ beside the program
      TORCH_PROGRAM,
      folder,
      "--threads",
      String(threads.torch),
      ...(steps === undefined ? [] : ["--steps", String(steps)]),
    ],
    env,
  );
  if (!r.ok) throw new Error(`pytorch_canonical.py failed: ${r.stderr.trim()}`);
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as TorchRun;
}
