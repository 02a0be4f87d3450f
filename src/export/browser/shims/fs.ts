/**
 * @file `node:fs` in an exported page: the data readers of `src/runtime/data` read files with
 * `readFileSync`, so the page fetches its data files first and mounts their bytes here, by the path
 * the readers ask for (`data/NAME`). A file that is not mounted fails like a missing file in Node
 * (`code` `ENOENT`), so the readers' messages are the same. Nothing is ever written.
 */

/** Bytes as Node's `Buffer` gives them to the readers: `toString("utf8")` decodes the text. */
class Bytes extends Uint8Array {
  override toString(encoding?: string): string {
    return encoding === undefined ? super.toString() : new TextDecoder().decode(this);
  }
}

const files = new Map<string, Uint8Array>();

/** Makes `bytes` readable at `path`. */
export function mount(path: string, bytes: Uint8Array): void {
  files.set(path, bytes);
}

export function readFileSync(path: string, encoding?: string): Bytes | string {
  const bytes = files.get(path);
  if (!bytes)
    throw Object.assign(new Error(`ENOENT: no such file, open '${path}'`), { code: "ENOENT" });
  const out = new Bytes(bytes);
  return encoding === undefined ? out : out.toString(encoding);
}

export function writeFileSync(path: string): never {
  throw Object.assign(new Error(`EROFS: a page cannot write ${path}`), { code: "EROFS" });
}
