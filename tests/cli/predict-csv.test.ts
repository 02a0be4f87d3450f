/**
 * CSV files through the command line, on the CPU backend: `grove train` refuses a malformed
 * training CSV in one line; `grove predict` decides the header from the columns the model was
 * trained on (a first row holding NaN or an empty cell is data, refused, not dropped), picks
 * columns by name, and refuses bad rows in one line naming the file, line and column.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, expect, it } from "vitest";
import { runGrove, type Run } from "./run.js";

const dir = mkdtempSync(join(tmpdir(), "grove-predict-csv-"));
const file = join(dir, "xor.grove");
const checkpoint = join(dir, "xor.safetensors");
const at = (name: string, contents: string) => {
  writeFileSync(join(dir, name), contents);
  return join(dir, name);
};

/** 40 XOR examples with a header `a,b,label`. */
const rows = Array.from({ length: 40 }, (_, i) => {
  const a = Math.sin(i * 1.7);
  const b = Math.cos(i * 2.3);
  return [a.toFixed(3), b.toFixed(3), a * b < 0 ? "1" : "0"];
});

const source = (data: string) => `
model Xor {
  input features: [N, 2]
  h = Dense(2, 8, tanh)
  out = Dense(8, 2)
  output logits = features |> h |> out
}

train Xor {
  data      = ${data}
  loss      = cross_entropy(logits, label)
  optimizer = adam(lr: 0.05)
  batch     = 8
  epochs    = 1
}
`;

const cpu = (...argv: string[]): Promise<Run> => runGrove([...argv, "--backend", "cpu"]);
const predict = (input: string) =>
  cpu("predict", file, "--checkpoint", checkpoint, "--input", input);

/** One line on stderr naming the problem, exit 1, nothing on stdout. */
function oneLine(r: Run, message: string) {
  expect(r.err).toBe(`${message}\n`);
  expect(r.out).toBe("");
  expect(r.code).toBe(1);
}

beforeAll(async () => {
  at("train.csv", ["a,b,label", ...rows.map((r) => r.join(","))].join("\n") + "\n");
  writeFileSync(file, source(`csv("train.csv", label: "label", validate: 0.2)`));
  const r = await cpu("train", file, "--max-steps", "2", "--checkpoint", checkpoint);
  expect(r.err).toBe("");
  expect(r.code).toBe(0);
});

it("grove train refuses a label that is not a 32-bit whole number, in one line", async () => {
  const bad = at("bad.csv", "a,b,label\n0.1,0.2,1\n0.3,0.4,4294967297\n");
  const grove = at("bad.grove", source(`csv("bad.csv", label: "label")`));
  oneLine(
    await cpu("train", grove, "--max-steps", "1"),
    `grove train: ${bad}:3: column \`label\` holds \`4294967297\`, but a label must be a whole number from 0 to 2147483647`,
  );
  const dup = at("dup.csv", "a,b,a,label\n0.1,0.2,0.3,1\n");
  writeFileSync(grove, source(`csv("dup.csv", label: "label")`));
  oneLine(
    await cpu("train", grove, "--max-steps", "1"),
    `grove train: ${dup}:1: the header names \`a\` twice (columns 1 and 3); rename one`,
  );
});

it("grove predict takes a header by the trained names, in any order, and rows without one", async () => {
  const values = rows.slice(0, 5).map((r) => r.slice(0, 2));
  const plain = await predict(at("plain.csv", values.map((v) => v.join(",")).join("\n")));
  expect(plain.err).toBe("");
  expect(plain.code).toBe(0);
  const lines = plain.out.trimEnd().split("\n");
  expect(lines[0]).toBe("logits_0,logits_1,argmax");
  expect(lines).toHaveLength(6);
  // The same examples under a header that names b before a, with a label and an extra column.
  const named = at(
    "named.csv",
    ["label,b,note,a", ...values.map(([a, b]) => `1,${b},"x, y",${a}`)].join("\r\n"),
  );
  const byName = await predict(named);
  expect(byName.err).toBe("");
  expect(byName.out).toBe(plain.out);
});

it("grove predict never drops a first row holding NaN or an empty cell as a header", async () => {
  const nan = at("nan.csv", "NaN,0.5\n0.1,0.2\n0.3,0.4\n");
  oneLine(
    await predict(nan),
    `grove predict: ${nan}:1: column 1 holds \`NaN\`; data must be finite numbers`,
  );
  const empty = at("empty.csv", "0.5,\n0.1,0.2\n0.3,0.4\n");
  oneLine(await predict(empty), `grove predict: ${empty}:1: column 2 is empty`);
  const wrong = at("wrong.csv", "x,y\n0.1,0.2\n");
  oneLine(
    await predict(wrong),
    `grove predict: ${wrong}:1: column 1 holds \`x\`, not a number (line 1 is not a header: it does not name \`a\`, \`b\`, the columns the model was trained on)`,
  );
  const short = at("short.csv", "a,b\n0.1,0.2\n0.3\n");
  oneLine(await predict(short), `grove predict: ${short}:3: 1 values, but the header has 2`);
  const semi = at("semi.csv", "0.1;0.2\n");
  oneLine(
    await predict(semi),
    `grove predict: ${semi}:1: column 1 holds \`0.1;0.2\`, not a number (line 1 has no comma but \`;\`: Grove reads comma-separated files; convert the file to commas)`,
  );
});
