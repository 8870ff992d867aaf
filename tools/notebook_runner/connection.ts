/**
 * The connection file that tells a kernel where to listen: five TCP ports on the loopback
 * address and the key that signs every message.
 *
 * The runner writes its own file (Jupyter is not needed to make one): ports the operating system
 * reports free at that moment, and a key of 32 random bytes. A port can be taken by another
 * process between the check and the kernel's bind; the kernel then exits at start-up, and
 * kernel.ts starts it again on fresh ports.
 *
 * @module
 */

/** The fields of a Jupyter connection file (`jupyter_client`'s format). */
export interface ConnectionInfo {
  /** The ZeroMQ transport: always TCP here. */
  transport: "tcp";
  /** The address the kernel binds: the loopback address. */
  ip: string;
  /** Requests and replies (ROUTER on the kernel's side). */
  shell_port: number;
  /** Outputs and status broadcasts (PUB). */
  iopub_port: number;
  /** Input requests from the kernel (ROUTER); unused by the runner. */
  stdin_port: number;
  /** Shutdown and interrupt requests (ROUTER). */
  control_port: number;
  /** The heartbeat echo (REP); unused by the runner. */
  hb_port: number;
  /** The HMAC key every message is signed with. */
  key: string;
  /** How messages are signed. */
  signature_scheme: "hmac-sha256";
  /** The kernel's name. */
  kernel_name: string;
}

/**
 * `count` distinct TCP ports on 127.0.0.1 that are free right now.
 *
 * @param count how many ports
 * @returns the port numbers
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { freePorts } from "./connection.ts";
 * assertEquals(new Set(freePorts(5)).size, 5);
 * ```
 */
export function freePorts(count: number): number[] {
  // All listeners stay open until every port is picked, so the system cannot hand one out twice.
  const listeners = Array.from(
    { length: count },
    () => Deno.listen({ hostname: "127.0.0.1", port: 0 }),
  );
  const ports = listeners.map((l) => (l.addr as Deno.NetAddr).port);
  for (const listener of listeners) listener.close();
  return ports;
}

/**
 * A random key: 32 bytes from the system's secure generator, as 64 hex digits.
 *
 * @returns the key
 *
 * @example
 * ```ts
 * import { assertEquals, assertNotEquals } from "@std/assert";
 * import { randomKey } from "./connection.ts";
 * assertEquals(randomKey().length, 64);
 * assertNotEquals(randomKey(), randomKey());
 * ```
 */
export function randomKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Connection details for a kernel on fresh loopback ports with a fresh key.
 *
 * @param kernelName the kernel's name, recorded in the file
 * @returns the connection info
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { newConnection } from "./connection.ts";
 * const info = newConnection();
 * assertEquals([info.ip, info.transport], ["127.0.0.1", "tcp"]);
 * ```
 */
export function newConnection(kernelName = "deno"): ConnectionInfo {
  const [shell, iopub, stdin, control, hb] = freePorts(5);
  return {
    transport: "tcp",
    ip: "127.0.0.1",
    shell_port: shell,
    iopub_port: iopub,
    stdin_port: stdin,
    control_port: control,
    hb_port: hb,
    key: randomKey(),
    signature_scheme: "hmac-sha256",
    kernel_name: kernelName,
  };
}

/**
 * The ZeroMQ address of one of the kernel's ports, e.g. `tcp://127.0.0.1:50123`.
 *
 * @param info the connection info
 * @param port the port number
 * @returns the address
 */
export function address(info: ConnectionInfo, port: number): string {
  return `${info.transport}://${info.ip}:${port}`;
}

/**
 * Writes the connection file into `dir`, readable by this user only (it holds the key).
 *
 * @param dir a directory of the runner's own
 * @param info the connection info
 * @returns the file's path
 */
export async function writeConnectionFile(dir: string, info: ConnectionInfo): Promise<string> {
  const path = `${dir}/kernel-connection.json`;
  await Deno.writeTextFile(path, JSON.stringify(info, null, 2), { mode: 0o600 });
  return path;
}
