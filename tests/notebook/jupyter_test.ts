import { assert, assertEquals, assertFalse, assertRejects, assertThrows } from "@std/assert";
import {
  bundleOf,
  type DisplayOptions,
  escapeHtml,
  fingerprint,
  formatNumber,
  JUPYTER_DISPLAY,
  kernelDisplay,
  type MimeBundle,
  scriptJson,
  show,
} from "../../lib/notebook/jupyter.ts";

Deno.test("JUPYTER_DISPLAY is the global symbol the Deno kernel looks up", () => {
  assertEquals(JUPYTER_DISPLAY, Symbol.for("Jupyter.display"));
});

Deno.test("escapeHtml turns the five HTML-special characters into entities", () => {
  assertEquals(escapeHtml("<b>&"), "&lt;b&gt;&amp;");
  assertEquals(escapeHtml(`"q" 'a'`), "&quot;q&quot; &#39;a&#39;");
  // `&` is escaped first in effect: an entity in the input is shown literally, not decoded.
  assertEquals(escapeHtml("&lt;"), "&amp;lt;");
  assertEquals(escapeHtml("plain words"), "plain words");
});

Deno.test("scriptJson keeps the value and leaves no markup characters in the text", () => {
  const value = {
    label: "</script><script>alert(1)</script>",
    amp: "a & b",
    separators: "line\u2028para\u2029end",
    nested: [{ x: "<unk>" }],
  };
  const text = scriptJson(value);
  assertEquals(JSON.parse(text), value);
  assertFalse(/[<>&\u2028\u2029]/.test(text), text);
  assert(text.includes("\\u003c/script\\u003e"));
});

Deno.test("fingerprint is 32-bit FNV-1a, matching the published test vectors", () => {
  // FNV-1a 32: offset basis 0x811c9dc5, prime 0x01000193; the reference vectors of the FNV
  // authors give fnv1a32("a") = 0xe40c292c and fnv1a32("foobar") = 0xbf9cf968.
  assertEquals(fingerprint(""), "811c9dc5");
  assertEquals(fingerprint("a"), "e40c292c");
  assertEquals(fingerprint("foobar"), "bf9cf968");
});

Deno.test("formatNumber: 4 decimals, trailing zeros dropped, exponents at the extremes", () => {
  assertEquals(formatNumber(0), "0");
  assertEquals(formatNumber(2.5), "2.5");
  assertEquals(formatNumber(100), "100");
  assertEquals(formatNumber(1 / 3), "0.3333");
  assertEquals(formatNumber(-0.001), "-0.001");
  assertEquals(formatNumber(0.0009), "9.00e-4");
  assertEquals(formatNumber(123456), "1.23e+5");
  assertEquals(formatNumber(-Infinity), "-Infinity");
});

Deno.test("kernelDisplay is null outside the Jupyter kernel (reading Deno.jupyter throws)", () => {
  assertEquals(kernelDisplay(), null);
});

Deno.test("show sends the bundle raw, and does nothing without a kernel", async () => {
  const note = { [JUPYTER_DISPLAY]: (): MimeBundle => ({ "text/plain": "hi" }) };
  assertEquals(await show(note), false);
  const sent: [MimeBundle, DisplayOptions][] = [];
  const display = (bundle: MimeBundle, options: DisplayOptions) =>
    void sent.push([bundle, options]);
  assertEquals(await show(note, display), true);
  assertEquals(sent, [[{ "text/plain": "hi" }, { raw: true }]]);
  await assertRejects(() => show({}, display), TypeError, "show: x expected an object with a");
});

Deno.test("bundleOf refuses objects that cannot display and display methods that are async", () => {
  assertThrows(() => bundleOf("f", null), TypeError, "f: x expected an object with a");
  assertThrows(() => bundleOf("f", { text: "x" }), TypeError, "got a Object");
  const lazy = { [JUPYTER_DISPLAY]: () => Promise.resolve({ "text/plain": "later" }) };
  assertThrows(() => bundleOf("f", lazy), TypeError, "(not a promise)");
  const odd = { [JUPYTER_DISPLAY]: () => "text" };
  assertThrows(() => bundleOf("f", odd), TypeError, "a MIME bundle object");
});
