/**
 * @file `grove lsp`: the language server over stdio. Every open document is checked on each
 * change with the unsaved texts of all open documents (imports included) and its diagnostics
 * published; hover, go to definition (into std/ too), completion (names in scope, train
 * settings), document symbols, formatting (the Prettier plugin, src/fmt) and rename of a local
 * binding come from the AST and tokens (symbols.ts).
 */
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { TextDocument } from "vscode-languageserver-textdocument";
import {
  CompletionItemKind,
  createConnection,
  DiagnosticSeverity,
  ProposedFeatures,
  StreamMessageReader,
  StreamMessageWriter,
  SymbolKind,
  TextDocuments,
  TextDocumentSyncKind,
  type Connection,
  type Diagnostic as LspDiagnostic,
} from "vscode-languageserver/node";
import type { Diagnostic, Span } from "../../diag/diagnostic.js";
import { formatLocation, type SourceMap } from "../../diag/render.js";
import { formatGrove } from "../../fmt/format.js";
import { parse } from "../../parser/parse.js";
import { builtinNames } from "../../parser/check/builtins.js";
import { checkFile, nodeHost, type CheckResult, type Host } from "../../parser/program.js";
import { shapeText } from "./shapes.js";
import {
  definitionAt,
  definitionsOf,
  enclosing,
  localUses,
  namesInScope,
  trainSettings,
  type Definition,
} from "./symbols.js";

const symbolKinds: Readonly<Record<string, SymbolKind>> = {
  fn: SymbolKind.Function,
  block: SymbolKind.Class,
  model: SymbolKind.Module,
  train: SymbolKind.Event,
};

const pathOf = (uri: string) => (uri.startsWith("file:") ? fileURLToPath(uri) : uri);
const uriOf = (path: string) => pathToFileURL(path).href;

/** Runs the server on `input` and `output` until the client exits. */
export function serveLsp(
  input: NodeJS.ReadableStream = process.stdin,
  output: NodeJS.WritableStream = process.stdout,
): Promise<void> {
  const connection = createConnection(
    ProposedFeatures.all,
    new StreamMessageReader(input),
    new StreamMessageWriter(output),
  );
  const documents = new TextDocuments(TextDocument);
  wire(connection, documents);
  documents.listen(connection);
  connection.listen();
  return new Promise((done) => connection.onExit(() => done()));
}

function wire(connection: Connection, documents: TextDocuments<TextDocument>): void {
  const openText = (path: string) => documents.get(uriOf(resolve(path)))?.getText();
  const read = (path: string) => openText(path) ?? nodeHost.readFile(path);
  const host: Host = {
    readFile: read,
    realPath: (p) => (openText(p) !== undefined ? resolve(p) : nodeHost.realPath!(p)),
  };
  const programOf = (doc: TextDocument) => parse(doc.getText(), pathOf(doc.uri)).value;
  const span = (doc: TextDocument, s: Span) => ({
    start: doc.positionAt(s.start),
    end: doc.positionAt(s.end),
  });
  const locate = (d: Definition) => {
    const text = read(d.span.file) ?? "";
    const doc = TextDocument.create(uriOf(d.span.file), "grove", 0, text);
    return { uri: doc.uri, range: span(doc, d.span) };
  };

  connection.onInitialize(() => ({
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      hoverProvider: true,
      definitionProvider: true,
      completionProvider: { triggerCharacters: ["."] },
      documentSymbolProvider: true,
      documentFormattingProvider: true,
      renameProvider: true,
    },
    serverInfo: { name: "grove", version: "0.1.0" },
  }));

  const checked = new Map<string, CheckResult>();
  const publishAll = () => {
    for (const doc of documents.all()) {
      const path = pathOf(doc.uri);
      const r = checkFile(path, host);
      checked.set(doc.uri, r);
      const diagnostics = r.diagnostics.map((d) => toLsp(path, d, r.sources, (s) => span(doc, s)));
      void connection.sendDiagnostics({ uri: doc.uri, diagnostics });
    }
  };
  documents.onDidChangeContent(publishAll);
  documents.onDidClose(
    (e) => void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] }),
  );

  connection.onDefinition((p) => {
    const doc = documents.get(p.textDocument.uri);
    if (!doc) return null;
    const def = definitionAt(programOf(doc), doc.getText(), doc.offsetAt(p.position), read);
    return def ? locate(def) : null;
  });

  connection.onHover((p) => {
    const doc = documents.get(p.textDocument.uri);
    if (!doc) return null;
    const def = definitionAt(programOf(doc), doc.getText(), doc.offsetAt(p.position), read);
    if (!def) return null;
    const text = read(def.span.file) ?? "";
    const lineStart = text.lastIndexOf("\n", def.span.start - 1) + 1;
    const lineEnd = text.indexOf("\n", def.span.start);
    const line = text.slice(lineStart, lineEnd < 0 ? undefined : lineEnd).trim();
    const where = `${def.span.file}:${text.slice(0, def.span.start).split("\n").length}`;
    const result = checked.get(doc.uri);
    const shape = result && shapeText(result, programOf(doc), def);
    return {
      contents: {
        kind: "markdown",
        value: `(${def.kind}) \`${def.name}\`${shape ? `: ${shape}` : ""}\n\n\`\`\`grove\n${line}\n\`\`\`\n${where}`,
      },
    };
  });

  connection.onCompletion((p) => {
    const doc = documents.get(p.textDocument.uri);
    if (!doc) return [];
    const program = programOf(doc);
    const offset = doc.offsetAt(p.position);
    const names = namesInScope(program, offset, read).map((d) => ({
      label: d.name,
      kind:
        d.kind === "fn"
          ? CompletionItemKind.Function
          : d.kind === "block"
            ? CompletionItemKind.Class
            : CompletionItemKind.Variable,
      detail: d.kind,
    }));
    const builtins = builtinNames.map((label) => ({
      label,
      kind: CompletionItemKind.Function,
      detail: "builtin",
    }));
    names.push(...builtins.filter((b) => !names.some((n) => n.label === b.label)));
    if (enclosing(program, offset)?.kind !== "train") return names;
    const settings = Object.entries(trainSettings).map(([label, documentation]) => ({
      label,
      kind: CompletionItemKind.Property,
      detail: "train setting",
      documentation,
    }));
    return [...settings, ...names];
  });

  connection.onDocumentSymbol((p) => {
    const doc = documents.get(p.textDocument.uri);
    if (!doc) return [];
    const program = programOf(doc);
    const { top, local } = definitionsOf(program);
    return top.map((d) => ({
      name: d.name,
      detail: d.kind,
      kind: symbolKinds[d.kind] ?? SymbolKind.Variable,
      range: span(doc, d.owner),
      selectionRange: span(doc, d.span),
      children: local
        .filter((x) => x.owner === d.owner)
        .map((x) => ({
          name: x.name,
          detail: x.kind,
          kind: SymbolKind.Variable,
          range: span(doc, x.span),
          selectionRange: span(doc, x.span),
        })),
    }));
  });

  connection.onDocumentFormatting(async (p) => {
    const doc = documents.get(p.textDocument.uri);
    if (!doc) return null;
    const r = await formatGrove(doc.getText(), pathOf(doc.uri));
    if (!r.ok || r.text === doc.getText()) return [];
    return [
      {
        range: { start: doc.positionAt(0), end: doc.positionAt(doc.getText().length) },
        newText: r.text,
      },
    ];
  });

  connection.onRenameRequest((p) => {
    const doc = documents.get(p.textDocument.uri);
    if (!doc) return null;
    const uses = localUses(programOf(doc), doc.getText(), doc.offsetAt(p.position));
    if (!uses) return null;
    return {
      changes: { [doc.uri]: uses.map((s) => ({ range: span(doc, s), newText: p.newName })) },
    };
  });
}

/** A Grove diagnostic for `doc`: at its place there, or at the file's start naming the place. */
function toLsp(
  path: string,
  d: Diagnostic,
  sources: SourceMap,
  range: (s: Span) => LspDiagnostic["range"],
): LspDiagnostic {
  const at = d.labels[0]?.span;
  const here = at && resolve(at.file) === resolve(path);
  const elsewhere = at ? ` (at ${formatLocation(sources, at)})` : "";
  return {
    range: here ? range(at) : range({ file: path, start: 0, end: 0 }),
    severity: d.severity === "error" ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
    code: d.code,
    source: "grove",
    message: here ? d.message : d.message + elsewhere,
  };
}
