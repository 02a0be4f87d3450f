/**
 * Divergence beyond NaN: the rule on a run's losses, the rotation that keeps the last good
 * checkpoint, and both through the training loop on the CPU backend with a schedule that blows
 * the loss up after a good epoch (the checkpoint saved after the blow-up began is never called
 * good, and the good one is back at the checkpoint's path).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { scheduleSpec } from "../../src/ops/schedules.js";
import type { ElaboratedTrain } from "../../src/parser/check/values.js";
import { checkFile } from "../../src/parser/program.js";
import { readCheckpoint, type Checkpoint } from "../../src/runtime/checkpoint.js";
import { DIVERGENCE, DivergenceWatch } from "../../src/session/divergence.js";
import { CheckpointKeeper, DivergedError, siblingPath, train } from "../../src/session/node.js";
import { xorSource } from "../cli/run.js";

const tmp = () => mkdtempSync(join(tmpdir(), "grove-diverge-"));

describe("the divergence rule", () => {
  const run = (losses: number[], reference?: number) => {
    const watch = new DivergenceWatch(reference);
    return losses.map((l, i) => watch.observe(i + 1, l));
  };

  it("stops on a NaN or infinite loss at once", () => {
    expect(run([1, NaN])[1]).toEqual({ kind: "diverged", what: "the loss is NaN" });
    expect(run([-Infinity])[0]).toEqual({ kind: "diverged", what: "the loss is -Infinity" });
  });

  it("stops after three losses in a row over 10^4 times the first, not after a spike", () => {
    expect(DIVERGENCE).toEqual({ factor: 1e4, ceiling: 1e30, steps: 3 });
    const spikes = run([0.7, 8000, 0.5, 8000, 8000, 0.4, 7000]);
    expect(spikes.map((v) => v.kind)).toEqual(["ok", "high", "ok", "high", "high", "ok", "ok"]);
    const blown = run([0.7, 3.7e29, 5.5e30, 5e30]);
    expect(blown.map((v) => v.kind)).toEqual(["ok", "high", "high", "diverged"]);
    expect(blown[3]).toEqual({
      kind: "diverged",
      what: "the loss is 5.00e+30 (over 10000 times the first loss 0.7 since step 2)",
    });
    // Beyond 1e30 a loss is high whatever its first value.
    expect(run([1e27, 2e30, 2e30, 2e30])[3]).toEqual({
      kind: "diverged",
      what: "the loss is 2.00e+30 (above 1e+30 since step 2)",
    });
    // Negative losses count by magnitude; a first loss of 0 is no reference.
    const negative = run([0, -2, -3e4, -3e4, -3e4]);
    expect(negative[4]).toEqual({
      kind: "diverged",
      what: "the loss is -3.00e+4 (over 10000 times the first loss 2 since step 3)",
    });
  });

  it("compares a resumed run with the reference its checkpoint kept", () => {
    // Without it, a loss of 1e-5 would be the reference and 1 would be high.
    expect(run([1e-5, 1, 1, 1], 0.7).every((v) => v.kind === "ok")).toBe(true);
    expect(run([1e-5, 1, 1, 1])[3]!.kind).toBe("diverged");
  });
});

describe("keeping the last good checkpoint", () => {
  const file = (step: number): Checkpoint => ({
    tensors: new Map([["w", { dtype: "F32", shape: [1], data: Float32Array.of(step) }]]),
    metadata: { step: String(step) },
  });
  const stepIn = (path: string) => readCheckpoint(path).metadata.step;

  it("keeps a good file as .prev, never a bad one, and puts the good one back", () => {
    const dir = tmp();
    const path = join(dir, "m.safetensors");
    const prev = siblingPath(path, "prev");
    expect(prev).toBe(join(dir, "m.prev.safetensors"));
    const keeper = new CheckpointKeeper(path);
    keeper.save(6, file(6));
    keeper.observe(7, true); // the parameters after step 6 gave a sane loss: good
    keeper.save(12, file(12));
    expect(stepIn(prev)).toBe("6");
    keeper.observe(13, false); // ... after step 12 a high one: bad
    keeper.save(18, file(18)); // overwrites the bad file; .prev (good) stays
    expect([stepIn(path), stepIn(prev)]).toEqual(["18", "6"]);
    keeper.observe(19, false);
    expect(keeper.diverged()).toEqual({ good: { path, step: 6 } });
    expect(stepIn(path)).toBe("6");
    expect(readdirSync(dir)).toEqual(["m.safetensors"]);
  });

  it("names a good file at its path, and moves aside a bad one with nothing good before it", () => {
    const dir = tmp();
    const path = join(dir, "m.safetensors");
    const keeper = new CheckpointKeeper(path);
    keeper.save(6, file(6));
    keeper.observe(7, true);
    expect(keeper.diverged()).toEqual({ good: { path, step: 6 } });
    const bad = new CheckpointKeeper(path);
    bad.save(6, file(6));
    bad.observe(7, false);
    const moved = siblingPath(path, "diverged");
    expect(bad.diverged()).toEqual({ moved: { path: moved, step: 6 } });
    expect(existsSync(path)).toBe(false);
    expect(stepIn(moved)).toBe("6");
  });

  it("treats a resumed file as good only after its next loss, and never moves it", () => {
    const dir = tmp();
    const resumed = join(dir, "r.safetensors");
    writeFileSync(resumed, "");
    const keeper = new CheckpointKeeper(join(dir, "out.safetensors"), { path: resumed, step: 4 });
    expect(keeper.diverged()).toEqual({});
    keeper.observe(5, false);
    expect(keeper.diverged()).toEqual({});
    const good = new CheckpointKeeper(join(dir, "out.safetensors"), { path: resumed, step: 4 });
    good.observe(5, true);
    good.save(8, file(8));
    good.observe(9, false);
    // The bad file this run wrote goes aside; the resumed file, elsewhere, is the good one.
    expect(good.diverged()).toEqual({
      good: { path: resumed, step: 4 },
      moved: { path: join(dir, "out.diverged.safetensors"), step: 8 },
    });
    expect(existsSync(resumed)).toBe(true);
  });
});

function xorTrain(): ElaboratedTrain {
  const source = xorSource({ epochs: 3 });
  const r = checkFile("x.grove", { readFile: (p) => (p === "x.grove" ? source : undefined) });
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return r.program.trains[0]!;
}

describe("divergence in the training loop (CPU backend)", () => {
  it("stops a schedule that blows up after a good epoch and keeps the good epoch's checkpoint", async () => {
    // 168 examples in batches of 32: 6 steps an epoch. From step 12 on the rate is 1e30: the update
    // of step 12 explodes the parameters, epoch 2 saves them, and the loss of step 13 is the first
    // high one; step 15 is the third.
    const t = xorTrain();
    const blowUp = {
      ...t,
      schedule: { ...scheduleSpec("step", { every: 11, gamma: 1e30 }), span: t.span },
    };
    const path = join(tmp(), "x.safetensors");
    const saves: number[] = [];
    const losses: number[] = [];
    const err = (await train({
      device: "cpu",
      train: blowUp,
      checkpoint: path,
      onCheckpoint: (c) => saves.push(c.step),
      onStep: (s) => losses.push(s.loss),
    }).catch((e: unknown) => e)) as DivergedError;
    expect(saves).toEqual([6, 12]);
    expect(err).toBeInstanceOf(DivergedError);
    expect(err.step).toBe(15);
    expect(losses.slice(0, 12).every((l) => l < 1)).toBe(true);
    expect(losses.slice(12).every((l) => l > 1e4 * losses[0]!)).toBe(true);
    expect(err.message).toMatch(
      new RegExp(
        `^training diverged: the loss is \\S+ \\((above 1e\\+30|over 10000 times the first loss \\S+) since step 13\\) at step 15; try a smaller learning rate; the last good checkpoint is ${path.replace(/[.]/g, "\\.")} \\(step 6\\)$`,
      ),
    );
    expect(err.checkpoint).toEqual({ path, step: 6 });
    // The epoch-1 file is back in place, with the reference the rule compares with.
    const kept = readCheckpoint(path);
    expect(kept.metadata.step).toBe("6");
    expect(Number(kept.metadata.loss_reference)).toBe(Math.abs(Math.fround(losses[0]!)));
    expect(existsSync(siblingPath(path, "prev"))).toBe(false);
  });

  it("a resumed run diverging with --lr 1e30 keeps the file it resumed, unchanged", async () => {
    const t = xorTrain();
    const path = join(tmp(), "x.safetensors");
    await train({ device: "cpu", train: t, epochs: 1, checkpoint: path });
    const before = readFileSync(path);
    const run = train({
      device: "cpu",
      train: t,
      resume: path,
      checkpoint: path,
      epochs: 2,
      lr: 1e30,
    });
    await expect(run).rejects.toThrow(
      new RegExp(
        `since step 8\\) at step 10; .*; the last good checkpoint is .*x\\.safetensors \\(step 6\\)$`,
      ),
    );
    expect(readFileSync(path).equals(before)).toBe(true);
  });
});
