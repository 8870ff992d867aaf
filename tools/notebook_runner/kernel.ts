/**
 * A Deno kernel process of our own and the ZeroMQ sockets that talk to it.
 *
 * {@linkcode Kernel.start} writes a connection file (connection.ts), starts
 * `deno jupyter --kernel --conn FILE` in the notebook's folder, connects three sockets and waits
 * until the kernel answers:
 *
 * | channel | our socket | kernel's socket | carries                                        |
 * | ------- | ---------- | --------------- | ---------------------------------------------- |
 * | shell   | DEALER     | ROUTER          | `kernel_info_request`, `execute_request`, …    |
 * | control | DEALER     | ROUTER          | `shutdown_request`                             |
 * | iopub   | SUB        | PUB             | `status`, `stream`, `display_data`, `error`, … |
 *
 * stdin is not connected (cells run with `allow_stdin: false`) and the heartbeat is not used: a
 * kernel that died is seen from its process exit status, one that hangs from the per-cell timeout
 * of execute.ts.
 *
 * Start-up waits for a `kernel_info_reply` *and* a first IOPub message (the kernel publishes
 * `status` busy/idle around every request). ZeroMQ subscriptions take a moment to reach the
 * publisher, and anything published before that is lost, so a first cell could otherwise lose
 * its opening outputs.
 *
 * **Bad signatures.** Every message is checked against the key (wire.ts). The Deno kernel now and
 * then sends an IOPub message whose signature does not match although its content is intact.
 * The runner *accepts* such a message, counts it ({@linkcode Kernel.badSignatures}) and warns
 * once with its type. Dropping it would silently lose a real output, the failure that a browser
 * client suffers. Accepting it is safe here because of who can reach these sockets: the kernel
 * binds them on 127.0.0.1 and we connect to it, so nothing but the kernel process we started can
 * put a message on them; the key protects the kernel from requests it did not get from us, and
 * the kernel still checks every signature of ours. The option `strictSignatures` drops such
 * messages instead (still counted), for a setting where that reasoning does not hold.
 *
 * {@linkcode Kernel.shutdown} always ends the process (shutdown_request, then SIGTERM, then
 * SIGKILL), closes the sockets and removes the connection file, whatever state the kernel is in.
 *
 * @module
 */
import * as zmq from "zeromq";
import { address, type ConnectionInfo, newConnection, writeConnectionFile } from "./connection.ts";
import { receiveLoop } from "./sockets.ts";
import { type Message, newHeader, parseFrames, serialize } from "./wire.ts";

/** How the kernel is started. */
export interface KernelOptions {
  /** The kernel's working folder (the notebook's folder, so relative imports resolve). */
  cwd: string;
  /**
   * The kernel's command line, as in a kernelspec: `{connection_file}` is replaced by the
   * connection file's path. By default `deno jupyter --kernel --conn {connection_file}` with the
   * Deno that runs this code.
   */
  argv?: string[];
  /** Milliseconds to wait for the kernel to answer at start-up (default 60,000). */
  startTimeoutMs?: number;
  /** Drop messages with a bad signature instead of accepting them (default false). */
  strictSignatures?: boolean;
  /** Receives warnings (bad signatures, undecodable frames); `console.warn` by default. */
  onWarning?: (text: string) => void;
}

/** The channels a request can go out on. */
export type Channel = "shell" | "control";

/** The Deno kernel's command line, as `deno jupyter --install` writes it into its kernelspec. */
export const DEFAULT_ARGV: readonly string[] = [
  Deno.execPath(),
  "jupyter",
  "--kernel",
  "--conn",
  "{connection_file}",
];

const TAIL_BYTES = 8_000;

/** Keeps the last `TAIL_BYTES` of a process's output stream, so errors can quote it. */
class Tail {
  text = "";
  readonly done: Promise<void>;
  constructor(stream: ReadableStream<Uint8Array>) {
    const decoder = new TextDecoder();
    this.done = stream.pipeTo(
      new WritableStream<Uint8Array>({
        write: (chunk) => {
          this.text = (this.text + decoder.decode(chunk, { stream: true })).slice(-TAIL_BYTES);
        },
      }),
    ).catch(() => {});
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves after `ms` milliseconds with `value`; the timer is cleared by `cancel()`. */
export function timer<T>(ms: number, value: T): { promise: Promise<T>; cancel: () => void } {
  let id: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<T>((resolve) => {
    id = setTimeout(() => resolve(value), ms);
  });
  return { promise, cancel: () => clearTimeout(id) };
}

/** A started kernel: send requests, receive replies and IOPub messages, shut down. */
export class Kernel {
  /** The messages whose signature did not match the key. */
  badSignatures = 0;
  /** Messages that could not be decoded and were dropped (the kernel's frames came mangled). */
  dropped = 0;
  /** The process's exit status once it has exited, else null. */
  exitStatus: Deno.CommandStatus | null = null;
  /** Resolves with the exit status when the kernel process ends, for whatever reason. */
  readonly exited: Promise<Deno.CommandStatus>;

  readonly #session = crypto.randomUUID();
  readonly #shell = new zmq.Dealer({ linger: 0, receiveTimeout: 0 });
  readonly #control = new zmq.Dealer({ linger: 0, receiveTimeout: 0 });
  readonly #iopub = new zmq.Subscriber({ linger: 0, receiveTimeout: 0 });
  readonly #replies = new Map<string, (reply: Message) => void>();
  readonly #iopubHandlers: ((message: Message) => void)[] = [];
  readonly #stdout: Tail;
  readonly #stderr: Tail;
  readonly #warn: (text: string) => void;
  #closed = false;

  private constructor(
    readonly info: ConnectionInfo,
    readonly dir: string,
    readonly process: Deno.ChildProcess,
    readonly strictSignatures: boolean,
    onWarning: (text: string) => void,
  ) {
    this.#warn = onWarning;
    this.#stdout = new Tail(process.stdout);
    this.#stderr = new Tail(process.stderr);
    this.exited = process.status.then((status) => (this.exitStatus = status));
    this.#shell.connect(address(info, info.shell_port));
    this.#control.connect(address(info, info.control_port));
    this.#iopub.connect(address(info, info.iopub_port));
    this.#iopub.subscribe();
    this.#listen(this.#shell, "shell");
    this.#listen(this.#control, "control");
    this.#listen(this.#iopub, "iopub");
  }

  /**
   * Starts a kernel and waits until it answers on shell and publishes on IOPub.
   *
   * @param options where and how to start it
   * @returns the kernel, ready for requests
   * @throws Error when the kernel exits at start-up (three tries on fresh ports) or does not
   *   answer within `startTimeoutMs`; the message quotes the end of its stderr
   */
  static async start(options: KernelOptions): Promise<Kernel> {
    const onWarning = options.onWarning ?? ((text: string) => console.warn(text));
    const timeout = options.startTimeoutMs ?? 60_000;
    let lastError: Error | undefined;
    for (let attempt = 1; attempt <= 3; attempt++) {
      const dir = await Deno.makeTempDir({ prefix: "notebook-runner-" });
      const info = newConnection();
      const file = await writeConnectionFile(dir, info);
      const [command, ...args] = (options.argv ?? DEFAULT_ARGV).map((a) =>
        a === "{connection_file}" ? file : a
      );
      const process = new Deno.Command(command, {
        args,
        cwd: options.cwd,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const kernel = new Kernel(info, dir, process, options.strictSignatures ?? false, onWarning);
      try {
        await kernel.#waitReady(timeout);
        return kernel;
      } catch (e) {
        lastError = e as Error;
        const exitedAlone = kernel.exitStatus !== null;
        await kernel.shutdown();
        // Exited at start-up: most likely a port taken between our check and its bind; retry.
        if (!exitedAlone) throw lastError;
      }
    }
    throw lastError;
  }

  /** True when the process ended from our own SIGTERM/SIGKILL in {@linkcode shutdown}. */
  killedByUs = false;
  /** The content of the kernel's `kernel_info_reply` (language_info, implementation, …). */
  kernelInfo: Record<string, unknown> = {};

  /** The last few kilobytes the kernel wrote to stderr and stdout (for error messages). */
  outputTail(): string {
    return [this.#stderr.text.trim(), this.#stdout.text.trim()].filter((s) => s).join("\n");
  }

  /** Calls `handler` with every accepted IOPub message, in arrival order. */
  onIopub(handler: (message: Message) => void): void {
    this.#iopubHandlers.push(handler);
  }

  /**
   * Sends a request and returns its id and a promise of its reply.
   *
   * The reply promise settles only when the reply comes; callers race it with
   * {@linkcode exited} and a timer.
   *
   * @param channel "shell" or "control"
   * @param msgType e.g. `"execute_request"`
   * @param content the request's content
   * @returns the request's `msg_id` and its reply
   */
  async request(
    channel: Channel,
    msgType: string,
    content: Record<string, unknown>,
  ): Promise<{ msgId: string; reply: Promise<Message> }> {
    const header = newHeader(msgType, this.#session);
    const reply = new Promise<Message>((resolve) => this.#replies.set(header.msg_id, resolve));
    const frames = serialize(
      { header, parent_header: {}, metadata: {}, content, buffers: [] },
      this.info.key,
    );
    await (channel === "shell" ? this.#shell : this.#control).send(frames);
    return { msgId: header.msg_id, reply };
  }

  /**
   * Ends the kernel and frees everything: asks politely on control, then SIGTERM, then SIGKILL,
   * closes the sockets and removes the connection file. Safe to call more than once.
   */
  async shutdown(): Promise<void> {
    if (this.exitStatus === null && !this.#closed) {
      try {
        await this.request("control", "shutdown_request", { restart: false });
      } catch {
        // the socket may already be unusable; the signals below still end the process
      }
      for (
        const [signal, wait] of [[null, 2_000], ["SIGTERM", 2_000], ["SIGKILL", 5_000]] as const
      ) {
        if (signal !== null && this.exitStatus === null) {
          this.killedByUs = true;
          try {
            this.process.kill(signal);
          } catch {
            // exited in between
          }
        }
        const t = timer(wait, null);
        await Promise.race([this.exited, t.promise]);
        t.cancel();
        if (this.exitStatus !== null) break;
      }
    }
    await this.exited;
    this.#closed = true;
    for (const socket of [this.#shell, this.#control, this.#iopub]) {
      if (!socket.closed) socket.close();
    }
    await Promise.all([this.#stdout.done, this.#stderr.done]);
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }

  async #waitReady(timeoutMs: number): Promise<void> {
    let sawIopub = false;
    this.onIopub(() => (sawIopub = true));
    const deadline = Date.now() + timeoutMs;
    const exit = this.exited.then(() => "exited" as const);
    let answered = false;
    while (Date.now() < deadline) {
      const { reply } = await this.request("shell", "kernel_info_request", {});
      const wait = timer(Math.max(0, Math.min(deadline - Date.now(), answered ? 500 : 1_000)), "");
      const got = await Promise.race([
        reply.then((r) => {
          this.kernelInfo = r.content;
          return "reply" as const;
        }),
        exit,
        wait.promise,
      ]);
      wait.cancel();
      if (got === "exited") {
        throw new Error(
          `the Deno kernel exited at start-up (${describeStatus(this.exitStatus!)}):\n` +
            this.outputTail(),
        );
      }
      if (got === "reply") {
        answered = true;
        // The reply came on shell; give IOPub a moment to carry the matching status messages.
        for (let i = 0; i < 10 && !sawIopub; i++) await sleep(50);
        if (sawIopub) return;
      }
    }
    throw new Error(
      `the Deno kernel did not ${answered ? "publish on IOPub" : "answer"} within ${
        timeoutMs / 1000
      } s:\n${this.outputTail()}`,
    );
  }

  #listen(socket: zmq.Dealer | zmq.Subscriber, channel: Channel | "iopub"): void {
    receiveLoop(socket, (frames) => this.#dispatch(channel, frames), (e) => {
      if (!this.#closed) this.#warn(`notebook runner: ${channel} socket failed: ${e}`);
    });
  }

  #dispatch(channel: Channel | "iopub", frames: Uint8Array[]): void {
    let parsed;
    try {
      parsed = parseFrames(frames, this.info.key);
    } catch (e) {
      this.dropped++;
      this.#warn(`notebook runner: dropped an undecodable ${channel} message: ${e}`);
      return;
    }
    const { message, signatureValid } = parsed;
    if (!signatureValid) {
      this.badSignatures++;
      if (this.badSignatures === 1) {
        this.#warn(
          `notebook runner: the kernel sent a ${channel} "${message.header.msg_type}" message ` +
            `with a bad signature; ${
              this.strictSignatures ? "dropped" : "accepted (it can only come from our kernel)"
            }. Further ones are counted, not shown.`,
        );
      }
      if (this.strictSignatures) return;
    }
    if (channel === "iopub") {
      for (const handler of this.#iopubHandlers) handler(message);
      return;
    }
    const parent = message.parent_header.msg_id;
    const resolve = parent === undefined ? undefined : this.#replies.get(parent);
    if (resolve) {
      this.#replies.delete(parent!);
      resolve(message);
    }
  }
}

/**
 * An exit status in words: `"exit status 1"` or `"killed by SIGKILL"`.
 *
 * @param status the process's status
 * @returns the description
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { describeStatus } from "./kernel.ts";
 * assertEquals(describeStatus({ success: false, code: 1, signal: null }), "exit status 1");
 * ```
 */
export function describeStatus(status: Deno.CommandStatus): string {
  return status.signal ? `killed by ${status.signal}` : `exit status ${status.code}`;
}
