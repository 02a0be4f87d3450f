/**
 * @file `grove lsp`: the language server over stdio. Every open document is checked on each
 * change with the unsaved texts of all open documents (imports included) and its diagnostics
 * published; hover, go to definition (into std/ too), completion (names in scope, train
 * settings), document symbols, formatting (the Prettier plugin, src/fmt) and rename of a local
 * binding come from the AST and tokens (symbols.ts); initializers, data sources, optimizers and
 * schedules from their schema records (schema-calls.ts).
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
  type CompletionItem,
  type Connection,
  type Diagnostic as LspDiagnostic,
  type DocumentSymbol,
  type Hover,
  type Location,
  type Position,
  type Range,
  type ServerCapabilities,
  type TextEdit,
} from "vscode-languageserver/node";
import type { Diagnostic, Span } from "../../diag/diagnostic.js";
import { formatLocation, type SourceMap } from "../../diag/render.js";
import { formatGrove } from "../../fmt/format.js";
import type * as A from "../../parser/ast.js";
import { parse } from "../../parser/parse.js";
import { builtinNames } from "../../parser/check/builtins/index.js";
import { checkFile, nodeHost, type CheckResult, type Host } from "../../parser/program.js";
import { shapeText } from "./shapes.js";
import {
  callArguments,
  definitionAt,
  definitionsOf,
  enclosing,
  identifierAt,
  localUses,
  namesInScope,
  trainSettings,
  type Definition,
} from "./symbols.js";
import { schemaCall, schemaHover, schemaNamesAt } from "./schema-calls.js";

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

/** The open documents, and how names, files and spans are looked up through them. */
class Workspace {
  readonly checked = new Map<string, CheckResult>();
  /** Open buffers first, then the disk: imports see unsaved text. */
  readonly host: Host = {
    readFile: (p) => this.read(p),
    realPath: (p) => (this.openText(p) !== undefined ? resolve(p) : nodeHost.realPath!(p)),
  };

  constructor(readonly documents: TextDocuments<TextDocument>) {}

  openText(path: string): string | undefined {
    return this.documents.get(uriOf(resolve(path)))?.getText();
  }

  read = (path: string): string | undefined => this.openText(path) ?? nodeHost.readFile(path);

  program(doc: TextDocument): A.Program {
    return parse(doc.getText(), pathOf(doc.uri)).value;
  }

  /** The definition of the name at `position` in `doc`. */
  definition(doc: TextDocument, position: Position): Definition | undefined {
    return definitionAt(this.program(doc), doc.getText(), doc.offsetAt(position), this.read);
  }

  /** A definition as an LSP location (its file read through the open buffers). */
  locate(d: Definition): Location {
    const doc = TextDocument.create(uriOf(d.span.file), "grove", 0, this.read(d.span.file) ?? "");
    return { uri: doc.uri, range: rangeOf(doc, d.span) };
  }

  /** Checks every open document and publishes its diagnostics. */
  publishAll(connection: Connection): void {
    for (const doc of this.documents.all()) {
      const path = pathOf(doc.uri);
      const r = checkFile(path, this.host);
      this.checked.set(doc.uri, r);
      const diagnostics = r.diagnostics.map((d) => toLsp(path, d, r.sources, doc));
      void connection.sendDiagnostics({ uri: doc.uri, diagnostics });
    }
  }
}

const capabilities: ServerCapabilities = {
  textDocumentSync: TextDocumentSyncKind.Incremental,
  hoverProvider: true,
  definitionProvider: true,
  completionProvider: { triggerCharacters: ["."] },
  documentSymbolProvider: true,
  documentFormattingProvider: true,
  renameProvider: true,
};

function rangeOf(doc: TextDocument, s: Span): Range {
  return { start: doc.positionAt(s.start), end: doc.positionAt(s.end) };
}

function wire(connection: Connection, documents: TextDocuments<TextDocument>): void {
  const ws = new Workspace(documents);
  const withDoc =
    <P extends { textDocument: { uri: string } }, R>(f: (doc: TextDocument, p: P) => R, none: R) =>
    (p: P) => {
      const doc = documents.get(p.textDocument.uri);
      return doc ? f(doc, p) : none;
    };
  connection.onInitialize(() => ({
    capabilities,
    serverInfo: { name: "grove", version: "0.1.0" },
  }));
  documents.onDidChangeContent(() => ws.publishAll(connection));
  documents.onDidClose(
    (e) => void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] }),
  );
  connection.onDefinition(
    withDoc((doc, p) => {
      const def = ws.definition(doc, p.position);
      return def ? ws.locate(def) : null;
    }, null),
  );
  connection.onHover(withDoc((doc, p) => hover(ws, doc, p.position), null));
  connection.onCompletion(withDoc((doc, p) => completions(ws, doc, p.position), []));
  connection.onDocumentSymbol(withDoc((doc) => symbols(ws, doc), []));
  connection.onDocumentFormatting(
    withDoc((doc) => formatting(doc), Promise.resolve<TextEdit[]>([])),
  );
  connection.onRenameRequest(
    withDoc((doc, p) => {
      const uses = localUses(ws.program(doc), doc.getText(), doc.offsetAt(p.position));
      const edits = uses?.map((s) => ({ range: rangeOf(doc, s), newText: p.newName }));
      return edits ? { changes: { [doc.uri]: edits } } : null;
    }, null),
  );
}

/** What defines the name, its line and place, and its shape when a model's check knows it. */
function hover(ws: Workspace, doc: TextDocument, position: Position): Hover | null {
  const def = ws.definition(doc, position);
  if (!def) return schemaCallHover(doc, position);
  const text = ws.read(def.span.file) ?? "";
  const lineStart = text.lastIndexOf("\n", def.span.start - 1) + 1;
  const lineEnd = text.indexOf("\n", def.span.start);
  const line = text.slice(lineStart, lineEnd < 0 ? undefined : lineEnd).trim();
  const where = `${def.span.file}:${text.slice(0, def.span.start).split("\n").length}`;
  const result = ws.checked.get(doc.uri);
  const shape = result && shapeText(result, ws.program(doc), def);
  const title = `(${def.kind}) \`${def.name}\`${shape ? `: ${shape}` : ""}`;
  return {
    contents: { kind: "markdown", value: `${title}\n\n\`\`\`grove\n${line}\n\`\`\`\n${where}` },
  };
}

/** A schema call's doc and parameters (`schema-calls.ts`: an initializer, data source, ...). */
function schemaCallHover(doc: TextDocument, position: Position): Hover | null {
  const text = doc.getText();
  const token = identifierAt(text, doc.offsetAt(position));
  const call = token && schemaCall(text, token);
  return call ? { contents: { kind: "markdown", value: schemaHover(call) } } : null;
}

const completionKinds: Readonly<Record<string, CompletionItemKind>> = {
  fn: CompletionItemKind.Function,
  block: CompletionItemKind.Class,
  model: CompletionItemKind.Module,
};

/**
 * Names in scope and builtins; in a train section its settings before them; the initializers,
 * data sources, optimizers or schedules that fit where the cursor is (`schemaNamesAt`), or a
 * call's arguments, before all.
 */
function completions(ws: Workspace, doc: TextDocument, position: Position): CompletionItem[] {
  const program = ws.program(doc);
  const offset = doc.offsetAt(position);
  const names: CompletionItem[] = namesInScope(program, offset, ws.read).map((d) => ({
    label: d.name,
    kind: completionKinds[d.kind] ?? CompletionItemKind.Variable,
    detail: d.kind,
  }));
  const calls = schemaNamesAt(program, doc.getText(), offset).map((c) => ({
    label: c.name,
    kind: CompletionItemKind.Function,
    detail: c.what,
    documentation: c.doc,
  }));
  const args = callArguments(program, doc.getText(), offset, ws.read).map((a) => ({
    label: `${a.name}:`,
    kind: CompletionItemKind.Field,
    detail: a.default === undefined ? "argument" : `argument (default ${a.default})`,
    ...(a.doc ? { documentation: a.doc } : {}),
  }));
  const first: CompletionItem[] = [...calls, ...args];
  const taken = new Set([...first, ...names].map((n) => n.label));
  for (const label of builtinNames)
    if (!taken.has(label))
      names.push({ label, kind: CompletionItemKind.Function, detail: "builtin" });
  if (enclosing(program, offset)?.kind !== "train") return [...first, ...names];
  const settings = Object.entries(trainSettings).map(([label, documentation]) => ({
    label,
    kind: CompletionItemKind.Property,
    detail: "train setting",
    documentation,
  }));
  return [...first, ...settings, ...names];
}

/** Each declaration with the names it binds. */
function symbols(ws: Workspace, doc: TextDocument): DocumentSymbol[] {
  const { top, local } = definitionsOf(ws.program(doc));
  const symbol = (d: Definition, kind: SymbolKind, range: Span): DocumentSymbol => ({
    name: d.name,
    detail: d.kind,
    kind,
    range: rangeOf(doc, range),
    selectionRange: rangeOf(doc, d.span),
  });
  return top.map((d) => ({
    ...symbol(d, symbolKinds[d.kind] ?? SymbolKind.Variable, d.owner),
    children: local
      .filter((x) => x.owner === d.owner)
      .map((x) => symbol(x, SymbolKind.Variable, x.span)),
  }));
}

/** The whole document replaced by `grove fmt`'s text; nothing when it is formatted or broken. */
async function formatting(doc: TextDocument): Promise<TextEdit[]> {
  const r = await formatGrove(doc.getText(), pathOf(doc.uri));
  if (!r.ok || r.text === doc.getText()) return [];
  return [
    { range: rangeOf(doc, { file: "", start: 0, end: doc.getText().length }), newText: r.text },
  ];
}

/** A Grove diagnostic for `doc`: at its place there, or at the file's start naming the place. */
function toLsp(path: string, d: Diagnostic, sources: SourceMap, doc: TextDocument): LspDiagnostic {
  const at = d.labels[0]?.span;
  const here = at && resolve(at.file) === resolve(path);
  const elsewhere = at ? ` (at ${formatLocation(sources, at)})` : "";
  return {
    range: rangeOf(doc, here ? at : { file: path, start: 0, end: 0 }),
    severity: d.severity === "error" ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
    code: d.code,
    source: "grove",
    message: here ? d.message : d.message + elsewhere,
  };
}
