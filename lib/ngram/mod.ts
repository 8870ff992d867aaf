/**
 * The n-gram baseline: interpolated modified Kneser–Ney of orders 2 to 5, and the mixture of a
 * network with it that Bengio et al. (2003) report.
 *
 * ```ts
 * import { assert } from "@std/assert";
 * import { KneserNey } from "./mod.ts";
 * const kn = KneserNey.train(Int32Array.from([0, 1, 2, 0, 1, 2, 0, 1]), { order: 2, vocabSize: 3, boundary: 0 });
 * assert(kn.perplexity(Int32Array.from([0, 1, 2])) < 3);
 * ```
 *
 * @module
 */

export * from "./kneser_ney.ts";
export * from "./mixture.ts";
