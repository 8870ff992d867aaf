import {
  assert,
  assertEquals,
  assertInstanceOf,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import {
  decodeSafetensors,
  encodeSafetensors,
  SafetensorsError,
} from "../../lib/io/safetensors.ts";
import { clone, Matrix, matrix } from "../../lib/tensor.ts";

const ascii = (text: string): number[] => Array.from(text, (ch) => ch.charCodeAt(0));

/**
 * A safetensors file assembled by hand, without the encoder: the u64 length written byte by
 * byte (little-endian: lowest byte first), the header text as given (no padding added), then
 * the data bytes.
 */
function handBuilt(header: string, data: readonly number[]): Uint8Array {
  const n = header.length; // ASCII headers only, so one byte per character
  const prefix = [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff, 0, 0, 0, 0];
  return new Uint8Array([...prefix, ...ascii(header), ...data]);
}

/** The raw bytes behind a matrix, to compare bit patterns. */
const bitsOf = (m: Matrix): Uint8Array =>
  new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength);

// Little-endian IEEE 754 encodings, from the bit patterns:
//   float32  1.0 = 0x3F800000   -2.0 = 0xC0000000   0.1 ~ 0x3DCCCCCD
//   float64  0.5 = 0x3FE0000000000000   -0 = 0x8000000000000000   1.0 = 0x3FF0000000000000
const F32_ONE = [0x00, 0x00, 0x80, 0x3f];
const F32_MINUS_TWO = [0x00, 0x00, 0x00, 0xc0];
const F32_TENTH = [0xcd, 0xcc, 0xcc, 0x3d];
const F64_HALF = [0, 0, 0, 0, 0, 0, 0xe0, 0x3f];
const F64_MINUS_ZERO = [0, 0, 0, 0, 0, 0, 0, 0x80];
const F64_ONE = [0, 0, 0, 0, 0, 0, 0xf0, 0x3f];

Deno.test("decodeSafetensors reads a hand-built file, and encodeSafetensors writes the same bytes", () => {
  const text =
    '{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]},' +
    '"b":{"dtype":"F64","shape":[1,1],"data_offsets":[8,16]}}';
  // The header is padded with spaces to a multiple of 8 so that the buffer starts aligned.
  const padded = text.padEnd(Math.ceil(text.length / 8) * 8, " ");
  const file = handBuilt(padded, [...F32_ONE, ...F32_MINUS_TWO, ...F64_HALF]);

  const { tensors, metadata } = decodeSafetensors(file);
  assertEquals(Object.keys(tensors), ["w", "b"]);
  assertEquals(tensors.w.dtype, "float32");
  assertEquals(tensors.w.toArrays(), [[1, -2]]);
  assertEquals(tensors.b.dtype, "float64");
  assertEquals(tensors.b.toArrays(), [[0.5]]);
  assertEquals(metadata, { format: "pt" });

  const written = encodeSafetensors(
    { w: matrix([[1, -2]], "float32"), b: matrix([[0.5]]) },
    { format: "pt" },
  );
  assertEquals(written, file);
});

Deno.test("decodeSafetensors reads another producer's layout: pretty JSON, 1-D, no padding", () => {
  // Tensors listed in the opposite order of their bytes, metadata last, a 1-D bias, and a
  // header of odd length so that the float64 data starts at an unaligned file offset.
  const header = `{
  "bias": {"dtype": "F32", "shape": [2], "data_offsets": [16, 24]},
  "W": {"dtype": "F64", "shape": [2, 1], "data_offsets": [0, 16]},
  "__metadata__": {"producer": "by hand"}
}`;
  assert((8 + header.length) % 8 !== 0, "the test wants an unaligned buffer");
  const file = handBuilt(header, [...F64_MINUS_ZERO, ...F64_ONE, ...F32_TENTH, ...F32_ONE]);
  const { tensors, metadata } = decodeSafetensors(file);
  // Returned in buffer order, whatever the header order.
  assertEquals(Object.keys(tensors), ["W", "bias"]);
  assertEquals(tensors.W.shape, [2, 1]);
  assert(Object.is(tensors.W.data[0], -0), "-0 keeps its sign bit");
  assertEquals(tensors.W.data[1], 1);
  // The 1-D tensor [2] becomes the row vector [1, 2]; 0.1 is the nearest float32.
  assertEquals(tensors.bias.shape, [1, 2]);
  assertEquals(Array.from(tensors.bias.data), [Math.fround(0.1), 1]);
  assertEquals(metadata, { producer: "by hand" });
});

Deno.test("round trip keeps every bit of float32 and float64 values, shapes and order", () => {
  const specials = [
    0,
    -0,
    1 / 3,
    -Math.PI,
    Number.MIN_VALUE, // smallest float64 subnormal
    -Number.MAX_VALUE,
    1e-300,
    123456789.123,
  ];
  const f32Specials = [
    0,
    -0,
    1 / 3,
    -Math.PI,
    1.401298464324817e-45, // smallest float32 subnormal
    3.4028234663852886e38, // largest float32
    -1e-30,
    65504,
  ];
  const params = {
    E: new Matrix(2, 4, new Float64Array(specials)),
    W: new Matrix(4, 2, new Float32Array(f32Specials)),
    b: matrix([[0.25, -0.5, 7]], "float32"),
    empty: new Matrix(0, 3, new Float64Array(0)),
    noCols: new Matrix(2, 0, new Float32Array(0)),
  };
  const before = Object.fromEntries(Object.entries(params).map(([k, m]) => [k, clone(m)]));
  const back = decodeSafetensors(encodeSafetensors(params)).tensors;
  assertEquals(Object.keys(back), ["E", "W", "b", "empty", "noCols"]);
  for (const [name, m] of Object.entries(params)) {
    const got = back[name];
    assertEquals(got.shape, m.shape, name);
    assertEquals(got.dtype, m.dtype, name);
    assertEquals(bitsOf(got), bitsOf(m), name);
  }
  assert(Object.is(back.E.data[1], -0));
  assert(Object.is(back.W.data[1], -0));
  // The encoder did not touch its inputs.
  assertEquals(params, before);
});

Deno.test("decodeSafetensors copies: no aliasing, any alignment of the input", () => {
  const file = encodeSafetensors({ x: matrix([[1.5, -2.5]]) }, { a: "b" });
  // The same file at byte offset 3 of a larger buffer: float64 reads cannot use a typed view.
  const host = new Uint8Array(file.length + 5);
  host.set(file, 3);
  const view = host.subarray(3, 3 + file.length);
  const snapshot = view.slice();
  const { tensors } = decodeSafetensors(view);
  assertEquals(tensors.x.toArrays(), [[1.5, -2.5]]);
  assert(tensors.x.data.buffer !== host.buffer, "the matrix has its own buffer");
  assertEquals(view, snapshot, "decoding does not change its input");
  host.fill(0);
  assertEquals(tensors.x.toArrays(), [[1.5, -2.5]], "later writes to the file do not leak in");
});

Deno.test("encodeSafetensors: header padded to 8, no metadata key when none, empty file", () => {
  const bytes = encodeSafetensors({});
  // "{}" padded to 8 bytes: prefix 8 + header 8, no data.
  assertEquals(Array.from(bytes), [8, 0, 0, 0, 0, 0, 0, 0, ...ascii("{}      ")]);
  assertEquals(decodeSafetensors(bytes), { tensors: {}, metadata: {} });
  const text = new TextDecoder().decode(encodeSafetensors({ a: matrix([[1]]) }, {}));
  assert(!text.includes("__metadata__"));
});

Deno.test("encodeSafetensors refuses what it cannot write", () => {
  assertThrows(
    () => encodeSafetensors({ W: [[1, 2]] as unknown as Matrix }),
    TypeError,
    'encodeSafetensors: tensors["W"] expected a Matrix',
  );
  assertThrows(
    () => encodeSafetensors({ __metadata__: matrix([[1]]) }),
    RangeError,
    'no tensor named "__metadata__"',
  );
  assertThrows(
    () => encodeSafetensors({}, { epoch: 3 as unknown as string }),
    TypeError,
    'metadata["epoch"] expected a string',
  );
  assertThrows(
    () => encodeSafetensors({ ["bad\ud800"]: matrix([[1]]) }),
    RangeError,
    "lone UTF-16 surrogates",
  );
  assertThrows(
    () => encodeSafetensors(null as unknown as Record<string, Matrix>),
    TypeError,
    "a record of named matrices",
  );
});

/** Asserts that decoding `bytes` fails with a SafetensorsError whose message has `fragment`. */
function assertBadFile(bytes: Uint8Array, fragment: string): void {
  const error = assertThrows(() => decodeSafetensors(bytes), SafetensorsError, fragment);
  assertInstanceOf(error, Error);
  assert(error.message.startsWith("decodeSafetensors: "), error.message);
}

/** A one-tensor header: F32 [1, 2] over bytes [0, 8], the other fields replaced by `fields`. */
function header(fields: Record<string, unknown> = {}): string {
  return JSON.stringify({ t: { dtype: "F32", shape: [1, 2], data_offsets: [0, 8], ...fields } });
}
const EIGHT_BYTES = [...F32_ONE, ...F32_ONE];

Deno.test("decodeSafetensors: a valid baseline for the bad-file tests", () => {
  assertEquals(decodeSafetensors(handBuilt(header(), EIGHT_BYTES)).tensors.t.toArrays(), [[1, 1]]);
});

Deno.test("decodeSafetensors refuses a truncated file", () => {
  assertBadFile(new Uint8Array([1, 0, 0]), "file truncated: 3 bytes");
  const whole = handBuilt(header(), EIGHT_BYTES);
  // Cut inside the data: the header asks for 8 bytes of buffer, 5 remain.
  assertBadFile(whole.subarray(0, whole.length - 3), "need a buffer of 8 bytes, the file holds 5");
  // Cut inside the header.
  assertBadFile(whole.subarray(0, 20), "goes beyond the end of the file");
});

Deno.test("decodeSafetensors refuses a header length beyond the file", () => {
  const file = handBuilt(header(), EIGHT_BYTES);
  const huge = file.slice();
  huge.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 0); // 2^64 - 1
  assertBadFile(huge, "header length 18446744073709551615");
  const long = file.slice();
  long[0] = 200; // 200 > the bytes that follow
  assertBadFile(long, "goes beyond the end of the file");
});

Deno.test("decodeSafetensors refuses a header that is not a UTF-8 JSON object", () => {
  assertBadFile(handBuilt("", []), 'starting with "{", got an empty header');
  assertBadFile(handBuilt("[1, 2]", []), "got first byte 0x5b");
  assertBadFile(handBuilt('{"t": ', []), "header is not valid JSON");
  const notUtf8 = handBuilt('{"t":"x"}', []);
  notUtf8[8 + 6] = 0xff; // the "x": 0xff never occurs in UTF-8
  assertBadFile(notUtf8, "not valid UTF-8");
});

Deno.test("decodeSafetensors refuses bad metadata and malformed tensor entries", () => {
  assertBadFile(handBuilt('{"__metadata__":{"epoch":3}}', []), "must map strings to strings");
  assertBadFile(handBuilt('{"__metadata__":["a"]}', []), "must be an object of strings");
  assertBadFile(handBuilt('{"t":[1,2]}', []), 'tensor "t": expected {"dtype"');
  assertBadFile(handBuilt(header({ extra: 1 }), EIGHT_BYTES), 'unknown field "extra"');
  const noShape = JSON.stringify({ t: { dtype: "F32", data_offsets: [0, 8] } });
  assertBadFile(handBuilt(noShape, EIGHT_BYTES), 'tensor "t": missing field "shape"');
});

Deno.test("decodeSafetensors refuses dtypes other than F32 and F64", () => {
  assertBadFile(handBuilt(header({ dtype: "BF16" }), EIGHT_BYTES), "dtype BF16 is not supported");
  assertBadFile(handBuilt(header({ dtype: "F99" }), EIGHT_BYTES), 'unknown dtype "F99"');
  assertBadFile(handBuilt(header({ dtype: 32 }), EIGHT_BYTES), "unknown dtype 32");
});

Deno.test("decodeSafetensors refuses shapes that are not 1-D or 2-D non-negative integers", () => {
  for (const shape of [[], [1, 1, 2], [1, -2], [0.5, 4], ["1", "2"], null, 2]) {
    assertBadFile(handBuilt(header({ shape }), EIGHT_BYTES), "shape must be [rows, cols]");
  }
});

Deno.test("decodeSafetensors refuses bad offsets and byte counts that do not fit the shape", () => {
  for (const data_offsets of [[8, 0], [0], [0, 8, 9], [-1, 7], [0, "8"]]) {
    assertBadFile(handBuilt(header({ data_offsets }), EIGHT_BYTES), "data_offsets must be");
  }
  // [1, 3] float32 is 1 x 3 x 4 = 12 bytes, the range holds 8.
  assertBadFile(
    handBuilt(header({ shape: [1, 3] }), EIGHT_BYTES),
    "needs 1 x 3 x 4 = 12 bytes, but data_offsets [0, 8] hold 8",
  );
  // Same 8 bytes read as float64 [1, 2] would need 16.
  assertBadFile(handBuilt(header({ dtype: "F64" }), EIGHT_BYTES), "= 16 bytes");
});

Deno.test("decodeSafetensors refuses overlaps, holes and trailing bytes", () => {
  const two = (a: [number, number], b: [number, number]) =>
    JSON.stringify({
      a: { dtype: "F32", shape: [1, (a[1] - a[0]) / 4], data_offsets: a },
      b: { dtype: "F32", shape: [1, (b[1] - b[0]) / 4], data_offsets: b },
    });
  const twelve = [...EIGHT_BYTES, ...F32_ONE];
  assertBadFile(handBuilt(two([0, 8], [4, 12]), twelve), "[4, 12] overlap tensor");
  assertBadFile(handBuilt(two([0, 4], [8, 12]), twelve), "bytes [4, 8) belong to no tensor");
  assertBadFile(handBuilt(two([0, 4], [4, 8]), twelve), "the last 4 bytes of the buffer");
  // A name written twice: JSON.parse keeps the second entry, the first one's bytes are a hole.
  const twice = '{"a":{"dtype":"F32","shape":[1,1],"data_offsets":[0,4]},' +
    '"a":{"dtype":"F32","shape":[1,1],"data_offsets":[4,8]}}';
  assertBadFile(handBuilt(twice, EIGHT_BYTES), "bytes [0, 4) belong to no tensor");
});

Deno.test("decodeSafetensors accepts empty tensors at a boundary", () => {
  const text = JSON.stringify({
    a: { dtype: "F32", shape: [1, 1], data_offsets: [0, 4] },
    none: { dtype: "F64", shape: [0, 5], data_offsets: [4, 4] },
    b: { dtype: "F32", shape: [1, 1], data_offsets: [4, 8] },
  });
  const { tensors } = decodeSafetensors(handBuilt(text, EIGHT_BYTES));
  assertEquals(tensors.none.shape, [0, 5]);
  assertEquals(Object.keys(tensors), ["a", "none", "b"]);
});

Deno.test("decodeSafetensors refuses an argument that is not bytes", () => {
  assertThrows(
    () => decodeSafetensors([1, 2, 3] as unknown as Uint8Array),
    TypeError,
    "decodeSafetensors: bytes expected a Uint8Array",
  );
  const error = assertThrows(() => decodeSafetensors(new Uint8Array(0)), SafetensorsError);
  assertStrictEquals(error.name, "SafetensorsError");
});
