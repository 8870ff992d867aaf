/**
 * The plumbing of rich notebook output: MIME bundles, the display symbol, escaping, and a safe
 * handle on `Deno.jupyter`.
 *
 * A Jupyter frontend shows a cell's output from a *MIME bundle*: one object that offers the same
 * content in several formats, keyed by media type, from which the frontend picks the richest it
 * can render:
 *
 * ```text
 * { "text/plain": "Matrix [2, 2] float64 …",          every frontend (and the terminal)
 *   "text/html": "<table>…</table>",                    classic Notebook, JupyterLab, VS Code
 *   "application/vnd.plotly.v1+json": {data, layout} } frontends that draw plotly natively
 * ```
 *
 * The Deno kernel displays an object as the bundle its `[Symbol.for("Jupyter.display")]()` method
 * returns ({@linkcode JUPYTER_DISPLAY}), when the object is a cell's last expression or is passed
 * to `Deno.jupyter.display`. Outside the kernel (`deno run`, `deno test`) nothing is displayed,
 * but the bundles can still be built and inspected, which is how the tests check them.
 *
 * @module
 */

import { argError, describeValue } from "../errors.ts";

/**
 * The key under which the Deno kernel looks for an object's display method. It is the global
 * symbol `Symbol.for("Jupyter.display")`, so objects need no import of the kernel to display.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { JUPYTER_DISPLAY } from "./jupyter.ts";
 * const note = { [JUPYTER_DISPLAY]: () => ({ "text/plain": "hello" }) };
 * assertEquals(note[JUPYTER_DISPLAY](), { "text/plain": "hello" });
 * assertEquals(JUPYTER_DISPLAY, Symbol.for("Jupyter.display"));
 * ```
 */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for("Jupyter.display");

/**
 * A MIME bundle: one output in several formats, keyed by media type. `text/plain` is always
 * present, so every frontend has something to show.
 */
export interface MimeBundle {
  /** The plain-text rendering (terminals, and frontends that render nothing richer). */
  "text/plain": string;
  /** An HTML rendering (classic Notebook, JupyterLab, VS Code, nbconvert's HTML export). */
  "text/html"?: string;
  /** A plotly figure spec, for frontends that draw plotly themselves. */
  "application/vnd.plotly.v1+json"?: { data: unknown[]; layout: Record<string, unknown> };
  /** Any other media type. */
  [mime: string]: string | object | undefined;
}

/** An object that shows itself in a notebook: it has a {@linkcode JUPYTER_DISPLAY} method. */
export interface Displayable {
  /** Returns the MIME bundle of the object. */
  [JUPYTER_DISPLAY](): MimeBundle;
}

/** Options of a display message, as `Deno.jupyter.display` takes them. */
export interface DisplayOptions {
  /** `true`: the first argument is a MIME bundle to send as it is. */
  raw: true;
  /** Names the output, so that a later message with `update: true` can replace it. */
  display_id?: string;
  /** Replace the output named `display_id` instead of adding one. */
  update?: boolean;
}

/** Sends a MIME bundle to the notebook, as `Deno.jupyter.display` does. */
export type DisplayFunction = (
  bundle: MimeBundle,
  options: DisplayOptions,
) => Promise<void> | void;

/**
 * `Deno.jupyter.display` when this code runs in the Deno Jupyter kernel, `null` elsewhere.
 *
 * `Deno.jupyter` is not merely absent outside the kernel: reading it throws, so the check has to
 * catch.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { kernelDisplay } from "./jupyter.ts";
 * assertEquals(kernelDisplay(), null); // `deno test` is not a kernel
 * ```
 */
export function kernelDisplay(): DisplayFunction | null {
  try {
    const jupyter = Deno.jupyter;
    if (jupyter && typeof jupyter.display === "function") {
      return (bundle, options) => jupyter.display(bundle, options);
    }
  } catch {
    // not in a kernel: `Deno.jupyter` throws when read
  }
  return null;
}

/**
 * Displays an object now, from anywhere in a cell (inside a loop, before the cell ends), as
 * IPython's `display()` does; the kernel shows it as soon as the event loop runs. Outside the
 * kernel it does nothing and resolves to `false`.
 *
 * @param x an object with a {@linkcode JUPYTER_DISPLAY} method (a figure, a matrix view, a
 *   polars DataFrame)
 * @param display where to send the bundle (default: the kernel's, when there is one)
 * @returns whether a display message was sent
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { JUPYTER_DISPLAY, show } from "./jupyter.ts";
 * const note = { [JUPYTER_DISPLAY]: () => ({ "text/plain": "hi" }) };
 * assertEquals(await show(note), false); // no kernel under `deno test`
 * const sent: unknown[] = [];
 * assertEquals(await show(note, (bundle) => void sent.push(bundle)), true);
 * assertEquals(sent, [{ "text/plain": "hi" }]);
 * ```
 */
export async function show(
  x: object,
  display: DisplayFunction | null = kernelDisplay(),
): Promise<boolean> {
  const bundle = bundleOf("show", x);
  if (display === null) return false;
  await display(bundle, { raw: true });
  return true;
}

/**
 * The MIME bundle of any object with a {@linkcode JUPYTER_DISPLAY} method (a figure, a matrix
 * view, a polars DataFrame). Throws a `TypeError` for anything else, or for a method that answers
 * with a promise.
 *
 * @param fn the public function asking, for the error message
 * @param x the object
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { bundleOf } from "./jupyter.ts";
 * const note = { [Symbol.for("Jupyter.display")]: () => ({ "text/plain": "hi" }) };
 * assertEquals(bundleOf("f", note), { "text/plain": "hi" });
 * assertThrows(() => bundleOf("f", 42), TypeError, "f: x expected an object with a");
 * ```
 */
export function bundleOf(fn: string, x: unknown): MimeBundle {
  const method = x !== null && typeof x === "object"
    ? (x as Partial<Displayable>)[JUPYTER_DISPLAY]
    : undefined;
  if (typeof method !== "function") {
    throw argError(
      fn,
      "x",
      'an object with a [Symbol.for("Jupyter.display")]() method',
      describeValue(x),
      TypeError,
    );
  }
  const bundle: unknown = method.call(x);
  if (bundle === null || typeof bundle !== "object" || bundle instanceof Promise) {
    throw argError(
      fn,
      "x",
      "a display method that returns a MIME bundle object (not a promise)",
      describeValue(bundle),
      TypeError,
    );
  }
  return bundle as MimeBundle;
}

const HTML_ENTITIES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * Escapes text for HTML, in element content and in quoted attribute values alike:
 * `& < > " '` become entities, so a word such as `<unk>` shows as itself instead of being read
 * as a tag.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { escapeHtml } from "./jupyter.ts";
 * assertEquals(escapeHtml(`<b>& "x" 'y'`), "&lt;b&gt;&amp; &quot;x&quot; &#39;y&#39;");
 * ```
 */
export function escapeHtml(text: string): string {
  return String(text).replace(/[&<>"']/g, (c) => HTML_ENTITIES[c]);
}

/**
 * JSON that is safe to place inside an HTML `<script>` element.
 *
 * A `<script>` ends at the first `</script` in its text, whatever the JavaScript around it means,
 * so a label such as `"</script><b>"` inside a JSON string would cut the script short. Writing
 * `<`, `>` and `&` as the JSON escapes `\u003c`, `\u003e`, `\u0026` keeps the same value while
 * no markup can appear; U+2028 and U+2029 are escaped as well, for older JavaScript parsers
 * that end a string literal there.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { scriptJson } from "./jupyter.ts";
 * const text = scriptJson({ label: "</script>&" });
 * assertEquals(text, '{"label":"\\u003c/script\\u003e\\u0026"}');
 * assertEquals(JSON.parse(text), { label: "</script>&" });
 * ```
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/**
 * A short, stable fingerprint of a string: 32-bit FNV-1a over its UTF-16 code units, as 8 hex
 * digits. Used to make element ids that differ between different figures yet are the same on
 * every run.
 *
 * @example
 * ```ts
 * import { assertEquals, assertNotEquals } from "@std/assert";
 * import { fingerprint } from "./jupyter.ts";
 * assertEquals(fingerprint(""), "811c9dc5"); // the FNV-1a offset basis: nothing hashed yet
 * assertEquals(fingerprint("abc"), fingerprint("abc"));
 * assertNotEquals(fingerprint("abc"), fingerprint("abd"));
 * ```
 */
export function fingerprint(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, "0");
}

/**
 * Formats a number for a table cell or a summary line: up to 4 decimals for ordinary
 * magnitudes, 3 significant digits in exponent form for very large or very small ones.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { formatNumber } from "./jupyter.ts";
 * assertEquals(formatNumber(0.5), "0.5");
 * assertEquals(formatNumber(-1.23456), "-1.2346");
 * assertEquals(formatNumber(0.00001234), "1.23e-5");
 * assertEquals(formatNumber(NaN), "NaN");
 * ```
 */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return "0";
  const a = Math.abs(x);
  if (a >= 1e5 || a < 1e-3) return x.toExponential(2);
  return x.toFixed(4).replace(/\.?0+$/, "");
}
