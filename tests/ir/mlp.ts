/**
 * @file A tiny 2-layer MLP with a softmax cross-entropy loss, built by hand from primitives:
 * the fixture for the printed-IR snapshots and the whole-model gradient check.
 */
import { span } from "../../src/diag/diagnostic.js";
import { GraphBuilder, type Graph, type Node } from "../../src/ir/index.js";

export const MLP_SIZES = { batch: 4, inputs: 6, hidden: 5, classes: 3 };

/** The source the spans point into, so snapshots show line:col. */
export const MLP_SOURCE = [
  "model Mlp {",
  "  h = relu(x @ w1 + b1)",
  "  logits = h @ w2 + b2",
  "  loss = cross_entropy(logits, label)",
  "}",
].join("\n");

function at(text: string): ReturnType<typeof span> {
  const start = MLP_SOURCE.indexOf(text);
  return span("mlp.grove", start, start + text.length);
}

export function buildMlp(): { graph: Graph; loss: Node; params: Node[] } {
  const { batch, inputs, hidden, classes } = MLP_SIZES;
  const b = new GraphBuilder();
  const x = b.input("x", [batch, inputs]);
  const label = b.input("label", [batch], "i32");
  const w1 = b.param("w1", [inputs, hidden]);
  const b1 = b.param("b1", [hidden]);
  const w2 = b.param("w2", [hidden, classes]);
  const b2 = b.param("b2", [classes]);
  const h = b.withSpan(at("relu(x @ w1 + b1)"), () => b.relu(b.add(b.matmul(x, w1), b1)));
  const logits = b.withSpan(at("h @ w2 + b2"), () => b.add(b.matmul(h, w2), b2));
  const loss = b.withSpan(at("cross_entropy(logits, label)"), () => {
    // log_softmax(z) = z - m - log(sum(exp(z - m))) with m = max(z); m only guards against
    // overflow and cancels mathematically, so no gradient is taken through it.
    const shifted = b.sub(logits, b.stopGradient(b.max(logits, [-1], true)));
    const logSumExp = b.log(b.sum(b.exp(shifted), [-1], true));
    const logProbs = b.sub(shifted, logSumExp);
    const picked = b.sum(b.mul(logProbs, b.oneHot(label, classes)), [-1]);
    return b.neg(b.mean(picked));
  });
  return { graph: b.build({ loss }), loss, params: [w1, b1, w2, b2] };
}
