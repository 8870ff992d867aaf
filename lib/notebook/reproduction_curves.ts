/**
 * The learning curves of the reproduction on Brown, drawn for notebook 06 from what
 * `deno task reproduce` wrote to `data/reproduction.json` (read by `readReproduction` of
 * `reproduction.ts`): perplexity after each epoch, and the learning rate that the plateau
 * schedule set for each epoch.
 *
 * @module
 */

import { lineChart } from "./charts.ts";
import { Figure } from "./figure.ts";
import { type Reproduction, REPRODUCTION_NETWORKS } from "./reproduction.ts";

const COLOURS = ["rgb(31, 119, 180)", "rgb(44, 160, 44)"];

/** The colour of a network's traces: one per network, in `REPRODUCTION_NETWORKS` order. */
function colourOf(traceName: string): string {
  const network = REPRODUCTION_NETWORKS.findIndex((n) => traceName.startsWith(`${n}:`));
  return COLOURS[Math.max(0, network) % COLOURS.length];
}

/**
 * Training and validation perplexity after each epoch of each network (training dotted,
 * validation solid, one colour per network), with the Kneser–Ney 5-gram's validation perplexity
 * as a dashed grey line for scale.
 *
 * @param repro the reproduction record (`null`: an empty figure that says so)
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { reproductionCurves } from "./reproduction_curves.ts";
 * assertEquals(reproductionCurves(null).data.length, 0);
 * ```
 */
export function reproductionCurves(repro: Reproduction | null): Figure {
  const series: { name: string; x: number[]; y: number[] }[] = [];
  for (const name of REPRODUCTION_NETWORKS) {
    const epochs = repro?.models?.[name]?.epochs ?? [];
    if (epochs.length === 0) continue;
    const x = epochs.map((e) => e.epoch);
    series.push({ name: `${name}: train`, x, y: epochs.map((e) => e.trainPerplexity) });
    series.push({ name: `${name}: valid`, x, y: epochs.map((e) => e.validPerplexity) });
  }
  const lastEpoch = Math.max(1, ...series.map((s) => s.x.at(-1)!));
  const kn5 = repro?.kneserNey?.["5"]?.valid;
  if (kn5 !== undefined && series.length > 0) {
    series.push({ name: "Kneser-Ney 5-gram: valid", x: [1, lastEpoch], y: [kn5, kn5] });
  }
  const curves = lineChart(series, {
    title: series.length > 0
      ? "Learning curves on the Brown corpus (data/reproduction.json)"
      : "Learning curves: no epoch recorded yet (see the status above)",
    xTitle: "epoch",
    yTitle: "perplexity",
  });
  return new Figure(
    curves.data.map((trace) => {
      const name = String(trace.name);
      if (name.startsWith("Kneser")) return { ...trace, line: { color: "grey", dash: "dash" } };
      const dash = name.endsWith("train") ? "dot" : "solid";
      return { ...trace, line: { color: colourOf(name), dash } };
    }),
    curves.layout,
  );
}

/**
 * The learning rate of each epoch of each network (log axis), as the schedule set it: with the
 * plateau schedule a flat line that halves after every epoch whose validation loss did not
 * improve, `lr ← factor · lr`, until it falls below the floor and training stops.
 *
 * @param repro the reproduction record (`null`: an empty figure that says so)
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { learningRateCurves } from "./reproduction_curves.ts";
 * assertEquals(learningRateCurves(null).data.length, 0);
 * ```
 */
export function learningRateCurves(repro: Reproduction | null): Figure {
  const series: { name: string; x: number[]; y: number[] }[] = [];
  for (const name of REPRODUCTION_NETWORKS) {
    const epochs = repro?.models?.[name]?.epochs ?? [];
    if (epochs.length === 0) continue;
    series.push({ name: `${name}: lr`, x: epochs.map((e) => e.epoch), y: epochs.map((e) => e.lr) });
  }
  const chart = lineChart(series, {
    title: series.length > 0
      ? "Learning rate of each epoch (the plateau schedule)"
      : "Learning rate: no epoch recorded yet",
    xTitle: "epoch",
    yTitle: "learning rate (log)",
    logY: true,
  });
  return new Figure(
    chart.data.map((trace) => ({
      ...trace,
      line: { color: colourOf(String(trace.name)), shape: "hv" },
    })),
    chart.layout,
  );
}
