/**
 * The formatter's rules on small programs (src/fmt): spacing, indentation, comments in place,
 * blank-line groups, `=` columns in train sections, pipelines broken by width, refusal of syntax
 * errors, and the plugin used through Prettier's own API.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import * as prettier from "prettier";
import { describe, expect, test } from "vitest";
import { formatGrove } from "../../src/fmt/format.js";
import plugin from "../../src/fmt/plugin.js";
import { astOf } from "./oracle.js";

const root = resolve(import.meta.dirname, "../..");
const file = resolve(root, "tests/fmt/sample.grove"); // not read: names the text's settings

async function fmt(text: string, printWidth = 100): Promise<string> {
  const r = await formatGrove(text, file, { printWidth });
  if (!r.ok) throw new Error(r.errors);
  return r.text;
}

describe("layout", () => {
  test("spaces: one around binary operators, none inside brackets, signs and powers tight", async () => {
    const text = "fn  f(x,y)=x*2+-1 @y\nfn g( x ) = mean(-(1-x)^2,-1,keepdims:true)\n";
    expect(await fmt(text)).toBe(
      "fn f(x, y) = x * 2 + -1 @ y\nfn g(x) = mean(-(1 - x)^2, -1, keepdims: true)\n",
    );
  });

  test("indentation follows braces and brackets; continuation lines get one more level", async () => {
    const text = [
      "block B(a) {",
      "param w:[a]~zeros",
      "      forward(x:[...,a])->[...,a] {",
      "y = x +",
      "w",
      "mean(",
      "y)",
      "}",
      "}",
    ].join("\n");
    expect(await fmt(text)).toBe(
      [
        "block B(a) {",
        "  param w: [a] ~ zeros",
        "  forward(x: [..., a]) -> [..., a] {",
        "    y = x +",
        "      w",
        "    mean(",
        "      y)",
        "  }",
        "}",
        "",
      ].join("\n"),
    );
  });

  test("comments stay where they were; blank lines shrink to one", async () => {
    const text =
      "// head\n\n\n\nfn f(x) = x   // after f\n/* between */\nfn g(x) = /* in */ x\n\n\n// tail\n";
    expect(await fmt(text)).toBe(
      "// head\n\nfn f(x) = x // after f\n/* between */\nfn g(x) = /* in */ x\n\n// tail\n",
    );
  });

  test("a line break is kept where it ends a binding (the newline rule), so the AST is the same", async () => {
    const text = "block B {\n  forward(x: [N, 2]) -> [N, 2] {\n    y = x\n    -y\n  }\n}\n";
    const out = await fmt(text);
    expect(out).toBe(text);
    expect(astOf(out, file)).toEqual(astOf(text, file));
  });
});

describe("train sections", () => {
  test("README's example is already formatted (settings aligned, a long name not)", async () => {
    const readme = readFileSync(resolve(root, "README.md"), "utf8");
    const example = /```grove\n([\s\S]*?)```/.exec(readme)![1]!;
    expect(example).toContain("clip_grad_norm = 1.0");
    expect(await fmt(example)).toBe(example);
  });

  test("each run of adjacent settings gets its own `=` column", async () => {
    const text =
      "train M {\n  data = xor()\n  optimizer=sgd(lr: 0.1)\n\n  seed = 1\n  epochs = 2\n}\n";
    expect(await fmt(text)).toBe(
      "train M {\n  data      = xor()\n  optimizer = sgd(lr: 0.1)\n\n  seed   = 1\n  epochs = 2\n}\n",
    );
  });
});

describe("pipelines", () => {
  const long = "model M {\n  output o = x |> first_layer |> second_layer |> third_layer\n}\n";

  test("a pipeline too long for the width breaks before every `|>`", async () => {
    expect(await fmt(long, 40)).toBe(
      "model M {\n  output o = x\n    |> first_layer\n    |> second_layer\n    |> third_layer\n}\n",
    );
  });

  test("a broken pipeline that fits joins again, and formatting twice changes nothing", async () => {
    const broken = await fmt(long, 40);
    expect(await fmt(broken, 100)).toBe(long);
    expect(await fmt(broken, 40)).toBe(broken);
  });
});

describe("refusal", () => {
  test("a file with syntax errors is refused with its diagnostics", async () => {
    const r = await formatGrove("fn f(x) = (x\n", file);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors).toMatch(/^error\[G0110\]/);
      expect(r.errors).toContain("sample.grove:1:13");
    }
  });
});

describe("the Prettier plugin", () => {
  test("prettier.format with the plugin formats .grove files and refuses broken ones", async () => {
    const out = await prettier.format("fn f(x)=x\n", {
      filepath: "a.grove",
      plugins: [plugin],
    });
    expect(out).toBe("fn f(x) = x\n");
    await expect(
      prettier.format("fn f(x) = \n", { filepath: "a.grove", plugins: [plugin] }),
    ).rejects.toThrow(/error\[G01\d\d\]/);
    // A `loc` makes Prettier's CLI report a syntax error (no stack trace) at the first error.
    await expect(
      prettier.format("fn f(x)=\n", { filepath: "a.grove", plugins: [plugin] }),
    ).rejects.toMatchObject({ loc: { start: { line: 1, column: 9 } } });
  });
});
