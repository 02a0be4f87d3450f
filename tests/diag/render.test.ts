/**
 * @file The three diagnostic renderers on hand-made diagnostics: rich snippets with carets,
 * short one-liners and JSON, including multi-line spans, labels in two files, tabs, zero-width
 * spans at the end of a file, columns after non-ASCII text (UTF-16 code units), windows of long
 * lines and shortened long names.
 */
import { describe, expect, it } from "vitest";
import {
  clip,
  makeDiagnostic,
  maxTextLength,
  shortenText,
  span,
  type Diagnostic,
} from "../../src/diag/diagnostic.js";
import {
  renderDiagnostics,
  renderJson,
  renderRich,
  renderShort,
  snippetColumns,
  SourceMap,
} from "../../src/diag/render.js";

const a = "fn f(x) = g(x,\n  y)\n\tz = 1\n// 🌲 x é\nend";
const b = "line1\nline2\n";

function sources(): SourceMap {
  const sm = new SourceMap();
  sm.add({ path: "a.grove", text: a });
  sm.add({ path: "b.grove", text: b });
  return sm;
}

const at = (text: string, needle: string, from = 0) => text.indexOf(needle, from);

describe("SourceMap", () => {
  it("maps offsets to 1-based lines and UTF-16 columns", () => {
    const sm = sources();
    expect(sm.position("a.grove", 0)).toEqual({ line: 1, column: 1 });
    expect(sm.position("a.grove", 14)).toEqual({ line: 1, column: 15 });
    expect(sm.position("a.grove", 15)).toEqual({ line: 2, column: 1 });
    expect(sm.position("a.grove", at(a, "x é"))).toEqual({ line: 4, column: 7 });
    expect(sm.position("a.grove", at(a, "é"))).toEqual({ line: 4, column: 9 });
    expect(sm.position("a.grove", a.length)).toEqual({ line: 5, column: 4 });
    expect(sm.position("b.grove", b.length)).toEqual({ line: 3, column: 1 });
  });

  it("returns line text without the line break, also for CRLF files", () => {
    const sm = sources();
    sm.add({ path: "crlf.grove", text: "one\r\ntwo\r\n" });
    expect(sm.lineText("a.grove", 3)).toBe("\tz = 1");
    expect(sm.lineText("crlf.grove", 1)).toBe("one");
    expect(sm.position("crlf.grove", 5)).toEqual({ line: 2, column: 1 });
    expect(sm.lineText("b.grove", 3)).toBe("");
  });

  it("forgets cached line starts when a file is replaced", () => {
    const sm = new SourceMap();
    sm.add({ path: "x", text: "a\nb" });
    expect(sm.position("x", 2)).toEqual({ line: 2, column: 1 });
    sm.add({ path: "x", text: "ab" });
    expect(sm.position("x", 1)).toEqual({ line: 1, column: 2 });
  });
});

describe("renderRich", () => {
  it("underlines a multi-line span to the end of its first line", () => {
    const d = makeDiagnostic({
      code: "G0001",
      message: "a span over two lines",
      span: span("a.grove", at(a, "g("), at(a, "y)") + 2),
      label: "this call",
    });
    expect(renderRich(d, sources())).toBe(
      [
        "error[G0001]: a span over two lines",
        " --> a.grove:1:11",
        "  |",
        "1 | fn f(x) = g(x,",
        "  |           ^^^^ this call",
      ].join("\n"),
    );
  });

  it("shows labels in two files, each under its own header", () => {
    const d = makeDiagnostic({
      code: "G0202",
      message: "`f` is defined twice",
      span: span("a.grove", 3, 4),
      label: "second definition",
      secondary: [{ span: span("b.grove", 6, 11), message: "first defined here" }],
      help: "rename one of them",
    });
    expect(renderRich(d, sources())).toBe(
      [
        "error[G0202]: `f` is defined twice",
        " --> a.grove:1:4",
        "  |",
        "1 | fn f(x) = g(x,",
        "  |    ^ second definition",
        " --> b.grove:2:1",
        "  |",
        "2 | line2",
        "  | ----- first defined here",
        "  = help: rename one of them",
      ].join("\n"),
    );
  });

  it("orders labels by position, elides gaps and widens the gutter", () => {
    const long = Array.from({ length: 12 }, (_, i) => `line ${i + 1}`).join("\n");
    const sm = new SourceMap();
    sm.add({ path: "l.grove", text: long });
    const d = makeDiagnostic({
      code: "G0402",
      message: "m",
      span: span("l.grove", at(long, "line 11"), at(long, "line 11") + 4),
      label: "primary",
      secondary: [
        { span: span("l.grove", 0, 4), message: "first" },
        { span: span("l.grove", at(long, "line 2"), at(long, "line 2") + 4), message: "second" },
        { span: span("l.grove", at(long, "11"), at(long, "11") + 2), message: "same line" },
      ],
      notes: ["a note", "another"],
    });
    expect(renderRich(d, sm)).toBe(
      [
        "error[G0402]: m",
        "  --> l.grove:11:1",
        "   |",
        " 1 | line 1",
        "   | ---- first",
        " 2 | line 2",
        "   | ---- second",
        "   ...",
        "11 | line 11",
        "   | ^^^^ primary",
        "   |      -- same line",
        "   = note: a note",
        "   = note: another",
      ].join("\n"),
    );
  });

  it("shows a tab as one space so the caret stays aligned", () => {
    const d = makeDiagnostic({
      code: "G0201",
      message: "unknown name `z`",
      span: span("a.grove", at(a, "z ="), at(a, "z =") + 1),
      label: "here",
    });
    expect(renderRich(d, sources()).split("\n").slice(3)).toEqual(["3 |  z = 1", "  |  ^ here"]);
  });

  it("puts a zero-width span at the end of the file after the last character", () => {
    const d = makeDiagnostic({
      code: "G0110",
      message: "expected `}` but found the end of the file",
      span: span("a.grove", a.length, a.length),
      label: "the file ends here",
    });
    expect(renderRich(d, sources()).split("\n").slice(1)).toEqual([
      " --> a.grove:5:4",
      "  |",
      "5 | end",
      "  |    ^ the file ends here",
    ]);
    const afterNewline = makeDiagnostic({
      code: "G0110",
      message: "m",
      span: span("b.grove", b.length, b.length),
    });
    expect(renderRich(afterNewline, sources()).split("\n").slice(1)).toEqual([
      " --> b.grove:3:1",
      "  |",
      "3 |",
      "  | ^",
    ]);
  });

  it("counts columns after non-ASCII characters", () => {
    const d = makeDiagnostic({
      code: "G0101",
      message: 'unexpected character "é"',
      span: span("a.grove", at(a, "é"), at(a, "é") + 1),
      label: "no token starts here",
    });
    expect(renderShort(d, sources())).toBe('a.grove:4:9: error[G0101]: unexpected character "é"');
  });

  it("renders a diagnostic without labels as its headline", () => {
    const d: Diagnostic = {
      severity: "warning",
      code: "G0000",
      message: "nothing to point at",
      labels: [],
      notes: ["n"],
    };
    expect(renderRich(d, sources())).toBe("warning[G0000]: nothing to point at\n  = note: n");
    expect(renderShort(d, sources())).toBe("warning[G0000]: nothing to point at");
  });
});

describe("renderShort and renderDiagnostics", () => {
  const ds = [
    makeDiagnostic({ code: "G0201", message: "one", span: span("a.grove", 15, 17) }),
    makeDiagnostic({
      code: "G0202",
      message: "two",
      span: span("b.grove", 6, 7),
      severity: "note",
    }),
  ];

  it("prints file:line:col: severity[code]: message per line", () => {
    expect(renderDiagnostics(ds, sources(), "short")).toBe(
      "a.grove:2:1: error[G0201]: one\nb.grove:2:1: note[G0202]: two",
    );
  });

  it("separates rich diagnostics by a blank line", () => {
    const text = renderDiagnostics(ds, sources(), "rich");
    expect(text.split("\n\n").length).toBe(2);
    expect(text.startsWith("error[G0201]: one\n")).toBe(true);
  });

  it("renders nothing for no diagnostics", () => {
    expect(renderDiagnostics([], sources(), "short")).toBe("");
    expect(renderDiagnostics([], sources(), "rich")).toBe("");
    expect(JSON.parse(renderDiagnostics([], sources(), "json"))).toEqual([]);
  });
});

describe("renderJson", () => {
  it("gives labels with 1-based positions, notes and help", () => {
    const d = makeDiagnostic({
      code: "G0404",
      message: "m",
      span: span("a.grove", at(a, "🌲"), at(a, "🌲") + 2),
      label: "tree",
      secondary: [{ span: span("b.grove", 0, 5), message: "other file" }],
      notes: ["n"],
      help: "h",
    });
    expect(JSON.parse(renderJson([d], sources()))).toEqual([
      {
        severity: "error",
        code: "G0404",
        message: "m",
        labels: [
          {
            file: "a.grove",
            start: { line: 4, column: 4 },
            end: { line: 4, column: 6 },
            message: "tree",
            primary: true,
          },
          {
            file: "b.grove",
            start: { line: 1, column: 1 },
            end: { line: 1, column: 6 },
            message: "other file",
            primary: false,
          },
        ],
        notes: ["n"],
        help: "h",
      },
    ]);
  });

  it("leaves out help when there is none, and spans across lines keep their end line", () => {
    const d = makeDiagnostic({ code: "G0001", message: "m", span: span("a.grove", 10, 18) });
    const [item] = JSON.parse(renderJson([d], sources())) as Record<string, unknown>[];
    expect(item).not.toHaveProperty("help");
    expect(item!["labels"]).toEqual([
      {
        file: "a.grove",
        start: { line: 1, column: 11 },
        end: { line: 2, column: 4 },
        message: "",
        primary: true,
      },
    ]);
  });
});

describe("span helpers", () => {
  it("never makes an inverted span", () => {
    expect(span("f", 5, 3)).toEqual({ file: "f", start: 5, end: 5 });
  });
});

describe("long lines and long names", () => {
  const long = "x".repeat(5000) + " here " + "y".repeat(5000);
  const sm = () => {
    const m = new SourceMap();
    m.add({ path: "l.grove", text: `short\n${long}\nend` });
    return m;
  };
  const lineStart = "short\n".length;

  it("shows a window of snippetColumns around a label on a long line", () => {
    const start = lineStart + long.indexOf("here");
    const d = makeDiagnostic({
      code: "G0110",
      message: "m",
      span: span("l.grove", start, start + 4),
      label: "this",
    });
    const lines = renderRich(d, sm()).split("\n");
    const text = lines[3]!.slice("2 | ".length);
    const caret = lines[4]!.slice("  | ".length);
    expect(text.length).toBeLessThanOrEqual(snippetColumns + 2);
    expect(text.startsWith("…") && text.endsWith("…")).toBe(true);
    // the caret still sits under the word
    expect(text.slice(caret.indexOf("^"), caret.indexOf("^") + 4)).toBe("here");
    expect(caret.trimEnd().endsWith("^^^^ this")).toBe(true);
  });

  it("gives each far-apart label on one long line its own window", () => {
    const a = lineStart + 10;
    const b = lineStart + long.length - 10;
    const d = makeDiagnostic({
      code: "G0110",
      message: "m",
      span: span("l.grove", a, a + 1),
      label: "first",
      secondary: [{ span: span("l.grove", b, b + 1), message: "second" }],
    });
    const out = renderRich(d, sm());
    expect(out.length).toBeLessThan(4 * snippetColumns);
    expect(out).toContain("^ first");
    expect(out).toContain("- second");
    expect(out.split("\n").filter((l) => l.startsWith("2 | "))).toHaveLength(2);
  });

  it("caps the marks of a span that runs to the end of a long line", () => {
    const d = makeDiagnostic({
      code: "G0110",
      message: "m",
      span: span("l.grove", lineStart, lineStart + long.length + 3),
    });
    expect(renderRich(d, sm()).length).toBeLessThan(3 * snippetColumns);
  });

  it("shortens long names in every text of a diagnostic, and cuts long texts", () => {
    const name = "n".repeat(300_000);
    const d = makeDiagnostic({
      code: "G0201",
      message: `unknown name \`${name}\``,
      span: span("a.grove", 0, 1),
      label: `not ${name}`,
      notes: [`note ${name}`],
      help: `did you mean \`${name}x\`?`,
      secondary: [{ span: span("a.grove", 1, 2), message: name }],
    });
    const short = `${"n".repeat(40)}…(300000 characters)`;
    expect(d.message).toBe(`unknown name \`${short}\``);
    expect(d.labels.map((l) => l.message)).toEqual([`not ${short}`, short]);
    expect(d.notes).toEqual([`note ${short}`]);
    expect(d.help).toBe(`did you mean \`${"n".repeat(40)}…(300001 characters)\`?`);
    expect(shortenText("a b ".repeat(1000)).length).toBe(maxTextLength + 1);
    expect(shortenText("unknown name `relu`")).toBe("unknown name `relu`");
  });

  it("clips without splitting a surrogate pair", () => {
    expect(clip("ab🌲cd", 3)).toBe("ab…");
    expect(clip("abc", 3)).toBe("abc");
  });
});
