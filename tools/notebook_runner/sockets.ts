/**
 * Receiving from ZeroMQ sockets by polling, the one way that is reliable under Deno.
 *
 * `npm:zeromq` waits for messages with libuv's `uv_poll` on the socket's file descriptor, which
 * ZeroMQ signals edge-triggered: it becomes readable once when messages arrive, and the binding
 * must check the socket again after every operation. Under Deno, whose Node-API layer emulates
 * the libuv calls, that wake-up is sometimes missed: a reply sits in the socket's queue and the
 * pending `receive()` never resolves (we saw a kernel's first `kernel_info_reply` lost every time,
 * and runs where no reply came at all). So the runner never leaves a `receive()` pending. Each
 * socket is created with `receiveTimeout: 0`, which makes `receive()` read a waiting message at
 * once or reject with `EAGAIN` at once; {@linkcode receiveLoop} drains the socket that way and
 * sleeps a few milliseconds whenever it is empty. The cost is a few hundred cheap calls a second,
 * the latency at most one poll interval.
 *
 * @module
 */

/** The poll interval in milliseconds when a socket is empty. */
export const POLL_MS = 5;

/** The part of a zeromq socket that {@linkcode receiveLoop} uses. */
export interface Receiver {
  /** Reads one message, or rejects with code `EAGAIN` when none is waiting. */
  receive(): Promise<Uint8Array[]>;
  /** True once the socket has been closed. */
  readonly closed: boolean;
}

/**
 * Calls `handle` with every message that arrives on `socket`, until the socket is closed.
 *
 * @param socket a socket made with `receiveTimeout: 0`
 * @param handle called with each message's frames, in order
 * @param onError called once with an unexpected receive error, after which the loop ends
 * @returns a promise that settles when the loop has ended
 */
export async function receiveLoop(
  socket: Receiver,
  handle: (frames: Uint8Array[]) => void,
  onError: (error: unknown) => void = () => {},
): Promise<void> {
  while (!socket.closed) {
    let frames: Uint8Array[];
    try {
      frames = await socket.receive();
    } catch (e) {
      if (socket.closed) return;
      if ((e as { code?: string }).code === "EAGAIN") {
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        continue;
      }
      onError(e);
      return;
    }
    handle(frames);
  }
}
