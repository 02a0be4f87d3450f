/**
 * @file The playground's editor: CodeMirror 6 with its basic setup and wrapped lines, Grove's
 * highlighting (the lexer's classes from `highlight.ts` as marks), lint marks and a lint gutter
 * for the check's diagnostics, and a callback on every change of the text.
 */
import { basicSetup } from "codemirror";
import { EditorState, RangeSetBuilder, type Extension } from "@codemirror/state";
import {
  Decoration,
  EditorView,
  ViewPlugin,
  type DecorationSet,
  type EditorViewConfig,
  type ViewUpdate,
} from "@codemirror/view";
import { indentUnit } from "@codemirror/language";
import { lintGutter, setDiagnostics, type Diagnostic as LintDiagnostic } from "@codemirror/lint";
import type { ViewDiagnostic } from "./analyse.js";
import { tokenClasses } from "./highlight.js";

const marks = new Map<string, Decoration>();
const markOf = (cls: string) => {
  let m = marks.get(cls);
  if (!m) marks.set(cls, (m = Decoration.mark({ class: `g-${cls}` })));
  return m;
};

function decorations(view: EditorView): DecorationSet {
  const b = new RangeSetBuilder<Decoration>();
  for (const t of tokenClasses(view.state.doc.toString())) b.add(t.from, t.to, markOf(t.cls));
  return b.finish();
}

/** Marks every token with its class; the whole text is lexed again on each change (fast). */
const groveHighlighting = ViewPlugin.fromClass(
  class {
    decorations: DecorationSet;
    constructor(view: EditorView) {
      this.decorations = decorations(view);
    }
    update(u: ViewUpdate) {
      if (u.docChanged) this.decorations = decorations(u.view);
    }
  },
  { decorations: (v) => v.decorations },
);

const theme = EditorView.theme({
  "&": { height: "100%", fontSize: "13.5px" },
  ".cm-scroller": { fontFamily: "ui-monospace, SFMono-Regular, Menlo, monospace" },
  ".g-keyword": { color: "#8a3ab9", fontWeight: "600" },
  ".g-number": { color: "#b35c00" },
  ".g-string": { color: "#1d7a3a" },
  ".g-comment": { color: "#7a8290", fontStyle: "italic" },
  ".g-type": { color: "#1f5fbf" },
  ".g-builtin": { color: "#0f7d86" },
  ".g-constant": { color: "#b35c00" },
  ".g-operator": { color: "#c23b5a" },
});

/** A lint diagnostic for `d` in the file being edited, clamped to the text's length. */
function lintOf(d: ViewDiagnostic, length: number): LintDiagnostic | undefined {
  if (!d.at) return undefined;
  const from = Math.min(d.at.from, length);
  const details = [
    d.at.label,
    ...d.related.map((r) => `line ${r.line}: ${r.label}`),
    ...d.notes.map((n) => `note: ${n}`),
    ...(d.help ? [`help: ${d.help}`] : []),
  ].filter((s) => s !== "");
  return {
    from,
    to: Math.max(from, Math.min(d.at.to, length)),
    severity: d.severity === "error" ? "error" : d.severity === "warning" ? "warning" : "info",
    source: d.code,
    message: `${d.message}${details.length ? `\n${details.join("\n")}` : ""}`,
  };
}

/** The editor and what the page does with it. */
export class GroveEditor {
  readonly view: EditorView;

  constructor(parent: EditorViewConfig["parent"], text: string, onChange: (text: string) => void) {
    const extensions: Extension[] = [
      basicSetup,
      indentUnit.of("  "),
      EditorView.lineWrapping,
      groveHighlighting,
      lintGutter(),
      theme,
      EditorView.updateListener.of((u) => {
        if (u.docChanged) onChange(u.state.doc.toString());
      }),
    ];
    this.view = new EditorView({
      state: EditorState.create({ doc: text, extensions }),
      ...(parent ? { parent } : {}),
    });
  }

  get text(): string {
    return this.view.state.doc.toString();
  }

  /** Replaces the whole text (a new example). */
  setText(text: string): void {
    this.view.dispatch({ changes: { from: 0, to: this.view.state.doc.length, insert: text } });
  }

  /** Shows `diagnostics` of the file `file` as lint marks (those of other files are not marked). */
  setProblems(file: string, diagnostics: readonly ViewDiagnostic[]): void {
    const length = this.view.state.doc.length;
    const lints = diagnostics
      .filter((d) => d.at?.file === file)
      .flatMap((d) => lintOf(d, length) ?? []);
    this.view.dispatch(setDiagnostics(this.view.state, lints));
  }

  /** Moves the cursor to `line` (1-based) and scrolls it into view. */
  goto(line: number): void {
    const doc = this.view.state.doc;
    const at = doc.line(Math.max(1, Math.min(line, doc.lines))).from;
    this.view.dispatch({ selection: { anchor: at }, scrollIntoView: true });
    this.view.focus();
  }
}
