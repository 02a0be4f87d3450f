/**
 * @file The module structure of a model, recovered from the checker's trace: every node carries
 * the instance path it was made in (`blocks.0.ff.up`), and a call of an instance's `forward` is
 * inlined as one contiguous run of nodes inside that path. So the nodes in id order, read with a
 * stack of open calls, give the tree of calls: a node in a path below the open call opens the calls
 * on the way to it (`blocks`, then `blocks.0`, then `blocks.0.ff`), a node outside it closes it.
 * Each call's arguments are the values it reads from outside, its results the values read outside.
 *
 * Constants and `training()` belong to no call: they are written where they are used. Two
 * consecutive calls of one instance (`x |> h |> h`) are one run, hence one call applying the block
 * twice; an instance whose calls differ is refused by the writer (model-py.ts).
 */
import type { TraceNode } from "../../parser/check/values.js";

/** One call of an instance's forward (or the model's own forward, scope ""). */
export interface Call {
  readonly scope: string;
  /** Its own nodes and the calls it makes, in order. */
  readonly items: (TraceNode | Call)[];
  /** Trace ids it reads from outside, in order of first use. */
  inputs: number[];
  /** Trace ids it makes that are read outside (or are outputs of `root`), in id order. */
  outputs: number[];
}

export const isCall = (x: TraceNode | Call): x is Call => "items" in x;

/** Whether `scope` is `outer` or an instance inside it. */
export function within(scope: string, outer: string): boolean {
  return outer === "" || scope === outer || scope.startsWith(outer + ".");
}

/** Nodes written where used, never passed between calls. */
export const isFree = (n: TraceNode): boolean =>
  n.op === "const" || n.op === "training" || isMember(n);

/** A parameter or a state tensor: a member of its instance's module, read as `self.name`. */
export const isMember = (n: TraceNode): n is MemberNode => n.op === "param" || n.op === "state";

export type MemberNode = Extract<TraceNode, { op: "param" | "state" }>;

/**
 * The call tree of `nodes` (a cone of the trace in id order, params and inputs included), with
 * each call's arguments and results; `rootOutputs` are the ids the root call returns.
 */
export function callTree(nodes: readonly TraceNode[], rootOutputs: readonly number[]): Call {
  const root: Call = { scope: "", items: [], inputs: [], outputs: [] };
  const stack: Call[] = [root];
  for (const n of nodes) {
    if (isFree(n) || n.op === "input") {
      if (n.op === "input") root.items.push(n);
      continue;
    }
    while (!within(n.scope, stack[stack.length - 1]!.scope)) stack.pop();
    let top = stack[stack.length - 1]!;
    while (top.scope !== n.scope) {
      const rest = n.scope.slice(top.scope === "" ? 0 : top.scope.length + 1);
      const next = rest.split(".")[0]!;
      const call: Call = {
        scope: top.scope === "" ? next : `${top.scope}.${next}`,
        items: [],
        inputs: [],
        outputs: [],
      };
      top.items.push(call);
      stack.push(call);
      top = call;
    }
    top.items.push(n);
  }
  const byId = new Map(nodes.map((n) => [n.id, n]));
  linkCalls(root, byId, new Set(rootOutputs));
  return root;
}

/** The ids of every node in `call` and the calls below it. */
export function nodesOf(call: Call, out: TraceNode[] = []): TraceNode[] {
  for (const item of call.items) {
    if (isCall(item)) nodesOf(item, out);
    else out.push(item);
  }
  return out;
}

/** Fills in each call's arguments and results from who reads what. */
function linkCalls(root: Call, byId: ReadonlyMap<number, TraceNode>, rootOut: Set<number>): void {
  const readers = new Map<number, TraceNode[]>();
  for (const n of nodesOf(root))
    for (const i of n.inputs) readers.set(i, [...(readers.get(i) ?? []), n]);
  const visit = (call: Call) => {
    const mine = new Set(nodesOf(call).map((n) => n.id));
    const inputs: number[] = [];
    for (const n of nodesOf(call))
      for (const i of n.inputs) {
        const src = byId.get(i)!;
        if (mine.has(i) || inputs.includes(i)) continue;
        if (src.op === "const" || src.op === "training") continue;
        if (isMember(src) && within(src.scope, call.scope)) continue;
        inputs.push(i);
      }
    call.inputs = call === root ? [] : inputs;
    call.outputs = [...mine]
      .filter(
        (id) =>
          (call === root && rootOut.has(id)) ||
          (call !== root &&
            (rootOut.has(id) || (readers.get(id) ?? []).some((r) => !mine.has(r.id)))),
      )
      .sort((a, b) => a - b);
    for (const item of call.items) if (isCall(item)) visit(item);
  };
  visit(root);
}
