/**
 * @file The IR node and graph types, and small shape helpers shared by every pass.
 * Nodes are immutable SSA values made only through `GraphBuilder` (builder.ts).
 */
import { InternalError, type Span } from "../diag/diagnostic.js";
import type { Dtype, Op, OpAttrs, Shape } from "../ops/ops.js";

/** One SSA value: `op` applied to `inputs`, with a concrete shape and dtype. */
export interface NodeOf<O extends Op> {
  /** Unique within a graph; inputs always have smaller ids (ids give a topological order). */
  readonly id: number;
  readonly op: O;
  readonly inputs: readonly Node[];
  readonly shape: Shape;
  readonly dtype: Dtype;
  readonly attrs: OpAttrs[O];
  /** Where in the `.grove` source this value comes from. */
  readonly span?: Span;
  /**
   * A copy of a forward value that the backward pass recomputes instead of reading it stored
   * (`rematerialize`, remat.ts). The builder keys it apart from the node it copies, so the two
   * stay distinct nodes; everything else treats it as an ordinary node of its op.
   */
  readonly remat?: true;
}

/** Any node; narrows on `op`. */
export type Node = { [O in Op]: NodeOf<O> }[Op];

export interface TensorType {
  readonly shape: Shape;
  readonly dtype: Dtype;
}

/**
 * A graph: every node in topological (ascending id) order, the named leaves it reads
 * and the named values it produces.
 */
export interface Graph {
  readonly nodes: readonly Node[];
  readonly inputs: ReadonlyMap<string, Node>;
  readonly params: ReadonlyMap<string, Node>;
  /** Model state (`state` leaves): read like parameters, never differentiated. */
  readonly state: ReadonlyMap<string, Node>;
  readonly outputs: ReadonlyMap<string, Node>;
}

/** The nodes `roots` depend on, themselves included. */
export function ancestors(roots: readonly Node[]): Set<Node> {
  const seen = new Set<Node>();
  const stack = [...roots];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    stack.push(...n.inputs);
  }
  return seen;
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(",")}]`;
}

/** Numpy broadcasting: align from the right; a dim of 1 stretches. */
export function broadcastShapes(...shapes: Shape[]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    let d = 1;
    for (const s of shapes) {
      const k = s.length - rank + i;
      const e = k >= 0 ? s[k]! : 1;
      if (e === 1 || e === d) continue;
      if (d !== 1) {
        throw new InternalError(`shapes ${shapes.map(formatShape).join(", ")} do not broadcast`);
      }
      d = e;
    }
    out.push(d);
  }
  return out;
}

/** Maps a possibly negative axis into [0, rank). */
export function normalizeAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) {
    throw new InternalError(`axis ${axis} is out of range for rank ${rank}`);
  }
  return a;
}

/** Row-major strides of a shape. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}
