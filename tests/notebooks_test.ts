/**
 * Every notebook in notebooks/ executed top to bottom on the real Deno kernel through Jupyter
 * (tools/run_notebook.py, nbclient). A cell with an error output fails the test, and so does a
 * cell tagged "plot" that did not produce a plotly bundle. The executed copies are written to
 * out/notebooks/ (git-ignored) for inspection.
 *
 * Without Jupyter these tests are reported as ignored, with the reason in their name; .ci/run
 * installs Jupyter, so CI always runs them.
 */
import { assert, assertEquals } from "@std/assert";

interface Output {
  output_type: string;
  ename?: string;
  evalue?: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, unknown>;
}
interface Cell {
  cell_type: string;
  source: string | string[];
  metadata: { tags?: string[] };
  outputs?: Output[];
  execution_count?: number | null;
}
interface Notebook {
  cells: Cell[];
  metadata: { kernelspec?: { name?: string }; executed_seconds?: number };
}

const root = new URL("../", import.meta.url).pathname;
const PYTHON = "/usr/bin/python3";

function notebooks(): string[] {
  const names: string[] = [];
  for (const entry of Deno.readDirSync(`${root}notebooks`)) {
    if (entry.isFile && entry.name.endsWith(".ipynb")) names.push(entry.name);
  }
  return names.sort();
}

function jupyterReason(): string | null {
  try {
    const probe = new Deno.Command(PYTHON, {
      args: [
        "-c",
        "import nbclient, nbformat; from jupyter_client.kernelspec import get_kernel_spec; get_kernel_spec('deno')",
      ],
      stdout: "null",
      stderr: "null",
    }).outputSync();
    return probe.success ? null : "Jupyter (nbclient) or the Deno kernel is not installed";
  } catch {
    return "no /usr/bin/python3 with Jupyter";
  }
}

const reason = jupyterReason();
const source = (cell: Cell) => Array.isArray(cell.source) ? cell.source.join("") : cell.source;

Deno.test("notebooks in git carry no outputs and use the Deno kernel", () => {
  const names = notebooks();
  assert(names.length > 0, "no notebooks found");
  for (const name of names) {
    const nb: Notebook = JSON.parse(Deno.readTextFileSync(`${root}notebooks/${name}`));
    assertEquals(nb.metadata.kernelspec?.name, "deno", `${name}: kernelspec`);
    nb.cells.forEach((cell, i) => {
      if (cell.cell_type !== "code") return;
      assertEquals(cell.outputs ?? [], [], `${name}: cell ${i} has outputs`);
      assertEquals(cell.execution_count ?? null, null, `${name}: cell ${i} has an execution count`);
    });
  }
});

for (const name of notebooks()) {
  Deno.test({
    name: reason
      ? `notebook ${name} (ignored: ${reason}; .ci/run installs it)`
      : `notebook ${name} runs top to bottom on the Deno kernel`,
    ignore: reason !== null,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => {
      await Deno.mkdir(`${root}out/notebooks`, { recursive: true });
      const executed = `${root}out/notebooks/${name}`;
      const run = await new Deno.Command(PYTHON, {
        args: [`${root}tools/run_notebook.py`, `${root}notebooks/${name}`, executed],
        cwd: `${root}notebooks`,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stderr = new TextDecoder().decode(run.stderr);
      assert(run.success, `${name}: the notebook runner failed:\n${stderr.slice(-3000)}`);
      const nb: Notebook = JSON.parse(await Deno.readTextFile(executed));
      const problems: string[] = [];
      nb.cells.forEach((cell, i) => {
        if (cell.cell_type !== "code") return;
        const outputs = cell.outputs ?? [];
        for (const out of outputs) {
          if (out.output_type === "error") {
            problems.push(`cell ${i}: ${out.ename}: ${out.evalue}\n${source(cell).slice(0, 200)}`);
          }
        }
        if (cell.metadata.tags?.includes("plot")) {
          const plotted = outputs.some((out) => out.data?.["application/vnd.plotly.v1+json"]);
          if (!plotted) problems.push(`cell ${i} is tagged "plot" but produced no plotly bundle`);
        }
      });
      assertEquals(problems, [], `${name}:\n${problems.join("\n")}`);
      console.log(`${name}: executed in ${nb.metadata.executed_seconds} s`);
    },
  });
}
