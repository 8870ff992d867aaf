/**
 * Plotly figures for notebooks: loss curves, line charts, heatmaps, histograms, bar charts and
 * labelled scatter plots, each a {@linkcode Figure} that displays itself.
 *
 * plotly.js draws in a browser, not in the kernel, so a figure is a *spec* (`{ data, layout }`:
 * a list of traces and the axes around them) that the notebook page draws. A figure's MIME bundle
 * offers it twice:
 *
 * - `application/vnd.plotly.v1+json`: the spec itself, for frontends that draw plotly natively
 *   (VS Code, JupyterLab with the plotly extension);
 * - `text/html`: a `<div>` and a small script that calls `Plotly.newPlot`, for every other
 *   frontend (classic Notebook 6, JupyterLab without the extension). No CDN is used: the first
 *   figure of a kernel session also carries the whole plotly.js library (read from the pinned npm
 *   package `plotly.js-dist-min@3.7.0`, about 4.8 MB), later figures only their own spec; their
 *   script waits until `window.Plotly` exists, so the order in which outputs load does not matter.
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
import { checkMatrix, Matrix } from "../tensor.ts";
import type { EpochRecord, StepRecord } from "../train.ts";
import {
  escapeHtml,
  fingerprint,
  JUPYTER_DISPLAY,
  type MimeBundle,
  scriptJson,
} from "./jupyter.ts";

/** The pinned plotly.js release embedded in notebook outputs. */
export const PLOTLY_VERSION = "3.7.0";

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
// Session state: whether this kernel has sent the library yet, and the id counters.

const session = {
  /** Whether an output of this kernel session already carries plotly.js. */
  libraryEmbedded: false,
  /** The next figure element number. */
  nextPlot: 1,
};

/**
 * Forgets that plotly.js was sent and restarts the element counter, as a fresh kernel would: the next
 * figure carries the library again. Tests call it for a known starting point; in a notebook, call
 * it after reloading the page without restarting the kernel (or display {@linkcode plotlyLibrary}).
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { lineChart, resetDisplayState } from "./plot.ts";
 * resetDisplayState();
 * const html = lineChart({ loss: [3, 2] }).toHtml();
 * assert(html.includes('id="mnlm-plot-1-'));
 * ```
 */
export function resetDisplayState(): void {
  session.libraryEmbedded = false;
  session.nextPlot = 1;
}

/** Whether an output of this kernel session has carried plotly.js (see {@linkcode figureHtml}). */
export function plotlyEmbedded(): boolean {
  return session.libraryEmbedded;
}

// ---------------------------------------------------------------------------------------------
// The library, read once from the npm package.

let librarySource: string | null = null;

/**
 * The text of `plotly.min.js` from the npm package `plotly.js-dist-min@3.7.0`, read once and
 * kept. Needs the package installed (`deno install`, or any run that resolves the import map)
 * and permission to read it (`--allow-read`; the Jupyter kernel allows everything).
 *
 * @returns the library's JavaScript source
 * @throws Error naming the package and what to do when the file cannot be read
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { plotlySource } from "./plot.ts";
 * assert(plotlySource().includes("plotly.js v3.7.0"));
 * ```
 */
export function plotlySource(): string {
  if (librarySource !== null) return librarySource;
  const problems: string[] = [];
  // The exact file of the pinned release first; then the import-map entry, in case a project
  // maps "plotly.js-dist-min" to a local copy.
  for (
    const specifier of [
      `npm:plotly.js-dist-min@${PLOTLY_VERSION}/plotly.min.js`,
      "plotly.js-dist-min",
    ]
  ) {
    let url: string;
    try {
      url = import.meta.resolve(specifier);
    } catch (e) {
      problems.push(`${specifier}: ${(e as Error).message}`);
      continue;
    }
    if (!url.startsWith("file:")) {
      problems.push(`${specifier} resolved to ${url}, not a local file`);
      continue;
    }
    try {
      librarySource = Deno.readTextFileSync(new URL(url));
      return librarySource;
    } catch (e) {
      problems.push(`${url}: ${(e as Error).message}`);
    }
  }
  throw new Error(
    `plotly.js: cannot read plotly.min.js of npm:plotly.js-dist-min@${PLOTLY_VERSION} ` +
      `(run \`deno install\` in the project and allow reading files): ${problems.join("; ")}`,
  );
}

/** A `<script>` element with the library, or a visible note saying why there is none. */
function libraryHtml(): string {
  let source: string;
  try {
    source = plotlySource();
  } catch (e) {
    return `<div class="mnlm-plot-error" style="color:#b00;font:12px sans-serif">` +
      `${escapeHtml((e as Error).message)}</div>\n`;
  }
  session.libraryEmbedded = true;
  // `</script` inside the text would end the element early; `<\/` means the same in JavaScript.
  const safe = source.replace(/<\/(script)/gi, "<\\/$1");
  return `<script type="text/javascript">/* plotly.js ${PLOTLY_VERSION}, embedded once per ` +
    `kernel session (offline, no CDN) */\n${safe}\n</script>\n`;
}

/**
 * A displayable that always carries plotly.js. Figures embed the library by themselves, in the
 * first figure of a kernel session; display this when the page lost it (reloaded without a
 * kernel restart) or to load it up front in a notebook's first cell.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { plotlyLibrary } from "./plot.ts";
 * import { JUPYTER_DISPLAY } from "./jupyter.ts";
 * const bundle = plotlyLibrary()[JUPYTER_DISPLAY]();
 * assert(bundle["text/html"]!.startsWith("<script"));
 * assert(bundle["text/plain"].includes("3.7.0"));
 * ```
 */
export function plotlyLibrary(): { [JUPYTER_DISPLAY](): MimeBundle } {
  return {
    [JUPYTER_DISPLAY]: () => ({
      "text/plain": `plotly.js ${PLOTLY_VERSION} (loaded into the notebook page)`,
      "text/html": libraryHtml(),
    }),
  };
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
 * import { plotlyText } from "./plot.ts";
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

function numbersOf(fn: string, arg: string, values: unknown): number[] {
  if (
    values === null || typeof values !== "object" ||
    typeof (values as ArrayLike<number>).length !== "number"
  ) {
    throw argError(fn, arg, "an array of numbers", describeValue(values), TypeError);
  }
  const list = values as ArrayLike<unknown>;
  const out: number[] = [];
  for (let i = 0; i < list.length; i++) {
    if (typeof list[i] !== "number") {
      throw argError(fn, `${arg}[${i}]`, "a number", describeValue(list[i]), TypeError);
    }
    out.push(list[i] as number);
  }
  return out;
}

function labelsOf(fn: string, arg: string, labels: unknown, length: number): string[] {
  if (!Array.isArray(labels)) {
    throw argError(fn, arg, "an array of strings", describeValue(labels), TypeError);
  }
  if (labels.length !== length) {
    throw argError(fn, arg, `${length} labels`, `${labels.length}`);
  }
  return labels.map((label, i) => {
    if (typeof label !== "string") {
      throw argError(fn, `${arg}[${i}]`, "a string", describeValue(label), TypeError);
    }
    return plotlyText(label);
  });
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** Options every builder takes. */
export interface FigureOptions {
  /** Title above the plot. */
  title?: string;
  /** Title of the horizontal axis. */
  xTitle?: string;
  /** Title of the vertical axis. */
  yTitle?: string;
  /** Height in pixels (default 420). */
  height?: number;
}

function baseLayout(
  options: FigureOptions,
  defaults: FigureOptions,
): Layout & { xaxis: Axis; yaxis: Axis } {
  const title = options.title ?? defaults.title;
  const xTitle = options.xTitle ?? defaults.xTitle;
  const yTitle = options.yTitle ?? defaults.yTitle;
  const layout: Layout & { xaxis: Axis; yaxis: Axis } = {
    height: options.height ?? 420,
    margin: { l: 60, r: 20, t: title ? 50 : 20, b: 50 },
    xaxis: xTitle ? { title: { text: plotlyText(xTitle) } } : {},
    yaxis: yTitle ? { title: { text: plotlyText(yTitle) } } : {},
  };
  if (title) layout.title = { text: plotlyText(title) };
  return layout;
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
 * import { Figure } from "./plot.ts";
 * const fig = new Figure([{ type: "scatter", x: [0, 1], y: [2, NaN] }], { title: { text: "t" } });
 * assertEquals(fig.toJSON().data[0].y, [2, null]); // NaN is a gap: JSON null
 * assertEquals(fig.title, "t");
 * ```
 */
export class Figure {
  readonly #spec: PlotlySpec;

  /**
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
   * import { lineChart } from "./plot.ts";
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
   * import { lineChart } from "./plot.ts";
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
 * import { figureHtml, lineChart, resetDisplayState } from "./plot.ts";
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
  const id = `mnlm-plot-${session.nextPlot++}-${fingerprint(specJson)}`;
  const height = typeof spec.layout.height === "number" ? spec.layout.height : 420;
  const embed = library === "always" || (library === "once" && !session.libraryEmbedded);
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
 * import { barChart, figureBundle } from "./plot.ts";
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

// ---------------------------------------------------------------------------------------------
// Builders.

/** The records {@linkcode lossCurves} reads: a `History` from `train`, or any subset of it. */
export interface LossHistory {
  /** One record per update: its number, epoch and minibatch loss. */
  steps: readonly Pick<StepRecord, "step" | "epoch" | "loss">[];
  /** One record per epoch: its mean training loss and the validation loss (`NaN`: none). */
  epochs: readonly Pick<EpochRecord, "epoch" | "trainLoss" | "validLoss">[];
}

/** Options of {@linkcode lossCurves}. */
export interface LossCurveOptions extends FigureOptions {
  /** Logarithmic loss axis (default false). */
  logY?: boolean;
}

/**
 * Training curves: the loss of every minibatch (a thin line: noisy, since each batch is small),
 * the mean training loss of each epoch, and the validation loss of each epoch (left out when
 * every one is `NaN`, as `train` records a run without validation data). Epoch points sit at the
 * last update of their epoch, so all three share the axis "update step"; a history without step
 * records is drawn against the epoch number instead.
 *
 * @param history `train(...).history`, or `{ steps, epochs }` built by hand
 * @param options title (default "Training loss"), axis titles, `logY`
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { lossCurves } from "./plot.ts";
 * const fig = lossCurves({
 *   steps: [
 *     { step: 1, epoch: 1, loss: 3.0 },
 *     { step: 2, epoch: 1, loss: 2.0 },
 *     { step: 3, epoch: 2, loss: 1.5 },
 *   ],
 *   epochs: [
 *     { epoch: 1, trainLoss: 2.5, validLoss: 2.7 },
 *     { epoch: 2, trainLoss: 1.5, validLoss: 2.0 },
 *   ],
 * });
 * const [steps, train, valid] = fig.data;
 * assertEquals(steps.y, [3, 2, 1.5]);
 * assertEquals(train.x, [2, 3]); // epoch 1 ended at update 2, epoch 2 at update 3
 * assertEquals(valid.y, [2.7, 2]);
 * ```
 */
export function lossCurves(history: LossHistory, options: LossCurveOptions = {}): Figure {
  const fn = "lossCurves";
  if (
    history === null || typeof history !== "object" || !Array.isArray(history.steps) ||
    !Array.isArray(history.epochs)
  ) {
    throw argError(
      fn,
      "history",
      "{ steps: StepRecord[], epochs: EpochRecord[] } (train(...).history)",
      describeValue(history),
      TypeError,
    );
  }
  const { steps, epochs } = history;
  const byStep = steps.length > 0;
  // Where each epoch ended, in updates: the largest step number recorded in it.
  const lastStep = new Map<number, number>();
  for (const s of steps) {
    lastStep.set(s.epoch, Math.max(lastStep.get(s.epoch) ?? -Infinity, s.step));
  }
  const epochX = epochs.map((e) => byStep ? (lastStep.get(e.epoch) ?? NaN) : e.epoch);

  const traces: Trace[] = [];
  if (byStep) {
    traces.push({
      type: "scatter",
      mode: "lines",
      name: "train loss (each update)",
      x: steps.map((s) => s.step),
      y: steps.map((s) => s.loss),
      line: { width: 1, color: "rgba(31, 119, 180, 0.35)" },
    });
  }
  traces.push({
    type: "scatter",
    mode: "lines+markers",
    name: "train loss (epoch mean)",
    x: epochX,
    y: epochs.map((e) => e.trainLoss),
    line: { color: "rgb(31, 119, 180)" },
  });
  if (epochs.some((e) => Number.isFinite(e.validLoss))) {
    traces.push({
      type: "scatter",
      mode: "lines+markers",
      name: "valid loss",
      x: epochX,
      y: epochs.map((e) => e.validLoss),
      line: { color: "rgb(214, 39, 40)" },
    });
  }
  const layout = baseLayout(options, {
    title: "Training loss",
    xTitle: byStep ? "update step" : "epoch",
    yTitle: "cross-entropy (nats per word)",
  });
  if (options.logY) layout.yaxis.type = "log";
  return new Figure(traces, layout);
}

/** One line of {@linkcode lineChart}: a name, the values, and optionally their x positions. */
export interface LineSeries {
  /** Legend entry. */
  name: string;
  /** The values (`NaN`: a gap). */
  y: ArrayLike<number>;
  /** Positions on the x axis (default `0, 1, 2, …`), as many as `y`. */
  x?: ArrayLike<number>;
}

/** Options of {@linkcode lineChart}. */
export interface LineChartOptions extends FigureOptions {
  /** Logarithmic y axis (default false). */
  logY?: boolean;
  /** Draw a marker at each point as well (default: only for series of at most 50 points). */
  markers?: boolean;
}

/**
 * Line chart of one or more series: `{ name: values }`, or a list of {@linkcode LineSeries} for
 * explicit x positions.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { lineChart } from "./plot.ts";
 * const fig = lineChart({ train: [3, 2], valid: [3.5, 2.5] }, { title: "Perplexity" });
 * assertEquals(fig.data.map((t) => t.name), ["train", "valid"]);
 * assertEquals(fig.data[1].x, [0, 1]);
 * const byEpoch = lineChart([{ name: "ppl", x: [1, 2, 3], y: [40, 30, 25] }]);
 * assertEquals(byEpoch.data[0].x, [1, 2, 3]);
 * ```
 */
export function lineChart(
  series: Readonly<Record<string, ArrayLike<number>>> | readonly LineSeries[],
  options: LineChartOptions = {},
): Figure {
  const fn = "lineChart";
  if (series === null || typeof series !== "object") {
    throw argError(
      fn,
      "series",
      "{ name: values } or [{ name, y, x? }]",
      describeValue(series),
      TypeError,
    );
  }
  const list: LineSeries[] = Array.isArray(series)
    ? [...series]
    : Object.entries(series).map(([name, y]) => ({ name, y }));
  const traces = list.map((s, k): Trace => {
    if (s === null || typeof s !== "object" || typeof s.name !== "string") {
      throw argError(fn, `series[${k}]`, "{ name: string, y, x? }", describeValue(s), TypeError);
    }
    const y = numbersOf(fn, `series[${k}].y`, s.y);
    const x = s.x === undefined ? range(y.length) : numbersOf(fn, `series[${k}].x`, s.x);
    if (x.length !== y.length) {
      throw argError(fn, `series[${k}].x`, `${y.length} positions (one per value)`, `${x.length}`);
    }
    const markers = options.markers ?? y.length <= 50;
    return {
      type: "scatter",
      mode: markers ? "lines+markers" : "lines",
      name: plotlyText(s.name),
      x,
      y,
    };
  });
  const layout = baseLayout(options, {});
  if (options.logY) layout.yaxis.type = "log";
  return new Figure(traces, layout);
}

/**
 * The diverging colour scale of heatmaps and matrix tables: red for negative entries, white at
 * 0, blue for positive ones (plotly's own `"RdBu"` runs the other way, through grey).
 */
export const DIVERGING_SCALE: readonly (readonly [number, string])[] = Object.freeze(
  [
    [0, "rgb(178, 24, 43)"],
    [0.5, "rgb(247, 247, 247)"],
    [1, "rgb(33, 102, 172)"],
  ] as const,
);

/** Options of {@linkcode heatmap}. */
export interface HeatmapOptions extends FigureOptions {
  /** One label per column (default: the column numbers). */
  xLabels?: readonly string[];
  /** One label per row (default: the row numbers). */
  yLabels?: readonly string[];
  /**
   * Colour scale: `"diverging"` (red below 0, blue above, white at 0: for weights and
   * gradients) or `"sequential"` (for probabilities and counts). Default: diverging when the
   * matrix has entries of both signs.
   */
  colors?: "diverging" | "sequential";
}

/**
 * Heatmap of a matrix, drawn as it is printed: row 0 at the top, column 0 on the left. Labels go
 * on the ticks of numeric axes (so two equal words stay two rows); non-finite entries are gaps.
 *
 * @param m the matrix, `[rows, cols]`
 * @param options title, axis titles, `xLabels` (`cols` of them), `yLabels` (`rows`), `colors`
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { heatmap } from "./plot.ts";
 * import { matrix } from "../tensor.ts";
 * const fig = heatmap(matrix([[1, -2], [3, 4]]), { yLabels: ["the", "<unk>"] });
 * assertEquals(fig.data[0].z, [[1, -2], [3, 4]]);
 * assertEquals(fig.layout.yaxis?.ticktext, ["the", "&lt;unk&gt;"]);
 * assertEquals(fig.data[0].zmid, 0); // both signs: diverging scale centred on 0
 * ```
 */
export function heatmap(m: Matrix, options: HeatmapOptions = {}): Figure {
  const fn = "heatmap";
  checkMatrix(fn, "m", m);
  const z = m.toArrays();
  let negative = false, positive = false;
  for (let k = 0; k < m.data.length; k++) {
    if (m.data[k] < 0) negative = true;
    if (m.data[k] > 0) positive = true;
  }
  const colors = options.colors ?? (negative && positive ? "diverging" : "sequential");
  if (colors !== "diverging" && colors !== "sequential") {
    throw argError(fn, "options.colors", '"diverging" or "sequential"', describeValue(colors));
  }
  const trace: Trace = {
    type: "heatmap",
    x: range(m.cols),
    y: range(m.rows),
    z,
    colorscale: colors === "diverging" ? DIVERGING_SCALE : "Viridis",
    hovertemplate: "row %{y}, column %{x}: %{z:.4g}<extra></extra>",
  };
  if (colors === "diverging") trace.zmid = 0;
  const layout = baseLayout(options, { xTitle: "column", yTitle: "row" });
  const { xaxis, yaxis } = layout;
  yaxis.autorange = "reversed";
  if (options.xLabels !== undefined) {
    xaxis.tickvals = range(m.cols);
    xaxis.ticktext = labelsOf(fn, "options.xLabels", options.xLabels, m.cols);
  }
  if (options.yLabels !== undefined) {
    yaxis.tickvals = range(m.rows);
    yaxis.ticktext = labelsOf(fn, "options.yLabels", options.yLabels, m.rows);
  }
  return new Figure([trace], layout);
}

/** Bin edges and counts, as {@linkcode histogramCounts} returns them. */
export interface HistogramCounts {
  /** `bins + 1` edges, from the smallest value to the largest. */
  edges: number[];
  /** `bins` counts; bin `k` holds `edges[k] <= v < edges[k + 1]`, the last one `v <= max` too. */
  counts: number[];
  /** How many values were left out for being `NaN` or infinite. */
  skipped: number;
}

/**
 * Counts values into `bins` equal-width bins between the smallest and the largest finite value:
 * with `w = (max − min) / bins`, value `v` goes to bin `floor((v − min) / w)`, and `max` to the
 * last bin. When every value is the same, there is one bin of width 1 centred on it.
 *
 * @param values the numbers (or a matrix: all its entries)
 * @param bins number of bins (integer >= 1)
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { histogramCounts } from "./plot.ts";
 * // min 0, max 4, w = 2: [0, 2) holds 0, 1, 1.5; [2, 4] holds 2, 4
 * assertEquals(histogramCounts([0, 1, 1.5, 2, 4, NaN], 2), {
 *   edges: [0, 2, 4],
 *   counts: [3, 2],
 *   skipped: 1,
 * });
 * ```
 */
export function histogramCounts(values: ArrayLike<number> | Matrix, bins: number): HistogramCounts {
  const fn = "histogramCounts";
  const all = values instanceof Matrix ? Array.from(values.data) : numbersOf(fn, "values", values);
  if (!Number.isInteger(bins) || bins < 1) {
    throw argError(fn, "bins", "an integer >= 1", describeValue(bins));
  }
  const finite = all.filter((v) => Number.isFinite(v));
  if (finite.length === 0) {
    throw argError(fn, "values", "at least one finite number", `${all.length} values, none finite`);
  }
  let min = Infinity, max = -Infinity;
  for (const v of finite) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const skipped = all.length - finite.length;
  if (min === max) return { edges: [min - 0.5, min + 0.5], counts: [finite.length], skipped };
  const width = (max - min) / bins;
  const edges = range(bins + 1).map((k) => (k === bins ? max : min + k * width));
  const counts = new Array<number>(bins).fill(0);
  for (const v of finite) {
    // Rounding can put max (or a value a hair below an edge) one bin too far: clamp.
    const k = Math.min(bins - 1, Math.floor((v - min) / width));
    counts[k]++;
  }
  return { edges, counts, skipped };
}

/** Options of {@linkcode histogram}. */
export interface HistogramOptions extends FigureOptions {
  /** Number of equal-width bins (default 30). */
  bins?: number;
}

/**
 * Histogram of numbers (or of all entries of a matrix: weights, activations, gradients), binned
 * here by {@linkcode histogramCounts} so that a million weights make a spec of `bins` bars.
 * Values that are `NaN` or infinite are left out, and the title says how many.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { histogram } from "./plot.ts";
 * const fig = histogram([0, 1, 1.5, 2, 4], { bins: 2, title: "values" });
 * assertEquals(fig.data[0].x, [1, 3]); // bin centres
 * assertEquals(fig.data[0].y, [3, 2]);
 * assertEquals(fig.data[0].width, 2);
 * ```
 */
export function histogram(
  values: ArrayLike<number> | Matrix,
  options: HistogramOptions = {},
): Figure {
  const { edges, counts, skipped } = histogramCounts(values, options.bins ?? 30);
  const bins = counts.length;
  const centres = range(bins).map((k) => (edges[k] + edges[k + 1]) / 2);
  const trace: Trace = {
    type: "bar",
    name: "count",
    x: centres,
    y: counts,
    width: edges[1] - edges[0],
    customdata: range(bins).map((k) => [edges[k], edges[k + 1]]),
    hovertemplate: "[%{customdata[0]:.4g}, %{customdata[1]:.4g}): %{y}<extra></extra>",
    marker: { color: "rgb(31, 119, 180)", line: { width: 0 } },
  };
  const note = skipped > 0 ? ` (${skipped} non-finite values left out)` : "";
  const title = options.title ?? (note ? "Histogram" : undefined);
  const layout = baseLayout({ ...options, title: title && title + note }, { yTitle: "count" });
  layout.bargap = 0;
  return new Figure([trace], layout);
}

/** Options of {@linkcode barChart}. */
export interface BarChartOptions extends FigureOptions {
  /** Bars along the y axis, first label at the top: easier to read for long words. */
  horizontal?: boolean;
}

/**
 * Bar chart of labelled values, in the order given: for example the most probable next words
 * and their probabilities. Labels are ticks of a numeric axis, so two equal labels stay two bars.
 *
 * @param labels one label per bar
 * @param values one finite number per bar
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { barChart } from "./plot.ts";
 * const fig = barChart(["cat", "</s>"], [0.6, 0.4], { title: "P(next | the)" });
 * assertEquals(fig.data[0].y, [0.6, 0.4]);
 * assertEquals(fig.layout.xaxis?.ticktext, ["cat", "&lt;/s&gt;"]);
 * ```
 */
export function barChart(
  labels: readonly string[],
  values: ArrayLike<number>,
  options: BarChartOptions = {},
): Figure {
  const fn = "barChart";
  const heights = numbersOf(fn, "values", values);
  const ticks = labelsOf(fn, "labels", labels, heights.length);
  heights.forEach((v, i) => {
    if (!Number.isFinite(v)) throw argError(fn, `values[${i}]`, "a finite number", `${v}`);
  });
  const positions = range(heights.length);
  const horizontal = options.horizontal ?? false;
  const trace: Trace = horizontal
    ? { type: "bar", orientation: "h", x: heights, y: positions, customdata: ticks }
    : { type: "bar", x: positions, y: heights, customdata: ticks };
  trace.hovertemplate = horizontal
    ? "%{customdata}: %{x:.4g}<extra></extra>"
    : "%{customdata}: %{y:.4g}<extra></extra>";
  trace.marker = { color: "rgb(31, 119, 180)" };
  const layout = baseLayout(options, {});
  const labelAxis = horizontal ? layout.yaxis : layout.xaxis;
  labelAxis.tickvals = positions;
  labelAxis.ticktext = ticks;
  if (horizontal) labelAxis.autorange = "reversed";
  return new Figure([trace], layout);
}

/** One point of {@linkcode scatter}. */
export interface ScatterPoint {
  /** Horizontal position. */
  x: number;
  /** Vertical position. */
  y: number;
  /** Text beside the point (a word). */
  label?: string;
  /** Points of one group share a colour and a legend entry. */
  group?: string;
}

/** Options of {@linkcode scatter}. */
export interface ScatterOptions extends FigureOptions {
  /** Write each label beside its point (default: when there are at most 100 points). */
  showLabels?: boolean;
}

/**
 * Scatter plot of labelled points: a 2-D projection of word embeddings, where words used alike
 * should land near each other. Labels always show on hover; beside the points only when there
 * are few. With `group`s, one trace (colour, legend entry) per group, in order of first
 * appearance.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { scatter } from "./plot.ts";
 * const fig = scatter([
 *   { x: 0, y: 1, label: "cat", group: "noun" },
 *   { x: 2, y: 3, label: "ran", group: "verb" },
 *   { x: 4, y: 5, label: "dog", group: "noun" },
 * ]);
 * assertEquals(fig.data.map((t) => t.name), ["noun", "verb"]);
 * assertEquals(fig.data[0].x, [0, 4]);
 * assertEquals(fig.data[0].text, ["cat", "dog"]);
 * ```
 */
export function scatter(points: readonly ScatterPoint[], options: ScatterOptions = {}): Figure {
  const fn = "scatter";
  if (!Array.isArray(points)) {
    throw argError(fn, "points", "an array of { x, y, label? }", describeValue(points), TypeError);
  }
  const groups = new Map<string, ScatterPoint[]>();
  points.forEach((p, i) => {
    if (p === null || typeof p !== "object") {
      throw argError(fn, `points[${i}]`, "{ x, y, label? }", describeValue(p), TypeError);
    }
    for (const axis of ["x", "y"] as const) {
      if (typeof p[axis] !== "number" || !Number.isFinite(p[axis])) {
        throw argError(fn, `points[${i}].${axis}`, "a finite number", describeValue(p[axis]));
      }
    }
    if (p.label !== undefined && typeof p.label !== "string") {
      throw argError(fn, `points[${i}].label`, "a string", describeValue(p.label), TypeError);
    }
    const group = p.group === undefined ? "" : String(p.group);
    if (!groups.has(group)) groups.set(group, []);
    groups.get(group)!.push(p);
  });
  const showLabels = options.showLabels ?? points.length <= 100;
  const traces = [...groups].map(([group, members]): Trace => {
    const trace: Trace = {
      type: "scatter",
      mode: showLabels ? "markers+text" : "markers",
      x: members.map((p) => p.x),
      y: members.map((p) => p.y),
      text: members.map((p) => plotlyText(p.label ?? "")),
      textposition: "top center",
      hovertemplate: "%{text} (%{x:.3g}, %{y:.3g})<extra></extra>",
    };
    if (group !== "") trace.name = plotlyText(group);
    return trace;
  });
  const layout = baseLayout(options, {});
  layout.showlegend = groups.size > 1 || !groups.has("");
  return new Figure(traces, layout);
}
