/**
 * @file The path arithmetic of the front end, on `/`-separated paths, with the working folder
 * passed in (a `Host`'s `cwd`) instead of read from the process: the same results as Node's
 * `node:path` (POSIX) gives on Linux, in code that also runs in a browser page (the playground
 * checks programs in an in-memory file system). Grove does not support Windows paths.
 */

/** `path` without `.` and `name/..` segments; `..` kept only where it cannot be cancelled. */
function segments(path: string, absolute: boolean): string[] {
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part !== "..") out.push(part);
    else if (out.length > 0 && out.at(-1) !== "..") out.pop();
    else if (!absolute) out.push("..");
  }
  return out;
}

export function isAbsolute(path: string): boolean {
  return path.startsWith("/");
}

/** `a//b/./c/../d/` → `a/b/d/`, as `path.normalize` (a trailing `/` kept, `""` → `.`). */
export function normalize(path: string): string {
  if (path === "") return ".";
  const absolute = isAbsolute(path);
  let body = segments(path, absolute).join("/");
  if (body === "" && !absolute) body = ".";
  if (body !== "" && path.endsWith("/")) body += "/";
  return absolute ? `/${body}` : body;
}

export function join(...parts: string[]): string {
  const joined = parts.filter((p) => p !== "").join("/");
  return joined === "" ? "." : normalize(joined);
}

/** The absolute form of `parts` joined, the last absolute one first, else from `cwd`. */
export function resolve(cwd: string, ...parts: string[]): string {
  let at = "";
  for (let i = parts.length - 1; i >= -1 && !isAbsolute(at); i--) {
    const part = i >= 0 ? parts[i]! : cwd;
    if (part !== "") at = at === "" ? part : `${part}/${at}`;
  }
  return `/${segments(at, true).join("/")}`;
}

/** Everything before the last segment, as `path.dirname` (`a//b` → `a/`, `/a` → `/`). */
export function dirname(path: string): string {
  if (path === "") return ".";
  const hasRoot = isAbsolute(path);
  let end = -1;
  let inTrailingSlashes = true;
  for (let i = path.length - 1; i >= 1; i--) {
    if (path[i] !== "/") inTrailingSlashes = false;
    else if (!inTrailingSlashes) {
      end = i;
      break;
    }
  }
  if (end === -1) return hasRoot ? "/" : ".";
  return hasRoot && end === 1 ? "//" : path.slice(0, end);
}

/** The path from `from` to `to` (both resolved from `cwd`), as `path.relative`. */
export function relative(cwd: string, from: string, to: string): string {
  const a = segments(resolve(cwd, from), true);
  const b = segments(resolve(cwd, to), true);
  let common = 0;
  while (common < a.length && common < b.length && a[common] === b[common]) common++;
  return [...a.slice(common).map(() => ".."), ...b.slice(common)].join("/");
}
