/**
 * `deno task demo`: the `demo` recipe on the news part of the Brown corpus, against an
 * interpolated Kneser–Ney trigram trained on the same tokens, their mixture, and samples.
 *
 * @module
 */

import { targetProbabilities } from "../evaluate.ts";
import { KneserNey } from "../ngram/kneser_ney.ts";
import { chooseMixtureWeight, mixturePerplexity } from "../ngram/mixture.ts";
import { RECIPES } from "../recipes.ts";
import { loadCorpus } from "./corpus.ts";
import { type FlagSpec, type FlagValues, helpText, parseFlags } from "./flags.ts";
import { sampleTexts } from "./generate.ts";
import { CLI_MAX_PARAMETERS, trainOnCorpus } from "./train.ts";

const DEMO = RECIPES.demo;

/** The flags of `demo`; everything else is the `demo` recipe. */
export const DEMO_FLAGS: Record<string, FlagSpec> = {
  epochs: {
    kind: "integer",
    help: "most passes over brown-news",
    default: DEMO.training.epochs,
    min: 1,
    max: 1000,
  },
  seed: { kind: "integer", help: "seed of everything", default: DEMO.training.seed },
};

/** The `train` flags that make the `demo` recipe. */
function recipeFlags(f: FlagValues): FlagValues {
  const m = DEMO.model, t = DEMO.training;
  return {
    lowercase: false,
    "min-count": DEMO.data.minCount,
    context: m.contextSize,
    embed: m.embedDim,
    hidden: m.hidden.join(","),
    activation: m.activation,
    dropout: m.dropout,
    direct: m.directConnections,
    dtype: m.dtype,
    lr: t.lr,
    momentum: t.momentum,
    batch: t.batchSize,
    epochs: f.epochs,
    schedule: "constant",
    "weight-decay": t.weightDecay,
    patience: t.patience,
    seed: f.seed,
    "max-params": CLI_MAX_PARAMETERS,
  };
}

/** `demo`: train, compare with Kneser–Ney and the mixture, sample. */
export async function demoCommand(
  args: string[],
  log: (s: string) => void,
  _note: (s: string) => void,
): Promise<void> {
  const f = parseFlags("demo", args, DEMO_FLAGS);
  if (f.help) {
    return log(helpText(
      "demo",
      "Trains a small model on the news part of the Brown corpus, compares its perplexity with\n" +
        "an interpolated Kneser-Ney trigram's and with their mixture, and samples a few sentences.",
      DEMO_FLAGS,
    ));
  }
  const corpus = loadCorpus(DEMO.data.corpus);
  const run = await trainOnCorpus(corpus, recipeFlags(f), log, true);
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
  log(row(
    `neural model (${run.seconds.toFixed(0)} s of training)`,
    run.validPerplexity,
    run.testPerplexity,
  ));
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
