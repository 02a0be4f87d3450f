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

it("takes a given name first; default names make way for given ones", () => {
  const r = check(`
model M {
  input features: [N, 2]
  l = Dense(2, 3)
  output logits = features |> l
}

train M {
  data      = spirals(n: 60)
  loss      = cross_entropy(logits, label)
  optimizer = sgd(lr: 0.1)
  metrics   = [accuracy(logits, label), acc = accuracy(logits, label), accuracy = mean(logits), mean(logits)]
}
`);
  expect(r.diagnostics).toEqual([]);
  expect(r.program.trains[0]!.metrics).toEqual(["accuracy2", "acc", "accuracy", "mean"]);
});

it("refuses a name given twice or the loss's name, and names outside `metrics`", () => {
  const section = (metrics: string, extra = "") => `
model M {
  input features: [N, 2]
  l = Dense(2, 3)
  output logits = features |> l${extra}
}
train M {
  data      = spirals(n: 60)
  loss      = cross_entropy(logits, label)
  optimizer = sgd(lr: 0.1)
  metrics   = ${metrics}
}
`;
  const twice = check(section("[acc = accuracy(logits, label), acc = mean(logits)]"));
  expect(twice.diagnostics.map((d) => [d.code, d.message])).toEqual([
    ["G0202", "the metric name `acc` is given twice"],
  ]);
  const loss = check(section("[loss = mean(logits)]"));
  expect(loss.diagnostics.map((d) => [d.code, d.message])).toEqual([
    ["G0202", "the metric name `loss` is the loss's"],
  ]);
  const elsewhere = check(
    section("[accuracy(logits, label)]", "\n  output y = concat([a = logits, logits])"),
  );
  expect(elsewhere.diagnostics.map((d) => [d.code, d.message])).toEqual([
    ["G0110", "only the items of a train section's `metrics` list can be named"],
  ]);
});
