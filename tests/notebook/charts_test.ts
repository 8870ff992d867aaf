import { assertEquals, assertThrows } from "@std/assert";
import {
  barChart,
  DIVERGING_SCALE,
  heatmap,
  lineChart,
  lossCurves,
  scatter,
} from "../../lib/notebook/charts.ts";
import { matrix } from "../../lib/tensor.ts";

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
