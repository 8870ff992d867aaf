/**
 * Every notebook in notebooks/ executed top to bottom on the real Deno kernel, by the runner of
 * tools/notebook_runner/ (Deno and ZeroMQ only; no Python or Jupyter needed). A cell with an error
 * output fails the test, naming the cell and its traceback, and so does a cell tagged "plot" that
 * did not produce a plotly bundle, or a run that stopped early (a cell timed out, the kernel
 * exited). The executed copies are written to out/notebooks/ (git-ignored) for inspection.
 */
import { assert, assertEquals } from "@std/assert";
import {
  formatCellError,
  runNotebook,
  type RunResult,
  writeNotebook,
} from "../tools/notebook_runner/mod.ts";

interface Cell {
  cell_type: string;
  metadata: { tags?: string[] };
  outputs?: unknown[];
  execution_count?: number | null;
}
interface Notebook {
  cells: Cell[];
  metadata: { kernelspec?: { name?: string } };
}

const root = new URL("../", import.meta.url).pathname;

function notebooks(): string[] {
  const names: string[] = [];
  for (const entry of Deno.readDirSync(`${root}notebooks`)) {
    if (entry.isFile && entry.name.endsWith(".ipynb")) names.push(entry.name);
  }
  return names.sort();
}

Deno.test("notebooks in git carry no outputs and use the Deno kernel", () => {
  const names = notebooks();
  assert(names.length > 0, "no notebooks found");
  for (const name of names) {
    const nb: Notebook = JSON.parse(Deno.readTextFileSync(`${root}notebooks/${name}`));
    assertEquals(nb.metadata.kernelspec?.name, "deno", `${name}: kernelspec`);
    nb.cells.forEach((cell, i) => {
      if (cell.cell_type !== "code") return;
      assertEquals(cell.outputs ?? [], [], `${name}: cell ${i + 1} has outputs`);
      assertEquals(
        cell.execution_count ?? null,
        null,
        `${name}: cell ${i + 1} has an execution count`,
      );
    });
  }
});

/** What is wrong with a run: why it stopped, its cells' errors, plot cells without a plot. */
function problemsOf(result: RunResult): string[] {
  const problems = result.failure ? [result.failure] : [];
  problems.push(...result.errors.map(formatCellError));
  result.notebook.cells.forEach((cell, i) => {
    if (cell.cell_type !== "code" || !cell.metadata.tags?.includes("plot")) return;
    const plotted = (cell.outputs ?? []).some((out) =>
      out.output_type !== "stream" && out.output_type !== "error" &&
      out.data["application/vnd.plotly.v1+json"] !== undefined
    );
    if (!plotted) problems.push(`cell ${i + 1} is tagged "plot" but produced no plotly bundle`);
  });
  return problems;
}

for (const name of notebooks()) {
  Deno.test({
    name: `notebook ${name} runs top to bottom on the Deno kernel`,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => {
      // Under load the Deno kernel now and then mangles an IOPub message, and what it carried
      // (an output, a cell's idle) is lost. A run that failed and dropped a message is repeated
      // in a fresh kernel, up to three runs in all; any other failure is final.
      let result, problems: string[];
      for (let run = 1;; run++) {
        result = await runNotebook(`${root}notebooks/${name}`);
        problems = problemsOf(result);
        if (problems.length === 0 || result.dropped === 0 || run === 3) break;
        console.warn(`${name}: ${result.dropped} mangled kernel messages dropped; run ${run + 1}`);
      }
      await Deno.mkdir(`${root}out/notebooks`, { recursive: true });
      await writeNotebook(`${root}out/notebooks/${name}`, result.notebook);
      assertEquals(problems, [], `${name}:\n${problems.join("\n")}`);
      const notes = [
        result.badSignatures ? `, ${result.badSignatures} messages with a bad signature` : "",
        result.lateMessages ? `, ${result.lateMessages} late outputs` : "",
        result.dropped ? `, ${result.dropped} mangled messages dropped` : "",
      ].join("");
      console.log(`${name}: executed in ${result.seconds} s${notes}`);
    },
  });
}
