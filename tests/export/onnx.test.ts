/**
 * `grove export --target onnx` beyond the examples: batch-dependent shapes, counts and constants
 * stay symbolic (checked against the reference interpreter at two batch sizes), the file's
 * contents (opset, names, weights, escaped doc strings), the lowering table, and every refusal
 * as one line.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { inferenceGraph, isModelOutput } from "../../src/export/onnx.js";
import { onnxRules } from "../../src/export/onnx-rules.js";
import { decodeModel } from "../../src/export/onnx-proto.js";
import { interpretOutputs } from "../../src/ir/interpret.js";
import { lowerTrace } from "../../src/ir/lower.js";
import { allOps } from "../../src/ops/ops.js";
import { simplify } from "../../src/ir/simplify.js";
import { checkFile, nodeHost } from "../../src/parser/program.js";
import { readCheckpoint, writeCheckpoint } from "../../src/runtime/checkpoint.js";
import { runGrove } from "../cli/run.js";
import { randomCheckpoint, randomInputs, relativeError, runOnnx } from "./helpers.js";

/** A train section on the synthetic `xor` set (features [N, 2], label) around `model`. */
function project(model: string, outputs = "logits") {
  const source = `${model}

train M {
  data      = xor(n: 64)
  loss      = cross_entropy(${outputs}, label)
  optimizer = sgd(lr: 0.1)
  batch     = 8
  epochs    = 1
}
`;
  const dir = mkdtempSync(join(tmpdir(), "grove-onnx-"));
  const file = join(dir, "m.grove");
  writeFileSync(file, source);
  return { dir, file };
}

/** Checks `file`, writes a random checkpoint and exports; the run and the paths. */
async function exported(file: string, dir: string) {
  const { program } = checkFile(file, nodeHost);
  const section = program.trains[0]!;
  const checkpoint = randomCheckpoint(section, dir);
  const out = join(dir, "m.onnx");
  const run = await runGrove([
    "export",
    file,
    "--target",
    "onnx",
    "--checkpoint",
    checkpoint,
    "-o",
    out,
  ]);
  return { run, out, checkpoint, section };
}

/** Every primitive that has an ONNX lowering, and shapes, counts and numbers from the batch. */
const everyOp = project(`
model M {
  input features: [N, 2]
  h = Dense(2, 4, tanh)
  param table: [10, 3] ~ normal
  param w: [3, 1, 3, 3] ~ normal
  // evaluation reads a state's value from the checkpoint, as an initializer
  state s: [4] ~ normal
  b = size(features, 0)
  x = h(features)
  output logits = x
  // i32 ids 0..3 from the features in [0, 1)
  output picked = gather(table, cast(abs(features) * 4, i32))
  output cls = argmax(x)
  output hot = one_hot(cls, 4)
  output sel = where(x > 0.1, x, -x)
  output compared = cast(x != x * 2, f32) + (x <= 0.2) + (x < 0) + (x >= 0.3) + (x == x)
  output math = sqrt(abs(x) + 1) + rsqrt(abs(x) + 1) + log(abs(x) + 1) + exp(x) + sin(x) + cos(x) + erf(x) + sign(x) + sigmoid(x) + relu(x) - x / 3 + maximum(x, 0.2) + minimum(x, 0.1) + (abs(x) + 1) ^ 1.5
  output reduced = sum(x, axis: 1) + max(x, axis: 1) + mean(x, axis: -1)
  image = reshape(x, [b, 1, 2, 2])
  output pooled = concat([flatten(avg_pool2d(image, 2)), flatten(max_pool2d(image, 2))], axis: 1)
  output conv = conv2d(image, w, stride: 2, padding: 1)
  output swapped = transpose(reshape(x, [b, 2, 2]), [0, 2, 1])
  output cut = slice(x, 1, 1, 3)
  output stopped = stop_gradient(x) * 2
  output shifted = x + s
  // batch-dependent shapes: [N, 4] -> [2N, 2] -> [N, 4], the batch mean, 0 .. N-1, N itself
  z = reshape(reshape(x, [b * 2, 2]) * 2, [b, 4])
  centred = z - mean(z, axis: 0, keepdims: true)
  pos = cast(iota(b), f32)
  output spread = centred + broadcast(reshape(pos, [b, 1]), [b, 4]) / b
  output pairs = broadcast(reshape(pos, [b, 1]), [b, b])
  output flat = reshape(centred, [b * 4])
  output cube = reshape(pairs, [b, b, 1])
}`);

describe("every lowered primitive", () => {
  test("agrees with the interpreter at batches 3 and 5, batch-dependent shapes included", async () => {
    const { run, out, checkpoint, section } = await exported(everyOp.file, everyOp.dir);
    expect(run.err).toBe("");
    expect(run.out).toContain("picked: f32[N, 2, 3], cls: i32[N], hot: f32[N, 4], ");
    expect(run.out).toContain(
      "spread: f32[N, 4], pairs: f32[N, N], flat: f32[4*N], cube: f32[N, N, 1]; 5 initializers",
    );
    // The test model uses every op of the table that has a rule.
    const used = new Set(inferenceGraph(section).value!.graph.nodes.map((n) => n.op));
    expect(allOps.filter((op) => onnxRules[op] && !used.has(op))).toEqual([]);
    const params = Object.fromEntries(
      [...readCheckpoint(checkpoint).tensors].map(([name, t]) => [name, t.data]),
    );
    for (const batch of [3, 5]) {
      const inputs = randomInputs(section.graph.inputs.slice(0, 1), batch, batch);
      const graph = simplify(lowerTrace(section.graph, { batch, training: false, seed: 0 }).value!);
      const outputs = new Map([...graph.outputs].filter(([name]) => isModelOutput(name)));
      const bindings = { ...params, features: inputs.get("features")!.data };
      const want = interpretOutputs({ ...graph, outputs }, bindings);
      const got = await runOnnx(out, inputs);
      expect([...got.keys()]).toEqual([...outputs.keys()]);
      for (const name of outputs.keys()) {
        expect(got.get(name)!.dims, name).toEqual(want.get(name)!.shape);
        expect(relativeError(got.get(name)!.data, want.get(name)!.data), name).toBeLessThan(1e-6);
      }
    }
  });

  test("one batch dimension in a reshape target is -1; two are computed from the batch", () => {
    type OnnxNode = {
      opType: string;
      input: string[];
      output: string[];
      attribute?: { t?: { int64Data?: number[] } }[];
    };
    const model = decodeModel(readFileSync(join(everyOp.dir, "m.onnx"))) as {
      graph: { node: OnnxNode[] };
    };
    const nodes = model.graph.node;
    const maker = (value: string) => nodes.find((n) => n.output[0] === value)!;
    /** A Reshape's target: the constant's numbers, or the op that computes it. */
    const target = (n: OnnxNode) => {
      const made = maker(n.input[1]!);
      return made.opType === "Constant" ? made.attribute![0]!.t!.int64Data : made.opType;
    };
    const targets = nodes.filter((n) => n.opType === "Reshape").map(target);
    expect(targets).toEqual(expect.arrayContaining([[-1, 2], [-1, 4], [-1, 1], [-1], "Concat"]));
    // [N, N, 1]: Concat(%batch, %batch, [1]), the batch read once from the input by Shape
    const concat = maker(
      nodes.find((n) => n.opType === "Reshape" && target(n) === "Concat")!.input[1]!,
    );
    expect(concat.input.map((v) => maker(v).opType)).toEqual(["Shape", "Shape", "Constant"]);
    expect(nodes.filter((n) => n.opType === "Shape")).toEqual([
      expect.objectContaining({ input: ["features"], output: ["%batch"] }),
    ]);
  });
});

describe("the file", () => {
  test("opset 17, the .grove names, the checkpoint's values as initializers, escaped doc strings", async () => {
    // A folder whose name would end a line, or reorder the text, if it were pasted in as it is.
    const dir = mkdtempSync(join(tmpdir(), "grove-onnx-"));
    const evil = join(dir, "a\nb\u202e");
    mkdirSync(evil);
    const file = join(evil, "mlp.grove");
    writeFileSync(file, readFileSync("examples/mnist-mlp.grove"));
    const { run, out, checkpoint } = await exported(file, dir);
    expect(run.code).toBe(0);
    const model = decodeModel(readFileSync(out)) as {
      irVersion: number;
      opsetImport: { version: number }[];
      docString: string;
      graph: {
        name: string;
        input: { name: string }[];
        output: { name: string }[];
        initializer: { name: string; dims: number[]; rawData: number[] }[];
        node: { docString?: string }[];
      };
    };
    expect(model.irVersion).toBe(8);
    expect(model.opsetImport.map((o) => o.version)).toEqual([17]);
    expect(model.graph.name).toBe("Mlp");
    expect(model.graph.input.map((v) => v.name)).toEqual(["image"]);
    expect(model.graph.output.map((v) => v.name)).toEqual(["logits"]);
    const saved = readCheckpoint(checkpoint).tensors;
    expect(model.graph.initializer.map((t) => t.name)).toEqual(["l1.w", "l1.b", "l2.w", "l2.b"]);
    for (const t of model.graph.initializer) {
      const values = new Float32Array(Uint8Array.from(t.rawData).buffer);
      expect(t.dims).toEqual(saved.get(t.name)!.shape);
      expect(values).toEqual(saved.get(t.name)!.data);
    }
    const docs = [model.docString, ...model.graph.node.map((n) => n.docString ?? "")];
    expect(docs.join("")).not.toMatch(/[\n\u202e]/);
    expect(model.docString).toContain("a\\nb\\u202e");
    expect(docs.some((d) => d.includes("mlp.grove:15:41"))).toBe(true);
  });
});

describe("lowering table", () => {
  test("exactly the random and gradient-only primitives have no ONNX lowering", () => {
    const unlowered = allOps.filter((op) => onnxRules[op] === undefined);
    expect(unlowered.sort()).toEqual(
      [
        "avg_pool2d_grad",
        "conv2d_filter_grad",
        "conv2d_input_grad",
        "max_pool2d_grad",
        "random_normal",
        "random_uniform",
        "scatter_add",
      ].sort(),
    );
  });

  test("a primitive without a lowering is one line naming it and its .grove location", async () => {
    const { file, dir } = project(`
model M {
  input features: [N, 2]
  out = Dense(2, 2)
  output logits = out(features) + random_normal(features)
}`);
    const { run } = await exported(file, dir);
    expect(run.code).toBe(1);
    expect(run.err).toBe(
      `grove export: ${file}:5:35: the primitive \`random_normal\` has no ONNX lowering, so this model cannot be exported to ONNX\n`,
    );
  });
});

describe("checkpoints of grove train", () => {
  test("parameters become initializers, optimizer moments are left out", async () => {
    const dir = mkdtempSync(join(tmpdir(), "grove-onnx-"));
    const file = "examples/regression.grove";
    const checkpoint = join(dir, "r.safetensors");
    const trained = await runGrove([
      ...["train", file, "--backend", "cpu", "--max-steps", "1", "--checkpoint", checkpoint],
    ]);
    expect(trained.code).toBe(0);
    const out = join(dir, "r.onnx");
    const r = await runGrove([
      "export",
      file,
      "--target",
      "onnx",
      "--checkpoint",
      checkpoint,
      "-o",
      out,
    ]);
    expect(r).toEqual({
      code: 0,
      out: `wrote ${out} (ONNX opset 17): features: f32[N, 6] -> price: f32[N, 1]; 6 initializers\n`,
      err: "",
    });
    const saved = readCheckpoint(checkpoint).tensors;
    expect([...saved.keys()].some((k) => k.startsWith("optimizer."))).toBe(true);
    const model = decodeModel(readFileSync(out)) as {
      graph: { initializer: { name: string; rawData: number[] }[] };
    };
    const params = [...saved.keys()].filter((k) => !k.startsWith("optimizer."));
    expect(model.graph.initializer.map((t) => t.name).sort()).toEqual(params.sort());
    for (const t of model.graph.initializer)
      expect(new Float32Array(Uint8Array.from(t.rawData).buffer)).toEqual(saved.get(t.name)!.data);
  });
});

describe("refusals", () => {
  const mlp = "examples/mnist-mlp.grove";

  test("an unknown target names the targets (usage error)", async () => {
    const r = await runGrove(["export", mlp, "--target", "tflite", "-o", "x.onnx"]);
    expect(r).toEqual({
      code: 2,
      out: "",
      err: "grove export: unknown target tflite (targets: onnx, node, browser, pytorch)\n",
    });
  });

  test("missing flags and bad output paths, before any work", async () => {
    const dir = mkdtempSync(join(tmpdir(), "grove-onnx-"));
    const cases: [string[], string][] = [
      [["-o", join(dir, "m.onnx")], "--target onnx needs --checkpoint PATH"],
      [["--checkpoint", "c.safetensors"], "--target onnx needs -o FILE.onnx"],
      [
        ["--checkpoint", "c.safetensors", "-o", join(dir, "m.pb")],
        `cannot write ${join(dir, "m.pb")}: an ONNX model is written as .onnx`,
      ],
      [
        ["--checkpoint", "c.safetensors", "-o", join(dir, "no", "m.onnx")],
        `cannot write ${join(dir, "no", "m.onnx")}: the folder ${join(dir, "no")} does not exist (create it first)`,
      ],
    ];
    for (const [flags, message] of cases) {
      const r = await runGrove(["export", mlp, "--target", "onnx", ...flags]);
      expect(r).toEqual({ code: 1, out: "", err: `grove export: ${message}\n` });
    }
  });

  test("a checkpoint that does not fit the model is one line naming the tensor", async () => {
    const dir = mkdtempSync(join(tmpdir(), "grove-onnx-"));
    const { program } = checkFile(mlp, nodeHost);
    const good = readCheckpoint(randomCheckpoint(program.trains[0]!, dir));
    const variants: [
      string,
      (t: Map<string, { dtype: "F32"; shape: readonly number[]; data: Float32Array }>) => void,
      RegExp,
    ][] = [
      [
        "missing",
        (t) => t.delete("l2.w"),
        /has no tensor `l2\.w`, the model's parameter \[256, 10\]/,
      ],
      [
        "shape",
        (t) => t.set("l2.b", { dtype: "F32", shape: [11], data: new Float32Array(11) }),
        /tensor `l2\.b` is F32\[11\], but the model's parameter is F32\[10\]/,
      ],
      ["nan", (t) => t.get("l1.b")!.data.fill(NaN, 0, 2), /tensor `l1\.b` holds 2 NaN values/],
      ["metadata", () => {}, /was not saved by grove train|format version/],
    ];
    for (const [name, change, message] of variants) {
      const tensors = new Map(
        [...good.tensors].map(([k, v]) => [
          k,
          { dtype: "F32" as const, shape: v.shape, data: Float32Array.from(v.data) },
        ]),
      );
      change(tensors);
      const path = join(dir, `${name}.safetensors`);
      // grove train's metadata is checked field by field when a file claims to be one of its own
      const metadata: Record<string, string> = name === "metadata" ? { format: "grove" } : {};
      writeCheckpoint(path, { tensors, metadata });
      const r = await runGrove([
        "export",
        mlp,
        "--target",
        "onnx",
        "--checkpoint",
        path,
        "-o",
        join(dir, "m.onnx"),
      ]);
      expect(r.code, name).toBe(1);
      expect(r.err.split("\n")).toHaveLength(2);
      expect(r.err, name).toMatch(message);
      expect(r.err.startsWith(`grove export: ${path}: `), name).toBe(true);
    }
  });

  test("a tensor too large at the batch sizes the export lowers at: G0412, and why", async () => {
    const { file, dir } = project(`
model M {
  input features: [N, 2]
  out = Dense(2, 2)
  output logits = out(features)
  output big = broadcast(reshape(features, [size(features, 0), 2, 1]), [size(features, 0), 2, 12000000])
}`);
    const { run } = await exported(file, dir);
    expect(run.code).toBe(1);
    expect(run.err).toContain("error[G0412]: a tensor of 2328000000 elements");
    expect(run.err).toMatch(
      /\ngrove export: the export lowers the model at batch sizes 97, 101, 103 to find its batch dimension\n$/,
    );
  });

  test("a file without a train section", async () => {
    const { file, dir } = project("");
    writeFileSync(file, "model M {\n  input x: [N, 2]\n  output y = x\n}\n");
    const r = await runGrove([
      "export",
      file,
      "--target",
      "onnx",
      "--checkpoint",
      "c",
      "-o",
      join(dir, "m.onnx"),
    ]);
    expect(r).toEqual({ code: 1, out: "", err: `grove export: ${file} has no train section\n` });
  });
});
