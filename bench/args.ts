/**
 * The benchmark scripts' command lines, checked before any work: an unknown flag, a missing
 * value or a number out of range ends the script with one line on standard error and exit
 * status 2.
 *
 * @module
 */

import { parseArgs, type ParseArgsOptionsConfig } from "node:util";

/** Ends the script with `script: message` and status 2. */
export function fail(script: string, message: string): never {
  console.error(`${script}: ${message}`);
  Deno.exit(2);
}

/**
 * `node:util`'s `parseArgs` in strict mode, with its exceptions turned into one line that
 * names the script and shows the usage.
 */
export function benchArgs<T extends ParseArgsOptionsConfig>(
  script: string,
  usage: string,
  options: T,
): ReturnType<typeof parseArgs<{ args: string[]; options: T }>>["values"] {
  try {
    return parseArgs({ args: Deno.args, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    fail(script, `${(error as Error).message.split("\n")[0]}; usage: ${usage}`);
  }
}

/** The integer value of a flag, at least `min`: digits only, so "1e3" and "12.5" are refused. */
export function integerFlag(script: string, flag: string, text: unknown, min = 1): number {
  if (typeof text !== "string" || !/^[0-9]+$/.test(text) || Number(text) < min) {
    fail(script, `--${flag} expected an integer >= ${min}, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/** The value of `--data`: `brown` or `synthetic`. */
export function dataFlag(script: string, text: unknown): "brown" | "synthetic" {
  if (text !== "brown" && text !== "synthetic") {
    fail(script, `--data expected "brown" or "synthetic", got ${JSON.stringify(text)}`);
  }
  return text;
}
