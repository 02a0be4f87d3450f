/**
 * @file `grove gradcheck FILE`: every parameter's symbolic gradient of the loss against float64
 * central finite differences on random inputs; exit 1 above tolerance. A parameter with no path
 * to the loss that carries a gradient (behind `stop_gradient`, or unused by the loss) is listed
 * as such, with the reason, and does not fail the check.
 */
import { renderDiagnostics } from "../diag/render.js";
import { gradcheck, type NoGradientPath } from "../ir/gradcheck.js";
import { compileTrain } from "../ir/pipeline.js";
import { formatSpan } from "../ir/print.js";
import type { Io } from "./io.js";
import { loadChecked } from "./load.js";
import type { CommandOptions } from "./commands.js";

export type GradcheckCliOptions = CommandOptions<"gradcheck">;

export function gradcheckCommand(file: string, opts: GradcheckCliOptions, io: Io): number {
  const checked = loadChecked(file, io, "rich", {
    settings: opts.set ?? [],
    importRoot: opts.importRoot,
  });
  if (!checked) return 1;
  const { trains } = checked.program;
  if (trains.length === 0) {
    io.err(`grove gradcheck: ${file} has no train section, so there is no loss to differentiate\n`);
    return 1;
  }
  let failed = false;
  for (const t of trains) {
    const r = compileTrain(t, { batch: opts.batch, seed: opts.seed });
    if (!r.value) {
      io.err(renderDiagnostics(r.diagnostics, checked.sources, "rich") + "\n");
      return 1;
    }
    const results = gradcheck(r.value.training, r.value.params, {
      seed: opts.seed,
      directions: opts.directions,
    });
    io.out(
      `train ${t.model} (batch ${opts.batch}, seed ${opts.seed}, float64 central differences)\n`,
    );
    io.out(`  ${modeLine(r.value.training.state.size)}\n`);
    const frozen = r.value.frozen ?? [];
    const width = Math.max(9, ...results.map((x) => x.name.length), ...frozen.map((n) => n.length));
    io.out(
      `  ${"parameter".padEnd(width)}  directions  max rel error  max abs error  gradient norm\n`,
    );
    const sources = checked.sources.texts();
    for (const x of results) {
      if (x.noGradientPath) {
        io.out(`  ${x.name.padEnd(width)}  no gradient path: ${why(x.noGradientPath, sources)}\n`);
        continue;
      }
      const bad = !(x.maxRelError <= opts.tolerance);
      failed ||= bad;
      io.out(
        `  ${x.name.padEnd(width)}  ${String(x.checked).padStart(10)}  ${x.maxRelError.toExponential(2).padStart(13)}  ${x.maxAbsError.toExponential(2).padStart(13)}  ${x.gradNorm.toExponential(2).padStart(13)}${bad ? "  FAIL" : ""}\n`,
      );
    }
    for (const name of frozen)
      io.out(
        `  ${name.padEnd(width)}  no gradient path: frozen by the train section's \`freeze\`\n`,
      );
  }
  io.out(
    failed
      ? `gradcheck failed: tolerance ${opts.tolerance}\n`
      : `gradcheck passed (tolerance ${opts.tolerance})\n`,
  );
  return failed ? 1 : 0;
}

/**
 * Which mode the loss is differentiated in: the training graph's, where `training()` is 1
 * (dropout draws masks, batch norm uses the batch's statistics); state is an input held fixed.
 */
function modeLine(states: number): string {
  const held =
    states > 0 ? `; ${states} state${states === 1 ? "" : "s"} held fixed, updates not applied` : "";
  return `mode: training, as in a training step (training() = 1: dropout on, batch statistics)${held}`;
}

/** Why a parameter gets no gradient, with where the paths stop (at most three places). */
function why(path: NoGradientPath, sources: ReadonlyMap<string, string>): string {
  if (path.blockedBy.length === 0) return "the loss does not depend on it";
  const places = [
    ...new Set(
      path.blockedBy.map(
        (n) => `\`${n.op}\`${n.span ? ` at ${formatSpan(n.span, { sources })}` : ""}`,
      ),
    ),
  ];
  const shown = places.slice(0, 3).join(", ");
  const more = places.length > 3 ? ` and ${places.length - 3} more` : "";
  return `every path to the loss goes through ${shown}${more}, which passes no gradient`;
}
