// IR sizes and compile time per example: node counts after simplification, and the time that
// lowering plus differentiation (and the whole IR pipeline) take. Run `npm run build` first.
import { checkFile } from "../dist/parser/program.js";
import { compileTrain } from "../dist/ir/pipeline.js";
import { lowerTrace } from "../dist/ir/lower.js";
import { differentiate } from "../dist/ir/autodiff.js";
for (const f of ["mnist-mlp", "mnist-cnn", "char-transformer", "autoencoder", "regression"]) {
  const t = checkFile(`examples/${f}.grove`).program.trains[0];
  const r = compileTrain(t, { batch: t.batch }).value;
  // timing: lowering + differentiation (+ simplification) of the transformer
  const times = [];
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    const g = lowerTrace(t.graph, { batch: t.batch, training: true, seed: 0 }).value;
    const d = differentiate(
      g,
      g.outputs.get("loss"),
      t.graph.params.map((p) => g.params.get(p.name)),
    );
    const t1 = performance.now();
    compileTrain(t, { batch: t.batch });
    const t2 = performance.now();
    times.push([t1 - t0, t2 - t1]);
  }
  times.sort((a, b) => a[0] - b[0]);
  const med = times[3];
  console.log(
    `${f}: forward ${r.forward.nodes.length} nodes, forward+backward ${r.training.nodes.length} nodes (backward ${r.training.nodes.length - r.forward.nodes.length}); lower+differentiate ${med[0].toFixed(1)} ms, whole pipeline incl. simplify ${med[1].toFixed(1)} ms`,
  );
}
