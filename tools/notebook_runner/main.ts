/**
 * `deno task notebooks:run [NOTEBOOK …]`: runs notebooks top to bottom on the Deno kernel, with
 * Deno alone (no Python, no Jupyter), and writes the executed copies.
 *
 * ```sh
 * deno task notebooks:run                                   # every notebook in notebooks/
 * deno task notebooks:run notebooks/02_forward_pass.ipynb --out /tmp/02.ipynb
 * deno run -A tools/notebook_runner/main.ts NB.ipynb --timeout 60
 * ```
 *
 * Exit status: 0 when every notebook ran to its end without an error output; 1 when a cell
 * raised an error (each one is listed with its cell number and traceback) or a run stopped early
 * (timeout, kernel exit); 2 for a mistake on the command line.
 *
 * @module
 */
import { runNotebook } from "./execute.ts";
import { writeNotebook } from "./notebook.ts";
import { formatCellError } from "./report.ts";

const root = new URL("../../", import.meta.url).pathname;

const USAGE = `usage: deno task notebooks:run [NOTEBOOK.ipynb …] [options]

Runs each notebook top to bottom on a fresh Deno kernel and writes the executed copy.
Without notebooks, runs every notebook in notebooks/.

options:
  --out FILE           where to write the executed copy (one notebook only)
  --out-dir DIR        where to write executed copies (default: out/notebooks/)
  --timeout SECONDS    the longest one cell may run (default 300)
  --grace MS           the longest wait for a cell's late outputs (default 2000)
  --quiet MS           stop waiting after this long without output (default 200)
  --strict-signatures  drop kernel messages with a bad signature (default: accept and count)
  --help               this text`;

/** The parsed command line. */
interface Args {
  notebooks: string[];
  out?: string;
  outDir: string;
  timeoutMs: number;
  graceMs: number;
  quietMs: number;
  strictSignatures: boolean;
}

class UsageError extends Error {}

function number(flag: string, value: string | undefined, min: number): number {
  const n = Number(value);
  if (value === undefined || !Number.isFinite(n) || n < min) {
    throw new UsageError(`${flag} expects a number of at least ${min}, got ${value ?? "nothing"}`);
  }
  return n;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    notebooks: [],
    outDir: `${root}out/notebooks`,
    timeoutMs: 300_000,
    graceMs: 2_000,
    quietMs: 200,
    strictSignatures: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--out") args.out = argv[++i];
    else if (arg === "--out-dir") args.outDir = argv[++i];
    else if (arg === "--timeout") args.timeoutMs = number(arg, argv[++i], 1) * 1000;
    else if (arg === "--grace") args.graceMs = number(arg, argv[++i], 0);
    else if (arg === "--quiet") args.quietMs = number(arg, argv[++i], 0);
    else if (arg === "--strict-signatures") args.strictSignatures = true;
    else if (arg.startsWith("-")) throw new UsageError(`unknown option ${arg}`);
    else args.notebooks.push(arg);
    if ((arg === "--out" || arg === "--out-dir") && !argv[i]) {
      throw new UsageError(`${arg} expects a path`);
    }
  }
  if (args.notebooks.length === 0) {
    args.notebooks = [...Deno.readDirSync(`${root}notebooks`)]
      .filter((e) => e.isFile && e.name.endsWith(".ipynb"))
      .map((e) => `${root}notebooks/${e.name}`)
      .sort();
  }
  for (const path of args.notebooks) {
    if (!path.endsWith(".ipynb")) throw new UsageError(`${path} is not an .ipynb file`);
  }
  if (args.out !== undefined && args.notebooks.length !== 1) {
    throw new UsageError(`--out names one file, but ${args.notebooks.length} notebooks were given`);
  }
  return args;
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(USAGE);
    return 0;
  }
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`notebooks:run: ${e.message} (see --help)`);
    return 2;
  }
  let failed = 0;
  for (const path of args.notebooks) {
    const name = path.slice(path.lastIndexOf("/") + 1);
    let result;
    try {
      result = await runNotebook(path, {
        timeoutMs: args.timeoutMs,
        graceMs: args.graceMs,
        quietMs: args.quietMs,
        strictSignatures: args.strictSignatures,
      });
    } catch (e) {
      console.error(`${name}: FAILED: ${(e as Error).message}`);
      failed++;
      continue;
    }
    const out = args.out ?? `${args.outDir}/${name}`;
    await Deno.mkdir(out.slice(0, out.lastIndexOf("/") + 1) || ".", { recursive: true });
    await writeNotebook(out, result.notebook);
    const notes = [
      result.badSignatures ? `${result.badSignatures} messages with a bad signature` : "",
      result.lateMessages ? `${result.lateMessages} late outputs` : "",
    ].filter((s) => s);
    const ok = result.failure === null && result.errors.length === 0;
    console.log(
      `${name}: ${ok ? "ok" : "FAILED"} in ${result.seconds.toFixed(1)} s, written to ${out}` +
        (notes.length ? ` (${notes.join(", ")})` : ""),
    );
    for (const error of result.errors) console.error(formatCellError(error));
    if (result.failure !== null) console.error(result.failure);
    if (!ok) failed++;
  }
  if (args.notebooks.length > 1) {
    console.log(`${args.notebooks.length - failed} of ${args.notebooks.length} notebooks ok`);
  }
  return failed === 0 ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
