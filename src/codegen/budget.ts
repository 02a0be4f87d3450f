/**
 * @file `--memory-budget BYTES`: compiles a train section under each rematerialisation policy
 * allowed and keeps the plan that moves the fewest bytes per training step among those whose peak
 * memory (`Plan.peakBytes`) fits the budget. When none fits, one diagnostic names the smallest
 * peak reachable: G0807 when even the buffers no policy changes (parameters, gradients,
 * optimizer state, inputs, outputs) exceed the budget, else G0806.
 */
import { makeDiagnostic, type Result } from "../diag/diagnostic.js";
import { rematPolicies, type RematPolicy } from "../ir/remat.js";
import type { ElaboratedTrain } from "../parser/check/values.js";
import { compilePlan, type CompiledPlan, type PlanOptions } from "./compile.js";
import type { Plan } from "./plan.js";

/** One policy's plan as the budget sees it. */
export interface BudgetCandidate {
  readonly policy: RematPolicy;
  /** `Plan.peakBytes`: every buffer of the plan, temporaries at their liveness peak. */
  readonly peak: number;
  /** Bytes read and written by the training program's dispatches. */
  readonly moved: number;
}

export interface WithinBudget {
  readonly compiled: CompiledPlan;
  /** Every policy tried, in `rematPolicies` order. */
  readonly candidates: readonly BudgetCandidate[];
}

/** Bytes the training program's dispatches read and write. */
export function bytesMoved(plan: Plan, program = "train"): number {
  return plan.programs[program]!.dispatches.reduce((s, d) => {
    const k = plan.kernels[d.kernel]!;
    return s + k.bytesRead + k.bytesWritten;
  }, 0);
}

/** Bytes of the buffers that live across steps or cross the host: all but the temporaries. */
export function fixedBytes(plan: Plan): number {
  return plan.buffers.filter((b) => b.kind !== "temp").reduce((s, b) => s + b.bytes, 0);
}

/**
 * Compiles `train` under each of `policies` (default: all) and returns the plan moving the fewest
 * bytes whose peak fits `budget` (ties: the earlier policy), or the diagnostic saying why none does.
 */
export function compileWithinBudget(
  train: ElaboratedTrain,
  options: PlanOptions,
  budget: number,
  policies: readonly RematPolicy[] = rematPolicies,
): Result<WithinBudget | undefined> {
  const plans: CompiledPlan[] = [];
  for (const remat of policies) {
    const r = compilePlan(train, { ...options, remat });
    if (!r.value) return { value: undefined, diagnostics: r.diagnostics };
    plans.push(r.value);
  }
  const candidates = plans.map((c, k) => ({
    policy: policies[k]!,
    peak: c.plan.peakBytes,
    moved: bytesMoved(c.plan),
  }));
  let best: number | undefined;
  candidates.forEach((c, k) => {
    if (c.peak <= budget && (best === undefined || c.moved < candidates[best]!.moved)) best = k;
  });
  if (best !== undefined) return { value: { compiled: plans[best]!, candidates }, diagnostics: [] };
  return { value: undefined, diagnostics: [refusal(train, budget, candidates, plans)] };
}

function refusal(
  train: ElaboratedTrain,
  budget: number,
  candidates: readonly BudgetCandidate[],
  plans: readonly CompiledPlan[],
) {
  const smallest = candidates.reduce((a, b) => (b.peak < a.peak ? b : a));
  const fixed = Math.min(...plans.map((c) => fixedBytes(c.plan)));
  const tried = candidates.map((c) => `${c.policy} ${c.peak}`).join(", ");
  if (fixed > budget)
    return makeDiagnostic({
      code: "G0807",
      message: `the memory budget of ${budget} bytes is smaller than the ${fixed} bytes of parameters, gradients, optimizer state, inputs and outputs, which no policy changes`,
      span: train.span,
      label: "in this train section",
      notes: [`peak memory by policy, in bytes: ${tried}`],
      help: "raise --memory-budget, or make the batch or the model smaller",
    });
  return makeDiagnostic({
    code: "G0806",
    message: `no rematerialisation policy fits the memory budget of ${budget} bytes: the smallest peak reachable is ${smallest.peak} bytes (${smallest.policy})`,
    span: train.span,
    label: "in this train section",
    notes: [`peak memory by policy, in bytes: ${tried}`],
    help: `raise --memory-budget to at least ${smallest.peak}, or make the batch smaller`,
  });
}
