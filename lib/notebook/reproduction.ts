/**
 * The full reproduction on the Brown corpus, read for notebook 06: what `deno task reproduce`
 * (`tools/reproduce.ts`) writes to `data/reproduction.json`, where each network stands, its
 * learning curves, our perplexities beside Table 1 of Bengio et al. (2003), and the reduction
 * against the best Kneser–Ney model,
 *
 * ```text
 * reduction = (ppl_bestKN − ppl_model) / ppl_bestKN        (test perplexities, in %)
 * ```
 *
 * where the best Kneser–Ney order is the one with the lowest validation perplexity. The file is
 * read as it is: a network still training, or not yet started, is reported as such.
 *
 * @module
 */

import pl from "nodejs-polars";
import { argError, describeValue } from "../errors.ts";
import type { EpochRecord } from "../train.ts";
import type { DataFrame } from "./table.ts";

/** What `tools/reproduce.ts` writes for one network. */
export interface ModelRun {
  /** The model's configuration. */
  config: Record<string, unknown>;
  /** Its number of parameters. */
  parameters: number;
  /** The training options; `epochs` is the most epochs allowed. */
  training: { epochs: number } & Record<string, unknown>;
  /** One record per epoch trained so far. */
  epochs: EpochRecord[];
  /** Whether training has finished (early stopping or the last epoch). */
  done: boolean;
  /** The epoch whose parameters were kept (when done). */
  bestEpoch?: number;
  /** Whether early stopping ended the run (when done). */
  stoppedEarly?: boolean;
  /** Wall-clock seconds of training (when done). */
  seconds?: number;
  /** Validation perplexity of the kept parameters (when done). */
  valid?: number;
  /** Test perplexity of the kept parameters (when done). */
  test?: number;
  /** The mixture with the Kneser–Ney trigram, its weight chosen on validation (when done). */
  mixture?: { weight: number; valid: number; test: number };
}

/** The whole of `data/reproduction.json`. */
export interface Reproduction {
  /** The command that wrote it. */
  command: string;
  /** When it started (ISO 8601). */
  started: string;
  /** When it finished (ISO 8601), absent while it runs. */
  finished?: string;
  /** The machine, in words. */
  machine: string;
  /** Tokens of each part and the vocabulary size. */
  corpus?: { train: number; valid: number; test: number; vocabulary: number };
  /** Kneser–Ney models by order (`"3"`, `"4"`, `"5"`): perplexities and seconds to count. */
  kneserNey?: Record<string, { valid: number; test: number; seconds: number }>;
  /** The networks by name (`canonical`, `mlp9`). */
  models: Record<string, ModelRun>;
  /** The networks mixed with each other, weights fitted on validation by EM (when done). */
  ensembleEM?: FittedMixture;
  /** The networks and the Kneser–Ney trigram and 5-gram mixed, weights fitted by EM (when done). */
  mixtureEM?: FittedMixture;
}

/** A mixture `p = Σ_k λ_k p_k` whose weights EM fitted on validation, as the file keeps it. */
export interface FittedMixture {
  /** The components' names (networks by name, `kn3`, `kn5`). */
  components: string[];
  /** `λ_k` of each component; they sum to 1. */
  weights: Record<string, number>;
  /** Validation perplexity at those weights. */
  valid: number;
  /** Test perplexity at those weights. */
  test: number;
  /** EM iterations run. */
  iterations: number;
  /** Whether EM converged before its iteration limit. */
  converged: boolean;
}

/** A validation and a test perplexity. */
export interface Perplexities {
  /** On the validation part. */
  valid: number;
  /** On the test part. */
  test: number;
}

/**
 * Bengio, Ducharme, Vincent, Jauvin (2003), A Neural Probabilistic Language Model,
 * JMLR 3:1137–1155, Table 1 ("Comparative results on the Brown corpus"): validation and test
 * perplexity of the rows this project compares with.
 */
export const PAPER_TABLE1: Readonly<Record<string, Readonly<Perplexities>>> = Object.freeze({
  /** Kneser–Ney back-off, n = 3. */
  kn3: { valid: 334, test: 323 },
  /** Kneser–Ney back-off, n = 4. */
  kn4: { valid: 332, test: 321 },
  /** Kneser–Ney back-off, n = 5. */
  kn5: { valid: 332, test: 321 },
  /** MLP9: n = 5, h = 100, m = 30, no direct connections, not mixed. */
  mlp9: { valid: 280, test: 276 },
  /** MLP10: MLP9 mixed with the interpolated trigram, weight 0.5 each. */
  mlp10: { valid: 265, test: 252 },
  /** Deleted-interpolation trigram. */
  delInt3: { valid: 352, test: 336 },
  /** Class-based back-off trigram, 500 classes: the paper's best n-gram. */
  classBased3: { valid: 326, test: 312 },
});

/** The networks `deno task reproduce` trains, in the order the notebook shows them. */
export const REPRODUCTION_NETWORKS: readonly string[] = Object.freeze(["canonical", "mlp9"]);

/**
 * Reads a reproduction file; `null` when it does not exist yet.
 *
 * @param path the file (`data/reproduction.json`)
 * @throws {SyntaxError} when the file is not JSON
 * @throws {TypeError} when it has no `models` record
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { readReproduction } from "./reproduction.ts";
 * assertEquals(await readReproduction("./no such file.json"), null);
 * ```
 */
export async function readReproduction(path: string | URL): Promise<Reproduction | null> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
  const repro = JSON.parse(text);
  if (repro === null || typeof repro !== "object" || typeof repro.models !== "object") {
    throw argError(
      "readReproduction",
      String(path),
      "a reproduction record with `models`",
      describeValue(repro),
      TypeError,
    );
  }
  return repro as Reproduction;
}

/**
 * Seconds in words: `20 min` below an hour, else `1 h 5 min`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { formatDuration } from "./reproduction.ts";
 * assertEquals(formatDuration(1182.9), "20 min");
 * assertEquals(formatDuration(3900), "1 h 5 min");
 * ```
 */
export function formatDuration(seconds: number): string {
  if (!(seconds >= 0) || !Number.isFinite(seconds)) {
    throw argError("formatDuration", "seconds", "a finite number >= 0", describeValue(seconds));
  }
  return seconds < 3600
    ? `${Math.round(seconds / 60)} min`
    : `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

/**
 * One line on where a network's training stands: not started, still training (epochs done,
 * latest validation perplexity), or done (best epoch, training time).
 *
 * @param repro the reproduction record (`null`: no file yet)
 * @param name a network, e.g. `"mlp9"`
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { runStatus } from "./reproduction.ts";
 * assertEquals(runStatus(null, "mlp9"), "no record yet: not started, or still in its first epoch");
 * ```
 */
export function runStatus(repro: Reproduction | null, name: string): string {
  const run = repro?.models?.[name];
  if (!run) return "no record yet: not started, or still in its first epoch";
  if (!run.done) {
    const last = run.epochs.at(-1);
    return `still training: ${run.epochs.length} of at most ${run.training.epochs} epochs done` +
      (last ? `, latest valid ppl ${last.validPerplexity.toFixed(1)}` : "");
  }
  return `done: best epoch ${run.bestEpoch} of ${run.epochs.length}, ` +
    formatDuration(run.seconds ?? 0);
}

/**
 * What the file says, in lines: the command, machine, start and end (and the wall-clock time
 * between them), the corpus, and each network's status, size and settings.
 *
 * @param repro the reproduction record (`null`: no file yet)
 * @param vocabSize the notebook's own vocabulary size, to note a difference
 *
 * @example
 * ```ts
 * import { assertStringIncludes } from "@std/assert";
 * import { reproductionSummary } from "./reproduction.ts";
 * assertStringIncludes(reproductionSummary(null), "deno task reproduce");
 * ```
 */
export function reproductionSummary(repro: Reproduction | null, vocabSize?: number): string {
  if (repro === null) {
    return "data/reproduction.json does not exist yet: run `deno task reproduce`.";
  }
  const lines = [
    `command:  ${repro.command}`,
    `machine:  ${repro.machine}`,
    `started:  ${repro.started}`,
    `finished: ${repro.finished ?? "not yet"}`,
  ];
  if (repro.finished) {
    const seconds = (Date.parse(repro.finished) - Date.parse(repro.started)) / 1000;
    if (seconds >= 0) lines.push(`took:     ${formatDuration(seconds)} in all`);
  }
  if (repro.corpus) {
    lines.push(`corpus:   ${JSON.stringify(repro.corpus)}`);
    if (vocabSize !== undefined && repro.corpus.vocabulary !== vocabSize) {
      lines.push(`note: |V| = ${repro.corpus.vocabulary} there, ${vocabSize} here`);
    }
  }
  for (const name of REPRODUCTION_NETWORKS) {
    lines.push(`${name.padEnd(9)} ${runStatus(repro, name)}`);
    const run = repro.models?.[name];
    if (run) {
      lines.push(`          ${run.parameters} parameters, model ${JSON.stringify(run.config)}`);
      lines.push(`          training ${JSON.stringify(run.training)}`);
    }
  }
  return lines.join("\n");
}

/**
 * A finished network's validation and test perplexity, or `undefined` while it trains.
 *
 * @param repro the reproduction record
 * @param name a network, e.g. `"mlp9"`
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { networkPerplexities } from "./reproduction.ts";
 * assertEquals(networkPerplexities(null, "mlp9"), undefined);
 * ```
 */
export function networkPerplexities(
  repro: Reproduction | null,
  name: string,
): Perplexities | undefined {
  const run = repro?.models?.[name];
  return run?.done && run.valid !== undefined && run.test !== undefined
    ? { valid: run.valid, test: run.test }
    : undefined;
}

/**
 * A finished network's mixture with the Kneser–Ney trigram (its weight and perplexities), or
 * `undefined` while it trains.
 *
 * @param repro the reproduction record
 * @param name a network, e.g. `"mlp9"`
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { mixturePerplexities } from "./reproduction.ts";
 * assertEquals(mixturePerplexities(null, "canonical"), undefined);
 * ```
 */
export function mixturePerplexities(
  repro: Reproduction | null,
  name: string,
): (Perplexities & { weight: number }) | undefined {
  const run = repro?.models?.[name];
  return run?.done && run.mixture ? { ...run.mixture } : undefined;
}

/**
 * Our perplexities beside the paper's Table 1, one row per model: columns `model`,
 * `ours: valid`, `ours: test`, `ours: test / best KN`, `paper: valid`, `paper: test`,
 * `paper: test / best KN` (null where there is no number) and `note` (the seconds to count a
 * Kneser–Ney model, a mixture's weights, or why a network has no numbers yet). Each ratio is
 * over its own side's best Kneser–Ney test perplexity (ours: the order with the lowest
 * validation perplexity; the paper's: 321), the fair comparison across two copies of the corpus.
 * Full precision: show it through `roundForDisplay`.
 *
 * @param repro the reproduction record (`null`: the paper's columns only)
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { table1Frame } from "./reproduction.ts";
 * const df = table1Frame(null);
 * assertEquals(df.getColumn("paper: test").toArray().slice(0, 3), [323, 321, 321]);
 * ```
 */
export function table1Frame(repro: Reproduction | null): DataFrame {
  const kn = (order: 3 | 4 | 5) => {
    const ours = repro?.kneserNey?.[String(order)];
    return {
      model: `Kneser-Ney ${order}-gram`,
      ours,
      paper: PAPER_TABLE1[`kn${order}`],
      note: ours
        ? `${ours.seconds.toFixed(1)} s to count; ours interpolated, paper back-off`
        : "not run",
    };
  };
  const mixNote = (name: string) => {
    const m = mixturePerplexities(repro, name);
    return m ? `with the KN trigram, λ = ${m.weight} (valid)` : runStatus(repro, name);
  };
  const fitted = (m: FittedMixture | undefined, waiting: string) =>
    m
      ? {
        ours: { valid: m.valid, test: m.test },
        note: "EM weights " +
          Object.entries(m.weights).map(([k, w]) => `${k} ${w.toFixed(3)}`).join(", "),
      }
      : { note: waiting };
  const rows: { model: string; ours?: Perplexities; paper?: Perplexities; note: string }[] = [
    kn(3),
    kn(4),
    kn(5),
    {
      model: "MLP9 shape (mlp9)",
      ours: networkPerplexities(repro, "mlp9"),
      paper: PAPER_TABLE1.mlp9,
      note: runStatus(repro, "mlp9"),
    },
    {
      model: "MLP10: mlp9 + trigram",
      ours: mixturePerplexities(repro, "mlp9"),
      paper: PAPER_TABLE1.mlp10,
      note: mixNote("mlp9"),
    },
    {
      model: "canonical network",
      ours: networkPerplexities(repro, "canonical"),
      note: runStatus(repro, "canonical"),
    },
    {
      model: "canonical + trigram",
      ours: mixturePerplexities(repro, "canonical"),
      note: mixNote("canonical"),
    },
    {
      model: "ensemble of the networks",
      ...fitted(repro?.ensembleEM, "written when every network has finished"),
    },
    {
      model: "networks + KN 3- and 5-gram",
      ...fitted(repro?.mixtureEM, "written when every network has finished"),
    },
    { model: "Del. Int. trigram", paper: PAPER_TABLE1.delInt3, note: "paper only" },
    {
      model: "class-based 3-gram, 500 classes",
      paper: PAPER_TABLE1.classBased3,
      note: "paper only",
    },
  ];
  const column = (name: string, values: (number | null)[]) => pl.Series(name, values, pl.Float64);
  // Each side's test perplexity over its own best Kneser–Ney model's (the paper's: 321).
  const ourBest = bestKneserNey(repro)?.test;
  const paperBest = Math.min(PAPER_TABLE1.kn3.test, PAPER_TABLE1.kn4.test, PAPER_TABLE1.kn5.test);
  return pl.DataFrame([
    pl.Series("model", rows.map((r) => r.model), pl.String),
    column("ours: valid", rows.map((r) => r.ours?.valid ?? null)),
    column("ours: test", rows.map((r) => r.ours?.test ?? null)),
    column(
      "ours: test / best KN",
      rows.map((r) => r.ours && ourBest ? r.ours.test / ourBest : null),
    ),
    column("paper: valid", rows.map((r) => r.paper?.valid ?? null)),
    column("paper: test", rows.map((r) => r.paper?.test ?? null)),
    column("paper: test / best KN", rows.map((r) => r.paper ? r.paper.test / paperBest : null)),
    pl.Series("note", rows.map((r) => r.note), pl.String),
  ]);
}

/**
 * The Kneser–Ney order with the lowest validation perplexity (as the paper chose its n-gram
 * orders), or `undefined` when none was run.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { bestKneserNey } from "./reproduction.ts";
 * const kneserNey = { "3": { valid: 164, test: 145, seconds: 1 }, "5": { valid: 163, test: 144, seconds: 4 } };
 * assertEquals(bestKneserNey({ command: "", started: "", machine: "", models: {}, kneserNey })?.order, 5);
 * ```
 */
export function bestKneserNey(
  repro: Reproduction | null,
): ({ order: number } & Perplexities) | undefined {
  const orders = Object.entries(repro?.kneserNey ?? {});
  if (orders.length === 0) return undefined;
  const [order, best] = orders.reduce((a, b) => (b[1].valid < a[1].valid ? b : a));
  return { order: Number(order), valid: best.valid, test: best.test };
}

/**
 * How far a model's perplexity lies below a baseline's, in percent:
 * `100 · (ppl_baseline − ppl_model) / ppl_baseline`.
 *
 * @example
 * ```ts
 * import { assertAlmostEquals } from "@std/assert";
 * import { reduction } from "./reproduction.ts";
 * assertAlmostEquals(reduction(321, 276), 14.02, 0.01); // the paper's MLP9 against KN 5-gram
 * ```
 */
export function reduction(baseline: number, model: number): number {
  return (100 * (baseline - model)) / baseline;
}
