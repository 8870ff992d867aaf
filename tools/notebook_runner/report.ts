/**
 * Reports on an executed notebook in words a reader can act on: which notebook, which cell, what
 * was raised, and the traceback with the kernel's colour codes removed.
 *
 * Cells are numbered from 1 in the order they appear, markdown cells included, so "cell 7" is the
 * seventh cell from the top in Jupyter.
 *
 * @module
 */
import { type Cell, joinText, type Notebook } from "./notebook.ts";

/** One error output of one cell. */
export interface CellError {
  /** The notebook's file name. */
  notebook: string;
  /** The cell's position, from 1, counting every cell. */
  cell: number;
  /** The exception's name, e.g. `TypeError`. */
  ename: string;
  /** The exception's message. */
  evalue: string;
  /** The traceback lines without ANSI escape codes. */
  traceback: string[];
  /** The first line of the cell's source, to recognise it by. */
  firstLine: string;
}

const ESC = String.fromCharCode(27);
const BEL = String.fromCharCode(7);
/** CSI sequences (colours, cursor moves) and OSC sequences (titles, links). */
const ANSI = new RegExp(
  `${ESC}\\[[0-?]*[ -/]*[@-~]|${ESC}\\][^${BEL}${ESC}]*(?:${BEL}|${ESC}\\\\)`,
  "g",
);

/**
 * Removes ANSI escape sequences (colours and the like) from text.
 *
 * @param text text from a terminal-minded program
 * @returns the text without escape sequences
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { stripAnsi } from "./report.ts";
 * assertEquals(stripAnsi("\u001b[31mError\u001b[0m: boom"), "Error: boom");
 * ```
 */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, "");
}

/**
 * The first non-empty line of a cell's source.
 *
 * @param cell the cell
 * @returns that line, trimmed, at most 100 characters
 */
export function firstLine(cell: Cell): string {
  const line = joinText(cell.source).split("\n").find((l) => l.trim() !== "") ?? "";
  return line.trim().slice(0, 100);
}

/**
 * Every error output of an executed notebook.
 *
 * @param name the notebook's file name, for the report
 * @param notebook the executed notebook
 * @returns one entry per error output, top to bottom
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { cellErrors } from "./report.ts";
 * const notebook = {
 *   nbformat: 4,
 *   nbformat_minor: 5,
 *   metadata: {},
 *   cells: [
 *     { cell_type: "markdown" as const, source: "# Title", metadata: {} },
 *     {
 *       cell_type: "code" as const,
 *       source: "throw new Error('boom')",
 *       metadata: {},
 *       outputs: [{
 *         output_type: "error" as const,
 *         ename: "Error",
 *         evalue: "boom",
 *         traceback: ["\u001b[31mError: boom\u001b[0m"],
 *       }],
 *     },
 *   ],
 * };
 * assertEquals(cellErrors("a.ipynb", notebook)[0].cell, 2);
 * assertEquals(cellErrors("a.ipynb", notebook)[0].traceback, ["Error: boom"]);
 * ```
 */
export function cellErrors(name: string, notebook: Notebook): CellError[] {
  const errors: CellError[] = [];
  notebook.cells.forEach((cell, i) => {
    for (const output of cell.outputs ?? []) {
      if (output.output_type !== "error") continue;
      errors.push({
        notebook: name,
        cell: i + 1,
        ename: output.ename,
        evalue: stripAnsi(output.evalue),
        traceback: output.traceback.flatMap((t) => stripAnsi(t).split("\n")),
        firstLine: firstLine(cell),
      });
    }
  });
  return errors;
}

/**
 * One error as a paragraph: where, what, the traceback indented.
 *
 * @param error the error
 * @returns for example `02_forward_pass.ipynb, cell 7 (\`const h = relu(x)\`): ReferenceError: x
 *   is not defined` followed by the traceback lines
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { formatCellError } from "./report.ts";
 * const text = formatCellError({
 *   notebook: "a.ipynb",
 *   cell: 2,
 *   ename: "Error",
 *   evalue: "boom",
 *   traceback: ["Error: boom", "    at <anonymous>:1:7"],
 *   firstLine: "throw new Error('boom')",
 * });
 * assertEquals(text.split("\n")[0], "a.ipynb, cell 2 (`throw new Error('boom')`): Error: boom");
 * ```
 */
export function formatCellError(error: CellError): string {
  const head = `${error.notebook}, cell ${error.cell} (\`${error.firstLine}\`): ` +
    `${error.ename}: ${error.evalue}`;
  // The Deno kernel's traceback starts with "ename: evalue" again; leave the repeat out.
  const lines = error.traceback[0]?.trim() === `${error.ename}: ${error.evalue}`.trim()
    ? error.traceback.slice(1)
    : error.traceback;
  return [head, ...lines.map((l) => `    ${l}`)].join("\n");
}
