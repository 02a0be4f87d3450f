/**
 * @file The simplification pipeline: named pure Graph -> Graph passes run in order, repeated
 * until the printed graph stops changing. The names are what `--dump-after=PASS` will accept.
 */
import { simplifyAlgebra } from "./algebra.js";
import { foldConstants } from "./fold-constants.js";
import type { Graph } from "./node.js";
import { printGraph } from "./print.js";
import { eliminateCommonSubexpressions, eliminateDeadCode, type Pass } from "./rewrite.js";

export const simplifyPasses: readonly (readonly [name: string, pass: Pass])[] = [
  ["fold-constants", foldConstants],
  ["simplify-algebra", simplifyAlgebra],
  ["eliminate-common-subexpressions", eliminateCommonSubexpressions],
  ["eliminate-dead-code", eliminateDeadCode],
];

export interface SimplifyOptions {
  /** Called with each pass's result, e.g. to dump or verify it. */
  readonly afterPass?: (name: string, graph: Graph) => void;
  /** Upper bound on rounds of the whole pipeline (default 8). */
  readonly maxRounds?: number;
}

/** Runs the pipeline to a fixed point (or `maxRounds`). */
export function simplify(graph: Graph, options: SimplifyOptions = {}): Graph {
  let current = graph;
  let text = printGraph(current);
  for (let round = 0; round < (options.maxRounds ?? 8); round++) {
    for (const [name, pass] of simplifyPasses) {
      current = pass(current);
      options.afterPass?.(name, current);
    }
    const next = printGraph(current);
    if (next === text) break;
    text = next;
  }
  return current;
}
