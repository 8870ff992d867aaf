/**
 * The parameter update: stochastic gradient descent with momentum and optional L2 weight decay.
 *
 * ```text
 * g ← g + λ·W            (weight decay, only for parameters that decay; λ = weightDecay)
 * m ← β·m + (1 − β)·g    (velocity: an exponential moving average of the gradients)
 * W ← W − lr·m
 * ```
 *
 * applied entry by entry to every named parameter. Parameters, gradients and velocities are
 * plain records of named matrices (`{ E, W1, b1, Wout, bout }` for a model with one hidden layer), and a step returns new records:
 * the optimizer state is data, passed in and handed back, as in JAX's optimizers.
 *
 * @module
 */

import { argError, describeValue } from "../errors.ts";
import { checkFinite, checkMatrix, Matrix, zeros } from "../tensor.ts";

/** Options of {@linkcode momentumStep}. */
export interface MomentumOptions {
  /** Learning rate `lr`, finite and `> 0`. */
  lr: number;
  /** Momentum `β` in `[0, 1)`; `0` is plain stochastic gradient descent. */
  beta: number;
  /** L2 weight-decay strength `λ >= 0` (default 0: no decay). */
  weightDecay?: number;
  /**
   * Which parameters weight decay applies to, by name (default {@linkcode defaultDecay}: every
   * name that does not start with `b`, i.e. weights and embeddings but not biases).
   */
  decay?: (name: string) => boolean;
}

/** What {@linkcode momentumStep} returns: the new parameters and the new velocity. */
export interface MomentumStepResult {
  /** The updated parameters, same names, shapes and dtypes as the input. */
  params: Record<string, Matrix>;
  /** The updated velocity `m`, one matrix per parameter, in the parameter's dtype. */
  velocity: Record<string, Matrix>;
}

/**
 * The default choice of parameters that weight decay applies to: every name that does not start
 * with `b`. With the model's names (`E`, `W1`, `b1`, [`W2`, `b2`], `Wout`, `bout`, [`Wdirect`])
 * this decays the weight matrices and the embedding table but not the biases, as Bengio et al. (2003) did: "R is a
 * weight decay penalty applied only to the weights of the neural network and to the C matrix,
 * not to the biases" (section 2, where footnote 3 names the biases `b` and `d`).
 *
 * @param name a parameter name
 * @returns `true` when weight decay applies to that parameter
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { defaultDecay } from "./momentum.ts";
 * const names = ["E", "W1", "b1", "Wout", "bout", "Wdirect"];
 * assertEquals(names.map(defaultDecay), [true, true, false, true, false, true]);
 * ```
 */
export function defaultDecay(name: string): boolean {
  return !name.startsWith("b");
}

/**
 * One step of gradient descent with momentum and optional L2 weight decay, for every named
 * parameter `W` with gradient `g` and velocity `m`, entry by entry:
 *
 * ```text
 * g ← g + λ·W            if weightDecay λ > 0 and decay(name)
 * m ← β·m + (1 − β)·g
 * W ← W − lr·m
 * ```
 *
 * **The velocity is an average.** With the factor `(1 − β)`, `m` is an exponential moving
 * average of recent gradients, so a steady gradient `g` gives a steady step `lr·g`, whatever
 * `β`; `β` only sets how long the memory is (about `1 / (1 − β)` steps). The "classical" form
 * `m ← β·m + g` takes steps `1 / (1 − β)` times larger; the two are the same method with `lr`
 * rescaled. Starting from `m = 0`, the first steps are shortened by the factor `(1 − β)` (no
 * bias correction, unlike Adam). With `β = 0` the step is plain stochastic gradient descent
 * `W ← W − lr·g`, the update Bengio et al. (2003, section 2) used (as ascent on the
 * log-likelihood); their learning-rate schedule belongs to the trainer, not here.
 *
 * **Weight decay** adds the penalty `(λ/2)·Σ W²` to the loss for each decayed parameter; its
 * gradient is `λ·W`, added to `g` before the average. The default {@linkcode defaultDecay}
 * decays weights and embeddings but not biases, as the paper did (section 2). The paper applies
 * it "by subtracting the weight decay factor times the learning rate times the value of the
 * parameter" at each update (section 3.2), which is this rule with `β = 0`, and used
 * `λ = 1e-4` on the Brown corpus and `1e-5` on AP News (section 4.2).
 *
 * The function is pure: `params`, `grads` and `velocity` are not modified; new matrices come
 * back, each in the dtype of its parameter (the arithmetic is done in float64).
 *
 * @param params the parameters, a record of named matrices
 * @param grads the gradients of the loss, same names and shapes as `params`, finite
 * @param velocity the velocity from the previous step, same names and shapes as `params`;
 * `undefined` means zeros (the first step)
 * @param options `{ lr, beta, weightDecay?, decay? }`, see {@linkcode MomentumOptions}
 * @returns `{ params, velocity }`, both new records with the names of `params`
 * @throws {TypeError} when an argument is not a record, a parameter, gradient or velocity is not
 * a Matrix (for example a missing name), or `decay` is not a function
 * @throws {RangeError} for `lr` not finite and `> 0`, `beta` outside `[0, 1)`, `weightDecay`
 * negative or not finite, a shape that differs from its parameter's, a gradient or velocity with
 * a name that `params` lacks, or a NaN / infinite gradient; every message names the parameter
 *
 * @example
 * ```ts
 * import { assertAlmostEquals } from "@std/assert";
 * import { matrix } from "../tensor.ts";
 * import { momentumStep } from "./momentum.ts";
 * const step = momentumStep({ W: matrix([[1]]) }, { W: matrix([[2]]) }, undefined, {
 *   lr: 0.5,
 *   beta: 0.9,
 * });
 * // m = 0.9·0 + 0.1·2 = 0.2 ;  W = 1 − 0.5·0.2 = 0.9
 * assertAlmostEquals(step.velocity.W.get(0, 0), 0.2, 1e-15);
 * assertAlmostEquals(step.params.W.get(0, 0), 0.9, 1e-15);
 * ```
 */
export function momentumStep(
  params: Readonly<Record<string, Matrix>>,
  grads: Readonly<Record<string, Matrix>>,
  velocity: Readonly<Record<string, Matrix>> | undefined,
  options: MomentumOptions,
): MomentumStepResult {
  const fn = "momentumStep";
  const { lr, beta, weightDecay, decay } = checkMomentumOptions(fn, options);
  checkRecord(fn, "params", params);
  checkRecord(fn, "grads", grads);
  if (velocity !== undefined) checkRecord(fn, "velocity", velocity);
  const names = Object.keys(params);
  for (const name of names) checkMatrix(fn, `params.${name}`, params[name]);
  checkSameNames(fn, "grads", grads, params);
  if (velocity !== undefined) checkSameNames(fn, "velocity", velocity, params);

  const newParams: Record<string, Matrix> = {};
  const newVelocity: Record<string, Matrix> = {};
  for (const name of names) {
    const W = params[name];
    const g = grads[name];
    checkFinite(fn, `grads.${name}`, g);
    const m = velocity === undefined ? undefined : velocity[name];
    // λ = 0 for the parameters that do not decay, so one loop serves both.
    const lambda = weightDecay > 0 && decay(name) ? weightDecay : 0;
    const Wnext = zeros(W.rows, W.cols, W.dtype);
    const mNext = zeros(W.rows, W.cols, W.dtype);
    for (let k = 0; k < W.data.length; k++) {
      const gk = g.data[k] + lambda * W.data[k];
      const mk = beta * (m === undefined ? 0 : m.data[k]) + (1 - beta) * gk;
      mNext.data[k] = mk;
      Wnext.data[k] = W.data[k] - lr * mk;
    }
    newParams[name] = Wnext;
    newVelocity[name] = mNext;
  }
  return { params: newParams, velocity: newVelocity };
}

function checkRecord(fn: string, arg: string, record: unknown): void {
  if (
    record === null || typeof record !== "object" || Array.isArray(record) ||
    record instanceof Matrix
  ) {
    throw argError(
      fn,
      arg,
      "a record of named matrices, e.g. { W1, b1 }",
      describeValue(record),
      TypeError,
    );
  }
}

/** `other` (the gradients or the velocity) must hold a matrix of the right shape per parameter. */
function checkSameNames(
  fn: string,
  arg: string,
  other: Readonly<Record<string, Matrix>>,
  params: Readonly<Record<string, Matrix>>,
): void {
  for (const name of Object.keys(params)) {
    const p = params[name];
    const m = Object.hasOwn(other, name) ? other[name] : undefined;
    checkMatrix(fn, `${arg}.${name}`, m, [p.rows, p.cols], `the shape of params.${name}`);
  }
  for (const name of Object.keys(other)) {
    if (!Object.hasOwn(params, name)) {
      throw argError(
        fn,
        `${arg}.${name}`,
        `a name of params (${Object.keys(params).join(", ")})`,
        `"${name}", which params lacks`,
      );
    }
  }
}

/**
 * Checks the options of a momentum step and fills in the defaults: `lr > 0` finite,
 * `beta ∈ [0, 1)`, `weightDecay ≥ 0` finite, `decay` a function. Shared with the fast kernels, so
 * both paths refuse the same settings with the same words.
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { checkMomentumOptions } from "./momentum.ts";
 * assertEquals(checkMomentumOptions("f", { lr: 0.1, beta: 0.9 }).weightDecay, 0);
 * assertThrows(() => checkMomentumOptions("f", { lr: 0.1, beta: 1 }), RangeError, "options.beta");
 * ```
 */
export function checkMomentumOptions(
  fn: string,
  options: MomentumOptions,
): Required<MomentumOptions> {
  if (options === null || typeof options !== "object") {
    throw argError(fn, "options", "an object { lr, beta }", describeValue(options), TypeError);
  }
  const { lr, beta, weightDecay = 0, decay = defaultDecay } = options;
  if (typeof lr !== "number" || !Number.isFinite(lr) || !(lr > 0)) {
    throw argError(fn, "options.lr", "a finite learning rate > 0", describeValue(lr));
  }
  if (typeof beta !== "number" || !(beta >= 0 && beta < 1)) {
    throw argError(fn, "options.beta", "a momentum in [0, 1)", describeValue(beta));
  }
  if (typeof weightDecay !== "number" || !Number.isFinite(weightDecay) || !(weightDecay >= 0)) {
    throw argError(fn, "options.weightDecay", "a finite number >= 0", describeValue(weightDecay));
  }
  if (typeof decay !== "function") {
    throw argError(
      fn,
      "options.decay",
      "a function (name) => boolean",
      describeValue(decay),
      TypeError,
    );
  }
  return { lr, beta, weightDecay, decay };
}
