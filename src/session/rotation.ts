/**
 * @file Where a session's checkpoints go, and which saved one is the last good one. The trainer
 * saves through a `CheckpointSink`; `CheckpointRotation` is the sink that decides rotation, over a
 * `CheckpointStore` that only moves bytes: files in Node (`src/runtime/checkpoint-store.ts`), a
 * map in memory (`MemoryCheckpointStore`, for a browser page). The parameters saved after step `s`
 * are *good* once the loss of step `s + 1`, computed from them, was not high (`divergence.ts`),
 * and *bad* when it was. Saving over a good checkpoint first keeps it as `NAME.prev.safetensors`;
 * one that is not known good is overwritten and the `.prev` one, always good, stays. When training
 * diverges, the last good checkpoint is put back at the path (or named where it is), and a bad one
 * this run wrote is moved aside to `NAME.diverged.safetensors`.
 */
import { CheckpointError, encodeSafetensors, type Checkpoint } from "../runtime/safetensors.js";

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

/** What the trainer needs from wherever checkpoints go. */
export interface CheckpointSink {
  /** Where checkpoints are saved; undefined: nowhere (the trainer then saves nothing). */
  readonly path: string | undefined;
  /** Saves the checkpoint taken after `step` steps. */
  save(step: number, checkpoint: Checkpoint): void;
  /** The loss of `step` was `ok` (not high) or not. */
  observe(step: number, ok: boolean): void;
  /** Training diverged: put the last good checkpoint back and say where it is. */
  diverged(): DivergenceOutcome;
}

/** Bytes at named places: what rotation needs of a file system. */
export interface CheckpointStore {
  /** Writes `checkpoint` at `path`, replacing what is there (atomically where the store can). */
  write(path: string, checkpoint: Checkpoint): void;
  /** Makes `to` hold what `from` holds now, replacing `to`. */
  keepCopy(from: string, to: string): void;
  /** Moves `from` to `to`. */
  move(from: string, to: string): void;
}

interface Tracked extends KeptCheckpoint {
  state: "pending" | "good" | "bad";
  /** Written by this run (a resumed file is the user's: never moved). */
  readonly ours: boolean;
}

/** Tracks the checkpoints of one training run at `path` (none saved when undefined). */
export class CheckpointRotation implements CheckpointSink {
  private latest: Tracked | undefined;
  /** Always a good checkpoint. */
  private previous: KeptCheckpoint | undefined;

  /** `resumed`: the checkpoint this run continues (pending until its next loss is seen). */
  constructor(
    readonly path: string | undefined,
    private readonly store: CheckpointStore,
    resumed?: KeptCheckpoint,
  ) {
    if (resumed) this.latest = { ...resumed, state: "pending", ours: false };
  }

  observe(step: number, ok: boolean): void {
    const l = this.latest;
    if (l && l.state === "pending" && step === l.step + 1) l.state = ok ? "good" : "bad";
  }

  /** Saves `checkpoint` (after `step` steps) at `path`, first keeping a good one there as `.prev`. */
  save(step: number, checkpoint: Checkpoint): void {
    const path = this.path;
    if (path === undefined) return;
    const l = this.latest;
    if (l?.state === "good") {
      let kept = l.path;
      if (l.path === path) this.store.keepCopy(path, (kept = siblingPath(path, "prev")));
      this.previous = { path: kept, step: l.step };
    }
    this.store.write(path, checkpoint);
    this.latest = { path, step, state: "pending", ours: true };
  }

  /**
   * The last good checkpoint, put back at `path` when it was kept as `.prev` and the one at
   * `path` is not good; a bad one this run wrote that is not replaced is moved to `.diverged`.
   * Nothing is called good that was not seen to be.
   */
  diverged(): DivergenceOutcome {
    const l = this.latest;
    if (l?.state === "good") return { good: { path: l.path, step: l.step } };
    const path = this.path;
    const ours = l?.ours && path !== undefined ? l : undefined;
    const prev = this.previous;
    if (ours && prev && prev.path === siblingPath(ours.path, "prev")) {
      this.store.move(prev.path, ours.path);
      this.latest = { path: ours.path, step: prev.step, state: "good", ours: true };
      this.previous = undefined;
      return { good: { path: ours.path, step: prev.step } };
    }
    let moved: KeptCheckpoint | undefined;
    if (ours) {
      moved = { path: siblingPath(ours.path, "diverged"), step: ours.step };
      this.store.move(ours.path, moved.path);
      this.latest = undefined;
    }
    const good = prev ? { path: prev.path, step: prev.step } : undefined;
    return { ...(good ? { good } : {}), ...(moved ? { moved } : {}) };
  }
}

/** Checkpoints as safetensors bytes in a map, by path: a store for a page without files. */
export class MemoryCheckpointStore implements CheckpointStore {
  readonly files = new Map<string, Uint8Array>();

  write(path: string, checkpoint: Checkpoint): void {
    this.files.set(path, encodeSafetensors(checkpoint.tensors, checkpoint.metadata));
  }

  keepCopy(from: string, to: string): void {
    this.files.set(to, this.bytes(from));
  }

  move(from: string, to: string): void {
    this.files.set(to, this.bytes(from));
    this.files.delete(from);
  }

  private bytes(path: string): Uint8Array {
    const b = this.files.get(path);
    if (!b) throw new CheckpointError(path, "no such checkpoint in memory");
    return b;
  }
}
