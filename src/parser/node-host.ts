/**
 * @file The Node.js `Host` of the front end (`nodeHost`): files read from the file system with
 * the checks of `source-files.ts`, `stat`ed before they are opened, and links resolved with
 * `realpath`. The only part of the parser that touches the file system; a browser page passes an
 * in-memory host instead.
 */
import {
  closeSync,
  constants,
  fstatSync,
  openSync,
  readFileSync,
  readSync,
  realpathSync,
  statSync,
  type Stats,
} from "node:fs";
import { maxSourceBytes, notText, tooLarge, type Host, type SourceRead } from "./source-files.js";

export const nodeHost: Host = {
  readFile(path) {
    try {
      return readFileSync(path, "utf8");
    } catch {
      return undefined;
    }
  },
  readSource: readNodeSource,
  realPath(path) {
    try {
      return realpathSync.native(path);
    } catch {
      return undefined;
    }
  },
  cwd: () => process.cwd(),
};

/** What a file that is not a regular file is, for messages. */
const fileKinds: readonly (readonly [test: (s: Stats) => boolean, what: string])[] = [
  [(s) => s.isDirectory(), "it is a directory"],
  [(s) => s.isFIFO(), "it is a FIFO (named pipe), not a regular file"],
  [(s) => s.isCharacterDevice(), "it is a character device, not a regular file"],
  [(s) => s.isBlockDevice(), "it is a block device, not a regular file"],
  [(s) => s.isSocket(), "it is a socket, not a regular file"],
];

/** Why `stats` is not a regular file Grove may read whole, or undefined. */
function refusal(stats: Stats): SourceRead | undefined {
  if (!stats.isFile()) {
    const what = fileKinds.find(([test]) => test(stats))?.[1] ?? "it is not a regular file";
    return { kind: "refused", code: "G0504", reason: what };
  }
  return stats.size > maxSourceBytes ? tooLarge(stats.size) : undefined;
}

/** File-system errors as reasons; ENOENT and ENOTDIR mean nothing is there. */
function failure(e: unknown): SourceRead {
  const code = (e as { code?: string }).code;
  if (code === "ENOENT" || code === "ENOTDIR") return { kind: "missing" };
  if (code === undefined) throw e;
  const reason = code === "EACCES" ? "permission denied" : `it cannot be read (${code})`;
  return { kind: "refused", code: "G0504", reason };
}

/**
 * Reads `path` from the file system: `stat` first (nothing that is not a regular file is
 * opened), then opened without blocking and checked again on the open file (it may have been
 * swapped), then at most `maxSourceBytes + 1` bytes read and decoded as strict UTF-8.
 */
function readNodeSource(path: string): SourceRead {
  let fd: number;
  try {
    const first = refusal(statSync(path));
    if (first) return first;
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    return failure(e);
  }
  try {
    const again = refusal(fstatSync(fd));
    if (again) return again;
    const buffer = Buffer.alloc(maxSourceBytes + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      length += n;
      if (n === 0 || length === buffer.length) break;
    }
    // A file that grew after `stat`, or one that reports no size (`/proc`), is cut off here.
    if (length > maxSourceBytes) return tooLarge();
    return decode(buffer.subarray(0, length));
  } catch (e) {
    return failure(e);
  } finally {
    closeSync(fd);
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Strict UTF-8 without NUL bytes (a byte-order mark is dropped). */
function decode(bytes: Uint8Array): SourceRead {
  const nul = bytes.indexOf(0);
  if (nul >= 0) return notText(`a NUL byte at offset ${nul}`);
  try {
    return { kind: "text", text: utf8.decode(bytes) };
  } catch {
    return notText("bytes that are not valid UTF-8");
  }
}
