/**
 * mini-neural-lm: a feed-forward neural language model (Bengio et al. 2003) from scratch.
 *
 * @module
 */

export * from "./errors.ts";
export * from "./tensor.ts";
export * from "./random.ts";
export * from "./check/gradcheck.ts";
