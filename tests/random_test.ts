import { assert, assertEquals, assertNotEquals, assertThrows } from "@std/assert";
import { Rng } from "../lib/random.ts";

function draws(rng: Rng, n: number): number[] {
  return Array.from({ length: n }, () => rng.uniform());
}

Deno.test("same seed, same stream; different seeds, different streams", () => {
  assertEquals(draws(new Rng(123), 5), draws(new Rng(123), 5));
  assertNotEquals(draws(new Rng(123), 5), draws(new Rng(124), 5));
  // seeds that differ only above 2^32 still differ
  assertNotEquals(draws(new Rng(1), 3), draws(new Rng(1 + 2 ** 32), 3));
});

Deno.test("nextUint32 is xoshiro128**, checked by hand from the state [1, 2, 3, 4]", () => {
  // output = rotl(s1 * 5, 7) * 9, then the state update
  //   t = s1 << 9; s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 11).
  // 1st: s1 = 2 -> rotl(10, 7) = 1280 -> 11520; state becomes [7, 0, 1026, 12288].
  // 2nd: s1 = 0 -> 0; state becomes [12295, 1029, 1029, 25165824].
  // 3rd: s1 = 1029 -> rotl(5145, 7) = 658560 -> 5927040.
  const rng = Rng.fromState([1, 2, 3, 4]);
  assertEquals([rng.nextUint32(), rng.nextUint32(), rng.nextUint32()], [11520, 0, 5927040]);
});

Deno.test("uniform draws are in [0, 1) with mean 1/2 and variance 1/12", () => {
  const xs = draws(new Rng(7), 20000);
  assert(xs.every((x) => x >= 0 && x < 1));
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / xs.length;
  assert(Math.abs(mean - 0.5) < 0.01, `mean ${mean}`);
  assert(Math.abs(variance - 1 / 12) < 0.003, `variance ${variance}`);
});

Deno.test("normal draws have the requested mean and standard deviation", () => {
  const rng = new Rng(11);
  const xs = Array.from({ length: 20000 }, () => rng.normal(2, 3));
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / xs.length);
  assert(Math.abs(mean - 2) < 0.1, `mean ${mean}`);
  assert(Math.abs(std - 3) < 0.1, `std ${std}`);
});

Deno.test("int(n) is uniform over 0..n-1", () => {
  const rng = new Rng(5);
  const counts = [0, 0, 0];
  for (let i = 0; i < 30000; i++) counts[rng.int(3)]++;
  for (const c of counts) assert(Math.abs(c - 10000) < 400, `counts ${counts}`);
  assertThrows(() => rng.int(0), RangeError, "Rng.int: n expected an integer in [1, 2^32]");
  assertThrows(() => rng.int(2.5), RangeError, "got 2.5");
});

Deno.test("categorical follows the weights and never picks a zero weight", () => {
  const rng = new Rng(3);
  const counts = [0, 0, 0, 0];
  for (let i = 0; i < 40000; i++) counts[rng.categorical([1, 0, 3, 0])]++;
  assertEquals(counts[1] + counts[3], 0);
  assert(Math.abs(counts[2] / counts[0] - 3) < 0.15, `counts ${counts}`);
});

Deno.test("categorical refuses negative, NaN and all-zero weights", () => {
  const rng = new Rng(3);
  assertThrows(() => rng.categorical([0.5, -0.1]), RangeError, "weights[1] expected a finite");
  assertThrows(() => rng.categorical([NaN, 1]), RangeError, "weights[0]");
  assertThrows(() => rng.categorical([0, 0]), RangeError, "a positive sum");
  assertThrows(() => rng.categorical([]), RangeError, "a positive sum");
});

Deno.test("permutation is a permutation, and seeded", () => {
  const p = new Rng(9).permutation(100);
  assertEquals(Array.from(p).sort((a, b) => a - b), Array.from({ length: 100 }, (_, i) => i));
  assertEquals(p, new Rng(9).permutation(100));
  assertNotEquals(Array.from(p), Array.from({ length: 100 }, (_, i) => i));
});

Deno.test("state() and fromState() resume the exact stream", () => {
  const a = new Rng(77);
  draws(a, 3);
  const b = Rng.fromState(a.state());
  assertEquals(draws(a, 5), draws(b, 5));
  assertThrows(() => Rng.fromState([0, 0, 0, 0]), RangeError, "not all zero");
  assertThrows(() => Rng.fromState([1, 2] as unknown as [0, 0, 0, 0]), RangeError);
});

Deno.test("split gives an independent, reproducible stream", () => {
  const parent = new Rng(4);
  const child = parent.split();
  assertNotEquals(draws(child, 3), draws(parent, 3));
  assertEquals(draws(new Rng(4).split(), 3), draws(new Rng(4).split(), 3));
});

Deno.test("Rng refuses a seed that is not a safe integer", () => {
  assertThrows(() => new Rng(0.5), RangeError, "Rng: seed expected a safe integer, got 0.5");
  assertThrows(() => new Rng(2 ** 60), RangeError, "safe integer");
});
