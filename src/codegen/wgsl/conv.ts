/**
 * @file The index arithmetic of a convolution (conv-geometry.ts) written as WGSL expressions, shared
 * by the one-output-per-invocation rules (rules.ts) and the implicit-GEMM view of the tiled
 * template (templates/gemm.ts). Arguments are index expressions; wrap compound ones in `paren`.
 */
import type { ConvGeometry } from "../../ir/conv-geometry.js";

/** The first input row (axis 0) or column (axis 1) of output position `o`'s window: o·s - p. */
export function windowStart(o: string, axis: 0 | 1, g: ConvGeometry): string {
  return `${o} * ${g.stride[axis]} - ${g.padding[axis]}`;
}

/** Input position (ih, iw) lies inside the image, not in the zero padding. */
export function insideImage(ih: string, iw: string, g: ConvGeometry): string {
  return `${ih} >= 0 && ${ih} < ${g.H} && ${iw} >= 0 && ${iw} < ${g.W}`;
}

/**
 * For the input gradient: input position `i` (row or column) plus the padding minus filter tap
 * `k`, which is output position · stride when the tap at `k` of some output reads `i`.
 */
export function tapOffset(i: string, k: string, axis: 0 | 1, g: ConvGeometry): string {
  return `${i} + ${g.padding[axis]} - ${k}`;
}

/** The output position of a `tapOffset` (exact when `stridedTap` holds). */
export function tapOutput(offset: string, axis: 0 | 1, g: ConvGeometry): string {
  return `${offset} / ${g.stride[axis]}`;
}

/** The tap offsets (th, tw) are a whole number of strides and land inside the output image. */
export function stridedTap(th: string, tw: string, g: ConvGeometry): string {
  const [sh, sw] = g.stride;
  return `${th} >= 0 && ${tw} >= 0 && ${th} % ${sh} == 0 && ${tw} % ${sw} == 0 && ${tapOutput(th, 0, g)} < ${g.OH} && ${tapOutput(tw, 1, g)} < ${g.OW}`;
}
