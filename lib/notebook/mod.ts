/**
 * Notebook display for mini-neural-lm: matrix views, plotly figures, live figures and polars
 * tables for the Deno Jupyter kernel.
 *
 * This is a separate entry point from `lib/mod.ts` because it loads nodejs-polars' native
 * add-on and (on the first figure) reads plotly.js from disk: the model library itself needs
 * neither. In a notebook next to the repository:
 *
 * ```ts ignore
 * import { MiniNeuralLM, train } from "../lib/mod.ts";
 * import { historyFrame, lossCurves, matrixView } from "../lib/notebook/mod.ts";
 * ```
 *
 * | module | holds |
 * | --- | --- |
 * | `jupyter.ts` | MIME bundles, the display symbol, `show`, HTML/JSON escaping |
 * | `display.ts` | `matrixView` (header + table or heatmap), `displayBundle` |
 * | `plotly.ts` | plotly.js read once from npm and embedded once per kernel session; `resetDisplayState` |
 * | `figure.ts` | `Figure`, its HTML (`figureHtml`) and MIME bundle (`figureBundle`), `plotlyText` |
 * | `charts.ts` | the builders: `lossCurves`, `lineChart`, `heatmap`, `barChart`, `scatter` |
 * | `live.ts` | `liveFigure`: a figure redrawn in place while training |
 * | `table.ts` | polars DataFrames: `historyFrame`, `vocabularyFrame`, `windowsFrame`; `roundForDisplay` |
 * | `reproduction.ts` | `data/reproduction.json` read for notebook 06: status, Table 1, reductions |
 * | `reproduction_curves.ts` | its learning curves and learning rates |
 * | `performance.ts` | timing for notebook 10: `randomBatches`, `referencePass`/`fastPass`, `timeInterleaved`, `fitLine` |
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { displayBundle, lineChart, resetDisplayState } from "./mod.ts";
 * resetDisplayState();
 * const bundle = displayBundle(lineChart({ loss: [3, 2, 1.5] }, { title: "loss" }));
 * assertEquals(bundle["text/plain"], 'Figure "loss": scatter "loss" (3 points)');
 * ```
 *
 * @module
 */

export * from "./jupyter.ts";
export {
  PLOTLY_VERSION,
  plotlyEmbedded,
  plotlyLibrary,
  plotlySource,
  resetDisplayState,
} from "./plotly.ts";
export * from "./figure.ts";
export * from "./charts.ts";
export * from "./live.ts";
export * from "./display.ts";
export * from "./table.ts";
// Statistics of the model, not displays, kept in lib/health.ts; re-exported for the notebooks.
export * from "../health.ts";
export * from "./reproduction.ts";
export * from "./reproduction_curves.ts";
export * from "./performance.ts";
