import {
  assert,
  assertEquals,
  assertFalse,
  assertStrictEquals,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import {
  type AffineBackwardFn,
  checkAffineBackward,
  checkCrossEntropy,
  checkMomentumStep,
  checkPerplexity,
  CheckResult,
  checkSampleWithTemperature,
  checkSoftmax,
  type CrossEntropyFn,
  type MomentumStepFn,
  type PerplexityFn,
  type SampleWithTemperatureFn,
  type SoftmaxFn,
} from "../lib/exercises/mod.ts";
import { JUPYTER_DISPLAY } from "../lib/notebook/jupyter.ts";
import type { Rng } from "../lib/random.ts";

/** All messages of a result in one string, to look for a fragment. */
function text(result: CheckResult): string {
  return result.messages.join("\n");
}

/** Asserts that `result` is wrong and that some message contains each fragment. */
function assertWrong(result: CheckResult, ...fragments: string[]): void {
  assertEquals(result.status, "wrong", `expected a wrong verdict, got:\n${result}`);
  assertFalse(result.ok);
  for (const fragment of fragments) assertStringIncludes(text(result), fragment);
}

function assertCorrect(result: CheckResult): void {
  assertEquals(result.messages, [], `expected no problems, got:\n${result}`);
  assertEquals(result.status, "correct");
  assert(result.ok);
}

const notImplemented = () => {
  throw new Error("not implemented yet");
};

// ---------------------------------------------------------------------------------------------
// CheckResult
// ---------------------------------------------------------------------------------------------

Deno.test("CheckResult: correct, wrong and todo, as text and as a MIME bundle", () => {
  const good = new CheckResult("softmax", [], ["one row", "a batch"]);
  assertEquals([good.status, good.ok], ["correct", true]);
  assertEquals(good.toString(), "✓ correct: softmax (checked: one row; a batch)");
  const goodBundle = good[JUPYTER_DISPLAY]();
  assertEquals(goodBundle["text/plain"], good.toString());
  assertStringIncludes(goodBundle["text/html"] ?? "", "color:#1a7f37");
  assertStringIncludes(goodBundle["text/html"] ?? "", "✓ correct");

  // Messages may hold markup-like text (`<unk>`): the HTML shows it, escaped.
  const bad = new CheckResult("softmax", ["a: first <unk>", "b: second"]);
  assertEquals([bad.status, bad.ok], ["wrong", false]);
  assertEquals(bad.toString(), "✗ softmax: 2 problems\n  - a: first <unk>\n  - b: second");
  const badHtml = bad[JUPYTER_DISPLAY]()["text/html"] ?? "";
  assertStringIncludes(badHtml, "color:#cf222e");
  assertStringIncludes(badHtml, "<li>a: first &lt;unk&gt;</li><li>b: second</li>");
  assertStringIncludes(new CheckResult("x", ["only"]).toString(), "✗ x: 1 problem\n");

  const todo = new CheckResult("softmax", ["fill it in"], [], true);
  assertEquals([todo.status, todo.ok], ["todo", false]);
  assertEquals(todo.toString(), "○ softmax: not done yet — fill it in");
  assertStringIncludes(todo[JUPYTER_DISPLAY]()["text/html"] ?? "", "not done yet");
});

Deno.test("CheckResult copies its messages: changing the caller's array changes nothing", () => {
  const messages = ["one"];
  const result = new CheckResult("x", messages);
  messages.push("two");
  assertEquals(result.messages, ["one"]);
});

Deno.test("every checker refuses what is not a function, naming itself", () => {
  const checkers: [string, (fn: never) => CheckResult][] = [
    ["checkSoftmax", checkSoftmax],
    ["checkAffineBackward", checkAffineBackward],
    ["checkCrossEntropy", checkCrossEntropy],
    ["checkPerplexity", checkPerplexity],
    ["checkMomentumStep", checkMomentumStep],
    ["checkSampleWithTemperature", checkSampleWithTemperature],
  ];
  for (const [name, check] of checkers) {
    assertThrows(() => check(42 as never), TypeError, `${name}: fn expected a function`);
  }
});

Deno.test("every checker reports an unfinished skeleton as not done yet, not as an error", () => {
  const results = [
    checkSoftmax(notImplemented),
    checkAffineBackward(notImplemented),
    checkCrossEntropy(notImplemented),
    checkPerplexity(notImplemented),
    checkMomentumStep(notImplemented),
    checkSampleWithTemperature(notImplemented),
  ];
  for (const result of results) {
    assertEquals(result.status, "todo", result.toString());
    assertFalse(result.ok);
    assertStringIncludes(text(result), "not implemented yet");
  }
});

// ---------------------------------------------------------------------------------------------
// Softmax
// ---------------------------------------------------------------------------------------------

function softmaxRow(row: number[], shift: number): number[] {
  const e: number[] = [];
  let sum = 0;
  for (let j = 0; j < row.length; j++) {
    e.push(Math.exp(row[j] - shift));
    sum += e[j];
  }
  return e.map((v) => v / sum);
}

const softmaxGood: SoftmaxFn = (scores) => scores.map((row) => softmaxRow(row, Math.max(...row)));

Deno.test("checkSoftmax: a correct softmax passes every case", () => {
  const result = checkSoftmax(softmaxGood);
  assertCorrect(result);
  assertEquals(result.cases.length, 6);
});

Deno.test("checkSoftmax: without the max subtraction, the ±1e4 cases overflow and underflow", () => {
  const result = checkSoftmax((scores) => scores.map((row) => softmaxRow(row, 0)));
  assertWrong(
    result,
    "overflow: got NaN for scores of 1e4 — subtract the row maximum before exp",
    "underflow: got NaN for scores of -1e4",
  );
  // The small cases are right, so only the three large-score cases are reported.
  assertEquals(result.messages.length, 3);
});

Deno.test("checkSoftmax: a batch-wide maximum fails where one row is 1e4 and another -1e4", () => {
  const result = checkSoftmax((scores) => {
    const max = Math.max(...scores.flat());
    return scores.map((row) => softmaxRow(row, max));
  });
  assertWrong(result, "rows of 1e4 and -1e4 in one batch: underflow", "row's own maximum");
  assertEquals(result.messages.length, 1);
});

Deno.test("checkSoftmax: rows that do not sum to 1 are named with their sum", () => {
  // exp without normalising: row [0, ln 3] becomes [1, 3], which sums to 4.
  assertWrong(
    checkSoftmax((scores) => scores.map((row) => row.map(Math.exp))),
    "one row [0, ln 3]: rows do not sum to 1 (row 0 sums to 4)",
  );
  // Normalised over the whole batch instead of each row.
  assertWrong(
    checkSoftmax((scores) => {
      const max = Math.max(...scores.flat());
      const e = scores.map((row) => row.map((s) => Math.exp(s - max)));
      const total = e.flat().reduce((a, v) => a + v, 0);
      return e.map((row) => row.map((v) => v / total));
    }),
    "the whole batch sums to 1 — normalise each row on its own",
  );
});

Deno.test("checkSoftmax: a wrong shape, a thrown error and a mutated input are reported", () => {
  assertWrong(
    checkSoftmax((scores) => softmaxGood(scores).slice(0, 1)),
    "a batch of 4 rows: the result has shape [1, 3], expected [4, 3]",
  );
  assertWrong(
    checkSoftmax((scores) => scores.map((row) => softmaxRow(row, Math.max(...row))[0]) as never),
    "is not an array of rows: entry 0 is",
  );
  assertWrong(
    checkSoftmax(() => {
      throw new RangeError("index 7 out of range");
    }),
    "your function threw RangeError: index 7 out of range",
  );
  const inPlace: SoftmaxFn = (scores) => {
    for (const row of scores) row[0] = 0;
    return softmaxGood(scores);
  };
  // Case "a batch of 4 rows" comes after "one row [0, ln 3]", whose scores[0][0] is already 0;
  // the first change is in the batch: scores[0][0] was 1.
  assertWrong(checkSoftmax(inPlace), "you mutated the input scores (scores[0][0] was 1, is now 0)");
});

// ---------------------------------------------------------------------------------------------
// Affine backward
// ---------------------------------------------------------------------------------------------

/** dx = dy·W, dW = dyᵀ·x, db = Σ_r dy[r], with named loops. */
const affineGood: AffineBackwardFn = (dy, x, W) => {
  const batch = x.length, nIn = x[0].length, nOut = W.length;
  const dx = x.map((row) => row.map(() => 0));
  const dW = W.map((row) => row.map(() => 0));
  const db = W.map(() => 0);
  for (let r = 0; r < batch; r++) {
    for (let o = 0; o < nOut; o++) {
      db[o] += dy[r][o];
      for (let i = 0; i < nIn; i++) {
        dx[r][i] += dy[r][o] * W[o][i];
        dW[o][i] += dy[r][o] * x[r][i];
      }
    }
  }
  return { dx, dW, db };
};

const transpose = (a: number[][]) => a[0].map((_, c) => a.map((row) => row[c]));

Deno.test("checkAffineBackward: a correct backward passes; db as [1][out] is accepted", () => {
  assertCorrect(checkAffineBackward(affineGood));
  const nestedDb = ((dy: number[][], x: number[][], W: number[][]) => {
    const g = affineGood(dy, x, W);
    return { ...g, db: [g.db] };
  }) as unknown as AffineBackwardFn;
  assertCorrect(checkAffineBackward(nestedDb));
});

Deno.test("checkAffineBackward: a transposed dW is named by its shape", () => {
  // in = 3, out = 2: dW must be [2, 3]; xᵀ·dy gives [3, 2].
  const result = checkAffineBackward((dy, x, W) => {
    const g = affineGood(dy, x, W);
    return { ...g, dW: transpose(g.dW) };
  });
  assertWrong(result, "dW has shape [3, 2], expected [2, 3] (out x in)", "it is the transpose");
  assertFalse(text(result).includes("dx"));
  assertFalse(text(result).includes("db"));
});

Deno.test("checkAffineBackward: db not summed over the batch", () => {
  // db as dy itself: one row per example, [4, 2] for the batch of 4.
  assertWrong(
    checkAffineBackward((dy, x, W) => ({ ...affineGood(dy, x, W), db: dy as never })),
    "db is not summed over the batch: it has shape [4, 2]",
  );
  // db = dy of the last example: `=` where `+=` was meant.
  assertWrong(
    checkAffineBackward((dy, x, W) => ({ ...affineGood(dy, x, W), db: dy[dy.length - 1] })),
    "db is not summed over the batch: it equals dy of the last example only",
  );
});

Deno.test("checkAffineBackward: a mean instead of a sum, and only the last example in dW", () => {
  assertWrong(
    checkAffineBackward((dy, x, W) => {
      const g = affineGood(dy, x, W);
      return { ...g, dW: g.dW.map((row) => row.map((v) => v / x.length)) };
    }),
    "dW is divided by the batch size 4 (a mean)",
  );
  assertWrong(
    checkAffineBackward((dy, x, W) => {
      const last = x.length - 1;
      const dW = W.map((_, o) => x[last].map((xi) => dy[last][o] * xi));
      return { ...affineGood(dy, x, W), dW };
    }),
    "dW holds only the last example's",
  );
});

Deno.test("checkAffineBackward: a wrong dx entry, a missing db and a mutated W", () => {
  // dx[0][0] of the first case: dy = [1, −2], W[:, 0] = [1, 2], so 1·1 + (−2)·2 = −3; an
  // implementation that forgets the second output gets 1.
  const result = checkAffineBackward((dy, x, W) => {
    const g = affineGood(dy, x, W);
    const dx = dy.map((row) => W[0].map((w) => row[0] * w));
    return { dx, dW: g.dW } as never;
  });
  assertWrong(
    result,
    "one example (B = 1, in = 3, out = 2): dx[0][0] = 1, expected -3",
    "db is missing",
  );
  assertWrong(
    checkAffineBackward((dy, x, W) => {
      W[0][0] = 99;
      return affineGood(dy, x, W);
    }),
    "you mutated the input W (W[0][0] was 1, is now 99)",
  );
});

// ---------------------------------------------------------------------------------------------
// Cross-entropy
// ---------------------------------------------------------------------------------------------

const crossEntropyGood: CrossEntropyFn = (probs, targets) => {
  let sum = 0;
  for (let b = 0; b < probs.length; b++) sum -= Math.log(probs[b][targets[b]]);
  return sum / probs.length;
};

Deno.test("checkCrossEntropy: a correct loss passes", () => {
  assertCorrect(checkCrossEntropy(crossEntropyGood));
});

Deno.test("checkCrossEntropy: a sum instead of a mean is off by the batch size", () => {
  const result = checkCrossEntropy((p, t) => crossEntropyGood(p, t) * p.length);
  // The batch of 4 is off by 4 and the batch of 2 (certain predictions) has loss 0, where a sum
  // and a mean agree; the single row is a batch of 1.
  assertWrong(result, "loss is a sum, not a mean over the batch (off by a factor 4)");
  assertEquals(result.messages.length, 1);
});

Deno.test("checkCrossEntropy: sign, base of the log, 0·log 0 and every word's log", () => {
  assertWrong(checkCrossEntropy((p, t) => -crossEntropyGood(p, t)), "the sign is wrong");
  assertWrong(
    checkCrossEntropy((p, t) => crossEntropyGood(p, t) / Math.LN2),
    "log base 2 (bits): use the natural log",
  );
  // Σ_j onehot[j]·log p[j] meets 0·log 0 = 0·(−Infinity) = NaN in the certain-prediction case.
  assertWrong(
    checkCrossEntropy((probs, targets) => {
      let sum = 0;
      for (let b = 0; b < probs.length; b++) {
        for (let j = 0; j < probs[b].length; j++) {
          sum -= (j === targets[b] ? 1 : 0) * Math.log(probs[b][j]);
        }
      }
      return sum / probs.length;
    }),
    "0·log 0 is NaN",
  );
  assertWrong(
    checkCrossEntropy((probs) => {
      let sum = 0;
      for (const row of probs) for (const p of row) sum -= Math.log(p);
      return sum / probs.length;
    }),
    "you took −log p of every word",
  );
  assertWrong(checkCrossEntropy(() => "0.69" as never), 'returned "0.69", expected a number');
});

// ---------------------------------------------------------------------------------------------
// Perplexity
// ---------------------------------------------------------------------------------------------

const perplexityGood: PerplexityFn = (targetProbs) => {
  let sumLog = 0;
  for (let t = 0; t < targetProbs.length; t++) sumLog += Math.log(targetProbs[t]);
  return Math.exp(-sumLog / targetProbs.length);
};

Deno.test("checkPerplexity: a correct perplexity passes", () => {
  assertCorrect(checkPerplexity(perplexityGood));
});

Deno.test("checkPerplexity: the product of the probabilities underflows over 1000 words", () => {
  const result = checkPerplexity((p) => Math.pow(p.reduce((a, v) => a * v, 1), -1 / p.length));
  // (1e-4·1e-6)^500 = 1e-5000 rounds to 0, and 0^(−1/1000) = Infinity.
  assertWrong(result, "1000 words at p = 1e-4 and 1e-6: underflow: got Infinity");
  assertEquals(result.messages.length, 1);
});

Deno.test("checkPerplexity: sum instead of mean, L itself, the sign, an arithmetic mean", () => {
  // exp(Σ −log p) for 4 words at 1/4 is 4^4 = 256 instead of 4.
  assertWrong(
    checkPerplexity((p) => perplexityGood(p) ** p.length),
    "4 words at p = 1/4: you used the sum of −log p, not the mean over the 4 words",
  );
  // L = ln 4 = 1.386 for 4 words at 1/4.
  assertWrong(
    checkPerplexity((p) => Math.log(perplexityGood(p))),
    "you returned the mean cross-entropy L = 1.386; perplexity is exp(L) = 4",
  );
  assertWrong(checkPerplexity((p) => 1 / perplexityGood(p)), "the sign is wrong: got 0.25");
  // 1 / mean(p) for [0.5, 0.125] is 1 / 0.3125 = 3.2, not 4.
  assertWrong(
    checkPerplexity((p) => p.length / p.reduce((a, v) => a + v, 0)),
    "2 words at p = 0.5 and 0.125: that uses an arithmetic mean",
  );
});

// ---------------------------------------------------------------------------------------------
// Momentum step
// ---------------------------------------------------------------------------------------------

const momentumGood: MomentumStepFn = (W, m, g, lr, beta) => {
  const newM: number[][] = [];
  const newW: number[][] = [];
  for (let i = 0; i < W.length; i++) {
    newM.push([]);
    newW.push([]);
    for (let j = 0; j < W[i].length; j++) {
      newM[i].push(beta * m[i][j] + (1 - beta) * g[i][j]);
      newW[i].push(W[i][j] - lr * newM[i][j]);
    }
  }
  return { W: newW, m: newM };
};

Deno.test("checkMomentumStep: a correct, pure step passes", () => {
  assertCorrect(checkMomentumStep(momentumGood));
});

Deno.test("checkMomentumStep: updating m in place is reported as a mutated input", () => {
  const inPlace: MomentumStepFn = (W, m, g, lr, beta) => {
    for (let i = 0; i < m.length; i++) {
      for (let j = 0; j < m[i].length; j++) m[i][j] = beta * m[i][j] + (1 - beta) * g[i][j];
    }
    return { W: W.map((row, i) => row.map((w, j) => w - lr * m[i][j])), m };
  };
  // First case: m = [[0]] becomes 0.9·0 + 0.1·2 = 0.2. The values returned are right.
  const result = checkMomentumStep(inPlace);
  assertWrong(result, "you mutated the input m (m[0][0] was 0, is now 0.2)");
  assertEquals(result.messages.length, 1);
  // The checker gave copies: its own cases are intact, and a later check is unaffected.
  assertCorrect(checkMomentumStep(momentumGood));
  assertEquals(checkMomentumStep(inPlace).messages, result.messages);
});

Deno.test("checkMomentumStep: forgetting (1 − β), swapping β, stepping with g or the old m", () => {
  assertWrong(
    checkMomentumStep((W, m, g, lr, beta) => {
      const newM = m.map((row, i) => row.map((v, j) => beta * v + g[i][j]));
      return { W: W.map((row, i) => row.map((w, j) => w - lr * newM[i][j])), m: newM };
    }),
    "you forgot the factor (1 − β) on g",
  );
  assertWrong(
    checkMomentumStep((W, m, g, lr, beta) => momentumGood(W, m, g, lr, 1 - beta)),
    "β and (1 − β) are swapped",
  );
  assertWrong(
    checkMomentumStep((W, m, g, lr, beta) => ({
      W: W.map((row, i) => row.map((w, j) => w - lr * g[i][j])),
      m: momentumGood(W, m, g, lr, beta).m,
    })),
    "W moved by lr·g",
  );
  assertWrong(
    checkMomentumStep((W, m, g, lr, beta) => ({
      W: W.map((row, i) => row.map((w, j) => w - lr * m[i][j])),
      m: momentumGood(W, m, g, lr, beta).m,
    })),
    "W moved by the old velocity",
  );
});

Deno.test("checkMomentumStep: a wrong W that follows from a wrong m is reported once", () => {
  // m = β·m + g, and W = W − lr·m with that m: one mistake, one message per case.
  const result = checkMomentumStep((W, m, g, lr, beta) => {
    const newM = m.map((row, i) => row.map((v, j) => beta * v + g[i][j]));
    return { W: W.map((row, i) => row.map((w, j) => w - lr * newM[i][j])), m: newM };
  });
  // β = 0 makes β·m + g equal to the right m, so only the two cases with β = 0.9 fail.
  assertEquals(result.messages.length, 2);
  assertFalse(text(result).includes("W moved"));
});

// ---------------------------------------------------------------------------------------------
// Sampling with temperature
// ---------------------------------------------------------------------------------------------

/** softmax(scores / T) with the maximum subtracted, drawn with the given generator. */
const sampleGood: SampleWithTemperatureFn = (scores, T, rng) => {
  const max = Math.max(...scores);
  const weights: number[] = [];
  for (let j = 0; j < scores.length; j++) weights.push(Math.exp((scores[j] - max) / T));
  return rng.categorical(weights);
};

/** The same distribution, drawn by inverting the cumulative sum of rng.uniform(). */
const sampleByInversion: SampleWithTemperatureFn = (scores, T, rng) => {
  const max = Math.max(...scores);
  const weights = scores.map((s) => Math.exp((s - max) / T));
  const total = weights.reduce((a, w) => a + w, 0);
  let u = rng.uniform() * total;
  for (let k = 0; k < weights.length; k++) {
    u -= weights[k];
    if (u < 0) return k;
  }
  return weights.length - 1;
};

Deno.test("checkSampleWithTemperature: correct samplers pass, with either way of drawing", () => {
  assertCorrect(checkSampleWithTemperature(sampleGood));
  assertCorrect(checkSampleWithTemperature(sampleByInversion));
});

Deno.test("checkSampleWithTemperature: ignoring the temperature", () => {
  const result = checkSampleWithTemperature((scores, _T, rng) => sampleGood(scores, 1, rng));
  assertWrong(result, "T = 2: the draws do not follow", "the temperature is ignored");
  // T = 1 is right by accident; the small temperatures are not greedy.
  assertFalse(text(result).includes("T = 1:"));
  assertStringIncludes(text(result), "T = 0.05: expected (almost) always word 0");
});

Deno.test("checkSampleWithTemperature: Math.random is detected, and the verdict is stable", () => {
  const realRandom = Math.random;
  const withMathRandom: SampleWithTemperatureFn = (scores, T) => {
    const max = Math.max(...scores);
    const weights = scores.map((s) => Math.exp((s - max) / T));
    const total = weights.reduce((a, w) => a + w, 0);
    let u = Math.random() * total;
    for (let k = 0; k < weights.length; k++) {
      u -= weights[k];
      if (u < 0) return k;
    }
    return weights.length - 1;
  };
  const result = checkSampleWithTemperature(withMathRandom);
  assertWrong(result, "you called Math.random", "draw with the rng you were given");
  assertEquals(checkSampleWithTemperature(withMathRandom).messages, result.messages);
  assertStrictEquals(Math.random, realRandom); // put back after the check
});

Deno.test("checkSampleWithTemperature: a generator made inside the function is not the rng", () => {
  // Seeds 7 and 8 then give the same words; and a fresh generator per call is always the same
  // first draw, so the distribution is wrong too.
  const ownRng = (scores: number[], T: number, _rng: Rng) => {
    const mine = { categorical: (w: number[]) => w.indexOf(Math.max(...w)) } as unknown as Rng;
    return sampleGood(scores, T, mine);
  };
  assertWrong(checkSampleWithTemperature(ownRng), "seeds 7 and 8 gave the same 50 words");
});

Deno.test("checkSampleWithTemperature: greedy, multiplying by T, overflow at small T", () => {
  assertWrong(
    checkSampleWithTemperature((scores) => scores.indexOf(Math.max(...scores))),
    "that is greedy decoding",
  );
  assertWrong(
    checkSampleWithTemperature((scores, T, rng) =>
      sampleGood(scores.map((s) => s * T * T), T, rng)
    ),
    "divide the scores by T, do not multiply",
  );
  // exp(2 / 0.001) = Infinity: Rng.categorical refuses the weight.
  assertWrong(
    checkSampleWithTemperature((scores, T, rng) =>
      rng.categorical(scores.map((s) => Math.exp(s / T)))
    ),
    "T = 0.001: your function threw RangeError",
    "subtract the largest score before exp",
  );
  assertWrong(
    checkSampleWithTemperature(() => 4),
    "draw 1 returned 4, expected a word index, an integer in [0, 4)",
  );
  assertWrong(
    checkSampleWithTemperature((scores, T, rng) => {
      for (let j = 0; j < scores.length; j++) scores[j] /= T;
      return sampleGood(scores, 1, rng);
    }),
    "you mutated the input scores",
  );
});
