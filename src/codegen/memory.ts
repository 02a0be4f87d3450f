/**
 * @file Memory planning for temporaries: a first-fit allocator over one arena, so values whose
 * lifetimes do not overlap share memory. Offsets and sizes are in f32 elements, rounded up to
 * 4 elements (16 bytes).
 */

export class TempAllocator {
  /** Free regions [offset, end), sorted by offset, never adjacent. */
  private readonly holes: { offset: number; end: number }[] = [];
  private top = 0;
  /** The arena size needed so far. */
  peak = 0;

  allocate(count: number): number {
    const n = round(count);
    for (let i = 0; i < this.holes.length; i++) {
      const h = this.holes[i]!;
      if (h.end - h.offset < n) continue;
      const offset = h.offset;
      if (h.end - h.offset === n) this.holes.splice(i, 1);
      else h.offset += n;
      return offset;
    }
    const offset = this.top;
    this.top += n;
    this.peak = Math.max(this.peak, this.top);
    return offset;
  }

  free(offset: number, count: number): void {
    let start = offset;
    let end = offset + round(count);
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

function round(count: number): number {
  return Math.max(4, Math.ceil(count / 4) * 4);
}
