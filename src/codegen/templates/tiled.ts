/**
 * @file The register-tiled product templates (a matmul, or a convolution as an implicit GEMM):
 * the plain one, its quick-to-compile variant and the one sharing rows by `subgroupBroadcast`.
 */
import { type Node, sizeOf } from "../../ir/node.js";
import type { KernelGroup } from "../fuse.js";
import { opInfo } from "../op-info.js";
import { quickTileFor, subgroupTileFor, tileForProduct, workgroupSize } from "../tiles.js";
import type { Emitter } from "../wgsl/rules.js";
import { flatten, unflatten, type Index, type Writer } from "../wgsl/writer.js";
import { gemmDims, gemmOf, isGemm, type Gemm } from "./gemm.js";
import type { Layout, Store } from "./layout.js";

/** The tiled template for a product big enough to tile; undefined otherwise. */
export function tiledLayout(
  w: Writer,
  e: Emitter,
  group: KernelGroup,
  main: Node,
  store: Store,
  subgroups: boolean,
  quick = false,
): Layout | undefined {
  if (!isGemm(main)) return undefined;
  // Sizes first: decoding writes index names, so only build the view once a tile is chosen.
  const dims = gemmDims(main);
  const around = fusedAround(group, main);
  if (quick && main.op === "matmul") {
    const k = main.inputs[0]!.shape.at(-1)!;
    const tile = quickTileFor(dims.batch, dims.m, dims.n, k, ...around);
    return tile && tiledBody(w, e, group, main, gemmOf(w, e, main)!, tile, store);
  }
  const shared = subgroups ? subgroupTileFor(dims.batch, dims.m, dims.n, ...around) : undefined;
  if (shared) return subgroupBody(w, e, group, main, gemmOf(w, e, main)!, shared, store);
  const tile = tileForProduct(dims.batch, dims.m, dims.n, ...around);
  if (!tile) return undefined;
  return tiledBody(w, e, group, main, gemmOf(w, e, main)!, tile, store);
}

/**
 * Register-tiled product (a matmul, or a convolution as an implicit GEMM): each invocation
 * accumulates a TM x TN tile of the output in registers, reading TM values of A and TN of B per
 * step of k straight from storage (no workgroup memory: barriers are expensive on CPU-backed
 * adapters). Operands are rendered through the emitter, so transposes and im2col patches are
 * index arithmetic and cheap elementwise prologues (such as an activation-derivative mask) are
 * applied as the values are read. The epilogue (bias, activation, residual) runs on each
 * accumulator before its single store.
 */
function tiledBody(
  w: Writer,
  e: Emitter,
  group: KernelGroup,
  main: Node,
  g: Gemm,
  tile: readonly [number, number],
  store: Store,
): Layout {
  const out = group.output;
  const { M, N, K, batchShape } = g;
  const [TM, TN] = tile;
  const batch = sizeOf(batchShape);
  const tilesM = Math.ceil(M / TM);
  const tilesN = Math.ceil(N / TN);
  const invocations = batch * tilesM * tilesN;
  w.line(`if (t >= ${invocations}) { return; }`);
  w.line(`let i0 = ((t / ${tilesN}) % ${tilesM}) * ${TM};`);
  w.line(`let j0 = (t % ${tilesN}) * ${TN};`);
  const bIdx =
    batch > 1
      ? unflatten(w.bind(`t / ${tilesM * tilesN}`, "bt"), batchShape).map((x) => w.bind(x, "b"))
      : batchShape.map(() => "0");
  // When the tile divides the output evenly no index needs clamping and no store a guard.
  const exactM = M % TM === 0;
  const exactN = N % TN === 0;
  const rows = [...Array(TM).keys()].map((ii) =>
    g.row(w.bind(exactM ? `i0 + ${ii}` : `min(i0 + ${ii}, ${M - 1})`, "m")),
  );
  const cols = tileColumns(w, g, TN, N, exactN);
  // The bound is opaque to the shader compiler (t is never negative) so that it does not unroll
  // a short k loop completely: that multiplies the code, and CPU adapters compile it slowly.
  accumulateTile(w, g, bIdx, cols, TM, K, "t", (step) =>
    rows.map((row) => w.bind(g.a(bIdx, row, step), "x")),
  );
  storeTileByRows(
    w,
    e,
    out,
    main,
    g,
    bIdx,
    cols,
    { TM, TN, M, N },
    { m: exactM, n: exactN },
    "t",
    store,
  );
  return {
    invocations,
    split: `${TM}x${TN} output tile per invocation (${main.op} as a ${M}x${N}x${K} product): ${invocations} invocations (${batch} x ${tilesM} x ${tilesN}) in workgroups of ${workgroupSize}`,
  };
}

/**
 * The register-tiled product with subgroups: a workgroup shares one TM-row band (so its rows, the
 * loop bound and every subgroup operation are uniform) and spreads 64 column tiles over its lanes.
 * Per step of k each lane loads one A value per 8 rows (row `lane % 8` of each group) and
 * `subgroupBroadcast` hands row i's value to every lane, so A costs TM / 8 loads instead of TM; B
 * is read per lane as in `tiledBody`. On lavapipe every non-uniform storage load is a per-lane
 * scalar loop, so loads, not arithmetic, bound a product: this halves them. Needs a subgroup size
 * that is a multiple of 8 (lavapipe: 8) and at most the workgroup size.
 */
function subgroupBody(
  w: Writer,
  e: Emitter,
  group: KernelGroup,
  main: Node,
  g: Gemm,
  tile: readonly [number, number],
  store: Store,
): Layout {
  const out = group.output;
  const { M, N, K, batchShape } = g;
  const [TM, TN] = tile;
  const batch = sizeOf(batchShape);
  const tilesM = Math.ceil(M / TM);
  const tilesN = Math.ceil(N / TN);
  const bands = Math.ceil(tilesN / workgroupSize);
  const invocations = batch * tilesM * bands * workgroupSize;
  w.line(`let rt = w / ${bands};`);
  w.line(`let i0 = (rt % ${tilesM}) * ${TM};`);
  w.line(`let j0 = ((w % ${bands}) * ${workgroupSize} + t % ${workgroupSize}) * ${TN};`);
  const bIdx =
    batch > 1
      ? unflatten(w.bind(`rt / ${tilesM}`, "bt"), batchShape).map((x) => w.bind(x, "b"))
      : batchShape.map(() => "0");
  // Lanes past the last column tile still run (subgroup operations need every lane): their
  // columns are clamped and their stores skipped.
  const exactM = M % TM === 0;
  const exactN = N % TN === 0 && tilesN % workgroupSize === 0;
  const cols = tileColumns(w, g, TN, N, exactN);
  const laneRows = [...Array(TM / 8).keys()].map((q) =>
    g.row(
      w.bind(
        exactM ? `i0 + ${q * 8} + i32(lane % 8u)` : `min(i0 + ${q * 8} + i32(lane % 8u), ${M - 1})`,
        "m",
      ),
    ),
  );
  // Bounded by the uniform w, not by t: subgroupBroadcast must stay in uniform control flow.
  accumulateTile(w, g, bIdx, cols, TM, K, "w", (step) => {
    const mine = laneRows.map((row) => w.bind(g.a(bIdx, row, step), "x"));
    return [...Array(TM).keys()].map((ii) =>
      w.bind(`subgroupBroadcast(${mine[ii >> 3]}, ${ii & 7}u)`, "x"),
    );
  });
  storeTileByRows(
    w,
    e,
    out,
    main,
    g,
    bIdx,
    cols,
    { TM, TN, M, N },
    { m: exactM, n: exactN },
    "w",
    store,
  );
  return {
    invocations,
    collective: "subgroup",
    split: `${TM}x${TN} output tile per invocation, rows shared by subgroupBroadcast (${main.op} as a ${M}x${N}x${K} product): ${invocations} invocations (${batch} x ${tilesM} x ${bands} workgroups of ${workgroupSize} lanes over ${tilesN} column tiles)`,
  };
}

/** The column indices of a tile's TN columns from `j0`, clamped unless the tile is exact. */
function tileColumns(w: Writer, g: Gemm, TN: number, N: number, exact: boolean): string[][] {
  return [...Array(TN).keys()].map((jj) =>
    g.col(w.bind(exact ? `j0 + ${jj}` : `min(j0 + ${jj}, ${N - 1})`, "n")),
  );
}

/**
 * Declares the TM x TN accumulators `acc_i_j` and writes the k loop that fills them by FMA:
 * `rowValues(step)` gives A's TM values at step k, B's values come from `cols`. The loop bound
 * `select(K, 0, bound < 0)` is opaque to the shader compiler (`bound` is never negative).
 */
function accumulateTile(
  w: Writer,
  g: Gemm,
  bIdx: Index,
  cols: readonly string[][],
  TM: number,
  K: number,
  bound: string,
  rowValues: (step: string[]) => string[],
): void {
  const acc = (ii: number, jj: number) => `acc_${ii}_${jj}`;
  for (let ii = 0; ii < TM; ii++)
    for (let jj = 0; jj < cols.length; jj++) w.line(`var ${acc(ii, jj)} = 0.0;`);
  w.line(`let kEnd = select(${K}, 0, ${bound} < 0);`);
  w.block(`for (var k = 0; k < kEnd; k++)`, () =>
    w.scoped(() => {
      const step = g.step("k");
      const av = rowValues(step);
      const bv = cols.map((col) => w.bind(g.b(bIdx, step, col), "y"));
      for (let ii = 0; ii < TM; ii++)
        for (let jj = 0; jj < cols.length; jj++)
          w.line(`${acc(ii, jj)} = fma(${av[ii]}, ${bv[jj]}, ${acc(ii, jj)});`);
    }),
  );
}

/**
 * Stores a TM x TN accumulator tile one row at a time: a loop over the rows stores row 0 through
 * the epilogue, then shifts every row of accumulators up by one (register moves). That writes TN
 * store sites instead of TM x TN: lavapipe expands every non-uniform store into a branch per lane,
 * and LLVM's compile time grows faster than linearly in them (an unrolled 8x8 tile with its
 * epilogue took seconds to compile, a 32x8 one over a minute). `bound` (never negative) hides the
 * trip count so that the loop is not unrolled again.
 */
function storeTileByRows(
  w: Writer,
  e: Emitter,
  out: Node,
  main: Node,
  g: Gemm,
  bIdx: Index,
  cols: readonly string[][],
  tile: { readonly TM: number; readonly TN: number; readonly M: number; readonly N: number },
  exact: { readonly m: boolean; readonly n: boolean },
  bound: string,
  store: Store,
): void {
  const { TM, TN, M, N } = tile;
  const acc = (ii: number, jj: number) => `acc_${ii}_${jj}`;
  w.block(`for (var ri = 0; ri < select(${TM}, 0, ${bound} < 0); ri++)`, () =>
    w.scoped(() => {
      const row = g.row(w.bind(exact.m ? "i0 + ri" : `min(i0 + ri, ${M - 1})`, "m"));
      for (let jj = 0; jj < TN; jj++) {
        const idx = g.out(bIdx, row, cols[jj]!);
        const epilogue = () => {
          w.remember(main, idx, acc(0, jj));
          store(flatten(idx, out.shape), e.value(out, idx));
        };
        const guards = [
          ...(exact.m ? [] : [`i0 + ri < ${M}`]),
          ...(exact.n ? [] : [`j0 + ${jj} < ${N}`]),
        ];
        if (guards.length === 0) epilogue();
        else w.block(`if (${guards.join(" && ")})`, () => w.scoped(epilogue));
      }
      for (let ii = 0; ii + 1 < TM; ii++)
        for (let jj = 0; jj < TN; jj++) w.line(`${acc(ii, jj)} = ${acc(ii + 1, jj)};`);
    }),
  );
}

/** Ops fused after a loop node (its epilogue) and before it (its operands' prologue). */
function fusedAround(group: KernelGroup, main: Node): [number, number] {
  const inGroup = new Set(group.nodes);
  const before = new Set<Node>();
  const stack = [...main.inputs];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (!inGroup.has(n) || before.has(n)) continue;
    before.add(n);
    stack.push(...n.inputs);
  }
  const count = (ns: Iterable<Node>) => [...ns].filter((n) => !opInfo[n.op].tileFree).length;
  return [count(group.nodes.filter((n) => n !== main && !before.has(n))), count(before)];
}
