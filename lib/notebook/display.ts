/**
 * Matrices in a notebook: a header with the shape and summary statistics, then the values as a
 * table (small matrices) or a heatmap (large ones).
 *
 * A {@linkcode Matrix} prints as a one-line summary ({@linkcode inspect}); wrap it in
 * {@linkcode matrixView} to see it whole in a notebook cell:
 *
 * ```ts ignore
 * matrixView(params.W1, { label: "W1" })   // as a cell's last expression
 * ```
 *
 * @module
 */

import { argError, describeValue } from "../errors.ts";
import { checkMatrix, inspect, Matrix, stats } from "../tensor.ts";
import { bundleOf, escapeHtml, formatNumber, JUPYTER_DISPLAY, type MimeBundle } from "./jupyter.ts";
import { heatmap } from "./charts.ts";
import { figureHtml } from "./figure.ts";

/** Options of {@linkcode matrixView}. */
export interface MatrixViewOptions {
  /** A name shown before the shape, e.g. `"W1"`. */
  label?: string;
  /** Rows shown in a table before the middle ones are elided with `⋮` (default 12). */
  maxRows?: number;
  /** Columns shown in a table before the middle ones are elided with `…` (default 12). */
  maxCols?: number;
  /** `"auto"` (default): a heatmap above `heatmapAbove` entries, else a table. */
  view?: "auto" | "table" | "heatmap";
  /** Entry count above which `"auto"` draws a heatmap (default 400). */
  heatmapAbove?: number;
  /** A heatmap shows at most this many leading rows and columns (default 200 each). */
  heatmapMax?: number;
}

function positiveInteger(fn: string, arg: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw argError(fn, arg, "an integer >= 1", describeValue(value));
  }
  return value;
}

/** Which indices of `0 … n − 1` a table shows: the first and last ones, `null` for the gap. */
function shownIndices(n: number, max: number): (number | null)[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const head = Math.ceil(max / 2), tail = Math.floor(max / 2);
  const out: (number | null)[] = [];
  for (let i = 0; i < head; i++) out.push(i);
  out.push(null);
  for (let i = n - tail; i < n; i++) out.push(i);
  return out;
}

/**
 * A cell's background: red for negative, blue for positive entries, stronger as `|v|` nears the
 * largest `|v|` of the matrix (the heatmap's colours, see `DIVERGING_SCALE`); yellow flags a
 * `NaN` or an infinity.
 */
function cellColor(v: number, maxAbs: number): string {
  if (!Number.isFinite(v)) return "background:rgb(255, 221, 87)";
  if (maxAbs === 0 || v === 0) return "";
  const alpha = (0.6 * Math.abs(v) / maxAbs).toFixed(2);
  return v < 0
    ? `background:rgba(178, 24, 43, ${alpha})`
    : `background:rgba(33, 102, 172, ${alpha})`;
}

/**
 * A matrix ready to display: shape, dtype, min/mean/max/std, and the values. It keeps a reference
 * to the matrix (the library never changes a matrix in place); the HTML is made when displayed.
 *
 * @example
 * ```ts
 * import { assertEquals, assertStringIncludes } from "@std/assert";
 * import { MatrixView } from "./display.ts";
 * import { matrix } from "../tensor.ts";
 * const view = new MatrixView(matrix([[1, 2], [3, 4]]), { label: "W" });
 * assertEquals(view.mode, "table");
 * assertStringIncludes(view.toHtml(), "<td");
 * ```
 */
export class MatrixView {
  /** The matrix shown. */
  readonly matrix: Matrix;
  /** The name shown before the shape (`""`: none). */
  readonly label: string;
  /** Rows of a table before eliding. */
  readonly maxRows: number;
  /** Columns of a table before eliding. */
  readonly maxCols: number;
  /** `"table"` or `"heatmap"`: how the values are shown. */
  readonly mode: "table" | "heatmap";
  /** Largest number of rows and of columns a heatmap shows. */
  readonly heatmapMax: number;

  /**
   * A view of a matrix for a notebook.
   *
   * @param m the matrix
   * @param options label, table limits, and when to draw a heatmap instead
   */
  constructor(m: Matrix, options: MatrixViewOptions = {}) {
    const fn = "matrixView";
    checkMatrix(fn, "m", m);
    const label = options.label ?? "";
    if (typeof label !== "string") {
      throw argError(fn, "options.label", "a string", describeValue(label), TypeError);
    }
    this.matrix = m;
    this.label = label;
    this.maxRows = positiveInteger(fn, "options.maxRows", options.maxRows ?? 12);
    this.maxCols = positiveInteger(fn, "options.maxCols", options.maxCols ?? 12);
    this.heatmapMax = positiveInteger(fn, "options.heatmapMax", options.heatmapMax ?? 200);
    const above = options.heatmapAbove ?? 400;
    if (!(above >= 0)) throw argError(fn, "options.heatmapAbove", "a number >= 0", `${above}`);
    const view = options.view ?? "auto";
    if (view !== "auto" && view !== "table" && view !== "heatmap") {
      throw argError(fn, "options.view", '"auto", "table" or "heatmap"', describeValue(view));
    }
    this.mode = view === "auto" ? (m.rows * m.cols > above ? "heatmap" : "table") : view;
  }

  /**
   * The plain-text form: the label and {@linkcode inspect}'s summary.
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { matrixView } from "./display.ts";
   * import { matrix } from "../tensor.ts";
   * assertEquals(
   *   matrixView(matrix([[1, 3]]), { label: "b" }).toText(),
   *   "b: Matrix [1, 2] float64  min 1  mean 2  max 3  std 1  [1, 3]",
   * );
   * ```
   */
  toText(): string {
    return (this.label ? `${this.label}: ` : "") + inspect(this.matrix);
  }

  /** The header line as HTML: label, shape, dtype and statistics. */
  headerHtml(): string {
    const m = this.matrix;
    const s = stats(m);
    const label = this.label ? `<b>${escapeHtml(this.label)}</b> ` : "";
    const numbers = `min ${formatNumber(s.min)} · mean ${formatNumber(s.mean)} · max ${
      formatNumber(s.max)
    } · std ${formatNumber(s.std)}`;
    return `<div class="mnlm-matrix-header" style="font-family:monospace;margin-bottom:4px">` +
      `${label}Matrix [${m.rows}, ${m.cols}] ${m.dtype} · ${numbers}</div>`;
  }

  /**
   * The values as an HTML table: row and column numbers as headers, every entry when the matrix
   * fits in `maxRows x maxCols`, else the first and last rows and columns around a `⋮` row and a
   * `…` column. Hovering a cell shows its full value.
   */
  tableHtml(): string {
    const m = this.matrix;
    const rows = shownIndices(m.rows, this.maxRows);
    const cols = shownIndices(m.cols, this.maxCols);
    let maxAbs = 0;
    for (let k = 0; k < m.data.length; k++) {
      const a = Math.abs(m.data[k]);
      if (Number.isFinite(a) && a > maxAbs) maxAbs = a;
    }
    const cell = "padding:2px 6px;text-align:right";
    const head = cols.map((j) => `<th style="${cell}">${j === null ? "…" : j}</th>`).join("");
    const body = rows.map((i) => {
      const cells = cols.map((j) => {
        if (i === null) return `<td style="${cell}">${j === null ? "⋱" : "⋮"}</td>`;
        if (j === null) return `<td style="${cell}">…</td>`;
        const v = m.get(i, j);
        const color = cellColor(v, maxAbs);
        return `<td title="[${i}, ${j}] = ${v}" style="${cell}${color ? ";" + color : ""}">` +
          `${formatNumber(v)}</td>`;
      }).join("");
      return `<tr><th style="${cell}">${i === null ? "⋮" : i}</th>${cells}</tr>`;
    }).join("\n");
    return `<table class="mnlm-matrix" style="border-collapse:collapse;font-family:monospace;` +
      `font-size:12px">\n<thead><tr><th></th>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n` +
      `</table>`;
  }

  /**
   * The values as a plotly heatmap (see `heatmap` in `charts.ts`) of at most
   * `heatmapMax x heatmapMax` leading entries; a note says when rows or columns were cut.
   */
  heatmapHtml(): string {
    const m = this.matrix;
    const rows = Math.min(m.rows, this.heatmapMax), cols = Math.min(m.cols, this.heatmapMax);
    let block = m;
    if (rows < m.rows || cols < m.cols) {
      const data = m.dtype === "float32"
        ? new Float32Array(rows * cols)
        : new Float64Array(rows * cols);
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) data[i * cols + j] = m.get(i, j);
      }
      block = new Matrix(rows, cols, data);
    }
    const cut = rows < m.rows || cols < m.cols
      ? `<div style="font:12px sans-serif;color:#777">showing rows 0–${rows - 1} of ${m.rows}, ` +
        `columns 0–${cols - 1} of ${m.cols}</div>`
      : "";
    return cut + figureHtml(heatmap(block, { height: Math.min(600, 120 + 8 * rows) }));
  }

  /** Header and values as HTML. */
  toHtml(): string {
    const values = this.mode === "heatmap" ? this.heatmapHtml() : this.tableHtml();
    return `<div class="mnlm-matrix-view">${this.headerHtml()}\n${values}</div>`;
  }

  /** The MIME bundle: `text/plain` ({@linkcode MatrixView.toText}) and `text/html`. */
  [JUPYTER_DISPLAY](): MimeBundle {
    return { "text/plain": this.toText(), "text/html": this.toHtml() };
  }

  /** How `console.log` prints a view: {@linkcode MatrixView.toText}. */
  [Symbol.for("Deno.customInspect")](): string {
    return this.toText();
  }
}

/**
 * Wraps a matrix for display in a notebook: a header (label, shape, dtype, min/mean/max/std)
 * and the values, as a table when there are at most `heatmapAbove` (400) entries (elided to
 * `maxRows x maxCols`, 12 x 12, around `⋮` and `…`), else as a plotly heatmap.
 *
 * @param m the matrix
 * @param options `label`, `maxRows`, `maxCols`, `view`, `heatmapAbove`, `heatmapMax`
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { matrixView } from "./display.ts";
 * import { zeros } from "../tensor.ts";
 * assertEquals(matrixView(zeros(20, 20)).mode, "table"); // 400 entries
 * assertEquals(matrixView(zeros(20, 21)).mode, "heatmap"); // 420
 * ```
 */
export function matrixView(m: Matrix, options: MatrixViewOptions = {}): MatrixView {
  return new MatrixView(m, options);
}

/**
 * The MIME bundle an object displays as, without a kernel: for tests, and to look at what a
 * notebook will receive. A {@linkcode Matrix} gets its {@linkcode matrixView}; anything else
 * needs a `[Symbol.for("Jupyter.display")]()` method (figures, matrix views, polars DataFrames).
 *
 * Building a bundle counts as displaying it: the first figure of a session carries plotly.js.
 *
 * @param x a displayable object or a matrix
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { displayBundle } from "./display.ts";
 * import { matrix } from "../tensor.ts";
 * const bundle = displayBundle(matrix([[1, 2]]));
 * assertEquals(Object.keys(bundle).sort(), ["text/html", "text/plain"]);
 * assertThrows(() => displayBundle("text"), TypeError, "displayBundle: x expected");
 * ```
 */
export function displayBundle(x: unknown): MimeBundle {
  if (x instanceof Matrix) return matrixView(x)[JUPYTER_DISPLAY]();
  return bundleOf("displayBundle", x);
}
