/**
 * @file The front end's explicit limits, in one table so docs/language.md ("Limits") and the
 * tests quote the same numbers. Each keeps a recursive pass (Chevrotain's parser, the
 * evaluator) well inside Node's default stack, or bounds work on hostile input; passes over
 * user-sized lists and left-associative chains are iterative and need no limit.
 */
import { F32_MAX, F32_MIN_NORMAL } from "../ops/call-schema.js";

export const limits = {
  /**
   * Brackets, unary minus and `^` open inside one another in one expression or shape. Measured
   * on Node 20 with its default stack (984 KB), cold (the first parse of a process, whose frames
   * are largest): Chevrotain overflows at about 150 levels of `f(f(...))` without error recovery
   * and at about 60 when it recovers from an error at the innermost level. 64 levels, parsed
   * without recovery, still pass with the stack cut to 600 KB (they fail at 450 KB).
   */
  nesting: 64,
  /**
   * Up to this nesting the parser recovers from errors (and reports every one it can); deeper
   * files are parsed without recovery, which reports the first syntax error only. 24 levels
   * with an error at the innermost one still pass with the stack cut to 400 KB.
   */
  recoveringNesting: 24,
  /**
   * Tokens in one file. Parsing and checking cost about 2 µs a token in the worst forms
   * (`x + x + ...`, `f(x)(x)...`): 300,000 measured 0.5-0.7 s of CPU. Real files are far
   * smaller (the whole standard library has 1,300, the largest example 190); 250,000 is, e.g.,
   * a model of 35,000 one-line layers.
   */
  tokens: 250_000,
  /** Calls of functions, blocks and layers open inside one another while inlining (G0706). */
  callDepth: 100,
  /**
   * Expressions open inside one another while inlining, each inlined call counting 2 (G0706).
   * Measured cold with the default stack: the evaluator overflows at about 1,000 levels of
   * nested calls to builtins inside a chain of functions (its most stack-hungry form); 400
   * still pass with the stack cut to 500 KB.
   */
  evalDepth: 400,
  /**
   * Copies made by `repeat` in one model, nested repeats included (G0412). Each copy is
   * checked and inlined like a written-out layer, so this bounds the work a small file can ask
   * for: 1,024 copies of a transformer block (92,000 trace nodes) check in about a second.
   */
  copies: 1024,
  /**
   * Steps unrolled by `scan` in one model, nested scans included (G0412). Each step inlines
   * the cell once, like a written-out layer call: a GRU over 1,024 steps (23,600 trace nodes)
   * checks in about a second, over 4,096 in five (on a busy 2-core machine).
   */
  steps: 1024,
  /** Errors reported per file; one G0113 note marks the first that is not. */
  errorsPerFile: 100,
  /** Largest dimension, size, axis or index (2^31 - 1: sizes are 32-bit on the GPU). */
  dimension: 2 ** 31 - 1,
  /** Most elements in a tensor whose shape is known when checking. */
  elements: 2 ** 31 - 1,
  /** Largest finite f32, the bound for numbers that become tensor values or f32 settings. */
  f32Max: F32_MAX,
  /** Smallest positive normal f32: positive f32 settings (`lr`, `eps`) must reach it. */
  f32MinNormal: F32_MIN_NORMAL,
} as const;
