import { assert, assertEquals } from "@std/assert";
import {
  claimGroup,
  CONTROL,
  CONTROL_BYTES,
  helpersAllowed,
  PHASE,
  ThreadTeam,
} from "../../lib/kernels/team.ts";
import { KernelArena } from "../../lib/kernels/wasm.ts";

Deno.test("claimGroup hands out each group of the current generation once, then −1", () => {
  const control = new Int32Array(new SharedArrayBuffer(CONTROL_BYTES));
  control[CONTROL.NEXT] = 5 << 16; // generation 5, next group 0
  assertEquals([0, 1, 2].map(() => claimGroup(control, 5, 3)), [0, 1, 2]);
  assertEquals(claimGroup(control, 5, 3), -1); // all taken
  control[CONTROL.NEXT] = 6 << 16; // the main thread moved on to generation 6
  assertEquals(claimGroup(control, 5, 3), -1); // a late helper of generation 5 gets nothing
  assertEquals(claimGroup(control, 6, 3), 0);
});

Deno.test("a one-thread team runs every group on the main thread, in order, once per phase", () => {
  const arena = new KernelArena();
  const seen: string[] = [];
  const team = new ThreadTeam(arena.memory, arena.allocBytes(CONTROL_BYTES), 0, 1, (p, g, t) => {
    seen.push(`${p}:${g}:${t}`);
  });
  team.run(PHASE.outputForward, 3);
  team.run(PHASE.outputBackward, 2);
  assertEquals(seen, ["1:0:0", "1:1:0", "1:2:0", "2:0:0", "2:1:0"]);
  assertEquals(team.helped, 0);
  assert(team.waitReady(0)); // no helpers to wait for
  team.dispose();
});

Deno.test("helpers are allowed here (the tests run with read permission)", () => {
  assert(helpersAllowed());
});
