import { assert, assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import { gradCheck, maxRelError, numericalGradient } from "../../lib/check/gradcheck.ts";
import { Rng } from "../../lib/random.ts";
import { clone, type Matrix, matrix } from "../../lib/tensor.ts";

// L(A, v) = sum_ij A_ij^2 * v_j  => dL/dA_ij = 2 A_ij v_j, dL/dv_j = sum_i A_ij^2
function loss(p: { A: Matrix; v: Matrix }): number {
  let s = 0;
  for (let i = 0; i < p.A.rows; i++) {
    for (let j = 0; j < p.A.cols; j++) s += p.A.get(i, j) ** 2 * p.v.get(0, j);
  }
  return s;
}

const A = matrix([[1, -2], [0.5, 3]]);
const v = matrix([[2, -1]]);
const dA = matrix([[2 * 1 * 2, 2 * -2 * -1], [2 * 0.5 * 2, 2 * 3 * -1]]);
const dv = matrix([[1 + 0.25, 4 + 9]]);

Deno.test("numericalGradient matches derivatives worked by hand", () => {
  const g = numericalGradient(loss, { A, v }, "A");
  for (let k = 0; k < 4; k++) assertAlmostEquals(g.data[k], dA.data[k], 1e-7);
});

Deno.test("gradCheck passes a correct gradient and leaves the parameters untouched", () => {
  const before = { A: clone(A), v: clone(v) };
  const report = gradCheck(loss, { A, v }, { A: dA, v: dv });
  assert(maxRelError(report) < 1e-8, `max rel error ${maxRelError(report)}`);
  assertEquals(report.A.checked, 4);
  assertEquals(A, before.A);
  assertEquals(v, before.v);
});

Deno.test("gradCheck catches a wrong entry and says where", () => {
  const wrong = clone(dv);
  wrong.data[1] = 12; // true value 13
  const report = gradCheck(loss, { A, v }, { A: dA, v: wrong });
  assert(report.A.maxRelError < 1e-8);
  assertAlmostEquals(report.v.maxRelError, 1 / 13, 1e-6);
  assertEquals(report.v.worst, [0, 1]);
  assertEquals(report.v.analytic, 12);
  assertAlmostEquals(report.v.numeric, 13, 1e-6);
});

Deno.test("gradCheck reports NaN gradients instead of hiding them", () => {
  const bad = clone(dA);
  bad.data[2] = NaN;
  const report = gradCheck(loss, { A, v }, { A: bad, v: dv });
  assert(Number.isNaN(report.A.maxRelError));
  assert(Number.isNaN(maxRelError(report)));
});

Deno.test("gradCheck can sample entries with an explicit generator", () => {
  const report = gradCheck(loss, { A, v }, { A: dA, v: dv }, { maxEntries: 2, rng: new Rng(1) });
  assertEquals(report.A.checked, 2);
  assertThrows(
    () => gradCheck(loss, { A, v }, { A: dA, v: dv }, { maxEntries: 2 }),
    RangeError,
    "gradCheck: options.rng expected a generator",
  );
});

Deno.test("gradCheck refuses a gradient of the wrong shape", () => {
  assertThrows(
    () => gradCheck(loss, { A, v }, { A: dA, v: matrix([[1, 2, 3]]) }),
    RangeError,
    "gradCheck: grads.v expected shape [1, 2] (the shape of params.v), got [1, 3]",
  );
});
