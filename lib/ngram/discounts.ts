/**
 * The discounts of interpolated modified Kneser–Ney: Chen and Goodman's estimates of
 * `D1, D2, D3+` for one order from its count-of-counts (Section 3 of TR-10-98). The model that
 * uses them is in `kneser_ney.ts`, which re-exports these names.
 *
 * @module
 */

import { argError, describeValue } from "../errors.ts";

/** The discounts `[D1, D2, D3+]` of one order. */
export type Discounts = readonly [number, number, number];

/** The count-of-counts `[n1, n2, n3, n4]` of one order. */
export type CountOfCounts = readonly [number, number, number, number];

/**
 * Chen and Goodman's discounts for one order (Section 3 of TR-10-98), from its count-of-counts
 * `n_r`, the number of distinct k-grams whose count `c_k` is exactly `r`:
 *
 * ```text
 * Y = n1 / (n1 + 2 n2)
 * D1 = 1 − 2 Y n2 / n1      D2 = 2 − 3 Y n3 / n2      D3+ = 3 − 4 Y n4 / n3
 * ```
 *
 * Each `D_r` must lie strictly between 0 and `r`: above 0, so that every seen context keeps some
 * mass for the words it has not been seen with; below `r`, so that a k-gram seen `r` times keeps
 * some of its own mass. Small corpora break the estimates (no count-3 k-grams makes `D3+`
 * `0 / 0`, no count-2 k-grams makes `D1 = 1`); each `D_r` that is undefined or outside `(0, r)`
 * is replaced by `r / 2`, halfway, and is the only place this module departs from the paper.
 *
 * @param countOfCounts `[n1, n2, n3, n4]`, non-negative integers
 * @returns `[D1, D2, D3+]`
 *
 * @example
 * ```ts
 * import { assertAlmostEquals } from "@std/assert";
 * import { modifiedKneserNeyDiscounts } from "./discounts.ts";
 * // Y = 100 / 180 = 5/9; D1 = 1 − 2·(5/9)·(40/100) = 5/9; D2 = 2 − 3·(5/9)·(20/40) = 7/6;
 * // D3+ = 3 − 4·(5/9)·(10/20) = 17/9.
 * const [d1, d2, d3] = modifiedKneserNeyDiscounts([100, 40, 20, 10]);
 * assertAlmostEquals(d1, 5 / 9, 1e-15);
 * assertAlmostEquals(d2, 7 / 6, 1e-15);
 * assertAlmostEquals(d3, 17 / 9, 1e-15);
 * ```
 */
export function modifiedKneserNeyDiscounts(countOfCounts: CountOfCounts): Discounts {
  const fn = "modifiedKneserNeyDiscounts";
  if (!Array.isArray(countOfCounts) || countOfCounts.length !== 4) {
    throw argError(fn, "countOfCounts", "[n1, n2, n3, n4]", describeValue(countOfCounts));
  }
  for (let r = 0; r < 4; r++) {
    const nr = countOfCounts[r];
    if (!Number.isInteger(nr) || nr < 0) {
      throw argError(
        fn,
        `countOfCounts[${r}]`,
        "a non-negative integer",
        describeValue(nr),
      );
    }
  }
  const [n1, n2, n3, n4] = countOfCounts;
  const y = n1 / (n1 + 2 * n2);
  // D_r = r − (r + 1) · Y · n_{r+1} / n_r, for r = 1, 2, 3.
  const estimate = (r: number, nr: number, nNext: number): number => {
    const d = r - (r + 1) * y * nNext / nr;
    return Number.isFinite(d) && d > 0 && d < r ? d : r / 2;
  };
  return [estimate(1, n1, n2), estimate(2, n2, n3), estimate(3, n3, n4)];
}
