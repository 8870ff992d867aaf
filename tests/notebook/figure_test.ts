import { assert, assertEquals, assertFalse, assertStringIncludes, assertThrows } from "@std/assert";
import { barChart, heatmap, lineChart, scatter } from "../../lib/notebook/charts.ts";
import { Figure, figureBundle, figureHtml, plotlyText } from "../../lib/notebook/figure.ts";
import { resetDisplayState } from "../../lib/notebook/plotly.ts";
import { JUPYTER_DISPLAY } from "../../lib/notebook/jupyter.ts";
import { matrix } from "../../lib/tensor.ts";

const PLOTLY_MIME = "application/vnd.plotly.v1+json";

/** The spec that a figure's drawing script passes to Plotly.newPlot, parsed back. */
function scriptSpec(html: string): { data: unknown[]; layout: unknown; config: unknown } {
  const found = html.match(/spec = (\{.*\}), tries = 0;/);
  assert(found, "no spec in the drawing script");
  return JSON.parse(found[1]);
}

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
