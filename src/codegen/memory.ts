/**
 * @file Memory planning: the binding limits a plan respects, arenas split into chunks that each
 * fit one storage binding (`temps`, `temps_1`, ...), consecutive layouts for inputs, parameters
 * and outputs, and a first-fit allocator for temporaries, so values whose lifetimes do not
 * overlap share memory. Offsets and sizes are in f32 elements, rounded up to 4 elements (16 bytes).
 */

/** Device limits a plan must respect; a plan compiled for them runs on any device that has them. */
export interface BindingLimits {
  /** Bytes one storage binding may cover (one arena chunk). */
  readonly maxStorageBufferBindingSize: number;
  /** Storage buffers one kernel may bind. */
  readonly maxStorageBuffersPerShaderStage: number;
  /** Bytes one buffer may have. */
  readonly maxBufferSize: number;
}

/** WebGPU's default limits, which every conforming device offers. */
export const defaultLimits: BindingLimits = {
  maxStorageBufferBindingSize: 134217728,
  maxStorageBuffersPerShaderStage: 8,
  maxBufferSize: 268435456,
};

/** No limits: for a plan the CPU backend interprets, whose buffers are never bound on a GPU. */
export const unboundedLimits: BindingLimits = {
  maxStorageBufferBindingSize: Infinity,
  maxStorageBuffersPerShaderStage: Infinity,
  maxBufferSize: Infinity,
};

/** Elements one arena chunk may hold: the smaller byte limit, in whole 16-byte units. */
export function chunkElements(limits: BindingLimits): number {
  return Math.floor(Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize) / 16) * 4;
}

/** The name of chunk `k` of `arena`: the arena's own name for the first, `params_1` after. */
export function chunkName(arena: string, k: number): string {
  return k === 0 ? arena : `${arena}_${k}`;
}

/** The arena a chunk belongs to (`temps_2` -> `temps`). */
export function arenaOf(chunk: string): string {
  return chunk.replace(/_\d+$/, "");
}

/** The index of a chunk within its arena (`temps_2` -> 2, `temps` -> 0). */
export function chunkIndex(chunk: string): number {
  return Number(/_(\d+)$/.exec(chunk)?.[1] ?? 0);
}

/** Elements a tensor of `count` elements occupies in an arena. */
export function rounded(count: number): number {
  return Math.max(4, Math.ceil(count / 4) * 4);
}

/** Where a tensor lives in a chunked arena: the chunk index and an element offset into it. */
export interface ChunkSlot {
  readonly chunk: number;
  readonly offset: number;
}

/**
 * Consecutive regions of one arena, in placement order; a tensor that does not fit in the last
 * chunk starts the next one. The caller ensures no tensor is larger than `capacity`.
 */
export class ChunkedLayout {
  readonly at = new Map<string, ChunkSlot>();
  /** Elements used in each chunk. */
  readonly sizes: number[] = [0];

  constructor(private readonly capacity: number) {}

  place(name: string, count: number): ChunkSlot {
    const existing = this.at.get(name);
    if (existing) return existing;
    const n = rounded(count);
    if (this.sizes.at(-1)! + n > this.capacity) this.sizes.push(0);
    const slot = { chunk: this.sizes.length - 1, offset: this.sizes.at(-1)! };
    this.sizes[slot.chunk]! += n;
    this.at.set(name, slot);
    return slot;
  }

  get total(): number {
    return this.sizes.reduce((s, n) => s + n, 0);
  }
}

/** A first-fit allocator over one arena chunk of at most `capacity` elements. */
export class TempAllocator {
  /** Free regions [offset, end), sorted by offset, never adjacent. */
  private readonly holes: { offset: number; end: number }[] = [];
  private top = 0;
  /** The arena size needed so far. */
  peak = 0;

  constructor(private readonly capacity = Infinity) {}

  /** The offset of `count` free elements, or undefined when the chunk has no room for them. */
  allocate(count: number): number | undefined {
    const n = rounded(count);
    for (let i = 0; i < this.holes.length; i++) {
      const h = this.holes[i]!;
      if (h.end - h.offset < n) continue;
      const offset = h.offset;
      if (h.end - h.offset === n) this.holes.splice(i, 1);
      else h.offset += n;
      return offset;
    }
    if (this.top + n > this.capacity) return undefined;
    const offset = this.top;
    this.top += n;
    this.peak = Math.max(this.peak, this.top);
    return offset;
  }

  free(offset: number, count: number): void {
    let start = offset;
    let end = offset + rounded(count);
    // Merge with neighbours, then shrink the top if the hole reaches it.
    for (let i = this.holes.length - 1; i >= 0; i--) {
      const h = this.holes[i]!;
      if (h.end === start || h.offset === end) {
        start = Math.min(start, h.offset);
        end = Math.max(end, h.end);
        this.holes.splice(i, 1);
      }
    }
    if (end === this.top) {
      this.top = start;
      return;
    }
    const at = this.holes.findIndex((h) => h.offset > start);
    this.holes.splice(at < 0 ? this.holes.length : at, 0, { offset: start, end });
  }
}

/**
 * Temporaries over as many chunks as they need: first fit in the preferred chunks (those the
 * kernel already binds, so it binds no more buffers), then in the others in order, then a new one.
 */
export class ChunkedTemps {
  private readonly chunks: TempAllocator[];

  constructor(private readonly capacity: number) {
    this.chunks = [new TempAllocator(capacity)];
  }

  allocate(count: number, preferred: readonly number[]): ChunkSlot {
    const order = [...new Set([...preferred, ...this.chunks.keys()])];
    for (const chunk of order) {
      const offset = this.chunks[chunk]!.allocate(count);
      if (offset !== undefined) return { chunk, offset };
    }
    this.chunks.push(new TempAllocator(this.capacity));
    return { chunk: this.chunks.length - 1, offset: this.chunks.at(-1)!.allocate(count)! };
  }

  free(slot: ChunkSlot, count: number): void {
    this.chunks[slot.chunk]!.free(slot.offset, count);
  }

  /** The size each chunk needs. */
  get peaks(): number[] {
    return this.chunks.map((c) => c.peak);
  }
}
