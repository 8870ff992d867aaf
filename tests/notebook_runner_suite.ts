/**
 * The notebook runner of tools/notebook_runner/: the wire format and its signatures, the outputs
 * built from IOPub messages, and whole runs of small notebooks written to a temporary folder,
 * on the real Deno kernel (outputs, a cell error, a hanging cell, a kernel that exits) and on a
 * stand-in kernel (tests/notebook_runner_fake_kernel.ts) that sends late outputs and messages
 * with a bad signature every time.
 */
import {
  assert,
  assertEquals,
  assertMatch,
  assertNotEquals,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import {
  executeNotebook,
  formatCellError,
  type Message,
  newHeader,
  type Notebook,
  OutputCollector,
  parseFrames,
  runNotebook,
  type RunOptions,
  serialize,
  sign,
  stripAnsi,
  writeNotebook,
} from "../tools/notebook_runner/mod.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const root = new URL("../", import.meta.url).pathname;
const fakeKernel = `${root}tests/notebook_runner_fake_kernel.ts`;

/** A notebook of a title cell and one code cell per source. */
function notebook(...sources: string[]): Notebook {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "deno", display_name: "Deno", language: "typescript" } },
    cells: [
      { cell_type: "markdown", source: "# A test notebook", metadata: {} },
      ...sources.map((source) => ({
        cell_type: "code" as const,
        source,
        metadata: {},
        outputs: [],
        execution_count: null,
      })),
    ],
  };
}

/** Writes the notebook to a fresh temporary folder and runs it from there. */
async function run(nb: Notebook, options: RunOptions = {}) {
  const dir = await Deno.makeTempDir({ prefix: "notebook-runner-test-" });
  try {
    await writeNotebook(`${dir}/test.ipynb`, nb);
    return await runNotebook(`${dir}/test.ipynb`, options);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const fake: RunOptions = {
  argv: [
    Deno.execPath(),
    "run",
    "-A",
    `--config=${root}deno.json`,
    fakeKernel,
    "{connection_file}",
  ],
};

const plain = (data: unknown) => stripAnsi(String((data as Record<string, unknown>)["text/plain"]));

function message(msg_type: string, parent: string, content: Record<string, unknown>): Message {
  return {
    header: { ...newHeader(msg_type, "kernel"), msg_type },
    parent_header: { msg_id: parent },
    metadata: {},
    content,
    buffers: [],
  };
}

// --- the wire format -------------------------------------------------------------------------

Deno.test("wire: a signed message parses back to itself, identities and buffers kept", () => {
  const original = message("execute_request", "p", { code: "1 + 1", silent: false });
  original.buffers = [new Uint8Array([1, 2, 3])];
  const identity = encoder.encode("client-7");
  const frames = serialize(original, "key", [identity]);
  assertEquals(decoder.decode(frames[1]), "<IDS|MSG>");
  const parsed = parseFrames(frames, "key");
  assert(parsed.signatureValid);
  assertEquals(parsed.identities, [identity]);
  assertEquals(parsed.message, original);
});

Deno.test("wire: the signature is HMAC-SHA256 over the four JSON frames (checked with WebCrypto)", async () => {
  const parts = ['{"a":1}', "{}", "{}", '{"b":2}'].map((s) => encoder.encode(s));
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode("secret"),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const joined = encoder.encode('{"a":1}{}{}{"b":2}');
  const expected = Array.from(
    new Uint8Array(await crypto.subtle.sign("HMAC", key, joined)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
  assertEquals(sign("secret", parts), expected);
});

Deno.test("wire: a tampered header, content or signature, or the wrong key, is detected", () => {
  const frames = serialize(message("stream", "p", { name: "stdout", text: "hi" }), "key");
  assert(parseFrames(frames, "key").signatureValid);
  assertEquals(parseFrames(frames, "other key").signatureValid, false);
  // frames: delimiter, signature, header, parent_header, metadata, content
  for (
    const [index, replacement] of [
      [5, '{"name":"stdout","text":"HI"}'],
      [2, decoder.decode(frames[2]).replace("stream", "error")],
      [1, "0".repeat(64)],
      [1, ""],
    ] as const
  ) {
    const tampered = [...frames];
    tampered[index] = encoder.encode(replacement);
    assertEquals(parseFrames(tampered, "key").signatureValid, false, `frame ${index}`);
  }
  // An empty key means unsigned messages: nothing to check.
  const unsigned = serialize(message("status", "p", {}), "");
  assertEquals(decoder.decode(unsigned[1]), "");
  assert(parseFrames(unsigned, "").signatureValid);
});

Deno.test("wire: frames that are not a Jupyter message are refused with a clear error", () => {
  const frames = serialize(message("status", "p", {}), "key");
  assertThrows(() => parseFrames(frames.slice(1), "key"), SyntaxError, "delimiter");
  assertThrows(() => parseFrames(frames.slice(0, 4), "key"), SyntaxError, "4 JSON frames");
  const broken = [...frames];
  broken[5] = encoder.encode("{not json");
  assertThrows(() => parseFrames(broken, "key"), SyntaxError, "content expected JSON");
});

// --- outputs from IOPub messages ------------------------------------------------------------

Deno.test("outputs: streams merge per name, displays update by id across cells, clear_output waits", () => {
  const collector = new OutputCollector();
  const first = collector.open("c1");
  const second = collector.open("c2");
  collector.apply("c1", message("stream", "c1", { name: "stdout", text: "a" }));
  collector.apply("c1", message("stream", "c1", { name: "stdout", text: "b" }));
  collector.apply("c1", message("stream", "c1", { name: "stderr", text: "e" }));
  collector.apply(
    "c1",
    message("display_data", "c1", {
      data: { "text/plain": "v1" },
      metadata: {},
      transient: { display_id: "fig" },
    }),
  );
  collector.apply(
    "c2",
    message("update_display_data", "c2", {
      data: { "text/plain": "v2" },
      metadata: {},
      transient: { display_id: "fig" },
    }),
  );
  assertEquals(first, [
    { output_type: "stream", name: "stdout", text: "ab" },
    { output_type: "stream", name: "stderr", text: "e" },
    { output_type: "display_data", data: { "text/plain": "v2" }, metadata: {} },
  ]);
  assertEquals(second, []);
  collector.apply("c2", message("stream", "c2", { name: "stdout", text: "old" }));
  collector.apply("c2", message("clear_output", "c2", { wait: true }));
  assertEquals(second.length, 1);
  collector.apply("c2", message("execute_result", "c2", { execution_count: 3, data: {} }));
  assertEquals(second, [{
    output_type: "execute_result",
    execution_count: 3,
    data: {},
    metadata: {},
  }]);
  assertEquals(collector.apply("c3", message("stream", "c3", { text: "x" })), false);
});

// --- whole runs on the real Deno kernel ------------------------------------------------------

Deno.test({
  name: "run: stream, display_data and execute_result outputs are collected on the Deno kernel",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const result = await run(notebook(
      'console.log("to stdout"); console.error("to stderr");',
      'await Deno.jupyter.display({ "text/html": "<b>shown</b>", "text/plain": "shown" }, { raw: true });',
      "6 * 7",
      "",
    ));
    assertEquals(result.failure, null);
    assertEquals(result.errors, []);
    const [, streams, display, value, empty] = result.notebook.cells;
    assertEquals(streams.outputs, [
      { output_type: "stream", name: "stdout", text: "to stdout\n" },
      { output_type: "stream", name: "stderr", text: "to stderr\n" },
    ]);
    assertEquals(display.outputs?.map((o) => o.output_type), ["display_data"]);
    assertEquals(display.outputs?.[0].output_type === "display_data" && display.outputs[0].data, {
      "text/html": "<b>shown</b>",
      "text/plain": "shown",
    });
    // The Deno kernel sends this execute_result after its "idle": the grace period catches it.
    assertEquals(value.outputs?.length, 1);
    const out = value.outputs![0];
    assert(out.output_type === "execute_result");
    assertEquals([plain(out.data), out.execution_count, value.execution_count], ["42", 3, 3]);
    assertEquals([empty.execution_count, empty.outputs], [null, []]);
    assertEquals((result.notebook.metadata.language_info as { name: string }).name, "typescript");
  },
});

Deno.test({
  name: "run: a cell error is reported with the notebook, cell number, ename, evalue, traceback",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const result = await run(notebook(
      "const ok = 1;",
      'function fails() {\n  throw new TypeError("bad " + "value");\n}\nfails();',
      "ok + 1",
    ));
    assertEquals(result.failure, null);
    assertEquals(result.errors.length, 1);
    const [error] = result.errors;
    assertEquals(
      [error.notebook, error.cell, error.ename, error.evalue, error.firstLine],
      ["test.ipynb", 3, "TypeError", "bad value", "function fails() {"],
    );
    const text = formatCellError(error);
    assertStringIncludes(text, "test.ipynb, cell 3 (`function fails() {`): TypeError: bad value");
    assertStringIncludes(text, "at fails");
    assert(!text.includes("\u001b"), "ANSI codes left in the report");
    // Errors do not stop the run: the cell after the error ran.
    const last = result.notebook.cells[3].outputs?.[0];
    assert(last?.output_type === "execute_result");
    assertEquals(plain(last.data), "2");
  },
});

Deno.test({
  name: "run: a cell that never finishes ends the run with a timeout message naming the cell",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const result = await run(
      notebook("1", "await new Promise(() => {});", 'console.log("never runs")'),
      { timeoutMs: 2_000 },
    );
    assertMatch(
      result.failure ?? "",
      /^test\.ipynb, cell 3 \(`await new Promise\(\(\) => \{\}\);`\) did not finish within 2 s/,
    );
    assertEquals(result.notebook.cells[3].execution_count, null);
    assertEquals(result.notebook.cells[3].outputs, []);
    // Bounded: the 2 s timeout plus the kernel's start and shutdown, far below this limit.
    assert(result.seconds < 60, `the run took ${result.seconds} s`);
  },
});

Deno.test({
  name: "run: a kernel busy in a synchronous loop is stopped after the timeout",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const result = await run(notebook("while (true) {}"), { timeoutMs: 2_000 });
    assertStringIncludes(
      result.failure ?? "",
      "cell 2 (`while (true) {}`) did not finish within 2 s",
    );
    assert(result.seconds < 60, `the run took ${result.seconds} s`);
  },
});

Deno.test({
  name: "run: a kernel that exits in a cell is reported with the cell and the exit status",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const result = await run(notebook('console.log("before")', "Deno.exit(3);", "1"));
    assertStringIncludes(
      result.failure ?? "",
      "test.ipynb, cell 3 (`Deno.exit(3);`): the Deno kernel exited (exit status 3) while the cell ran",
    );
    assertEquals(result.notebook.cells[3].execution_count, null);
    assertEquals(result.notebook.cells[1].execution_count, 1);
  },
});

Deno.test({
  name: "run: a kernel that cannot start is reported, not waited for",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const result = await run(notebook("1"), {
      argv: [Deno.execPath(), "eval", "console.error('no kernel here'); Deno.exit(9)"],
    });
    assertStringIncludes(
      result.failure ?? "",
      "the Deno kernel exited at start-up (exit status 9)",
    );
    assertStringIncludes(result.failure ?? "", "no kernel here");
  },
});

// --- whole runs on the stand-in kernel -------------------------------------------------------

Deno.test({
  name: "run: an output that comes after idle and the reply is kept in its cell",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    // Within the grace period: waited for.
    const waited = await executeNotebook(notebook("late 300 caught"), "late.ipynb", {
      ...fake,
      graceMs: 5_000,
      quietMs: 2_000,
    });
    assertEquals(waited.failure, null);
    assertEquals(waited.notebook.cells[1].outputs, [
      { output_type: "stream", name: "stdout", text: "caught" },
    ]);
    // After a short quiet period: the next cell has started, yet the output lands in its own cell.
    const later = await executeNotebook(
      notebook("late 500 mine", "sleep 1500"),
      "late.ipynb",
      { ...fake, graceMs: 5_000, quietMs: 1 },
    );
    assertEquals(later.failure, null);
    assertEquals(later.notebook.cells[1].outputs, [
      { output_type: "stream", name: "stdout", text: "mine" },
    ]);
    assertEquals(later.notebook.cells[2].outputs, []);
  },
});

Deno.test({
  name: "run: a cell whose idle was lost in a mangled message ends after its reply, with a warning",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const warnings: string[] = [];
    const started = performance.now();
    const result = await executeNotebook(notebook("mangled", "after"), "lost.ipynb", {
      ...fake,
      idleAfterReplyMs: 500,
      onWarning: (text) => warnings.push(text),
    });
    assertEquals(result.failure, null);
    assertEquals([result.dropped, result.lostIdles], [1, 1]);
    assert(performance.now() - started < 30_000, "waited as if for the cell timeout");
    assert(
      warnings.some((w) =>
        w.includes("lost.ipynb, cell 2 (`mangled`): its idle status did not come")
      ),
      warnings.join("\n"),
    );
    // the next cell runs as usual
    assertEquals(result.notebook.cells[2].outputs, [
      { output_type: "stream", name: "stdout", text: "after" },
    ]);
  },
});

Deno.test({
  name: "run: an IOPub message with a bad signature is accepted and counted (dropped if strict)",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const warnings: string[] = [];
    const accepted = await executeNotebook(notebook("badsig hello", "fine"), "sig.ipynb", {
      ...fake,
      onWarning: (text) => warnings.push(text),
    });
    assertEquals(accepted.failure, null);
    assertEquals(accepted.badSignatures, 1);
    assertEquals(accepted.notebook.cells[1].outputs, [
      { output_type: "stream", name: "stdout", text: "hello" },
    ]);
    assertEquals(warnings.length, 1);
    assertStringIncludes(warnings[0], '"stream" message with a bad signature; accepted');

    const strict = await executeNotebook(notebook("badsig hello", "fine"), "sig.ipynb", {
      ...fake,
      strictSignatures: true,
      onWarning: () => {},
    });
    assertEquals(strict.badSignatures, 1);
    assertEquals(strict.notebook.cells[1].outputs, []);
    assertNotEquals(strict.notebook.cells[2].outputs, []);
  },
});
