import { assert, assertEquals, assertFalse, assertStringIncludes, assertThrows } from "@std/assert";
import { displayBundle, MatrixView, matrixView } from "../../lib/notebook/display.ts";
import { JUPYTER_DISPLAY } from "../../lib/notebook/jupyter.ts";
import { resetDisplayState } from "../../lib/notebook/plotly.ts";
import { clone, inspect, Matrix, matrix, zeros } from "../../lib/tensor.ts";

/** A `rows x cols` matrix whose entry (i, j) is `i * 100 + j`, so each cell names itself. */
function numbered(rows: number, cols: number): Matrix {
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[i * cols + j] = i * 100 + j;
  return new Matrix(rows, cols, data);
}

/** The row headers of a table (`<tr><th>i</th>` in the body), in order. */
function rowHeaders(html: string): string[] {
  const body = html.slice(html.indexOf("<tbody>"));
  return [...body.matchAll(/<tr><th[^>]*>([^<]*)<\/th>/g)].map((m) => m[1]);
}

/** The column headers of a table (the `<thead>` cells after the corner). */
function colHeaders(html: string): string[] {
  const head = html.match(/<thead>(.*)<\/thead>/)![1];
  return [...head.matchAll(/<th[^>]*>([^<]*)<\/th>/g)].map((m) => m[1]).slice(1);
}

Deno.test("a small matrix: header with shape and statistics, every entry in a table", () => {
  const m = matrix([[1, -2], [3, 4], [0.5, 0]]);
  const before = clone(m);
  const bundle = displayBundle(m);
  assertEquals(m.data, before.data); // untouched
  assertEquals(Object.keys(bundle).sort(), ["text/html", "text/plain"]);
  assertEquals(bundle["text/plain"], inspect(m));
  const html = bundle["text/html"]!;
  // stats: min -2, max 4, mean (1 - 2 + 3 + 4 + 0.5 + 0) / 6 = 6.5 / 6 = 1.0833…
  assertStringIncludes(html, "Matrix [3, 2] float64 · min -2 · mean 1.0833 · max 4 · std ");
  assertEquals(rowHeaders(html), ["0", "1", "2"]);
  assertEquals(colHeaders(html), ["0", "1"]);
  assertEquals(html.match(/<td/g)!.length, 6);
  assertStringIncludes(html, 'title="[2, 0] = 0.5"');
  assertStringIncludes(html, ">0.5</td>");
  assertFalse(html.includes("mnlm-plot"));
});

Deno.test("cells are shaded by sign and size relative to the largest |entry|", () => {
  const html = matrixView(matrix([[1, -2], [4, NaN]])).toHtml();
  // max |v| = 4: 1 → alpha 0.6 · 1/4 = 0.15 (blue), -2 → 0.6 · 2/4 = 0.30 (red), 4 → 0.60.
  assertStringIncludes(html, 'background:rgba(33, 102, 172, 0.15)">1</td>');
  assertStringIncludes(html, 'background:rgba(178, 24, 43, 0.30)">-2</td>');
  assertStringIncludes(html, 'background:rgba(33, 102, 172, 0.60)">4</td>');
  assertStringIncludes(html, 'background:rgb(255, 221, 87)">NaN</td>'); // flagged
});

Deno.test("a tall matrix keeps its first and last rows around a ⋮ row", () => {
  const html = matrixView(numbered(20, 3)).toHtml();
  assertEquals(rowHeaders(html), [
    ...["0", "1", "2", "3", "4", "5"],
    "⋮",
    ...["14", "15", "16", "17", "18", "19"],
  ]);
  assertEquals(colHeaders(html), ["0", "1", "2"]);
  assertStringIncludes(html, 'title="[19, 2] = 1902"');
  assertFalse(html.includes('title="[6, 0]'));
});

Deno.test("a wide matrix keeps its first and last columns around a … column", () => {
  const html = matrixView(numbered(2, 30), { maxCols: 5 }).toHtml();
  // 5 columns: the first ceil(5/2) = 3 and the last floor(5/2) = 2.
  assertEquals(colHeaders(html), ["0", "1", "2", "…", "28", "29"]);
  assertStringIncludes(html, 'title="[1, 29] = 129"');
  assertFalse(html.includes('title="[1, 3]'));
  const both = matrixView(numbered(5, 5), { maxRows: 2, maxCols: 2 }).toHtml();
  assertStringIncludes(both, "⋱"); // where the elided row and column cross
});

Deno.test("above 400 entries the values are a plotly heatmap instead of a table", () => {
  resetDisplayState();
  assertEquals(matrixView(zeros(20, 20)).mode, "table");
  const view = matrixView(numbered(21, 20), { label: "E" });
  assertEquals(view.mode, "heatmap");
  const html = view.toHtml();
  assertFalse(html.includes("<table"));
  assertStringIncludes(html, "<b>E</b> Matrix [21, 20] float64");
  assertStringIncludes(html, '<div id="mnlm-plot-1-');
  const spec = JSON.parse(html.match(/spec = (\{.*\}), tries = 0;/)![1]);
  assertEquals(spec.data[0].type, "heatmap");
  assertEquals(spec.data[0].z.length, 21);
  assertEquals(spec.data[0].z[20][19], 2019);
  assertEquals(matrixView(zeros(2, 2), { view: "heatmap" }).mode, "heatmap");
  assertEquals(matrixView(zeros(30, 30), { view: "table" }).mode, "table");
  assertEquals(matrixView(zeros(3, 3), { heatmapAbove: 8 }).mode, "heatmap");
});

Deno.test("a heatmap of a huge matrix shows its leading block and says so", () => {
  resetDisplayState();
  const html = matrixView(numbered(300, 10), { heatmapMax: 50 }).toHtml();
  assertStringIncludes(html, "showing rows 0–49 of 300, columns 0–9 of 10");
  const spec = JSON.parse(html.match(/spec = (\{.*\}), tries = 0;/)![1]);
  assertEquals(spec.data[0].z.length, 50);
  assertEquals(spec.data[0].z[49][9], 4909);
  assertStringIncludes(html, "Matrix [300, 10] float64"); // the header describes the whole
});

Deno.test("the label is escaped in HTML and kept as it is in text/plain", () => {
  const view = matrixView(matrix([[1, 3]]), { label: "<b>&" });
  const bundle = view[JUPYTER_DISPLAY]();
  assertStringIncludes(bundle["text/html"]!, "<b>&lt;b&gt;&amp;</b> Matrix [1, 2]");
  assertFalse(bundle["text/html"]!.includes("<b>&<"));
  // stats of [1, 3]: min 1, mean 2, max 3, std sqrt(((1-2)² + (3-2)²) / 2) = 1
  assertEquals(
    bundle["text/plain"],
    "<b>&: Matrix [1, 2] float64  min 1  mean 2  max 3  std 1  [1, 3]",
  );
  assertEquals(view.toText(), bundle["text/plain"]);
});

Deno.test("table bundles are deterministic and keep the dtype in the header", () => {
  const m = matrix([[0.25, -1]], "float32");
  assertEquals(displayBundle(m), displayBundle(m));
  assertStringIncludes(displayBundle(m)["text/html"]!, "Matrix [1, 2] float32");
});

Deno.test("an empty matrix shows its shape and an empty table", () => {
  const html = matrixView(zeros(0, 3)).toHtml();
  assertStringIncludes(html, "Matrix [0, 3] float64 · min NaN");
  assertEquals(rowHeaders(html), []);
});

Deno.test("matrixView refuses bad options; displayBundle refuses what cannot display", () => {
  const m = zeros(2, 2);
  assertThrows(() => matrixView([[1]] as never), TypeError, "matrixView: m expected a Matrix");
  assertThrows(
    () => matrixView(m, { maxRows: 0 }),
    RangeError,
    "options.maxRows expected an integer >= 1",
  );
  assertThrows(() => matrixView(m, { maxCols: 2.5 }), RangeError, "options.maxCols expected");
  assertThrows(() => matrixView(m, { view: "grid" as never }), RangeError, "options.view expected");
  assertThrows(() => matrixView(m, { heatmapAbove: NaN }), RangeError, "options.heatmapAbove");
  assertThrows(
    () => matrixView(m, { label: 3 as never }),
    TypeError,
    "options.label expected a string",
  );
  assertThrows(() => displayBundle(42), TypeError, "displayBundle: x expected an object with a");
  assert(new MatrixView(m) instanceof MatrixView);
});
