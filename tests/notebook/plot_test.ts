import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertFalse,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import {
  barChart,
  DIVERGING_SCALE,
  Figure,
  figureBundle,
  figureHtml,
  heatmap,
  histogram,
  histogramCounts,
  lineChart,
  lossCurves,
  plotlyEmbedded,
  plotlyLibrary,
  plotlySource,
  plotlyText,
  resetDisplayState,
  scatter,
} from "../../lib/notebook/plot.ts";
import { JUPYTER_DISPLAY } from "../../lib/notebook/jupyter.ts";
import { matrix } from "../../lib/tensor.ts";

const PLOTLY_MIME = "application/vnd.plotly.v1+json";
const LIBRARY_MARK = "plotly.js v3.7.0"; // the banner at the top of plotly.min.js

/** The spec that a figure's drawing script passes to Plotly.newPlot, parsed back. */
function scriptSpec(html: string): { data: unknown[]; layout: unknown; config: unknown } {
  const found = html.match(/spec = (\{.*\}), tries = 0;/);
  assert(found, "no spec in the drawing script");
  return JSON.parse(found[1]);
}

Deno.test("plotlySource reads plotly.min.js 3.7.0 from the npm package, and it sets window.Plotly", () => {
  const source = plotlySource();
  assert(source.includes(LIBRARY_MARK));
  assert(source.length > 1_000_000, `${source.length} characters`);
  // The classic Notebook loads RequireJS; a UMD bundle that called define() from a plain
  // <script> would fail there ("Mismatched anonymous define"). This one sets a global instead.
  assert(source.includes("window.Plotly = Plotly"));
  assertFalse(source.includes("define.amd"));
  assertFalse(/<\/script/i.test(source));
  assertEquals(plotlySource(), source); // cached: the same string
});

Deno.test("a figure bundle: text/plain, text/html and the plotly JSON spec", () => {
  resetDisplayState();
  const fig = lineChart({ loss: [3, 2.5, 2] }, { title: "Loss", xTitle: "step", yTitle: "nats" });
  const bundle = figureBundle(fig);
  assertEquals(Object.keys(bundle).sort(), [PLOTLY_MIME, "text/html", "text/plain"]);
  assertEquals(bundle["text/plain"], 'Figure "Loss": scatter "loss" (3 points)');
  const spec = bundle[PLOTLY_MIME];
  assertEquals(Object.keys(spec).sort(), ["data", "layout"]);
  assertEquals(spec.data, [{
    type: "scatter",
    mode: "lines+markers",
    name: "loss",
    x: [0, 1, 2],
    y: [3, 2.5, 2],
  }]);
  assertEquals(spec.layout.title, { text: "Loss" });
  assertEquals(spec.layout.xaxis, { title: { text: "step" } });
  assertEquals(spec.layout.yaxis, { title: { text: "nats" } });
  // The HTML draws the very same spec.
  const html = bundle["text/html"]!;
  const drawn = scriptSpec(html);
  assertEquals(drawn.data, spec.data);
  assertEquals(drawn.layout, spec.layout);
  assertEquals(drawn.config, { responsive: true, displaylogo: false });
  // The same object displays itself with the same kind of bundle.
  assertEquals(Object.keys(fig[JUPYTER_DISPLAY]()).sort(), [
    PLOTLY_MIME,
    "text/html",
    "text/plain",
  ]);
});

Deno.test("the plotly.js library is embedded in the first figure only, until a reset", () => {
  resetDisplayState();
  assertFalse(plotlyEmbedded());
  const fig = lineChart({ y: [1, 2] });
  const first = figureHtml(fig);
  const second = figureHtml(fig);
  const third = figureBundle(fig)["text/html"]!;
  assert(first.startsWith('<script type="text/javascript">/* plotly.js 3.7.0'));
  assert(first.includes(plotlySource()));
  assert(plotlyEmbedded());
  assertFalse(second.includes(LIBRARY_MARK));
  assertFalse(third.includes(LIBRARY_MARK));
  assert(second.length < 5000, `${second.length} characters`);
  // "never" (live updates) and "always" (plotlyLibrary) override the session flag.
  resetDisplayState();
  assertFalse(figureHtml(fig, "never").includes(LIBRARY_MARK));
  assertFalse(plotlyEmbedded());
  assert(figureHtml(fig).includes(LIBRARY_MARK));
  assert(figureHtml(fig, "always").includes(LIBRARY_MARK));
  const library = plotlyLibrary()[JUPYTER_DISPLAY]();
  assert(library["text/html"]!.includes(LIBRARY_MARK));
  assertStringIncludes(library["text/plain"], "3.7.0");
});

Deno.test("element ids count figures and fingerprint their spec; the script waits for Plotly", () => {
  resetDisplayState();
  const a = figureHtml(lineChart({ y: [1, 2] }), "never");
  const b = figureHtml(lineChart({ y: [1, 2] }), "never");
  const c = figureHtml(lineChart({ y: [1, 3] }), "never");
  const idOf = (html: string) => html.match(/<div id="(mnlm-plot-(\d+)-([0-9a-f]{8}))"/)!;
  assertEquals([idOf(a)[2], idOf(b)[2], idOf(c)[2]], ["1", "2", "3"]);
  assertEquals(idOf(a)[3], idOf(b)[3]); // the same spec
  assert(idOf(a)[3] !== idOf(c)[3]); // another spec
  assertStringIncludes(a, `var id = "${idOf(a)[1]}"`);
  assertStringIncludes(a, "window.Plotly.newPlot(el, spec.data, spec.layout, spec.config)");
  assertStringIncludes(a, "setTimeout(draw, 50)"); // polls until the library has loaded
  assertEquals(a.match(/<\/script>/g)!.length, 1);
});

Deno.test("labels are escaped: for plotly in the spec, for HTML in the page, raw in text/plain", () => {
  resetDisplayState();
  const fig = barChart(["<b>&", "</script>"], [0.5, 0.5], { title: "<b>&" });
  const bundle = figureBundle(fig, "never");
  const spec = bundle[PLOTLY_MIME];
  assertEquals(spec.layout.title, { text: "&lt;b&gt;&amp;" });
  assertEquals(spec.layout.xaxis!.ticktext, ["&lt;b&gt;&amp;", "&lt;/script&gt;"]);
  const html = bundle["text/html"]!;
  assertFalse(html.includes("<b>&"), "raw label in the HTML");
  assertStringIncludes(html, "&lt;b&gt;&amp;: plotly figure"); // the placeholder's title
  assertEquals(html.match(/<\/script>/g)!.length, 1); // only our own closing tag
  assertStringIncludes(html, "\\u0026lt;b\\u0026gt;\\u0026amp;"); // JSON inside the script
  assertEquals(scriptSpec(html).layout, spec.layout);
  assertEquals(bundle["text/plain"], 'Figure "<b>&": bar (2 points)');
  assertEquals(plotlyText("a<b"), "a&lt;b");
});

Deno.test("bundles are reproducible: the same figures after a reset give identical bytes", () => {
  const make = () => {
    resetDisplayState();
    return [
      figureBundle(lineChart({ a: [1, NaN, 3] }, { title: "t" })),
      figureBundle(heatmap(matrix([[1, -1], [0.5, 2]]))),
      figureBundle(scatter([{ x: 0, y: 0, label: "the" }])),
    ].map((b) => JSON.stringify(b));
  };
  const first = make(), second = make();
  assertEquals(first.length, 3);
  for (let k = 0; k < 3; k++) assert(first[k] === second[k], `bundle ${k} differs`);
});

Deno.test("lossCurves: every update, the epoch means at each epoch's last update, validation", () => {
  const history = {
    steps: [
      { step: 1, epoch: 1, loss: 4 },
      { step: 2, epoch: 1, loss: 3 },
      { step: 3, epoch: 2, loss: 2.5 },
      { step: 4, epoch: 2, loss: 1.5 },
    ],
    epochs: [
      { epoch: 1, trainLoss: 3.5, validLoss: 3.8 },
      { epoch: 2, trainLoss: 2, validLoss: 2.9 },
    ],
  };
  const before = structuredClone(history);
  const fig = lossCurves(history, { logY: true });
  assertEquals(history, before);
  assertEquals(fig.data.map((t) => t.name), [
    "train loss (each update)",
    "train loss (epoch mean)",
    "valid loss",
  ]);
  assertEquals(fig.data[0].x, [1, 2, 3, 4]);
  assertEquals(fig.data[0].y, [4, 3, 2.5, 1.5]);
  assertEquals(fig.data[1].x, [2, 4]); // epoch 1 ended at update 2, epoch 2 at update 4
  assertEquals(fig.data[1].y, [3.5, 2]);
  assertEquals(fig.data[2].y, [3.8, 2.9]);
  assertEquals(fig.layout.xaxis, { title: { text: "update step" } });
  assertEquals(fig.layout.yaxis!.type, "log");
  assertEquals(fig.title, "Training loss");
});

Deno.test("lossCurves without validation drops that line; without steps it plots by epoch", () => {
  const noValid = lossCurves({
    steps: [{ step: 1, epoch: 1, loss: 2 }],
    epochs: [{ epoch: 1, trainLoss: 2, validLoss: NaN }],
  });
  assertEquals(noValid.data.length, 2);
  const byEpoch = lossCurves({
    steps: [],
    epochs: [{ epoch: 1, trainLoss: 2, validLoss: 2.2 }, {
      epoch: 2,
      trainLoss: 1,
      validLoss: NaN,
    }],
  });
  assertEquals(byEpoch.data.map((t) => t.name), ["train loss (epoch mean)", "valid loss"]);
  assertEquals(byEpoch.data[0].x, [1, 2]);
  assertEquals(byEpoch.data[1].y, [2.2, null]); // NaN: a gap
  assertEquals(byEpoch.layout.xaxis, { title: { text: "epoch" } });
  assertThrows(
    () => lossCurves({ steps: [] } as never),
    TypeError,
    "lossCurves: history expected { steps",
  );
});

Deno.test("lineChart: named series, explicit x, NaN gaps, typed arrays left untouched", () => {
  const ys = new Float64Array([1, NaN, Infinity]);
  const fig = lineChart({ a: ys, "<b>": [5] }, { logY: true, markers: false });
  assertEquals(Array.from(ys), [1, NaN, Infinity]);
  assertEquals(fig.data[0], {
    type: "scatter",
    mode: "lines",
    name: "a",
    x: [0, 1, 2],
    y: [1, null, null],
  });
  assertEquals(fig.data[1].name, "&lt;b&gt;");
  assertEquals(fig.layout.yaxis, { type: "log" });
  const explicit = lineChart([{ name: "ppl", x: [1, 2], y: [30, 20] }]);
  assertEquals(explicit.data[0].x, [1, 2]);
  assertEquals(explicit.data[0].mode, "lines+markers"); // few points: markers
  assertThrows(
    () => lineChart([{ name: "p", x: [1], y: [1, 2] }]),
    RangeError,
    "lineChart: series[0].x expected 2 positions (one per value), got 1",
  );
  assertThrows(
    () => lineChart({ p: [1, "2"] as never }),
    TypeError,
    'lineChart: series[0].y[1] expected a number, got "2"',
  );
  assertThrows(() => lineChart(null as never), TypeError, "lineChart: series expected");
});

Deno.test("heatmap: rows top to bottom, labels as ticks, a diverging scale centred on 0", () => {
  const m = matrix([[1, -2, 0], [NaN, 4, 5]]);
  const fig = heatmap(m, { xLabels: ["a", "b", "a"], yLabels: ["<s>", "x"], title: "W" });
  const [trace] = fig.data;
  assertEquals(trace.type, "heatmap");
  assertEquals(trace.z, [[1, -2, 0], [null, 4, 5]]);
  assertEquals(trace.x, [0, 1, 2]);
  assertEquals(trace.zmid, 0);
  assertEquals(trace.colorscale, DIVERGING_SCALE);
  assertEquals(fig.layout.yaxis!.autorange, "reversed");
  assertEquals(fig.layout.xaxis!.ticktext, ["a", "b", "a"]); // equal labels stay two columns
  assertEquals(fig.layout.yaxis!.ticktext, ["&lt;s&gt;", "x"]);
  assertEquals(fig.toText(), 'Figure "W": heatmap (2 x 3 cells)');
  const probs = heatmap(matrix([[0.25, 0.75]]));
  assertEquals(probs.data[0].colorscale, "Viridis");
  assertEquals(probs.data[0].zmid, undefined);
  assertThrows(
    () => heatmap(m, { xLabels: ["a"] }),
    RangeError,
    "heatmap: options.xLabels expected 3 labels, got 1",
  );
  assertThrows(() => heatmap([[1]] as never), TypeError, "heatmap: m expected a Matrix");
});

Deno.test("histogramCounts: equal-width bins from min to max, the max in the last bin", () => {
  // min -1, max 3, bins 4 → w = 1, edges -1, 0, 1, 2, 3:
  // -1 → bin 0; -0.5 → 0; 0 → 1; 0.99 → 1; 2 → 3; 3 (max) → 3; NaN, Infinity left out.
  assertEquals(histogramCounts([-1, -0.5, 0, 0.99, 2, 3, NaN, Infinity], 4), {
    edges: [-1, 0, 1, 2, 3],
    counts: [2, 2, 0, 2],
    skipped: 2,
  });
  // One value repeated: one bin of width 1 around it.
  assertEquals(histogramCounts([7, 7], 10), { edges: [6.5, 7.5], counts: [2], skipped: 0 });
  // A matrix counts all its entries.
  assertEquals(histogramCounts(matrix([[0, 1], [1, 1]]), 2).counts, [1, 3]);
  assertThrows(() => histogramCounts([1], 0), RangeError, "bins expected an integer >= 1");
  assertThrows(() => histogramCounts([NaN], 3), RangeError, "at least one finite number");
});

Deno.test("histogram draws the counts as touching bars at the bin centres", () => {
  const fig = histogram([-1, -0.5, 0, 0.99, 2, 3, NaN], { bins: 4 });
  const [bars] = fig.data;
  assertEquals(bars.type, "bar");
  assertEquals(bars.x, [-0.5, 0.5, 1.5, 2.5]);
  assertEquals(bars.y, [2, 2, 0, 2]);
  assertEquals(bars.width, 1);
  assertEquals(bars.customdata, [[-1, 0], [0, 1], [1, 2], [2, 3]]);
  assertEquals(fig.layout.bargap, 0);
  assertEquals(fig.title, "Histogram (1 non-finite values left out)");
  const many = histogram(Array.from({ length: 1000 }, (_, i) => i / 999));
  assertEquals(many.data[0].y!.length, 30); // default bins
  assertAlmostEquals(many.data[0].width as number, 1 / 30, 1e-12);
});

Deno.test("barChart: labels on ticks in the given order; horizontal puts the first on top", () => {
  const fig = barChart(["the", "a", "the"], [0.5, 0.3, 0.2]);
  assertEquals(fig.data[0].x, [0, 1, 2]);
  assertEquals(fig.data[0].y, [0.5, 0.3, 0.2]);
  assertEquals(fig.layout.xaxis!.tickvals, [0, 1, 2]);
  assertEquals(fig.layout.xaxis!.ticktext, ["the", "a", "the"]);
  const h = barChart(["x", "y"], new Float64Array([1, 2]), { horizontal: true });
  assertEquals(h.data[0].orientation, "h");
  assertEquals(h.data[0].x, [1, 2]);
  assertEquals(h.layout.yaxis!.autorange, "reversed");
  assertThrows(
    () => barChart(["x"], [1, 2]),
    RangeError,
    "barChart: labels expected 2 labels, got 1",
  );
  assertThrows(
    () => barChart(["x"], [NaN]),
    RangeError,
    "barChart: values[0] expected a finite number",
  );
  assertThrows(
    () => barChart([3] as never, [1]),
    TypeError,
    "barChart: labels[0] expected a string",
  );
});

Deno.test("scatter: one trace per group, labels escaped, text beside points only when few", () => {
  const points = [
    { x: 0, y: 1, label: "<unk>", group: "special" },
    { x: 2, y: 3, label: "cat", group: "noun" },
    { x: 4, y: 5, label: "dog", group: "noun" },
  ];
  const fig = scatter(points, { title: "E projected" });
  assertEquals(fig.data.map((t) => t.name), ["special", "noun"]);
  assertEquals(fig.data[0].text, ["&lt;unk&gt;"]);
  assertEquals(fig.data[1].x, [2, 4]);
  assertEquals(fig.data[1].y, [3, 5]);
  assertEquals(fig.data[1].mode, "markers+text");
  assertEquals(fig.layout.showlegend, true);
  const crowd = scatter(Array.from({ length: 101 }, (_, i) => ({ x: i, y: i, label: `w${i}` })));
  assertEquals(crowd.data.length, 1);
  assertEquals(crowd.data[0].mode, "markers"); // 101 labels would be unreadable: hover only
  assertEquals(crowd.layout.showlegend, false);
  assertThrows(
    () => scatter([{ x: NaN, y: 0 }]),
    RangeError,
    "scatter: points[0].x expected a finite number, got NaN",
  );
});

Deno.test("Figure copies its input to plain JSON and hands out copies", () => {
  const x = new Float32Array([1, 2]);
  const fig = new Figure([{ type: "scatter", x, y: [Infinity, 1] }], { title: { text: "t" } });
  x[0] = 99;
  assertEquals(fig.data[0].x, [1, 2]);
  assertEquals(fig.data[0].y, [null, 1]);
  fig.data[0].x![0] = 5; // changes a copy only
  assertEquals(fig.data[0].x, [1, 2]);
  const log = fig.withLayout({ title: { text: "u" }, yaxis: { type: "log" } });
  assertEquals(log.title, "u");
  assertEquals(fig.title, "t");
  assertEquals(log.layout.yaxis, { type: "log" });
  assertThrows(
    () => new Figure([{ x: [1] } as never]),
    TypeError,
    "Figure: data[0] expected a trace",
  );
  assertThrows(
    () => new Figure({} as never),
    TypeError,
    "Figure: data expected an array of traces",
  );
  assertThrows(() => figureHtml({} as never), TypeError, "figureHtml: fig expected a Figure");
});

Deno.test("without read permission the figure still displays, with a note instead of the library", async () => {
  // A fresh process that may not read files: the library cannot be loaded, the figure's HTML says
  // why, and the session flag stays unset so a later figure tries again.
  const dir = await Deno.makeTempDir();
  try {
    const script = `${dir}/probe.ts`;
    const plot = new URL("../../lib/notebook/plot.ts", import.meta.url).href;
    await Deno.writeTextFile(
      script,
      `import { figureHtml, lineChart, plotlyEmbedded } from "${plot}";\n` +
        `const html = figureHtml(lineChart({ y: [1] }));\n` +
        `console.log(JSON.stringify({ note: html.includes("mnlm-plot-error"), ` +
        `div: html.includes('<div id="mnlm-plot-1-'), embedded: plotlyEmbedded() }));\n`,
    );
    const config = new URL("../../deno.json", import.meta.url).pathname;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-prompt", "--no-lock", "--config", config, script],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert(out.success, stderr);
    assertEquals(JSON.parse(new TextDecoder().decode(out.stdout)), {
      note: true,
      div: true,
      embedded: false,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
