/**
 * A helper thread of a {@linkcode ThreadTeam}: it instantiates the kernels on the shared memory,
 * then sleeps until the main thread starts a phase, claims groups until none is left, and sleeps
 * again. Started by `team.ts`; not meant to be imported.
 *
 * @module
 */

import { workerData } from "node:worker_threads";
import { claimGroup, CONTROL, CONTROL_BYTES, type HelperData, PHASE } from "./team.ts";
import { instantiateKernels } from "./wasm.ts";

const data = workerData as HelperData;
const { fn } = instantiateKernels(data.memory);
const control = new Int32Array(data.memory.buffer, data.control, CONTROL_BYTES / 4);
Atomics.add(control, CONTROL.READY, 1);
Atomics.notify(control, CONTROL.READY);

let seen = 0;
for (;;) {
  Atomics.wait(control, CONTROL.GEN, seen);
  const gen = Atomics.load(control, CONTROL.GEN);
  seen = gen;
  if (Atomics.load(control, CONTROL.EXIT) !== 0) break;
  const phase = Atomics.load(control, CONTROL.PHASE);
  const groups = Atomics.load(control, CONTROL.GROUPS);
  try {
    for (;;) {
      const group = claimGroup(control, gen, groups);
      if (group < 0) break;
      if (phase === PHASE.outputForward) fn.outputForward(data.plan, group);
      else fn.outputBackward(data.plan, group, data.thread);
      Atomics.add(control, CONTROL.HELPED, 1);
      Atomics.add(control, CONTROL.DONE, 1);
      Atomics.notify(control, CONTROL.DONE);
    }
  } catch (error) {
    Atomics.store(control, CONTROL.ERROR, 1);
    Atomics.notify(control, CONTROL.DONE);
    throw error;
  }
}
