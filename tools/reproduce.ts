/**
 * `deno task reproduce`: the Brown-corpus experiment of Bengio et al. (2003), section 4.1, on
 * the canonical split (first 800,000 tokens train, next 200,000 validate, the rest test).
 *
 * It trains, each to early stopping on validation,
 *
 * - `canonical`: the benchmark's model (context 4, embeddings 60, 100 ReLU units, float32);
 * - `mlp9`: the paper's MLP9 shape (n = 5, h = 100, m = 30, tanh, no direct connections);
 *
 * measures interpolated Kneser–Ney 3-, 4- and 5-grams on the same tokens, mixes each network with
 * the trigram as the paper's MLP10 does (probabilities averaged, the weight chosen on
 * validation), mixes all the networks it trained with the Kneser–Ney trigram and 5-gram with
 * weights fitted on validation by EM (`mixtureEM` in the file), and writes everything to
 * `data/reproduction.json` after every epoch, so that a run stopped early still leaves its
 * learning curves. `notebooks/06_real_text.ipynb` reads that file.
 *
 * Each network is saved after every epoch as a model directory, `out/reproduce/<name>/` (the
 * best parameters so far, which `deno task generate --model` reads, and the state to go on
 * from). Run the command again after an interruption and each network goes on after its last
 * saved epoch, with the numbers of a run that never stopped; a network that has finished is
 * only measured again. `--fresh` trains from the start (it replaces the saved models, and never
 * touches any other file).
 *
 * ```sh
 * deno task reproduce                     # both models, up to 20 epochs each; resumes
 * deno task reproduce --models mlp9 --epochs 3
 * deno task reproduce --fresh             # start over
 * deno task reproduce --epochs 2 --max-steps 20 --out /tmp/r.json --checkpoints /tmp/r
 *                                         # a quick check of the whole script
 * ```
 */

import { brownSplit } from "../lib/io/corpus.ts";
import { loadCheckpoint, saveCheckpoint } from "../lib/io/checkpoint.ts";
import { checkModelDestination, loadModel } from "../lib/io/model_dir.ts";
import { MiniNeuralLM, type ModelConfig } from "../lib/model.ts";
import {
  chooseMixtureWeight,
  fitMixtureWeights,
  mixturePerplexity,
  mixturePerplexityOf,
} from "../lib/ngram/mixture.ts";
import { KneserNey } from "../lib/ngram/kneser_ney.ts";
import { TextPreprocessor } from "../lib/text/preprocessor.ts";
import { evaluate, targetProbabilities } from "../lib/evaluate.ts";
import { RECIPES } from "../lib/recipes.ts";
import { trainAsync, type TrainOptions, type TrainState } from "../lib/train.ts";
import { trainStateFromCheckpoint, trainStateToCheckpoint } from "../lib/train/resume.ts";

const USAGE = "deno task reproduce [--models canonical,mlp9] [--epochs N] [--out FILE] " +
  "[--checkpoints DIR] [--fresh] [--max-steps N]";
const args = new Map<string, string>();
for (let i = 0; i < Deno.args.length; i++) {
  const name = Deno.args[i].replace(/^--/, "");
  if (name === "fresh") {
    args.set(name, "true");
  } else if (
    ["out", "epochs", "models", "checkpoints", "max-steps"].includes(name) &&
    i + 1 < Deno.args.length
  ) {
    args.set(name, Deno.args[++i]);
  } else {
    console.error(`reproduce: unexpected ${JSON.stringify(Deno.args[i])}; usage: ${USAGE}`);
    Deno.exit(2);
  }
}
const OUT = args.get("out") ?? "data/reproduction.json";
const EPOCHS = Number(args.get("epochs") ?? RECIPES.canonical.training.epochs);
const WANTED = (args.get("models") ?? "canonical,mlp9").split(",");
const CHECKPOINTS = args.get("checkpoints") ?? "out/reproduce";
const FRESH = args.has("fresh");
/** Updates per epoch, for a quick check of the whole script (default: full epochs). */
const MAX_STEPS = args.has("max-steps") ? Number(args.get("max-steps")) : undefined;
for (const [flag, value] of [["epochs", EPOCHS], ["max-steps", MAX_STEPS ?? 1]] as const) {
  if (!Number.isSafeInteger(value) || value < 1) {
    console.error(`reproduce: --${flag} expected a positive integer, got ${args.get(flag)}`);
    Deno.exit(2);
  }
}

/** The two networks: the shape, and how each is trained (the recipes of `lib/recipes.ts`). */
const MODELS: Record<string, { config: Omit<ModelConfig, "vocabSize">; train: TrainOptions }> = {
  canonical: { config: RECIPES.canonical.model, train: RECIPES.canonical.training },
  mlp9: { config: RECIPES.mlp9.model, train: RECIPES.mlp9.training },
};
for (const name of WANTED) {
  if (!MODELS[name]) {
    console.error(`reproduce: unknown model ${name}; known: ${Object.keys(MODELS).join(", ")}`);
    Deno.exit(2);
  }
}
// Every checkpoint directory is checked before hours of work: it may hold our model, or files
// of other programs beside which ours are saved, never in their place.
for (const name of WANTED) await checkModelDestination(`${CHECKPOINTS}/${name}`, { force: true });

// deno-lint-ignore no-explicit-any
const results: Record<string, any> = {
  command: `deno task reproduce ${Deno.args.join(" ")}`.trim(),
  started: new Date().toISOString(),
  machine: `${navigator.hardwareConcurrency} CPUs, Deno ${Deno.version.deno}, ${Deno.build.os}`,
  models: {},
};
/** Writes the results so far, atomically: a reader never sees half a file. Synchronous, since
 * it runs inside the synchronous training loop's callback. */
function save(): void {
  const tmp = `${OUT}.tmp`;
  Deno.writeTextFileSync(tmp, JSON.stringify(results, null, 1) + "\n");
  Deno.renameSync(tmp, OUT);
}

const split = brownSplit("brown");
const pre = TextPreprocessor.fitTokens(split.train, { minCount: 4, contextSize: 4 });
const ids = {
  train: pre.encodeTokens(split.train),
  valid: pre.encodeTokens(split.valid),
  test: pre.encodeTokens(split.test),
};
results.corpus = {
  train: split.train.length,
  valid: split.valid.length,
  test: split.test.length,
  vocabulary: pre.vocabSize,
};
console.log(`Brown: ${JSON.stringify(results.corpus)}`);

results.kneserNey = {};
const knProbs: Record<string, { valid: Float64Array; test: Float64Array }> = {};
for (const order of [3, 4, 5]) {
  const started = performance.now();
  const kn = KneserNey.train(ids.train, {
    order,
    vocabSize: pre.vocabSize,
    boundary: pre.vocab.boundaryIndex,
  });
  results.kneserNey[order] = {
    valid: kn.perplexity(ids.valid),
    test: kn.perplexity(ids.test),
    seconds: (performance.now() - started) / 1000,
  };
  console.log(`Kneser-Ney ${order}-gram: ${JSON.stringify(results.kneserNey[order])}`);
  if (order === 3 || order === 5) {
    knProbs[`kn${order}`] = { valid: kn.targetProbs(ids.valid), test: kn.targetProbs(ids.test) };
  }
}
save();
const knValid = knProbs.kn3.valid;
const knTest = knProbs.kn3.test;
/** Each network's probability of every validation and test target, for the EM mixture. */
const netProbs: Record<string, { valid: Float64Array; test: Float64Array }> = {};

/** The state saved in a network's directory, or `undefined` (none yet, or `--fresh`). */
async function savedState(dir: string, model: MiniNeuralLM): Promise<TrainState | undefined> {
  if (FRESH) return undefined;
  const present = await Deno.lstat(`${dir}/manifest.json`).then(() => true, () => false);
  if (!present) return undefined;
  const saved = await loadModel(dir); // checks that config, vocabulary and tensors agree
  if (JSON.stringify(saved.config) !== JSON.stringify(model.config)) {
    throw new Error(
      `reproduce: ${dir} holds another model (${JSON.stringify(saved.config)}); move it away, ` +
        "or pass --fresh to replace it",
    );
  }
  const checkpoint = await loadCheckpoint(dir);
  return trainStateFromCheckpoint("reproduce", model, checkpoint.extra, checkpoint);
}

for (const name of WANTED) {
  const spec = MODELS[name];
  const model = new MiniNeuralLM({ ...spec.config, vocabSize: pre.vocabSize });
  const data = { train: pre.windows(ids.train), valid: pre.windows(ids.valid) };
  const testData = pre.windows(ids.test);
  const dir = `${CHECKPOINTS}/${name}`;
  const resume = await savedState(dir, model);
  const finished = resume !== undefined &&
    (resume.stopReason === "patience" || resume.stopReason === "floor" || resume.epoch >= EPOCHS);
  const entry = {
    config: model.config,
    parameters: model.parameterCount(),
    training: { ...spec.train, epochs: EPOCHS, maxStepsPerEpoch: MAX_STEPS },
    epochs: [...(resume?.history.epochs ?? [])] as unknown[],
    done: false,
    checkpoint: dir,
    resumedAfterEpoch: resume?.epoch ?? 0,
  };
  results.models[name] = entry;
  save();
  console.log(
    `${name}: ${model.parameterCount()} parameters` +
      (resume
        ? `; ${dir} holds epoch ${resume.epoch}${finished ? " (finished)" : ", resuming"}`
        : ""),
  );
  const result = await trainAsync(model, model.init(spec.train.seed ?? 0), data, {
    ...spec.train,
    maxStepsPerEpoch: MAX_STEPS,
    epochs: finished ? resume.epoch : EPOCHS, // a finished network is only measured again
    progress: !finished,
    resume,
    onEpoch: async (record, _params, state) => {
      const parts = trainStateToCheckpoint(state);
      await saveCheckpoint(dir, {
        params: parts.params,
        config: { model: model.config, training: entry.training },
        vocab: pre.toJSON(),
        extra: parts.training,
        optimizer: parts.optimizer,
      });
      entry.epochs.push(record);
      save();
    },
  });
  const seconds = result.history.epochs.reduce((sum, e) => sum + e.seconds, 0);
  const valid = evaluate(model, result.params, data.valid);
  const test = evaluate(model, result.params, testData);
  netProbs[name] = {
    valid: targetProbabilities(model, result.params, data.valid),
    test: targetProbabilities(model, result.params, testData),
  };
  const choice = chooseMixtureWeight(netProbs[name].valid, knValid);
  const mixTest = mixturePerplexity(netProbs[name].test, knTest, choice.weight);
  const mixture = { weight: choice.weight, valid: choice.perplexity, test: mixTest };
  Object.assign(entry, {
    done: true,
    bestEpoch: result.bestEpoch,
    stoppedEarly: result.stoppedEarly,
    stopReason: result.stopReason,
    seconds,
    valid: valid.perplexity,
    test: test.perplexity,
    mixture,
  });
  save();
  console.log(
    `${name}: ${JSON.stringify({ valid: valid.perplexity, test: test.perplexity, mixture })}`,
  );
}

/** A mixture of `names`' probabilities, its weights fitted on validation by EM. */
function emMixture(names: string[], components: typeof netProbs) {
  const fit = fitMixtureWeights(names.map((n) => components[n].valid));
  return {
    components: names,
    weights: Object.fromEntries(names.map((n, k) => [n, fit.weights[k]])),
    valid: fit.perplexity,
    test: mixturePerplexityOf(names.map((n) => components[n].test), fit.weights),
    iterations: fit.iterations,
    converged: fit.converged,
  };
}

// The ensemble: the networks alone. Then all the networks and the Kneser–Ney trigram and
// 5-gram. Weights fitted on validation by EM.
if (Object.keys(netProbs).length > 1) {
  results.ensembleEM = emMixture(Object.keys(netProbs), netProbs);
  console.log(`EM ensemble of the networks: ${JSON.stringify(results.ensembleEM)}`);
}
const components = { ...netProbs, ...knProbs };
results.mixtureEM = emMixture(Object.keys(components), components);
console.log(`EM mixture: ${JSON.stringify(results.mixtureEM)}`);
results.finished = new Date().toISOString();
save();
