import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import type { DataFrame } from "../../lib/notebook/table.ts";
import pl from "nodejs-polars";
import {
  historyFrame,
  roundForDisplay,
  roundSignificant,
  vocabularyFrame,
  windowsFrame,
} from "../../lib/notebook/table.ts";
import { displayBundle } from "../../lib/notebook/display.ts";
import { MiniNeuralLM } from "../../lib/model.ts";
import { indexMatrix } from "../../lib/tensor.ts";
import { type History, train } from "../../lib/train.ts";

/** Column name → dtype name, e.g. `{ step: "Int32" }`. */
function dtypes(df: DataFrame): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, type] of Object.entries(df.schema)) {
    out[name] = String(type).replace(/^DataType\((.*)\)$/, "$1");
  }
  return out;
}

const history: History = {
  steps: [
    { step: 1, epoch: 1, loss: 3, lr: 0.1, examplesPerSecond: 100 },
    { step: 2, epoch: 1, loss: 2, lr: 0.1, examplesPerSecond: 120 },
    { step: 3, epoch: 2, loss: 1.5, lr: 0.05, examplesPerSecond: 110 },
  ],
  epochs: [
    {
      epoch: 1,
      trainLoss: 2.5,
      trainPerplexity: Math.exp(2.5),
      validLoss: 2.75,
      validPerplexity: Math.exp(2.75),
      lr: 0.1,
      examplesPerSecond: 110,
      seconds: 0.5,
    },
    {
      epoch: 2,
      trainLoss: 1.5,
      trainPerplexity: Math.exp(1.5),
      validLoss: NaN,
      validPerplexity: NaN,
      lr: 0.05,
      examplesPerSecond: 110,
      seconds: 0.25,
    },
  ],
};

Deno.test("historyFrame: one row per update and one per epoch, with typed columns", () => {
  const before = structuredClone(history);
  const { steps, epochs } = historyFrame(history);
  assertEquals(history, before);
  assertEquals(steps.height, 3);
  assertEquals(dtypes(steps), {
    step: "Int32",
    epoch: "Int32",
    loss: "Float64",
    lr: "Float64",
    examples_per_s: "Float64",
  });
  assertEquals(steps.getColumn("loss").toArray(), [3, 2, 1.5]);
  assertEquals(steps.getColumn("lr").toArray(), [0.1, 0.1, 0.05]);
  assertEquals(epochs.height, 2);
  assertEquals(epochs.columns, [
    "epoch",
    "train_loss",
    "train_ppl",
    "valid_loss",
    "valid_ppl",
    "lr",
    "examples_per_s",
    "seconds",
  ]);
  assertEquals(epochs.getColumn("train_loss").toArray(), [2.5, 1.5]);
  assertAlmostEquals(
    epochs.getColumn("train_ppl").toArray()[0] as number,
    12.182493960703473,
    1e-12,
  );
  // The history's NaN means "no validation set": a missing value, not a number.
  assertEquals(epochs.getColumn("valid_loss").isNull().toArray(), [false, true]);
  assertEquals(epochs.getColumn("valid_ppl").nullCount(), 1);
  assertEquals(epochs.getColumn("seconds").toArray(), [0.5, 0.25]);
});

Deno.test("historyFrame of a real training run has as many rows as the history", () => {
  const model = new MiniNeuralLM({ vocabSize: 4, contextSize: 1, embedDim: 2, hidden: [3] });
  const data = {
    contexts: indexMatrix([[0], [1], [2], [3]]),
    targets: new Int32Array([1, 2, 3, 0]),
  };
  const result = train(model, model.init(0), { train: data, valid: data }, {
    epochs: 3,
    batchSize: 2,
    patience: Infinity,
  });
  const { steps, epochs } = historyFrame(result.history);
  assertEquals(steps.height, 6); // 3 epochs of ceil(4 / 2) = 2 updates
  assertEquals(epochs.height, 3);
  assertEquals(steps.getColumn("step").toArray(), [1, 2, 3, 4, 5, 6]);
  assertEquals(epochs.getColumn("valid_loss").nullCount(), 0);
});

Deno.test("historyFrame of an empty history: the columns, no rows", () => {
  const { steps, epochs } = historyFrame({ steps: [], epochs: [] });
  assertEquals([steps.height, epochs.height], [0, 0]);
  assertEquals(steps.columns.length, 5);
  assertEquals(dtypes(epochs).valid_loss, "Float64");
  assertThrows(() => historyFrame({ steps: [] } as never), TypeError, "history.epochs expected");
});

Deno.test("vocabularyFrame ranks by count (ties in the given order) with relative frequencies", () => {
  // total = 1 + 5 + 2 + 2 + 0 = 10
  const words = ["<unk>", "the", "cat", "dog", "</s>"];
  const df = vocabularyFrame(words, [1, 5, 2, 2, 0]);
  assertEquals(df.columns, ["rank", "index", "word", "count", "frequency"]);
  assertEquals(df.getColumn("rank").toArray(), [1, 2, 3, 4, 5]);
  assertEquals(df.getColumn("word").toArray(), ["the", "cat", "dog", "<unk>", "</s>"]);
  assertEquals(df.getColumn("index").toArray(), [1, 2, 3, 0, 4]);
  assertEquals(df.getColumn("count").toArray(), [5, 2, 2, 1, 0]);
  assertEquals(df.getColumn("frequency").toArray(), [0.5, 0.2, 0.2, 0.1, 0]);
  assertEquals(dtypes(df).word, "String");
  // The kernel shows it as an HTML table, with the special tokens escaped.
  const html = displayBundle(df)["text/html"] as string;
  assertStringIncludes(html, "&lt;unk&gt;");
  assert(!html.includes("<unk>"));
});

Deno.test("vocabularyFrame refuses mismatched or invalid counts", () => {
  assertThrows(
    () => vocabularyFrame(["a", "b"], [1]),
    RangeError,
    "vocabularyFrame: counts expected 2 counts (one per word), got 1",
  );
  assertThrows(
    () => vocabularyFrame(["a"], [-1]),
    RangeError,
    "counts[0] expected a non-negative integer",
  );
  assertThrows(() => vocabularyFrame(["a"], [1.5]), RangeError, "counts[0] expected");
  assertThrows(() => vocabularyFrame([1] as never, [1]), TypeError, "words[0] expected a string");
});

Deno.test("windowsFrame from indices and a vocabulary: t-k … t-1, then the target", () => {
  const words = ["<unk>", "</s>", "the", "cat", "sat"];
  // "the cat sat" with contextSize 2 and </s> padding (see makeWindows):
  const contexts = indexMatrix([[1, 1], [1, 2], [2, 3]]);
  const df = windowsFrame(contexts, new Int32Array([2, 3, 4]), words);
  assertEquals(df.columns, ["t-2", "t-1", "target"]);
  assertEquals(df.height, 3);
  assertEquals(df.getColumn("t-2").toArray(), ["</s>", "</s>", "the"]);
  assertEquals(df.getColumn("t-1").toArray(), ["</s>", "the", "cat"]);
  assertEquals(df.getColumn("target").toArray(), ["the", "cat", "sat"]);
  // Without the vocabulary the columns hold the indices.
  const raw = windowsFrame(contexts, [2, 3, 4]);
  assertEquals(dtypes(raw), { "t-2": "Int32", "t-1": "Int32", target: "Int32" });
  assertEquals(raw.getColumn("t-1").toArray(), [1, 2, 3]);
});

Deno.test("windowsFrame from words", () => {
  const df = windowsFrame([["a", "b", "c"], ["b", "c", "d"]], ["d", "e"]);
  assertEquals(df.columns, ["t-3", "t-2", "t-1", "target"]);
  assertEquals(df.getColumn("t-3").toArray(), ["a", "b"]);
  assertEquals(df.getColumn("target").toArray(), ["d", "e"]);
  assertEquals(windowsFrame([], []).height, 0);
});

Deno.test("windowsFrame refuses mismatched lengths, ragged contexts and unknown indices", () => {
  const words = ["a", "b"];
  assertThrows(
    () => windowsFrame(indexMatrix([[0], [1]]), [1], words),
    RangeError,
    "windowsFrame: targets expected 2 targets (one per context), got 1",
  );
  assertThrows(
    () => windowsFrame([["a", "b"], ["a"]], ["a", "b"]),
    RangeError,
    "windowsFrame: contexts[1] expected 2 words (as contexts[0])",
  );
  assertThrows(
    () => windowsFrame(indexMatrix([[0], [5]]), [1, 1], words),
    RangeError,
    "windowsFrame: contexts[1][0] expected an index in [0, 2) (the vocabulary size), got 5",
  );
  assertThrows(
    () => windowsFrame(indexMatrix([[0]]), [0.5], words),
    TypeError,
    "windowsFrame: targets[0] expected a word or an integer index, got 0.5",
  );
  assertThrows(
    () => windowsFrame([["a"], ["b"]], ["c", 1] as never),
    RangeError,
    "windowsFrame: target[1] expected a word, got 1", // an index among words, no vocabulary
  );
});

Deno.test("roundSignificant: significant digits, integers above them, zero and non-finite kept", () => {
  assertEquals(roundSignificant(2.3890644319876384, 4), 2.389);
  assertEquals(roundSignificant(0.000545787376, 4), 0.0005458);
  assertEquals(roundSignificant(-9.969674408869674, 3), -9.97);
  assertEquals(roundSignificant(38745.72111339465, 4), 38746);
  assertEquals(roundSignificant(999.96, 4), 1000);
  assertEquals(roundSignificant(0, 4), 0);
  assertEquals(roundSignificant(NaN, 4), NaN);
  assertEquals(roundSignificant(-Infinity, 4), -Infinity);
  assertThrows(() => roundSignificant(1.5, 0), RangeError, "roundSignificant: digits");
  assertThrows(() => roundSignificant(1.5, 2.5), RangeError, "roundSignificant: digits");
});

Deno.test("roundForDisplay rounds float columns only, keeps nulls and leaves the frame as it was", () => {
  const df = pl.DataFrame([
    pl.Series("name", ["a", "b", "c"], pl.String),
    pl.Series("count", [1, 22, 333], pl.Int32),
    pl.Series("loss", [2.3890644319876384, null, 1 / 3] as number[], pl.Float64),
    pl.Series("p", [0.1, 0.123456789, 2.5], pl.Float32),
  ]);
  const before = df.getColumn("loss").toArray();
  const shown = roundForDisplay(df);
  assertEquals(shown.columns, ["name", "count", "loss", "p"]);
  assertEquals(shown.height, 3);
  assertEquals(shown.getColumn("name").toArray(), ["a", "b", "c"]);
  assertEquals(shown.getColumn("count").toArray(), [1, 22, 333]);
  assertEquals(dtypes(shown).count, "Int32");
  assertEquals(shown.getColumn("loss").toArray() as unknown[], [2.389, null, 0.3333]);
  // float32 values come back as the float64 numbers a reader expects
  assertEquals(dtypes(shown).p, "Float64");
  assertEquals(shown.getColumn("p").toArray(), [0.1, 0.1235, 2.5]);
  assertEquals(df.getColumn("loss").toArray(), before);
});

Deno.test("roundForDisplay: digits for every float column, or per column", () => {
  const df = pl.DataFrame({ a: [1.23456789], b: [1.23456789] });
  assertEquals(roundForDisplay(df, { digits: 2 }).row(0), [1.2, 1.2]);
  assertEquals(roundForDisplay(df, { columns: { b: 7 } }).row(0), [1.235, 1.234568]);
  assertThrows(() => roundForDisplay(df, { digits: 0 }), RangeError, "options.digits");
  assertThrows(
    () => roundForDisplay(df, { columns: { c: 3 } }),
    RangeError,
    "roundForDisplay: options.columns expected names of columns of df (a, b)",
  );
  assertThrows(
    () => roundForDisplay([1, 2] as unknown as DataFrame),
    TypeError,
    "roundForDisplay: df expected a polars DataFrame",
  );
});
