/**
 * @file How kernel templates split their work: tile shapes of the register-tiled matrix product,
 * shared by the fusion pass (which needs to know how often each operand element is re-read) and
 * the kernel writer, and when a reduction is worth a workgroup per output (the tree template).
 */
import type { Node } from "../ir/node.js";

/** Candidate tiles, largest first: bigger tiles reuse loads more but give fewer invocations. */
const tiles: readonly (readonly [number, number])[] = [
  [8, 8],
  [4, 8],
  [8, 4],
  [4, 4],
  [2, 4],
  [4, 2],
  [2, 2],
];

/** Keep at least this many invocations so every core has several workgroups to run. */
const minInvocations = 128;

/**
 * Code a tile may unroll, in op-copies: an epilogue is repeated for every output of the tile and
 * a prologue for every row and column it reads. CPU-backed adapters compile large shaders slowly
 * (seconds for a thousand lines), so a heavy epilogue gets a smaller tile.
 */
const codeBudget = 100;

/**
 * Rows and columns of the output tile one invocation computes, or undefined for small products.
 * `epilogue` and `prologue` count the ops fused after and before the product.
 */
export function tileFor(
  mm: Node,
  epilogue = 0,
  prologue = 0,
): readonly [number, number] | undefined {
  const r = mm.shape.length;
  const [m, n] = [mm.shape[r - 2]!, mm.shape[r - 1]!];
  const batch = mm.shape.slice(0, -2).reduce((p, d) => p * d, 1);
  return tileForProduct(batch, m, n, epilogue, prologue);
}

/** The tile for `batch` products of m x n outputs (a matmul, or a convolution seen as one). */
export function tileForProduct(
  batch: number,
  m: number,
  n: number,
  epilogue = 0,
  prologue = 0,
): readonly [number, number] | undefined {
  if (m * n < 256) return undefined;
  // A bias and an activation on a plain product are worth the largest tile.
  const plainish = epilogue <= 2 && prologue === 0;
  const cheapEnough = ([tm, tn]: readonly [number, number]) =>
    plainish ||
    tm * tn * (1 + epilogue) + (tm + tn) * prologue <= codeBudget ||
    (tm <= 2 && tn <= 2);
  const fits = tiles.filter(([tm, tn]) => m >= tm && n >= tn && cheapEnough([tm, tn]));
  const busy = fits.find(
    ([tm, tn]) => batch * Math.ceil(m / tm) * Math.ceil(n / tn) >= minInvocations,
  );
  return busy ?? fits[fits.length - 1];
}

/**
 * Products with fewer multiply-adds than this run untiled in a quick variant (the fastest code to
 * compile); larger ones get a portable tile of at most 2 x 2, which compiles nearly as fast and
 * runs several times faster than one output per invocation (the char transformer's quick step:
 * 3.8 s against 7 s on lavapipe).
 */
const quickUntiledMacs = 1 << 20;

/** The tile of a `matmul` in a quick variant (`KernelContext.quick`); undefined: untiled. */
export function quickTileFor(
  batch: number,
  m: number,
  n: number,
  k: number,
  epilogue = 0,
  prologue = 0,
): readonly [number, number] | undefined {
  if (batch * m * n * k < quickUntiledMacs) return undefined;
  const tile = tileForProduct(batch, m, n, epilogue, prologue);
  return tile && [Math.min(tile[0], 2), Math.min(tile[1], 2)];
}

/** How many times a tiled matmul reads each element of operand `which` (0 = A, 1 = B). */
export function rereads(mm: Node, which: number): number {
  const r = mm.shape.length;
  const [m, n] = [mm.shape[r - 2]!, mm.shape[r - 1]!];
  const tile = tileFor(mm) ?? [1, 1];
  return which === 0 ? Math.ceil(n / tile[1]) : Math.ceil(m / tile[0]);
}

/** Invocations per workgroup of every generated kernel, the subgroup template's lanes included. */
export const workgroupSize = 64;

/**
 * Tiles of the subgroup template, largest first. Rows come in groups of 8: each lane loads one
 * row's A value per group and `subgroupBroadcast` hands it to the other lanes, so A costs TM / 8
 * loads per step of k instead of TM.
 */
const subgroupTiles: readonly (readonly [number, number])[] = [
  [32, 8],
  [16, 8],
  [16, 4],
  [8, 8],
  [8, 4],
];

/**
 * The tile of the subgroup template for `batch` products of m x n outputs, or undefined when it
 * does not pay: a workgroup shares its rows and spreads 64 column tiles over its lanes, so a
 * product with few column tiles would leave most lanes idle.
 */
export function subgroupTileFor(
  batch: number,
  m: number,
  n: number,
  epilogue = 0,
  prologue = 0,
): readonly [number, number] | undefined {
  if (m * n < 256) return undefined;
  const plainish = epilogue <= 2 && prologue === 0;
  const fits = subgroupTiles.filter(([tm, tn]) => {
    const tilesN = Math.ceil(n / tn);
    const idle = (Math.ceil(tilesN / workgroupSize) * workgroupSize) / tilesN;
    const cheap =
      plainish ||
      tm * tn * (1 + epilogue) + (tm / 8 + tn) * prologue <= codeBudget ||
      tm * tn <= 32;
    return m >= tm && idle <= 1.34 && cheap;
  });
  const busy = fits.find(
    ([tm, tn]) =>
      batch * Math.ceil(m / tm) * Math.ceil(Math.ceil(n / tn) / workgroupSize) * workgroupSize >=
      minInvocations,
  );
  return busy ?? fits[fits.length - 1];
}

/**
 * A reduction with at most this many outputs takes the tree template: a serial loop per output
 * would occupy at most two workgroups, two threads of this 2-core machine and a sliver of any
 * discrete GPU, while the tree gives every output a workgroup of its own.
 */
export const treeMaxOutputs = 2 * workgroupSize;

/**
 * ... and folds at least this many elements into each output: every lane then sums at least two
 * before the log2(64) = 6 barrier rounds of the tree, which would otherwise be most of the work.
 */
export const treeMinExtent = 2 * workgroupSize;

/** Whether a reduction of `outputs` elements, each over `extent` inputs, takes the tree template. */
export function useTreeReduction(outputs: number, extent: number): boolean {
  return outputs <= treeMaxOutputs && extent >= treeMinExtent;
}
