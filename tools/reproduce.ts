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
 * validation), and writes everything to `data/reproduction.json` after every epoch, so that a
 * run stopped early still leaves its learning curves. `notebooks/06_real_text.ipynb` reads that
 * file.
 *
 * ```sh
 * deno task reproduce                     # both models, up to 12 epochs each
 * deno task reproduce --models mlp9 --epochs 3
 * ```
 */

import { brownSplit } from "../lib/io/corpus.ts";
import { MiniNeuralLM, type ModelConfig } from "../lib/model.ts";
import { chooseMixtureWeight, mixturePerplexity } from "../lib/ngram/mixture.ts";
import { KneserNey } from "../lib/ngram/kneser_ney.ts";
import { TextPreprocessor } from "../lib/text/preprocessor.ts";
import { evaluate, targetProbabilities } from "../lib/evaluate.ts";
import { RECIPES } from "../lib/recipes.ts";
import { train, type TrainOptions } from "../lib/train.ts";

const args = new Map<string, string>();
for (let i = 0; i < Deno.args.length; i += 2) {
  args.set(Deno.args[i].replace(/^--/, ""), Deno.args[i + 1]);
}
const OUT = args.get("out") ?? "data/reproduction.json";
const EPOCHS = Number(args.get("epochs") ?? 12);
const WANTED = (args.get("models") ?? "canonical,mlp9").split(",");

/** The two networks: the shape, and how each is trained (the recipes of `lib/recipes.ts`). */
const MODELS: Record<string, { config: Omit<ModelConfig, "vocabSize">; train: TrainOptions }> = {
  canonical: { config: RECIPES.canonical.model, train: RECIPES.canonical.training },
  mlp9: { config: RECIPES.mlp9.model, train: RECIPES.mlp9.training },
};

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
let trigram: KneserNey | undefined;
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
  if (order === 3) trigram = kn;
}
save();
const knValid = trigram!.targetProbs(ids.valid);
const knTest = trigram!.targetProbs(ids.test);

for (const name of WANTED) {
  const spec = MODELS[name];
  if (!spec) throw new Error(`unknown model ${name}; known: ${Object.keys(MODELS).join(", ")}`);
  const model = new MiniNeuralLM({ ...spec.config, vocabSize: pre.vocabSize });
  const data = { train: pre.windows(ids.train), valid: pre.windows(ids.valid) };
  const testData = pre.windows(ids.test);
  const entry = {
    config: model.config,
    parameters: model.parameterCount(),
    training: { ...spec.train, epochs: EPOCHS },
    epochs: [] as unknown[],
    done: false,
  };
  results.models[name] = entry;
  console.log(`${name}: ${model.parameterCount()} parameters`);
  const started = performance.now();
  const result = train(model, model.init(spec.train.seed ?? 0), data, {
    ...spec.train,
    epochs: EPOCHS,
    progress: true,
    onEpoch: (record) => {
      entry.epochs.push(record);
      save();
    },
  });
  const seconds = (performance.now() - started) / 1000;
  const valid = evaluate(model, result.params, data.valid);
  const test = evaluate(model, result.params, testData);
  const choice = chooseMixtureWeight(
    targetProbabilities(model, result.params, data.valid),
    knValid,
  );
  const mixTest = mixturePerplexity(
    targetProbabilities(model, result.params, testData),
    knTest,
    choice.weight,
  );
  Object.assign(entry, {
    done: true,
    bestEpoch: result.bestEpoch,
    stoppedEarly: result.stoppedEarly,
    seconds,
    valid: valid.perplexity,
    test: test.perplexity,
    mixture: { weight: choice.weight, valid: choice.perplexity, test: mixTest },
  });
  save();
  console.log(
    `${name}: ${
      JSON.stringify({ valid: valid.perplexity, test: test.perplexity, mixture: entry })
    }`,
  );
}
results.finished = new Date().toISOString();
save();
