/**
 * Runs every code cell of a notebook, in order, on a fresh Deno kernel and returns the executed
 * copy (the notebook passed in is not changed).
 *
 * **When is a cell finished?** The protocol says: when its `execute_reply` has come on shell and
 * its `status: idle` on IOPub. The Deno kernel, though, can publish `idle` (and send the reply)
 * before the cell's last outputs: an `execute_result` or a display can follow them. So after both
 * have come the runner keeps listening for a grace period (`graceMs`, 2 s by default), and stops
 * early once the cell has been quiet for `quietMs` (200 ms by default): no message with that
 * cell as its parent. Every IOPub message is matched to its cell by its parent's `msg_id`, so an
 * output that comes later still, while the next cell runs, lands in the right cell; such outputs
 * are counted as `lateMessages`.
 *
 * **A lost idle.** Under load the Deno kernel now and then sends two IOPub messages at once and
 * their frames arrive mangled; the runner drops what it cannot decode (counted as `dropped`).
 * When that was the cell's `idle`, waiting for it would last until the cell's timeout. So once
 * the `execute_reply` has come, the runner waits for `idle` at most `idleAfterReplyMs` (10 s by
 * default) and then goes on with a warning. Outputs lost with the dropped message stay lost: a
 * caller that needs every output can check `dropped` and run the notebook again.
 *
 * **When does a run stop early?** Errors in cells do not stop it (`stop_on_error: false`), so one
 * run reports every failing cell. Three things do, each with a {@linkcode RunResult.failure}
 * message that names the notebook and the cell:
 * - the kernel does not start (it exits, or does not answer within `startTimeoutMs`);
 * - a cell runs longer than `timeoutMs` (5 minutes by default);
 * - the kernel process exits while a cell runs (`Deno.exit`, a crash, an out-of-memory kill).
 *
 * Whatever happens, the kernel process is ended and its sockets closed before the function
 * returns.
 *
 * @module
 */
import { describeStatus, Kernel, timer } from "./kernel.ts";
import { type Notebook, readNotebook } from "./notebook.ts";
import { OutputCollector } from "./outputs.ts";
import { type CellError, cellErrors, firstLine } from "./report.ts";

/** How a notebook is run. Times in milliseconds. */
export interface RunOptions {
  /** The kernel's working folder; the notebook's own folder by default. */
  cwd?: string;
  /** The longest one cell may run (default 300,000). */
  timeoutMs?: number;
  /** The longest wait for late outputs after a cell's reply and idle (default 2,000). */
  graceMs?: number;
  /** The grace period ends early after this long without a message of the cell (default 200). */
  quietMs?: number;
  /** The longest wait for a cell's idle status once its reply has come (default 10,000). */
  idleAfterReplyMs?: number;
  /** The longest wait for the kernel to answer at start-up (default 60,000). */
  startTimeoutMs?: number;
  /** Drop messages with a bad signature instead of accepting them (see kernel.ts). */
  strictSignatures?: boolean;
  /** Receives warnings; `console.warn` by default. */
  onWarning?: (text: string) => void;
  /** Called before each code cell runs, with its position (from 1) and the number of cells. */
  onCell?: (cell: number, cells: number) => void;
  /** The kernel's command line (see {@linkcode KernelOptions.argv}); the Deno kernel by default. */
  argv?: string[];
}

/** What a run produced. */
export interface RunResult {
  /** The notebook's file name (or the name given). */
  name: string;
  /** The executed copy: outputs, execution counts, `metadata.executed_seconds`. */
  notebook: Notebook;
  /** Every error output, top to bottom. */
  errors: CellError[];
  /** Why the run stopped before the last cell, or null when every cell ran. */
  failure: string | null;
  /** Messages whose signature did not match (accepted unless `strictSignatures`). */
  badSignatures: number;
  /** Outputs that came after their cell's grace period, while a later cell ran. */
  lateMessages: number;
  /** Messages dropped because they could not be decoded (their outputs are missing). */
  dropped: number;
  /** Cells whose idle status never came; the run went on after `idleAfterReplyMs`. */
  lostIdles: number;
  /** Wall-clock seconds, kernel start and shutdown included. */
  seconds: number;
}

/** A cell on its way: settles when its idle status comes. */
interface Running {
  lastMessageAt: number;
  idle: Promise<void>;
  markIdle: () => void;
  settled: boolean;
}

/**
 * Reads a notebook file and runs it (see {@linkcode executeNotebook}).
 *
 * @param path the .ipynb file
 * @param options how to run it; the kernel starts in the notebook's folder unless `cwd` is given
 * @returns the executed copy and the report
 */
export async function runNotebook(path: string, options: RunOptions = {}): Promise<RunResult> {
  const notebook = await readNotebook(path);
  const slash = path.lastIndexOf("/");
  const folder = slash < 0 ? "." : path.slice(0, slash) || "/";
  return executeNotebook(notebook, path.slice(slash + 1), { cwd: folder, ...options });
}

/**
 * Runs the code cells of `notebook` top to bottom on a fresh Deno kernel.
 *
 * @param notebook the notebook (not changed)
 * @param name its file name, used in every message
 * @param options how to run it
 * @returns the executed copy, the errors, and why the run stopped early if it did
 */
export async function executeNotebook(
  notebook: Notebook,
  name: string,
  options: RunOptions = {},
): Promise<RunResult> {
  const started = performance.now();
  const executed: Notebook = structuredClone(notebook);
  const timeoutMs = options.timeoutMs ?? 300_000;
  const graceMs = options.graceMs ?? 2_000;
  const quietMs = options.quietMs ?? 200;
  const idleAfterReplyMs = options.idleAfterReplyMs ?? 10_000;
  const warn = options.onWarning ?? ((text: string) => console.warn(text));
  for (const cell of executed.cells) {
    if (cell.cell_type === "code") {
      cell.outputs = [];
      cell.execution_count = null;
    }
  }
  const result = (failure: string | null, kernel?: Kernel): RunResult => {
    executed.metadata.executed_seconds = Math.round(performance.now() - started) / 1000;
    return {
      name,
      notebook: executed,
      errors: cellErrors(name, executed),
      failure,
      badSignatures: kernel?.badSignatures ?? 0,
      lateMessages,
      dropped: kernel?.dropped ?? 0,
      lostIdles,
      seconds: executed.metadata.executed_seconds as number,
    };
  };
  let lateMessages = 0;
  let lostIdles = 0;

  let kernel: Kernel;
  try {
    kernel = await Kernel.start({
      cwd: options.cwd ?? ".",
      argv: options.argv,
      startTimeoutMs: options.startTimeoutMs,
      strictSignatures: options.strictSignatures,
      onWarning: options.onWarning,
    });
  } catch (e) {
    return result(`${name}: ${(e as Error).message}`);
  }

  const collector = new OutputCollector();
  const running = new Map<string, Running>();
  kernel.onIopub((message) => {
    const parent = message.parent_header.msg_id;
    const cell = parent === undefined ? undefined : running.get(parent);
    if (cell === undefined) return;
    cell.lastMessageAt = performance.now();
    if (message.header.msg_type === "status" && message.content.execution_state === "idle") {
      cell.markIdle();
    }
    if (collector.apply(parent!, message) && cell.settled) lateMessages++;
  });
  if (kernel.kernelInfo.language_info) {
    executed.metadata.language_info = kernel.kernelInfo.language_info;
  }

  let failure: string | null = null;
  try {
    for (const [i, cell] of executed.cells.entries()) {
      if (cell.cell_type !== "code") continue;
      const code = Array.isArray(cell.source) ? cell.source.join("") : cell.source;
      if (code.trim() === "") continue; // as Jupyter does: an empty cell is not sent
      options.onCell?.(i + 1, executed.cells.length);
      const where = `${name}, cell ${i + 1} (\`${firstLine(cell)}\`)`;

      let markIdle = () => {};
      const idle = new Promise<void>((resolve) => (markIdle = resolve));
      const state: Running = { lastMessageAt: performance.now(), idle, markIdle, settled: false };
      const { msgId, reply } = await kernel.request("shell", "execute_request", {
        code,
        silent: false,
        store_history: true,
        user_expressions: {},
        allow_stdin: false,
        stop_on_error: false,
      });
      running.set(msgId, state);
      cell.outputs = collector.open(msgId);

      const limit = timer(timeoutMs, { kind: "timeout" as const });
      // Done when reply and idle have both come, or idleAfterReplyMs after the reply alone.
      const idleWait = { cancel: () => {} };
      const idleOrLost = reply.then(() => {
        const lost = timer(idleAfterReplyMs, true);
        idleWait.cancel = lost.cancel;
        return Promise.race([idle.then(() => false), lost.promise]);
      });
      const outcome = await Promise.race([
        Promise.all([reply, idleOrLost]).then(([r, lost]) => ({
          kind: "done" as const,
          reply: r,
          lost,
        })),
        kernel.exited.then((status) => ({ kind: "exited" as const, status })),
        limit.promise,
      ]);
      limit.cancel();
      idleWait.cancel();
      if (outcome.kind === "timeout") {
        failure = `${where} did not finish within ${timeoutMs / 1000} s (the per-cell timeout); ` +
          `the kernel was stopped and the cells after it were not run`;
        break;
      }
      if (outcome.kind === "exited") {
        const tail = kernel.outputTail();
        failure = `${where}: the Deno kernel exited (${describeStatus(outcome.status)}) while ` +
          `the cell ran; the cells after it were not run` +
          (tail ? `\n--- kernel output (tail) ---\n${tail.slice(-2000)}` : "");
        break;
      }
      if (outcome.lost) {
        lostIdles++;
        warn(
          `${where}: its idle status did not come within ${idleAfterReplyMs / 1000} s of its ` +
            `reply (${kernel.dropped} undecodable messages dropped so far); going on`,
        );
      }
      const count = outcome.reply.content.execution_count;
      cell.execution_count = typeof count === "number" ? count : null;

      // The grace period: late outputs of this cell, until it has been quiet for quietMs.
      const doneAt = performance.now();
      while (kernel.exitStatus === null) {
        const wait = Math.min(doneAt + graceMs, state.lastMessageAt + quietMs) - performance.now();
        if (wait <= 0) break;
        const pause = timer(wait, null);
        await Promise.race([pause.promise, kernel.exited]);
        pause.cancel();
      }
      state.settled = true;
    }
  } finally {
    await kernel.shutdown();
  }
  return result(failure, kernel);
}
