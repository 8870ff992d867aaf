/**
 * `deno task train --resume DIR`: go on with the run saved in a model directory.
 *
 * `deno task train` saves after every epoch: the best parameters so far (`model.safetensors`, what
 * `generate` reads), the flags (`config.json`), the vocabulary, and the state to go on from
 * (`training.json`, `optimizer.safetensors`: momentum, update count, learning rate, generator,
 * best epoch, history). `--resume DIR` loads all of it, takes the run's flags from
 * `config.json`, and trains the remaining epochs, saving into `DIR` after each one; the numbers
 * are bit for bit those of a run that never stopped. `--epochs N` extends the run to `N` epochs
 * in all. Flags that fix the model, its vocabulary or the state (the corpus, the shape, the seed,
 * the learning rate) cannot change: a different value is a one-line usage error. Training flags
 * such as `--patience` or `--schedule` may change, and then the run goes on differently.
 *
 * @module
 */

import { loadCheckpoint, saveCheckpoint } from "../io/checkpoint.ts";
import { loadModel } from "../io/model_dir.ts";
import type { MiniNeuralLM } from "../model.ts";
import type { Schedule } from "../schedule.ts";
import type { TextPreprocessor } from "../text/preprocessor.ts";
import type { TrainState } from "../train.ts";
import { trainStateFromCheckpoint, trainStateToCheckpoint } from "../train/resume.ts";
import { loadCorpus } from "./corpus.ts";
import { type FlagSpec, type FlagValues, parseFlags, UsageError } from "./flags.ts";
import { parseSchedule, TRAIN_FLAGS, trainOnCorpus, type TrainRun } from "./train.ts";

/**
 * The flags a resumed run keeps: they fix the vocabulary, the model's shape, or a number of the
 * saved state (the seed drew the initial parameters; the learning rate goes on from the state).
 */
export const FIXED_FLAGS: readonly string[] = [
  "corpus",
  "min-count",
  "lowercase",
  "context",
  "embed",
  "hidden",
  "activation",
  "dropout",
  "direct",
  "dtype",
  "output",
  "seed",
  "lr",
];

/**
 * The schedule of a run's flags: `--schedule`, with `--lr-floor` and `--restore` for a plateau
 * schedule. Either of those two with another schedule is a {@linkcode UsageError}.
 */
export function scheduleOf(f: FlagValues): Schedule {
  const schedule = parseSchedule(String(f.schedule))!;
  const floor = (f["lr-floor"] ?? 0) as number, restore = (f.restore ?? false) as boolean;
  if (schedule.kind !== "plateau") {
    if (floor > 0 || restore) {
      throw new UsageError(
        `train: --${floor > 0 ? "lr-floor" : "restore"} expected --schedule ` +
          `plateau:FACTOR[:PATIENCE], got --schedule ${f.schedule}`,
      );
    }
    return schedule;
  }
  return { ...schedule, ...(floor > 0 ? { floor } : {}), ...(restore ? { restore } : {}) };
}

/** The flags of a run as `config.json` records them: the output and one-off flags left out. */
export function flagRecord(f: FlagValues): FlagValues {
  return { ...f, out: undefined, force: undefined, help: undefined, resume: undefined };
}

/**
 * Saves a run into its model directory, atomically: the best parameters so far as the model,
 * the flags, the vocabulary, and the state to resume from (`training.json`,
 * `optimizer.safetensors`).
 */
export async function saveRun(
  out: string,
  f: FlagValues,
  model: MiniNeuralLM,
  pre: TextPreprocessor,
  state: TrainState,
): Promise<void> {
  const parts = trainStateToCheckpoint(state);
  await saveCheckpoint(out, {
    params: parts.params,
    config: { model: model.config, training: flagRecord(f) },
    vocab: pre.toJSON(),
    extra: parts.training,
    optimizer: parts.optimizer,
  });
}

/** The last line of a run: perplexities, time, where it was saved, and why it stopped early. */
export function summary(run: TrainRun, out: string): string {
  const { stopReason, state } = run.result;
  const why = stopReason === "patience"
    ? `; stopped after epoch ${state.epoch}: no better validation loss for --patience epochs`
    : stopReason === "floor"
    ? `; stopped after epoch ${state.epoch}: the learning rate fell below --lr-floor`
    : "";
  return `validation perplexity ${run.validPerplexity.toFixed(2)}, test ${
    run.testPerplexity.toFixed(2)
  } (${run.seconds.toFixed(1)} s); saved to ${out}${why}`;
}

/** The flags given on the command line, and only those (no defaults). */
function givenFlags(args: string[]): FlagValues {
  const bare: Record<string, FlagSpec> = {};
  for (const [name, spec] of Object.entries(TRAIN_FLAGS)) {
    bare[name] = { ...spec, default: undefined };
  }
  return parseFlags("train", args, bare);
}

/** `train --resume DIR`: loads the run, checks the flags against it, trains on, saves. */
export async function resumeCommand(
  args: string[],
  log: (s: string) => void,
  note: (s: string) => void,
): Promise<void> {
  const given = givenFlags(args);
  const dir = String(given.resume);
  for (const name of ["out", "force"]) {
    if (given[name] !== undefined) {
      throw new UsageError(
        `train: --${name} expected nothing with --resume (a resumed run saves into ${dir})`,
      );
    }
  }
  const saved = await loadModel(dir);
  const checkpoint = await loadCheckpoint(dir);
  const training = checkpoint.config.training;
  if (checkpoint.extra === undefined || training === null || typeof training !== "object") {
    throw new Error(
      `train: ${dir} holds a model but no training state (training.json); it cannot be ` +
        "resumed: train it again",
    );
  }
  const savedFlags = training as FlagValues;
  for (const name of FIXED_FLAGS) {
    const was = savedFlags[name] ?? TRAIN_FLAGS[name].default;
    if (given[name] !== undefined && given[name] !== was) {
      throw new UsageError(
        `train: --${name} ${given[name]} conflicts with --${name} ${was} of the run in ${dir}; ` +
          "leave it out to resume",
      );
    }
  }
  const defaults = parseFlags("train", [], TRAIN_FLAGS);
  const defined = Object.entries(given).filter(([, v]) => v !== undefined);
  const f: FlagValues = { ...defaults, ...savedFlags, ...Object.fromEntries(defined) };
  scheduleOf(f);
  const state = trainStateFromCheckpoint("train", saved.model, checkpoint.extra, checkpoint);
  if (state.stopReason === "patience" || state.stopReason === "floor") {
    return log(
      `${dir}: the run stopped after epoch ${state.epoch} (${
        state.stopReason === "patience" ? "no better validation loss" : "learning rate below floor"
      }); nothing to resume`,
    );
  }
  if (state.epoch >= (f.epochs as number)) {
    return log(
      `${dir}: ${state.epoch} of ${f.epochs} epochs done; pass --epochs above ${state.epoch} ` +
        "to train on",
    );
  }
  note(`${dir}: resuming after epoch ${state.epoch}, up to epoch ${f.epochs}`);
  const run = await trainOnCorpus(loadCorpus(String(f.corpus)), f, note, true, {
    saved,
    resume: state,
    onEpoch: (next, model, pre) => saveRun(dir, f, model, pre, next),
  });
  log(summary(run, dir));
}
