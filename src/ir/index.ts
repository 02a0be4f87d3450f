/**
 * @file The public API of the tensor IR: node and graph types, the builder, shape rules,
 * verification, printing, the reference interpreter, autodiff and simplification.
 */
export * from "./node.js";
export { GraphBuilder } from "./builder.js";
export { shapeRules, inferType, windowOutputSize } from "./shape-rules.js";
export { verify } from "./verify.js";
export { printGraph, printNode, formatSpan, type PrintOptions } from "./print.js";
export {
  interpret,
  interpretOutputs,
  interpretRules,
  type Bindings,
  type InterpretOptions,
} from "./interpret.js";
export { makeTensor, type Precision, type Tensor, type TensorData } from "./tensor.js";
export { differentiate, type Gradients } from "./autodiff.js";
export { vjpRules, unbroadcast, type VjpRule } from "./vjp-rules.js";
export { simplify, simplifyPasses, type SimplifyOptions } from "./simplify.js";
export { foldConstants, foldRules } from "./fold-constants.js";
export { simplifyAlgebra, algebraRules } from "./algebra.js";
export {
  rewriteGraph,
  eliminateCommonSubexpressions,
  eliminateDeadCode,
  type Pass,
  type Rewrite,
} from "./rewrite.js";
export { philox4x32, uniformAt, normalAt } from "./random.js";
export { erf } from "../ops/elementwise.js";
export { lowerTrace, STEP_INPUT, type LowerOptions } from "./lower.js";
export {
  compileTrain,
  pipelinePassNames,
  type CompiledTrain,
  type PipelineOptions,
} from "./pipeline.js";
export {
  gradcheck,
  randomBindings,
  seededRandom,
  type GradcheckOptions,
  type ParamCheck,
} from "./gradcheck.js";
