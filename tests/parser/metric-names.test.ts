/**
 * How metrics are named in logs, charts and checkpoints (docs/language.md, Train sections): after
 * the function a metric calls, else the name it is, else by position; repeats get a suffix.
 */
import { expect, it } from "vitest";
import { check } from "./helpers.js";

it("names metrics after their function, their name, or their position", () => {
  const r = check(`
model M {
  input features: [N, 2]
  l = Dense(2, 3)
  output logits = features |> l
  output energy = mean(sum(logits^2, -1))
}

train M {
  data      = spirals(n: 60)
  loss      = cross_entropy(logits, label)
  optimizer = sgd(lr: 0.1)
  metrics   = [accuracy(logits, label), energy, mean(logits) + 0, accuracy(logits, label), energy]
}
`);
  expect(r.diagnostics).toEqual([]);
  const train = r.program.trains[0]!;
  expect(train.metrics).toEqual(["accuracy", "energy", "metric3", "accuracy2", "energy2"]);
  expect(train.graph.outputs.map((o) => o.name).filter((n) => n.startsWith("metric:"))).toEqual(
    train.metrics.map((m) => `metric:${m}`),
  );
});
