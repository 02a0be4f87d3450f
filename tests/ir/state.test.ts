/**
 * @file Model state through the reference interpreter: std's BatchNorm1d and BatchNorm2d against
 * batch normalisation written out in JavaScript (float64). A training step normalises with the
 * batch's statistics and gives each running statistic its next value (PyTorch's convention:
 * momentum, biased variance to normalise, unbiased variance for the running one); evaluation
 * normalises with the running statistics; gradients in training mode against central
 * differences; state gets no gradient.
 */
import { describe, expect, it } from "vitest";
import { gradcheck, randomBindings, seededRandom } from "../../src/ir/gradcheck.js";
import { interpret } from "../../src/ir/interpret.js";
import { lowerTrace } from "../../src/ir/lower.js";
import type { Graph } from "../../src/ir/node.js";
import { compileTrain } from "../../src/ir/pipeline.js";
import { simplify } from "../../src/ir/simplify.js";
import type { Tensor } from "../../src/ir/tensor.js";
import { check } from "../parser/helpers.js";

const batch = 6;
const momentum = 0.25;
const eps = 1e-5;

/** A model whose BatchNorm input `h` is an output, so the expected values can use it. */
const models = {
  BatchNorm1d: {
    channels: 3,
    spatial: 1,
    text: `
model M {
  input features: [N, 2]
  l = Dense(2, 3)
  bn = BatchNorm1d(3, momentum: ${momentum})
  output h = l(features)
  output y = bn(h)
}`,
  },
  BatchNorm2d: {
    channels: 3,
    spatial: 4,
    text: `
model M {
  input features: [N, 2]
  l = Dense(2, 12)
  bn = BatchNorm2d(3, momentum: ${momentum})
  output h = reshape(l(features), [size(features, 0), 3, 2, 2])
  output y = bn(h)
}`,
  },
};

const train = `
train M {
  data      = spirals(n: 60)
  loss      = mean(y^3) + mean(y * h)
  optimizer = sgd(lr: 0.1)
  batch     = ${batch}
}`;

function section(text: string) {
  const r = check(text + train);
  expect(r.diagnostics).toEqual([]);
  return r.program.trains[0]!;
}

/** Per channel c: the values of h ([N, C, S] in row-major order) in that channel. */
function channelValues(h: Tensor, channels: number, spatial: number): number[][] {
  const out: number[][] = Array.from({ length: channels }, () => []);
  for (let n = 0; n < batch; n++)
    for (let c = 0; c < channels; c++)
      for (let s = 0; s < spatial; s++) out[c]!.push(h.data[(n * channels + c) * spatial + s]!);
  return out;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sumSq = (xs: readonly number[], m: number) => xs.reduce((a, x) => a + (x - m) ** 2, 0);

/** y = (h - m[c]) / sqrt(v[c] + eps) * gamma[c] + beta[c], in h's layout. */
function normalised(
  h: Tensor,
  m: readonly number[],
  v: readonly number[],
  gamma: ArrayLike<number>,
  beta: ArrayLike<number>,
  channels: number,
  spatial: number,
): number[] {
  return Array.from(h.data, (x, i) => {
    const c = Math.floor(i / spatial) % channels;
    return ((x - m[c]!) / Math.sqrt(v[c]! + eps)) * gamma[c]! + beta[c]!;
  });
}

function expectClose(got: ArrayLike<number>, want: readonly number[], tol = 1e-9) {
  expect(got.length).toBe(want.length);
  want.forEach((w, i) => expect(Math.abs(got[i]! - w)).toBeLessThan(tol * (1 + Math.abs(w))));
}

const values = (g: Graph, seed: number) => {
  const b = randomBindings(g, seededRandom(seed));
  return Object.fromEntries(Object.entries(b).map(([k, t]) => [k, t]));
};

describe.each(Object.entries(models))("%s", (_, { channels, spatial, text }) => {
  const t = section(text);
  const compiled = compileTrain(t, { batch }).value!;

  it("a training step normalises with the batch's statistics and moves the running ones", () => {
    const g = compiled.training;
    const bound = values(g, 3);
    const r = interpret(g, bound, { precision: "f64" });
    const h = r.get(g.outputs.get("h")!)!;
    const per = channelValues(h, channels, spatial);
    const mu = per.map(mean);
    const biased = per.map((xs, c) => sumSq(xs, mu[c]!) / xs.length);
    const unbiased = per.map((xs, c) => sumSq(xs, mu[c]!) / (xs.length - 1));
    const gamma = bound["bn.gamma"]!.data;
    const beta = bound["bn.beta"]!.data;
    const y = normalised(h, mu, biased, gamma, beta, channels, spatial);
    expectClose(r.get(g.outputs.get("y")!)!.data, y);
    const rm = bound["bn.running_mean"]!.data;
    const rv = bound["bn.running_var"]!.data;
    expectClose(
      r.get(g.outputs.get("state:bn.running_mean")!)!.data,
      mu.map((m, c) => (1 - momentum) * rm[c]! + momentum * m),
    );
    expectClose(
      r.get(g.outputs.get("state:bn.running_var")!)!.data,
      unbiased.map((v, c) => (1 - momentum) * rv[c]! + momentum * v),
    );
  });

  it("evaluation normalises with the running statistics and updates nothing", () => {
    const lowered = lowerTrace(t.graph, { batch, training: false, seed: t.seed }).value!;
    const g = simplify(lowered);
    expect([...g.outputs.keys()].filter((k) => k.startsWith("state:"))).toEqual([]);
    const bound = values(g, 4);
    const r = interpret(g, bound, { precision: "f64" });
    const h = r.get(g.outputs.get("h")!)!;
    const rm = Array.from(bound["bn.running_mean"]!.data);
    const rv = Array.from(bound["bn.running_var"]!.data);
    const y = normalised(
      h,
      rm,
      rv,
      bound["bn.gamma"]!.data,
      bound["bn.beta"]!.data,
      channels,
      spatial,
    );
    expectClose(r.get(g.outputs.get("y")!)!.data, y);
  });

  it("gradients in training mode match central differences; state gets none", () => {
    const g = compiled.training;
    expect([...g.state.keys()]).toEqual(["bn.running_mean", "bn.running_var"]);
    expect([...g.outputs.keys()].filter((k) => k.includes("running"))).toEqual([
      "state:bn.running_mean",
      "state:bn.running_var",
    ]);
    const results = gradcheck(g, compiled.params, { seed: 5, directions: 3 });
    expect(results.map((x) => x.name)).toEqual(["l.w", "l.b", "bn.gamma", "bn.beta"]);
    for (const x of results) {
      if (x.noGradientPath) continue;
      expect(x.maxRelError, x.name).toBeLessThan(1e-6);
    }
    // The gamma and beta gradients are not zero: the check compared real signals.
    for (const name of ["bn.gamma", "bn.beta"])
      expect(results.find((x) => x.name === name)!.gradNorm).toBeGreaterThan(1e-3);
  });
});
