/**
 * @file Grove's optimizers in the PyTorch program, one row each: the Python that gives the
 * torch.optim class with the same update, its keyword arguments from Grove's bound arguments and
 * its moments (`grove_support.py`'s `OPTIMIZERS`, written from this table). A row that is
 * `{ unsupported }` makes the export refuse the optimizer with that message (G0805).
 */
import type { OptimizerName } from "../../ops/optimizers.js";
import { pyString } from "./python-text.js";

/** How the PyTorch program runs one optimizer, or why it cannot. */
export type TorchOptimizer =
  | {
      /**
       * A Python callable `(args, weight_decay) -> (class, keyword arguments, moments)`: the
       * torch.optim class with Grove's update, and moments mapping Grove's moment names to the
       * optimizer's state keys (`{"m": "exp_avg"}`).
       */
      readonly python: string;
    }
  | { readonly unsupported: string };

export const torchOptimizers: { readonly [N in OptimizerName]: TorchOptimizer } = {
  // torch.optim.SGD
  sgd: { python: "_sgd" },
  adam: { python: "lambda a, wd: _adam(a, wd, torch.optim.Adam)" },
  adamw: { python: "lambda a, wd: _adam(a, wd, torch.optim.AdamW)" },
  // torch.optim.RMSprop
  rmsprop: { python: "_rmsprop" },
};

/** `OPTIMIZERS = {...}`: the supported rows of `torchOptimizers` by Grove name. */
export function optimizersPy(): string {
  const rows = Object.entries(torchOptimizers).flatMap(([name, row]) =>
    "python" in row ? [`    ${pyString(name)}: ${row.python},`] : [],
  );
  return ["OPTIMIZERS = {", ...rows, "}"].join("\n");
}
