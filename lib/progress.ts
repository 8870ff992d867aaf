/**
 * A terminal progress bar for long work: fraction done, throughput, the latest loss, time left.
 *
 * On a terminal it redraws one line in place (`\r`); elsewhere (a CI log, a pipe) it prints a
 * plain line at every tenth of the way, so logs stay short and readable.
 *
 * @module
 */

import type { TrainEvent } from "./train.ts";

/** Where a progress bar writes: anything with a synchronous `writeSync`. */
export interface ProgressSink {
  /** Writes bytes, as `Deno.stderr.writeSync` does. */
  writeSync(bytes: Uint8Array): number;
  /** Whether the sink is an interactive terminal. */
  isTerminal(): boolean;
}

/**
 * Formats seconds as `m:ss` or `h:mm:ss`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { formatDuration } from "./progress.ts";
 * assertEquals(formatDuration(75), "1:15");
 * assertEquals(formatDuration(3725), "1:02:05");
 * ```
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?:??";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  const mm = h > 0 ? String(m).padStart(2, "0") : String(m);
  return `${h > 0 ? `${h}:` : ""}${mm}:${String(r).padStart(2, "0")}`;
}

/**
 * One progress line: `label [#####.....] 50% 1,234 ex/s loss 4.321 ETA 0:42`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { progressLine } from "./progress.ts";
 * assertEquals(
 *   progressLine("epoch 1/2", 50, 100, { rate: 1234, loss: 4.3212, etaSeconds: 42 }, 10),
 *   "epoch 1/2 [#####.....]  50% 1,234 ex/s loss 4.321 ETA 0:42",
 * );
 * ```
 */
export function progressLine(
  label: string,
  done: number,
  total: number,
  info: { rate?: number; loss?: number; etaSeconds?: number },
  width = 24,
): string {
  const fraction = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(fraction * width);
  const bar = "#".repeat(filled) + ".".repeat(width - filled);
  const parts = [`${label} [${bar}] ${String(Math.floor(fraction * 100)).padStart(3)}%`];
  if (info.rate !== undefined && Number.isFinite(info.rate)) {
    parts.push(`${Math.round(info.rate).toLocaleString("en-US")} ex/s`);
  }
  if (info.loss !== undefined) parts.push(`loss ${info.loss.toFixed(3)}`);
  if (info.etaSeconds !== undefined) parts.push(`ETA ${formatDuration(info.etaSeconds)}`);
  return parts.join(" ");
}

/** A progress bar bound to a sink (standard error by default). */
export class ProgressBar {
  #sink: ProgressSink;
  #tty: boolean;
  #lastTenth = -1;
  #encoder = new TextEncoder();

  /** @param sink where to draw; `Deno.stderr` by default */
  constructor(sink: ProgressSink = Deno.stderr) {
    this.#sink = sink;
    this.#tty = sink.isTerminal();
  }

  /** Draws the bar for `done` of `total` units. */
  update(
    label: string,
    done: number,
    total: number,
    info: { rate?: number; loss?: number; etaSeconds?: number },
  ): void {
    const line = progressLine(label, done, total, info);
    if (this.#tty) {
      this.#write(`\r${line}\x1b[K`);
      return;
    }
    const tenth = total > 0 ? Math.floor((10 * done) / total) : 10;
    if (tenth !== this.#lastTenth) {
      this.#lastTenth = tenth;
      this.#write(line + "\n");
    }
  }

  /** Ends the current bar (a newline on a terminal) so the next output starts clean. */
  done(message?: string): void {
    if (this.#tty) this.#write("\r\x1b[K");
    if (message) this.#write(message + "\n");
    this.#lastTenth = -1;
  }

  #write(text: string): void {
    this.#sink.writeSync(this.#encoder.encode(text));
  }
}

/**
 * A consumer of the training loop's events that draws a {@linkcode ProgressBar}: one bar per
 * epoch (examples/s, the latest loss, time left), then a summary line per epoch (train and
 * validation perplexity, examples/s, time). `train` and `trainAsync` use it for
 * `progress: true`; pass its result events of your own loop to draw the same.
 *
 * @param sink where to draw (standard error by default)
 * @returns a function to call with every event of `trainLoop`
 *
 * @example
 * ```ts
 * import { assertStringIncludes } from "@std/assert";
 * import { trainingProgress } from "./progress.ts";
 * import { trainLoop } from "./train.ts";
 * import { MiniNeuralLM } from "./model.ts";
 * import { indexMatrix } from "./tensor.ts";
 * let text = "";
 * const sink = { writeSync: (b: Uint8Array) => (text += new TextDecoder().decode(b), b.length), isTerminal: () => false };
 * const draw = trainingProgress(sink);
 * const model = new MiniNeuralLM({ vocabSize: 3, contextSize: 1, embedDim: 2, hidden: [2] });
 * const data = { contexts: indexMatrix([[0], [1]]), targets: new Int32Array([1, 2]) };
 * for (const event of trainLoop(model, model.init(0), { train: data }, { epochs: 2 })) draw(event);
 * assertStringIncludes(text, "epoch 2/2: train ppl");
 * ```
 */
export function trainingProgress(sink: ProgressSink = Deno.stderr): (event: TrainEvent) => void {
  const bar = new ProgressBar(sink);
  let epochStarted = performance.now();
  return (event) => {
    if (event.kind === "step") {
      if (event.stepInEpoch === 1) epochStarted = performance.now();
      const elapsed = (performance.now() - epochStarted) / 1000;
      const { stepInEpoch: s, stepsPerEpoch: total } = event;
      bar.update(`epoch ${event.record.epoch}/${event.epochs}`, s, total, {
        rate: event.record.examplesPerSecond,
        loss: event.record.loss,
        etaSeconds: (elapsed / s) * (total - s),
      });
      return;
    }
    const r = event.record;
    bar.done(
      `epoch ${r.epoch}/${event.epochs}: train ppl ${r.trainPerplexity.toFixed(2)}` +
        (Number.isNaN(r.validLoss) ? "" : `, valid ppl ${r.validPerplexity.toFixed(2)}`) +
        `, ${Math.round(r.examplesPerSecond).toLocaleString("en-US")} ex/s, ` +
        formatDuration(r.seconds),
    );
  };
}
