/**
 * @file What the CPU backend can hold, checked before it allocates anything. The GPU path refuses
 * a tensor larger than one storage binding when the plan is emitted (G0802); a plan for the CPU
 * is emitted without binding limits, so this module gives it the same kind of diagnostic for the
 * memory the reference interpreter would allocate: every value of a program's graph (it keeps
 * them all until the step ends), plus parameters, moments and gradients.
 */
import type { CompiledPlan } from "../codegen/compile.js";
import { modelTensors } from "../codegen/plan.js";
import { type Diagnostic, makeDiagnostic, type Span, UserError } from "../diag/diagnostic.js";
import { formatSpan } from "../ir/print.js";
import type { Graph, Node } from "../ir/node.js";

/** The CPU backend's limits (docs/cli.md, "The CPU backend"). */
export const cpuLimits = {
  /** Bytes of one tensor: 2^31 - 1, the largest signed 32-bit count. */
  tensorBytes: 2 ** 31 - 1,
  /** Bytes of everything one program holds at once: 8 GiB. */
  totalBytes: 2 ** 33,
} as const;

const bytesOf = (n: Node) => 4 * n.shape.reduce((p, d) => p * d, 1);

/** What a node is, for a message: a parameter or input by name, else the op that computes it. */
function describe(graph: Graph, node: Node): string {
  for (const [name, p] of graph.params) if (p === node) return `parameter \`${name}\``;
  for (const [name, i] of graph.inputs) if (i === node) return `input \`${name}\``;
  return `the result of \`${node.op}\``;
}

const help =
  "the CPU backend holds every tensor of a step in memory: use a smaller `batch` or a smaller layer";

/** Why the CPU backend cannot hold a plan: the message, and the tensor's span when one is at fault. */
export interface CpuSizeProblem {
  readonly message: string;
  readonly span?: Span;
}

/**
 * What the CPU backend could not allocate to run `compiled`: the first tensor of a graph larger
 * than `cpuLimits.tensorBytes`, else a program whose values, parameters, moments and gradients
 * together pass `cpuLimits.totalBytes`. Undefined when the plan fits.
 */
export function cpuSizeProblem(compiled: CompiledPlan): CpuSizeProblem | undefined {
  const { plan } = compiled;
  const persistent = [...modelTensors(plan), ...plan.state, ...(plan.grads ?? [])]
    .map((t) => 4 * t.shape.reduce((p, d) => p * d, 1))
    .reduce((a, b) => a + b, 0);
  const programs: [string, Graph][] = [
    ["training step", compiled.compiled.training],
    ["evaluation", compiled.evaluation],
  ];
  for (const [, graph] of programs) {
    const big = graph.nodes.find((n) => bytesOf(n) > cpuLimits.tensorBytes);
    if (big)
      return {
        message: `${describe(graph, big)} of shape [${big.shape.join(", ")}] needs ${bytesOf(big)} bytes, more than the ${cpuLimits.tensorBytes} bytes one tensor may have on the CPU backend`,
        ...(big.span ? { span: big.span } : {}),
      };
  }
  for (const [what, graph] of programs) {
    const total = graph.nodes.reduce((s, n) => s + bytesOf(n), persistent);
    if (total > cpuLimits.totalBytes)
      return {
        message: `the ${what} needs ${total} bytes in all on the CPU backend (every value of its graph, parameters, moments and gradients), more than the ${cpuLimits.totalBytes} bytes it may hold`,
      };
  }
  return undefined;
}

/** `cpuSizeProblem` as a G0802 diagnostic, at the tensor or else at the train section `section`. */
export function cpuSizeDiagnostics(compiled: CompiledPlan, section: Span): Diagnostic[] {
  const problem = cpuSizeProblem(compiled);
  if (!problem) return [];
  return [
    makeDiagnostic({
      code: "G0802",
      message: problem.message,
      span: problem.span ?? section,
      label: problem.span ? "this tensor" : "in this train section",
      help,
    }),
  ];
}

/** A plan the CPU backend cannot hold, thrown by `CpuRunner.create` for callers that skipped the check. */
export class CpuSizeError extends UserError {
  constructor(readonly problem: CpuSizeProblem) {
    const at = problem.span ? ` (${formatSpan(problem.span)})` : "";
    super(`G0802: ${problem.message}${at}`);
    this.name = "CpuSizeError";
  }
}
