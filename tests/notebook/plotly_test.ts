import { assert, assertEquals, assertFalse, assertStringIncludes } from "@std/assert";
import { lineChart } from "../../lib/notebook/charts.ts";
import { figureBundle, figureHtml } from "../../lib/notebook/figure.ts";
import {
  plotlyEmbedded,
  plotlyLibrary,
  plotlySource,
  resetDisplayState,
} from "../../lib/notebook/plotly.ts";
import { JUPYTER_DISPLAY } from "../../lib/notebook/jupyter.ts";

const LIBRARY_MARK = "plotly.js v3.7.0"; // the banner at the top of plotly.min.js

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

Deno.test("without read permission the figure still displays, with a note instead of the library", async () => {
  // A fresh process that may not read files: the library cannot be loaded, the figure's HTML says
  // why, and the session flag stays unset so a later figure tries again.
  const dir = await Deno.makeTempDir();
  try {
    const script = `${dir}/probe.ts`;
    const lib = (file: string) => new URL(`../../lib/notebook/${file}`, import.meta.url).href;
    await Deno.writeTextFile(
      script,
      `import { figureHtml } from "${lib("figure.ts")}";\n` +
        `import { lineChart } from "${lib("charts.ts")}";\n` +
        `import { plotlyEmbedded } from "${lib("plotly.ts")}";\n` +
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
