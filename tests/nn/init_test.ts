import { assert, assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import { Rng } from "../../lib/random.ts";
import { type DType, type Matrix, stats } from "../../lib/tensor.ts";
import { glorotNormal, heNormal, zerosInit } from "../../lib/nn/init.ts";

Deno.test("same seed, same matrix; another seed, another matrix", () => {
  for (const f of [glorotNormal, heNormal]) {
    assertEquals(f(4, 6, new Rng(123)).data, f(4, 6, new Rng(123)).data);
    assert(f(4, 6, new Rng(123)).data[0] !== f(4, 6, new Rng(124)).data[0]);
  }
});

Deno.test("entries are σ·rng.normal() drawn in row-major order", () => {
  // glorotNormal(2, 3): fan_in = 3, fan_out = 2, σ = sqrt(2 / 5).
  // heNormal(2, 3): fan_in = 3, σ = sqrt(2 / 3).
  const cases: [typeof glorotNormal, number][] = [
    [glorotNormal, Math.sqrt(2 / 5)],
    [heNormal, Math.sqrt(2 / 3)],
  ];
  for (const [f, sigma] of cases) {
    const W = f(2, 3, new Rng(99));
    const replay = new Rng(99);
    for (let o = 0; o < 2; o++) {
      for (let i = 0; i < 3; i++) assertEquals(W.get(o, i), sigma * replay.normal(), f.name);
    }
  }
});

Deno.test("the generator advances by one draw per entry", () => {
  const rng = new Rng(17);
  glorotNormal(3, 4, rng);
  const after = rng.normal();
  const replay = new Rng(17);
  for (let k = 0; k < 12; k++) replay.normal();
  assertEquals(after, replay.normal());
});

Deno.test("sample standard deviation is within 3% of σ on a 200x300 matrix", () => {
  // 60,000 draws: the standard error of the sample std is about σ / sqrt(2·60000) ≈ 0.3% of σ,
  // so 3% leaves a wide margin while a wrong formula (e.g. fan_in and fan_out swapped for He,
  // sqrt(2/200) vs sqrt(2/300), 22% apart) fails.
  const rows = 200, cols = 300;
  const check = (W: Matrix, sigma: number, label: string) => {
    const s = stats(W);
    assert(Math.abs(s.std / sigma - 1) < 0.03, `${label}: std ${s.std}, σ ${sigma}`);
    assert(Math.abs(s.mean) < 0.03 * sigma, `${label}: mean ${s.mean}`);
  };
  // Glorot: σ = sqrt(2 / (300 + 200)) = sqrt(0.004) ≈ 0.0632.
  check(glorotNormal(rows, cols, new Rng(1)), Math.sqrt(2 / 500), "glorotNormal");
  // He: σ = sqrt(2 / 300) ≈ 0.0816.
  check(heNormal(rows, cols, new Rng(2)), Math.sqrt(2 / 300), "heNormal");
});

Deno.test("dtype: float64 by default, float32 on request", () => {
  assertEquals(glorotNormal(2, 2, new Rng(0)).dtype, "float64");
  assertEquals(glorotNormal(2, 2, new Rng(0), "float32").dtype, "float32");
  assertEquals(heNormal(2, 2, new Rng(0), "float32").dtype, "float32");
  assertEquals(zerosInit(2, 2, "float32").dtype, "float32");
  // The float32 matrix holds the float64 draws rounded: the same stream, not another one.
  const W64 = heNormal(2, 2, new Rng(4)), W32 = heNormal(2, 2, new Rng(4), "float32");
  for (let k = 0; k < 4; k++) assertEquals(W32.data[k], Math.fround(W64.data[k]));
});

Deno.test("zerosInit gives zeros and uses no randomness", () => {
  const Z = zerosInit(2, 3);
  assertEquals(Z.shape, [2, 3]);
  assertEquals(Z.toArrays(), [[0, 0, 0], [0, 0, 0]]);
  assertEquals(Z.dtype, "float64");
});

Deno.test("bad dimensions, generators and dtypes are refused", () => {
  const rng = new Rng(0);
  const makers: [string, (rows: number, cols: number) => unknown][] = [
    ["glorotNormal", (r, c) => glorotNormal(r, c, rng)],
    ["heNormal", (r, c) => heNormal(r, c, rng)],
    ["zerosInit", (r, c) => zerosInit(r, c)],
  ];
  for (const [name, make] of makers) {
    assertThrows(() => make(0, 3), RangeError, `${name}: rows expected an integer >= 1, got 0`);
    assertThrows(() => make(2, -1), RangeError, `${name}: cols expected an integer >= 1, got -1`);
    assertThrows(() => make(2.5, 3), RangeError, "rows expected an integer >= 1, got 2.5");
    assertThrows(() => make(2, NaN), RangeError, "cols expected an integer >= 1, got NaN");
    assertThrows(() => make("2" as unknown as number, 3), RangeError, 'got "2"');
  }
  const notRng = {} as Rng;
  assertThrows(() => glorotNormal(2, 2, notRng), TypeError, "glorotNormal: rng expected an Rng");
  assertThrows(() => heNormal(2, 2, undefined as unknown as Rng), TypeError, "got undefined");
  const bad = "float16" as DType;
  assertThrows(() => glorotNormal(2, 2, rng, bad), RangeError, 'dtype expected "float64" or');
  assertThrows(() => zerosInit(2, 2, bad), RangeError, 'zerosInit: dtype expected "float64"');
});

Deno.test("initialisers draw nothing when they refuse", () => {
  // A refused call must not advance the generator: the next draw is the seed's first one.
  const rng = new Rng(31);
  assertThrows(() => glorotNormal(0, 2, rng), RangeError);
  assertThrows(() => heNormal(2, 0, rng), RangeError);
  assertAlmostEquals(rng.normal(), new Rng(31).normal(), 0);
});
