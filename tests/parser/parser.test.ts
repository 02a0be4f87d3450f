/**
 * @file The parser on its own: AST shape and precedence, spans (checked by slicing the source),
 * the syntax corners of the spec (optional `;`, comments, number forms, dtype prefixes, `...`),
 * error recovery and the exact text of a few syntax errors.
 */
import { describe, expect, it } from "vitest";
import type * as A from "../../src/parser/ast.js";
import { parse } from "../../src/parser/parse.js";

const FILE = "t.grove";

function parseOk(text: string): A.Program {
  const r = parse(text, FILE);
  expect(r.diagnostics.map((d) => d.message)).toEqual([]);
  return r.value;
}

/** The result expression of `fn f(...) = <expr>`. */
function expr(text: string): A.Expr {
  const d = parseOk(`fn f() = ${text}`).decls[0] as A.FnDecl;
  return d.body.result;
}

/** A Lisp-like rendering: `(+ a (* b c))`, `(call f a name:b)`, `(|> x f)`, `[a b]`. */
function sexpr(e: A.Expr): string {
  switch (e.kind) {
    case "number":
      return e.text;
    case "string":
      return JSON.stringify(e.value);
    case "name":
      return e.name;
    case "list":
      return `[${e.items.map(sexpr).join(" ")}]`;
    case "unary":
      return `(neg ${sexpr(e.operand)})`;
    case "binary":
      return `(${e.op} ${sexpr(e.left)} ${sexpr(e.right)})`;
    case "call": {
      const args = e.args.map((a) => (a.name ? `${a.name.name}:` : "") + sexpr(a.value));
      return `(call ${[sexpr(e.callee), ...args].join(" ")})`;
    }
    case "pipe":
      return `(|> ${sexpr(e.value)} ${sexpr(e.target)})`;
    case "member":
      return `(. ${sexpr(e.object)} ${e.member.name})`;
    case "tuple":
      return `(tuple ${e.items.map(sexpr).join(" ")})`;
    case "error":
      return "<error>";
  }
}

const p = (text: string) => sexpr(expr(text));

/** The name a member defines, or `(a, b)` for a destructuring one. */
const names = (m: A.ModelMember | A.BodyItem): string =>
  m.kind === "assert"
    ? "assert"
    : m.kind === "destructure"
      ? `(${m.names.map((n) => n.name).join(", ")})`
      : m.name.name;

function dimText(d: A.DimExpr): string {
  switch (d.kind) {
    case "int":
      return String(d.value);
    case "dim-name":
      return d.name;
    case "ellipsis":
      return "...";
    case "dim-error":
      return "?";
    case "dim-binary":
      return `(${d.op} ${dimText(d.left)} ${dimText(d.right)})`;
  }
}

const typeText = (t: A.TypeExpr) =>
  (t.dtype ? t.dtype.name : "") + `[${t.dims.map(dimText).join(", ")}]`;

describe("expressions", () => {
  it.each([
    ["-x^2", "(neg (^ x 2))"],
    ["-x^2^3", "(neg (^ x (^ 2 3)))"],
    ["x^-2", "(^ x (neg 2))"],
    ["--x", "(neg (neg x))"],
    ["a + b * c @ d", "(+ a (@ (* b c) d))"],
    ["a - b - c", "(- (- a b) c)"],
    ["a / b * c", "(* (/ a b) c)"],
    ["(a + b) * c", "(* (+ a b) c)"],
    ["a < b + 1", "(< a (+ b 1))"],
    ["a * b == c - d", "(== (* a b) (- c d))"],
    ["a != b", "(!= a b)"],
    ["a >= -b", "(>= a (neg b))"],
    ["x |> f", "(|> x f)"],
    ["x |> f(a)", "(|> x (call f a))"],
    ["x |> f |> g(1, k: 2)", "(|> (|> x f) (call g 1 k:2))"],
    ["a + b |> f", "(|> (+ a b) f)"],
    ["a < b |> f", "(|> (< a b) f)"],
    ["f(a, name: b)", "(call f a name:b)"],
    ["f(x: 1, y: g(z))", "(call f x:1 y:(call g z))"],
    ["f()", "(call f)"],
    ["f(a)(b)", "(call (call f a) b)"],
    ["f(a)^2", "(^ (call f a) 2)"],
    ["[a, b, [1, 2]]", "[a b [1 2]]"],
    ["[]", "[]"],
    ['g("s\\"q\\\\\\n")', '(call g "s\\"q\\\\\\n")'],
  ])("%s parses as %s", (text, tree) => {
    expect(p(text)).toBe(tree);
  });

  it("reads every number form", () => {
    const nums = (expr("[42, 0.5, .5, 1e-3, 2.5E+4, 3e2, 7.0]") as A.ListExpr).items;
    expect(nums.map((n) => [(n as A.NumberLit).value, (n as A.NumberLit).isInt])).toEqual([
      [42, true],
      [0.5, false],
      [0.5, false],
      [0.001, false],
      [25000, false],
      [300, false],
      [7, false],
    ]);
    expect(nums.map((n) => (n as A.NumberLit).text)).toEqual([
      "42",
      "0.5",
      ".5",
      "1e-3",
      "2.5E+4",
      "3e2",
      "7.0",
    ]);
  });

  it("resolves string escapes", () => {
    const s = expr('"a\\tb\\nc\\"d\\\\e"') as A.StringLit;
    expect(s.value).toBe('a\tb\nc"d\\e');
  });

  it("keeps keywords as prefixes of names", () => {
    expect(p("inputs + outputs * forwarded + fns + blocky + models_ + trainer")).toBe(
      "(+ (+ (+ (+ (+ inputs (* outputs forwarded)) fns) blocky) models_) trainer)",
    );
  });
});

describe("declarations", () => {
  it("parses fns with defaults and block bodies, with optional `;`", () => {
    const prog = parseOk(`
      fn a(x, y = 2) = x * y
      fn b(x) { t = x + 1; u = t * 2; u - 1; }
      fn c(x) {
        t = x
        t
      }
    `);
    const [a, b, c] = prog.decls as A.FnDecl[];
    expect(a!.params.map((q) => [q.name.name, q.default && sexpr(q.default)])).toEqual([
      ["x", undefined],
      ["y", "2"],
    ]);
    const value = (x: A.BodyItem) => sexpr(x.kind === "assert" ? x.condition : x.value);
    expect(b!.body.bindings.map((x) => `${names(x)}=${value(x)}`)).toEqual([
      "t=(+ x 1)",
      "u=(* t 2)",
    ]);
    expect(sexpr(b!.body.result)).toBe("(- u 1)");
    expect(c!.body.bindings.length).toBe(1);
  });

  it("parses blocks: params, members, `...` in shapes, dtype prefixes, arrows", () => {
    const prog = parseOk(`
      block Emb(vocab, dim, k = 4 * dim) {
        param table: [vocab, dim] ~ normal(std: 0.02);
        param b: [dim / 2 + 1, (k - 1) * 2] ~ zeros
        inner = Dense(dim, dim);
        forward(ids: i32[...], mask: f32[..., T]) -> [..., dim] = gather(table, ids)
      }
    `);
    const blk = prog.decls[0] as A.BlockDecl;
    expect(blk.params.map((q) => q.name.name)).toEqual(["vocab", "dim", "k"]);
    const [table, b, inner, fwd] = blk.members;
    expect(table!.kind).toBe("param");
    expect(typeText((table as A.ParamDecl).type)).toBe("[vocab, dim]");
    expect(sexpr((table as A.ParamDecl).init!)).toBe("(call normal std:0.02)");
    expect(typeText((b as A.ParamDecl).type)).toBe("[(+ (/ dim 2) 1), (* (- k 1) 2)]");
    expect(sexpr((b as A.ParamDecl).init!)).toBe("zeros");
    expect(inner!.kind).toBe("bind");
    const f = fwd as A.ForwardDecl;
    expect(f.inputs.map((i) => `${i.name.name}:${typeText(i.type)}`)).toEqual([
      "ids:i32[...]",
      "mask:f32[..., T]",
    ]);
    expect(typeText(f.output!)).toBe("[..., dim]");
  });

  it("parses blocks without arguments and forwards without a declared output", () => {
    const blk = parseOk("block Id { forward(x: [N]) = x }").decls[0] as A.BlockDecl;
    expect(blk.params).toEqual([]);
    expect((blk.members[0] as A.ForwardDecl).output).toBeUndefined();
  });

  it("parses models and train sections", () => {
    const prog = parseOk(`
      import "lib.grove"
      model M { input x: [N, 4]; input ids: i32[N, T]; param s: [] ~ ones; l = Dense(4, 2); output y = x |> l; }
      train M { data = xor(); loss = mean(y); optimizer = sgd(0.1); metrics = [] }
    `);
    expect(prog.decls.map((d) => d.kind)).toEqual(["import", "model", "train"]);
    expect((prog.decls[0] as A.ImportDecl).path.value).toBe("lib.grove");
    const m = prog.decls[1] as A.ModelDecl;
    expect(m.members.map((x) => `${x.kind}:${names(x)}`)).toEqual([
      "input:x",
      "input:ids",
      "param:s",
      "bind:l",
      "output:y",
    ]);
    expect(typeText((m.members[1] as A.InputDecl).type)).toBe("i32[N, T]");
    expect(typeText((m.members[2] as A.ParamDecl).type)).toBe("[]");
    const t = prog.decls[2] as A.TrainDecl;
    expect(t.model.name).toBe("M");
    expect(t.settings.map((s) => `${s.key.name}=${sexpr(s.value)}`)).toEqual([
      "data=(call xor)",
      "loss=(call mean y)",
      "optimizer=(call sgd 0.1)",
      "metrics=[]",
    ]);
  });

  it("skips line and block comments anywhere", () => {
    const prog = parseOk(`// leading
      fn /* inline */ f(x /* a */, y) // trailing
        = x /* multi
        line */ + y
      /**/ /* ** / */
    `);
    expect(sexpr((prog.decls[0] as A.FnDecl).body.result)).toBe("(+ x y)");
  });

  it("accepts an empty file and a file of comments", () => {
    expect(parseOk("").decls).toEqual([]);
    expect(parseOk("// nothing\n/* at all */\n").decls).toEqual([]);
  });
});

describe("spans", () => {
  const text = "fn f(x, k = 2) = -x^2 + g(x, k: [1, 2]) * (k)";
  const fn = () => parseOk(text).decls[0] as A.FnDecl;
  const slice = (s: { start: number; end: number; file: string }) => {
    expect(s.file).toBe(FILE);
    return text.slice(s.start, s.end);
  };

  it("cover exactly the source of each node", () => {
    const d = fn();
    expect(slice(d.span)).toBe(text);
    const sum = d.body.result as A.BinaryExpr;
    expect(slice(sum.span)).toBe("-x^2 + g(x, k: [1, 2]) * (k)");
    expect(slice(sum.opSpan)).toBe("+");
    const neg = sum.left as A.UnaryExpr;
    expect(slice(neg.span)).toBe("-x^2");
    expect(slice(neg.opSpan)).toBe("-");
    expect(slice((neg.operand as A.BinaryExpr).span)).toBe("x^2");
    const prod = sum.right as A.BinaryExpr;
    expect(slice(prod.span)).toBe("g(x, k: [1, 2]) * (k)");
    const call = prod.left as A.CallExpr;
    expect(slice(call.span)).toBe("g(x, k: [1, 2])");
    expect(slice(call.argsSpan)).toBe("(x, k: [1, 2])");
    expect(slice(call.args[1]!.span)).toBe("k: [1, 2]");
    expect(slice(call.args[1]!.value.span)).toBe("[1, 2]");
    expect(slice(prod.right.span)).toBe("(k)");
    expect(slice(d.body.span)).toBe("= -x^2 + g(x, k: [1, 2]) * (k)");
    expect(slice(d.params[1]!.span)).toBe("k = 2");
  });

  it("cover declarations from keyword to closing brace", () => {
    const src = "model M {\n  input x: [N, 4]\n  output y = f(x)\n}\n";
    const m = parse(src, FILE).value.decls[0] as A.ModelDecl;
    expect(src.slice(m.span.start, m.span.end)).toBe(src.trimEnd());
    expect(src.slice(m.members[0]!.span.start, m.members[0]!.span.end)).toBe("input x: [N, 4]");
    expect(src.slice(m.members[1]!.span.start, m.members[1]!.span.end)).toBe("output y = f(x)");
    const ty = (m.members[0] as A.InputDecl).type;
    expect(src.slice(ty.span.start, ty.span.end)).toBe("[N, 4]");
  });

  it("cover whole multi-character tokens: names, numbers, strings", () => {
    const src = 'import "lib.grove"\nfn scale(value, factor = 2.5e-3) = value * factor + other\n';
    const [imp, fd] = parse(src, FILE).value.decls as [A.ImportDecl, A.FnDecl];
    const at = (sp: { start: number; end: number }) => src.slice(sp.start, sp.end);
    expect(at(imp.path.span)).toBe('"lib.grove"');
    expect(at(imp.span)).toBe('import "lib.grove"');
    expect(at(fd.name.span)).toBe("scale");
    expect(at(fd.params[0]!.span)).toBe("value");
    expect(at(fd.params[1]!.span)).toBe("factor = 2.5e-3");
    expect(at(fd.params[1]!.default!.span)).toBe("2.5e-3");
    const sum = fd.body.result as A.BinaryExpr;
    expect(at(sum.span)).toBe("value * factor + other");
    expect(at(sum.right.span)).toBe("other");
    expect(at(fd.span)).toBe("fn scale(value, factor = 2.5e-3) = value * factor + other");
  });

  it("cover pipes, shapes and dimension expressions", () => {
    const src = "block B(dim) {\n  forward(x: [..., dim / 2]) -> [..., dim] = x |> up |> down\n}";
    const blk = parse(src, FILE).value.decls[0] as A.BlockDecl;
    const f = blk.members[0] as A.ForwardDecl;
    const at = (sp: { start: number; end: number }) => src.slice(sp.start, sp.end);
    expect(at(f.keywordSpan)).toBe("forward");
    expect(at(f.inputs[0]!.span)).toBe("x: [..., dim / 2]");
    expect(f.inputs[0]!.type.dims.map((d) => at(d.span))).toEqual(["...", "dim / 2"]);
    expect(at(f.output!.span)).toBe("[..., dim]");
    const pipe = f.body.result as A.PipeExpr;
    expect(at(pipe.span)).toBe("x |> up |> down");
    expect(at(pipe.opSpan)).toBe("|>");
    expect(at((pipe.value as A.PipeExpr).span)).toBe("x |> up");
    expect(at(blk.name.span)).toBe("B");
  });

  it("count UTF-16 code units after astral characters in comments", () => {
    const src = "// 🌲 grove\nfn f(x) = g(x)";
    const d = parse(src, FILE).value.decls[0] as A.FnDecl;
    expect(src.slice(d.body.result.span.start, d.body.result.span.end)).toBe("g(x)");
  });
});

describe("syntax errors", () => {
  const diags = (text: string) =>
    parse(text, FILE).diagnostics.map((d) => ({
      code: d.code,
      message: d.message,
      at: text.slice(d.labels[0]!.span.start, d.labels[0]!.span.start + 1),
    }));

  it("names tokens by their labels", () => {
    expect(diags("fn f(x) = (x + 1")).toEqual([
      { code: "G0110", message: "expected `)` but found the end of the file", at: "" },
    ]);
    expect(diags("model M { output y x }")).toEqual([
      { code: "G0110", message: "expected `=` but found `x`", at: "x" },
    ]);
    expect(diags("fn f(x) x")[0]!.message).toBe(
      "expected `=` or `{` to start the body but found `x`",
    );
    expect(diags("fn f(x) = x +")[0]!.message).toBe(
      "expected an expression but found the end of the file",
    );
  });

  it("points at the file's end after the last non-space character", () => {
    const text = "fn f(x) = (x + 1\n\n   ";
    const d = parse(text, FILE).diagnostics[0]!;
    expect(d.labels[0]!.span).toEqual({ file: FILE, start: 16, end: 16 });
    expect(d.labels[0]!.message).toBe("the file ends here");
  });

  it("suggests another name when a reserved word is used as one", () => {
    const d = parse("fn f(model) = model", FILE).diagnostics[0]!;
    expect(d.help).toBe("`model` is a reserved word; choose another name");
  });

  it("reports stray characters with a hint for `#` comments", () => {
    const r = parse("# a comment\nfn f(x) = x $ 2", FILE);
    const g0101 = r.diagnostics.filter((d) => d.code === "G0101");
    expect(g0101.map((d) => d.message)).toEqual([
      'unexpected character "#"',
      'unexpected character "$"',
    ]);
    expect(g0101[0]!.help).toBe("comments start with `//`");
  });

  it("reports unterminated strings and comments", () => {
    expect(diags('import "lib.grove\nfn f(x) = x')[0]).toEqual({
      code: "G0102",
      message: "unterminated string",
      at: '"',
    });
    expect(diags("fn f(x) = x /* never closed")).toEqual([
      { code: "G0103", message: "unterminated block comment", at: "/" },
    ]);
  });

  it("does not chain comparisons", () => {
    expect(diags("fn f(a, b, c) = a < b < c").map((d) => d.code)).toEqual(["G0110"]);
  });

  it("recovers to report several errors in one file", () => {
    const text = [
      "fn ok(x) = x",
      "fn bad1(x) = (x + ",
      "model M {",
      "  input x: [N, 4]",
      "  output y = ",
      "}",
      "block B(a) {",
      "  param w: [a, ] ~ zeros",
      "  forward(x: [N, a]) = x @ @ w",
      "}",
      "fn bad2(x) = x ) ",
    ].join("\n");
    const r = parse(text, FILE);
    expect(r.diagnostics.length).toBeGreaterThanOrEqual(3);
    for (const d of r.diagnostics) {
      expect(d.code).toBe("G0110");
      expect(d.labels[0]!.span.start).toBeGreaterThanOrEqual(0);
      expect(d.labels[0]!.span.end).toBeLessThanOrEqual(text.length);
    }
    const lines = r.diagnostics.map(
      (d) => text.slice(0, d.labels[0]!.span.start).split("\n").length,
    );
    expect(new Set(lines).size).toBeGreaterThanOrEqual(3);
    expect(r.value.decls.some((d) => d.kind === "fn" && d.name.name === "ok")).toBe(true);
  });
});
