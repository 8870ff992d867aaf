/**
 * mini-neural-lm: a feed-forward neural language model in the style of Bengio et al. 2003,
 * written from scratch: every equation a pure function with its backward beside it.
 *
 * ```ts
 * import { assert } from "@std/assert";
 * import { indexMatrix, MiniNeuralLM } from "./mod.ts";
 * const model = new MiniNeuralLM({ vocabSize: 10, contextSize: 3, embedDim: 8, hidden: [16] });
 * const params = model.init(42);
 * const { probs } = model.forward(params, indexMatrix([[1, 2, 3]]));
 * assert(Math.abs(probs.row(0).reduce((a, b) => a + b) - 1) < 1e-12);
 * ```
 *
 * @module
 */

// the array type, errors, randomness
export * from "./errors.ts";
export * from "./tensor.ts";
export * from "./random.ts";

// one equation per file, forward and backward side by side
export * from "./nn/embedding.ts";
export * from "./nn/linear.ts";
export * from "./nn/activation.ts";
export * from "./nn/dropout.ts";
export * from "./nn/softmax.ts";
export * from "./nn/cross_entropy.ts";
export * from "./nn/momentum.ts";
export * from "./nn/init.ts";

// checking gradients
export * from "./check/gradcheck.ts";

// text: tokenizers, vocabulary, windows, the preprocessor
export * from "./text/tokenize.ts";
export * from "./text/vocab.ts";
export * from "./text/windows.ts";
export * from "./text/preprocessor.ts";

// corpora: Brown (npm), first names, toy texts, local files
export * from "./io/corpus.ts";

// the model, its training and generation
export * from "./model.ts";
export * from "./train.ts";
export * from "./generate.ts";
export * from "./progress.ts";

// exercises for students: checkers that say what is wrong

// fast paths: WebAssembly kernels shared between threads, tested against nn/
export * from "./kernels/fast.ts";
export { KernelArena, kernelsAvailable } from "./kernels/wasm.ts";

// checkpoints in the safetensors format
export * from "./io/safetensors.ts";
export * from "./io/checkpoint.ts";

// the n-gram baseline and the mixture of Bengio et al. 2003
export * from "./ngram/kneser_ney.ts";
export * from "./ngram/mixture.ts";
