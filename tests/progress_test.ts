import { assert, assertEquals } from "@std/assert";
import { formatDuration, ProgressBar, progressLine, type ProgressSink } from "../lib/progress.ts";

function sink(tty: boolean): ProgressSink & { text: () => string } {
  const chunks: string[] = [];
  return {
    writeSync: (b) => (chunks.push(new TextDecoder().decode(b)), b.length),
    isTerminal: () => tty,
    text: () => chunks.join(""),
  };
}

Deno.test("formatDuration", () => {
  assertEquals(formatDuration(0), "0:00");
  assertEquals(formatDuration(59.6), "1:00");
  assertEquals(formatDuration(3600), "1:00:00");
  assertEquals(formatDuration(NaN), "?:??");
});

Deno.test("progressLine draws the bar, percentage, rate, loss and ETA", () => {
  assertEquals(
    progressLine("x", 1, 4, { rate: 12345.6, loss: 2, etaSeconds: 5 }, 8),
    "x [##......]  25% 12,346 ex/s loss 2.000 ETA 0:05",
  );
  assertEquals(progressLine("x", 9, 4, {}, 4), "x [####] 100%");
});

Deno.test("on a terminal the bar redraws one line in place", () => {
  const s = sink(true);
  const bar = new ProgressBar(s);
  for (let i = 1; i <= 3; i++) bar.update("e", i, 3, {});
  bar.done("finished");
  const text = s.text();
  assertEquals(text.split("\r").length - 1, 4);
  assert(text.endsWith("finished\n"));
});

Deno.test("in a log the bar prints a line at each tenth only", () => {
  const s = sink(false);
  const bar = new ProgressBar(s);
  for (let i = 0; i <= 100; i++) bar.update("e", i, 100, {});
  const lines = s.text().trim().split("\n");
  assertEquals(lines.length, 11);
  assert(!s.text().includes("\r"));
});
