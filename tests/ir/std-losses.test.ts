/**
 * @file The losses of std/losses.grove against their textbook formulas written directly in
 * JavaScript (float64, on seeded random values, through the reference interpreter), and their
 * gradients against central differences (`gradcheck`): huber, smooth_l1,
 * smoothed_cross_entropy, focal_loss, gaussian_kl, kl_divergence, and bce_with_logits, which
 * was there before.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { gradcheck, seededRandom } from "../../src/ir/gradcheck.js";
import { interpret } from "../../src/ir/interpret.js";
import { lowerTrace } from "../../src/ir/lower.js";
import { compileTrain } from "../../src/ir/pipeline.js";
import { makeTensor } from "../../src/ir/tensor.js";
import { checkFile } from "../../src/parser/program.js";

const rows = 4;
const cols = 5;

function checked(text: string) {
  const dir = mkdtempSync(join(tmpdir(), "grove-losses-"));
  const path = join(dir, "m.grove");
  writeFileSync(path, text);
  const r = checkFile(path);
  expect(r.diagnostics).toEqual([]);
  return r.program;
}

/** Values of `a` and `b` ([rows, cols], normal), and `labels` ([rows], 0 … cols-1). */
function data(seed: number) {
  const rand = seededRandom(seed);
  const normal = () =>
    Math.sqrt(-2 * Math.log(Math.max(rand(), 1e-12))) * Math.cos(2 * Math.PI * rand());
  const a = Array.from({ length: rows * cols }, normal);
  const b = Array.from({ length: rows * cols }, normal);
  const labels = Array.from({ length: rows }, () => Math.floor(rand() * cols));
  return { a, b, labels };
}

/** The model output `y = expr` over inputs a, b: [N, 5] and labels: i32[N], in float64. */
function grove(expr: string, seed: number): number {
  const program = checked(`
model M {
  input a: [N, ${cols}]
  input b: [N, ${cols}]
  input labels: i32[N]
  output y = ${expr}
}
`);
  const g = lowerTrace(program.models[0]!.graph, { batch: rows, training: false, seed: 0 }).value!;
  const { a, b, labels } = data(seed);
  const bindings = {
    a: makeTensor([rows, cols], "f32", a, "f64"),
    b: makeTensor([rows, cols], "f32", b, "f64"),
    labels: makeTensor([rows], "i32", labels, "f64"),
  };
  const y = g.outputs.get("y")!;
  const bound = Object.fromEntries(Object.entries(bindings).filter(([k]) => g.inputs.has(k)));
  return interpret(g, bound, { precision: "f64", nodes: [y] }).get(y)!.data[0]!;
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const row = (v: number[], i: number) => v.slice(i * cols, (i + 1) * cols);
const logSoftmax = (z: number[]) => {
  const m = Math.max(...z);
  const lse = m + Math.log(z.reduce((s, x) => s + Math.exp(x - m), 0));
  return z.map((x) => x - lse);
};
const perRow = (f: (i: number) => number) => mean(Array.from({ length: rows }, (_, i) => f(i)));

const references: [string, (d: ReturnType<typeof data>) => number][] = [
  [
    "huber(a, b, 0.7)",
    ({ a, b }) =>
      mean(
        a
          .map((x, i) => Math.abs(x - b[i]!))
          .map((d) => (d <= 0.7 ? 0.5 * d * d : 0.7 * (d - 0.35))),
      ),
  ],
  [
    "huber(a, b)",
    ({ a, b }) =>
      mean(a.map((x, i) => Math.abs(x - b[i]!)).map((d) => (d <= 1 ? 0.5 * d * d : d - 0.5))),
  ],
  [
    "smooth_l1(a, b, 0.5)",
    ({ a, b }) =>
      mean(
        a.map((x, i) => Math.abs(x - b[i]!)).map((d) => (d < 0.5 ? (0.5 * d * d) / 0.5 : d - 0.25)),
      ),
  ],
  [
    "smoothed_cross_entropy(a, labels, 0.2)",
    ({ a, labels }) =>
      perRow((i) => {
        const lp = logSoftmax(row(a, i));
        return -lp.reduce((s, x, c) => s + ((c === labels[i] ? 0.8 : 0) + 0.2 / cols) * x, 0);
      }),
  ],
  ["smoothed_cross_entropy(a, labels, 0) - cross_entropy(a, labels)", () => 0],
  [
    "focal_loss(a, labels)",
    ({ a, labels }) =>
      perRow((i) => {
        const lpt = logSoftmax(row(a, i))[labels[i]!]!;
        return -((1 - Math.exp(lpt)) ** 2) * lpt;
      }),
  ],
  [
    "focal_loss(a, labels, 0.5)",
    ({ a, labels }) =>
      perRow((i) => {
        const lpt = logSoftmax(row(a, i))[labels[i]!]!;
        return -((1 - Math.exp(lpt)) ** 0.5) * lpt;
      }),
  ],
  [
    "gaussian_kl(a, b)",
    ({ a, b }) =>
      perRow((i) =>
        row(a, i).reduce((s, mu, c) => {
          const lv = row(b, i)[c]!;
          return s + 0.5 * (-lv + Math.exp(lv) + mu * mu - 1);
        }, 0),
      ),
  ],
  [
    "gaussian_kl(a, b, 0.5 * b, 0.3 - a)",
    ({ a, b }) =>
      perRow((i) =>
        row(a, i).reduce((s, mu, c) => {
          const lv = row(b, i)[c]!;
          const mu2 = 0.5 * lv;
          const lv2 = 0.3 - mu;
          return s + 0.5 * (lv2 - lv + (Math.exp(lv) + (mu - mu2) ** 2) / Math.exp(lv2) - 1);
        }, 0),
      ),
  ],
  [
    "kl_divergence(log_softmax(a), log_softmax(b))",
    ({ a, b }) =>
      perRow((i) => {
        const lp = logSoftmax(row(a, i));
        const lq = logSoftmax(row(b, i));
        return lp.reduce((s, x, c) => s + Math.exp(x) * (x - lq[c]!), 0);
      }),
  ],
  [
    "bce_with_logits(a, sigmoid(b))",
    ({ a, b }) =>
      mean(
        a.map((z, i) => {
          const t = 1 / (1 + Math.exp(-b[i]!));
          const p = 1 / (1 + Math.exp(-z));
          return -(t * Math.log(p) + (1 - t) * Math.log(1 - p));
        }),
      ),
  ],
];

describe("std losses against their formulas", () => {
  it.each(references)("%s", (expr, reference) => {
    for (const seed of [1, 2]) {
      const want = reference(data(seed));
      expect(grove(expr, seed), `seed ${seed}`).toBeCloseTo(want, 12);
    }
  });

  it("the huber and smooth_l1 examples cover both branches", () => {
    const { a, b } = data(1);
    const d = a.map((x, i) => Math.abs(x - b[i]!));
    expect(d.some((x) => x < 0.5) && d.some((x) => x > 1)).toBe(true);
  });
});

function expectGradients(text: string): void {
  const train = checked(text).trains[0]!;
  const { training, params } = compileTrain(train, { batch: 5 }).value!;
  const results = gradcheck(training, params, { seed: 11, directions: 3 });
  for (const x of results) {
    expect(x.gradNorm, x.name).toBeGreaterThan(0);
    expect(x.maxRelError, `${x.name} (seed 11)`).toBeLessThan(1e-6);
  }
}

describe("std losses' gradients against central differences", () => {
  it("huber and smooth_l1", () => {
    expectGradients(`
model R {
  input features: [N, 1]
  param w: [1, 6] ~ normal(std: 1)
  param v: [6, 1] ~ normal(std: 1)
  output pred = tanh(features @ w) @ v
}
train R {
  data = sine()
  loss = huber(pred, target, 0.3) + smooth_l1(pred, target, 0.8) + huber(pred, target)
  optimizer = sgd()
}
`);
  });

  it("smoothed_cross_entropy, focal_loss, gaussian_kl and kl_divergence", () => {
    expectGradients(`
model C {
  input features: [N, 2]
  l1 = Dense(2, 8, tanh)
  head = Dense(8, 3)
  other = Dense(8, 3)
  h = features |> l1
  output logits = head(h)
  output logvar = other(h)
}
train C {
  data = spirals(classes: 3)
  loss = smoothed_cross_entropy(logits, label, 0.2) + focal_loss(logits, label) + focal_loss(logits, label, 0.7) + gaussian_kl(logits, logvar) + gaussian_kl(logits, logvar, 0.5, logvar * 0.5) + kl_divergence(log_softmax(logits), log_softmax(logvar))
  optimizer = sgd()
}
`);
  });
});
