/**
 * @file Checkpoint files for the training session's rotation (`src/session/rotation.ts`, which
 * decides what to keep): writing atomically (`writeCheckpoint`), keeping a copy of a file under
 * another name (a hard link, or a copy where links are not supported, renamed over the old one)
 * and moving a file, each durable and each failure a `CheckpointError` naming the file.
 */
import { constants, copyFileSync, linkSync, renameSync, unlinkSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { dirname } from "node:path";
import {
  CheckpointError,
  removeStaleTemporaries,
  syncFolder,
  writeCheckpoint,
  type Checkpoint,
} from "./checkpoint.js";

/** The checkpoint files in the local file system. */
export const fileCheckpointStore = {
  write: (path: string, checkpoint: Checkpoint): void => writeCheckpoint(path, checkpoint),
  keepCopy,
  move: renameOrFail,
};

function renameOrFail(from: string, to: string): void {
  try {
    renameSync(from, to);
    syncFolder(dirname(to));
  } catch (e) {
    const code = (e as { code?: string }).code ?? (e as Error).message;
    throw new CheckpointError(from, `cannot move it to ${to} (${code})`);
  }
}

/**
 * Makes `to` hold what `from` holds now, atomically: a new link (or copy) under a temporary name,
 * renamed over the old `to`.
 */
function keepCopy(from: string, to: string): void {
  removeStaleTemporaries(to);
  const tmp = `${to}.tmp-${process.pid}-${randomBytes(6).toString("hex")}`;
  try {
    try {
      linkSync(from, tmp);
    } catch {
      // No hard links here (some file systems): a copy, which never overwrites (COPYFILE_EXCL).
      copyFileSync(from, tmp, constants.COPYFILE_EXCL);
    }
    renameSync(tmp, to);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // never created
    }
    const code = (e as { code?: string }).code ?? (e as Error).message;
    throw new CheckpointError(from, `cannot keep the previous checkpoint as ${to} (${code})`);
  }
}
