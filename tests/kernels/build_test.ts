import { assert, assertEquals } from "@std/assert";
import {
  compileKernels,
  generatedModule,
  OUTPUT_PATH,
  SOURCE_PATH,
} from "../../tools/build_kernels.ts";
import { KERNELS_WASM_BASE64 } from "../../lib/kernels/wasm_bytes.ts";

const root = new URL("../../", import.meta.url);

Deno.test("the committed WebAssembly is what the AssemblyScript source compiles to", async () => {
  const bytes = await compileKernels();
  assert(WebAssembly.validate(bytes));
  const committed = await Deno.readTextFile(new URL(OUTPUT_PATH, root));
  assertEquals(
    committed === generatedModule(bytes),
    true,
    `${OUTPUT_PATH} is stale: run deno task build:kernels after editing ${SOURCE_PATH}`,
  );
});

Deno.test("generatedModule round-trips the bytes through base64", () => {
  const bytes = new Uint8Array(300).map((_, k) => (k * 37) % 256);
  const text = generatedModule(bytes);
  const lines = [...text.matchAll(/^ {2}"([A-Za-z0-9+/=]*)",$/gm)].map((m) => m[1]);
  const decoded = Uint8Array.from(atob(lines.join("")), (c) => c.charCodeAt(0));
  assertEquals(decoded, bytes);
  assert(text.split("\n").every((line) => line.length <= 100));
  // The committed module decodes to a valid WebAssembly binary.
  const wasm = Uint8Array.from(atob(KERNELS_WASM_BASE64), (c) => c.charCodeAt(0));
  assert(WebAssembly.validate(wasm));
});
