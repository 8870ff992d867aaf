/**
 * Replacing files so that no reader ever sees half of one, and no temporary file outlives the
 * write: {@linkcode writeFilesAtomically}.
 *
 * Each file is first written to a temporary file beside its target, named
 * `.<name>.mnlm-<random UUID>.tmp` (hidden by the leading dot, recognisable by the rest), then
 * renamed over the target. What removes the temporaries:
 *
 * - a failure before the renames (a full disk): the write removes them, then throws;
 * - `SIGINT` (Ctrl-C), `SIGTERM` or `SIGHUP` during the write: a signal listener removes them at
 *   once and the write rejects with a {@linkcode CheckpointError} that names the signal;
 * - `SIGKILL` or a power cut, which no program can catch: the next write into the directory
 *   removes the temporaries of the names it writes ({@linkcode removeStaleTemporaries}).
 *
 * @module
 */

import { argError, describeValue } from "../errors.ts";
import { checkDir, CheckpointError, errorMessage, joinPath } from "./_common.ts";

/** One file for {@linkcode writeFilesAtomically}. */
export interface AtomicFile {
  /** A plain file name inside the directory (no `/` or `\`). */
  name: string;
  /** The file's complete contents. */
  bytes: Uint8Array;
}

/** The marker in the names of our temporary files. */
const TEMP_MARKER = "mnlm-";
const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
/**
 * `.<name>.mnlm-<uuid>.tmp`, and the older `.<name>.<uuid>.tmp` that earlier versions of this
 * library wrote; group 1 is the target's name.
 */
const TEMP_PATTERN = new RegExp(`^\\.(.+)\\.(?:${TEMP_MARKER})?${UUID}\\.tmp$`);

/**
 * A fresh name for a temporary file of `name`: `.<name>.mnlm-<random UUID>.tmp`.
 *
 * @param name the target's file name
 * @returns the temporary's file name (in the same directory)
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { temporaryName, temporaryTarget } from "./atomic.ts";
 * const temp = temporaryName("model.safetensors");
 * assertEquals(temporaryTarget(temp), "model.safetensors");
 * ```
 */
export function temporaryName(name: string): string {
  return `.${name}.${TEMP_MARKER}${crypto.randomUUID()}.tmp`;
}

/**
 * For a file name that {@linkcode temporaryName} makes, the target it belongs to; otherwise
 * `undefined`.
 *
 * @param fileName a name in a directory
 * @returns the target's name, or `undefined` for a name that is not one of our temporaries
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { temporaryTarget } from "./atomic.ts";
 * assertEquals(temporaryTarget(".vocab.json.mnlm-0b5e8bde-3c1f-4a6e-9d2c-51f0a7c3e9b4.tmp"), "vocab.json");
 * assertEquals(temporaryTarget(".vocab.json.backup.tmp"), undefined);
 * ```
 */
export function temporaryTarget(fileName: string): string | undefined {
  return TEMP_PATTERN.exec(fileName)?.[1];
}

/**
 * Removes the temporary files that an interrupted write of `names` left in `dir` (a process
 * killed with `SIGKILL`, a power cut): every regular file named `.<name>.mnlm-<uuid>.tmp` (or the
 * older `.<name>.<uuid>.tmp`) for a name in `names`. Nothing else is touched. A missing directory
 * has none.
 *
 * Only one writer per directory may run at a time: a second writer's temporaries would be
 * removed too (its renames would then fail loudly; nothing is silently lost).
 *
 * @param dir the directory
 * @param names the target names whose temporaries go
 * @returns the file names removed
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { removeStaleTemporaries, temporaryName } from "./atomic.ts";
 * const dir = await Deno.makeTempDir();
 * const stale = temporaryName("a.txt");
 * await Deno.writeTextFile(`${dir}/${stale}`, "half");
 * await Deno.writeTextFile(`${dir}/.a.txt.mine.tmp`, "someone else's");
 * assertEquals(await removeStaleTemporaries(dir, ["a.txt"]), [stale]);
 * assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), [".a.txt.mine.tmp"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function removeStaleTemporaries(
  dir: string,
  names: Iterable<string>,
): Promise<string[]> {
  const wanted = new Set(names);
  const removed: string[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(dir));
  } catch {
    return removed; // no directory (yet), or not one: nothing of ours to clean
  }
  for (const entry of entries) {
    const target = temporaryTarget(entry.name);
    if (!entry.isFile || target === undefined || !wanted.has(target)) continue;
    try {
      await Deno.remove(joinPath(dir, entry.name));
      removed.push(entry.name);
    } catch { /* gone already, or not ours to remove: leave it */ }
  }
  return removed;
}

/** The signals that end a program by default and can be caught: Ctrl-C, `kill`, a closed terminal. */
const SIGNALS: readonly Deno.Signal[] = Deno.build.os === "windows"
  ? ["SIGINT", "SIGBREAK"]
  : ["SIGINT", "SIGTERM", "SIGHUP"];

/**
 * While a write runs: on a signal, remove the temporaries at once (the process may be killed
 * next) and remember the signal, so that the write stops at its next step.
 */
class SignalGuard {
  received: Deno.Signal | undefined;
  #listeners: [Deno.Signal, () => void][] = [];

  constructor(temporaries: () => string[]) {
    for (const signal of SIGNALS) {
      const listener = () => {
        this.received ??= signal;
        for (const temp of temporaries()) {
          try {
            Deno.removeSync(temp);
          } catch { /* renamed or removed already */ }
        }
      };
      try {
        Deno.addSignalListener(signal, listener);
        this.#listeners.push([signal, listener]);
      } catch { /* a signal this system does not offer */ }
    }
  }

  /** Removes the listeners: the signals do again what they did before. */
  release(): void {
    for (const [signal, listener] of this.#listeners) Deno.removeSignalListener(signal, listener);
    this.#listeners = [];
  }
}

/**
 * Replaces several files of one directory so that no reader ever sees a half-written file:
 * each is written to a fresh temporary file in `dir` and flushed to the disk (`fsync`); when
 * all are written, each is renamed over its target, in the order given, and the directory is
 * flushed so the renames survive a power cut. If anything fails before the renames, every
 * temporary file is removed and the targets are untouched. Before writing, temporaries left in
 * `dir` by an earlier write of the same names that was killed are removed
 * ({@linkcode removeStaleTemporaries}).
 *
 * A `SIGINT` (Ctrl-C), `SIGTERM` or `SIGHUP` that arrives during the write removes the
 * temporaries at once and makes the write reject with a {@linkcode CheckpointError}
 * `interrupted by SIGINT` (the program then ends as an uncaught error does, or handles it); one
 * that arrives during the renames lets them finish first, so the directory is not left half
 * renamed, and the error says that the files were replaced.
 *
 * Each rename is atomic, the sequence of renames is not: put the file that marks a complete
 * write (a manifest with checksums) last. One writer per directory at a time.
 *
 * @param dir an existing directory
 * @param files the files, by plain file name; a target that is a directory is refused
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { writeFilesAtomically } from "./checkpoint.ts";
 * const dir = await Deno.makeTempDir();
 * const bytes = new TextEncoder().encode("hello\n");
 * await writeFilesAtomically(dir, [{ name: "a.txt", bytes }]);
 * assertEquals(await Deno.readTextFile(`${dir}/a.txt`), "hello\n");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeFilesAtomically(
  dir: string,
  files: readonly AtomicFile[],
): Promise<void> {
  const fn = "writeFilesAtomically";
  checkDir(fn, dir);
  if (!Array.isArray(files)) {
    throw argError(fn, "files", "an array of { name, bytes }", describeValue(files), TypeError);
  }
  const names = new Set<string>();
  for (let i = 0; i < files.length; i++) {
    const { name, bytes } = files[i] ?? {};
    if (
      typeof name !== "string" || name === "" || name === "." || name === ".." ||
      /[/\\]/.test(name)
    ) {
      throw argError(fn, `files[${i}].name`, "a plain file name", describeValue(name));
    }
    if (names.has(name)) throw argError(fn, `files[${i}].name`, "a name not used before", name);
    names.add(name);
    if (!(bytes instanceof Uint8Array)) {
      throw argError(fn, `files[${i}].bytes`, "a Uint8Array", describeValue(bytes), TypeError);
    }
    const target = joinPath(dir, name);
    const existing = await Deno.lstat(target).catch(() => undefined);
    if (existing?.isDirectory) {
      throw new CheckpointError(fn, target, "is a directory, cannot replace it with a file");
    }
  }
  await removeStaleTemporaries(dir, names);

  const pending: { temp: string; target: string }[] = [];
  let renamed = 0;
  let renaming = false; // once the renames start, a signal must not remove what they need
  const guard = new SignalGuard(() => renaming ? [] : pending.map((p) => p.temp));
  const stopIfSignalled = () => {
    if (guard.received !== undefined) {
      throw new CheckpointError(
        fn,
        dir,
        `interrupted by ${guard.received}: the temporary files were removed and no file was ` +
          "replaced",
      );
    }
  };
  try {
    for (const { name, bytes } of files) {
      stopIfSignalled();
      const temp = joinPath(dir, temporaryName(name));
      const target = joinPath(dir, name);
      let handle: Deno.FsFile;
      try {
        handle = await Deno.open(temp, { write: true, createNew: true, mode: 0o644 });
      } catch (error) {
        throw new CheckpointError(fn, temp, `cannot create (${errorMessage(error)})`, {
          cause: error,
        });
      }
      pending.push({ temp, target });
      try {
        let written = 0;
        while (written < bytes.length) {
          stopIfSignalled();
          // At most 16 MiB per call, so that a signal stops a large write soon.
          written += await handle.write(bytes.subarray(written, written + (1 << 24)));
        }
        // Without this the rename could reach the disk before the data: after a crash the
        // target would exist but hold zeros.
        await handle.sync();
      } catch (error) {
        if (error instanceof CheckpointError) throw error;
        throw new CheckpointError(fn, target, `cannot write (${errorMessage(error)})`, {
          cause: error,
        });
      } finally {
        handle.close();
      }
    }
    stopIfSignalled();
    // From here on a signal waits: the renames take microseconds, and finishing them keeps the
    // directory from holding files of two saves.
    renaming = true;
    for (const { temp, target } of pending) {
      try {
        await Deno.rename(temp, target);
      } catch (error) {
        throw new CheckpointError(fn, target, `cannot replace (${errorMessage(error)})`, {
          cause: error,
        });
      }
      renamed++;
    }
  } catch (error) {
    for (const { temp } of pending.slice(renamed)) await Deno.remove(temp).catch(() => {});
    guard.release();
    throw error;
  }
  await syncDirectory(dir);
  guard.release();
  if (guard.received !== undefined) {
    throw new CheckpointError(
      fn,
      dir,
      `interrupted by ${guard.received} after the files were replaced (the write is complete)`,
    );
  }
}

async function syncDirectory(dir: string): Promise<void> {
  let handle: Deno.FsFile | undefined;
  try {
    handle = await Deno.open(dir, { read: true });
    await handle.sync();
  } catch {
    // Some systems (Windows) cannot open a directory; the renames are still atomic there.
  } finally {
    handle?.close();
  }
}
