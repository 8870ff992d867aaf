/**
 * What the command-line tests share: the CLI run in this process with its output collected, a
 * temporary directory removed afterwards, and the flags of a small, fast training run.
 *
 * @module
 */

import { main } from "../lib/cli.ts";

/** Runs the CLI in this process; returns its exit status and what it printed. */
export async function cli(
  ...argv: string[]
): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, (s) => out.push(s), (s) => err.push(s));
  return { code, out: out.join("\n"), err: err.join("\n") };
}

/** Calls `f` with a fresh temporary directory, removed afterwards whatever happens. */
export async function withTempDir(
  f: (dir: string) => Promise<void>,
  prefix = "mnlm-cli-",
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix });
  try {
    await f(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A small, fast training run on a toy text, with extra flags appended. */
export const quick = (...extra: string[]): string[] => [
  "train",
  "--corpus",
  "toy",
  "--min-count",
  "1",
  "--epochs",
  "1",
  "--max-steps",
  "2",
  "--hidden",
  "8",
  "--embed",
  "4",
  ...extra,
];
