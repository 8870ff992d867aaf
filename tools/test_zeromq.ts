/**
 * Runs the test files that load the zeromq native addon (the notebook runner's own tests and the
 * run of every notebook) in a `deno test` process of their own, before the main suite. They are
 * named `*_suite.ts`, not `*_test.ts`, so that the main suite's discovery leaves them out.
 *
 * Why: under Deno, zeromq@6's addon now and then crashes with a segmentation fault while a
 * test module's isolate is torn down, after every test in it has finished (seen about one run
 * in three of tests/notebook_runner_suite.ts). So each file runs in a process of its own (with
 * two modules in one process the crash can come between them), and this script accepts such a
 * crash only when every test that `deno test` announced for the file has reported `ok` (the crash
 * can come before the summary line), and says so on standard error; any failing or unfinished
 * test fails.
 *
 * ```sh
 * deno run -A tools/test_zeromq.ts tests/notebook_runner_suite.ts tests/notebooks_suite.ts
 * ```
 *
 * @module
 */

/** Runs one test file in its own `deno test` process; true when it passed. */
async function runFile(file: string): Promise<boolean> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["test", "--allow-all", file],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  let text = "";
  const decoder = new TextDecoder();
  for await (const chunk of child.stdout) {
    Deno.stdout.writeSync(chunk);
    text += decoder.decode(chunk, { stream: true });
  }
  const status = await child.status;
  // deno-lint-ignore no-control-regex -- the colour codes deno test prints start with ESC
  const plain = text.replace(/\x1b\[[0-9;]*m/g, "");
  if (status.code === 0) return true;
  // Every test the file announced reported "ok" (the crash can come before deno test's summary).
  const announced = [...plain.matchAll(/^running (\d+) tests? from /gm)]
    .reduce((sum, m) => sum + Number(m[1]), 0);
  const ok = plain.match(/ \.\.\. ok \(/g)?.length ?? 0;
  const allPassed = announced > 0 && ok === announced && !/FAILED/.test(plain);
  if (status.signal === "SIGSEGV" && allPassed) {
    console.error(
      `note: all ${announced} tests of ${file} passed; the process then crashed in zeromq's ` +
        "teardown (SIGSEGV), which this script accepts (see its module doc)",
    );
    return true;
  }
  console.error(`${file}: failed (${status.signal ?? `exit status ${status.code}`})`);
  return false;
}

// One process per file: a crash in the teardown of one file's module cannot take the next
// file's tests with it.
let passed = true;
for (const file of Deno.args) passed = (await runFile(file)) && passed;
Deno.exit(passed ? 0 : 1);
