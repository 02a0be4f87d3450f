/**
 * The audit's hostile checkpoints through the command line (CPU backend, no device needed):
 * metadata that would exhaust memory, crash or train with a negative learning rate, and
 * parameters or moments that are not finite, are each refused in one line naming the file and the
 * field or tensor, exit 1, before any work.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, expect, it } from "vitest";
import { readCheckpoint, writeCheckpoint } from "../../src/runtime/checkpoint.js";
import { runGrove, xorProject, type Run } from "./run.js";

const cli = (...argv: string[]): Promise<Run> => runGrove([...argv, "--backend", "cpu"]);

/** One line on stderr, exit 1, nothing on stdout. */
function oneLine(r: Run, message: string) {
  expect(r.err).toBe(`${message}\n`);
  expect(r.out).toBe("");
  expect(r.code).toBe(1);
}

let project: ReturnType<typeof xorProject>;
let csv: string;

beforeAll(async () => {
  project = xorProject();
  const r = await cli("train", project.file, "--epochs", "1");
  expect(r.err).toBe("");
  csv = join(project.dir, "in.csv");
  writeFileSync(csv, "0.1,0.9\n0.8,0.2\n");
});

/** A copy of the trained checkpoint with `edit` applied to its metadata or tensors. */
function tampered(
  name: string,
  edit: {
    metadata?: Record<string, string>;
    tensor?: [string, (data: Float32Array) => void];
  },
): string {
  const c = readCheckpoint(project.checkpoint);
  const tensors = new Map(c.tensors);
  if (edit.tensor) {
    const [key, change] = edit.tensor;
    const t = tensors.get(key)!;
    const data = Float32Array.from(t.data);
    change(data);
    tensors.set(key, { ...t, data });
  }
  const path = join(project.dir, `${name}.safetensors`);
  writeCheckpoint(path, { tensors, metadata: { ...c.metadata, ...edit.metadata } });
  return path;
}

it('refuses metadata batch 0 (eval ran out of memory) and "-1" (a stack trace) in one line', async () => {
  const zero = tampered("batch0", { metadata: { batch: "0" } });
  const t0 = performance.now();
  oneLine(
    await cli("eval", project.file, "--checkpoint", zero),
    `grove eval: ${zero}: metadata \`batch\` is "0"; it must be a whole number from 1 to 2147483647`,
  );
  expect(performance.now() - t0).toBeLessThan(5000);
  const negative = tampered("batch-1", { metadata: { batch: "-1" } });
  oneLine(
    await cli("eval", project.file, "--checkpoint", negative),
    `grove eval: ${negative}: metadata \`batch\` is "-1"; it must be a whole number from 1 to 2147483647`,
  );
  oneLine(
    await cli("predict", project.file, "--checkpoint", negative, "--input", csv),
    `grove predict: ${negative}: metadata \`batch\` is "-1"; it must be a whole number from 1 to 2147483647`,
  );
  oneLine(
    await cli("train", project.file, "--resume", negative),
    `grove train: ${negative}: metadata \`batch\` is "-1"; it must be a whole number from 1 to 2147483647`,
  );
});

it('refuses to resume with metadata lr "-1" (it trained with a negative rate), or inconsistent', async () => {
  const lr = tampered("lr", { metadata: { lr: "-1" } });
  oneLine(
    await cli("train", project.file, "--resume", lr),
    `grove train: ${lr}: metadata \`lr\` is "-1"; it must be a positive number up to 3.4028234663852886e+38`,
  );
  const step = tampered("step", { metadata: { step: "5" } });
  oneLine(
    await cli("train", project.file, "--resume", step),
    `grove train: ${step}: metadata \`step\` is 5, but epoch 2, batch 0 of 6 is step 6`,
  );
  const init = tampered("init", { metadata: { seed: "4294967296" } });
  oneLine(
    await cli("train", project.file, "--init", init),
    `grove train: ${init}: metadata \`seed\` is "4294967296"; it must be a whole number from 0 to 4294967295`,
  );
});

it("refuses NaN or infinite parameters and moments in eval, predict, --init and --resume", async () => {
  const nan = tampered("nan", {
    tensor: ["h.w", (d) => d.fill(NaN, 0, 3).fill(-Infinity, 3, 4)],
  });
  const why = `${nan}: tensor \`h.w\` holds 3 NaN and 1 infinite values (of 16); a checkpoint's parameters and optimizer moments must be finite`;
  oneLine(await cli("eval", project.file, "--checkpoint", nan), `grove eval: ${why}`);
  oneLine(
    await cli("predict", project.file, "--checkpoint", nan, "--input", csv),
    `grove predict: ${why}`,
  );
  const init = await cli("train", project.file, "--init", nan);
  expect(init.err).toBe(`grove train: ${why}\n`);
  expect(init.code).toBe(1);
  expect(init.out).not.toMatch(/epoch 1\//);
  // A resume never names such a file "the last good checkpoint": it does not start.
  const resume = await cli("train", project.file, "--resume", nan, "--epochs", "2");
  expect(resume.err).toBe(`grove train: ${why}\n`);
  expect(resume.code).toBe(1);
  const moment = tampered("moment", { tensor: ["optimizer.v:out.b", (d) => d.fill(Infinity)] });
  const resumed = await cli("train", project.file, "--resume", moment, "--epochs", "2");
  expect(resumed.err).toBe(
    `grove train: ${moment}: tensor \`optimizer.v:out.b\` holds 2 infinite values (of 2); a checkpoint's parameters and optimizer moments must be finite\n`,
  );
  // eval needs no moments, but a file with broken moments is refused as a whole.
  oneLine(
    await cli("eval", project.file, "--checkpoint", moment),
    `grove eval: ${moment}: tensor \`optimizer.v:out.b\` holds 2 infinite values (of 2); a checkpoint's parameters and optimizer moments must be finite`,
  );
});
