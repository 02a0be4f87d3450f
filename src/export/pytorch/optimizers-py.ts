/**
 * @file Grove's optimizers in the PyTorch program, one row each: the torch.optim class with the
 * same update and the Python that maps Grove's bound arguments to its keyword arguments and
 * moments (`grove_support.py`'s `OPTIMIZERS`, written from this table). A row that is
 * `{ unsupported }` makes the export refuse the optimizer with that message (G0805).
 */
import type { OptimizerName } from "../../ops/optimizers.js";
import { pyString } from "./python-text.js";

/** How the PyTorch program runs one optimizer, or why it cannot. */
export type TorchOptimizer =
  | {
      /** The torch.optim class with Grove's update. */
      readonly torch: string;
      /**
       * A Python callable `(args, weight_decay) -> (class, keyword arguments, moments)`, where
       * moments maps Grove's moment names to the optimizer's state keys (`{"m": "exp_avg"}`).
       */
      readonly python: string;
    }
  | { readonly unsupported: string };

export const torchOptimizers: { readonly [N in OptimizerName]: TorchOptimizer } = {
  sgd: { torch: "torch.optim.SGD", python: "_sgd" },
  adam: { torch: "torch.optim.Adam", python: "lambda a, wd: _adam(a, wd, torch.optim.Adam)" },
  adamw: { torch: "torch.optim.AdamW", python: "lambda a, wd: _adam(a, wd, torch.optim.AdamW)" },
  rmsprop: { torch: "torch.optim.RMSprop", python: "_rmsprop" },
};

/** `OPTIMIZERS = {...}`: the supported rows of `torchOptimizers` by Grove name. */
export function optimizersPy(): string {
  const rows = Object.entries(torchOptimizers).flatMap(([name, row]) =>
    "python" in row ? [`    ${pyString(name)}: ${row.python},`] : [],
  );
  return ["OPTIMIZERS = {", ...rows, "}"].join("\n");
}
