/**
 * `deno task generate`: loads a model directory (every file checked, and checked against the
 * others) and samples continuations of a prompt. Notes such as unknown prompt words go to
 * standard error, so that redirected samples hold samples only.
 *
 * @module
 */

import { generate } from "../generate.ts";
import { loadModel } from "../io/model_dir.ts";
import type { MiniNeuralLM, ModelParams } from "../model.ts";
import { Rng } from "../random.ts";
import type { TextPreprocessor } from "../text/preprocessor.ts";
import { joinWords } from "../text/tokenize.ts";
import { type FlagSpec, helpText, parseFlags } from "./flags.ts";

/** The flags of `generate`. */
export const GENERATE_FLAGS: Record<string, FlagSpec> = {
  model: {
    kind: "string",
    help: "directory written by train",
    default: "out/model",
    nonEmpty: true,
  },
  prompt: { kind: "string", help: "text to continue", default: "" },
  temperature: {
    kind: "number",
    help: "T in softmax(scores / T); 0 is greedy",
    default: 1,
    min: 0,
  },
  "top-k": { kind: "integer", help: "sample among the k most probable words", min: 1 },
  "top-p": {
    kind: "number",
    help: "sample within the nucleus of this probability",
    above: 0,
    max: 1,
  },
  length: { kind: "integer", help: "most words to generate", default: 30, min: 1, max: 100000 },
  count: { kind: "integer", help: "how many samples", default: 3, min: 1, max: 10000 },
  seed: { kind: "integer", help: "seed of the sampler", default: 0 },
  "no-unk": { kind: "boolean", help: "never sample <unk>", default: false },
};

/** Options of {@linkcode sampleTexts}. */
export interface SampleTextOptions {
  /** Never sample `<unk>` (the prompt may still contain it). */
  noUnknown?: boolean;
  /** Sampling temperature (0: greedy). */
  temperature?: number;
  /** Sample among the `k` most probable words. */
  topK?: number;
  /** Sample within the nucleus of this probability. */
  topP?: number;
  /** Most words per sample. */
  length: number;
  /** How many samples. */
  count: number;
  /** Seed of the sampler. */
  seed: number;
}

/** Samples continuations of a prompt; returns them and the prompt's words outside the vocabulary. */
export function sampleTexts(
  model: MiniNeuralLM,
  params: ModelParams,
  pre: TextPreprocessor,
  prompt: string,
  options: SampleTextOptions,
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

/** `generate`: samples on standard output, notes on standard error. */
export async function generateCommand(
  args: string[],
  log: (s: string) => void,
  note: (s: string) => void,
): Promise<void> {
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
  if (unknown.length > 0) note(`note: not in the vocabulary, read as <unk>: ${unknown.join(", ")}`);
  for (const text of texts) log(text);
}
