/**
 * Turns IOPub messages into nbformat 4 outputs, as a notebook front end would.
 *
 * | IOPub message         | effect on the cell's outputs                                        |
 * | --------------------- | ------------------------------------------------------------------- |
 * | `stream`              | appended to the last output if it is the same stream, else added    |
 * | `display_data`        | added; remembered under its `transient.display_id`, if it has one   |
 * | `update_display_data` | replaces data and metadata of every output shown under that id      |
 * | `execute_result`      | added                                                               |
 * | `error`               | added                                                               |
 * | `clear_output`        | clears the outputs, now or (`wait: true`) when the next one comes   |
 *
 * Other messages (`status`, `execute_input`, comms) produce no output. `transient` is never
 * stored, as nbformat requires. Display ids are shared by all cells of a run: a later cell may
 * update a figure shown by an earlier one.
 *
 * @module
 */
import type { DisplayDataOutput, MimeBundle, Output } from "./notebook.ts";
import type { Message } from "./wire.ts";

/** The message types that change outputs. */
export const OUTPUT_TYPES: ReadonlySet<string> = new Set([
  "stream",
  "display_data",
  "update_display_data",
  "execute_result",
  "error",
  "clear_output",
]);

/** The outputs of one cell while it runs. */
interface CellOutputs {
  outputs: Output[];
  clearOnNext: boolean;
}

const bundle = (value: unknown): MimeBundle =>
  typeof value === "object" && value !== null ? value as MimeBundle : {};

/**
 * Collects the outputs of the cells of one run.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { OutputCollector } from "./outputs.ts";
 * const message = (msg_type: string, content: Record<string, unknown>) => ({
 *   header: { msg_id: "m", session: "s", username: "k", date: "", msg_type, version: "5.3" },
 *   parent_header: { msg_id: "cell-1" },
 *   metadata: {},
 *   content,
 *   buffers: [],
 * });
 * const outputs = new OutputCollector();
 * const cell = outputs.open("cell-1");
 * outputs.apply("cell-1", message("stream", { name: "stdout", text: "a\n" }));
 * outputs.apply("cell-1", message("stream", { name: "stdout", text: "b\n" }));
 * assertEquals(cell, [{ output_type: "stream", name: "stdout", text: "a\nb\n" }]);
 * ```
 */
export class OutputCollector {
  readonly #cells = new Map<string, CellOutputs>();
  readonly #displays = new Map<string, DisplayDataOutput[]>();

  /**
   * Starts collecting for the cell whose execute_request had id `msgId`.
   *
   * @param msgId the execute_request's `msg_id`
   * @returns the cell's output list, filled in place as messages come
   */
  open(msgId: string): Output[] {
    const cell: CellOutputs = { outputs: [], clearOnNext: false };
    this.#cells.set(msgId, cell);
    return cell.outputs;
  }

  /**
   * Applies one IOPub message to the outputs of the cell that caused it.
   *
   * @param msgId the `msg_id` of that cell's execute_request (the message's parent)
   * @param message the IOPub message
   * @returns true when the message changed or could have changed outputs
   */
  apply(msgId: string, message: Message): boolean {
    const cell = this.#cells.get(msgId);
    const type = message.header.msg_type;
    if (cell === undefined || !OUTPUT_TYPES.has(type)) return false;
    const c = message.content;
    if (type === "clear_output") {
      if (c.wait === true) cell.clearOnNext = true;
      else cell.outputs.length = 0;
      return true;
    }
    if (type === "update_display_data") {
      const id = (c.transient as { display_id?: string } | undefined)?.display_id;
      for (const shown of (id === undefined ? [] : this.#displays.get(id)) ?? []) {
        shown.data = bundle(c.data);
        shown.metadata = bundle(c.metadata);
      }
      return true;
    }
    if (cell.clearOnNext) {
      cell.outputs.length = 0;
      cell.clearOnNext = false;
    }
    const outputs = cell.outputs;
    if (type === "stream") {
      const name = c.name === "stderr" ? "stderr" : "stdout";
      const text = String(c.text ?? "");
      const last = outputs[outputs.length - 1];
      if (last?.output_type === "stream" && last.name === name) {
        last.text = (Array.isArray(last.text) ? last.text.join("") : last.text) + text;
      } else {
        outputs.push({ output_type: "stream", name, text });
      }
    } else if (type === "display_data") {
      const output: DisplayDataOutput = {
        output_type: "display_data",
        data: bundle(c.data),
        metadata: bundle(c.metadata),
      };
      outputs.push(output);
      const id = (c.transient as { display_id?: string } | undefined)?.display_id;
      if (id !== undefined) this.#displays.set(id, [...(this.#displays.get(id) ?? []), output]);
    } else if (type === "execute_result") {
      outputs.push({
        output_type: "execute_result",
        execution_count: typeof c.execution_count === "number" ? c.execution_count : null,
        data: bundle(c.data),
        metadata: bundle(c.metadata),
      });
    } else {
      outputs.push({
        output_type: "error",
        ename: String(c.ename ?? ""),
        evalue: String(c.evalue ?? ""),
        traceback: Array.isArray(c.traceback) ? c.traceback.map(String) : [],
      });
    }
    return true;
  }
}
