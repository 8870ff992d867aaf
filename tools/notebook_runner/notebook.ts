/**
 * The parts of nbformat 4 the runner reads and writes: notebooks, cells and the four kinds of
 * output, with a loader that checks the shape it relies on.
 *
 * Multi-line strings may be a string or a list of lines (nbformat allows both); the runner writes
 * plain strings.
 *
 * @module
 */

/** A MIME bundle: `text/plain`, `text/html`, `application/vnd.plotly.v1+json`, … */
export type MimeBundle = Record<string, unknown>;

/** Text that nbformat stores either whole or as a list of lines. */
export type MultilineString = string | string[];

/** Output of `console.log` and friends. */
export interface StreamOutput {
  /** The kind of output. */
  output_type: "stream";
  /** Which stream. */
  name: "stdout" | "stderr";
  /** What was written. */
  text: MultilineString;
}

/** A rich display (`Deno.jupyter.display`, an object with a display method). */
export interface DisplayDataOutput {
  /** The kind of output. */
  output_type: "display_data";
  /** The representations, by MIME type. */
  data: MimeBundle;
  /** Per-MIME-type hints (image sizes, …). */
  metadata: Record<string, unknown>;
}

/** The value of a cell's last expression. */
export interface ExecuteResultOutput {
  /** The kind of output. */
  output_type: "execute_result";
  /** The cell's execution count. */
  execution_count: number | null;
  /** The representations, by MIME type. */
  data: MimeBundle;
  /** Per-MIME-type hints. */
  metadata: Record<string, unknown>;
}

/** An exception the cell raised. `traceback` lines may carry ANSI colour codes. */
export interface ErrorOutput {
  /** The kind of output. */
  output_type: "error";
  /** The exception's name, e.g. `TypeError`. */
  ename: string;
  /** The exception's message. */
  evalue: string;
  /** The traceback, one entry per line or block. */
  traceback: string[];
}

/** Any nbformat 4 output. */
export type Output = StreamOutput | DisplayDataOutput | ExecuteResultOutput | ErrorOutput;

/** A notebook cell; only code cells have outputs and an execution count. */
export interface Cell {
  /** Code, markdown or raw text. */
  cell_type: "code" | "markdown" | "raw";
  /** The cell's text. */
  source: MultilineString;
  /** Tags and whatever tools record. */
  metadata: Record<string, unknown> & { tags?: string[] };
  /** A code cell's outputs. */
  outputs?: Output[];
  /** A code cell's execution count; null when it has not run. */
  execution_count?: number | null;
  /** The cell's id (nbformat 4.5). */
  id?: string;
  /** Files attached to a markdown cell. */
  attachments?: unknown;
}

/** An nbformat 4 notebook. */
export interface Notebook {
  /** The major format version: 4. */
  nbformat: number;
  /** The minor format version. */
  nbformat_minor: number;
  /** Kernel spec, language info, and whatever tools record. */
  metadata: Record<string, unknown>;
  /** The cells, top to bottom. */
  cells: Cell[];
}

/**
 * A multi-line string as one string.
 *
 * @param text a string or a list of lines
 * @returns the joined text
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { joinText } from "./notebook.ts";
 * assertEquals(joinText(["a\n", "b"]), "a\nb");
 * ```
 */
export function joinText(text: MultilineString): string {
  return Array.isArray(text) ? text.join("") : text;
}

/**
 * Checks that a parsed JSON value is an nbformat 4 notebook, as far as the runner relies on it.
 *
 * @param value the parsed JSON
 * @param name the file name, for the error message
 * @returns the value, typed
 * @throws TypeError naming the file and what is wrong
 *
 * @example
 * ```ts
 * import { assertThrows } from "@std/assert";
 * import { asNotebook } from "./notebook.ts";
 * assertThrows(() => asNotebook({ nbformat: 3 }, "old.ipynb"), TypeError, "old.ipynb");
 * ```
 */
export function asNotebook(value: unknown, name: string): Notebook {
  const fail = (expected: string, got: string) =>
    new TypeError(`asNotebook: ${name} expected ${expected}, got ${got}`);
  if (typeof value !== "object" || value === null) throw fail("a JSON object", typeof value);
  const nb = value as Partial<Notebook>;
  if (nb.nbformat !== 4) throw fail("nbformat 4", `nbformat ${nb.nbformat}`);
  if (!Array.isArray(nb.cells)) throw fail("a cells array", typeof nb.cells);
  nb.cells.forEach((cell, i) => {
    if (typeof cell?.cell_type !== "string") {
      throw fail(`cell ${i + 1} to have a cell_type`, JSON.stringify(cell).slice(0, 80));
    }
    if (typeof cell.source !== "string" && !Array.isArray(cell.source)) {
      throw fail(`cell ${i + 1} to have a source`, typeof cell.source);
    }
  });
  return { ...nb, metadata: nb.metadata ?? {} } as Notebook;
}

/**
 * Reads a notebook file.
 *
 * @param path the .ipynb file
 * @returns the notebook
 * @throws Error naming the file when it cannot be read or is not a notebook
 */
export async function readNotebook(path: string): Promise<Notebook> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new Error(`readNotebook: cannot read ${path}: ${(e as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new SyntaxError(`readNotebook: ${path} is not JSON: ${(e as Error).message}`);
  }
  return asNotebook(value, path);
}

/**
 * Writes a notebook as Jupyter does (indent 1, a final newline), through a temporary file and a
 * rename, so a reader never sees half a file.
 *
 * @param path the .ipynb file to write
 * @param notebook the notebook
 */
export async function writeNotebook(path: string, notebook: Notebook): Promise<void> {
  const temporary = `${path}.tmp`;
  await Deno.writeTextFile(temporary, JSON.stringify(notebook, null, 1) + "\n");
  await Deno.rename(temporary, path);
}
