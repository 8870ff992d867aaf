/**
 * Command-line flags: one table per command says what each flag takes, its range and its
 * default; {@linkcode parseFlags} checks every flag against it before any work starts, and a
 * mistake is a one-line {@linkcode UsageError} that names the flag (exit status 2).
 *
 * Numbers are strict decimals (`0.5`, `1e-4`, `-3`); integers are digits only (`12`, not
 * `1e1`, `0x10` or `" 8 "`).
 *
 * @module
 */

/** A mistake in the command line (exit status 2). */
export class UsageError extends Error {
  /**
   * A usage error with its one-line message.
   *
   * @param message what is wrong, in one line
   */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The kinds of value a flag takes. */
export type FlagKind = "string" | "number" | "integer" | "boolean";

/** How one flag is read and checked. */
export interface FlagSpec {
  /** What the value is. */
  kind: FlagKind;
  /** One line for `--help`. */
  help: string;
  /** The value when the flag is not given. */
  default?: string | number | boolean;
  /** Smallest allowed value (inclusive). */
  min?: number;
  /** Largest allowed value (inclusive). */
  max?: number;
  /** The value must be above this (exclusive). */
  above?: number;
  /** The value must be below this (exclusive). */
  below?: number;
  /** The only values a string flag takes. */
  choices?: readonly string[];
  /** A string flag that may not be empty. */
  nonEmpty?: boolean;
  /**
   * A check of a string flag's syntax: returns what is wrong (`"h1 or h1,h2 …"`, the expected
   * form) or `null` when the text is fine.
   */
  expect?: (text: string) => string | null;
}

/** Parsed flags by name. */
export type FlagValues = Record<string, string | number | boolean | undefined>;

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;

/**
 * What a numeric flag expects, in words: `an integer >= 1`, `a number in [0, 1)`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { describeRange } from "./flags.ts";
 * assertEquals(describeRange({ kind: "number", help: "", min: 0, below: 1 }), "a number in [0, 1)");
 * assertEquals(describeRange({ kind: "integer", help: "", min: 1 }), "an integer >= 1");
 * ```
 */
export function describeRange(s: FlagSpec): string {
  const noun = s.kind === "integer" ? "an integer" : "a number";
  const low = s.min !== undefined
    ? ["[", s.min] as const
    : s.above !== undefined
    ? ["(", s.above] as const
    : null;
  const high = s.max !== undefined
    ? ["]", s.max] as const
    : s.below !== undefined
    ? [")", s.below] as const
    : null;
  const show = (n: number) => n.toLocaleString("en-US").replaceAll(",", "");
  if (low && high) return `${noun} in ${low[0]}${show(low[1])}, ${show(high[1])}${high[0]}`;
  if (low) return `${noun} ${low[0] === "[" ? ">=" : ">"} ${show(low[1])}`;
  if (high) return `${noun} ${high[0] === "]" ? "<=" : "<"} ${show(high[1])}`;
  return noun;
}

function inRange(s: FlagSpec, n: number): boolean {
  return (s.min === undefined || n >= s.min) && (s.max === undefined || n <= s.max) &&
    (s.above === undefined || n > s.above) && (s.below === undefined || n < s.below);
}

/** Checks one raw value against its spec; returns the parsed value. */
function readValue(command: string, name: string, s: FlagSpec, raw: string): string | number {
  const bad = (expected: string) =>
    new UsageError(`${command}: --${name} expected ${expected}, got ${JSON.stringify(raw)}`);
  if (s.kind === "string") {
    if (s.nonEmpty && raw === "") throw bad("a non-empty value");
    if (s.choices && !s.choices.includes(raw)) throw bad(s.choices.join(" or "));
    const wrong = s.expect?.(raw) ?? null;
    if (wrong !== null) throw bad(wrong);
    return raw;
  }
  const integer = s.kind === "integer";
  if (!(integer ? INTEGER : DECIMAL).test(raw)) throw bad(integer ? "an integer" : "a number");
  const n = Number(raw);
  if (!Number.isFinite(n) || (integer && !Number.isSafeInteger(n)) || !inRange(s, n)) {
    throw bad(describeRange(s));
  }
  return n;
}

/**
 * Parses `--name value`, `--name=value` and boolean `--name` flags against a spec and checks
 * each value's syntax and range. Unknown flags, missing values, malformed or out-of-range values
 * and positional arguments are {@linkcode UsageError}s naming the flag. `--help` (or `-h`) sets
 * `help`.
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { parseFlags, UsageError } from "./flags.ts";
 * const spec = { epochs: { kind: "integer" as const, help: "", default: 5, min: 1 } };
 * assertEquals(parseFlags("train", ["--epochs=3"], spec), { epochs: 3 });
 * assertThrows(() => parseFlags("train", ["--epoch", "3"], spec), UsageError, "--epoch");
 * assertThrows(() => parseFlags("train", ["--epochs", "0"], spec), UsageError, "an integer >= 1");
 * assertThrows(() => parseFlags("train", ["--epochs", "1e1"], spec), UsageError, "an integer");
 * ```
 */
export function parseFlags(
  command: string,
  args: readonly string[],
  spec: Readonly<Record<string, FlagSpec>>,
): FlagValues {
  const values: FlagValues = {};
  for (const [name, s] of Object.entries(spec)) values[name] = s.default;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--help" || arg === "-h") {
      values.help = true;
      continue;
    }
    if (!arg.startsWith("--")) {
      throw new UsageError(`${command}: unexpected argument "${arg}" (flags start with --)`);
    }
    const eq = arg.indexOf("=");
    const name = (eq === -1 ? arg.slice(2) : arg.slice(2, eq)).replaceAll("_", "-");
    const s = Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (!s) {
      throw new UsageError(`${command}: unknown flag --${name} (see deno task ${command} --help)`);
    }
    let raw: string | undefined = eq === -1 ? undefined : arg.slice(eq + 1);
    if (s.kind === "boolean") {
      if (raw === undefined) values[name] = true;
      else if (raw === "true" || raw === "false") values[name] = raw === "true";
      else throw new UsageError(`${command}: --${name} expected true or false, got "${raw}"`);
      continue;
    }
    if (raw === undefined) {
      raw = args[++i];
      if (raw === undefined) throw new UsageError(`${command}: --${name} needs a value`);
    }
    values[name] = readValue(command, name, s, raw);
  }
  return values;
}

/**
 * The help text of a command, from its spec: one line per flag with its value's kind, range
 * and default.
 *
 * @example
 * ```ts
 * import { assertStringIncludes } from "@std/assert";
 * import { helpText } from "./flags.ts";
 * const text = helpText("demo", "Trains.", { seed: { kind: "integer", help: "seed", default: 1 } });
 * assertStringIncludes(text, "--seed <integer>");
 * ```
 */
export function helpText(command: string, summary: string, spec: Record<string, FlagSpec>): string {
  const lines = [`deno task ${command} [flags]`, "", summary, "", "Flags:"];
  const all: Record<string, FlagSpec> = { ...spec, help: { kind: "boolean", help: "this help" } };
  for (const [name, s] of Object.entries(all)) {
    const value = s.kind === "boolean" ? "" : ` <${s.kind === "string" ? "text" : s.kind}>`;
    const range = s.kind === "number" || s.kind === "integer" ? describeRange(s) : "";
    const notes = [
      range && range !== "a number" && range !== "an integer" ? range.replace(/^an? /, "") : "",
      s.default === undefined || s.default === false || s.default === ""
        ? ""
        : `default ${s.default}`,
    ].filter((x) => x !== "");
    lines.push(
      `  --${name}${value}`.padEnd(30) + ` ${s.help}` +
        (notes.length ? ` (${notes.join("; ")})` : ""),
    );
  }
  return lines.join("\n");
}
