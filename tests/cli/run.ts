/**
 * @file Runs the `grove` command in-process for tests, collecting what it prints, and writes the
 * small XOR classifier the CLI tests train.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../../src/cli/main.js";
import type { Io } from "../../src/cli/io.js";

export interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** `grove ARGV...` with stdout and stderr captured; `extra` adds to or replaces the Io. */
export async function runGrove(argv: readonly string[], extra: Partial<Io> = {}): Promise<Run> {
  let out = "";
  let err = "";
  const code = await runCli(argv, {
    out: (t) => (out += t),
    err: (t) => (err += t),
    ...extra,
  });
  return { code, out, err };
}

/** A small XOR classifier with its train section: `model`'s `layers` in order, `epochs` epochs. */
export function xorSource({
  model = "Xor",
  layers = ["h = Dense(2, 8, tanh)", "out = Dense(8, 2)"],
  epochs = 2,
}: { model?: string; layers?: readonly string[]; epochs?: number } = {}): string {
  return `
model ${model} {
  input features: [N, 2]
  ${layers.join("\n  ")}
  output logits = features |> ${layers.map((l) => l.split(" ")[0]).join(" |> ")}
}

train ${model} {
  data      = xor(n: 210, noise: 0.05, validate: 0.2)
  loss      = cross_entropy(logits, label)
  optimizer = adam(lr: 0.05)
  schedule  = cosine(warmup: 2)
  batch     = 32
  epochs    = ${epochs}
  metrics   = [accuracy(logits, label)]
  seed      = 3
}
`;
}

/** A new folder holding `source` as xor.grove, and where its default checkpoint goes. */
export function xorProject(source = xorSource()) {
  const dir = mkdtempSync(join(tmpdir(), "grove-cli-"));
  const file = join(dir, "xor.grove");
  writeFileSync(file, source);
  return { dir, file, checkpoint: join(dir, "checkpoints", "Xor.safetensors") };
}
