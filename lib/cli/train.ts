/**
 * `deno task train`: every flag checked before any file is read, the output directory checked
 * before the corpus loads, the model sized before anything is allocated; then the vocabulary,
 * the windows, training with a progress bar, and an atomic save after every epoch (the best
 * parameters so far and the state to resume from), so an interrupted run loses at most an epoch.
 * `--resume DIR` goes on with the run saved in `DIR` (see ./resume.ts).
 *
 * @module
 */

import { evaluate } from "../evaluate.ts";
import { checkModelDestination } from "../io/model_dir.ts";
import {
  classOutput,
  MAX_PARAMETERS,
  MiniNeuralLM,
  type ModelConfig,
  type ModelParams,
} from "../model.ts";
import { DEFAULT_MODEL_CONFIG, DEFAULT_TRAIN_OPTIONS } from "../recipes.ts";
import type { Schedule } from "../schedule.ts";
import { TextPreprocessor } from "../text/preprocessor.ts";
import { trainAsync, type TrainResult, type TrainState } from "../train.ts";
import { type CorpusSplit, loadCorpus } from "./corpus.ts";
import { type FlagSpec, type FlagValues, helpText, parseFlags, UsageError } from "./flags.ts";
import { resumeCommand, saveRun, scheduleOf, summary } from "./resume.ts";

/** The command line's default limit on a model's size (`--max-params`). */
export const CLI_MAX_PARAMETERS = 50_000_000;

/** The most memory a training run may plan for: a third of these machines' 24 GiB. */
export const MAX_TRAINING_BYTES = 8 * 2 ** 30;

const WIDTH = 65536;

/** `h1` or `h1,h2`, positive integers of at most 65,536. */
function hiddenSyntax(text: string): string | null {
  const parts = text.split(",");
  const ok = parts.length <= 2 &&
    parts.every((p) => /^\d+$/.test(p) && Number(p) >= 1 && Number(p) <= WIDTH);
  return ok ? null : `h1 or h1,h2 (integers in [1, ${WIDTH}])`;
}

/** `constant`, `decay:R`, `step:EVERY:FACTOR` or `plateau:FACTOR[:PATIENCE]`, strict decimals. */
function scheduleSyntax(text: string): string | null {
  return parseSchedule(text) ? null : "constant, decay:R (R >= 0), step:EVERY:FACTOR " +
    "(EVERY an integer >= 1, FACTOR > 0) or plateau:FACTOR[:PATIENCE] (0 < FACTOR < 1, " +
    "PATIENCE an integer >= 1)";
}

/** `softmax` or `classes:C`, C an integer in [1, 65,536]. */
function outputSyntax(text: string): string | null {
  return text === "softmax" || outputClasses(text) !== null
    ? null
    : `softmax or classes:C (C an integer in [1, ${WIDTH}])`;
}

/** The C of `classes:C`, or `null`. */
function outputClasses(text: string): number | null {
  const m = /^classes:(\d+)$/.exec(text);
  return m && Number(m[1]) >= 1 && Number(m[1]) <= WIDTH ? Number(m[1]) : null;
}

const NUMBER = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The schedule a `--schedule` text names, or `null` when it names none. */
export function parseSchedule(text: string): Schedule | null {
  const [kind, ...args] = text.split(":");
  const nums = args.map((a) => (NUMBER.test(a) ? Number(a) : NaN));
  if (kind === "constant" && args.length === 0) return { kind: "constant" };
  if (kind === "decay" && args.length === 1 && Number.isFinite(nums[0])) {
    return { kind: "decay", rate: nums[0] };
  }
  if (
    kind === "step" && args.length === 2 && /^\d+$/.test(args[0]) && nums[0] >= 1 &&
    Number.isSafeInteger(nums[0]) && Number.isFinite(nums[1]) && nums[1] > 0
  ) {
    return { kind: "step", every: nums[0], factor: nums[1] };
  }
  const patience = args.length === 2 && /^\d+$/.test(args[1]) && Number.isSafeInteger(nums[1]) &&
      nums[1] >= 1
    ? nums[1]
    : undefined;
  if (kind === "plateau" && nums[0] > 0 && nums[0] < 1) {
    if (args.length === 1) return { kind: "plateau", factor: nums[0] };
    if (patience !== undefined) return { kind: "plateau", factor: nums[0], patience };
  }
  return null;
}

/** The model's flags; defaults from `DEFAULT_MODEL_CONFIG`, but float32 (the fast engine). */
export const MODEL_FLAGS: Record<string, FlagSpec> = {
  context: {
    kind: "integer",
    help: "n - 1, previous words the model sees",
    default: DEFAULT_MODEL_CONFIG.contextSize,
    min: 1,
    max: 1024,
  },
  embed: {
    kind: "integer",
    help: "m, embedding length",
    default: DEFAULT_MODEL_CONFIG.embedDim,
    min: 1,
    max: WIDTH,
  },
  hidden: {
    kind: "string",
    help: "hidden widths: h1 or h1,h2",
    default: DEFAULT_MODEL_CONFIG.hidden.join(","),
    expect: hiddenSyntax,
  },
  activation: {
    kind: "string",
    help: "relu or tanh",
    default: DEFAULT_MODEL_CONFIG.activation,
    choices: ["relu", "tanh"],
  },
  dropout: {
    kind: "number",
    help: "dropout rate",
    default: DEFAULT_MODEL_CONFIG.dropout,
    min: 0,
    below: 1,
  },
  direct: {
    kind: "boolean",
    help: "direct input-to-output connections",
    default: DEFAULT_MODEL_CONFIG.directConnections,
  },
  dtype: {
    kind: "string",
    help: "float32 (the fast engine) or float64 (the reference engine)",
    default: "float32",
    choices: ["float32", "float64"],
  },
};

const T = DEFAULT_TRAIN_OPTIONS;

/** The flags of `train`; training defaults from `DEFAULT_TRAIN_OPTIONS`. */
export const TRAIN_FLAGS: Record<string, FlagSpec> = {
  corpus: {
    kind: "string",
    help: "brown, brown-news, names, toy, garden, rhymes, or a text file",
    default: "brown-news",
    nonEmpty: true,
  },
  "min-count": { kind: "integer", help: "rarer words become <unk>", default: 3, min: 1 },
  lowercase: { kind: "boolean", help: "fold case", default: false },
  ...MODEL_FLAGS,
  output: {
    kind: "string",
    help: "softmax, or classes:C (C frequency-binned word classes, about sqrt(|V|); " +
      "trains on the reference engine)",
    default: "softmax",
    expect: outputSyntax,
  },
  lr: { kind: "number", help: "initial learning rate", default: T.lr, above: 0 },
  momentum: {
    kind: "number",
    help: "beta in m = beta*m + (1-beta)*g",
    default: T.momentum,
    min: 0,
    below: 1,
  },
  batch: { kind: "integer", help: "minibatch size", default: T.batchSize, min: 1, max: WIDTH },
  epochs: { kind: "integer", help: "passes over the training set", default: T.epochs, min: 1 },
  "max-steps": { kind: "integer", help: "cap on updates per epoch (quick runs)", min: 1 },
  schedule: {
    kind: "string",
    help: "constant, decay:R (lr/(1+R*t)), step:EVERY:FACTOR, or plateau:FACTOR[:PATIENCE] " +
      "(lr times FACTOR after PATIENCE epochs, default 1, without a better validation loss)",
    default: "constant",
    expect: scheduleSyntax,
  },
  "lr-floor": {
    kind: "number",
    help: "with --schedule plateau: stop once the learning rate is below this",
    default: 0,
    min: 0,
  },
  restore: {
    kind: "boolean",
    help: "with --schedule plateau: go on from the best parameters (momentum 0) after each cut",
    default: false,
  },
  "weight-decay": {
    kind: "number",
    help: "L2 on weights and embeddings",
    default: T.weightDecay,
    min: 0,
  },
  patience: {
    kind: "integer",
    help: "epochs without improvement before stopping",
    default: T.patience,
    min: 1,
  },
  seed: { kind: "integer", help: "seed of initialisation, shuffling, dropout", default: T.seed },
  out: {
    kind: "string",
    help: "directory for the trained model",
    default: "out/model",
    nonEmpty: true,
  },
  force: {
    kind: "boolean",
    help: "replace the model in --out, or save beside other files there (files of other " +
      "programs are never replaced)",
    default: false,
  },
  "max-params": {
    kind: "integer",
    help: "refuse a larger model (a guard against typos in the sizes)",
    default: CLI_MAX_PARAMETERS,
    min: 1,
    max: MAX_PARAMETERS,
  },
  resume: {
    kind: "string",
    help: "go on with the run saved in this model directory (its flags; --epochs may extend it)",
    nonEmpty: true,
  },
};

/**
 * The model configuration the flags describe, for a vocabulary of `vocabSize` words. With
 * `--output classes:C` the classes are binned from the vocabulary's `counts`; without counts
 * (sizing before the vocabulary exists) the output is the full softmax's shape.
 */
export function modelConfigOf(f: FlagValues, vocabSize: number, counts?: number[]): ModelConfig {
  const classes = outputClasses(String(f.output ?? "softmax"));
  return new MiniNeuralLM({
    vocabSize,
    contextSize: f.context as number,
    embedDim: f.embed as number,
    hidden: String(f.hidden).split(",").map(Number),
    activation: f.activation as ModelConfig["activation"],
    dropout: f.dropout as number,
    directConnections: f.direct as boolean,
    dtype: f.dtype as ModelConfig["dtype"],
    output: classes && counts ? classOutput(counts, classes) : { kind: "softmax" },
  }).config as ModelConfig;
}

/**
 * Refuses, as a {@linkcode UsageError} naming the flags and the figure, a model larger than
 * `--max-params` or a run that would plan for more than {@linkcode MAX_TRAINING_BYTES}: the
 * weights, their momentum and gradients, and one minibatch's activations.
 */
export function checkSize(command: string, f: FlagValues, vocabSize: number): void {
  const model = new MiniNeuralLM(modelConfigOf(f, vocabSize));
  const count = model.parameterCount();
  const limit = f["max-params"] as number;
  const vocab = vocabSize > 2 ? `, vocabulary ${vocabSize.toLocaleString("en-US")}` : "";
  if (count > limit) {
    throw new UsageError(
      `${command}: a model of ${count.toLocaleString("en-US")} parameters (--context ` +
        `${f.context}, --embed ${f.embed}, --hidden ${f.hidden}${vocab}) is above --max-params ` +
        `${limit.toLocaleString("en-US")}; make it smaller or raise --max-params`,
    );
  }
  const { contextSize, embedDim, hidden, dtype } = model.config;
  const bytes = dtype === "float32" ? 4 : 8;
  const perExample = 3 * (vocabSize + contextSize * embedDim + hidden.reduce((a, b) => a + b, 0));
  const planned = bytes * (3 * count + (f.batch as number) * perExample);
  if (planned > MAX_TRAINING_BYTES) {
    throw new UsageError(
      `${command}: training would need about ${(planned / 2 ** 30).toFixed(1)} GiB (--batch ` +
        `${f.batch}${vocab}, ${count.toLocaleString("en-US")} parameters), above the limit of ` +
        `${MAX_TRAINING_BYTES / 2 ** 30} GiB; lower --batch or make the model smaller`,
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
  /** The training result: history, why it stopped, the final state. */
  result: TrainResult;
}

/** How {@linkcode trainOnCorpus} goes on with a saved run, and what it does after each epoch. */
export interface CorpusRunOptions {
  /** The saved run's model and preprocessor, instead of new ones. */
  saved?: { model: MiniNeuralLM; pre: TextPreprocessor };
  /** The saved run's state: training goes on from it. */
  resume?: TrainState;
  /** Called after every epoch, awaited (the command line saves the run here). */
  onEpoch?: (state: TrainState, model: MiniNeuralLM, pre: TextPreprocessor) => Promise<void>;
}

/** Fits the vocabulary, makes windows, trains with a progress bar; shared by train and demo. */
export async function trainOnCorpus(
  corpus: CorpusSplit,
  f: FlagValues,
  note: (line: string) => void,
  progress: boolean,
  options: CorpusRunOptions = {},
): Promise<TrainRun> {
  const contextSize = f.context as number;
  const total = corpus.train.length + corpus.valid.length + corpus.test.length;
  if (corpus.valid.length === 0 || corpus.train.length <= contextSize) {
    throw new Error(
      `corpus ${corpus.name}: ${total.toLocaleString("en-US")} tokens (` +
        `${corpus.train.length} to train, ${corpus.valid.length} to validate) is too small for ` +
        `a context of ${contextSize}: training needs more than ${contextSize} tokens and ` +
        `validation at least 1 (80% and 10% of the text); use a longer text or a smaller --context`,
    );
  }
  const pre = options.saved?.pre ?? TextPreprocessor.fitTokens(corpus.train, {
    level: corpus.level,
    lowercase: f.lowercase as boolean,
    minCount: f["min-count"] as number,
    contextSize,
    resetAtBoundary: corpus.level === "char",
  });
  checkSize("train", f, pre.vocabSize);
  const classes = outputClasses(String(f.output ?? "softmax"));
  if (classes !== null && classes > pre.vocabSize) {
    throw new UsageError(
      `train: --output classes:${classes} expected at most one class per word, got a ` +
        `vocabulary of ${pre.vocabSize} words`,
    );
  }
  const counts = pre.vocab.tokens.map((token) => pre.vocab.count(token));
  const model = options.saved?.model ??
    new MiniNeuralLM(modelConfigOf(f, pre.vocabSize, counts));
  const data = {
    train: pre.windows(pre.encodeTokens(corpus.train)),
    valid: pre.windows(pre.encodeTokens(corpus.valid)),
  };
  note(
    `${corpus.name}: ${corpus.train.length.toLocaleString("en-US")} training tokens, ` +
      `vocabulary ${pre.vocabSize.toLocaleString("en-US")}, model of ` +
      `${model.parameterCount().toLocaleString("en-US")} parameters`,
  );
  const started = performance.now();
  const result = await trainAsync(model, model.init(f.seed as number), data, {
    epochs: f.epochs as number,
    batchSize: f.batch as number,
    lr: f.lr as number,
    momentum: f.momentum as number,
    schedule: scheduleOf(f),
    weightDecay: f["weight-decay"] as number,
    patience: f.patience as number,
    seed: f.seed as number,
    maxStepsPerEpoch: f["max-steps"] as number | undefined,
    progress,
    resume: options.resume,
    onEpoch: options.onEpoch && ((_record, _params, state) => options.onEpoch!(state, model, pre)),
  });
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
    result,
  };
}

/** `train`: checks everything it can before the corpus loads, trains, saves after every epoch. */
export async function trainCommand(
  args: string[],
  log: (s: string) => void,
  note: (s: string) => void,
): Promise<void> {
  const f = parseFlags("train", args, TRAIN_FLAGS);
  if (f.help) {
    return log(helpText("train", "Trains a model on a corpus and saves it.", TRAIN_FLAGS));
  }
  if (f.resume !== undefined) return await resumeCommand(args, log, note);
  if (f.output !== "softmax" && f.direct) {
    throw new UsageError("train: --direct expected --output softmax (classes have no direct path)");
  }
  scheduleOf(f); // --lr-floor and --restore go with a plateau schedule only
  checkSize("train", f, 2); // the sizes that do not depend on the vocabulary
  const out = String(f.out);
  const destination = await checkModelDestination(out, { force: f.force as boolean });
  let saved = false;
  try {
    const run = await trainOnCorpus(loadCorpus(String(f.corpus)), f, note, true, {
      onEpoch: async (state, model, pre) => {
        await saveRun(out, f, model, pre, state);
        saved = true;
      },
    });
    log(summary(run, out));
  } finally {
    // A directory this run created and left empty goes again; nothing else is removed.
    if (!saved && destination.state === "new") await Deno.remove(out).catch(() => {});
  }
}
