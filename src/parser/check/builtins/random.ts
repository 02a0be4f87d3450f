/**
 * @file Randomness and the training flag: `random_uniform(like)` and `random_normal(like)` draw
 * a tensor shaped like their argument (counter-based, a new draw each training step), and
 * `training()` is 1 in the training graph and 0 when evaluating.
 */
import { poison } from "../values.js";
import { req, type BuiltinRule } from "./rule.js";

type RandomOp = "random_uniform" | "random_normal";

function random(op: RandomOp): BuiltinRule {
  return {
    params: [req("like")],
    apply(c, a, call) {
      const t = c.tensorOf(a.get("like")!, `\`${call.name}\``);
      if (!t) return poison;
      return c.emit(op, [], { shape: t.shape }, "f32", t.shape, t.origins, call.span);
    },
  };
}

const training: BuiltinRule = {
  params: [],
  apply(c, _a, call) {
    return c.emit("training", [], {}, "f32", [], [], call.span);
  },
};

export const randomBuiltins: { readonly [P in RandomOp | "training"]: BuiltinRule } = {
  random_uniform: random("random_uniform"),
  random_normal: random("random_normal"),
  training,
};
