/**
 * Categorical CSV labels through the command line, on the CPU backend: `grove train` numbers the
 * class names and stores them in the checkpoint, `grove predict` writes the argmax's class name,
 * `grove eval` and `--resume` number another file by the checkpoint's mapping (a file holding only
 * some classes keeps their numbers) and refuse a class the checkpoint lacks in one line.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, expect, it } from "vitest";
import { readCheckpoint } from "../../src/runtime/checkpoint.js";
import { runGrove, type Run } from "./run.js";

const dir = mkdtempSync(join(tmpdir(), "grove-classes-"));
const at = (name: string, contents: string) => {
  writeFileSync(join(dir, name), contents);
  return join(dir, name);
};
const checkpoint = join(dir, "q.safetensors");

/** Quadrant of (a, b) as a name: the classes sort as east, north, south. */
const quadrant = (a: number, b: number) => (a > 0 && b > 0 ? "north" : a > 0 ? "east" : "south");
const rows = Array.from({ length: 48 }, (_, i) => {
  const a = Math.sin(i * 1.7);
  const b = Math.cos(i * 2.3);
  return `${a.toFixed(3)},${b.toFixed(3)},${quadrant(a, b)}`;
});

const source = (data: string) => `
model Q {
  input features: [N, 2]
  h = Dense(2, 8, tanh)
  out = Dense(8, 3)
  output logits = features |> h |> out
}

train Q {
  data      = ${data}
  loss      = cross_entropy(logits, label)
  optimizer = adam(lr: 0.05)
  batch     = 8
  epochs    = 2
  metrics   = [accuracy(logits, label)]
}
`;
const file = join(dir, "q.grove");
const cpu = (...argv: string[]): Promise<Run> => runGrove([...argv, "--backend", "cpu"]);

beforeAll(async () => {
  at("train.csv", ["a,b,where", ...rows].join("\n") + "\n");
  writeFileSync(file, source(`csv("train.csv", label: "where")`));
  const r = await cpu("train", file, "--max-steps", "3", "--checkpoint", checkpoint);
  expect(r.err).toBe("");
  expect(r.code).toBe(0);
});

it("stores the sorted class names in the checkpoint", () => {
  const meta = readCheckpoint(checkpoint).metadata;
  expect(JSON.parse(meta.classes!)).toEqual(["east", "north", "south"]);
});

it("grove predict writes the argmax's class name", async () => {
  const input = at("in.csv", ["a,b", "0.5,0.5", "0.5,-0.5", "-0.5,0.1"].join("\n") + "\n");
  const r = await cpu("predict", file, "--checkpoint", checkpoint, "--input", input);
  expect(r.err).toBe("");
  const [header, ...lines] = r.out.trim().split("\n");
  expect(header).toBe("logits_0,logits_1,logits_2,argmax,class");
  expect(lines).toHaveLength(3);
  for (const line of lines) {
    const cells = line.split(",");
    const scores = cells.slice(0, 3).map(Number);
    const best = scores.indexOf(Math.max(...scores));
    expect(cells[3]).toBe(String(best));
    expect(cells[4]).toBe(["east", "north", "south"][best]);
  }
});

it("grove eval numbers a file with some of the classes by the checkpoint's mapping", async () => {
  // Only `south` rows: numbered by themselves they would be class 0; the checkpoint says 2.
  const south = rows.filter((r) => r.endsWith("south"));
  at("south.csv", ["a,b,where", ...south].join("\n") + "\n");
  const grove = at("south.grove", source(`csv("south.csv", label: "where")`));
  const all = await cpu("eval", grove, "--checkpoint", checkpoint);
  expect(all.err).toBe("");
  expect(all.code).toBe(0);
  // The same rows in a file of all three classes give the same accuracy.
  at("mixed.csv", ["a,b,where", ...south, "0.9,0.9,north", "0.9,-0.9,east"].join("\n") + "\n");
  const mixed = at("mixed.grove", source(`csv("mixed.csv", label: "where")`));
  const limited = await cpu(
    "eval",
    mixed,
    "--checkpoint",
    checkpoint,
    "--limit",
    String(south.length),
  );
  expect(limited.err).toBe("");
  const accuracy = (r: Run) => /accuracy[ =:]+([0-9.]+)/.exec(r.out)?.[1];
  expect(accuracy(all)).toBeDefined();
  expect(accuracy(all)).toBe(accuracy(limited));
});

it("grove eval and --resume refuse a class the checkpoint was not trained on, in one line", async () => {
  const bad = at("bad.csv", "a,b,where\n0.1,0.2,north\n0.3,0.4,west\n");
  const grove = at("bad.grove", source(`csv("bad.csv", label: "where")`));
  const message = `${bad}:3: column \`where\` holds \`west\`, a class the checkpoint was not trained on; its classes are \`east\`, \`north\`, \`south\``;
  const e = await cpu("eval", grove, "--checkpoint", checkpoint);
  expect(e.err).toBe(`grove eval: ${message}\n`);
  expect(e.code).toBe(1);
  const r = await cpu("train", grove, "--resume", checkpoint);
  expect(r.err).toBe(`grove train: ${message}\n`);
  expect(r.code).toBe(1);
});

it("--resume keeps the classes and continues", async () => {
  const next = join(dir, "next.safetensors");
  const r = await cpu(
    "train",
    file,
    "--resume",
    checkpoint,
    "--max-steps",
    "5",
    "--checkpoint",
    next,
  );
  expect(r.err).toBe("");
  expect(r.code).toBe(0);
  expect(JSON.parse(readCheckpoint(next).metadata.classes!)).toEqual(["east", "north", "south"]);
});
