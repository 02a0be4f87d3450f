/**
 * The playground's analysis in Node (src/playground/analyse.ts, highlight.ts): the in-memory
 * workspace reports exactly what `checkFile` (the Node front end, reading the disk) reports, on
 * every example as it is and broken three ways; the kernels view lists the Plan's kernels with the
 * `.grove` lines of their IR nodes; the shapes view gives each model binding's type; and the
 * highlighting classes come from the lexer's tokens.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compilePlan } from "../../src/codegen/compile.js";
import { renderShort } from "../../src/diag/render.js";
import { checkFile, stdDir, type Host } from "../../src/parser/program.js";
import {
  compileView,
  shapesOf,
  viewDiagnostics,
  Workspace,
  type PlaygroundFiles,
} from "../../src/playground/analyse.js";
import { tokenClasses } from "../../src/playground/highlight.js";

const groveFiles = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith(".grove"))
    .sort()
    .map((f) => [f, readFileSync(join(dir, f), "utf8")] as const);

const files: PlaygroundFiles = { std: groveFiles(stdDir), examples: groveFiles("examples") };
const workspace = new Workspace(files);

/** `checkFile`'s short diagnostics for `text` as the example `name` (other files from disk). */
function nodeCheck(name: string, text: string): string[] {
  const path = `examples/${name}`;
  const host: Host = {
    readFile: (p) => (p === path ? text : existsSync(p) ? readFileSync(p, "utf8") : undefined),
  };
  const r = checkFile(path, host);
  return r.diagnostics.map((d) => renderShort(d, r.sources));
}

/** Puts `line` first in the file's first model. */
const inModel = (line: string) => (t: string) =>
  t.replace(/^model \w+ \{\n/m, (head) => `${head}  ${line}\n`);

const breakings: readonly [string, (text: string) => string][] = [
  ["as written", (t) => t],
  ["with a syntax error", (t) => `${t}\nmodel Broken {\n`],
  ["with an unknown name", inModel("oops = no_such_name")],
  ["with a call missing an argument", inModel("extra = Dense(3)")],
  ["with a shape mismatch", inModel("output bad = one_hot(0, 3) @ one_hot(0, 4)")],
];

describe("the workspace checks like the Node front end", () => {
  for (const [name, text] of files.examples)
    for (const [how, change] of breakings)
      it(`${name}, ${how}`, () => {
        const changed = change(text);
        const r = workspace.check(name, changed);
        const shown = viewDiagnostics(r.diagnostics, r.sources);
        expect(shown.map((d) => d.short)).toEqual(nodeCheck(name, changed));
        if (how === "as written") expect(shown).toEqual([]);
        else expect(shown.length).toBeGreaterThan(0);
        for (const d of shown.filter((x) => x.at))
          expect(d.short.startsWith(`${d.at!.file}:${d.at!.line}:${d.at!.column}: `)).toBe(true);
      });
});

describe("imports in the page", () => {
  it("reach the other bundled examples, and a missing one is reported as in Node", () => {
    const text =
      'import "mnist-mlp.grove"\n\nmodel Small {\n  input x: [N, 784]\n' +
      "  l = Dense(784, 3)\n  output y = x |> l\n}\n";
    const r = workspace.check("new.grove", text);
    expect(r.diagnostics).toEqual([]);
    expect(r.program.models.map((m) => m.name).sort()).toEqual(["Mlp", "Small"]);
    const missing = text.replace("mnist-mlp", "no-such-example");
    const broken = workspace.check("new.grove", missing);
    const shown = viewDiagnostics(broken.diagnostics, broken.sources);
    expect(shown.map((d) => d.short)).toEqual(nodeCheck("new.grove", missing));
    expect(shown.map((d) => d.code)).toEqual(["G0501"]);
  });
});

describe("compiled views", () => {
  const text = files.examples.find(([n]) => n === "mnist-mlp.grove")![1];
  const checked = workspace.check("mnist-mlp.grove", text);

  it("lists the Plan's kernels with their .grove lines", () => {
    const view = compileView(checked)!;
    const plan = compilePlan(checked.program.trains[0]!, { sources: checked.sources.texts() });
    expect(view.kernels.map((k) => k.name)).toEqual(plan.value!.plan.kernels.map((k) => k.name));
    expect(view.kernels.map((k) => k.wgsl)).toEqual(plan.value!.plan.kernels.map((k) => k.wgsl));
    // k0 is the first layer's matmul: Dense's forward, line 15 of the file.
    expect(view.kernels[0]!.lines[0]).toEqual({ file: "examples/mnist-mlp.grove", lines: [15] });
    for (const k of view.kernels.filter((k) => k.ops.length > 0))
      for (const f of k.lines) {
        const lines = checked.sources.get(f.file)!.text.split("\n").length;
        expect(f.lines.every((l) => l >= 1 && l <= lines)).toBe(true);
      }
    expect(view.ir).toContain("# forward + backward");
    expect(view.ir).toContain("matmul");
  });

  it("gives each model binding's type", () => {
    const [model] = shapesOf(checked, "examples/mnist-mlp.grove");
    expect(model!.model).toBe("Mlp");
    expect(model!.bindings.map((b) => [b.name, b.kind, b.type, b.line])).toEqual([
      ["image", "input", "f32[N, 784]", 19],
      ["l1", "bind", "2 parameters (200,960 numbers): l1.w: [784, 256], l1.b: [256]", 20],
      ["l2", "bind", "2 parameters (2,570 numbers): l2.w: [256, 10], l2.b: [10]", 21],
      ["logits", "output", "f32[N, 10]", 22],
    ]);
  });

  it("shows a model's forward IR when there is no train section", () => {
    const model = text.slice(0, text.indexOf("train Mlp"));
    const view = compileView(workspace.check("mnist-mlp.grove", model))!;
    expect(view.kernels).toEqual([]);
    expect(view.problem).toContain("has none");
    expect(view.title).toBe("model Mlp: forward (batch 1)");
    expect(view.ir).toContain("return logits=");
  });
});

describe("highlighting", () => {
  const text = 'fn f(x) = tanh(x) |> Dense(2, 0.5) // note\n/* a\nb */ train M { data = "d" }';
  const at = (word: string, nth = 0) => {
    let i = -1;
    for (let k = 0; k <= nth; k++) i = text.indexOf(word, i + 1);
    return tokenClasses(text).find((t) => t.from === i && t.to === i + word.length)?.cls;
  };

  it("classes keywords, numbers, strings, comments, builtins, names and operators", () => {
    expect(at("fn")).toBe("keyword");
    expect(at("train")).toBe("keyword");
    expect(at("tanh")).toBe("builtin");
    expect(at("Dense")).toBe("type");
    expect(at("2")).toBe("number");
    expect(at("0.5")).toBe("number");
    expect(at('"d"')).toBe("string");
    expect(at("// note")).toBe("comment");
    expect(at("/* a\nb */")).toBe("comment");
    expect(at("|>")).toBe("operator");
    expect(at("x")).toBeUndefined();
  });

  it("ranges are in order and never overlap", () => {
    for (const [, t] of files.examples) {
      const ranges = tokenClasses(t);
      ranges.forEach((r, i) => {
        expect(r.to).toBeGreaterThan(r.from);
        if (i > 0) expect(r.from).toBeGreaterThanOrEqual(ranges[i - 1]!.to);
      });
    }
  });
});
