/**
 * @file The PyTorch export's entry: `writePytorchProgram` and its error, for `grove export --target
 * pytorch` (src/cli/export.ts imports this module only when that target is asked for).
 */
export { PytorchExportError, writeModelPy } from "./model-py.js";
export { writePytorchProgram } from "./write.js";
