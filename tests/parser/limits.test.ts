/**
 * @file The front end's limits (src/parser/limits.ts, docs/language.md "Limits"): nesting is
 * refused before Chevrotain recurses (G0111), long files likewise, inlined calls and nesting
 * have a depth (G0706), a file reports at most 100 errors (G0113), and user-sized chains (a
 * thousand-operator sum, a long pipeline, a thousand-line body) check fine at any length because
 * the passes over them are iterative.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { limits } from "../../src/parser/limits.js";
import { parse, parseSetting } from "../../src/parser/parse.js";
import { cpuTimed } from "../cpu-time.js";
import { check, codes, rich, spanText } from "./helpers.js";

/** A model whose output `y` is `out`, over `x: [N, 8]`. */
const model = (out: string, members = "") =>
  `model M {\n  input x: [N, 8]\n${members}\n  output y = ${out}\n}\n`;

const nested = (open: string, close: string, n: number, inner = "x") =>
  open.repeat(n) + inner + close.repeat(n);

/** Each form adds one level per repetition. */
const forms: [string, (n: number) => string][] = [
  ["parentheses", (n) => nested("(", ")", n)],
  ["calls", (n) => nested("relu(", ")", n)],
  ["named arguments", (n) => nested("relu(x: ", ")", n)],
  ["lists", (n) => `sum(concat(${nested("[", "]", n - 2)}, 0))`],
  ["unary minus", (n) => "-".repeat(n) + "x"],
  ["powers", (n) => "x" + "^x".repeat(n)],
];

function only(r: { diagnostics: readonly { code: string }[] }, code: string) {
  expect(r.diagnostics.map((d) => d.code)).toEqual([code]);
}

describe("nesting", () => {
  it.each(forms)("%s: the limit parses, one more is G0111 at the first token too deep", (_, f) => {
    const deep = `fn g(x) = ${f(limits.nesting)}`;
    expect(parse(deep, "t.grove").diagnostics).toEqual([]);
    const over = `fn g(x) = ${f(limits.nesting + 1)}`;
    const r = parse(over, "t.grove");
    only(r, "G0111");
    expect(r.diagnostics[0]!.message).toBe(`nesting too deep: more than ${limits.nesting} levels`);
    expect(r.value.decls).toEqual([]);
  });

  it("reports 10,000 nested parentheses without overflowing the stack", () => {
    const src = model(nested("(", ")", 10_000));
    const r = check(src);
    only(r, "G0111");
    const d = r.diagnostics[0]!;
    // the first parenthesis past the limit
    expect(d.labels[0]!.span.start).toBe(src.indexOf("(") + limits.nesting);
    expect(spanText(r, d.labels[0]!.span)).toBe("(");
    expect(rich(r)).toContain(`level ${limits.nesting + 1} starts here`);
  });

  it("checks code nested just under the limit, shapes included", () => {
    const calls = nested("relu(", ")", limits.nesting - 1);
    const dims = nested("(", ")", limits.nesting - 2, "8");
    expect(codes(check(model(calls)))).toEqual([]);
    expect(codes(check(`model M {\n  input x: [N, ${dims}]\n  output y = x\n}\n`))).toEqual([]);
  });

  it("reports the first syntax error of a file too deep to recover in", () => {
    // deeper than limits.recoveringNesting: parsed without recovery, one error
    const r = parse(`fn g(x) = ${"relu(".repeat(limits.nesting)}x`, "t.grove");
    only(r, "G0110");
    expect(r.diagnostics[0]!.message).toContain("end of the file");
    // shallow files still recover and report every error
    expect(codes(parse("fn f(x) = (x\nfn g(x) = [x", "t.grove"))).toEqual(["G0110", "G0110"]);
  });

  it("applies to command-line settings too", () => {
    const r = parseSetting(`seed = ${nested("(", ")", limits.nesting + 1, "1")}`, "--set 1");
    only(r, "G0111");
  });

  it("refuses a file of more than limits.tokens tokens before parsing it", () => {
    const r = parse("x ".repeat(limits.tokens + 1), "t.grove");
    only(r, "G0111");
    expect(r.diagnostics[0]!.message).toBe(`file too long: more than ${limits.tokens} tokens`);
    expect(r.diagnostics[0]!.labels[0]!.span.start).toBe(2 * limits.tokens);
  });
});

describe("user-sized chains are iterative", () => {
  const n = 1000;

  it.each([
    ["a 1,000-operator sum", model("x" + " + x".repeat(n))],
    ["a 1,000-stage pipeline", model("x" + " |> relu".repeat(n))],
    ["1,000 calls of calls", model("relu(x)" + " * relu(x)".repeat(n))],
  ])("%s checks clean", (_, src) => {
    const r = check(src);
    expect(codes(r)).toEqual([]);
    expect(r.program.models[0]!.graph.nodes.length).toBeGreaterThan(n);
  });

  it("checks a 1,000-line fn body and a 1,000-layer model", () => {
    let body = "fn g(y0) {\n";
    for (let i = 1; i <= n; i++) body += `  y${i} = relu(y${i - 1})\n`;
    body += `  y${n}\n}\n`;
    expect(codes(check(body + model("g(x)")))).toEqual([]);
    let layers = "";
    for (let i = 1; i <= n; i++) layers += `  h${i} = relu(h${i - 1})\n`;
    const r = check(model(`h${n}`, "  h0 = x\n" + layers));
    expect(codes(r)).toEqual([]);
  });

  it("checks 20,000-operator chains and sums of dimensions without deep recursion", () => {
    expect(codes(check(model("x" + " + x".repeat(20_000))))).toEqual([]);
    expect(codes(check(model("x" + " |> relu".repeat(20_000))))).toEqual([]);
    const dim = "1" + " + 1".repeat(20_000);
    const r = check(`model M {\n  input x: [N, ${dim}]\n  output y = x\n}\n`);
    expect(codes(r)).toEqual([]);
    expect(r.program.models[0]!.graph.inputs[0]!.shape[1]).toEqual({
      terms: [{ symbols: [], coeff: 20_001 }],
    });
    // unknown names deep in a long chain are still found, in order
    const bad = check(model("x" + " + x".repeat(5000) + " + q1" + " + x".repeat(5000) + " + q2"));
    expect(bad.diagnostics.map((d) => d.message)).toEqual([
      "unknown name `q1`",
      "unknown name `q2`",
    ]);
  });
});

describe("inlining depth", () => {
  /** `f0` is `x`; each `fK` calls `fK-1`. */
  function chain(n: number, wrap = (inner: string) => inner): string {
    let s = "fn f0(x) = x\n";
    for (let i = 1; i < n; i++) s += `fn f${i}(x) = ${wrap(`f${i - 1}(x)`)}\n`;
    return s;
  }

  it("inlines a chain of functions up to the call depth", () => {
    const n = limits.callDepth;
    expect(codes(check(chain(n) + model(`f${n - 1}(x)`)))).toEqual([]);
  });

  it("reports a longer chain (3,000 functions) as G0706 at the call that goes too deep", () => {
    const src = chain(3000) + model("f2999(x)");
    const r = check(src);
    only(r, "G0706");
    const d = r.diagnostics[0]!;
    expect(d.message).toBe(
      `calls nested too deeply: more than ${limits.callDepth} calls inside one another`,
    );
    // call k (the model's is the first) calls f(3000 - k): the first one too deep is k = depth + 1
    expect(spanText(r, d.labels[0]!.span)).toBe(`f${3000 - (limits.callDepth + 1)}(x)`);
  });

  it("reports a chain of layers passed into each other", () => {
    let members = "  w0 = Dense(8, 8)\n";
    for (let i = 1; i <= 300; i++) members += `  w${i} = Wrap(w${i - 1})\n`;
    const src =
      `block Wrap(inner) {\n  forward(x: [N, 8]) = inner(x)\n}\n` + model("w300(x)", members);
    only(check(src), "G0706");
  });

  it("counts nesting across inlined calls: deep bodies in a chain are G0706, not a crash", () => {
    const src = chain(60, (inner) => nested("relu(", ")", 60, inner)) + model("f59(x)");
    const r = check(src);
    only(r, "G0706");
    expect(r.diagnostics[0]!.message).toBe(
      `nesting too deep once functions are inlined: more than ${limits.evalDepth} levels`,
    );
  });
});

describe("errors per file", () => {
  it("reports the first 100 unknown names of 5,000, then one G0113", () => {
    let members = "";
    for (let i = 0; i < 5000; i++) members += `  h${i} = q${i}\n`;
    const r = check(model("x", members));
    expect(r.diagnostics).toHaveLength(limits.errorsPerFile + 1);
    expect(r.diagnostics.slice(0, -1).every((d) => d.code === "G0201")).toBe(true);
    expect(r.diagnostics[99]!.message).toBe("unknown name `q99`");
    const last = r.diagnostics.at(-1)!;
    expect(last.code).toBe("G0113");
    expect(last.severity).toBe("note");
    expect(spanText(r, { ...last.labels[0]!.span, end: last.labels[0]!.span.start + 4 })).toBe(
      "q100",
    );
  });

  it("caps lexical and syntax errors the same way (a file of junk)", () => {
    const junk = "model M { x = ) }\n".repeat(2000) + "$ ".repeat(100) + "\n" + "! ".repeat(5000);
    const r = parse(junk, "t.grove");
    expect(r.diagnostics).toHaveLength(limits.errorsPerFile + 1);
    expect(r.diagnostics.at(-1)!.code).toBe("G0113");
    // lone `!` and `|` start no operator (a lone `.` is member access, here out of place);
    // junk inside comments and strings is text
    const lone = parse('! | . $ // ! | . $\n"! | . $"', "t.grove");
    expect(lone.diagnostics.map((d) => d.labels[0]!.span.start)).toEqual([0, 2, 4, 6]);
    expect(codes(lone)).toEqual(["G0101", "G0101", "G0110", "G0101"]);
  });
});

describe("the shared parser", () => {
  it("parses normally after stopping at its error budget or running without recovery", () => {
    const good = readFileSync("examples/char-transformer.grove", "utf8");
    const before = JSON.stringify(parse(good, "g.grove"));
    expect(parse("model M { x = ) }\n".repeat(3000), "j.grove").diagnostics.at(-1)!.code).toBe(
      "G0113",
    );
    expect(JSON.stringify(parse(good, "g.grove"))).toBe(before);
    expect(codes(parse(`fn g(x) = ${"f(".repeat(40)}x`, "d.grove"))).toEqual(["G0110"]);
    expect(JSON.stringify(parse(good, "g.grove"))).toBe(before);
  });
});

describe("imports", () => {
  it("follows a chain of 5,000 imports without deep recursion, and finds a cycle at its end", () => {
    const n = 5000;
    const files: Record<string, string> = {};
    for (let i = 0; i < n; i++)
      files[`f${i}.grove`] = (i + 1 < n ? `import "f${i + 1}.grove"\n` : "") + `fn g${i}(x) = x\n`;
    const main = `import "f0.grove"\n${model(`g${n - 1}(x) + g0(x)`)}`;
    const { value, ms } = cpuTimed(() => check(main, files));
    expect(codes(value)).toEqual([]);
    expect(ms).toBeLessThan(3000);
    files[`f${n - 1}.grove`] = `import "f${n - 3}.grove"\nfn g${n - 1}(x) = x\n`;
    const r = check(main, files);
    expect(codes(r)).toEqual(["G0502"]);
    expect(r.diagnostics[0]!.message).toBe(
      `cyclic import: mem/f${n - 3}.grove -> mem/f${n - 2}.grove -> mem/f${n - 1}.grove -> mem/f${n - 3}.grove`,
    );
  });
});
