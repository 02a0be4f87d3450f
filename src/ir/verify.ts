/**
 * @file `verify(graph)`: the structural invariants every pass must preserve. Tests run it after
 * each pass; a failure is a compiler bug and throws InternalError.
 */
import { InternalError } from "../diag/diagnostic.js";
import { nodeKey } from "./builder.js";
import { isLeaf } from "./op-classes.js";
import { formatShape, shapesEqual, type Graph, type Node } from "./node.js";
import { attrNames } from "../ops/ops.js";
import { printNode } from "./print.js";
import { inferType } from "./shape-rules.js";

function fail(node: Node | undefined, message: string): never {
  throw new InternalError(node ? `${message}\n  at ${printNode(node)}` : message);
}

function verifyNode(node: Node, seen: ReadonlySet<Node>, lastId: number): void {
  if (!Number.isInteger(node.id) || node.id <= lastId) fail(node, "node ids must increase");
  for (const input of node.inputs) {
    if (!seen.has(input)) fail(node, `input %${input.id} is not earlier in the graph`);
  }
  const expected = new Set(attrNames[node.op] as readonly string[]);
  const actual = Object.keys(node.attrs);
  if (actual.length !== expected.size || actual.some((k) => !expected.has(k))) {
    fail(node, `attributes {${actual.join(", ")}} differ from {${[...expected].join(", ")}}`);
  }
  let t;
  try {
    t = inferType(node.op, node.inputs, node.attrs as never);
  } catch (e) {
    fail(node, `shape rule rejects the node: ${(e as Error).message}`);
  }
  if (t.dtype !== node.dtype || !shapesEqual(t.shape, node.shape)) {
    fail(node, `recorded type differs from the rule's ${t.dtype}${formatShape(t.shape)}`);
  }
}

function verifyNamed(graph: Graph, seen: ReadonlySet<Node>): void {
  const leaves = { input: graph.inputs, param: graph.params, state: graph.state } as const;
  const fields = { input: "inputs", param: "params", state: "state" } as const;
  for (const [kind, map] of Object.entries(leaves) as [
    keyof typeof leaves,
    typeof graph.inputs,
  ][]) {
    for (const [name, node] of map) {
      if (!seen.has(node)) fail(node, `${kind} ${name} is not in the graph`);
      if (node.op !== kind || node.attrs.name !== name) fail(node, `${kind} ${name} is misnamed`);
    }
  }
  for (const node of graph.nodes) {
    if (isLeaf(node) && leaves[node.op].get(node.attrs.name) !== node) {
      fail(node, `leaf ${node.attrs.name} is missing from the graph's ${fields[node.op]}`);
    }
  }
  for (const [name, node] of graph.outputs) {
    if (!seen.has(node)) fail(undefined, `output ${name} (%${node.id}) is not in the graph`);
  }
}

/**
 * Checks that nodes are in topological order with increasing ids, that each node's shape and
 * dtype are what its shape rule computes, that no two nodes are the same op on the same inputs
 * with the same attributes (the interning invariant), and that every named leaf and output is
 * in the graph. Returns the graph so it can be chained.
 */
export function verify(graph: Graph): Graph {
  const seen = new Set<Node>();
  const keys = new Map<string, Node>();
  let lastId = -1;
  for (const node of graph.nodes) {
    verifyNode(node, seen, lastId);
    const key = nodeKey(node);
    const twin = keys.get(key);
    if (twin) fail(node, `duplicates %${twin.id} (interning broken)`);
    keys.set(key, node);
    seen.add(node);
    lastId = node.id;
  }
  verifyNamed(graph, seen);
  return graph;
}
