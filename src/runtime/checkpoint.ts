/**
 * @file Checkpoint files: safetensors (`safetensors.ts`, whose names this module re-exports)
 * written atomically (a temporary file in the same folder, created exclusively under a random
 * name, fsync, rename; stale temporaries of a killed save are removed at the next save) and read
 * back, every failure a `CheckpointError` naming the file.
 */
import { randomBytes } from "node:crypto";
import { closeSync, constants, fsyncSync, mkdirSync, openSync, readdirSync } from "node:fs";
import { readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import {
  CheckpointError,
  decodeSafetensors,
  encodeSafetensors,
  type Checkpoint,
} from "./safetensors.js";

export * from "./safetensors.js";

/** The file operations a write uses; tests inject failures through them. */
export interface FileOps {
  openSync(path: string, flags: number, mode?: number): number;
  writeSync(fd: number, data: Uint8Array, offset: number, length: number): number;
  fsyncSync(fd: number): void;
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
  unlinkSync(path: string): void;
}

const nodeOps: FileOps = { openSync, writeSync, fsyncSync, closeSync, renameSync, unlinkSync };

/**
 * Create a new file only, never through a link: with O_EXCL an existing name (a file or a planted
 * symbolic link, even a dangling one) fails with EEXIST; O_NOFOLLOW says the same where it exists.
 */
const CREATE_NEW =
  constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);

/** `<path>.tmp-<pid>-<random hex>`: a temporary file of `path` (pid for the stale-file sweep). */
const temporaryName = (path: string) =>
  `${path}.tmp-${process.pid}-${randomBytes(6).toString("hex")}`;

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === "EPERM";
  }
};

/**
 * Removes the temporary files that earlier saves of `path` left behind (`<path>.tmp-<pid>` or
 * `<path>.tmp-<pid>-<hex>`, the process killed mid-save), except those of a process still running
 * (another save of the same file under way) and `keep`. Returns the names removed.
 */
export function removeStaleTemporaries(path: string, keep?: string): string[] {
  const dir = dirname(path);
  const prefix = `${basename(path)}.tmp-`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const m = /^(\d+)(-[0-9a-f]+)?$/.exec(name.slice(prefix.length));
    const full = join(dir, name);
    if (!m || full === keep) continue;
    const pid = Number(m[1]);
    if (pid !== process.pid && isAlive(pid)) continue;
    try {
      unlinkSync(full);
      removed.push(full);
    } catch {
      // gone already, or not ours to remove: the save goes on
    }
  }
  return removed;
}

/** Creates a new temporary file next to `path` (a fresh random name if one is taken). */
function openTemporary(path: string, ops: FileOps): { tmp: string; fd: number } {
  for (let attempt = 0; ; attempt++) {
    const tmp = temporaryName(path);
    try {
      return { tmp, fd: ops.openSync(tmp, CREATE_NEW, 0o644) };
    } catch (e) {
      if ((e as { code?: string }).code !== "EEXIST" || attempt >= 4) throw e;
    }
  }
}

/**
 * Writes `checkpoint` to `path` atomically: the bytes go to a new temporary file
 * `<path>.tmp-<pid>-<random>` in the same folder (created if needed), opened exclusively so that
 * nothing planted at that name is followed or overwritten, which is fsynced and renamed over
 * `path`. Stale temporaries of `path` from a killed save are removed first. A failure removes the
 * temporary file and leaves any previous `path` as it was.
 */
export function writeCheckpoint(
  path: string,
  checkpoint: Checkpoint,
  ops: FileOps = nodeOps,
): void {
  const bytes = encodeSafetensors(checkpoint.tensors, checkpoint.metadata);
  let tmp: string | undefined;
  let fd: number | undefined;
  try {
    mkdirSync(dirname(path), { recursive: true });
    removeStaleTemporaries(path);
    ({ tmp, fd } = openTemporary(path, ops));
    for (let at = 0; at < bytes.length;) at += ops.writeSync(fd, bytes, at, bytes.length - at);
    ops.fsyncSync(fd);
    ops.closeSync(fd);
    fd = undefined;
    ops.renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined)
      try {
        ops.closeSync(fd);
      } catch {
        // already failing; the original error is the one to report
      }
    if (tmp !== undefined)
      try {
        ops.unlinkSync(tmp);
      } catch {
        // already failing; the original error is the one to report
      }
    const reason = (e as { code?: string }).code ?? (e as Error).message;
    throw new CheckpointError(
      path,
      `cannot write the checkpoint (${reason}); the previous file, if any, is unchanged`,
    );
  }
  syncFolder(dirname(path));
}

/** Makes a rename in `dir` durable; not supported everywhere, where the rename is still atomic. */
export function syncFolder(dir: string): void {
  try {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // fsync of a folder is not supported everywhere; the rename itself is atomic
  }
}

/** Reads and validates a safetensors file. */
export function readCheckpoint(path: string): Checkpoint {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new CheckpointError(
      path,
      code === "ENOENT"
        ? "no such checkpoint file"
        : `cannot read the checkpoint (${code ?? String(e)})`,
    );
  }
  return decodeSafetensors(bytes, path);
}
