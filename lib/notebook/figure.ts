/**
 * A plotly figure for notebooks, the {@linkcode Figure} that the chart builders of `charts.ts`
 * (loss curves, line charts, heatmaps, bar charts, labelled scatter plots) return and that
 * displays itself.
 *
 * plotly.js draws in a browser, not in the kernel, so a figure is a *spec* (`{ data, layout }`:
 * a list of traces and the axes around them) that the notebook page draws. A figure's MIME bundle
 * offers it twice:
 *
 * - `application/vnd.plotly.v1+json`: the spec itself, for frontends that draw plotly natively
 *   (VS Code, JupyterLab with the plotly extension);
 * - `text/html`: a `<div>` and a small script that calls `Plotly.newPlot`, for every other
 *   frontend (classic Notebook 6, JupyterLab without the extension). No CDN is used: the first
 *   figure of a kernel session also carries the whole plotly.js library (`plotly.ts`), later
 *   figures only their own spec; their script waits until `window.Plotly` exists, so the order in
 *   which outputs load does not matter.
 *
 * Outputs are reproducible: the element ids are a counter plus a fingerprint of the spec, never
 * random, so running a notebook twice from a fresh kernel gives byte-identical outputs.
 *
 * plotly reads the strings of a figure (titles, trace names, tick and point labels) as a small
 * subset of HTML, so a word such as `<unk>` or `<s>` would be taken for a tag. Every string a
 * builder receives is therefore escaped with {@linkcode plotlyText} and shows literally.
 *
 * @module
 */

import { argError, describeValue } from "../errors.ts";
import {
  escapeHtml,
  fingerprint,
  JUPYTER_DISPLAY,
  type MimeBundle,
  scriptJson,
} from "./jupyter.ts";
import { libraryHtml, nextPlotNumber, plotlyEmbedded } from "./plotly.ts";

/**
 * One plotly trace: `type` (`"scatter"`, `"bar"`, `"heatmap"`, …) and its attributes, of which
 * the common ones are typed.
 */
export interface Trace {
  /** The kind of trace. */
  type: string;
  /** Legend entry. */
  name?: string;
  /** Horizontal positions (or values, for horizontal bars). */
  x?: unknown[];
  /** Vertical positions or values. */
  y?: unknown[];
  /** Heatmap values, row by row. */
  z?: unknown[][];
  /** Text at each point. */
  text?: string[];
  /** Any other plotly attribute. */
  [attribute: string]: unknown;
}

/**
 * A trace as the {@linkcode Figure} constructor takes it: any attributes, typed arrays allowed
 * (the figure stores plain arrays).
 */
export type TraceInput = { type: string } & Record<string, unknown>;

/** A plotly axis: title, scale, ticks. */
export interface Axis {
  /** The axis title. */
  title?: { text: string };
  /** `"linear"`, `"log"`, `"category"`, … */
  type?: string;
  /** Tick positions. */
  tickvals?: number[];
  /** Tick labels, one per position in `tickvals`. */
  ticktext?: string[];
  /** Any other plotly attribute. */
  [attribute: string]: unknown;
}

/** A plotly layout: title, axes, legend, size; the common fields are typed. */
export interface Layout {
  /** The figure title. */
  title?: { text: string };
  /** The horizontal axis. */
  xaxis?: Axis;
  /** The vertical axis. */
  yaxis?: Axis;
  /** Height in pixels. */
  height?: number;
  /** Any other plotly attribute. */
  [attribute: string]: unknown;
}

/** The JSON form of a figure, as plotly's `Plotly.newPlot(div, data, layout)` takes it. */
export interface PlotlySpec {
  /** The traces, drawn in order. */
  data: Trace[];
  /** Title, axes, legend. */
  layout: Layout;
}

// ---------------------------------------------------------------------------------------------
// Strings and numbers in a spec.

/**
 * Escapes a string for plotly, which reads `<b>`, `<br>`, `<s>`, … in labels as markup and
 * `&lt;` as `<`: after escaping, `<unk>` shows as `<unk>`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { plotlyText } from "./figure.ts";
 * assertEquals(plotlyText("<s> & </s>"), "&lt;s&gt; &amp; &lt;/s&gt;");
 * ```
 */
export function plotlyText(text: string): string {
  return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** The inverse of {@linkcode plotlyText}, for the plain-text summary of a figure. */
function plainText(text: string): string {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

/**
 * A deep copy of a spec value in plain JSON: typed arrays become arrays, and `NaN` and the
 * infinities become `null`, which plotly draws as a gap (and JSON has no other spelling for).
 */
function plainJson(value: unknown): unknown {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (value === null || typeof value !== "object") return value;
  if (ArrayBuffer.isView(value)) {
    return Array.from(value as unknown as ArrayLike<number>, (v) => plainJson(v));
  }
  if (Array.isArray(value)) return value.map(plainJson);
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (v !== undefined) out[key] = plainJson(v);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The figure.

/**
 * A plotly figure: traces and a layout, in plain JSON. It displays itself in a notebook (see the
 * module notes for the MIME bundle) and prints as a one-line summary elsewhere.
 *
 * A figure is immutable: {@linkcode Figure.withLayout} returns a new one.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { Figure } from "./figure.ts";
 * const fig = new Figure([{ type: "scatter", x: [0, 1], y: [2, NaN] }], { title: { text: "t" } });
 * assertEquals(fig.toJSON().data[0].y, [2, null]); // NaN is a gap: JSON null
 * assertEquals(fig.title, "t");
 * ```
 */
export class Figure {
  readonly #spec: PlotlySpec;

  /**
   * A figure of the given traces and layout, checked and copied.
   *
   * @param data the traces (copied to plain JSON; `NaN` and infinities become `null`)
   * @param layout the layout (copied likewise)
   */
  constructor(data: readonly TraceInput[], layout: Record<string, unknown> = {}) {
    if (!Array.isArray(data)) {
      throw argError("Figure", "data", "an array of traces", describeValue(data), TypeError);
    }
    data.forEach((trace, i) => {
      if (trace === null || typeof trace !== "object" || typeof trace.type !== "string") {
        throw argError(
          "Figure",
          `data[${i}]`,
          'a trace object with a string "type"',
          describeValue(trace),
          TypeError,
        );
      }
    });
    if (layout === null || typeof layout !== "object" || Array.isArray(layout)) {
      throw argError("Figure", "layout", "a layout object", describeValue(layout), TypeError);
    }
    this.#spec = { data: plainJson(data) as Trace[], layout: plainJson(layout) as Layout };
  }

  /** The traces (a fresh copy). */
  get data(): Trace[] {
    return this.toJSON().data;
  }

  /** The layout (a fresh copy). */
  get layout(): Layout {
    return this.toJSON().layout;
  }

  /** The title as plain text (`""` when there is none). */
  get title(): string {
    const text: unknown = this.#spec.layout.title?.text;
    return typeof text === "string" ? plainText(text) : "";
  }

  /** `{ data, layout }` as plain JSON (a fresh copy, safe to change). */
  toJSON(): PlotlySpec {
    return structuredClone(this.#spec);
  }

  /**
   * A new figure with `patch` merged into the layout, one level deep: `{ yaxis: { type: "log" } }`
   * keeps the y axis title. Strings in the patch are used as they are (not escaped).
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { lineChart } from "./charts.ts";
   * const fig = lineChart({ loss: [3, 2, 1] }, { yTitle: "nats" });
   * const log = fig.withLayout({ yaxis: { type: "log" } });
   * assertEquals(log.layout.yaxis, { title: { text: "nats" }, type: "log" });
   * assertEquals(fig.layout.yaxis, { title: { text: "nats" } }); // unchanged
   * ```
   */
  withLayout(patch: Layout): Figure {
    const layout = this.layout;
    for (const [key, value] of Object.entries(patch)) {
      const old = layout[key];
      const bothObjects = old !== null && typeof old === "object" && !Array.isArray(old) &&
        value !== null && typeof value === "object" && !Array.isArray(value);
      layout[key] = bothObjects ? { ...old, ...value } : value;
    }
    return new Figure(this.#spec.data, layout);
  }

  /**
   * A one-glance summary: title and each trace's type, name and size.
   *
   * @example
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { lineChart } from "./charts.ts";
   * assertEquals(
   *   lineChart({ "<s> loss": [3, 2] }, { title: "A & B" }).toText(),
   *   'Figure "A & B": scatter "<s> loss" (2 points)',
   * );
   * ```
   */
  toText(): string {
    const traces = this.#spec.data.map((trace) => {
      const name = typeof trace.name === "string" ? ` "${plainText(trace.name)}"` : "";
      const size = Array.isArray(trace.z)
        ? `${trace.z.length} x ${Array.isArray(trace.z[0]) ? trace.z[0].length : 0} cells`
        : `${Array.isArray(trace.y) ? trace.y.length : 0} points`;
      return `${trace.type}${name} (${size})`;
    });
    const title = this.title ? ` "${this.title}"` : "";
    return `Figure${title}: ${traces.length ? traces.join(", ") : "no traces"}`;
  }

  /**
   * The figure as HTML for a notebook page: see {@linkcode figureHtml}. Each call makes a new
   * element id, and the first call of a kernel session carries the plotly.js library.
   */
  toHtml(): string {
    return figureHtml(this);
  }

  /** The MIME bundle: see {@linkcode figureBundle}. */
  [JUPYTER_DISPLAY](): MimeBundle {
    return figureBundle(this);
  }

  /** How `console.log` prints a figure: its {@linkcode Figure.toText} summary. */
  [Symbol.for("Deno.customInspect")](): string {
    return this.toText();
  }
}

/** How {@linkcode figureHtml} treats the plotly.js library. */
export type EmbedLibrary = "once" | "never" | "always";

/**
 * The HTML that draws a figure in a notebook page:
 *
 * ```html
 * [<script>plotly.js</script>]           only the first time in a kernel session ("once")
 * <div id="mnlm-plot-N-HASH">…</div>     N counts figures, HASH fingerprints the spec
 * <script>…Plotly.newPlot(div, data, layout)…</script>
 * ```
 *
 * The drawing script waits (up to 10 s) for `window.Plotly`, so it works whether the library
 * came in this output, an earlier one, or one that is still loading; and it draws into the
 * newest undrawn element with its id, so an identical stale output left in the page by an
 * earlier kernel does not steal the plot. Before the script runs (an untrusted notebook, a
 * static viewer) the element shows the figure's title and a hint.
 *
 * @param fig the figure
 * @param library `"once"` (default): embed plotly.js unless this kernel session already did;
 *   `"never"`: leave it out (live updates of a figure already shown); `"always"`: embed it
 *
 * @example
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { figureHtml } from "./figure.ts";
 * import { lineChart } from "./charts.ts";
 * import { resetDisplayState } from "./plotly.ts";
 * resetDisplayState();
 * const first = figureHtml(lineChart({ loss: [3, 2] }));
 * const second = figureHtml(lineChart({ loss: [3, 2] }));
 * assert(first.includes("plotly.js v3.7.0")); // the library, once
 * assert(!second.includes("plotly.js v3.7.0"));
 * assertEquals(second.match(/id="(mnlm-plot-\d+)/)![1], "mnlm-plot-2");
 * ```
 */
export function figureHtml(fig: Figure, library: EmbedLibrary = "once"): string {
  if (!(fig instanceof Figure)) {
    throw argError("figureHtml", "fig", "a Figure", describeValue(fig), TypeError);
  }
  const spec = fig.toJSON();
  const specJson = scriptJson({ ...spec, config: { responsive: true, displaylogo: false } });
  const id = `mnlm-plot-${nextPlotNumber()}-${fingerprint(specJson)}`;
  const height = typeof spec.layout.height === "number" ? spec.layout.height : 420;
  const embed = library === "always" || (library === "once" && !plotlyEmbedded());
  const title = fig.title ? `${escapeHtml(fig.title)}: ` : "";
  return (embed ? libraryHtml() : "") +
    `<div id="${id}" class="mnlm-plot" style="width:100%;height:${height}px">` +
    `<div style="font:12px sans-serif;color:#777;padding:8px">${title}plotly figure, drawn ` +
    `when the notebook's scripts run (a trusted notebook)</div></div>\n` +
    `<script type="text/javascript">\n` +
    `(function () {\n` +
    `  var id = "${id}", spec = ${specJson}, tries = 0;\n` +
    `  function draw() {\n` +
    `    var nodes = document.querySelectorAll('[id="' + id + '"]'), el = null;\n` +
    `    for (var i = 0; i < nodes.length; i++) {\n` +
    `      if (!nodes[i].hasAttribute("data-plotted")) el = nodes[i];\n` +
    `    }\n` +
    `    if (el && window.Plotly) {\n` +
    `      el.setAttribute("data-plotted", "");\n` +
    `      el.innerHTML = "";\n` +
    `      window.Plotly.newPlot(el, spec.data, spec.layout, spec.config);\n` +
    `    } else if (++tries < 200) {\n` +
    `      setTimeout(draw, 50);\n` +
    `    } else if (el) {\n` +
    `      el.textContent = "plotly.js is not loaded in this page: display plotlyLibrary() " +\n` +
    `        "in a cell, then run this cell again.";\n` +
    `    }\n` +
    `  }\n` +
    `  draw();\n` +
    `})();\n` +
    `</script>`;
}

/**
 * The MIME bundle of a figure:
 *
 * ```text
 * text/plain                       fig.toText()
 * text/html                        figureHtml(fig, library)
 * application/vnd.plotly.v1+json   { data, layout }
 * ```
 *
 * @param fig the figure
 * @param library how to treat the plotly.js library (see {@linkcode figureHtml})
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { figureBundle } from "./figure.ts";
 * import { barChart } from "./charts.ts";
 * const bundle = figureBundle(barChart(["a", "b"], [0.75, 0.25]), "never");
 * assertEquals(Object.keys(bundle).sort(), [
 *   "application/vnd.plotly.v1+json",
 *   "text/html",
 *   "text/plain",
 * ]);
 * assertEquals(bundle["application/vnd.plotly.v1+json"]!.data[0].y, [0.75, 0.25]);
 * ```
 */
export function figureBundle(fig: Figure, library: EmbedLibrary = "once"): MimeBundle & {
  "application/vnd.plotly.v1+json": PlotlySpec;
} {
  return {
    "text/plain": fig.toText(),
    "text/html": figureHtml(fig, library),
    "application/vnd.plotly.v1+json": fig.toJSON(),
  };
}
