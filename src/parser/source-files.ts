/**
 * @file Reading Grove source files through a `Host` and deciding which files an `import` may
 * read. A source file is a regular file (`nodeHost`, `node-host.ts`, refuses folders, FIFOs,
 * devices and sockets from `stat`, without opening them) of at most `maxSourceBytes`, holding
 * UTF-8 text without NUL bytes. An import must name
 * a `.grove` file under the import root (the entry file's folder unless the caller gives another),
 * after symbolic links are resolved. An imported file that does not parse has at most
 * `maxImportedSyntaxErrors` of its syntax errors shown and at most `maxQuotedChars` of a line
 * quoted, so importing something that is not Grove cannot print its content.
 */
import { makeDiagnostic, type Diagnostic } from "../diag/diagnostic.js";
import { visibleText } from "../diag/escape.js";
import type * as A from "./ast.js";
import { isAbsolute, relative, resolve } from "./paths.js";

/** The largest source file Grove reads: 1 MiB. */
export const maxSourceBytes = 1 << 20;
/** Syntax errors shown for one imported file; the rest are counted in a note. */
export const maxImportedSyntaxErrors = 3;
/** Characters of an imported file's line a diagnostic may quote; longer lines are not shown. */
export const maxQuotedChars = 200;

/** What reading a source file gave: its text, nothing there, or why it was refused. */
export type SourceRead =
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "missing" }
  | { readonly kind: "refused"; readonly code: "G0504" | "G0505"; readonly reason: string };

/** How the front end reads files; tests substitute an in-memory host. */
export interface Host {
  /** The text of `path`, or undefined when it cannot be read. */
  readFile(path: string): string | undefined;
  /**
   * `path` read as a source file with every check (`nodeHost` looks with `stat` before opening).
   * A host without it has the size and text checks applied to what `readFile` returns.
   */
  readSource?(path: string): SourceRead;
  /** `path` with symbolic links resolved; undefined when it does not exist. Default: `resolve`. */
  realPath?(path: string): string | undefined;
  /**
   * The working folder relative paths start from (and that paths in messages are shown relative
   * to). Default: the process's, or `/` where there is no process (a browser page).
   */
  cwd?(): string;
}

/** `host`'s working folder. */
export const cwdOf = (host: Host): string =>
  host.cwd?.() ?? (globalThis.process?.cwd ? globalThis.process.cwd() : "/");

/** The bytes of `text` encoded as UTF-8. */
const utf8Length = (text: string) => new TextEncoder().encode(text).length;

/** `host.readSource`, or `readFile` with the same size and text checks. */
export function readSource(host: Host, path: string): SourceRead {
  if (host.readSource) return host.readSource(path);
  const text = host.readFile(path);
  if (text === undefined) return { kind: "missing" };
  const bytes = utf8Length(text);
  if (bytes > maxSourceBytes) return tooLarge(bytes);
  if (text.includes("\0")) return notText(`a NUL character at offset ${text.indexOf("\0")}`);
  if (/\p{Cs}/u.test(text)) return notText("a lone surrogate (not encodable as UTF-8)");
  return { kind: "text", text };
}

/** A file over the size limit: `bytes` when its size is known, else only that it is larger. */
export const tooLarge = (bytes?: number): SourceRead => ({
  kind: "refused",
  code: "G0504",
  reason:
    bytes === undefined
      ? `it has more than the ${maxSourceBytes} bytes a source file may have`
      : `it has ${bytes} bytes, more than the ${maxSourceBytes} a source file may have`,
});

export const notText = (what: string): SourceRead => ({
  kind: "refused",
  code: "G0505",
  reason: `it is not text: it holds ${what}`,
});

/** Whether `path` is `root` or under it (both absolute, normalised). */
function inside(root: string, path: string): boolean {
  const rel = relative("/", root, path);
  return rel === "" || (rel !== ".." && !rel.startsWith("../") && !isAbsolute(rel));
}

/** `path` for messages: relative to the working folder when under it, escaped. */
function shown(host: Host, path: string): string {
  const cwd = cwdOf(host);
  return visibleText(path !== cwd && inside(cwd, path) ? relative(cwd, cwd, path) : path);
}

const realPathOf = (host: Host, path: string) =>
  host.realPath ? host.realPath(path) : resolve(cwdOf(host), path);

/** The folder imports may reach, with links resolved: `root` as given, or as written if missing. */
export function importRoot(host: Host, root: string): string {
  return realPathOf(host, root) ?? resolve(cwdOf(host), root);
}

/**
 * Why the import `from` of `path` may not be read, before anything is opened: it leaves the
 * import root, lexically or through a link (G0503), or it does not name a `.grove` file (G0504).
 */
function importRefusal(
  host: Host,
  root: string,
  path: string,
  from: A.ImportDecl,
): Diagnostic | undefined {
  const written = visibleText(from.path.value);
  const real = realPathOf(host, path);
  const absolute = resolve(cwdOf(host), path);
  const target = real ?? absolute;
  if (!inside(root, absolute) || !inside(root, target)) {
    const link = real !== undefined && real !== absolute;
    return makeDiagnostic({
      code: "G0503",
      message: `import \`${written}\` points outside the import root ${shown(host, root)}`,
      span: from.path.span,
      label: link
        ? `${visibleText(path)} is a link to ${shown(host, real)}`
        : `resolves to ${shown(host, target)}`,
      help: "imports reach files under the entry file's folder; `--import-root DIR` allows a wider folder",
    });
  }
  if (!path.endsWith(".grove"))
    return makeDiagnostic({
      code: "G0504",
      message: `import \`${written}\` does not name a .grove file`,
      span: from.path.span,
      label: "not read",
      help: "imports bring in Grove source files, whose names end in `.grove`",
    });
  return undefined;
}

/**
 * Reads the entry file (no `from`) or the file an import names, checking the import first: the
 * text, or the diagnostic that says why not (G0500 for the entry file, G0501, G0503 to G0505).
 */
export function loadSource(
  host: Host,
  root: string,
  path: string,
  from: A.ImportDecl | undefined,
): { readonly text: string } | { readonly diagnostic: Diagnostic } {
  const refused = from && importRefusal(host, root, path, from);
  if (refused) return { diagnostic: refused };
  const read = readSource(host, path);
  if (read.kind === "text") return { text: read.text };
  if (from)
    return {
      diagnostic:
        read.kind === "refused"
          ? importReadRefusal(read, path, from)
          : makeDiagnostic({
              code: "G0501",
              message: `cannot find imported file \`${visibleText(from.path.value)}\``,
              span: from.path.span,
              label: `looked for ${visibleText(path)}`,
              help: "import paths are relative to the importing file",
            }),
    };
  const why = read.kind === "refused" ? read.reason : "no such file";
  const message = `cannot read \`${visibleText(path)}\`: ${why}`;
  return { diagnostic: { severity: "error", code: "G0500", message, labels: [], notes: [] } };
}

/** The diagnostic for an import whose file `readSource` refused (G0504, G0505). */
function importReadRefusal(
  read: Extract<SourceRead, { kind: "refused" }>,
  path: string,
  from: A.ImportDecl,
): Diagnostic {
  const written = visibleText(from.path.value);
  return makeDiagnostic({
    code: read.code,
    message: `cannot import \`${written}\`: ${read.reason}`,
    span: from.path.span,
    label: `${visibleText(path)} is not imported`,
    ...(read.code === "G0505" ? { notes: ["its content is not shown"] } : {}),
    help: `import a UTF-8 .grove source file of at most ${maxSourceBytes} bytes`,
  });
}

/**
 * The syntax diagnostics of the imported file `path` (text `text`), capped: the first
 * `maxImportedSyntaxErrors`, each message cut to `maxQuotedChars`; one whose line is longer than
 * that points at the import instead, naming the line and column without quoting it.
 */
export function capImportedSyntaxErrors(
  diagnostics: readonly Diagnostic[],
  path: string,
  text: string,
  from: A.ImportDecl,
): Diagnostic[] {
  const shown = diagnostics.slice(0, maxImportedSyntaxErrors).map((d) => {
    const message = clip(d.message);
    const at = d.labels.find((l) => l.primary)?.span;
    const line = at && lineAround(text, at.start);
    if (!at || !line || line.text.length <= maxQuotedChars) return { ...d, message };
    const where = `${visibleText(path)}:${line.number}:${at.start - line.start + 1}`;
    return makeDiagnostic({
      code: d.code,
      message,
      span: from.path.span,
      label: `at ${where}, a line of ${line.text.length} characters (not shown)`,
      notes: d.notes.map(clip),
      ...(d.help !== undefined ? { help: clip(d.help) } : {}),
    });
  });
  const more = diagnostics.length - shown.length;
  if (more > 0) {
    const last = shown.pop()!;
    const s = more === 1 ? "" : "s";
    const note = `${more} more syntax error${s} in ${visibleText(path)} not shown`;
    shown.push({ ...last, notes: [...last.notes, note] });
  }
  return shown;
}

function clip(text: string): string {
  return text.length <= maxQuotedChars ? text : `${text.slice(0, maxQuotedChars)}…`;
}

/** The line holding `offset`: its 1-based number, start offset and text. */
function lineAround(text: string, offset: number): { number: number; start: number; text: string } {
  const start = text.lastIndexOf("\n", offset - 1) + 1;
  const end = text.indexOf("\n", offset);
  let number = 1;
  for (let i = text.indexOf("\n"); i >= 0 && i < start; i = text.indexOf("\n", i + 1)) number++;
  return { number, start, text: text.slice(start, end < 0 ? text.length : end) };
}
