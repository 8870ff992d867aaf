/**
 * `deno task softmax-tradeoff`: the full softmax against class-factored outputs on Brown.
 *
 * The canonical model (context 4, embeddings 60, 100 ReLU units, float32) on the canonical split,
 * once with the full softmax over |V| = 13,845 words and once for each class count C, the
 * classes binned by frequency from the training counts (Mikolov et al. 2011). For every output
 * it records
 *
 * - **speed**: the pure reference engine's training step on real minibatches of 128, timed on
 *   one thread after a warm-up (the full softmax and every C measured in the same run, one after
 *   the other, so that their ratio is fair on a noisy machine);
 * - **perplexity**: the same training options as the reproduction (`RECIPES.canonical`), the
 *   same number of epochs for every output, then validation and test perplexity. The full
 *   softmax trains on the fast engine (the numbers the reference engine would give, to float32
 *   precision, many times sooner); the class outputs train on the reference engine.
 *
 * Results go to `data/softmax_tradeoff.json`, rewritten atomically after every output; rows of
 * outputs not named in this run are kept, so a run can add one C, or re-measure only the speed
 * (`--speed-only`, which leaves the perplexities as they are).
 *
 * ```sh
 * deno task softmax-tradeoff                                   # softmax, 32, 64, 118, 256; 2 epochs
 * deno task softmax-tradeoff --outputs softmax,118 --epochs 1
 * deno task softmax-tradeoff --speed-only                      # speed rows only, a few seconds each
 * deno task softmax-tradeoff --max-steps 20 --out /tmp/t.json  # a quick check of the whole script
 * ```
 *
 * @module
 */

import { brownSplit } from "../lib/io/corpus.ts";
import { referenceEngine } from "../lib/engine.ts";
import { evaluate } from "../lib/evaluate.ts";
import { classOutput, MiniNeuralLM, type OutputConfig } from "../lib/model.ts";
import { RECIPES } from "../lib/recipes.ts";
import { TextPreprocessor } from "../lib/text/preprocessor.ts";
import { trainAsync } from "../lib/train.ts";
import { take, thisMachine } from "../bench/canonical.ts";

const USAGE = "deno task softmax-tradeoff [--outputs softmax,32,64,118,256] [--epochs N] " +
  "[--out FILE] [--speed-only] [--max-steps N]";

/** The command line, checked before any work: a one-line error for each mistake. */
function parseArgs(argv: string[]) {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].replace(/^--/, "");
    if (name === "speed-only") values.set(name, "true");
    else if (["outputs", "epochs", "out", "max-steps"].includes(name) && i + 1 < argv.length) {
      values.set(name, argv[++i]);
    } else fail(`unexpected ${JSON.stringify(argv[i])}; usage: ${USAGE}`);
  }
  const integer = (flag: string, fallback: number | undefined) => {
    const text = values.get(flag);
    if (text === undefined) return fallback;
    if (!/^[0-9]+$/.test(text) || Number(text) < 1) {
      fail(`--${flag} expected a positive integer, got ${JSON.stringify(text)}`);
    }
    return Number(text);
  };
  const outputs = (values.get("outputs") ?? "softmax,32,64,118,256").split(",");
  for (const output of outputs) {
    if (output !== "softmax" && !(/^[0-9]+$/.test(output) && Number(output) >= 2)) {
      fail(`--outputs expected "softmax" or class counts >= 2, got ${JSON.stringify(output)}`);
    }
  }
  return {
    outputs,
    epochs: integer("epochs", 2)!,
    maxSteps: integer("max-steps", undefined),
    out: values.get("out") ?? "data/softmax_tradeoff.json",
    speedOnly: values.has("speed-only"),
  };
}

function fail(message: string): never {
  console.error(`softmax-tradeoff: ${message}`);
  Deno.exit(2);
}

const options = parseArgs(Deno.args);
// deno-lint-ignore no-explicit-any
let results: { rows: Record<string, Row>; [key: string]: any } = { rows: {} };
// A file that is there must be one of ours: its rows are kept, and nothing else is overwritten.
try {
  results = JSON.parse(await Deno.readTextFile(options.out));
} catch (error) {
  if (!(error instanceof Deno.errors.NotFound)) {
    fail(`${options.out} exists but is not a results file of this script (${error}); move it`);
  }
}
if (results === null || typeof results !== "object" || typeof results.rows !== "object") {
  fail(`${options.out} exists but is not a results file of this script (no "rows"); move it`);
}
const recipe = RECIPES.canonical;
const split = brownSplit("brown");
const pre = TextPreprocessor.fitTokens(split.train, {
  minCount: recipe.data.minCount,
  contextSize: recipe.model.contextSize,
});
const counts = pre.vocab.tokens.map((token) => pre.vocab.count(token));
for (const output of options.outputs) {
  if (output !== "softmax" && Number(output) > pre.vocabSize) {
    fail(`--outputs: ${output} classes for a vocabulary of ${pre.vocabSize} words`);
  }
}
const data = {
  train: pre.windows(pre.encodeTokens(split.train)),
  valid: pre.windows(pre.encodeTokens(split.valid)),
};
const test = pre.windows(pre.encodeTokens(split.test));

/** One output's row of the table. */
interface Row {
  output: string;
  classes: number | null;
  /** The reference engine's step, one thread, minibatch 128. */
  speed?: { msPerStep: number; examplesPerSecond: number; steps: number; measured: string };
  /** Training for `epochs` epochs with the canonical recipe's options. */
  training?: {
    engine: string;
    epochs: number;
    maxStepsPerEpoch: number | null;
    /** Mean over the epochs of their training throughput. */
    examplesPerSecond: number;
    /** Wall clock of the epochs, evaluation included. */
    seconds: number;
    valid: number;
    test: number;
    validByEpoch: number[];
  };
}
// The CPU as the benchmarks name it (Deno reads /proc/cpuinfo only with every permission).
const machine = thisMachine();
results.machine = `${machine.cpu} (${machine.identity}), ${machine.cores} cores`;
results.vocabulary = pre.vocabSize;
results.model = recipe.model;

/** Rewrites the results file atomically: a reader never sees half a file. */
async function save(): Promise<void> {
  const tmp = `${options.out}.tmp`;
  await Deno.writeTextFile(tmp, JSON.stringify(results, null, 1) + "\n");
  await Deno.rename(tmp, options.out);
}

function outputOf(name: string): OutputConfig {
  return name === "softmax" ? { kind: "softmax" } : classOutput(counts, Number(name));
}

/**
 * Milliseconds per reference-engine step on the first minibatches of the training windows,
 * after `warmup` untimed steps: the median of `steps` timed steps.
 */
function timeReferenceStep(model: MiniNeuralLM, steps: number, warmup: number): number {
  const engine = referenceEngine(model, model.init(1));
  const B = recipe.training.batchSize;
  const step = { lr: recipe.training.lr, beta: recipe.training.momentum, weightDecay: 0 };
  const times: number[] = [];
  for (let s = 0; s < warmup + steps; s++) {
    const { contexts, targets } = take(data.train, s * B, B);
    const started = performance.now();
    engine.step(contexts, targets, step);
    if (s >= warmup) times.push(performance.now() - started);
  }
  engine.dispose();
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

console.log(`Brown: |V| = ${pre.vocabSize}, ${data.train.targets.length} training windows`);
console.log(
  `speed: the reference engine's step, minibatch ${recipe.training.batchSize}, one thread`,
);
for (const name of options.outputs) {
  const model = new MiniNeuralLM({
    ...recipe.model,
    vocabSize: pre.vocabSize,
    output: outputOf(name),
  });
  const full = name === "softmax";
  const steps = full ? 5 : 40;
  const ms = timeReferenceStep(model, steps, full ? 1 : 4);
  const row: Row = results.rows[name] ?? { output: name, classes: full ? null : Number(name) };
  row.speed = {
    msPerStep: ms,
    examplesPerSecond: recipe.training.batchSize / (ms / 1000),
    steps,
    measured: new Date().toISOString(),
  };
  results.rows[name] = row;
  console.log(`  ${name.padStart(7)}: ${ms.toFixed(1)} ms per step`);
}
await save();

if (!options.speedOnly) {
  for (const name of options.outputs) {
    const model = new MiniNeuralLM({
      ...recipe.model,
      vocabSize: pre.vocabSize,
      output: outputOf(name),
    });
    const engine = name === "softmax" ? "fast" : "reference";
    console.log(`training ${name} for ${options.epochs} epochs on the ${engine} engine`);
    const result = await trainAsync(model, model.init(recipe.training.seed), data, {
      ...recipe.training,
      epochs: options.epochs,
      patience: Infinity,
      maxStepsPerEpoch: options.maxSteps,
      engine,
      progress: true,
    });
    const epochs = result.history.epochs;
    const seconds = epochs.reduce((sum, e) => sum + e.seconds, 0);
    results.rows[name].training = {
      engine,
      epochs: options.epochs,
      maxStepsPerEpoch: options.maxSteps ?? null,
      examplesPerSecond: epochs.reduce((sum, e) => sum + e.examplesPerSecond, 0) / epochs.length,
      seconds,
      valid: evaluate(model, result.params, data.valid).perplexity,
      test: evaluate(model, result.params, test).perplexity,
      validByEpoch: epochs.map((e) => e.validPerplexity),
    };
    await save();
    console.log(`  ${name}: ${JSON.stringify(results.rows[name].training)}`);
  }
}
results.command = `deno task softmax-tradeoff ${Deno.args.join(" ")}`.trim();
await save();
console.log(`wrote ${options.out}`);
