import { assert, assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import { gradCheck, maxRelError } from "../../lib/check/gradcheck.ts";
import { Rng } from "../../lib/random.ts";
import { type Matrix, matrix, zeros } from "../../lib/tensor.ts";
import {
  classLayout,
  classSoftmaxBackward,
  classSoftmaxForward,
  classSoftmaxLogProbs,
  classSoftmaxLoss,
  frequencyClasses,
} from "../../lib/nn/class_softmax.ts";
import { crossEntropy } from "../../lib/nn/cross_entropy.ts";

function randomMatrix(rows: number, cols: number, rng: Rng, std = 1): Matrix {
  const m = zeros(rows, cols);
  for (let k = 0; k < m.data.length; k++) m.data[k] = rng.normal(0, std);
  return m;
}

// 9 words in 3 classes of sizes 2, 3 and 4, the words of a class not adjacent.
const CLASS_OF = [2, 0, 1, 2, 1, 0, 2, 1, 2];
const layout = classLayout(CLASS_OF, 3);

function setup(seed: number, B = 5, width = 4) {
  const rng = new Rng(seed);
  const params = {
    h: randomMatrix(B, width, rng),
    Wclass: randomMatrix(3, width, rng),
    bclass: randomMatrix(1, 3, rng),
    Wout: randomMatrix(CLASS_OF.length, width, rng),
    bout: randomMatrix(1, CLASS_OF.length, rng),
  };
  const targets = Array.from({ length: B }, () => rng.int(CLASS_OF.length));
  return { params, targets };
}

type Params = ReturnType<typeof setup>["params"];
const loss = (targets: number[]) => (p: Params) =>
  classSoftmaxLoss(
    classSoftmaxForward(p.h, p.Wclass, p.bclass, p.Wout, p.bout, layout, targets),
    targets,
  );

Deno.test("classSoftmaxBackward matches finite differences for every input, in float64", () => {
  for (const seed of [1, 2, 3]) {
    const { params: p, targets } = setup(seed);
    const scores = classSoftmaxForward(p.h, p.Wclass, p.bclass, p.Wout, p.bout, layout, targets);
    const g = classSoftmaxBackward(scores, targets, p.h, p.Wclass, p.Wout);
    const report = gradCheck(loss(targets), p, {
      h: g.dh,
      Wclass: g.dWclass,
      bclass: g.dbclass,
      Wout: g.dWout,
      bout: g.dbout,
    });
    assert(maxRelError(report) < 1e-6, `seed ${seed}: ${JSON.stringify(report)}`);
  }
});

Deno.test("the gradient reaches only the rows of Wout and bout in the targets' classes", () => {
  const { params: p } = setup(4, 2);
  const targets = [1, 5]; // both in class 0, whose words are 1 and 5
  const scores = classSoftmaxForward(p.h, p.Wclass, p.bclass, p.Wout, p.bout, layout, targets);
  const g = classSoftmaxBackward(scores, targets, p.h, p.Wclass, p.Wout);
  for (let w = 0; w < CLASS_OF.length; w++) {
    const touched = w === 1 || w === 5;
    assertEquals(g.dbout.get(0, w) !== 0, touched, `bout of word ${w}`);
    assertEquals(g.dWout.row(w).some((x) => x !== 0), touched, `Wout row of word ${w}`);
  }
  // Every class weight gets a gradient: the class softmax runs over all classes.
  for (let c = 0; c < 3; c++) assert(g.dWclass.row(c).some((x) => x !== 0));
  assertEquals(scores.wordScores.map((v) => v.length), [2, 2]);
});

Deno.test("the full distribution sums to 1 over |V| and agrees with the training loss", () => {
  const { params: p, targets } = setup(5, 6);
  const lp = classSoftmaxLogProbs(p.h, p.Wclass, p.bclass, p.Wout, p.bout, layout);
  assertEquals(lp.shape, [6, CLASS_OF.length]);
  for (let b = 0; b < 6; b++) {
    assertAlmostEquals(lp.row(b).reduce((s, x) => s + Math.exp(x), 0), 1, 1e-14);
    // Each class's words together carry p(c | h): the class softmax's probability.
    const u = p.Wclass.row(1).reduce((s, w, i) => s + w * p.h.get(b, i), p.bclass.get(0, 1));
    const us = [0, 1, 2].map((c) =>
      p.Wclass.row(c).reduce((s, w, i) => s + w * p.h.get(b, i), p.bclass.get(0, c))
    );
    const pClass1 = Math.exp(u) / us.reduce((s, x) => s + Math.exp(x), 0);
    const mass1 = [2, 4, 7].reduce((s, w) => s + Math.exp(lp.get(b, w)), 0);
    assertAlmostEquals(mass1, pClass1, 1e-14);
  }
  const probs = matrix(lp.toArrays().map((row) => row.map(Math.exp)));
  assertAlmostEquals(loss(targets)(p), crossEntropy(probs, targets), 1e-13);
});

Deno.test("one class holding every word is the full softmax", () => {
  const rng = new Rng(6);
  const h = randomMatrix(3, 4, rng), Wout = randomMatrix(5, 4, rng), bout = randomMatrix(1, 5, rng);
  const one = classLayout([0, 0, 0, 0, 0], 1);
  const Wclass = randomMatrix(1, 4, rng), bclass = randomMatrix(1, 1, rng);
  const lp = classSoftmaxLogProbs(h, Wclass, bclass, Wout, bout, one);
  for (let b = 0; b < 3; b++) {
    const s = Wout.toArrays().map((w, j) =>
      w.reduce((a, x, i) => a + x * h.get(b, i), bout.get(0, j))
    );
    const lse = Math.log(s.reduce((a, x) => a + Math.exp(x), 0));
    for (let j = 0; j < 5; j++) assertAlmostEquals(lp.get(b, j), s[j] - lse, 1e-13);
  }
});

Deno.test("the loss stays finite where a probability would round to 0", () => {
  const h = matrix([[1]]);
  const lay = classLayout([0, 1], 2);
  const s = classSoftmaxForward(
    h,
    matrix([[0], [900]]),
    matrix([[0, 0]]),
    matrix([[0], [0]]),
    matrix([[0, 0]]),
    lay,
    [0],
  );
  assertAlmostEquals(classSoftmaxLoss(s, [0]), 900, 1e-9);
});

Deno.test("classSoftmax functions refuse bad input, naming the argument", () => {
  const { params: p, targets } = setup(7, 2);
  const f = (over: Partial<Params>, t: number[] = targets) => {
    const q = { ...p, ...over };
    return classSoftmaxForward(q.h, q.Wclass, q.bclass, q.Wout, q.bout, layout, t);
  };
  assertThrows(() => f({ Wclass: zeros(2, 4) }), RangeError, "classSoftmaxForward: Wclass");
  assertThrows(() => f({ Wout: zeros(8, 4) }), RangeError, "layout expected the classes of 8");
  assertThrows(() => f({ bout: zeros(1, 8) }), RangeError, "bout");
  assertThrows(() => f({}, [0, 9]), RangeError, "targets[1]");
  assertThrows(
    () => classSoftmaxForward(p.h, p.Wclass, p.bclass, p.Wout, p.bout, {} as never, targets),
    TypeError,
    "a ClassLayout",
  );
  const scores = f({});
  const other = targets.map((t) => (t + 1) % CLASS_OF.length);
  assertThrows(() => classSoftmaxLoss(scores, other), RangeError, "the target given to");
  assertThrows(() => classSoftmaxLoss({} as never, targets), TypeError, "ClassScores");
  assertThrows(
    () => classSoftmaxBackward(scores, targets, zeros(3, 4), p.Wclass, p.Wout),
    RangeError,
    "h expected 2 rows",
  );
});

Deno.test("frequencyClasses: equal mass bins, consecutive in frequency order, none empty", () => {
  // Zipf-like counts over 200 words: count_w = round(1000 / (w + 1)).
  const counts = Array.from({ length: 200 }, (_, w) => Math.round(1000 / (w + 1)));
  const total = counts.reduce((a, b) => a + b, 0);
  for (const C of [1, 2, 7, 14, 50, 200]) {
    const classOf = frequencyClasses(counts, C);
    const mass = new Array(C).fill(0), size = new Array(C).fill(0);
    for (let w = 0; w < 200; w++) {
      mass[classOf[w]] += counts[w];
      size[classOf[w]]++;
      // The counts are sorted already: the classes never go down along the list.
      if (w > 0) assert(classOf[w] >= classOf[w - 1] && classOf[w] <= classOf[w - 1] + 1);
    }
    assert(size.every((n) => n > 0), `C = ${C}: an empty class`);
    // A class that holds more than one word never exceeds its share by more than that word.
    for (let c = 0; c < C; c++) {
      if (size[c] > 1) assert(mass[c] <= total / C + 1000, `C = ${C}, class ${c}: ${mass[c]}`);
    }
  }
  assertEquals(Array.from(frequencyClasses([3, 1], 1)), [0, 0]);
  assertEquals(Array.from(frequencyClasses([3, 1, 2], 3)), [0, 2, 1]);
});

Deno.test("frequencyClasses sorts by count (ties by index) and accepts zero counts", () => {
  // mass 12: "w1" (6) is half; w3, w0 (3, 2) and the zero-count w2 make the second half.
  assertEquals(Array.from(frequencyClasses([2, 6, 0, 3, 1], 2)), [1, 0, 1, 1, 1]);
  assertEquals(Array.from(frequencyClasses([1, 1, 1, 1], 2)), [0, 0, 1, 1]);
});

Deno.test("frequencyClasses and classLayout refuse bad input", () => {
  assertThrows(() => frequencyClasses([1, 2], 3), RangeError, "classes expected at most 2");
  assertThrows(() => frequencyClasses([1, 2], 0), RangeError, "classes expected a positive");
  assertThrows(() => frequencyClasses([0, 0], 1), RangeError, "a positive total");
  assertThrows(() => frequencyClasses([1, -1], 1), RangeError, "counts[1]");
  assertThrows(() => frequencyClasses([], 1), RangeError, "at least one word");
  assertThrows(() => frequencyClasses(null as never, 1), TypeError, "counts");
  assertThrows(() => classLayout([0, 2], 2), RangeError, "classOf[1] expected a class in [0, 2)");
  assertThrows(() => classLayout([0, 0], 2), RangeError, "no word in class 1");
  assertThrows(() => classLayout([0, 0.5], 2), RangeError, "classOf[1]");
});

Deno.test("classLayout lists each class's words in order and inverts itself", () => {
  assertEquals(Array.from(layout.start), [0, 2, 5, 9]);
  assertEquals(Array.from(layout.words), [1, 5, 2, 4, 7, 0, 3, 6, 8]);
  for (let w = 0; w < CLASS_OF.length; w++) {
    assertEquals(layout.words[layout.start[CLASS_OF[w]] + layout.slot[w]], w);
  }
  // The layout holds its own copy: changing the input afterwards changes nothing.
  const input = [0, 1];
  const l = classLayout(input, 2);
  input[0] = 1;
  assertEquals(Array.from(l.classOf), [0, 1]);
});
