/**
 * The training chart: well-formed, deterministic SVG; one polyline per series through its finite
 * values, inside the viewBox; a log axis only when the losses span more than two decades;
 * accuracy-like metrics in their own panel; a single epoch and an empty chart.
 */
import { describe, expect, it } from "vitest";
import { escapeXml, trainingChart } from "../../src/cli/chart.js";

interface Element {
  readonly name: string;
  readonly attrs: Record<string, string>;
  readonly text: string;
}

/**
 * A small XML checker: tags nest and close, attributes are quoted and unique, `&` starts a known
 * entity, no `<` in text or attributes. Returns the elements in document order.
 */
function parseXml(xml: string): Element[] {
  const elements: Element[] = [];
  const stack: { name: string; element: { text: string } }[] = [];
  const checkText = (t: string) => {
    for (const m of t.matchAll(/&([^;]*);?/g))
      if (!/^(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+)$/.test(m[1]!) || !m[0].endsWith(";"))
        throw new Error(`bad entity ${m[0]}`);
    if (t.includes("<")) throw new Error("stray <");
  };
  const unescape = (t: string) =>
    t
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&amp;/g, "&");
  let i = 0;
  let root = 0;
  while (i < xml.length) {
    const lt = xml.indexOf("<", i);
    const text = xml.slice(i, lt < 0 ? xml.length : lt);
    checkText(text);
    if (stack.length > 0) stack[stack.length - 1]!.element.text += unescape(text);
    else if (text.trim() !== "") throw new Error("text outside the root element");
    if (lt < 0) break;
    const gt = xml.indexOf(">", lt);
    if (gt < 0) throw new Error("unclosed tag");
    const tag = xml.slice(lt + 1, gt);
    i = gt + 1;
    if (tag.startsWith("/")) {
      const open = stack.pop();
      if (open?.name !== tag.slice(1)) throw new Error(`</${tag.slice(1)}> closes <${open?.name}>`);
      continue;
    }
    const selfClosing = tag.endsWith("/");
    const body = selfClosing ? tag.slice(0, -1) : tag;
    const name = /^[A-Za-z][\w:-]*/.exec(body)?.[0];
    if (!name) throw new Error(`bad tag <${tag}>`);
    const rest = body.slice(name.length);
    const attrs: Record<string, string> = {};
    const attrRe = /\s+([\w:-]+)="([^"]*)"/y;
    let at = 0;
    while (at < rest.trimEnd().length) {
      attrRe.lastIndex = at;
      const m = attrRe.exec(rest);
      if (!m) throw new Error(`bad attributes in <${tag}>`);
      if (m[1]! in attrs) throw new Error(`duplicate attribute ${m[1]}`);
      checkText(m[2]!);
      attrs[m[1]!] = unescape(m[2]!);
      at = attrRe.lastIndex;
    }
    if (stack.length === 0 && root++ > 0) throw new Error("two root elements");
    const element = { name, attrs, text: "" };
    elements.push(element);
    if (!selfClosing) stack.push({ name, element });
  }
  if (stack.length > 0) throw new Error(`<${stack[stack.length - 1]!.name}> is not closed`);
  return elements;
}

const pointsOf = (e: Element) =>
  e.attrs.points!.trim() === ""
    ? []
    : e.attrs
        .points!.trim()
        .split(/\s+/)
        .map((p) => p.split(",").map(Number) as [number, number]);

function chart(...args: Parameters<typeof trainingChart>) {
  const svg = trainingChart(...args);
  const elements = parseXml(svg);
  const root = elements[0]!;
  expect(root.name).toBe("svg");
  const [vx, vy, vw, vh] = root.attrs.viewBox!.split(" ").map(Number) as [
    number,
    number,
    number,
    number,
  ];
  const lines = elements.filter((e) => e.name === "polyline");
  for (const l of lines)
    for (const [x, y] of pointsOf(l)) {
      expect(x).toBeGreaterThanOrEqual(vx);
      expect(x).toBeLessThanOrEqual(vx + vw);
      expect(y).toBeGreaterThanOrEqual(vy);
      expect(y).toBeLessThanOrEqual(vy + vh);
    }
  const series = (name: string) => lines.find((l) => l.attrs["data-series"] === name);
  const texts = elements.filter((e) => e.name === "text").map((e) => e.text);
  return { svg, elements, lines, series, texts, height: vh };
}

describe("trainingChart", () => {
  const trainLoss = [2.3, 1.1, 0.7, 0.52, 0.41, 0.37];
  const validationLoss = [2.0, 1.2, 0.8, 0.6, 0.55, 0.54];
  const accuracy = [0.31, 0.62, 0.74, 0.81, 0.85, 0.86];

  it("draws one polyline per series with one point per epoch, inside the viewBox", () => {
    const c = chart({
      title: "Mlp",
      trainLoss,
      validationLoss,
      metrics: { val_accuracy: accuracy },
    });
    expect(c.lines.map((l) => l.attrs["data-series"])).toEqual([
      "train loss",
      "validation loss",
      "val_accuracy",
    ]);
    for (const l of c.lines) expect(pointsOf(l)).toHaveLength(6);
    // Epochs go left to right; a lower loss is drawn higher up (smaller y).
    const train = pointsOf(c.series("train loss")!);
    for (let i = 1; i < 6; i++) {
      expect(train[i]![0]).toBeGreaterThan(train[i - 1]![0]);
      expect(train[i]![1]).toBeGreaterThan(train[i - 1]![1]);
    }
    expect(c.series("validation loss")!.attrs["stroke-dasharray"]).toBeDefined();
    expect(c.series("train loss")!.attrs["stroke-dasharray"]).toBeUndefined();
    expect(c.texts).toEqual(
      expect.arrayContaining(["Mlp", "epoch", "loss", "metric", "train loss", "val_accuracy"]),
    );
    expect(c.elements.filter((e) => e.name === "circle")).toHaveLength(18);
  });

  it("puts accuracy-like metrics in a second panel on a 0..1 axis, errors with the losses", () => {
    const c = chart({
      trainLoss,
      metrics: { val_accuracy: accuracy, mae: [3, 2.5, 2, 1.8, 1.7, 1.65] },
    });
    const acc = pointsOf(c.series("val_accuracy")!);
    const loss = pointsOf(c.series("train loss")!);
    const mae = pointsOf(c.series("mae")!);
    expect(Math.min(...acc.map((p) => p[1]))).toBeGreaterThan(
      Math.max(...loss.map((p) => p[1]), ...mae.map((p) => p[1])),
    );
    expect(c.height).toBe(2 * 260);
    expect(c.texts).toEqual(expect.arrayContaining(["loss / error", "0", "0.2", "1"]));
    // Only losses: one panel.
    expect(chart({ trainLoss }).height).toBe(260);
  });

  it("uses a log axis when the losses span more than two decades", () => {
    const lin = chart({ trainLoss: [5, 0.1] });
    expect(lin.texts).not.toContain("1e-2");
    const log = chart({ trainLoss: [5, 0.3, 0.04, 0.011] });
    expect(log.texts).toEqual(expect.arrayContaining(["0.01", "0.1", "1", "10"]));
    // Equal ratios are equal distances on a log axis.
    const c = chart({ trainLoss: [10, 1, 0.1, 0.01] });
    const ys = pointsOf(c.series("train loss")!).map((p) => p[1]);
    expect(ys[1]! - ys[0]!).toBeCloseTo(ys[2]! - ys[1]!, 1);
    expect(ys[2]! - ys[1]!).toBeCloseTo(ys[3]! - ys[2]!, 1);
  });

  it("skips NaN and infinite values", () => {
    const c = chart({
      trainLoss: [1, NaN, 0.5, Infinity, 0.25],
      validationLoss: [NaN, NaN, NaN, NaN, NaN],
    });
    expect(pointsOf(c.series("train loss")!)).toHaveLength(3);
    expect(c.series("validation loss")).toBeUndefined();
    expect(c.svg).not.toMatch(/NaN|Infinity/);
  });

  it("draws a single epoch as a point in the middle", () => {
    const c = chart({ trainLoss: [0.7], metrics: { accuracy: [0.5] } });
    const [p] = pointsOf(c.series("train loss")!);
    expect(p![0]).toBeCloseTo((64 + 720 - 170) / 2, 5);
    expect(c.elements.filter((e) => e.name === "circle")).toHaveLength(2);
    expect(c.svg).not.toMatch(/NaN|Infinity/);
  });

  it("says no data when there is none", () => {
    for (const data of [{}, { trainLoss: [] }, { trainLoss: [NaN], metrics: { accuracy: [] } }]) {
      const c = chart(data);
      expect(c.lines).toHaveLength(0);
      expect(c.texts).toContain("no data");
    }
  });

  it("escapes text and is deterministic", () => {
    const data = { title: `a<b & "c" 'd'`, trainLoss, metrics: { "x<y>&z": accuracy } };
    const c = chart(data);
    expect(c.texts).toEqual(expect.arrayContaining([`a<b & "c" 'd'`, "x<y>&z"]));
    expect(c.series("x<y>&z")).toBeDefined();
    expect(trainingChart(data)).toBe(c.svg);
    expect(escapeXml(`<&>"'`)).toBe("&lt;&amp;&gt;&quot;&apos;");
  });

  it("the XML checker rejects what is not well-formed", () => {
    expect(() => parseXml("<svg><g></svg>")).toThrow();
    expect(() => parseXml(`<svg a="1" a="2"/>`)).toThrow(/duplicate/);
    expect(() => parseXml("<svg>a & b</svg>")).toThrow(/entity/);
    expect(() => parseXml("<svg x=1/>")).toThrow(/attributes/);
    expect(() => parseXml("<svg/><svg/>")).toThrow(/two root/);
  });
});
