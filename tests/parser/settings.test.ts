/**
 * @file Train settings from the command line (`--set "name = value"`): they replace or add a
 * setting of every train section, are checked like settings in the file, and their diagnostics
 * point into the virtual file `--set N`.
 */
import { describe, expect, it } from "vitest";
import { checkFile } from "../../src/parser/program.js";
import { codes, memoryHost, rich, short } from "./helpers.js";

const source = `
model M {
  input features: [N, 2]
  param w: [2, 3] ~ glorot_uniform
  output y = features @ w
}
train M {
  data = spirals(classes: 3)
  loss = cross_entropy(y, label)
  optimizer = sgd(lr: 0.1)
  epochs = 4
}
`;

const withSettings = (...settings: string[]) =>
  checkFile("mem/main.grove", memoryHost({ "mem/main.grove": source }), { settings });

describe("--set", () => {
  it("replaces a setting of the file and adds one the file lacks", () => {
    const plain = withSettings();
    expect(plain.program.trains[0]!.optimizer.name).toBe("sgd");
    const r = withSettings("optimizer = adam(lr: 3e-4)", "clip_grad_norm = 0.5", "epochs=9");
    expect(r.diagnostics).toEqual([]);
    const t = r.program.trains[0]!;
    expect(t.optimizer).toMatchObject({ name: "adam", args: { lr: 3e-4 } });
    expect(t.clipGradNorm).toBe(0.5);
    expect(t.epochs).toBe(9);
    expect(t.batch).toBe(plain.program.trains[0]!.batch);
  });

  it("checks the value like one written in the file, pointing at the command line", () => {
    const r = withSettings("optimizer = adma(lr: 3e-4)");
    expect(codes(r)).toEqual(["G0604"]);
    expect(short(r)).toMatch(/^--set 1:1:13: error\[G0604\]/);
    expect(rich(r)).toContain("optimizer = adma(lr: 3e-4)");
    expect(rich(r)).toContain("adam");
  });

  it("reports an unknown setting and a value of the wrong kind", () => {
    expect(codes(withSettings("epoch = 3"))).toEqual(["G0601"]);
    expect(short(withSettings("batch = 0", "epochs = 2"))).toMatch(/^--set 1:1:9: error/);
  });

  it("reports a setting given twice on the command line", () => {
    const r = withSettings("epochs = 2", "epochs = 3");
    expect(codes(r)).toEqual(["G0202"]);
    expect(short(r)).toMatch(/^--set 2:/);
  });

  it("reports syntax errors and anything after the value as G0110, without checking further", () => {
    for (const bad of ["optimizer adam()", "epochs = 3 batch = 4", "epochs = (3"]) {
      const r = withSettings(bad);
      expect(codes(r), bad).toEqual(["G0110"]);
      expect(short(r), bad).toMatch(/^--set 1:1:\d+: error\[G0110\]/);
    }
    expect(codes(withSettings("seed = #1"))).toContain("G0101");
  });
});
