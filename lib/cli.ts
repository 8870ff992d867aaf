/**
 * The command line: `train`, `generate` and `demo`, run through `deno task`.
 *
 * ```sh
 * deno task demo
 * deno task train --corpus brown-news --epochs 3 --out out/news
 * deno task generate --model out/news --prompt "The jury said" --temperature 0.8
 * ```
 *
 * Every failure is one line on standard error and a non-zero exit status: 2 for a mistake in the
 * command line, 1 for anything else (a missing file, a corpus too small, a model directory that
 * is not a model). No stack traces.
 *
 * @module
 */

import { generate } from "./generate.ts";
import { CheckpointError, loadCheckpoint, saveCheckpoint } from "./io/checkpoint.ts";
import { brownSplit, firstNames, readTextFile, TOY_TEXTS, toyText } from "./io/corpus.ts";
import { MiniNeuralLM, type ModelConfig, type ModelParams } from "./model.ts";
import { KneserNey } from "./ngram/kneser_ney.ts";
import { chooseMixtureWeight, mixturePerplexity } from "./ngram/mixture.ts";
import { Rng } from "./random.ts";
import { TextPreprocessor } from "./text/preprocessor.ts";
import { joinWords } from "./text/tokenize.ts";
import { evaluate, targetProbabilities } from "./evaluate.ts";
import type { Schedule } from "./schedule.ts";
import { train, type TrainOptions } from "./train.ts";

/** A mistake in the command line (exit status 2). */
export class UsageError extends Error {
  /** @param message what is wrong, in one line */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The kinds of value a flag takes. */
export type FlagKind = "string" | "number" | "integer" | "boolean";

/** How one flag is read. */
export interface FlagSpec {
  kind: FlagKind;
  help: string;
  default?: string | number | boolean;
}

/** Parsed flags by name. */
export type FlagValues = Record<string, string | number | boolean | undefined>;

/**
 * Parses `--name value`, `--name=value` and boolean `--name` flags against a spec. Unknown
 * flags, missing values, malformed numbers and positional arguments are {@linkcode UsageError}s.
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { parseFlags, UsageError } from "./cli.ts";
 * const spec = { epochs: { kind: "integer" as const, help: "", default: 5 } };
 * assertEquals(parseFlags("train", ["--epochs=3"], spec), { epochs: 3 });
 * assertThrows(() => parseFlags("train", ["--epoch", "3"], spec), UsageError, "--epoch");
 * ```
 */
export function parseFlags(
  command: string,
  args: readonly string[],
  spec: Readonly<Record<string, FlagSpec>>,
): FlagValues {
  const values: FlagValues = {};
  for (const [name, s] of Object.entries(spec)) values[name] = s.default;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--help" || arg === "-h") {
      values.help = true;
      continue;
    }
    if (!arg.startsWith("--")) {
      throw new UsageError(`${command}: unexpected argument "${arg}" (flags start with --)`);
    }
    const eq = arg.indexOf("=");
    const name = (eq === -1 ? arg.slice(2) : arg.slice(2, eq)).replaceAll("_", "-");
    const s = spec[name];
    if (!s) {
      throw new UsageError(
        `${command}: unknown flag --${name} (see deno task ${command} --help)`,
      );
    }
    let raw: string | undefined = eq === -1 ? undefined : arg.slice(eq + 1);
    if (s.kind === "boolean") {
      if (raw === undefined) values[name] = true;
      else if (raw === "true" || raw === "false") values[name] = raw === "true";
      else throw new UsageError(`${command}: --${name} expected true or false, got "${raw}"`);
      continue;
    }
    if (raw === undefined) {
      raw = args[++i];
      if (raw === undefined) throw new UsageError(`${command}: --${name} needs a value`);
    }
    if (s.kind === "string") {
      values[name] = raw;
      continue;
    }
    const n = Number(raw);
    if (
      raw.trim() === "" || !Number.isFinite(n) || (s.kind === "integer" && !Number.isInteger(n))
    ) {
      throw new UsageError(
        `${command}: --${name} expected ${
          s.kind === "integer" ? "an integer" : "a number"
        }, got "${raw}"`,
      );
    }
    values[name] = n;
  }
  return values;
}

/** The help text of a command, from its spec. */
export function helpText(command: string, summary: string, spec: Record<string, FlagSpec>): string {
  const lines = [`deno task ${command} [flags]`, "", summary, "", "Flags:"];
  for (
    const [name, s] of Object.entries({
      ...spec,
      help: { kind: "boolean", help: "this help" } as FlagSpec,
    })
  ) {
    const value = s.kind === "boolean" ? "" : ` <${s.kind === "string" ? "text" : s.kind}>`;
    const def = s.default === undefined || s.default === false ? "" : ` (default ${s.default})`;
    lines.push(`  --${name}${value}`.padEnd(30) + ` ${s.help}${def}`);
  }
  return lines.join("\n");
}

// ---------------------------------------------------------------------------------------------
// Corpora

/** Tokens of a corpus, cut into training, validation and test parts (in order). */
export interface CorpusSplit {
  /** A short name for messages. */
  name: string;
  /** `"word"` or `"char"` tokens. */
  level: "word" | "char";
  /** Training tokens (they also make the vocabulary). */
  train: string[];
  /** Validation tokens. */
  valid: string[];
  /** Test tokens. */
  test: string[];
}

function splitText(name: string, text: string, level: "word" | "char"): CorpusSplit {
  // Lines stay whole: the first 80% of the lines train, the next 10% validate, the rest test.
  const lines = text.split(/\r\n|\n|\r/).filter((line) => line.trim() !== "");
  if (lines.length === 0) throw new Error(`corpus ${name}: the text is empty`);
  const a = Math.max(1, Math.floor(0.8 * lines.length));
  const b = Math.max(a, Math.floor(0.9 * lines.length));
  const pre = TextPreprocessor.fit("x", { level });
  const tokens = (part: string[]) => pre.tokenize(part.join("\n"));
  return {
    name,
    level,
    train: tokens(lines.slice(0, a)),
    valid: tokens(lines.slice(a, b)),
    test: tokens(lines.slice(b)),
  };
}

/**
 * Loads a corpus by name: `brown`, `brown-news`, `names` (character level), a toy text of
 * `data/` (`toy`, `garden`, `rhymes`), or the path of a UTF-8 text file.
 */
export function loadCorpus(name: string): CorpusSplit {
  if (name === "brown" || name === "brown-news") {
    return { name, level: "word", ...brownSplit(name) };
  }
  if (name === "names") {
    // Shuffled with a fixed seed so that the split does not follow the alphabet.
    const names = firstNames({ sex: "all" });
    const order = new Rng(0).permutation(names.length);
    return splitText(name, Array.from(order, (i) => names[i]).join("\n"), "char");
  }
  if ((TOY_TEXTS as readonly string[]).includes(name)) {
    return splitText(name, toyText(name as (typeof TOY_TEXTS)[number]), "word");
  }
  return splitText(name, readTextFile(name), "word");
}

// ---------------------------------------------------------------------------------------------
// train

const MODEL_FLAGS: Record<string, FlagSpec> = {
  context: { kind: "integer", help: "n - 1, previous words the model sees", default: 3 },
  embed: { kind: "integer", help: "m, embedding length", default: 30 },
  hidden: { kind: "string", help: "hidden widths: h1 or h1,h2", default: "64" },
  activation: { kind: "string", help: "relu or tanh", default: "relu" },
  dropout: { kind: "number", help: "dropout rate in [0, 1)", default: 0 },
  direct: { kind: "boolean", help: "direct input-to-output connections", default: false },
  dtype: { kind: "string", help: "float32 or float64", default: "float32" },
};

const TRAIN_FLAGS: Record<string, FlagSpec> = {
  corpus: {
    kind: "string",
    help: "brown, brown-news, names, toy, garden, rhymes, or a text file",
    default: "brown-news",
  },
  "min-count": { kind: "integer", help: "rarer words become <unk>", default: 3 },
  lowercase: { kind: "boolean", help: "fold case", default: false },
  ...MODEL_FLAGS,
  lr: { kind: "number", help: "initial learning rate", default: 0.1 },
  momentum: { kind: "number", help: "beta in m = beta*m + (1-beta)*g", default: 0.9 },
  batch: { kind: "integer", help: "minibatch size", default: 64 },
  epochs: { kind: "integer", help: "passes over the training set", default: 5 },
  "max-steps": { kind: "integer", help: "cap on updates per epoch (quick runs)" },
  schedule: {
    kind: "string",
    help: "constant, decay:R (lr/(1+R*t)) or step:EVERY:FACTOR",
    default: "constant",
  },
  "weight-decay": { kind: "number", help: "L2 on weights and embeddings", default: 0 },
  patience: { kind: "integer", help: "epochs without improvement before stopping", default: 2 },
  seed: { kind: "integer", help: "seed of initialisation, shuffling, dropout", default: 0 },
  out: { kind: "string", help: "directory for the trained model", default: "out/model" },
};

function parseSchedule(text: string): Schedule {
  const parts = text.split(":");
  const nums = parts.slice(1).map(Number);
  if (parts[0] === "constant" && parts.length === 1) return { kind: "constant" };
  if (parts[0] === "decay" && parts.length === 2 && nums[0] >= 0) {
    return { kind: "decay", rate: nums[0] };
  }
  if (
    parts[0] === "step" && parts.length === 3 && Number.isInteger(nums[0]) && nums[0] > 0 &&
    nums[1] > 0
  ) {
    return { kind: "step", every: nums[0], factor: nums[1] };
  }
  throw new UsageError(
    `train: --schedule expected constant, decay:R or step:EVERY:FACTOR, got "${text}"`,
  );
}

function modelFlags(command: string, f: FlagValues, vocabSize: number): ModelConfig {
  const hidden = String(f.hidden).split(",").map((h) => Number(h.trim()));
  if (
    hidden.length < 1 || hidden.length > 2 || !hidden.every((h) => Number.isInteger(h) && h > 0)
  ) {
    throw new UsageError(
      `${command}: --hidden expected h1 or h1,h2 (positive integers), got "${f.hidden}"`,
    );
  }
  if (f.activation !== "relu" && f.activation !== "tanh") {
    throw new UsageError(`${command}: --activation expected relu or tanh, got "${f.activation}"`);
  }
  if (f.dtype !== "float32" && f.dtype !== "float64") {
    throw new UsageError(`${command}: --dtype expected float32 or float64, got "${f.dtype}"`);
  }
  try {
    return new MiniNeuralLM({
      vocabSize,
      contextSize: f.context as number,
      embedDim: f.embed as number,
      hidden,
      activation: f.activation,
      dropout: f.dropout as number,
      directConnections: f.direct as boolean,
      dtype: f.dtype,
    }).config as ModelConfig;
  } catch (e) {
    throw new UsageError(
      `${command}: ${(e as Error).message.replace(/^modelConfig: config\./, "--")}`,
    );
  }
}

/** What a training run produced. */
export interface TrainRun {
  model: MiniNeuralLM;
  params: ModelParams;
  pre: TextPreprocessor;
  corpus: CorpusSplit;
  validPerplexity: number;
  testPerplexity: number;
  seconds: number;
}

/** Fits the vocabulary, makes windows, trains with a progress bar; shared by train and demo. */
export function trainOnCorpus(
  corpus: CorpusSplit,
  f: FlagValues,
  log: (line: string) => void,
  progress: boolean,
): TrainRun {
  const pre = TextPreprocessor.fitTokens(corpus.train, {
    level: corpus.level,
    lowercase: f.lowercase as boolean,
    minCount: f["min-count"] as number,
    contextSize: f.context as number,
    resetAtBoundary: corpus.level === "char",
  });
  if (corpus.valid.length === 0) {
    throw new Error(`corpus ${corpus.name}: too small to hold out a validation part`);
  }
  const config = modelFlags("train", f, pre.vocabSize);
  const model = new MiniNeuralLM(config);
  const data = {
    train: pre.windows(pre.encodeTokens(corpus.train)),
    valid: pre.windows(pre.encodeTokens(corpus.valid)),
  };
  if (data.train.targets.length < config.contextSize) {
    throw new Error(
      `corpus ${corpus.name}: ${data.train.targets.length} training tokens, fewer than the context of ${config.contextSize}`,
    );
  }
  log(
    `${corpus.name}: ${corpus.train.length.toLocaleString("en-US")} training tokens, ` +
      `vocabulary ${pre.vocabSize.toLocaleString("en-US")}, model of ` +
      `${model.parameterCount().toLocaleString("en-US")} parameters`,
  );
  const options: TrainOptions = {
    epochs: f.epochs as number,
    batchSize: f.batch as number,
    lr: f.lr as number,
    momentum: f.momentum as number,
    schedule: parseSchedule(String(f.schedule)),
    weightDecay: f["weight-decay"] as number,
    patience: f.patience as number,
    seed: f.seed as number,
    maxStepsPerEpoch: f["max-steps"] as number | undefined,
    progress,
  };
  const started = performance.now();
  const result = train(model, model.init(f.seed as number), data, options);
  const seconds = (performance.now() - started) / 1000;
  const valid = evaluate(model, result.params, data.valid);
  const testTokens = corpus.test.length > 0 ? corpus.test : corpus.valid;
  const test = evaluate(model, result.params, pre.windows(pre.encodeTokens(testTokens)));
  return {
    model,
    params: result.params,
    pre,
    corpus,
    validPerplexity: valid.perplexity,
    testPerplexity: test.perplexity,
    seconds,
  };
}

async function trainCommand(args: string[], log: (s: string) => void): Promise<void> {
  const f = parseFlags("train", args, TRAIN_FLAGS);
  if (f.help) {
    return log(helpText("train", "Trains a model on a corpus and saves it.", TRAIN_FLAGS));
  }
  modelFlags("train", f, 2); // refuse a bad model flag before loading anything
  parseSchedule(String(f.schedule));
  const corpus = loadCorpus(String(f.corpus));
  const run = trainOnCorpus(corpus, f, log, true);
  await saveCheckpoint(String(f.out), {
    params: run.params,
    config: { model: run.model.config, training: { ...f, out: undefined } },
    vocab: run.pre.toJSON(),
  });
  log(
    `validation perplexity ${run.validPerplexity.toFixed(2)}, test ${
      run.testPerplexity.toFixed(2)
    }` +
      ` (${run.seconds.toFixed(1)} s); saved to ${f.out}`,
  );
}

// ---------------------------------------------------------------------------------------------
// generate

const GENERATE_FLAGS: Record<string, FlagSpec> = {
  model: { kind: "string", help: "directory written by train", default: "out/model" },
  prompt: { kind: "string", help: "text to continue", default: "" },
  temperature: { kind: "number", help: "T in softmax(scores / T); 0 is greedy", default: 1 },
  "top-k": { kind: "integer", help: "sample among the k most probable words" },
  "top-p": { kind: "number", help: "sample within the nucleus of this probability" },
  length: { kind: "integer", help: "most words to generate", default: 30 },
  count: { kind: "integer", help: "how many samples", default: 3 },
  seed: { kind: "integer", help: "seed of the sampler", default: 0 },
  "no-unk": { kind: "boolean", help: "never sample <unk>", default: false },
};

/** Loads a model directory written by `train`. */
export async function loadModel(
  dir: string,
): Promise<{ model: MiniNeuralLM; params: ModelParams; pre: TextPreprocessor }> {
  const checkpoint = await loadCheckpoint(dir);
  const config = (checkpoint.config as { model?: ModelConfig }).model;
  if (!config) {
    throw new CheckpointError("loadModel", dir, `config.json has no "model" entry`);
  }
  const model = new MiniNeuralLM(config);
  model.checkParams("loadModel", checkpoint.params);
  return { model, params: checkpoint.params, pre: TextPreprocessor.fromJSON(checkpoint.vocab) };
}

/** Samples continuations of a prompt; unknown prompt words are reported once. */
export function sampleTexts(
  model: MiniNeuralLM,
  params: ModelParams,
  pre: TextPreprocessor,
  prompt: string,
  options: {
    /** Never sample `<unk>` (the prompt may still contain it). */
    noUnknown?: boolean;
    temperature?: number;
    topK?: number;
    topP?: number;
    length: number;
    count: number;
    seed: number;
  },
): { texts: string[]; unknown: string[] } {
  const promptTokens = prompt.trim() === "" ? [] : pre.tokenize(prompt).filter((t) => t !== "</s>");
  const unknown = [...new Set(promptTokens.filter((t) => !pre.vocab.has(t)))];
  const indices = pre.encodeTokens(promptTokens);
  const rng = new Rng(options.seed);
  const boundary = pre.vocab.boundaryIndex;
  const texts: string[] = [];
  for (let i = 0; i < options.count; i++) {
    const out = generate(model, params, indices, {
      rng,
      pad: boundary,
      stopAt: boundary,
      maxTokens: options.length,
      temperature: options.temperature,
      topK: options.topK,
      topP: options.topP,
      exclude: options.noUnknown ? [pre.vocab.unkIndex] : [],
    });
    const words = [...promptTokens, ...pre.vocab.decode(out.tokens)].filter((t) => t !== "</s>");
    texts.push(pre.options.level === "char" ? words.join("") : joinWords(words));
  }
  return { texts, unknown };
}

async function generateCommand(args: string[], log: (s: string) => void): Promise<void> {
  const f = parseFlags("generate", args, GENERATE_FLAGS);
  if (f.help) {
    return log(helpText("generate", "Samples text from a trained model.", GENERATE_FLAGS));
  }
  const { model, params, pre } = await loadModel(String(f.model));
  const { texts, unknown } = sampleTexts(model, params, pre, String(f.prompt), {
    temperature: f.temperature as number,
    topK: f["top-k"] as number | undefined,
    topP: f["top-p"] as number | undefined,
    length: f.length as number,
    count: f.count as number,
    seed: f.seed as number,
    noUnknown: f["no-unk"] as boolean,
  });
  if (unknown.length > 0) {
    log(`note: not in the vocabulary, read as <unk>: ${unknown.join(", ")}`);
  }
  for (const text of texts) log(text);
}

// ---------------------------------------------------------------------------------------------
// demo

const DEMO_FLAGS: Record<string, FlagSpec> = {
  epochs: { kind: "integer", help: "most passes over brown-news", default: 12 },
  seed: { kind: "integer", help: "seed of everything", default: 1 },
};

async function demoCommand(args: string[], log: (s: string) => void): Promise<void> {
  const f = parseFlags("demo", args, DEMO_FLAGS);
  if (f.help) {
    return log(helpText(
      "demo",
      "Trains a small model on the news part of the Brown corpus, compares its perplexity with\n" +
        "an interpolated Kneser-Ney trigram's and with their mixture, and samples a few sentences.",
      DEMO_FLAGS,
    ));
  }
  const corpus = loadCorpus("brown-news");
  const flags = parseFlags("demo", [], TRAIN_FLAGS);
  Object.assign(flags, {
    epochs: f.epochs,
    seed: f.seed,
    "min-count": 3,
    context: 3,
    embed: 48,
    hidden: "128",
    dropout: 0.3,
    lr: 0.2,
    batch: 64,
    patience: 3,
    "weight-decay": 1e-5,
  });
  const run = trainOnCorpus(corpus, flags, log, true);
  const { pre, model, params } = run;
  const ids = (tokens: string[]) => pre.encodeTokens(tokens);
  const kn = KneserNey.train(ids(corpus.train), {
    order: 3,
    vocabSize: pre.vocabSize,
    boundary: pre.vocab.boundaryIndex,
  });
  // The mixture of Bengio et al. 2003: average the two models' probabilities of each word, with
  // the weight that does best on validation, then measure it on test.
  const neural = (tokens: string[]) => targetProbabilities(model, params, pre.windows(ids(tokens)));
  const mixture = chooseMixtureWeight(neural(corpus.valid), kn.targetProbs(ids(corpus.valid)));
  const testMixture = mixturePerplexity(
    neural(corpus.test),
    kn.targetProbs(ids(corpus.test)),
    mixture.weight,
  );
  const row = (name: string, valid: number, test: number) =>
    `  ${name.padEnd(38)} ${valid.toFixed(1).padStart(8)} ${test.toFixed(1).padStart(8)}`;
  log("");
  log(
    `perplexity on brown-news (${corpus.valid.length.toLocaleString("en-US")} validation, ` +
      `${corpus.test.length.toLocaleString("en-US")} test tokens):`,
  );
  log(`  ${"".padEnd(38)} ${"valid".padStart(8)} ${"test".padStart(8)}`);
  log(
    row(
      `neural model (${run.seconds.toFixed(0)} s of training)`,
      run.validPerplexity,
      run.testPerplexity,
    ),
  );
  log(row("Kneser-Ney trigram", kn.perplexity(ids(corpus.valid)), kn.perplexity(ids(corpus.test))));
  log(row(`mixture, neural weight ${mixture.weight.toFixed(2)}`, mixture.perplexity, testMixture));
  log("");
  log("samples (temperature 0.8, <unk> never drawn):");
  const { texts } = sampleTexts(model, params, pre, "", {
    noUnknown: true,
    temperature: 0.8,
    length: 25,
    count: 4,
    seed: f.seed as number,
  });
  for (const text of texts) log(`  ${text}`);
  await Promise.resolve();
}

// ---------------------------------------------------------------------------------------------

const COMMANDS: Record<string, (args: string[], log: (s: string) => void) => Promise<void>> = {
  train: trainCommand,
  generate: generateCommand,
  demo: demoCommand,
};

/**
 * Runs a command; returns the exit status (0 success, 1 failure, 2 usage) after printing any
 * error as one line on `error`.
 */
export async function main(
  argv: readonly string[],
  log: (s: string) => void = console.log,
  error: (s: string) => void = console.error,
): Promise<number> {
  const [command, ...rest] = argv;
  const run = COMMANDS[command ?? ""];
  if (!run) {
    const text = `usage: deno task <${Object.keys(COMMANDS).join("|")}> [flags]  (--help on each)`;
    if (command === undefined || command === "--help" || command === "help") {
      log(text);
      return command === undefined ? 2 : 0;
    }
    error(`error: unknown command "${command}"; ${text}`);
    return 2;
  }
  try {
    await run(rest, log);
    return 0;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    error(`error: ${message.split("\n")[0]}`);
    return e instanceof UsageError ? 2 : 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
