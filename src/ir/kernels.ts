/**
 * @file Reference loops for the interpreter's non-elementwise ops: batched matmul, conv2d and its
 * two gradients, pooling, gather/scatter, argmax, concat. Plain loops ordered for locality;
 * every accumulation is in float64 and rounded once when stored.
 */
import { sizeOf, stridesOf } from "./node.js";
import type { ConvGeometry } from "./conv-geometry.js";
import type { PoolAttrs, Shape } from "../ops/ops.js";
import { broadcastOffsets, type TensorData } from "./tensor.js";

/** out[..., m, n] = sum_k a[..., m, k] * b[..., k, n], batch dims broadcast. */
export function matmulInto(
  out: TensorData,
  outShape: Shape,
  a: TensorData,
  aShape: Shape,
  b: TensorData,
  bShape: Shape,
): void {
  const r = outShape.length;
  const [m, n] = [outShape[r - 2]!, outShape[r - 1]!];
  const k = aShape[aShape.length - 1]!;
  const batch = outShape.slice(0, -2);
  const aBatch = broadcastOffsets(aShape.slice(0, -2), batch);
  const bBatch = broadcastOffsets(bShape.slice(0, -2), batch);
  const row = new Float64Array(n);
  for (let t = 0; t < aBatch.length; t++) {
    const aBase = aBatch[t]! * m * k;
    const bBase = bBatch[t]! * k * n;
    for (let i = 0; i < m; i++) {
      row.fill(0);
      for (let p = 0; p < k; p++) {
        const av = a[aBase + i * k + p]!;
        if (av === 0) continue;
        const bRow = bBase + p * n;
        for (let j = 0; j < n; j++) row[j]! += av * b[bRow + j]!;
      }
      out.set(row, (t * m + i) * n);
    }
  }
}

/**
 * Calls `tap(xIndex, wIndex, yIndex)` for every multiply-add of the convolution `g` (see
 * conv-geometry.ts), skipping taps that land in the zero padding. conv2d, its input gradient and
 * its filter gradient are the same loop with a different body.
 */
export function forEachConvTap(
  g: ConvGeometry,
  tap: (xi: number, wi: number, yi: number) => void,
): void {
  const { N, C, H, W, O, KH, KW, OH, OW, stride, padding } = g;
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < O; o++) {
      const yBase = (n * O + o) * OH * OW;
      for (let c = 0; c < C; c++) {
        const xBase = (n * C + c) * H * W;
        for (let kh = 0; kh < KH; kh++) {
          for (let kw = 0; kw < KW; kw++) {
            const wi = ((o * C + c) * KH + kh) * KW + kw;
            for (let oh = 0; oh < OH; oh++) {
              const ih = oh * stride[0] - padding[0] + kh;
              if (ih < 0 || ih >= H) continue;
              for (let ow = 0; ow < OW; ow++) {
                const iw = ow * stride[1] - padding[1] + kw;
                if (iw < 0 || iw >= W) continue;
                tap(xBase + ih * W + iw, wi, yBase + oh * OW + ow);
              }
            }
          }
        }
      }
    }
  }
}

/** Calls `visit(yIndex, xIndices)` for every pooling window, in row-major order within it. */
export function forEachPoolWindow(
  xShape: Shape,
  yShape: Shape,
  { size, stride }: PoolAttrs,
  visit: (yi: number, window: readonly number[]) => void,
): void {
  const [N, C, H, W] = xShape as [number, number, number, number];
  const [, , OH, OW] = yShape as [number, number, number, number];
  const window: number[] = new Array(size[0] * size[1]);
  for (let nc = 0; nc < N * C; nc++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        let k = 0;
        for (let kh = 0; kh < size[0]; kh++) {
          for (let kw = 0; kw < size[1]; kw++) {
            window[k++] = nc * H * W + (oh * stride[0] + kh) * W + ow * stride[1] + kw;
          }
        }
        visit((nc * OH + oh) * OW + ow, window);
      }
    }
  }
}

/** The position in `window` of its first maximum (NaN counts as a maximum, so it propagates). */
export function argmaxOf(x: TensorData, window: readonly number[]): number {
  let best = window[0]!;
  for (const i of window) {
    if (x[i]! > x[best]! || (Number.isNaN(x[i]!) && !Number.isNaN(x[best]!))) best = i;
  }
  return best;
}

function checkId(id: number, rows: number, op: string): void {
  if (!(id >= 0 && id < rows)) throw new RangeError(`${op}: id ${id} is outside [0, ${rows})`);
}

/** out[i, :] = table[ids[i], :]. An id outside the table is a RangeError. */
export function gatherInto(
  out: TensorData,
  table: TensorData,
  tableShape: Shape,
  ids: TensorData,
): void {
  const rowSize = sizeOf(tableShape.slice(1));
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    checkId(id, tableShape[0]!, "gather");
    out.set(table.subarray(id * rowSize, (id + 1) * rowSize), i * rowSize);
  }
}

/** out[ids[i], :] += updates[i, :], accumulated in float64. */
export function scatterAddInto(
  out: TensorData,
  rows: number,
  ids: TensorData,
  updates: TensorData,
): void {
  const rowSize = ids.length === 0 ? 0 : updates.length / ids.length;
  const acc = new Float64Array(out.length);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    checkId(id, rows, "scatter_add");
    for (let j = 0; j < rowSize; j++) acc[id * rowSize + j]! += updates[i * rowSize + j]!;
  }
  out.set(acc);
}

/** Index of the first maximum along `axis`. */
export function argmaxInto(out: TensorData, x: TensorData, xShape: Shape, axis: number): void {
  const inner = stridesOf(xShape)[axis]!;
  const len = xShape[axis]!;
  const outer = sizeOf(xShape.slice(0, axis));
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * len * inner + i;
      let best = 0;
      for (let j = 1; j < len; j++) {
        const v = x[base + j * inner]!;
        const b = x[base + best * inner]!;
        if (v > b || (Number.isNaN(v) && !Number.isNaN(b))) best = j;
      }
      out[o * inner + i] = best;
    }
  }
}

/** Concatenates row-major blocks along `axis`. */
export function concatInto(
  out: TensorData,
  parts: readonly { data: TensorData; shape: Shape }[],
  axis: number,
): void {
  const outer = sizeOf(parts[0]!.shape.slice(0, axis));
  const chunks = parts.map((p) => sizeOf(p.shape.slice(axis)));
  const total = chunks.reduce((s, c) => s + c, 0);
  let offset = 0;
  parts.forEach((p, k) => {
    const chunk = chunks[k]!;
    for (let o = 0; o < outer; o++) {
      out.set(p.data.subarray(o * chunk, (o + 1) * chunk), o * total + offset);
    }
    offset += chunk;
  });
}
