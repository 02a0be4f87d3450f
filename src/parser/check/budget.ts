/**
 * @file How far the evaluator may go: expressions and inlined calls open inside one another
 * (`limits.evalDepth`, `limits.callDepth`: G0706; a function or block that uses itself: G0705),
 * and the copies `repeat` makes and the steps `scan` unrolls in a whole model (G0412). The
 * evaluator owns one `Budget` and asks it before it goes deeper.
 */
import type { Span } from "../../diag/diagnostic.js";
import type * as A from "../ast.js";
import { limits } from "../limits.js";
import type { Reporter } from "./sink.js";

/** How many levels of `limits.evalDepth` an inlined call takes (it uses more stack than an expression). */
const callWeight = 2;

export class Budget {
  /** The calls being inlined, outermost first. */
  readonly callSites: Span[] = [];
  /** The functions and blocks open, innermost last (undefined for a `forward`). */
  private readonly active: (A.FnDecl | A.BlockDecl | undefined)[] = [];
  /** Expressions being evaluated inside one another, across inlined calls. */
  private depth = 0;
  /** G0706 for depth was reported and the evaluation is unwinding. */
  private unwinding = false;
  /** Copies `repeat` has made so far in this evaluation, nested repeats included. */
  private copies = 0;
  /** Steps `scan` has unrolled so far in this evaluation, nested scans included. */
  private steps = 0;

  constructor(private readonly r: Reporter) {}

  /** Opens an expression at `span`; false (after G0706, once while unwinding) when too deep. */
  descend(span: Span): boolean {
    if (this.depth < limits.evalDepth) {
      this.depth++;
      return true;
    }
    this.tooDeep(span);
    return false;
  }

  /** Closes the expression `descend` opened last. */
  ascend(): void {
    this.depth--;
    if (this.depth === 0) this.unwinding = false;
  }

  /** G0706, once per top-level expression: its siblings at the same depth stay silent. */
  private tooDeep(span: Span): void {
    if (this.unwinding) return;
    this.unwinding = true;
    this.r.report({
      code: "G0706",
      message: `nesting too deep once functions are inlined: more than ${limits.evalDepth} levels`,
      span,
      label: "too deep here",
      notes: [
        `expressions and calls may be open inside one another at most ${limits.evalDepth} levels deep while Grove inlines them`,
      ],
      help: "name intermediate results, or call functions one after another instead of inside one another",
    });
  }

  /**
   * Opens an inlined call at `span` (of `decl`, which may not be open already: G0705); false,
   * after reporting, when it would go deeper than the limits allow (G0706).
   */
  openCall(span: Span, decl?: A.FnDecl | A.BlockDecl): boolean {
    if (decl && this.active.includes(decl)) {
      this.r.report({
        code: "G0705",
        message: `\`${decl.name.name}\` uses itself: recursion cannot be inlined`,
        span,
        label: "recursive use",
        secondary: [{ span: decl.name.span, message: "defined here" }],
        help: "Grove inlines every function and block; write the repetition out",
      });
      return false;
    }
    if (!this.callRoom(span)) return false;
    this.active.push(decl);
    this.callSites.push(span);
    this.depth += callWeight;
    return true;
  }

  /** Reports G0706 when another inlined call would go deeper than `limits.callDepth`. */
  private callRoom(span: Span): boolean {
    if (this.callSites.length < limits.callDepth) return true;
    this.r.report({
      code: "G0706",
      message: `calls nested too deeply: more than ${limits.callDepth} calls inside one another`,
      span,
      label: `call ${limits.callDepth + 1} in the chain`,
      notes: [
        `Grove inlines every function, block and layer call; at most ${limits.callDepth} may be open inside one another`,
      ],
      help: "call the functions one after another instead of each calling the next",
    });
    return false;
  }

  /** Closes the call `openCall` opened last. */
  closeCall(): void {
    this.active.pop();
    this.callSites.pop();
    this.depth -= callWeight;
  }

  /** Counts `n` more steps unrolled by `scan`; reports G0412 beyond `limits.steps` in all. */
  takeSteps(n: number, span: Span): boolean {
    this.steps += n;
    if (this.steps <= limits.steps) return true;
    this.r.report({
      code: "G0412",
      message: `\`scan\` unrolls more than ${limits.steps} steps in this model`,
      span,
      label: `${this.steps} steps in all so far`,
      notes: [
        `each step inlines the cell once; nested scans multiply, and a model may unroll at most ${limits.steps} steps in all`,
      ],
    });
    return false;
  }

  /** Counts `n` more copies made by `repeat`; reports G0412 beyond `limits.copies` in all. */
  takeCopies(n: number, span: Span): boolean {
    this.copies += n;
    if (this.copies <= limits.copies) return true;
    this.r.report({
      code: "G0412",
      message: `\`repeat\` makes more than ${limits.copies} copies in this model`,
      span,
      label: `${this.copies} copies in all so far`,
      notes: [`nested repeats multiply; a model may have at most ${limits.copies} copies in all`],
    });
    return false;
  }
}
