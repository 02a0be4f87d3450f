/**
 * @file Reading GPU buffers back to the host through a small pool of MAP_READ staging buffers.
 * `read` encodes and submits its copy synchronously, before its first `await`, so a read requested
 * right after a run sees that run's results even if the caller has already started the next run.
 */

export class StagingPool {
  /** Free staging buffers by size. At most `keepPerSize` are kept; more are destroyed. */
  private readonly free = new Map<number, GPUBuffer[]>();
  private readonly busy = new Set<GPUBuffer>();
  private created = 0;
  private destroyed = false;

  constructor(
    private readonly device: GPUDevice,
    private readonly keepPerSize = 2,
  ) {}

  /** Copies `bytes` bytes from `offset` in `source` and resolves with them once the GPU is done. */
  read(source: GPUBuffer, bytes: number, offset = 0): Promise<ArrayBuffer> {
    const staging = this.take(bytes);
    const encoder = this.device.createCommandEncoder({ label: `read ${source.label}` });
    encoder.copyBufferToBuffer(source, offset, staging, 0, bytes);
    this.device.queue.submit([encoder.finish()]);
    return this.map(staging, bytes);
  }

  /** Destroys every staging buffer; reads in flight finish or reject, then drop theirs. */
  destroy(): void {
    this.destroyed = true;
    for (const buffers of this.free.values()) for (const b of buffers) b.destroy();
    this.free.clear();
  }

  private async map(staging: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
    try {
      await staging.mapAsync(GPUMapMode.READ, 0, bytes);
      return staging.getMappedRange(0, bytes).slice(0);
    } finally {
      if (staging.mapState === "mapped") staging.unmap();
      this.give(staging);
    }
  }

  private take(bytes: number): GPUBuffer {
    const staging = this.free.get(bytes)?.pop();
    if (staging) {
      this.busy.add(staging);
      return staging;
    }
    const made = this.device.createBuffer({
      label: `staging:${bytes}#${this.created++}`,
      size: bytes,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    this.busy.add(made);
    return made;
  }

  private give(staging: GPUBuffer): void {
    this.busy.delete(staging);
    const list = this.free.get(staging.size) ?? [];
    if (this.destroyed || list.length >= this.keepPerSize) {
      staging.destroy();
      return;
    }
    list.push(staging);
    this.free.set(staging.size, list);
  }
}
