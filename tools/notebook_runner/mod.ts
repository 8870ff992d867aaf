/**
 * A Jupyter notebook runner for the Deno kernel, in TypeScript, with Deno alone.
 *
 * It starts `deno jupyter --kernel` on a connection file of its own and speaks the Jupyter
 * messaging protocol (5.3) to it over ZeroMQ (`npm:zeromq`), with no Python in between:
 *
 * | module          | holds                                                                  |
 * | --------------- | ---------------------------------------------------------------------- |
 * | `wire.ts`       | frames, the `<IDS|MSG>` delimiter, HMAC-SHA256 signing and checking    |
 * | `connection.ts` | free loopback ports, a random key, the connection file                 |
 * | `kernel.ts`     | the kernel process, its sockets, start-up, the bad-signature policy    |
 * | `outputs.ts`    | IOPub messages to nbformat 4 outputs (streams, displays, updates, …)   |
 * | `execute.ts`    | cells in order, when a cell is finished, timeouts, kernel exits        |
 * | `report.ts`     | cell errors with notebook, cell number, ename, evalue, clean traceback |
 * | `notebook.ts`   | nbformat 4 types, reading and writing notebooks                        |
 * | `main.ts`       | the command line (`deno task notebooks:run`)                           |
 *
 * @example
 * ```ts ignore
 * import { formatCellError, runNotebook } from "./mod.ts";
 * const result = await runNotebook("notebooks/02_forward_pass.ipynb");
 * for (const error of result.errors) console.error(formatCellError(error));
 * if (result.failure) console.error(result.failure);
 * ```
 *
 * @module
 */
export { type ConnectionInfo, newConnection } from "./connection.ts";
export { executeNotebook, runNotebook, type RunOptions, type RunResult } from "./execute.ts";
export { type Channel, describeStatus, Kernel, type KernelOptions } from "./kernel.ts";
export {
  type Cell,
  type DisplayDataOutput,
  type ErrorOutput,
  type ExecuteResultOutput,
  type MimeBundle,
  type MultilineString,
  type Notebook,
  type Output,
  readNotebook,
  type StreamOutput,
  writeNotebook,
} from "./notebook.ts";
export { OutputCollector } from "./outputs.ts";
export { type CellError, cellErrors, formatCellError, stripAnsi } from "./report.ts";
export { receiveLoop, type Receiver } from "./sockets.ts";
export {
  type Header,
  type Message,
  newHeader,
  type Parsed,
  parseFrames,
  serialize,
  sign,
} from "./wire.ts";
