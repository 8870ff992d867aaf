/**
 * plotly.js in a notebook page, offline: the library is read once from the pinned npm package
 * `plotly.js-dist-min@3.7.0` (about 4.8 MB) and embedded in the first figure of a kernel
 * session, as plotly.py's offline mode does; later figures carry only their own spec (see
 * `figureHtml` in `figure.ts`). The session state here (whether the library was sent, and the
 * counter of figure elements) is what {@linkcode resetDisplayState} restores.
 *
 * @module
 */

import { escapeHtml, JUPYTER_DISPLAY, type MimeBundle } from "./jupyter.ts";

/** The pinned plotly.js release embedded in notebook outputs. */
export const PLOTLY_VERSION = "3.7.0";

// ---------------------------------------------------------------------------------------------
// Session state: whether this kernel has sent the library yet, and the id counter.

const session = {
  /** Whether an output of this kernel session already carries plotly.js. */
  libraryEmbedded: false,
  /** The next figure element number. */
  nextPlot: 1,
};

/**
 * Forgets that plotly.js was sent and restarts the element counter, as a fresh kernel would: the next
 * figure carries the library again. Tests call it for a known starting point; in a notebook, call
 * it after reloading the page without restarting the kernel (or display {@linkcode plotlyLibrary}).
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { lineChart } from "./charts.ts";
 * import { resetDisplayState } from "./plotly.ts";
 * resetDisplayState();
 * const html = lineChart({ loss: [3, 2] }).toHtml();
 * assert(html.includes('id="mnlm-plot-1-'));
 * ```
 */
export function resetDisplayState(): void {
  session.libraryEmbedded = false;
  session.nextPlot = 1;
}

/** Whether an output of this kernel session has carried plotly.js (see {@linkcode figureHtml}). */
export function plotlyEmbedded(): boolean {
  return session.libraryEmbedded;
}

/**
 * The number of the next figure element of this session, `1, 2, …`: each call counts one up.
 * Used by `figureHtml`; {@linkcode resetDisplayState} starts it again at 1.
 */
export function nextPlotNumber(): number {
  return session.nextPlot++;
}

// ---------------------------------------------------------------------------------------------
// The library, read once from the npm package.

let librarySource: string | null = null;

/**
 * The text of `plotly.min.js` from the npm package `plotly.js-dist-min@3.7.0`, read once and
 * kept. Needs the package installed (`deno install`, or any run that resolves the import map)
 * and permission to read it (`--allow-read`; the Jupyter kernel allows everything).
 *
 * @returns the library's JavaScript source
 * @throws Error naming the package and what to do when the file cannot be read
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { plotlySource } from "./plotly.ts";
 * assert(plotlySource().includes("plotly.js v3.7.0"));
 * ```
 */
export function plotlySource(): string {
  if (librarySource !== null) return librarySource;
  const problems: string[] = [];
  // The exact file of the pinned release first; then the import-map entry, in case a project
  // maps "plotly.js-dist-min" to a local copy.
  for (
    const specifier of [
      `npm:plotly.js-dist-min@${PLOTLY_VERSION}/plotly.min.js`,
      "plotly.js-dist-min",
    ]
  ) {
    let url: string;
    try {
      url = import.meta.resolve(specifier);
    } catch (e) {
      problems.push(`${specifier}: ${(e as Error).message}`);
      continue;
    }
    if (!url.startsWith("file:")) {
      problems.push(`${specifier} resolved to ${url}, not a local file`);
      continue;
    }
    try {
      librarySource = Deno.readTextFileSync(new URL(url));
      return librarySource;
    } catch (e) {
      problems.push(`${url}: ${(e as Error).message}`);
    }
  }
  throw new Error(
    `plotly.js: cannot read plotly.min.js of npm:plotly.js-dist-min@${PLOTLY_VERSION} ` +
      `(run \`deno install\` in the project and allow reading files): ${problems.join("; ")}`,
  );
}

/** A `<script>` element with the library, or a visible note saying why there is none. */
export function libraryHtml(): string {
  let source: string;
  try {
    source = plotlySource();
  } catch (e) {
    return `<div class="mnlm-plot-error" style="color:#b00;font:12px sans-serif">` +
      `${escapeHtml((e as Error).message)}</div>\n`;
  }
  session.libraryEmbedded = true;
  // `</script` inside the text would end the element early; `<\/` means the same in JavaScript.
  const safe = source.replace(/<\/(script)/gi, "<\\/$1");
  return `<script type="text/javascript">/* plotly.js ${PLOTLY_VERSION}, embedded once per ` +
    `kernel session (offline, no CDN) */\n${safe}\n</script>\n`;
}

/**
 * A displayable that always carries plotly.js. Figures embed the library by themselves, in the
 * first figure of a kernel session; display this when the page lost it (reloaded without a
 * kernel restart) or to load it up front in a notebook's first cell.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { plotlyLibrary } from "./plotly.ts";
 * import { JUPYTER_DISPLAY } from "./jupyter.ts";
 * const bundle = plotlyLibrary()[JUPYTER_DISPLAY]();
 * assert(bundle["text/html"]!.startsWith("<script"));
 * assert(bundle["text/plain"].includes("3.7.0"));
 * ```
 */
export function plotlyLibrary(): { [JUPYTER_DISPLAY](): MimeBundle } {
  return {
    [JUPYTER_DISPLAY]: () => ({
      "text/plain": `plotly.js ${PLOTLY_VERSION} (loaded into the notebook page)`,
      "text/html": libraryHtml(),
    }),
  };
}
