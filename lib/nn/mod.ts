/**
 * The equations of the network, one file each, forward and backward side by side, and the
 * finite-difference gradient check that holds every backward to its forward.
 *
 * ```ts
 * import { assertAlmostEquals } from "@std/assert";
 * import { matrix } from "../tensor.ts";
 * import { softmax, softmaxCrossEntropy } from "./mod.ts";
 * const p = softmax(matrix([[0, Math.log(3)]]));
 * assertAlmostEquals(p.get(0, 1), 0.75, 1e-15);
 * assertAlmostEquals(softmaxCrossEntropy(matrix([[0, Math.log(3)]]), [1]), -Math.log(0.75), 1e-15);
 * ```
 *
 * @module
 */

export * from "./embedding.ts";
export * from "./linear.ts";
export * from "./activation.ts";
export * from "./dropout.ts";
export * from "./softmax.ts";
export * from "./cross_entropy.ts";
export * from "./class_softmax.ts";
export * from "./momentum.ts";
export * from "./init.ts";
export * from "../check/gradcheck.ts";
