/**
 * Runs the test files that load the zeromq native addon (the notebook runner's own tests and the
 * run of every notebook) in a `deno test` process of their own, before the main suite. They are
 * named `*_suite.ts`, not `*_test.ts`, so that the main suite's discovery leaves them out.
 *
 * Why: under Deno, zeromq@6's addon now and then crashes with a segmentation fault while the
 * test module's isolate is torn down, after every test in it has finished (seen about one run
 * in three of tests/notebook_runner_suite.ts). That crash happens after the results are in, so
 * this script accepts it only when `deno test` has already printed its summary with 0 failed,
 * and says so on standard error; any failing test, or a crash before the summary, fails.
 *
 * ```sh
 * deno run -A tools/test_zeromq.ts tests/notebook_runner_suite.ts
 * ```
 *
 * @module
 */

const child = new Deno.Command(Deno.execPath(), {
  args: ["test", "--allow-all", ...Deno.args],
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
const summary = plain.match(/^ok \| (\d+) passed \| 0 failed/m);
if (status.code === 0) Deno.exit(0);
if (status.signal === "SIGSEGV" && summary) {
  console.error(
    `note: all ${summary[1]} tests passed; the process then crashed in zeromq's teardown ` +
      "(SIGSEGV), which this script accepts (see its module doc)",
  );
  Deno.exit(0);
}
Deno.exit(status.code === 0 ? 1 : status.code);
