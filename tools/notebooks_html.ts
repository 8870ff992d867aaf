/**
 * `deno task notebooks:html`: executes every notebook in notebooks/ on the Deno kernel and writes
 * an HTML page of each to out/html/ (git-ignored), plots included (plotly.js is embedded in each
 * page, so the pages work offline).
 *
 * The notebooks run on the runner of tools/notebook_runner/ (Deno alone); the HTML export needs
 * Jupyter's nbconvert (Debian's jupyter-nbconvert); see the README.
 */

const root = new URL("../", import.meta.url).pathname;
const only = Deno.args.filter((a) => !a.startsWith("-"));

async function run(command: string, args: string[], cwd: string): Promise<void> {
  const { success, stderr } = await new Deno.Command(command, {
    args,
    cwd,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!success) {
    throw new Error(`${command} ${args.join(" ")} failed:\n${new TextDecoder().decode(stderr)}`);
  }
}

const names = [...Deno.readDirSync(`${root}notebooks`)]
  .map((e) => e.name)
  .filter((n) => n.endsWith(".ipynb") && (only.length === 0 || only.some((o) => n.includes(o))))
  .sort();
await Deno.mkdir(`${root}out/notebooks`, { recursive: true });
await Deno.mkdir(`${root}out/html`, { recursive: true });
let failed = 0;
for (const name of names) {
  const started = performance.now();
  try {
    const executed = `${root}out/notebooks/${name}`;
    await run(
      Deno.execPath(),
      ["run", "-A", `${root}tools/notebook_runner/main.ts`, name, "--out", executed],
      `${root}notebooks`,
    );
    await run(
      "jupyter",
      ["nbconvert", "--to", "html", "--output-dir", `${root}out/html`, executed],
      root,
    );
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`${name}: out/html/${name.replace(".ipynb", ".html")} (${seconds} s)`);
  } catch (e) {
    failed++;
    console.error(`${name}: ${(e as Error).message}`);
  }
}
if (failed > 0) Deno.exit(1);
