/**
 * Chart builders for notebooks, each returning a {@linkcode Figure} (`figure.ts`) that displays
 * itself: {@linkcode lossCurves} for training, {@linkcode lineChart}, {@linkcode heatmap} of a
 * matrix, {@linkcode barChart} of labelled values, and {@linkcode scatter} of labelled points.
 *
 * plotly reads the strings of a figure (titles, trace names, tick and point labels) as a small
 * subset of HTML, so a word such as `<unk>` or `<s>` would be taken for a tag. Every string a
 * builder receives is therefore escaped with {@linkcode plotlyText} and shows literally.
 *
 * @module
 */

import { argError, describeValue } from "../errors.ts";
import { checkMatrix, type Matrix } from "../tensor.ts";
import type { EpochRecord, StepRecord } from "../train.ts";
import { type Axis, Figure, type Layout, plotlyText, type Trace } from "./figure.ts";

/** The numbers of an array-like, checked: a `TypeError` naming `fn` and `arg` otherwise. */
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

/** `length` strings, checked and escaped for plotly. */
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

/** `[0, 1, …, n − 1]`. */
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

/** The layout every builder starts from: size, margins, title and axis titles. */
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
 * import { lossCurves } from "./charts.ts";
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
 * import { lineChart } from "./charts.ts";
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
 * import { heatmap } from "./charts.ts";
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
 * import { barChart } from "./charts.ts";
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
 * import { scatter } from "./charts.ts";
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
