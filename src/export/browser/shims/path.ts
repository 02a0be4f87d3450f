/**
 * @file `node:path` in an exported page: the few functions the data readers use, on `/`-separated
 * paths (the page's data files are `data/NAME`).
 */

/** `a/b/../c` → `a/c`; keeps a leading `/`. */
function normalize(path: string): string {
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === ".." && out.length > 0 && out.at(-1) !== "..") out.pop();
    else out.push(part);
  }
  return (path.startsWith("/") ? "/" : "") + out.join("/");
}

export function join(...parts: string[]): string {
  return normalize(parts.filter((p) => p !== "").join("/"));
}

export function resolve(...parts: string[]): string {
  let at = "";
  for (const p of parts) at = p.startsWith("/") ? p : at ? `${at}/${p}` : p;
  return normalize(at);
}

export function dirname(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? "." : i === 0 ? "/" : path.slice(0, i);
}

export function basename(path: string, ext?: string): string {
  const base = path.slice(path.lastIndexOf("/") + 1);
  return ext && base.endsWith(ext) ? base.slice(0, -ext.length) : base;
}

export function extname(path: string): string {
  const base = basename(path);
  const i = base.lastIndexOf(".");
  return i <= 0 ? "" : base.slice(i);
}
