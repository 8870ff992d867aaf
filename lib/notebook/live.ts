/**
 * Live figures: a plot shown once and redrawn in place while a model trains.
 *
 * Jupyter names an output with a *display id*; a later `update_display_data` message with the
 * same id replaces that output instead of adding one. `Deno.jupyter.display(bundle, { raw: true,
 * display_id, update: true })` sends such a message; {@linkcode LiveFigure} wraps it, holds back
 * updates that come faster than the page can redraw, and does nothing outside the kernel.
 *
 * @module
 */

import { argError, describeValue } from "../errors.ts";
import {
  type DisplayFunction,
  JUPYTER_DISPLAY,
  kernelDisplay,
  type MimeBundle,
} from "./jupyter.ts";
import { Figure, figureBundle } from "./figure.ts";

// Display ids are not saved in a notebook file (Jupyter calls them transient), so a random part
// costs no reproducibility; it keeps a new kernel's live figures from updating outputs left in
// the page by an earlier kernel that counted from 1 too.
const SESSION = Array.from(
  crypto.getRandomValues(new Uint8Array(4)),
  (b) => b.toString(16).padStart(2, "0"),
).join("");
let nextLive = 1;

/** Options of {@linkcode liveFigure}. */
export interface LiveOptions {
  /**
   * Send at most one update per this many milliseconds (default 250); the newest figure in
   * between is kept and sent by the next update after the interval, or by `flush()`.
   */
  minIntervalMs?: number;
  /** Where to send display messages (default: the kernel's; none outside a kernel). */
  display?: DisplayFunction | null;
  /** The clock, in milliseconds (default `performance.now`). */
  now?: () => number;
}

/**
 * A figure shown once and then redrawn in place: every `update` replaces the same notebook
 * output (a Jupyter `update_display_data` message naming the output's display id), so a loss
 * curve can grow while a model trains. Make one with {@linkcode liveFigure}.
 *
 * Outside the kernel (`deno run`, `deno test`) nothing is sent: updates only keep the newest
 * figure in {@linkcode LiveFigure.figure}.
 *
 * Display messages leave the kernel when the event loop runs. `train` is synchronous, so an
 * `onStep` callback that calls `update` queues messages that all arrive when the cell's code
 * yields; to watch the curve grow, train one epoch at a time and `await live.update(...)` between
 * epochs (see the example of {@linkcode liveFigure}).
 */
export class LiveFigure {
  /** The Jupyter display id of the output this figure owns. */
  readonly displayId: string;
  #figure: Figure;
  #send: DisplayFunction | null;
  #minInterval: number;
  #now: () => number;
  #lastSent = -Infinity;
  #pendingUpdate = false;
  #queue: Promise<void> = Promise.resolve();
  #error: unknown = null;
  #messages = 0;

  /**
   * A live figure that starts with `fig`.
   *
   * @param fig the first figure
   * @param options see {@linkcode LiveOptions}
   */
  constructor(fig: Figure, options: LiveOptions = {}) {
    if (!(fig instanceof Figure)) {
      throw argError("liveFigure", "fig", "a Figure", describeValue(fig), TypeError);
    }
    const minInterval = options.minIntervalMs ?? 250;
    if (!(minInterval >= 0)) {
      throw argError("liveFigure", "options.minIntervalMs", "a number >= 0", `${minInterval}`);
    }
    this.displayId = `mnlm-live-${SESSION}-${nextLive++}`;
    this.#figure = fig;
    this.#send = options.display === undefined ? kernelDisplay() : options.display;
    this.#minInterval = minInterval;
    this.#now = options.now ?? (() => performance.now());
    this.#enqueue(() => figureBundle(fig), false);
    this.#lastSent = this.#now();
  }

  /** The newest figure given (shown, or waiting for the interval to pass). */
  get figure(): Figure {
    return this.#figure;
  }

  /** How many display messages were sent (0 outside a kernel). */
  get messages(): number {
    return this.#messages;
  }

  /**
   * Shows `fig` in place of the current figure, unless an update went out less than
   * `minIntervalMs` ago: then `fig` waits for the next update or `flush()`. Updates never carry
   * the plotly.js library (the page has it from the first display).
   *
   * @returns a promise that settles when the messages sent so far have left
   */
  update(fig: Figure): Promise<void> {
    if (!(fig instanceof Figure)) {
      throw argError("LiveFigure.update", "fig", "a Figure", describeValue(fig), TypeError);
    }
    this.#figure = fig;
    const now = this.#now();
    if (now - this.#lastSent >= this.#minInterval) {
      this.#lastSent = now;
      this.#pendingUpdate = false;
      this.#enqueue(() => figureBundle(fig, "never"), true);
    } else {
      this.#pendingUpdate = true;
    }
    return this.#settled();
  }

  /**
   * Sends the figure held back by the interval, if any, and waits until every message has left;
   * rethrows the first error of a display message. Call it when training ends.
   */
  async flush(): Promise<void> {
    if (this.#pendingUpdate) {
      this.#pendingUpdate = false;
      this.#lastSent = this.#now();
      const fig = this.#figure;
      this.#enqueue(() => figureBundle(fig, "never"), true);
    }
    await this.#settled();
    if (this.#error !== null) throw this.#error;
  }

  /** As a cell's value, a live figure shows only a note: the figure itself is above. */
  [JUPYTER_DISPLAY](): MimeBundle {
    return { "text/plain": `live figure ${this.displayId}: ${this.#figure.toText()}` };
  }

  #enqueue(makeBundle: () => MimeBundle, update: boolean): void {
    const send = this.#send;
    // Without a kernel nothing is built, so no library is read and no id is spent.
    if (send === null) return;
    const bundle = makeBundle();
    this.#messages++;
    const options = update
      ? { raw: true as const, display_id: this.displayId, update: true }
      : { raw: true as const, display_id: this.displayId };
    // One chain keeps the messages in order; an error is kept for flush() rather than left as an
    // unhandled rejection that would end the program.
    this.#queue = this.#queue.then(() => send(bundle, options)).catch((e) => {
      this.#error ??= e;
    });
  }

  #settled(): Promise<void> {
    return this.#queue;
  }
}

/**
 * Displays a figure now and returns a {@linkcode LiveFigure} whose `update` redraws it in place.
 *
 * In a notebook, training one epoch per `train` call so that the cell yields between epochs
 * (each call counts steps and epochs from 1, hence the renumbering; note that each call also
 * starts the momentum afresh):
 *
 * ```ts ignore
 * const history: History = { steps: [], epochs: [] };
 * const live = liveFigure(lossCurves(history));
 * await live.flush(); // show the empty figure now
 * for (let epoch = 1; epoch <= 10; epoch++) {
 *   const r = train(model, params, data, { epochs: 1, seed: epoch });
 *   params = r.lastParams;
 *   const done = history.steps.length;
 *   for (const s of r.history.steps) history.steps.push({ ...s, step: done + s.step, epoch });
 *   for (const e of r.history.epochs) history.epochs.push({ ...e, epoch });
 *   await live.update(lossCurves(history)); // yields, so the page redraws now
 * }
 * await live.flush();
 * ```
 *
 * @param fig the first figure
 * @param options throttle interval, display function, clock
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { lineChart } from "./charts.ts";
 * import { liveFigure } from "./live.ts";
 * const sent: { update?: boolean }[] = [];
 * const live = liveFigure(lineChart({ loss: [3] }), {
 *   minIntervalMs: 0,
 *   display: (_bundle, options) => void sent.push(options),
 * });
 * await live.update(lineChart({ loss: [3, 2] }));
 * assertEquals(sent.map((o) => o.update ?? false), [false, true]);
 * assertEquals(live.figure.data[0].y, [3, 2]);
 * ```
 */
export function liveFigure(fig: Figure, options: LiveOptions = {}): LiveFigure {
  return new LiveFigure(fig, options);
}
