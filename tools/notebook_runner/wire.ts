/**
 * The Jupyter messaging protocol's wire format (version 5.3), written out by hand.
 *
 * A message travels as a list of ZeroMQ frames:
 *
 * ```text
 * [identity, …]  "<IDS|MSG>"  signature  header  parent_header  metadata  content  [buffer, …]
 * ```
 *
 * The identities are routing prefixes (on a ROUTER socket) or the topic (on IOPub); the four
 * dicts are UTF-8 JSON; the signature is the lowercase hex HMAC-SHA256, under the connection's
 * key, of the four JSON frames exactly as they travel:
 *
 * ```text
 * signature = hex(HMAC_SHA256(key, header ‖ parent_header ‖ metadata ‖ content))
 * ```
 *
 * An empty key means "not signed": the signature frame is then empty and is not checked.
 *
 * Parsing never throws on a bad signature: it reports `signatureValid: false` and leaves the
 * decision to the caller (see kernel.ts for the policy the runner applies). It does throw on
 * frames that are not a Jupyter message at all (no delimiter, missing frames, bad JSON).
 *
 * @module
 */
import { createHmac, timingSafeEqual } from "node:crypto";

/** The protocol version this client speaks. */
export const PROTOCOL_VERSION = "5.3";

/** The frame that separates the routing identities from the message proper. */
export const DELIMITER = "<IDS|MSG>";

/** A message header (every message has one; `parent_header` is the header of its request). */
export interface Header {
  /** A unique id; replies and outputs name it in their `parent_header`. */
  msg_id: string;
  /** The sender's session id. */
  session: string;
  /** The sender's user name. */
  username: string;
  /** When it was sent, ISO 8601. */
  date: string;
  /** The message type, e.g. `execute_request`, `stream`. */
  msg_type: string;
  /** The protocol version. */
  version: string;
}

/** A decoded message. `parent_header` is `{}` when the message answers no request. */
export interface Message {
  /** This message's header. */
  header: Header;
  /** The header of the request it answers, or `{}`. */
  parent_header: Partial<Header>;
  /** Free-form metadata. */
  metadata: Record<string, unknown>;
  /** The type-specific body. */
  content: Record<string, unknown>;
  /** Binary frames after the content (comms); usually none. */
  buffers: Uint8Array[];
}

/** What {@linkcode parseFrames} returns: the message, its identities, and the signature check. */
export interface Parsed {
  /** The frames before the delimiter (routing ids, or the IOPub topic). */
  identities: Uint8Array[];
  /** The decoded message. */
  message: Message;
  /** True when the signature matches (or when the key is empty and there is nothing to check). */
  signatureValid: boolean;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The hex HMAC-SHA256 of the four JSON frames under `key`; `""` when the key is empty.
 *
 * @param key the connection's key (its UTF-8 bytes are the HMAC key)
 * @param parts header, parent_header, metadata and content, as the bytes that travel
 * @returns the signature as lowercase hex
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { sign } from "./wire.ts";
 * const parts = ["{}", "{}", "{}", "{}"].map((s) => new TextEncoder().encode(s));
 * assertEquals(sign("", parts), "");
 * assertEquals(sign("k", parts).length, 64);
 * ```
 */
export function sign(key: string, parts: Uint8Array[]): string {
  if (key === "") return "";
  const hmac = createHmac("sha256", key);
  for (const part of parts) hmac.update(part);
  return hmac.digest("hex");
}

/**
 * A fresh header for a request of type `msgType` in `session`.
 *
 * @param msgType e.g. `"execute_request"`
 * @param session the client's session id (one per run)
 * @returns a header with a random `msg_id` and the current time
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { newHeader } from "./wire.ts";
 * const h = newHeader("kernel_info_request", "s1");
 * assertEquals([h.msg_type, h.session, h.version], ["kernel_info_request", "s1", "5.3"]);
 * ```
 */
export function newHeader(msgType: string, session: string): Header {
  return {
    msg_id: crypto.randomUUID(),
    session,
    username: "notebook_runner",
    date: new Date().toISOString(),
    msg_type: msgType,
    version: PROTOCOL_VERSION,
  };
}

/**
 * Encodes and signs a message as ZeroMQ frames, identities first.
 *
 * @param message the message (buffers are appended after content)
 * @param key the connection's key
 * @param identities routing prefixes, none for a DEALER talking to the kernel's ROUTER
 * @returns the frames to send
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { newHeader, parseFrames, serialize } from "./wire.ts";
 * const message = {
 *   header: newHeader("execute_request", "s"),
 *   parent_header: {},
 *   metadata: {},
 *   content: { code: "1 + 1" },
 *   buffers: [],
 * };
 * const parsed = parseFrames(serialize(message, "secret"), "secret");
 * assertEquals(parsed.signatureValid, true);
 * assertEquals(parsed.message.content, { code: "1 + 1" });
 * ```
 */
export function serialize(
  message: Message,
  key: string,
  identities: Uint8Array[] = [],
): Uint8Array[] {
  const parts = [message.header, message.parent_header, message.metadata, message.content].map(
    (part) => encoder.encode(JSON.stringify(part)),
  );
  return [
    ...identities,
    encoder.encode(DELIMITER),
    encoder.encode(sign(key, parts)),
    ...parts,
    ...message.buffers,
  ];
}

/** True when two signatures are equal, compared in constant time. */
function sameSignature(a: string, b: string): boolean {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function json(frame: Uint8Array, name: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(frame));
  } catch (e) {
    throw new SyntaxError(`parseFrames: ${name} expected JSON, got ${(e as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`parseFrames: ${name} expected a JSON object, got ${typeof value}`);
  }
  return value as Record<string, unknown>;
}

/**
 * Decodes ZeroMQ frames into a message and checks its signature.
 *
 * @param frames the frames as received
 * @param key the connection's key
 * @returns the message, its identities, and whether the signature matched
 * @throws SyntaxError or TypeError when the frames are not a Jupyter message
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { newHeader, parseFrames, serialize } from "./wire.ts";
 * const message = {
 *   header: newHeader("status", "s"),
 *   parent_header: {},
 *   metadata: {},
 *   content: { execution_state: "idle" },
 *   buffers: [],
 * };
 * const frames = serialize(message, "secret", [new TextEncoder().encode("topic")]);
 * // Tamper with the content (frames: topic, delimiter, signature, four JSON dicts).
 * frames[6] = new TextEncoder().encode('{"execution_state":"busy"}');
 * assertEquals(parseFrames(frames, "secret").signatureValid, false);
 * ```
 */
export function parseFrames(frames: Uint8Array[], key: string): Parsed {
  const at = frames.findIndex((f) => decoder.decode(f) === DELIMITER);
  if (at < 0) throw new SyntaxError(`parseFrames: frames expected a "${DELIMITER}" delimiter`);
  if (frames.length < at + 6) {
    throw new SyntaxError(
      `parseFrames: frames expected signature and 4 JSON frames after the delimiter, got ${
        frames.length - at - 1
      }`,
    );
  }
  const signature = decoder.decode(frames[at + 1]);
  const parts = frames.slice(at + 2, at + 6);
  const signatureValid = key === "" || sameSignature(signature, sign(key, parts));
  const message: Message = {
    header: json(parts[0], "header") as unknown as Header,
    parent_header: json(parts[1], "parent_header") as Partial<Header>,
    metadata: json(parts[2], "metadata"),
    content: json(parts[3], "content"),
    buffers: frames.slice(at + 6),
  };
  if (typeof message.header.msg_type !== "string") {
    throw new TypeError("parseFrames: header expected a msg_type string");
  }
  return { identities: frames.slice(0, at), message, signatureValid };
}
