import { assert, assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import { Rng } from "../../lib/random.ts";
import { clone, type Matrix, matrix, zeros } from "../../lib/tensor.ts";
import { defaultDecay, type MomentumOptions, momentumStep } from "../../lib/nn/momentum.ts";

function assertRowAlmostEquals(actual: Matrix, expected: number[], tol = 1e-15): void {
  assertEquals(actual.shape, [1, expected.length]);
  for (let j = 0; j < expected.length; j++) {
    assertAlmostEquals(actual.get(0, j), expected[j], tol, `at [0, ${j}]`);
  }
}

Deno.test("momentumStep: two steps on a 1x2 matrix, worked by hand", () => {
  // lr = 0.1, β = 0.9, W = [1, −2].
  // Step 1, g = [0.5, 1], m starts at 0:
  //   m = 0.9·[0, 0] + 0.1·[0.5, 1]           = [0.05, 0.1]
  //   W = [1, −2] − 0.1·[0.05, 0.1]            = [0.995, −2.01]
  // Step 2, g = [−1, 2]:
  //   m = 0.9·[0.05, 0.1] + 0.1·[−1, 2]        = [0.045 − 0.1, 0.09 + 0.2] = [−0.055, 0.29]
  //   W = [0.995, −2.01] − 0.1·[−0.055, 0.29]  = [0.995 + 0.0055, −2.01 − 0.029] = [1.0005, −2.039]
  const options = { lr: 0.1, beta: 0.9 };
  const s1 = momentumStep({ W: matrix([[1, -2]]) }, { W: matrix([[0.5, 1]]) }, undefined, options);
  assertRowAlmostEquals(s1.velocity.W, [0.05, 0.1]);
  assertRowAlmostEquals(s1.params.W, [0.995, -2.01]);
  const s2 = momentumStep(s1.params, { W: matrix([[-1, 2]]) }, s1.velocity, options);
  assertRowAlmostEquals(s2.velocity.W, [-0.055, 0.29]);
  assertRowAlmostEquals(s2.params.W, [1.0005, -2.039]);
});

Deno.test("momentumStep with beta = 0 is plain SGD: W − lr·g, and m = g", () => {
  const rng = new Rng(4);
  const W = zeros(3, 4), g = zeros(3, 4), m = zeros(3, 4);
  for (let k = 0; k < 12; k++) {
    W.data[k] = rng.normal();
    g.data[k] = rng.normal();
    m.data[k] = rng.normal(); // an old velocity is forgotten entirely when β = 0
  }
  const step = momentumStep({ W }, { W: g }, { W: m }, { lr: 0.05, beta: 0 });
  for (let k = 0; k < 12; k++) {
    assertEquals(step.velocity.W.data[k], g.data[k]);
    assertAlmostEquals(step.params.W.data[k], W.data[k] - 0.05 * g.data[k], 1e-15);
  }
});

Deno.test("momentumStep with velocity undefined is the same as a zero velocity", () => {
  const params = { W: matrix([[1, 2], [3, 4]]), b: matrix([[0.5, -0.5]]) };
  const grads = { W: matrix([[0.1, -0.2], [0.3, 0.4]]), b: matrix([[1, 1]]) };
  const options = { lr: 0.3, beta: 0.7, weightDecay: 0.01 };
  const a = momentumStep(params, grads, undefined, options);
  const zero = { W: zeros(2, 2), b: zeros(1, 2) };
  const b = momentumStep(params, grads, zero, options);
  assertEquals(a.params.W.data, b.params.W.data);
  assertEquals(a.params.b.data, b.params.b.data);
  assertEquals(a.velocity.W.data, b.velocity.W.data);
});

Deno.test("weight decay adds λ·W to the gradient of weights and embeddings, not biases", () => {
  // g = 0, λ = 0.5, β = 0, lr = 0.1, every parameter = [[2]]:
  //   decayed:     g' = 0 + 0.5·2 = 1,  W = 2 − 0.1·1 = 1.9
  //   not decayed: g' = 0,              W = 2
  const two = () => matrix([[2]]);
  const params = { E: two(), W1: two(), b1: two(), W2: two(), b2: two() };
  const grads = {
    E: zeros(1, 1),
    W1: zeros(1, 1),
    b1: zeros(1, 1),
    W2: zeros(1, 1),
    b2: zeros(1, 1),
  };
  const step = momentumStep(params, grads, undefined, { lr: 0.1, beta: 0, weightDecay: 0.5 });
  assertAlmostEquals(step.params.E.get(0, 0), 1.9, 1e-15);
  assertAlmostEquals(step.params.W1.get(0, 0), 1.9, 1e-15);
  assertAlmostEquals(step.params.W2.get(0, 0), 1.9, 1e-15);
  assertEquals(step.params.b1.get(0, 0), 2);
  assertEquals(step.params.b2.get(0, 0), 2);
  // With β = 0.9 the decay enters through the average: m = 0.1·1 = 0.1, W = 2 − 0.1·0.1 = 1.99.
  const slow = momentumStep(params, grads, undefined, { lr: 0.1, beta: 0.9, weightDecay: 0.5 });
  assertAlmostEquals(slow.params.W1.get(0, 0), 1.99, 1e-15);
  assertEquals(slow.params.b1.get(0, 0), 2);
  // A custom rule: decay only E.
  const onlyE = momentumStep(params, grads, undefined, {
    lr: 0.1,
    beta: 0,
    weightDecay: 0.5,
    decay: (name) => name === "E",
  });
  assertAlmostEquals(onlyE.params.E.get(0, 0), 1.9, 1e-15);
  assertEquals(onlyE.params.W1.get(0, 0), 2);
  // λ = 0 (the default) decays nothing.
  assertEquals(momentumStep(params, grads, undefined, { lr: 0.1, beta: 0 }).params.W1.get(0, 0), 2);
});

Deno.test("defaultDecay decays every name that does not start with b", () => {
  assertEquals(["E", "W1", "W15", "W2", "C"].map(defaultDecay), [true, true, true, true, true]);
  assertEquals(["b1", "b15", "b2", "b"].map(defaultDecay), [false, false, false, false]);
});

Deno.test("momentumStep is pure: inputs unchanged, outputs are new matrices", () => {
  const params = { W: matrix([[1, 2]]), b: matrix([[3]]) };
  const grads = { W: matrix([[0.5, 0.5]]), b: matrix([[1]]) };
  const velocity = { W: matrix([[0.1, 0.2]]), b: matrix([[0.3]]) };
  const before = {
    params: { W: clone(params.W), b: clone(params.b) },
    grads: { W: clone(grads.W), b: clone(grads.b) },
    velocity: { W: clone(velocity.W), b: clone(velocity.b) },
  };
  const options: MomentumOptions = { lr: 0.1, beta: 0.5, weightDecay: 0.1 };
  const step = momentumStep(params, grads, velocity, options);
  assertEquals(params.W.data, before.params.W.data);
  assertEquals(params.b.data, before.params.b.data);
  assertEquals(grads.W.data, before.grads.W.data);
  assertEquals(grads.b.data, before.grads.b.data);
  assertEquals(velocity.W.data, before.velocity.W.data);
  assertEquals(velocity.b.data, before.velocity.b.data);
  assertEquals(options, { lr: 0.1, beta: 0.5, weightDecay: 0.1 });
  for (const name of ["W", "b"] as const) {
    assert(step.params[name] !== params[name] && step.params[name].data !== params[name].data);
    assert(step.velocity[name].data !== velocity[name].data);
  }
  assert(step.params !== params && step.velocity !== velocity);
  assertEquals(Object.keys(step.params), ["W", "b"]);
});

Deno.test("momentumStep keeps each parameter's dtype", () => {
  const params = { W: matrix([[1, 2]], "float32"), b: matrix([[0]]) };
  const grads = { W: matrix([[1, 1]]), b: matrix([[1]], "float32") };
  const step = momentumStep(params, grads, undefined, { lr: 0.5, beta: 0 });
  assertEquals(step.params.W.dtype, "float32");
  assertEquals(step.velocity.W.dtype, "float32");
  assertEquals(step.params.b.dtype, "float64");
  assertEquals(Array.from(step.params.W.data), [0.5, 1.5]); // [1, 2] − 0.5·[1, 1]
});

Deno.test("momentumStep descends a quadratic and converges to its minimum", () => {
  // f(W) = ½ Σ_k a_k (W_k − c_k)², gradient g_k = a_k (W_k − c_k), minimum at W = c.
  const a = [1, 4, 0.5, 2];
  const c = [3, -1, 0.25, 2];
  const f = (W: Matrix) => {
    let sum = 0;
    for (let k = 0; k < 4; k++) sum += 0.5 * a[k] * (W.data[k] - c[k]) ** 2;
    return sum;
  };
  const grad = (W: Matrix) => {
    const g = zeros(1, 4);
    for (let k = 0; k < 4; k++) g.data[k] = a[k] * (W.data[k] - c[k]);
    return g;
  };
  for (const beta of [0, 0.5, 0.9]) {
    let params: Record<string, Matrix> = { W: matrix([[0, 0, 0, 0]]) };
    let velocity: Record<string, Matrix> | undefined = undefined;
    // The first step follows −g (m = (1 − β)·g), so a small enough step lowers f.
    const first = momentumStep(params, { W: grad(params.W) }, velocity, { lr: 0.1, beta });
    assert(f(first.params.W) < f(params.W), `β = ${beta}: first step did not descend`);
    for (let t = 0; t < 500; t++) {
      ({ params, velocity } = momentumStep(params, { W: grad(params.W) }, velocity, {
        lr: 0.1,
        beta,
      }));
    }
    for (let k = 0; k < 4; k++) assertAlmostEquals(params.W.data[k], c[k], 1e-4, `β = ${beta}`);
  }
  // With weight decay λ the step descends f(W) + (λ/2)·Σ W² instead; its minimum is
  // W_k = a_k c_k / (a_k + λ), e.g. 1·3 / (1 + 1) = 1.5 for k = 0 with λ = 1.
  let params: Record<string, Matrix> = { W: matrix([[0, 0, 0, 0]]) };
  let velocity: Record<string, Matrix> | undefined = undefined;
  for (let t = 0; t < 500; t++) {
    ({ params, velocity } = momentumStep(params, { W: grad(params.W) }, velocity, {
      lr: 0.1,
      beta: 0.5,
      weightDecay: 1,
    }));
  }
  for (let k = 0; k < 4; k++) {
    assertAlmostEquals(params.W.data[k], (a[k] * c[k]) / (a[k] + 1), 1e-4, `k = ${k}`);
  }
});

Deno.test("momentumStep refuses bad hyper-parameters", () => {
  const params = { W: matrix([[1]]) };
  const grads = { W: matrix([[1]]) };
  const step = (options: unknown) =>
    momentumStep(params, grads, undefined, options as MomentumOptions);
  for (const lr of [0, -0.1, NaN, Infinity, "0.1", undefined]) {
    assertThrows(
      () => step({ lr, beta: 0.9 }),
      RangeError,
      "momentumStep: options.lr expected a finite learning rate > 0",
    );
  }
  for (const beta of [1, -0.1, 1.5, NaN, undefined]) {
    assertThrows(
      () => step({ lr: 0.1, beta }),
      RangeError,
      "momentumStep: options.beta expected a momentum in [0, 1)",
    );
  }
  for (const weightDecay of [-1e-4, NaN, Infinity]) {
    assertThrows(
      () => step({ lr: 0.1, beta: 0.9, weightDecay }),
      RangeError,
      "momentumStep: options.weightDecay expected a finite number >= 0",
    );
  }
  assertThrows(
    () => step({ lr: 0.1, beta: 0.9, decay: "b" }),
    TypeError,
    "momentumStep: options.decay expected a function",
  );
  assertThrows(() => step(undefined), TypeError, "momentumStep: options expected an object");
});

Deno.test("momentumStep refuses gradients and velocities that do not match params, by name", () => {
  const params = { W1: matrix([[1, 2], [3, 4]]), b1: matrix([[0, 0]]) };
  const grads = { W1: matrix([[1, 1], [1, 1]]), b1: matrix([[1, 1]]) };
  const options = { lr: 0.1, beta: 0.9 };
  assertThrows(
    () => momentumStep(params, { W1: grads.W1 } as typeof grads, undefined, options),
    TypeError,
    "momentumStep: grads.b1 expected a Matrix, got undefined",
  );
  assertThrows(
    () => momentumStep(params, { ...grads, W1: matrix([[1, 1]]) }, undefined, options),
    RangeError,
    "momentumStep: grads.W1 expected shape [2, 2] (the shape of params.W1), got [1, 2]",
  );
  assertThrows(
    () => momentumStep(params, { ...grads, W9: matrix([[1]]) } as typeof grads, undefined, options),
    RangeError,
    'momentumStep: grads.W9 expected a name of params (W1, b1), got "W9", which params lacks',
  );
  assertThrows(
    () => momentumStep(params, { ...grads, b1: matrix([[1, NaN]]) }, undefined, options),
    RangeError,
    "momentumStep: grads.b1 expected finite numbers, got NaN at [0, 1]",
  );
  assertThrows(
    () => momentumStep(params, grads, { W1: zeros(2, 2), b1: zeros(2, 1) }, options),
    RangeError,
    "momentumStep: velocity.b1 expected shape [1, 2] (the shape of params.b1), got [2, 1]",
  );
  assertThrows(
    () => momentumStep(params, grads, { W1: zeros(2, 2) } as typeof grads, options),
    TypeError,
    "momentumStep: velocity.b1 expected a Matrix",
  );
  assertThrows(
    () => momentumStep({ W1: [[1]] } as unknown as typeof params, grads, undefined, options),
    TypeError,
    "momentumStep: params.W1 expected a Matrix",
  );
  assertThrows(
    () => momentumStep(params, matrix([[1]]) as unknown as typeof grads, undefined, options),
    TypeError,
    "momentumStep: grads expected a record of named matrices",
  );
});
