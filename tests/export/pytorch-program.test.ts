/**
 * What `grove export --target pytorch` writes, without running Python: classes named after their
 * Grove blocks (a block whose forward only calls its members, FeedForward, too), a tied weight
 * written as the one parameter it is, the README's source path as a Markdown code span whatever
 * the path holds (`markdownCode`), and a located refusal shown as a G0805 diagnostic.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { visibleText } from "../../src/diag/escape.js";
import { markdownCode } from "../../src/export/program/text.js";
import { runGrove, xorSource } from "../cli/run.js";

const exportTo = async (file: string, out: string) => {
  const r = await runGrove(["export", file, "--target", "pytorch", "-o", out, "--no-data"]);
  expect(r.err).toBe("");
  expect(r.code).toBe(0);
  return (name: string) => readFileSync(join(out, name), "utf8");
};

/** The content of a CommonMark code span: strip the fences, then one space from each side if both. */
function codeSpanContent(span: string): string {
  const fence = /^`+/.exec(span)![0];
  expect(span.endsWith(fence)).toBe(true);
  const inner = span.slice(fence.length, -fence.length);
  expect(inner).not.toContain(fence);
  return /^ .* $/.test(inner) && inner.trim() !== "" ? inner.slice(1, -1) : inner;
}

describe("model.py", () => {
  it("names classes after their blocks and writes a tied weight as the embedding's parameter", async () => {
    const dir = mkdtempSync(join(tmpdir(), "grove-pytorch-names-"));
    const read = await exportTo("examples/char-gpt-tied.grove", join(dir, "gpt"));
    const model = read("model.py");
    expect(model).toContain('class FeedForward(nn.Module):\n    """Grove block `FeedForward`');
    expect(model).not.toMatch(/class Ffn/);
    // the output projection reads the embedding's table itself: one parameter, two uses
    expect(model).toMatch(/logits = h\d+ @ self\.embed\.table\.permute\(1, 0\)/);
    expect(model.match(/nn\.Parameter\(/g)).toHaveLength(
      // one declaration per distinct module class's parameter: Embedding, LayerNorm (2), Dense
      // (2), Dense2 (2), the model's pos: no class declares a projection of its own
      8,
    );
  });
});

describe("the exported README", () => {
  it("writes any text as one code span", () => {
    for (const text of [
      "plain.grove",
      "a`b",
      "``x``",
      "`",
      "` lead",
      "trail `",
      " spaced ",
      "x\ny\u202e",
    ]) {
      const span = markdownCode(text);
      expect(span).not.toMatch(/[\n\r\u202e]/);
      expect(codeSpanContent(span), JSON.stringify(text)).toBe(visibleText(text));
    }
  });

  it("shows a hostile source path as a code span of its visible text", async () => {
    const dir = mkdtempSync(join(tmpdir(), "grove-pytorch-readme-"));
    const name = "a`b``c *x* [y](z) <b> \\ \u202e.grove";
    const file = join(dir, name);
    writeFileSync(file, xorSource());
    const readme = (await exportTo(file, join(dir, "out")))("README.md");
    const line = /^Written by `grove export --target pytorch` from (.*)\. Needs/m.exec(readme)!;
    expect(codeSpanContent(line[1]!)).toBe(visibleText(file));
    expect(readme).not.toContain("\u202e");
  });
});

describe("refusals", () => {
  it("shows an instance called two different ways as G0805 at its binding", async () => {
    const dir = mkdtempSync(join(tmpdir(), "grove-pytorch-refusal-"));
    const file = join(dir, "twice.grove");
    writeFileSync(
      file,
      `model Twice {
  input features: [N, 2]
  ln = LayerNorm(2)
  output y = ln(features)
  output z = ln(reshape(features, [N, 1, 2]))
}

train Twice {
  data = xor()
  loss = mean(y) + mean(z)
  optimizer = sgd(lr: 0.1)
}
`,
    );
    const r = await runGrove(["export", file, "--target", "pytorch", "-o", join(dir, "out")]);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toBe(
      [
        "error[G0805]: `ln` is called in ways that give different code (the PyTorch export writes one forward per instance)",
        ` --> ${file}:3:3`,
        "  |",
        "3 |   ln = LayerNorm(2)",
        "  |   ^^^^^^^^^^^^^^^^^",
        "  = help: bind one instance for each kind of call (each with its own parameters), or call it alike",
        "",
      ].join("\n"),
    );
  });
});
