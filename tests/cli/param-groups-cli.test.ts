/**
 * Parameter groups through the command line, on the CPU backend: fine-tuning from `--init` keeps
 * the frozen layer equal to the checkpoint's to the bit through training and `--resume`, while
 * the rest trains; `grove gradcheck` lists frozen parameters as having no gradient path; and
 * `--backend onnx` fine-tunes with groups as the CPU backend does.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { readCheckpoint } from "../../src/runtime/checkpoint.js";
import { runGrove } from "./run.js";

const dir = mkdtempSync(join(tmpdir(), "grove-groups-cli-"));
const source = (settings: string) => `
model Xor {
  input features: [N, 2]
  h = Dense(2, 8, tanh)
  out = Dense(8, 2)
  output logits = features |> h |> out
}
train Xor {
  data      = xor(n: 64, validate: 0.25)
  loss      = cross_entropy(logits, label)
  optimizer = adamw(lr: 0.05, weight_decay: 0.1)
  batch     = 8
  epochs    = 2
  ${settings}
}
`;
const write = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};
const plain = write("plain.grove", source(""));
const tuned = write(
  "tuned.grove",
  source(`freeze = [h]
  groups = [group("**.b", weight_decay: 0)]`),
);
const cpu = (...argv: string[]) => runGrove([...argv, "--backend", "cpu"]);
const tensor = (file: string, name: string) => [...readCheckpoint(file).tensors.get(name)!.data];

it("fine-tuning keeps the frozen layer to the bit through training and --resume", async () => {
  const base = join(dir, "base.safetensors");
  const a = await cpu("train", plain, "--max-steps", "2", "--checkpoint", base);
  expect(a.code, a.err).toBe(0);
  const next = join(dir, "tuned.safetensors");
  const b = await cpu("train", tuned, "--init", base, "--max-steps", "3", "--checkpoint", next);
  expect(b.code, b.err).toBe(0);
  for (const name of ["h.w", "h.b"]) expect(tensor(next, name)).toEqual(tensor(base, name));
  expect(tensor(next, "out.w")).not.toEqual(tensor(base, "out.w"));
  // The frozen layer's moments stay 0.
  expect(tensor(next, "optimizer.m:h.w").every((x) => x === 0)).toBe(true);
  const last = join(dir, "resumed.safetensors");
  const c = await cpu("train", tuned, "--resume", next, "--max-steps", "6", "--checkpoint", last);
  expect(c.code, c.err).toBe(0);
  expect(readCheckpoint(last).metadata.step).toBe("6");
  for (const name of ["h.w", "h.b"]) expect(tensor(last, name)).toEqual(tensor(base, name));
  expect(tensor(last, "out.w")).not.toEqual(tensor(next, "out.w"));
});

it("grove gradcheck lists frozen parameters as having no gradient path", async () => {
  const r = await runGrove(["gradcheck", tuned, "--batch", "4"]);
  expect(r.code, r.err).toBe(0);
  expect(r.out).toMatch(/^ {2}h\.w +no gradient path: frozen by the train section's `freeze`$/m);
  expect(r.out).toMatch(/^ {2}out\.w +3 /m);
  expect(r.out).toContain("gradcheck passed");
});

it("--backend onnx fine-tunes with freeze and groups as --backend cpu does", async () => {
  const base = join(dir, "onnx-base.safetensors");
  expect((await cpu("train", plain, "--max-steps", "2", "--checkpoint", base)).code).toBe(0);
  const runs = [];
  for (const backend of ["cpu", "onnx"]) {
    const out = join(dir, `tuned-${backend}.safetensors`);
    const r = await runGrove([
      ...["train", tuned, "--init", base, "--max-steps", "3", "--checkpoint", out],
      ...["--backend", backend],
    ]);
    expect(r.code, r.err).toBe(0);
    runs.push(out);
  }
  const [onCpu, onOnnx] = runs as [string, string];
  for (const name of ["h.w", "h.b", "optimizer.m:h.w"])
    expect(tensor(onOnnx, name), name).toEqual(tensor(onCpu, name));
  for (const name of ["h.w", "h.b"]) expect(tensor(onOnnx, name)).toEqual(tensor(base, name));
  const [a, b] = [tensor(onOnnx, "out.w"), tensor(onCpu, "out.w")];
  expect(a).not.toEqual(tensor(base, "out.w"));
  a.forEach((v, i) => expect(Math.abs(v - b[i]!)).toBeLessThan(1e-5));
});
