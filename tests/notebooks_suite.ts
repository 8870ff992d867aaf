/**
 * Every notebook in notebooks/ executed top to bottom on the real Deno kernel, by the runner of
 * tools/notebook_runner/ (Deno and ZeroMQ only; no Python or Jupyter needed). A cell with an error
 * output fails the test, naming the cell and its traceback, and so does a cell tagged "plot" that
 * did not produce a plotly bundle, or a run that stopped early (a cell timed out, the kernel
 * exited). The executed copies are written to out/notebooks/ (git-ignored) for inspection.
 */
import { assert, assertEquals } from "@std/assert";
import { formatCellError, runNotebook, writeNotebook } from "../tools/notebook_runner/mod.ts";

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

for (const name of notebooks()) {
  Deno.test({
    name: `notebook ${name} runs top to bottom on the Deno kernel`,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => {
      const result = await runNotebook(`${root}notebooks/${name}`);
      await Deno.mkdir(`${root}out/notebooks`, { recursive: true });
      await writeNotebook(`${root}out/notebooks/${name}`, result.notebook);
      assertEquals(result.failure, null, result.failure ?? "");
      const problems = result.errors.map(formatCellError);
      result.notebook.cells.forEach((cell, i) => {
        if (cell.cell_type !== "code" || !cell.metadata.tags?.includes("plot")) return;
        const plotted = (cell.outputs ?? []).some((out) =>
          out.output_type !== "stream" && out.output_type !== "error" &&
          out.data["application/vnd.plotly.v1+json"] !== undefined
        );
        if (!plotted) problems.push(`cell ${i + 1} is tagged "plot" but produced no plotly bundle`);
      });
      assertEquals(problems, [], `${name}:\n${problems.join("\n")}`);
      const notes = [
        result.badSignatures ? `, ${result.badSignatures} messages with a bad signature` : "",
        result.lateMessages ? `, ${result.lateMessages} late outputs` : "",
      ].join("");
      console.log(`${name}: executed in ${result.seconds} s${notes}`);
    },
  });
}
