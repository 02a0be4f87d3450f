/**
 * @file Encoding a program's dispatches, and timing them one by one with `timestamp-query`.
 */

/** One dispatch, ready to encode: its pipeline, its prebuilt bind group and its grid. */
export interface EncodedDispatch {
  readonly kernel: string;
  readonly pipeline: GPUComputePipeline;
  readonly bindGroup: GPUBindGroup;
  readonly workgroups: readonly [number, number, number];
}

/** GPU time of one dispatch, measured by `PlanRunner.profile`. */
export interface DispatchTime {
  readonly index: number;
  readonly kernel: string;
  readonly ms: number;
}

/** Encodes `dispatches` in order into `pass`, setting a pipeline only when it changes. */
export function encodeDispatches(
  pass: GPUComputePassEncoder,
  dispatches: readonly EncodedDispatch[],
): void {
  let current: GPUComputePipeline | undefined;
  for (const d of dispatches) {
    if (d.pipeline !== current) pass.setPipeline((current = d.pipeline));
    pass.setBindGroup(0, d.bindGroup);
    pass.dispatchWorkgroups(d.workgroups[0], d.workgroups[1], d.workgroups[2]);
  }
}

/**
 * Runs `dispatches` with one compute pass each, timestamps at the start and end of every pass, and
 * resolves with each pass's GPU time. Needs a device with `timestamp-query`.
 */
export async function timeDispatches(
  device: GPUDevice,
  label: string,
  dispatches: readonly EncodedDispatch[],
): Promise<DispatchTime[]> {
  const count = dispatches.length * 2;
  const bytes = count * 8;
  const querySet = device.createQuerySet({
    label: `${label}.timestamps`,
    type: "timestamp",
    count,
  });
  const resolved = device.createBuffer({
    label: `${label}.timestamps.resolved`,
    size: bytes,
    usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
  });
  const staging = device.createBuffer({
    label: `${label}.timestamps.staging`,
    size: bytes,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  try {
    const encoder = device.createCommandEncoder({ label: `${label}.profile` });
    dispatches.forEach((d, i) => {
      const pass = encoder.beginComputePass({
        label: `${label}#${i}:${d.kernel}`,
        timestampWrites: {
          querySet,
          beginningOfPassWriteIndex: 2 * i,
          endOfPassWriteIndex: 2 * i + 1,
        },
      });
      encodeDispatches(pass, [d]);
      pass.end();
    });
    encoder.resolveQuerySet(querySet, 0, count, resolved, 0);
    encoder.copyBufferToBuffer(resolved, 0, staging, 0, bytes);
    device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const ns = new BigInt64Array(staging.getMappedRange().slice(0));
    return dispatches.map((d, i) => ({
      index: i,
      kernel: d.kernel,
      ms: Math.max(0, Number(ns[2 * i + 1]! - ns[2 * i]!)) / 1e6,
    }));
  } finally {
    querySet.destroy();
    resolved.destroy();
    staging.destroy();
  }
}
