import {
  assert,
  assertEquals,
  assertFalse,
  assertMatch,
  assertRejects,
  assertThrows,
} from "@std/assert";
import { LiveFigure, liveFigure } from "../../lib/notebook/live.ts";
import { lineChart } from "../../lib/notebook/charts.ts";
import { plotlyEmbedded, resetDisplayState } from "../../lib/notebook/plotly.ts";
import {
  type DisplayOptions,
  JUPYTER_DISPLAY,
  type MimeBundle,
} from "../../lib/notebook/jupyter.ts";

const PLOTLY_MIME = "application/vnd.plotly.v1+json";

/** A display function that records what it is sent, and a clock the test moves by hand. */
function recorder() {
  const sent: { bundle: MimeBundle; options: DisplayOptions }[] = [];
  const display = (bundle: MimeBundle, options: DisplayOptions) => {
    sent.push({ bundle, options });
  };
  const clock = { t: 0 };
  return { sent, display, now: () => clock.t, clock };
}

const yOf = (bundle: MimeBundle) => (bundle[PLOTLY_MIME] as { data: { y: number[] }[] }).data[0].y;

Deno.test("outside the kernel a live figure sends nothing and builds no bundle", async () => {
  resetDisplayState();
  const live = liveFigure(lineChart({ loss: [3] }));
  await live.update(lineChart({ loss: [3, 2] }));
  await live.flush();
  assertEquals(live.messages, 0);
  assertEquals(live.figure.data[0].y, [3, 2]); // the newest figure is kept
  assertFalse(plotlyEmbedded()); // the library was not read for nothing
});

Deno.test("the first message displays with a display id, later ones update it in place", async () => {
  resetDisplayState();
  const { sent, display } = recorder();
  const live = liveFigure(lineChart({ loss: [3] }), { display, minIntervalMs: 0 });
  await live.update(lineChart({ loss: [3, 2] }));
  await live.update(lineChart({ loss: [3, 2, 1.5] }));
  assertEquals(live.messages, 3);
  assertEquals(sent.map((s) => s.options), [
    { raw: true, display_id: live.displayId },
    { raw: true, display_id: live.displayId, update: true },
    { raw: true, display_id: live.displayId, update: true },
  ]);
  assertEquals(sent.map((s) => yOf(s.bundle)), [[3], [3, 2], [3, 2, 1.5]]);
  // Only the first display may carry plotly.js (this is the session's first figure); an update
  // replaces the output, and the page keeps the library it loaded.
  assert(sent[0].bundle["text/html"]!.includes("plotly.js v3.7.0"));
  assertFalse(sent[1].bundle["text/html"]!.includes("plotly.js v3.7.0"));
  assertFalse(sent[2].bundle["text/html"]!.includes("plotly.js v3.7.0"));
});

Deno.test("updates faster than the interval wait; the newest is sent later or by flush", async () => {
  const { sent, display, now, clock } = recorder();
  const live = liveFigure(lineChart({ a: [1] }), { display, now, minIntervalMs: 250 });
  // t = 0: shown. t = 100 and 200: within 250 ms of it, held back.
  clock.t = 100;
  await live.update(lineChart({ a: [1, 2] }));
  clock.t = 200;
  await live.update(lineChart({ a: [1, 2, 3] }));
  assertEquals(sent.length, 1);
  // flush sends the newest held figure (t = 200's), once.
  await live.flush();
  await live.flush();
  assertEquals(sent.map((s) => yOf(s.bundle)), [[1], [1, 2, 3]]);
  // t = 300 is within 250 ms of the flush at t = 200: held; t = 460 is not: sent at once.
  clock.t = 300;
  await live.update(lineChart({ a: [4] }));
  clock.t = 460;
  await live.update(lineChart({ a: [5] }));
  assertEquals(sent.map((s) => yOf(s.bundle)), [[1], [1, 2, 3], [5]]);
  await live.flush(); // nothing held: nothing sent
  assertEquals(sent.length, 3);
});

Deno.test("a failing display does not end the program; flush reports the error", async () => {
  let calls = 0;
  const display = () => {
    calls++;
    return Promise.reject(new Error("iopub closed"));
  };
  const live = liveFigure(lineChart({ a: [1] }), { display, minIntervalMs: 0 });
  await live.update(lineChart({ a: [1, 2] }));
  await assertRejects(() => live.flush(), Error, "iopub closed");
  assertEquals(calls, 2);
});

Deno.test("display ids are unique per live figure and name the kernel session", () => {
  const { display } = recorder();
  const a = new LiveFigure(lineChart({ a: [1] }), { display });
  const b = new LiveFigure(lineChart({ a: [1] }), { display });
  assertMatch(a.displayId, /^mnlm-live-[0-9a-f]{8}-\d+$/);
  assert(a.displayId !== b.displayId);
  assertEquals(a.displayId.split("-")[2], b.displayId.split("-")[2]); // one session part
  // As a cell's value it shows only a note: the figure is the output above.
  const note = a[JUPYTER_DISPLAY]();
  assertEquals(Object.keys(note), ["text/plain"]);
  assertMatch(note["text/plain"], /^live figure mnlm-live-.*: Figure: scatter "a" \(1 points\)$/);
});

Deno.test("liveFigure refuses what is not a figure, and a negative interval", () => {
  assertThrows(() => liveFigure({} as never), TypeError, "liveFigure: fig expected a Figure");
  assertThrows(
    () => liveFigure(lineChart({ a: [1] }), { minIntervalMs: -1, display: null }),
    RangeError,
    "liveFigure: options.minIntervalMs expected a number >= 0, got -1",
  );
  const live = liveFigure(lineChart({ a: [1] }), { display: null });
  assertThrows(
    () => live.update([1] as never),
    TypeError,
    "LiveFigure.update: fig expected a Figure",
  );
});
