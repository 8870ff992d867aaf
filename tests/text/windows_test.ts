import { assertEquals, assertInstanceOf, assertThrows } from "@std/assert";
import { IndexMatrix } from "../../lib/tensor.ts";
import { makeWindows } from "../../lib/text/windows.ts";

Deno.test("makeWindows: 5 tokens, context 3, padded with the boundary before the start", () => {
  const indices = new Int32Array([5, 6, 7, 8, 9]);
  const { contexts, targets } = makeWindows(indices, 3, 1);
  assertInstanceOf(contexts, IndexMatrix);
  assertEquals(contexts.shape, [5, 3]);
  // Example t holds w[t-3], w[t-2], w[t-1] (oldest first), 1 where t-3+j < 0.
  assertEquals(contexts.toArrays(), [
    [1, 1, 1], // t = 0: nothing before the first token
    [1, 1, 5], // t = 1: w[0]
    [1, 5, 6], // t = 2: w[0], w[1]
    [5, 6, 7], // t = 3: w[0..2]
    [6, 7, 8], // t = 4: w[1..3]
  ]);
  assertEquals(targets, new Int32Array([5, 6, 7, 8, 9]));
});

Deno.test("makeWindows: context 1 is a bigram model's input; a long context is mostly padding", () => {
  const bigram = makeWindows([4, 2, 3], 1, 0);
  assertEquals(bigram.contexts.toArrays(), [[0], [4], [2]]);
  assertEquals(bigram.targets, new Int32Array([4, 2, 3]));
  const long = makeWindows([4, 2], 4, 1);
  assertEquals(long.contexts.toArrays(), [[1, 1, 1, 1], [1, 1, 1, 4]]);
});

Deno.test("makeWindows: by default a context reaches back across a boundary", () => {
  // a b </s> c  with a=2, b=3, </s>=1, c=4
  const { contexts } = makeWindows([2, 3, 1, 4], 2, 1);
  assertEquals(contexts.toArrays(), [[1, 1], [1, 2], [2, 3], [3, 1]]);
});

Deno.test("makeWindows: resetAtBoundary starts each line afresh", () => {
  // e m m a </s> b o b </s>  (e=2 m=3 a=4 b=5 o=6, </s>=1), context 3
  const seq = [2, 3, 3, 4, 1, 5, 6, 5, 1];
  const { contexts, targets } = makeWindows(seq, 3, 1, { resetAtBoundary: true });
  assertEquals(contexts.toArrays(), [
    [1, 1, 1], // -> e
    [1, 1, 2], // -> m
    [1, 2, 3], // -> m
    [2, 3, 3], // -> a
    [3, 3, 4], // -> </s> (the boundary is a target like any token)
    [1, 1, 1], // -> b: the new line sees nothing of "emma"
    [1, 1, 5], // -> o
    [1, 5, 6], // -> b
    [5, 6, 5], // -> </s>
  ]);
  assertEquals(targets, new Int32Array(seq));
  // Without the reset, the sixth context is the end of the previous line.
  assertEquals(makeWindows(seq, 3, 1).contexts.toArrays()[5], [3, 4, 1]);
});

Deno.test("makeWindows: an empty sequence gives no examples", () => {
  const { contexts, targets } = makeWindows(new Int32Array(0), 3, 1);
  assertEquals(contexts.shape, [0, 3]);
  assertEquals(targets.length, 0);
});

Deno.test("makeWindows returns fresh arrays and leaves its input alone", () => {
  const indices = new Int32Array([2, 3, 4]);
  const before = indices.slice();
  const { contexts, targets } = makeWindows(indices, 2, 1);
  assertEquals(indices, before);
  targets[0] = 99;
  contexts.data[0] = 99;
  assertEquals(indices, before);
});

Deno.test("makeWindows refuses bad arguments", () => {
  assertThrows(
    () => makeWindows([1, 2], 0, 1),
    RangeError,
    "makeWindows: contextSize expected an integer >= 1, got 0",
  );
  assertThrows(
    () => makeWindows([1, 2], 2.5, 1),
    RangeError,
    "makeWindows: contextSize expected an integer >= 1, got 2.5",
  );
  assertThrows(
    () => makeWindows([1, 2], "3" as unknown as number, 1),
    RangeError,
    'contextSize expected an integer >= 1, got "3"',
  );
  assertThrows(
    () => makeWindows([1, 2], 2, -1),
    RangeError,
    "makeWindows: boundary expected an integer >= 0, got -1",
  );
  assertThrows(
    () => makeWindows([1, -2], 2, 1),
    RangeError,
    "makeWindows: indices[1] expected an integer >= 0, got -2",
  );
  assertThrows(
    () => makeWindows([1, 0.5], 2, 1),
    RangeError,
    "makeWindows: indices[1] expected an integer >= 0, got 0.5",
  );
  assertThrows(
    () => makeWindows(7 as unknown as number[], 2, 1),
    TypeError,
    "makeWindows: indices expected an array of indices, got 7",
  );
  assertThrows(
    () => makeWindows([1], 2, 1, { resetAtBoundary: 1 as unknown as boolean }),
    TypeError,
    "options.resetAtBoundary expected a boolean",
  );
});
