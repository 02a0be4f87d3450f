/**
 * @file Which checkpoint is the last good one, and rotation so that it is never overwritten by a
 * worse one. The parameters saved after step `s` are *good* once the loss of step `s + 1`, computed
 * from them, was not high (`divergence.ts`), and *bad* when it was. Saving over a good file first
 * keeps it as `NAME.prev.safetensors` (a hard link, or a copy where links are not supported); a
 * file that is not known good is overwritten and the `.prev` file, always a good one, stays. When
 * training diverges, the last good file is put back at the checkpoint's path (or named where it
 * is), and a bad file this run wrote is moved aside to `NAME.diverged.safetensors`.
 */
import { constants, copyFileSync, linkSync, renameSync, unlinkSync } from "node:fs";
import { randomBytes } from "node:crypto";
import {
  CheckpointError,
  removeStaleTemporaries,
  syncFolder,
  writeCheckpoint,
  type Checkpoint,
} from "./checkpoint.js";
import { dirname } from "node:path";

/** `m.safetensors` → `m.TAG.safetensors`; another name gets `.TAG` at its end. */
export function siblingPath(path: string, tag: "prev" | "diverged"): string {
  return /\.safetensors$/.test(path)
    ? path.replace(/\.safetensors$/, `.${tag}.safetensors`)
    : `${path}.${tag}`;
}

export interface KeptCheckpoint {
  readonly path: string;
  /** Steps done when it was saved. */
  readonly step: number;
}

/** What `diverged` found and did. */
export interface DivergenceOutcome {
  /** The last good checkpoint, at the path where it now is. */
  readonly good?: KeptCheckpoint;
  /** Where a checkpoint saved after the divergence began was moved. */
  readonly moved?: KeptCheckpoint;
}

interface Tracked extends KeptCheckpoint {
  state: "pending" | "good" | "bad";
  /** Written by this run (a resumed file is the user's: never moved). */
  readonly ours: boolean;
}

/** Tracks the checkpoints of one training run at `path` (none saved when undefined). */
export class CheckpointKeeper {
  private latest: Tracked | undefined;
  /** Always a good checkpoint. */
  private previous: KeptCheckpoint | undefined;

  /** `resumed`: the checkpoint this run continues (pending until its next loss is seen). */
  constructor(
    readonly path: string | undefined,
    resumed?: KeptCheckpoint,
  ) {
    if (resumed) this.latest = { ...resumed, state: "pending", ours: false };
  }

  /** The loss of `step` was `ok` (not high) or not: settles the checkpoint saved after step - 1. */
  observe(step: number, ok: boolean): void {
    const l = this.latest;
    if (l && l.state === "pending" && step === l.step + 1) l.state = ok ? "good" : "bad";
  }

  /** Saves `checkpoint` (after `step` steps) at `path`, first keeping a good file there as `.prev`. */
  save(step: number, checkpoint: Checkpoint): void {
    const path = this.path;
    if (path === undefined) return;
    const l = this.latest;
    if (l?.state === "good")
      this.previous = { path: l.path === path ? keepAsPrevious(path) : l.path, step: l.step };
    writeCheckpoint(path, checkpoint);
    this.latest = { path, step, state: "pending", ours: true };
  }

  /**
   * Training diverged: the last good checkpoint, put back at `path` when it was kept as `.prev`
   * and the file at `path` is not good; a bad file this run wrote that is not replaced is moved to
   * `.diverged`. Nothing is called good that was not seen to be.
   */
  diverged(): DivergenceOutcome {
    const l = this.latest;
    if (l?.state === "good") return { good: { path: l.path, step: l.step } };
    const path = this.path;
    const ours = l?.ours && path !== undefined ? l : undefined;
    const prev = this.previous;
    if (ours && prev && prev.path === siblingPath(ours.path, "prev")) {
      renameOrFail(prev.path, ours.path);
      this.latest = { path: ours.path, step: prev.step, state: "good", ours: true };
      this.previous = undefined;
      return { good: { path: ours.path, step: prev.step } };
    }
    let moved: KeptCheckpoint | undefined;
    if (ours) {
      moved = { path: siblingPath(ours.path, "diverged"), step: ours.step };
      renameOrFail(ours.path, moved.path);
      this.latest = undefined;
    }
    const good = prev ? { path: prev.path, step: prev.step } : undefined;
    return { ...(good ? { good } : {}), ...(moved ? { moved } : {}) };
  }
}

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
 * Makes `NAME.prev.safetensors` hold what `path` holds now, atomically: a new link (or copy)
 * under a temporary name, renamed over the old `.prev`. Returns the `.prev` path.
 */
function keepAsPrevious(path: string): string {
  const prev = siblingPath(path, "prev");
  removeStaleTemporaries(prev);
  const tmp = `${prev}.tmp-${process.pid}-${randomBytes(6).toString("hex")}`;
  try {
    try {
      linkSync(path, tmp);
    } catch {
      // No hard links here (some file systems): a copy, which never overwrites (COPYFILE_EXCL).
      copyFileSync(path, tmp, constants.COPYFILE_EXCL);
    }
    renameSync(tmp, prev);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // never created
    }
    const code = (e as { code?: string }).code ?? (e as Error).message;
    throw new CheckpointError(path, `cannot keep the previous checkpoint as ${prev} (${code})`);
  }
  return prev;
}
