/**
 * A seeded, bounded fuzz test of checkpoint loading: from one valid model directory, a fixed
 * number of mutated copies (byte flips, truncations, header edits of model.safetensors; wrong
 * types, missing keys, other sizes in config.json, vocab.json and manifest.json). Each load must
 * end in a model or in a CheckpointError / SafetensorsError: never a TypeError, a RangeError or
 * a hang. Most mutations are "re-signed" (the manifest's sizes and checksums recomputed, and in
 * some cases its tensor records too), so that they get past the checksums into the parsers.
 */

import { assert, assertEquals } from "@std/assert";
import { CheckpointError } from "../../lib/io/checkpoint.ts";
import { loadModel } from "../../lib/io/model_dir.ts";
import { decodeSafetensors, SafetensorsError } from "../../lib/io/safetensors.ts";
import { saveModelDir, sha256, tinyModel, withTempDir } from "./helpers.ts";

const CASES = 400;
const SEED = 20030301;

/** mulberry32: a small seeded generator, so that every run tries the same cases. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const ODD_VALUES: Json[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  1e308,
  2 ** 53,
  -(2 ** 31),
  "",
  "x",
  "F16",
  "F32",
  "F64",
  "float32",
  "float64",
  "tanh",
  [],
  [1],
  [0, 0],
  [1, 2, 3],
  [-1, 4],
  {},
  { a: 1 },
];

/** Every place in a JSON value, as a path of keys and indices. */
function paths(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const out = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  }
  return out;
}

/** A copy of `value` with one place changed: removed, replaced, nudged or wrapped. */
function mutateJson(value: Json, random: () => number): { value: Json; what: string } {
  const copy = structuredClone(value);
  const all = paths(copy);
  const path = all[Math.floor(random() * all.length)];
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
  if (path.length === 0) return { value: pick(ODD_VALUES), what: "the whole value replaced" };
  const parent = path.slice(0, -1).reduce<Json>(
    (node, key) => (node as Record<string, Json>)[key as string],
    copy,
  ) as Record<string | number, Json> | Json[];
  const key = path[path.length - 1];
  const old = (parent as Record<string | number, Json>)[key];
  const kind = Math.floor(random() * 5);
  const where = JSON.stringify(path);
  if (kind === 0) {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete (parent as Record<string, Json>)[key as string];
    return { value: copy, what: `removed ${where}` };
  }
  if (kind === 1 && typeof old === "number") {
    (parent as Record<string | number, Json>)[key] = old + pick([1, -1, 0.5, 1e6]);
    return { value: copy, what: `nudged the number at ${where}` };
  }
  if (kind === 2) {
    (parent as Record<string | number, Json>)[key] = [old];
    return { value: copy, what: `wrapped ${where} in an array` };
  }
  if (kind === 3 && Array.isArray(old)) {
    old.push(old.length > 0 ? structuredClone(old[0]) : 1);
    return { value: copy, what: `lengthened the array at ${where}` };
  }
  (parent as Record<string | number, Json>)[key] = pick(ODD_VALUES);
  return { value: copy, what: `replaced ${where}` };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A mutated model.safetensors. */
function mutateModel(bytes: Uint8Array, random: () => number): { bytes: Uint8Array; what: string } {
  const out = bytes.slice();
  const headerLength = Number(new DataView(out.buffer).getBigUint64(0, true));
  const kind = Math.floor(random() * 6);
  const at = (n: number) => Math.floor(random() * n);
  if (kind === 0) {
    const flips = 1 + at(8);
    for (let k = 0; k < flips; k++) out[at(out.length)] ^= 1 << at(8);
    return { bytes: out, what: `${flips} bits flipped anywhere` };
  }
  if (kind === 1) {
    out[8 + at(headerLength)] = at(256);
    return { bytes: out, what: "a header byte replaced" };
  }
  if (kind === 2) {
    const length = at(out.length);
    return { bytes: out.slice(0, length), what: `truncated to ${length} bytes` };
  }
  if (kind === 3) {
    const extra = Uint8Array.from({ length: 1 + at(64) }, () => at(256));
    const grown = new Uint8Array(out.length + extra.length);
    grown.set(out);
    grown.set(extra, out.length);
    return { bytes: grown, what: `${extra.length} bytes appended` };
  }
  if (kind === 4) {
    const view = new DataView(out.buffer);
    const choices = [
      0n,
      1n,
      BigInt(headerLength - 8),
      BigInt(headerLength + 8),
      2n ** 63n,
      2n ** 64n - 1n,
    ];
    const value = choices[at(choices.length)];
    view.setBigUint64(0, value, true);
    return { bytes: out, what: `header length set to ${value}` };
  }
  // An edit of the header's JSON, with the length prefix kept right: it reaches the decoder.
  const header = JSON.parse(decoder.decode(out.subarray(8, 8 + headerLength))) as Json;
  const { value, what } = mutateJson(header, random);
  const text = encoder.encode(JSON.stringify(value));
  const buffer = out.subarray(8 + headerLength);
  const edited = new Uint8Array(8 + text.length + buffer.length);
  new DataView(edited.buffer).setBigUint64(0, BigInt(text.length), true);
  edited.set(text, 8);
  edited.set(buffer, 8 + text.length);
  return { bytes: edited, what: `header edit: ${what}` };
}

/** Recomputes the manifest's records of `files` (and, when asked and possible, its tensors). */
async function resign(
  manifest: Record<string, Record<string, unknown>>,
  files: Map<string, Uint8Array>,
  tensorsToo: boolean,
): Promise<void> {
  for (const [name, bytes] of files) {
    if (name === "manifest.json") continue;
    manifest.files[name] = { bytes: bytes.length, sha256: await sha256(bytes) };
  }
  if (!tensorsToo) return;
  try {
    const { tensors } = decodeSafetensors(files.get("model.safetensors")!);
    manifest.tensors = Object.fromEntries(
      Object.entries(tensors).map(([name, m]) => [name, {
        dtype: m.dtype === "float32" ? "F32" : "F64",
        shape: m.shape,
      }]),
    );
  } catch { /* the decoder refuses it: the load will too */ }
}

Deno.test(`fuzz: ${CASES} mutated model directories load, or fail with a CheckpointError`, async () => {
  await withTempDir(async (root) => {
    const base = `${root}/base`;
    await saveModelDir(base, tinyModel({ hidden: [4, 3], directConnections: true }));
    const original = new Map<string, Uint8Array>();
    for (const name of ["model.safetensors", "config.json", "vocab.json", "manifest.json"]) {
      original.set(name, await Deno.readFile(`${base}/${name}`));
    }
    const dir = `${root}/case`;
    await Deno.mkdir(dir);
    const random = generator(SEED);
    const failures: string[] = [];
    const outcomes = { loaded: 0, checksum: 0, parser: 0 };

    for (let i = 0; i < CASES; i++) {
      const files = new Map(original);
      const target =
        ["model.safetensors", "model.safetensors", "config.json", "vocab.json", "manifest.json"][
          Math.floor(random() * 5)
        ];
      let what: string;
      if (target === "model.safetensors") {
        const mutated = mutateModel(files.get(target)!, random);
        files.set(target, mutated.bytes);
        what = mutated.what;
      } else if (random() < 0.15) {
        const bytes = files.get(target)!;
        const cut = Math.floor(random() * bytes.length);
        files.set(target, bytes.slice(0, cut));
        what = `truncated to ${cut} bytes`;
      } else {
        const mutated = mutateJson(JSON.parse(decoder.decode(files.get(target))), random);
        files.set(target, encoder.encode(JSON.stringify(mutated.value)));
        what = mutated.what;
      }
      const mode = target === "manifest.json" ? 0 : Math.floor(random() * 4); // 0: not re-signed
      if (mode > 0) {
        const manifest = JSON.parse(decoder.decode(files.get("manifest.json")));
        await resign(manifest, files, mode === 3);
        files.set("manifest.json", encoder.encode(JSON.stringify(manifest)));
      }
      for (const [name, bytes] of files) await Deno.writeFile(`${dir}/${name}`, bytes);

      const label = `case ${i}: ${target}, ${what}, ${mode > 0 ? "re-signed" : "not re-signed"}`;
      try {
        await loadModel(dir);
        outcomes.loaded++;
      } catch (error) {
        if (!(error instanceof CheckpointError || error instanceof SafetensorsError)) {
          failures.push(
            `${label}: ${error instanceof Error ? error.name : typeof error}: ${error}`,
          );
        } else if (/SHA-256|manifest\.json records \d+/.test(error.message)) outcomes.checksum++;
        else outcomes.parser++;
      }
    }
    assertEquals(failures, []);
    // The mutations reached every stage: some loads pass (a flipped bit in a weight), some stop
    // at the checksums, most get past them into the parsers and the model's checks.
    assert(outcomes.loaded > 0, JSON.stringify(outcomes));
    assert(outcomes.checksum > 0, JSON.stringify(outcomes));
    assert(outcomes.parser > CASES / 3, JSON.stringify(outcomes));
  });
});
