/**
 * The command line: `train`, `generate` and `demo`, run through `deno task`.
 *
 * ```sh
 * deno task demo
 * deno task train --corpus brown-news --epochs 3 --out out/news
 * deno task generate --model out/news --prompt "The jury said" --temperature 0.8
 * ```
 *
 * Every failure is one line on standard error and a non-zero exit status: 2 for a mistake in the
 * command line (found before any file is read), 1 for anything else (a missing file, a corpus
 * too small, a directory that is not a model, a run that diverged). No stack traces. Results go
 * to standard output; progress and notes to standard error.
 *
 * @module
 */

import { demoCommand } from "./cli/demo.ts";
import { UsageError } from "./cli/flags.ts";
import { generateCommand } from "./cli/generate.ts";
import { trainCommand } from "./cli/train.ts";

export { parseFlags, UsageError } from "./cli/flags.ts";
export { loadModel } from "./io/model_dir.ts";

type Command = (
  args: string[],
  log: (s: string) => void,
  note: (s: string) => void,
) => Promise<void>;

const COMMANDS: Record<string, Command> = {
  train: trainCommand,
  generate: generateCommand,
  demo: demoCommand,
};

/**
 * Runs a command; returns the exit status (0 success, 1 failure, 2 usage) after printing any
 * error as one line on `error`. Results go to `log`, notes to `error`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { main } from "./cli.ts";
 * const errors: string[] = [];
 * assertEquals(await main(["train", "--epochs", "0"], () => {}, (s) => errors.push(s)), 2);
 * assertEquals(errors, ['error: train: --epochs expected an integer >= 1, got "0"']);
 * ```
 */
export async function main(
  argv: readonly string[],
  log: (s: string) => void = console.log,
  error: (s: string) => void = console.error,
): Promise<number> {
  const [command, ...rest] = argv;
  const run = Object.hasOwn(COMMANDS, command ?? "") ? COMMANDS[command] : undefined;
  if (!run) {
    const text = `usage: deno task <${Object.keys(COMMANDS).join("|")}> [flags]  (--help on each)`;
    if (command === undefined || command === "--help" || command === "help") {
      (command === undefined ? error : log)(text);
      return command === undefined ? 2 : 0;
    }
    error(`error: unknown command "${command}"; ${text}`);
    return 2;
  }
  try {
    await run(rest, log, error);
    return 0;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    error(`error: ${message.split("\n")[0]}`);
    return e instanceof UsageError ? 2 : 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
