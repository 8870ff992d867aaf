/**
 * The safetensors file format, read and written from its public specification.
 *
 * A safetensors file is three parts, one after the other:
 *
 * ```text
 * ┌──────────────┬───────────────────────────────┬──────────────────────────────────┐
 * │ N  (8 bytes) │ header (N bytes of UTF-8 JSON) │ buffer (the tensors' raw bytes)  │
 * └──────────────┴───────────────────────────────┴──────────────────────────────────┘
 *   u64, little-endian
 *
 * header = {
 *   "__metadata__": { "key": "value", ... },                  (optional, strings only)
 *   "W1": { "dtype": "F32", "shape": [4, 3], "data_offsets": [0, 48] },
 *   "b1": { "dtype": "F32", "shape": [1, 4], "data_offsets": [48, 64] },
 *   ...
 * }
 * ```
 *
 * Tensor `W1` occupies bytes `[begin, end)` of the buffer, counted from the first byte after the
 * header, stored row-major ("C order") and little-endian. The byte count must be
 * `rows · cols · itemsize` (4 for `F32`, 8 for `F64`), and the ranges of all tensors must tile
 * the buffer exactly: no overlap, no hole, nothing after the last tensor. The format has no
 * code in it, so reading a file from someone else cannot run anything; every number in the
 * header is checked before it is used, and a bad file is refused with a
 * {@linkcode SafetensorsError} that names the problem.
 *
 * Choices of this implementation:
 *
 * - Dtypes `F32` (float32) and `F64` (float64), the two a {@linkcode Matrix} holds. Other dtypes
 *   of the format (`F16`, `BF16`, `I64`, ...) are refused by name.
 * - A {@linkcode Matrix} is 2-D. The decoder also reads a 1-D tensor `[n]` (how PyTorch stores a
 *   bias) as the row vector `[1, n]`, the shape a bias has here. Scalars (`[]`) and tensors of
 *   rank 3 or more are refused. The encoder always writes 2-D shapes, so a round trip through
 *   {@linkcode encodeSafetensors} and {@linkcode decodeSafetensors} keeps every shape exactly.
 * - The encoder stores tensors in the key order of the record it is given and pads the header
 *   with spaces so that the buffer starts at a multiple of 8 bytes, as the reference
 *   implementation does. The decoder accepts any header length and copies every value out with
 *   a `DataView`, so the matrices it returns never alias the file's bytes, whatever their
 *   alignment.
 * - A name written twice in the header cannot be seen after `JSON.parse` (it keeps the last);
 *   when the two entries have different ranges, the bytes of the lost one show up as a hole
 *   and the file is refused.
 *
 * @module
 */

import { argError, describeValue } from "../errors.ts";
import { checkMatrix, type DType, Matrix } from "../tensor.ts";

/**
 * A file that is not valid safetensors, or uses a part of the format this library does not
 * read. The message starts with `decodeSafetensors:` and says what is wrong and where.
 *
 * @example
 * ```ts
 * import { assertThrows } from "@std/assert";
 * import { decodeSafetensors, SafetensorsError } from "./safetensors.ts";
 * assertThrows(() => decodeSafetensors(new Uint8Array(3)), SafetensorsError, "truncated");
 * ```
 */
export class SafetensorsError extends Error {
  /**
   * An error about a safetensors file.
   *
   * @param problem what is wrong with the file, in words
   */
  constructor(problem: string) {
    super(`decodeSafetensors: ${problem}`);
    this.name = "SafetensorsError";
  }
}

/** What {@linkcode decodeSafetensors} returns. */
export interface SafetensorsContents {
  /** The tensors by name, in the order of their bytes in the buffer. */
  tensors: Record<string, Matrix>;
  /** The `__metadata__` strings (`{}` when the file has none). */
  metadata: Record<string, string>;
}

/** The dtype names of the format, for the dtypes a {@linkcode Matrix} holds. */
const FILE_DTYPE: Readonly<Record<DType, string>> = { float32: "F32", float64: "F64" };

/** Bytes per entry. */
const ITEM_SIZE: Readonly<Record<DType, number>> = { float32: 4, float64: 8 };

/** Dtypes that the format defines but a {@linkcode Matrix} cannot hold. */
const OTHER_FORMAT_DTYPES = [
  "BOOL",
  "U8",
  "I8",
  "U16",
  "I16",
  "U32",
  "I32",
  "U64",
  "I64",
  "F16",
  "BF16",
  "F8_E4M3",
  "F8_E5M2",
];

/** The key the format reserves for the string metadata. */
const METADATA_KEY = "__metadata__";

/** The length of the little-endian u64 that precedes the header. */
const PREFIX_BYTES = 8;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Serialises named matrices (and optional string metadata) into the bytes of a safetensors
 * file.
 *
 * Layout: `u64 N | header JSON padded with spaces to N bytes, N a multiple of 8 | buffer`, each
 * matrix `[rows, cols]` stored row-major in `rows · cols · itemsize` bytes, little-endian, one
 * after the other in the record's key order.
 *
 * @param tensors the matrices by name; `"__metadata__"` is reserved by the format
 * @param metadata optional `string -> string` pairs, stored under `"__metadata__"`
 * @returns the file's bytes (fresh; the inputs are not changed)
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { matrix } from "../tensor.ts";
 * import { decodeSafetensors, encodeSafetensors } from "./safetensors.ts";
 * const bytes = encodeSafetensors({ W: matrix([[1, 2], [3, 4]], "float32") }, { note: "demo" });
 * // 8-byte length prefix + header (a multiple of 8) + 4 entries x 4 bytes
 * assertEquals((bytes.length - 8 - 16) % 8, 0);
 * const back = decodeSafetensors(bytes);
 * assertEquals(back.tensors.W.toArrays(), [[1, 2], [3, 4]]);
 * assertEquals(back.metadata, { note: "demo" });
 * ```
 */
export function encodeSafetensors(
  tensors: Readonly<Record<string, Matrix>>,
  metadata?: Readonly<Record<string, string>>,
): Uint8Array {
  const fn = "encodeSafetensors";
  if (!isPlainObject(tensors)) {
    throw argError(fn, "tensors", "a record of named matrices", describeValue(tensors), TypeError);
  }
  // Header entries as [key, value] pairs, turned into an object by Object.fromEntries, which
  // defines properties: a tensor named "__proto__" stays a tensor, not a prototype.
  const headerEntries: [string, unknown][] = [];
  if (metadata !== undefined) {
    if (!isPlainObject(metadata)) {
      throw argError(fn, "metadata", "a record of strings", describeValue(metadata), TypeError);
    }
    const pairs = Object.entries(metadata);
    for (const [key, value] of pairs) {
      if (typeof value !== "string") {
        throw argError(
          fn,
          `metadata[${JSON.stringify(key)}]`,
          "a string (the format's metadata holds strings only)",
          describeValue(value),
          TypeError,
        );
      }
      checkWellFormed(fn, `metadata[${JSON.stringify(key)}]`, key);
      checkWellFormed(fn, `metadata[${JSON.stringify(key)}]`, value);
    }
    if (pairs.length > 0) headerEntries.push([METADATA_KEY, Object.fromEntries(pairs)]);
  }

  const matrices = Object.entries(tensors);
  let offset = 0;
  for (const [name, m] of matrices) {
    const arg = `tensors[${JSON.stringify(name)}]`;
    if (name === METADATA_KEY) {
      throw argError(
        fn,
        "tensors",
        `no tensor named "${METADATA_KEY}" (the format reserves it)`,
        name,
      );
    }
    checkWellFormed(fn, arg, name);
    checkMatrix(fn, arg, m);
    const size = m.data.length * ITEM_SIZE[m.dtype];
    headerEntries.push([name, {
      dtype: FILE_DTYPE[m.dtype],
      shape: [m.rows, m.cols],
      data_offsets: [offset, offset + size],
    }]);
    offset += size;
  }

  const headerBytes = new TextEncoder().encode(JSON.stringify(Object.fromEntries(headerEntries)));
  // Pad so that the buffer starts 8-byte aligned in the file: a reader that maps the file can
  // then view F64 data in place.
  const headerLength = Math.ceil(headerBytes.length / 8) * 8;
  const dataStart = PREFIX_BYTES + headerLength;
  const out = new Uint8Array(dataStart + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerLength), true);
  out.set(headerBytes, PREFIX_BYTES);
  out.fill(0x20, PREFIX_BYTES + headerBytes.length, dataStart); // 0x20 = space

  let pos = dataStart;
  for (const [, m] of matrices) {
    const d = m.data;
    if (m.dtype === "float32") {
      for (let k = 0; k < d.length; k++, pos += 4) view.setFloat32(pos, d[k], true);
    } else {
      for (let k = 0; k < d.length; k++, pos += 8) view.setFloat64(pos, d[k], true);
    }
  }
  return out;
}

/**
 * Reads the bytes of a safetensors file into named matrices, checking every part of it.
 *
 * Refused, each with a {@linkcode SafetensorsError} that names the problem: a file shorter than
 * its 8-byte prefix or its header, a header that is not UTF-8, not JSON or not an object,
 * metadata that is not `string -> string`, a dtype other than `F32`/`F64`, a shape that is not
 * 1-D or 2-D non-negative integers, offsets that are not two integers `begin <= end`, a byte
 * count other than `rows · cols · itemsize`, ranges that overlap, leave a hole or leave
 * trailing bytes, and a buffer shorter than the ranges need (a truncated file).
 *
 * @param bytes the whole file (any byte offset and alignment; it is not changed)
 * @returns fresh matrices (copies, never views of `bytes`) and the metadata
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { decodeSafetensors } from "./safetensors.ts";
 * // A hand-made file: header {"x":{"dtype":"F64","shape":[1,1],"data_offsets":[0,8]}}
 * const header = new TextEncoder().encode(
 *   '{"x":{"dtype":"F64","shape":[1,1],"data_offsets":[0,8]}}'.padEnd(56, " "),
 * );
 * const bytes = new Uint8Array(8 + 56 + 8);
 * bytes[0] = 56; // the u64 header length, little-endian
 * bytes.set(header, 8);
 * bytes.set([0, 0, 0, 0, 0, 0, 0xf0, 0x3f], 64); // 1.0 as a little-endian float64
 * assertEquals(decodeSafetensors(bytes).tensors.x.toArrays(), [[1]]);
 * ```
 */
export function decodeSafetensors(bytes: Uint8Array): SafetensorsContents {
  if (!(bytes instanceof Uint8Array)) {
    throw argError("decodeSafetensors", "bytes", "a Uint8Array", describeValue(bytes), TypeError);
  }
  if (bytes.length < PREFIX_BYTES) {
    throw new SafetensorsError(
      `file truncated: ${bytes.length} bytes, fewer than the 8-byte header length that starts ` +
        "every safetensors file",
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  const afterPrefix = bytes.length - PREFIX_BYTES;
  if (headerLength > BigInt(afterPrefix)) {
    throw new SafetensorsError(
      `header length ${headerLength} (the first 8 bytes, little-endian) goes beyond the end of ` +
        `the file, which has ${afterPrefix} bytes after them (truncated file, or not safetensors)`,
    );
  }
  const dataStart = PREFIX_BYTES + Number(headerLength);
  const header = parseHeader(bytes.subarray(PREFIX_BYTES, dataStart));
  const metadata = parseMetadata(header[METADATA_KEY]);

  const entries: TensorEntry[] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name !== METADATA_KEY) entries.push(parseEntry(name, info));
  }
  const bufferLength = bytes.length - dataStart;
  checkCoverage(entries, bufferLength);

  const tensors: [string, Matrix][] = [];
  for (const e of entries) tensors.push([e.name, readMatrix(view, dataStart + e.begin, e)]);
  return { tensors: Object.fromEntries(tensors), metadata };
}

/** One tensor of the header, checked. */
interface TensorEntry {
  name: string;
  dtype: DType;
  rows: number;
  cols: number;
  begin: number;
  end: number;
}

function checkWellFormed(fn: string, arg: string, text: string): void {
  // A lone UTF-16 surrogate has no UTF-8 form: TextEncoder would silently write U+FFFD.
  if (!text.isWellFormed()) {
    throw argError(fn, arg, "text without lone UTF-16 surrogates", JSON.stringify(text));
  }
}

function parseHeader(headerBytes: Uint8Array): Record<string, unknown> {
  if (headerBytes.length === 0 || headerBytes[0] !== 0x7b) { // 0x7b = "{"
    throw new SafetensorsError(
      `header must be a JSON object starting with "{", got ${
        headerBytes.length === 0 ? "an empty header" : `first byte 0x${hex(headerBytes[0])}`
      }`,
    );
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(headerBytes);
  } catch {
    throw new SafetensorsError(`header (${headerBytes.length} bytes) is not valid UTF-8`);
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (error) {
    throw new SafetensorsError(`header is not valid JSON (${(error as Error).message})`);
  }
  if (!isPlainObject(header)) {
    throw new SafetensorsError(`header must be a JSON object, got ${describeValue(header)}`);
  }
  return header;
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, "0");
}

function parseMetadata(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (!isPlainObject(value)) {
    throw new SafetensorsError(
      `"${METADATA_KEY}" must be an object of strings, got ${describeValue(value)}`,
    );
  }
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== "string") {
      throw new SafetensorsError(
        `"${METADATA_KEY}" must map strings to strings, got ${describeValue(v)} for key ${
          JSON.stringify(key)
        }`,
      );
    }
  }
  return Object.fromEntries(Object.entries(value as Record<string, string>));
}

function parseEntry(name: string, info: unknown): TensorEntry {
  const where = `tensor ${JSON.stringify(name)}`;
  if (!isPlainObject(info)) {
    throw new SafetensorsError(
      `${where}: expected {"dtype", "shape", "data_offsets"}, got ${describeValue(info)}`,
    );
  }
  for (const key of Object.keys(info)) {
    if (key !== "dtype" && key !== "shape" && key !== "data_offsets") {
      throw new SafetensorsError(
        `${where}: unknown field ${JSON.stringify(key)} (expected dtype, shape, data_offsets)`,
      );
    }
  }
  for (const key of ["dtype", "shape", "data_offsets"]) {
    if (!(key in info)) throw new SafetensorsError(`${where}: missing field "${key}"`);
  }

  const fileDtype = info.dtype;
  let dtype: DType;
  if (fileDtype === "F32") dtype = "float32";
  else if (fileDtype === "F64") dtype = "float64";
  else if (typeof fileDtype === "string" && OTHER_FORMAT_DTYPES.includes(fileDtype)) {
    throw new SafetensorsError(
      `${where}: dtype ${fileDtype} is not supported (this library reads F32 and F64)`,
    );
  } else {
    throw new SafetensorsError(
      `${where}: unknown dtype ${describeValue(fileDtype)} (expected "F32" or "F64")`,
    );
  }

  const shape = info.shape;
  if (
    !Array.isArray(shape) || shape.length < 1 || shape.length > 2 ||
    !shape.every((n) => Number.isSafeInteger(n) && n >= 0)
  ) {
    throw new SafetensorsError(
      `${where}: shape must be [rows, cols] (or [n], read as [1, n]) of non-negative ` +
        `integers, got ${JSON.stringify(shape)}`,
    );
  }
  const [rows, cols] = shape.length === 2 ? shape : [1, shape[0]];

  const offsets = info.data_offsets;
  if (
    !Array.isArray(offsets) || offsets.length !== 2 ||
    !offsets.every((n) => Number.isSafeInteger(n) && n >= 0) || offsets[0] > offsets[1]
  ) {
    throw new SafetensorsError(
      `${where}: data_offsets must be [begin, end], integers with 0 <= begin <= end, got ${
        JSON.stringify(offsets)
      }`,
    );
  }
  const [begin, end] = offsets as [number, number];
  const need = rows * cols * ITEM_SIZE[dtype];
  if (!Number.isSafeInteger(need) || need !== end - begin) {
    throw new SafetensorsError(
      `${where}: shape ${JSON.stringify(shape)} of ${fileDtype} needs ${rows} x ${cols} x ${
        ITEM_SIZE[dtype]
      } = ${need} bytes, but data_offsets [${begin}, ${end}] hold ${end - begin}`,
    );
  }
  return { name, dtype, rows, cols, begin, end };
}

/**
 * Checks that the ranges tile `[0, bufferLength)`: sorted by start, each starts where the
 * previous ended, and the last ends at the end of the buffer. Sorts `entries` in place.
 */
function checkCoverage(entries: TensorEntry[], bufferLength: number): void {
  // Empty tensors ([k, k]) sort before a tensor that starts at k, so they never look like holes.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let needed = 0;
  for (const e of entries) needed = Math.max(needed, e.end);
  if (needed > bufferLength) {
    throw new SafetensorsError(
      `file truncated: the header's tensors need a buffer of ${needed} bytes, the file holds ` +
        `${bufferLength} after the header`,
    );
  }
  let cursor = 0;
  let previous: TensorEntry | undefined;
  for (const e of entries) {
    if (e.begin < cursor) {
      throw new SafetensorsError(
        `tensor ${JSON.stringify(e.name)} data_offsets [${e.begin}, ${e.end}] overlap tensor ${
          JSON.stringify(previous!.name)
        } [${previous!.begin}, ${previous!.end}]`,
      );
    }
    if (e.begin > cursor) {
      throw new SafetensorsError(
        `buffer bytes [${cursor}, ${e.begin}) belong to no tensor (the format forbids holes)`,
      );
    }
    cursor = e.end;
    previous = e;
  }
  if (cursor < bufferLength) {
    throw new SafetensorsError(
      `the last ${bufferLength - cursor} bytes of the buffer, [${cursor}, ${bufferLength}), ` +
        "belong to no tensor (the format forbids trailing data)",
    );
  }
}

function readMatrix(view: DataView, start: number, e: TensorEntry): Matrix {
  const count = e.rows * e.cols;
  if (e.dtype === "float32") {
    const data = new Float32Array(count);
    for (let k = 0; k < count; k++) data[k] = view.getFloat32(start + 4 * k, true);
    return new Matrix(e.rows, e.cols, data);
  }
  const data = new Float64Array(count);
  for (let k = 0; k < count; k++) data[k] = view.getFloat64(start + 8 * k, true);
  return new Matrix(e.rows, e.cols, data);
}
