/**
 * The long-running scripts refuse a bad command line in one line, with exit status 2, before
 * they load the corpus or train anything (so these tests take a second, not an hour).
 */
import { assertEquals, assertStringIncludes } from "@std/assert";

const root = new URL("../../", import.meta.url).pathname;

async function run(script: string, ...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", "--allow-env", `${root}${script}`, ...args],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, err: new TextDecoder().decode(out.stderr) };
}

const cases: [string, string[], string][] = [
  ["tools/softmax_tradeoff.ts", ["--epochs", "0"], '--epochs expected a positive integer, got "0"'],
  [
    "tools/softmax_tradeoff.ts",
    ["--epochs", "1e1"],
    '--epochs expected a positive integer, got "1e1"',
  ],
  ["tools/softmax_tradeoff.ts", ["--outputs", "softmax,1"], 'class counts >= 2, got "1"'],
  ["tools/softmax_tradeoff.ts", ["--outputs", "sqrt"], 'got "sqrt"'],
  ["tools/softmax_tradeoff.ts", ["--frobnicate"], 'unexpected "--frobnicate"; usage:'],
  ["tools/reproduce.ts", ["--epochs", "0"], "--epochs expected a positive integer"],
  ["tools/reproduce.ts", ["--models", "mlp7"], "unknown model mlp7; known: canonical, mlp9"],
  ["tools/reproduce.ts", ["--what"], 'unexpected "--what"; usage:'],
  ["bench/throughput.ts", ["--examples", "1e3"], '--examples expected an integer >= 1, got "1e3"'],
  ["bench/throughput.ts", ["--threads", "2,x"], '--threads expected an integer >= 1, got "x"'],
  ["bench/throughput.ts", ["--help"], "Unknown option '--help'; usage: deno run -A bench/"],
  ["bench/phases.ts", ["--data", "brwn"], '--data expected "brown" or "synthetic", got "brwn"'],
  ["bench/phases.ts", ["--steps", "0"], '--steps expected an integer >= 1, got "0"'],
  ["bench/compare.ts", ["--rounds", "0"], '--rounds expected an integer >= 1, got "0"'],
  ["bench/compare.ts", ["--warmup", "2"], '--warmup expected an integer >= 5, got "2"'],
  ["bench/compare.ts", ["--rounds"], "--rounds <value>' argument missing; usage:"],
  ["bench/bounds_checks.ts", ["--rounds", "x"], '--rounds expected an integer >= 1, got "x"'],
  ["bench/bounds_checks.ts", ["--checks"], "Unknown option '--checks'; usage:"],
];
for (const [script, args, message] of cases) {
  Deno.test(`${script} ${args.join(" ")}: one line, exit status 2`, async () => {
    const { code, err } = await run(script, ...args);
    assertEquals(code, 2, err);
    assertStringIncludes(err, message);
    assertEquals(err.trim().split("\n").length, 1, err);
  });
}

Deno.test("compare refuses a --json file that exists, and leaves it as it was", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const mine = `${dir}/mine.json`;
    await Deno.writeTextFile(mine, "mine");
    const { code, err } = await run("bench/compare.ts", "--json", mine);
    assertEquals(code, 2, err);
    assertStringIncludes(err, "exists; name a new file");
    assertEquals(await Deno.readTextFile(mine), "mine");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("softmax-tradeoff refuses an --out file that is not its own, and leaves it as it was", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const mine = `${dir}/mine.json`;
    await Deno.writeTextFile(mine, '{"name": "mine"}');
    const { code, err } = await run("tools/softmax_tradeoff.ts", "--out", mine);
    assertEquals(code, 2, err);
    assertStringIncludes(err, "is not a results file of this script");
    assertEquals(await Deno.readTextFile(mine), '{"name": "mine"}');
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
