import { assertEquals, assertRejects, assertThrows } from "@std/assert";
import {
  FileCheckError,
  formatBytes,
  READ_LIMITS,
  readRegularFile,
  readRegularFileSync,
  readRegularTextFile,
} from "../../lib/io/files.ts";
import { readTextFile } from "../../lib/io/corpus.ts";
import { mkfifo, withTempDir } from "./helpers.ts";

const encode = (s: string) => new TextEncoder().encode(s);

/** Both readers must agree: the same bytes, or the same error class and message. */
async function readBoth(path: string, limit: number): Promise<Uint8Array> {
  const sync = readRegularFileSync("test", path, limit);
  assertEquals(await readRegularFile("test", path, limit), sync);
  return sync;
}

async function refusedByBoth(path: string, limit: number, message: string): Promise<void> {
  assertThrows(() => readRegularFileSync("test", path, limit), FileCheckError, message);
  await assertRejects(() => readRegularFile("test", path, limit), FileCheckError, message);
}

Deno.test("readRegularFile reads a regular file up to the limit, exactly at the limit too", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeFile(`${dir}/a.bin`, new Uint8Array([1, 2, 3, 4, 5]));
    assertEquals(await readBoth(`${dir}/a.bin`, 5), new Uint8Array([1, 2, 3, 4, 5]));
    assertEquals(await readBoth(`${dir}/a.bin`, 1000), new Uint8Array([1, 2, 3, 4, 5]));
    await Deno.writeFile(`${dir}/empty`, new Uint8Array(0));
    assertEquals((await readBoth(`${dir}/empty`, 0)).length, 0);
    // A symbolic link to a regular file is followed.
    await Deno.symlink(`${dir}/a.bin`, `${dir}/link`);
    assertEquals((await readBoth(`${dir}/link`, 5)).length, 5);
    await refusedByBoth(
      `${dir}/a.bin`,
      4,
      `test: path expected a regular file of at most 4 bytes, got "${dir}/a.bin", a file of 5 bytes`,
    );
  });
});

Deno.test("readRegularFile refuses a FIFO at once, without waiting for a writer", async () => {
  await withTempDir(async (dir) => {
    await mkfifo(`${dir}/pipe`);
    await refusedByBoth(
      `${dir}/pipe`,
      1024,
      `test: path expected a regular file of at most 1 KiB, got "${dir}/pipe", a FIFO (named pipe)`,
    );
  });
});

Deno.test("readRegularFile refuses /dev/zero, also behind a symbolic link, and directories", async () => {
  await withTempDir(async (dir) => {
    await refusedByBoth("/dev/zero", 1024, 'got "/dev/zero", a character device');
    await Deno.symlink("/dev/zero", `${dir}/config.json`);
    await refusedByBoth(
      `${dir}/config.json`,
      1024,
      `got "${dir}/config.json", a character device (a symbolic link to "/dev/zero")`,
    );
    await refusedByBoth(dir, 1024, `got "${dir}", a directory`);
  });
});

Deno.test("readRegularFile refuses a 1 GiB file from its size, without reading it", async () => {
  await withTempDir(async (dir) => {
    // A sparse file: 1 GiB long, no disk blocks. Reading it would take a second and 1 GiB.
    const file = await Deno.open(`${dir}/vocab.json`, { write: true, create: true });
    await file.truncate(1024 ** 3);
    file.close();
    await refusedByBoth(`${dir}/vocab.json`, READ_LIMITS.json, "a file of 1 GiB");
  });
});

Deno.test(
  "readRegularFile reads a file whose size the system does not report (/proc), up to the limit",
  {
    ignore: Deno.build.os !== "linux",
  },
  async () => {
    // /proc/version reports size 0; its text is read in full, and refused past the limit.
    const text = new TextDecoder().decode(await readBoth("/proc/version", 1 << 20));
    assertEquals(text.startsWith("Linux version"), true);
    await refusedByBoth(
      "/proc/self/status",
      10,
      "a file of more than 10 bytes (it grew while read)",
    );
  },
);

Deno.test("readRegularFile: missing files, dangling links and bad arguments", async () => {
  await withTempDir(async (dir) => {
    const missing = `${dir}/missing.txt`;
    assertThrows(
      () => readRegularFileSync("test", missing, 10),
      Deno.errors.NotFound,
      `test: path expected a regular file of at most 10 bytes, got "${missing}" (no such file)`,
    );
    await Deno.symlink(missing, `${dir}/dangling`);
    await assertRejects(
      () => readRegularFile("test", `${dir}/dangling`, 10),
      Deno.errors.NotFound,
      "(no such file, a symbolic link to a missing file)",
    );
    assertThrows(
      () => readRegularFileSync("test", "", 10),
      RangeError,
      "test: path expected a file path",
    );
    assertThrows(
      () => readRegularFileSync("test", 3 as unknown as string, 10),
      TypeError,
      "test: path expected a string or a file: URL, got 3",
    );
    assertThrows(
      () => readRegularFileSync("test", missing, -1),
      RangeError,
      "test: limitBytes expected a non-negative integer, got -1",
    );
  });
});

Deno.test("readRegularTextFile decodes UTF-8 and names the first bad byte", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeFile(`${dir}/ok.txt`, new Uint8Array([0xef, 0xbb, 0xbf, 0x63, 0xc3, 0xa9]));
    assertEquals(await readRegularTextFile("test", `${dir}/ok.txt`, 100), "cé");
    await Deno.writeFile(`${dir}/bad.txt`, new Uint8Array([0x61, 0xe9, 0x63]));
    await assertRejects(
      () => readRegularTextFile("test", `${dir}/bad.txt`, 100),
      RangeError,
      "invalid UTF-8 at byte 1 (0xe9)",
    );
  });
});

Deno.test("readTextFile (a corpus) refuses FIFOs, /dev/zero and files over options.maxBytes", async () => {
  await withTempDir(async (dir) => {
    await mkfifo(`${dir}/corpus.txt`);
    assertThrows(() => readTextFile(`${dir}/corpus.txt`), FileCheckError, "a FIFO (named pipe)");
    assertThrows(
      () => readTextFile("/dev/zero"),
      RangeError,
      'readTextFile: path expected a regular file of at most 256 MiB, got "/dev/zero", a ' +
        "character device",
    );
    await Deno.writeFile(`${dir}/small.txt`, encode("one two three\n"));
    assertEquals(readTextFile(`${dir}/small.txt`, { maxBytes: 14 }), "one two three\n");
    assertThrows(
      () => readTextFile(`${dir}/small.txt`, { maxBytes: 13 }),
      FileCheckError,
      "at most 13 bytes",
    );
    assertThrows(
      () => readTextFile(`${dir}/small.txt`, { maxBytes: 1.5 }),
      RangeError,
      "readTextFile: options.maxBytes expected a non-negative integer, got 1.5",
    );
  });
});

Deno.test("formatBytes: exact units, and bytes beside a rounded figure", () => {
  assertEquals(formatBytes(1), "1 byte");
  assertEquals(formatBytes(1024), "1 KiB");
  assertEquals(formatBytes(2 * 1024 ** 3), "2 GiB");
  assertEquals(formatBytes(1536), "1.5 KiB (1536 bytes)");
});
