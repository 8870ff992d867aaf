/**
 * Reading a file safely: look at what a path names before reading it, and read no more than a
 * limit.
 *
 * `Deno.readFile("/dev/zero")` never ends (it grows until memory runs out), a named pipe (FIFO)
 * blocks the reader until some other program writes to it, and a 1 GB `vocab.json` is read in
 * full before anything can say that it is too large. {@linkcode readRegularFile} refuses all of
 * them before reading a byte:
 *
 * 1. `stat` the path (following symbolic links), without opening it: a directory, FIFO, socket
 *    or device is refused, and so is a regular file larger than the limit.
 * 2. Open it without blocking (`O_NONBLOCK`: opening a FIFO for reading would otherwise wait for
 *    a writer) and `fstat` the open file: the path may have been replaced between steps 1 and 2,
 *    so the file actually opened is checked again.
 * 3. Read at most `limit + 1` bytes: a file that grows while it is read (or one whose size the
 *    system does not report, as in `/proc`) is refused when it passes the limit.
 *
 * Opening uses `node:fs`, because `Deno.open` has no way to ask for `O_NONBLOCK`; the file is
 * read through the same descriptor. Like `Deno.readFile`, it needs `--allow-read`.
 *
 * A refusal is a {@linkcode FileCheckError} (a `RangeError`) whose message names the function,
 * the path, what was expected and what was found:
 *
 * ```text
 * readTextFile: path expected a regular file of at most 256 MiB, got "/dev/zero", a character device
 * ```
 *
 * A missing file is a `Deno.errors.NotFound` with the same kind of message.
 *
 * @module
 */

import * as nodeFs from "node:fs";
import { argError, describeValue } from "../errors.ts";

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

/**
 * The largest files this library reads, in bytes, by kind. Each is far above what a real file
 * of that kind needs, and low enough that a wrong path fails at once instead of filling memory.
 *
 * - `corpus`: 256 MiB, a text corpus (`readTextFile`; the whole Brown corpus is about 6 MiB of
 *   tagged text). Override with `readTextFile(path, { maxBytes })`.
 * - `json`: 64 MiB, `config.json`, `vocab.json`, `training.json` of a checkpoint (the vocabulary
 *   of the full Brown corpus takes about 1 MiB).
 * - `manifest`: 1 MiB, a checkpoint's `manifest.json` (a few hundred bytes per tensor).
 * - `weights`: 2 GiB, a checkpoint's `model.safetensors` (a model of 250 million float64
 *   parameters). Override with `loadCheckpoint(dir, { maxModelBytes })` or
 *   `loadModel(dir, { maxModelBytes })`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { READ_LIMITS } from "./files.ts";
 * assertEquals(READ_LIMITS.json, 64 * 1024 * 1024);
 * ```
 */
export const READ_LIMITS: Readonly<{
  corpus: number;
  json: number;
  manifest: number;
  weights: number;
}> = Object.freeze({
  corpus: 256 * MiB,
  json: 64 * MiB,
  manifest: 1 * MiB,
  weights: 2 * GiB,
});

/**
 * A path that is not a regular file within the size limit: a directory, FIFO, socket or device,
 * or a file too large. {@linkcode expected} and {@linkcode found} hold the two halves of the
 * message, for a caller that words its own error (a checkpoint loader names the file it wanted).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { FileCheckError } from "./files.ts";
 * const e = new FileCheckError("f", "a.txt", "a regular file of at most 1 MiB", "a directory");
 * assertEquals(e.message, 'f: path expected a regular file of at most 1 MiB, got "a.txt", a directory');
 * assertEquals(e instanceof RangeError, true);
 * ```
 */
export class FileCheckError extends RangeError {
  /** The path as given. */
  readonly path: string;
  /** What the function needs, e.g. `"a regular file of at most 64 MiB"`. */
  readonly expected: string;
  /** What the path names, e.g. `"a FIFO (named pipe)"`. */
  readonly found: string;

  /**
   * Builds the error; the message is `fn: path expected EXPECTED, got "PATH", FOUND`.
   *
   * @param fn the function that refused the path
   * @param path the path, as given
   * @param expected what the function needs
   * @param found what the path names
   */
  constructor(fn: string, path: string, expected: string, found: string) {
    super(`${fn}: path expected ${expected}, got ${JSON.stringify(path)}, ${found}`);
    this.name = "FileCheckError";
    this.path = path;
    this.expected = expected;
    this.found = found;
  }
}

/**
 * A byte count in words: `"64 MiB"`, `"512 bytes"`, `"1.5 GiB (1610612736 bytes)"`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { formatBytes } from "./files.ts";
 * assertEquals(formatBytes(64 * 1024 * 1024), "64 MiB");
 * assertEquals(formatBytes(1000), "1000 bytes");
 * assertEquals(formatBytes(3 * 1024 * 1024 + 1), "3.0 MiB (3145729 bytes)");
 * ```
 */
export function formatBytes(n: number): string {
  if (n < KiB) return n === 1 ? "1 byte" : `${n} bytes`;
  for (const [unit, size] of [["GiB", GiB], ["MiB", MiB], ["KiB", KiB]] as const) {
    if (n >= size) {
      return n % size === 0
        ? `${n / size} ${unit}`
        : `${(n / size).toFixed(1)} ${unit} (${n} bytes)`;
    }
  }
  return `${n} bytes`;
}

/**
 * A path for a message: a string quoted as JSON, a `file:` URL as its decoded path.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { showPath } from "./files.ts";
 * assertEquals(showPath("a b.txt"), '"a b.txt"');
 * assertEquals(showPath(new URL("file:///tmp/a%20b.txt")), '"/tmp/a b.txt"');
 * ```
 */
export function showPath(path: string | URL): string {
  return JSON.stringify(plainPath(path));
}

function plainPath(path: string | URL): string {
  if (path instanceof URL) {
    return path.protocol === "file:" ? decodeURIComponent(path.pathname) : path.href;
  }
  return path;
}

/**
 * What a `Deno.stat` result names, in words: `"a regular file"`, `"a directory"`,
 * `"a FIFO (named pipe)"`, `"a character device"` (such as `/dev/null`), `"a block device"`,
 * `"a socket"`.
 *
 * @param info the result of `Deno.stat` or `Deno.lstat`
 * @returns the words
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { describeFileKind } from "./files.ts";
 * assertEquals(describeFileKind(Deno.statSync("/dev/null")), "a character device");
 * ```
 */
export function describeFileKind(info: Deno.FileInfo): string {
  if (info.isFile) return "a regular file";
  if (info.isSymlink) return "a symbolic link";
  return kindOfInfo(info);
}

const KIND_NAMES = [
  "a directory",
  "a FIFO (named pipe)",
  "a character device",
  "a block device",
  "a socket",
];

/** What a path names besides a regular file, from the flags of either stat flavour. */
function kindOf(flags: readonly (boolean | null)[]): string {
  return KIND_NAMES[flags.findIndex(Boolean)] ?? "not a regular file";
}

function kindOfInfo(i: Deno.FileInfo): string {
  return kindOf([i.isDirectory, i.isFifo, i.isCharDevice, i.isBlockDevice, i.isSocket]);
}

function kindOfStats(s: nodeFs.Stats): string {
  return kindOf([
    s.isDirectory(),
    s.isFIFO(),
    s.isCharacterDevice(),
    s.isBlockDevice(),
    s.isSocket(),
  ]);
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer (reads of a regular
// file are not affected). O_NOCTTY: a terminal device never becomes the controlling terminal.
// Both are undefined on Windows, which has neither FIFOs in the file system nor the problem.
const OPEN_FLAGS = nodeFs.constants.O_RDONLY | (nodeFs.constants.O_NONBLOCK ?? 0) |
  (nodeFs.constants.O_NOCTTY ?? 0);

/** The largest single read: keeps each call well under the 2 GiB a read may ask for. */
const CHUNK_BYTES = 64 * MiB;

/** A refusal, once the path is known to exist. */
function refuse(fn: string, path: string | URL, expected: string, found: string): never {
  throw new FileCheckError(fn, plainPath(path), expected, found);
}

function checkArgs(fn: string, path: unknown, limitBytes: unknown): asserts path is string | URL {
  if (typeof path !== "string" && !(path instanceof URL)) {
    throw argError(fn, "path", "a string or a file: URL", describeValue(path), TypeError);
  }
  if (path === "") throw argError(fn, "path", "a file path", '"" (an empty string)');
  if (!Number.isSafeInteger(limitBytes) || (limitBytes as number) < 0) {
    throw argError(fn, "limitBytes", "a non-negative integer", describeValue(limitBytes));
  }
}

/**
 * Step 1: check the arguments, stat the path (following links) and refuse what is not a small
 * regular file; returns the words for what is expected.
 */
function checkPath(fn: string, path: unknown, limitBytes: unknown): string {
  checkArgs(fn, path, limitBytes);
  const expected = `a regular file of at most ${formatBytes(limitBytes as number)}`;
  const lstat = () => Deno.lstatSync(path);
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      let link = "";
      try {
        if (lstat().isSymlink) link = ", a symbolic link to a missing file";
      } catch { /* no link either */ }
      throw new Deno.errors.NotFound(
        `${fn}: path expected ${expected}, got ${showPath(path)} (no such file${link})`,
      );
    }
    throw new Error(`${fn}: cannot read ${showPath(path)} (${message(error)})`, { cause: error });
  }
  if (info.isFile && info.size <= (limitBytes as number)) return expected;
  let via = "";
  try {
    if (lstat().isSymlink) via = ` (a symbolic link to ${JSON.stringify(Deno.realPathSync(path))})`;
  } catch { /* the path is still named */ }
  if (!info.isFile) refuse(fn, path, expected, `${kindOfInfo(info)}${via}`);
  refuse(fn, path, expected, `a file of ${formatBytes(info.size)}${via}`);
}

/** Step 2: the file actually opened must still be a small regular file. */
function checkOpened(
  fn: string,
  path: string | URL,
  expected: string,
  limitBytes: number,
  stats: nodeFs.Stats,
): void {
  if (!stats.isFile()) {
    refuse(
      fn,
      path,
      expected,
      `${kindOfStats(stats)} (the path was replaced after it was checked)`,
    );
  }
  if (stats.size > limitBytes) refuse(fn, path, expected, `a file of ${formatBytes(stats.size)}`);
}

/**
 * Step 3, shared by the two readers: a buffer of `min(size, limit) + 1` bytes, grown as needed up
 * to `limit + 1`; filling it means the file holds more than `limit` bytes.
 */
class BoundedBuffer {
  bytes: Uint8Array;
  length = 0;
  constructor(sizeHint: number, readonly limit: number) {
    this.bytes = new Uint8Array(Math.min(sizeHint, limit) + 1);
  }
  /** Room for the next read, or 0 when the file has passed the limit. */
  room(): number {
    if (this.length === this.bytes.length) {
      if (this.bytes.length > this.limit) return 0;
      const grown = new Uint8Array(
        Math.min(this.limit + 1, Math.max(2 * this.bytes.length, 64 * KiB)),
      );
      grown.set(this.bytes);
      this.bytes = grown;
    }
    return Math.min(this.bytes.length - this.length, CHUNK_BYTES);
  }
  result(fn: string, path: string | URL, expected: string): Uint8Array {
    if (this.length > this.limit) {
      refuse(
        fn,
        path,
        expected,
        `a file of more than ${formatBytes(this.limit)} (it grew while read)`,
      );
    }
    return this.bytes.subarray(0, this.length);
  }
}

function openError(fn: string, path: string | URL, error: unknown): Error {
  const code = (error as { code?: string }).code;
  if (code === "ENOENT") {
    return new Deno.errors.NotFound(`${fn}: ${showPath(path)} disappeared before it was read`);
  }
  return new Error(`${fn}: cannot read ${showPath(path)} (${message(error)})`, { cause: error });
}

/**
 * Reads a whole regular file of at most `limitBytes` bytes, checking what the path names before
 * reading (see the module documentation): a directory, FIFO, socket or device, or a file larger
 * than the limit, is refused with a {@linkcode FileCheckError} before a byte is read; a missing
 * file is a `Deno.errors.NotFound`. Symbolic links are followed.
 *
 * @param fn the public function on whose behalf the file is read, for the messages
 * @param path a file path, or a `file:` URL
 * @param limitBytes the largest size accepted, e.g. one of {@linkcode READ_LIMITS}
 * @returns the file's bytes
 *
 * @example
 * ```ts
 * import { assertEquals, assertRejects } from "@std/assert";
 * import { FileCheckError, readRegularFile } from "./files.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/a.txt`, "hello");
 * assertEquals((await readRegularFile("demo", `${dir}/a.txt`, 100)).length, 5);
 * await assertRejects(() => readRegularFile("demo", `${dir}/a.txt`, 4), FileCheckError, "a file of 5 bytes");
 * await assertRejects(() => readRegularFile("demo", dir, 100), FileCheckError, "a directory");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readRegularFile(
  fn: string,
  path: string | URL,
  limitBytes: number,
): Promise<Uint8Array> {
  const expected = checkPath(fn, path, limitBytes);
  let handle: nodeFs.promises.FileHandle;
  try {
    handle = await nodeFs.promises.open(path, OPEN_FLAGS);
  } catch (error) {
    throw openError(fn, path, error);
  }
  try {
    const stats = await handle.stat();
    checkOpened(fn, path, expected, limitBytes, stats);
    const buffer = new BoundedBuffer(stats.size, limitBytes);
    for (let room = buffer.room(); room > 0; room = buffer.room()) {
      const { bytesRead } = await handle.read(buffer.bytes, buffer.length, room, null);
      if (bytesRead === 0) break;
      buffer.length += bytesRead;
    }
    return buffer.result(fn, path, expected);
  } catch (error) {
    if (error instanceof FileCheckError) throw error;
    throw openError(fn, path, error);
  } finally {
    await handle.close();
  }
}

/**
 * The synchronous twin of {@linkcode readRegularFile}: the same checks, the same errors.
 *
 * @param fn the public function on whose behalf the file is read, for the messages
 * @param path a file path, or a `file:` URL
 * @param limitBytes the largest size accepted
 * @returns the file's bytes
 *
 * @example
 * ```ts
 * import { assertThrows } from "@std/assert";
 * import { FileCheckError, readRegularFileSync } from "./files.ts";
 * assertThrows(
 *   () => readRegularFileSync("demo", "/dev/zero", 1024),
 *   FileCheckError,
 *   'demo: path expected a regular file of at most 1 KiB, got "/dev/zero", a character device',
 * );
 * ```
 */
export function readRegularFileSync(
  fn: string,
  path: string | URL,
  limitBytes: number,
): Uint8Array {
  const expected = checkPath(fn, path, limitBytes);
  let fd: number;
  try {
    fd = nodeFs.openSync(path, OPEN_FLAGS);
  } catch (error) {
    throw openError(fn, path, error);
  }
  try {
    const stats = nodeFs.fstatSync(fd);
    checkOpened(fn, path, expected, limitBytes, stats);
    const buffer = new BoundedBuffer(stats.size, limitBytes);
    for (let room = buffer.room(); room > 0; room = buffer.room()) {
      const bytesRead = nodeFs.readSync(fd, buffer.bytes, buffer.length, room, null);
      if (bytesRead === 0) break;
      buffer.length += bytesRead;
    }
    return buffer.result(fn, path, expected);
  } catch (error) {
    if (error instanceof FileCheckError) throw error;
    throw openError(fn, path, error);
  } finally {
    nodeFs.closeSync(fd);
  }
}

/**
 * The offset of the first byte that is not part of valid UTF-8. The lenient decoder writes
 * U+FFFD for each bad sequence and decodes everything before it exactly, so re-encoding that
 * prefix gives the offset; a U+FFFD that the file really contains (bytes EF BF BD) is skipped.
 */
function firstInvalidByte(bytes: Uint8Array): number {
  const text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);
  const encoder = new TextEncoder();
  for (let k = text.indexOf("\uFFFD"); k !== -1; k = text.indexOf("\uFFFD", k + 1)) {
    const at = encoder.encode(text.slice(0, k)).length;
    if (bytes[at] !== 0xef || bytes[at + 1] !== 0xbf || bytes[at + 2] !== 0xbd) return at;
  }
  return bytes.length;
}

/**
 * The bytes of a file decoded as UTF-8 (a byte-order mark at the start is dropped), or a
 * `RangeError` that names the path and the offset of the first byte that is not UTF-8.
 *
 * @param fn the public function, for the message
 * @param path the file the bytes came from, for the message
 * @param bytes the file's bytes
 * @returns the text
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { decodeUtf8 } from "./files.ts";
 * assertEquals(decodeUtf8("f", "a.txt", new Uint8Array([0xef, 0xbb, 0xbf, 0x61])), "a");
 * assertThrows(() => decodeUtf8("f", "a.txt", new Uint8Array([0x61, 0xff])), RangeError, "at byte 1 (0xff)");
 * ```
 */
export function decodeUtf8(fn: string, path: string | URL, bytes: Uint8Array): string {
  try {
    // A byte-order mark at the start is dropped (the decoder's default).
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    const at = firstInvalidByte(bytes);
    throw argError(
      fn,
      "path",
      "UTF-8 text",
      `${showPath(path)} with invalid UTF-8 at byte ${at} (0x${
        bytes[at].toString(16).padStart(2, "0")
      }); convert the file to UTF-8 first`,
    );
  }
}

/**
 * {@linkcode readRegularFile}, then decoded as UTF-8 (a byte-order mark at the start is
 * dropped). Bytes that are not UTF-8 are a `RangeError` with the offset of the first bad byte.
 *
 * @param fn the public function on whose behalf the file is read, for the messages
 * @param path a file path, or a `file:` URL
 * @param limitBytes the largest size accepted, in bytes (not characters)
 * @returns the file's text
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { readRegularTextFile } from "./files.ts";
 * const text = await readRegularTextFile("demo", new URL("../../data/toy.txt", import.meta.url), 1 << 20);
 * assertEquals(text.split("\n")[0], "The cat sat on the mat.");
 * ```
 */
export async function readRegularTextFile(
  fn: string,
  path: string | URL,
  limitBytes: number,
): Promise<string> {
  return decodeUtf8(fn, path, await readRegularFile(fn, path, limitBytes));
}

/**
 * The synchronous twin of {@linkcode readRegularTextFile}.
 *
 * @param fn the public function on whose behalf the file is read, for the messages
 * @param path a file path, or a `file:` URL
 * @param limitBytes the largest size accepted, in bytes
 * @returns the file's text
 *
 * @example
 * ```ts
 * import { assertThrows } from "@std/assert";
 * import { readRegularTextFileSync } from "./files.ts";
 * const dir = Deno.makeTempDirSync();
 * Deno.writeFileSync(`${dir}/latin1.txt`, new Uint8Array([0x61, 0xe9]));
 * assertThrows(() => readRegularTextFileSync("demo", `${dir}/latin1.txt`, 100), RangeError, "byte 1 (0xe9)");
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export function readRegularTextFileSync(
  fn: string,
  path: string | URL,
  limitBytes: number,
): string {
  return decodeUtf8(fn, path, readRegularFileSync(fn, path, limitBytes));
}
