/**
 * A stand-in Jupyter kernel for tests/notebook_runner_suite.ts: it speaks just enough of the
 * protocol (kernel_info, execute, shutdown) to let the runner meet, on purpose and every time,
 * what the real Deno kernel does only now and then. Each cell's code is a command:
 *
 * - `late MS TEXT`: reply and publish `idle`, then, MS milliseconds later, a stdout stream TEXT;
 * - `badsig TEXT`: a stdout stream TEXT whose signature is wrong, then reply and `idle`;
 * - `sleep MS`: MS milliseconds of work, then reply and `idle`;
 * - `mangled`: an IOPub message whose frames cannot be decoded, then the reply and no `idle` (as
 *   when the Deno kernel's idle is lost in two messages sent at once);
 * - anything else: a stdout stream of the code itself, then reply and `idle`.
 *
 * Started as `deno run -A tests/notebook_runner_fake_kernel.ts CONNECTION_FILE`.
 */
import * as zmq from "zeromq";
import type { ConnectionInfo } from "../tools/notebook_runner/connection.ts";
import { receiveLoop } from "../tools/notebook_runner/sockets.ts";
import { type Message, newHeader, parseFrames, serialize } from "../tools/notebook_runner/wire.ts";

const info: ConnectionInfo = JSON.parse(await Deno.readTextFile(Deno.args[0]));
const at = (port: number) => `tcp://${info.ip}:${port}`;
const shell = new zmq.Router({ linger: 0, receiveTimeout: 0 });
const control = new zmq.Router({ linger: 0, receiveTimeout: 0 });
const iopub = new zmq.Publisher({ linger: 0 });
await shell.bind(at(info.shell_port));
await control.bind(at(info.control_port));
await iopub.bind(at(info.iopub_port));
const session = crypto.randomUUID();
let count = 0;

function message(type: string, parent: Message, content: Record<string, unknown>): Message {
  return {
    header: newHeader(type, session),
    parent_header: parent.header,
    metadata: {},
    content,
    buffers: [],
  };
}

async function publish(
  type: string,
  parent: Message,
  content: Record<string, unknown>,
  key = info.key,
) {
  const topic = new TextEncoder().encode(type);
  await iopub.send(serialize(message(type, parent, content), key, [topic]));
}

async function reply(
  socket: zmq.Router,
  ids: Uint8Array[],
  type: string,
  parent: Message,
  content: Record<string, unknown>,
) {
  await socket.send(serialize(message(type, parent, content), info.key, ids));
}

async function execute(ids: Uint8Array[], request: Message) {
  const code = String(request.content.code);
  count++;
  await publish("status", request, { execution_state: "busy" });
  await publish("execute_input", request, { code, execution_count: count });
  const [command, ...rest] = code.split(" ");
  let late: [number, string] | null = null;
  if (command === "late") late = [Number(rest[0]), rest.slice(1).join(" ")];
  else if (command === "sleep") await new Promise((r) => setTimeout(r, Number(rest[0])));
  else if (command === "mangled") {
    const text = (t: string) => new TextEncoder().encode(t);
    await iopub.send([text("stream"), text("<IDS|MSG>"), text(""), text("{not json"), text("{}")]);
    await reply(shell, ids, "execute_reply", request, { status: "ok", execution_count: count });
    return;
  } else if (command === "badsig") {
    await publish("stream", request, { name: "stdout", text: rest.join(" ") }, "wrong key");
  } else await publish("stream", request, { name: "stdout", text: code });
  await reply(shell, ids, "execute_reply", request, { status: "ok", execution_count: count });
  await publish("status", request, { execution_state: "idle" });
  if (late) {
    const [ms, text] = late;
    setTimeout(() => publish("stream", request, { name: "stdout", text }), ms);
  }
}

// Requests are handled one at a time, in order, as the kernel's shell channel does.
let queue = Promise.resolve();
receiveLoop(control, (frames) => {
  const { identities, message: request } = parseFrames(frames, info.key);
  if (request.header.msg_type === "shutdown_request") {
    queue = queue.then(async () => {
      await reply(control, identities, "shutdown_reply", request, { status: "ok", restart: false });
      Deno.exit(0);
    });
  }
});
await receiveLoop(shell, (frames) => {
  queue = queue.then(() => handle(frames));
});

async function handle(frames: Uint8Array[]) {
  const { identities, message: request, signatureValid } = parseFrames(frames, info.key);
  if (!signatureValid) return; // as a real kernel does: a request not signed by our client
  if (request.header.msg_type === "kernel_info_request") {
    await publish("status", request, { execution_state: "busy" });
    await reply(shell, identities, "kernel_info_reply", request, {
      status: "ok",
      protocol_version: "5.3",
      implementation: "fake",
      language_info: { name: "fake" },
    });
    await publish("status", request, { execution_state: "idle" });
  } else if (request.header.msg_type === "execute_request") {
    await execute(identities, request);
  }
}
