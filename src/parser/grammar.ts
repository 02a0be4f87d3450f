/**
 * @file The Grove parser: a Chevrotain EmbeddedActionsParser that builds the AST directly, with
 * error recovery and full source spans. One instance is reused for every parse.
 * Over 500 lines on purpose: every rule is a field of the one parser class (so a misspelt rule is
 * a compile error), and that class is the grammar.
 */
import {
  EmbeddedActionsParser,
  type IRecognitionException,
  type IToken,
  type TokenType,
} from "chevrotain";
import type { Span } from "../diag/diagnostic.js";
import type * as A from "./ast.js";
import * as T from "./tokens.js";
import { errorMessageProvider } from "./messages.js";

/** Thrown out of the parser when a file has more errors than `errorBudget`. */
export class TooManyErrors extends Error {}

export class GroveParser extends EmbeddedActionsParser {
  /** Set by `parse()` before each run. */
  file = "";
  textLength = 0;
  /**
   * Errors still allowed in this run; one more stops the parser with `TooManyErrors` (each
   * recovery costs an exception with a stack trace: 58,000 of them took 3.5 s).
   */
  errorBudget = Infinity;
  /**
   * Mistakes found in a rule's action rather than by Chevrotain (an expression on its own line
   * that is not a body's result); `parse()` reports them as G0110.
   */
  lateErrors: LateError[] = [];
  /** Lists with `name = value` items, which only a `metrics` setting may have (`parse.ts`). */
  labelledLists: A.ListExpr[] = [];

  /**
   * `recovery: false` stops at the first syntax error; `parse()` uses it for deeply nested
   * files, where Chevrotain's recovery needs more than twice the stack (src/parser/limits.ts).
   */
  constructor(recovery = true) {
    super(T.allTokens, {
      recoveryEnabled: recovery,
      maxLookahead: 3,
      errorMessageProvider,
    });
    this.performSelfAnalysis();
    // Chevrotain records every syntax error through SAVE_ERROR (not in its public types).
    const self = this as unknown as { SAVE_ERROR(e: IRecognitionException): IRecognitionException };
    const save = self.SAVE_ERROR.bind(this);
    self.SAVE_ERROR = (e) => {
      if (--this.errorBudget < 0) throw new TooManyErrors("too many syntax errors");
      return save(e);
    };
  }

  // ------------------------------------------------------------ spans

  private tokSpan(tok: IToken): Span {
    if (Number.isNaN(tok.startOffset)) {
      // A token the parser inserted while recovering: give it a zero-width span at the next token.
      const next = this.LA(1);
      const at = Number.isNaN(next.startOffset) ? this.textLength : next.startOffset;
      return { file: this.file, start: at, end: at };
    }
    return {
      file: this.file,
      start: tok.startOffset,
      end: tok.startOffset + tok.image.length,
    };
  }

  private join(a: Span | undefined, b: Span | undefined): Span {
    if (!a) return b ?? { file: this.file, start: 0, end: 0 };
    if (!b) return a;
    return {
      file: this.file,
      start: Math.min(a.start, b.start),
      end: Math.max(a.end, b.end),
    };
  }

  private ident(tok: IToken): A.Ident {
    return { name: tok.image ?? "", span: this.tokSpan(tok) };
  }

  private errorExpr = (e: IRecognitionException): A.Expr => ({
    kind: "error",
    span: this.tokSpan(e.token),
  });

  // ------------------------------------------------------------ declarations

  program = this.RULE("program", (): A.Decl[] => {
    const decls: A.Decl[] = [];
    this.MANY(() => {
      const d = this.OR([
        { ALT: () => this.SUBRULE(this.importDecl) },
        { ALT: () => this.SUBRULE(this.fnDecl) },
        { ALT: () => this.SUBRULE(this.blockDecl) },
        { ALT: () => this.SUBRULE(this.modelDecl) },
        { ALT: () => this.SUBRULE(this.trainDecl) },
      ]);
      this.ACTION(() => {
        if (d) decls.push(d);
      });
    });
    return decls;
  });

  importDecl = this.RULE("importDecl", (): A.ImportDecl => {
    const kw = this.CONSUME(T.Import);
    const s = this.CONSUME(T.StringLiteral);
    return this.ACTION(() => {
      const path: A.StringLit = {
        kind: "string",
        value: unquote(s),
        span: this.tokSpan(s),
      };
      return {
        kind: "import",
        path,
        span: this.join(this.tokSpan(kw), path.span),
      };
    });
  });

  fnDecl = this.RULE("fnDecl", (): A.FnDecl => {
    const kw = this.CONSUME(T.Fn);
    const name = this.CONSUME(T.Identifier);
    this.CONSUME(T.LParen);
    const params = this.OPTION(() => this.SUBRULE(this.paramList)) ?? [];
    this.CONSUME(T.RParen);
    const body = this.SUBRULE(this.body);
    return this.ACTION(() => ({
      kind: "fn",
      name: this.ident(name),
      params,
      body,
      span: this.join(this.tokSpan(kw), body?.span),
    }));
  });

  paramList = this.RULE("paramList", (): A.ParamDef[] => {
    const params: A.ParamDef[] = [];
    this.AT_LEAST_ONE_SEP({
      SEP: T.Comma,
      DEF: () => {
        const p = this.SUBRULE(this.paramDef);
        this.ACTION(() => {
          if (p) params.push(p);
        });
      },
    });
    return params;
  });

  paramDef = this.RULE("paramDef", (): A.ParamDef => {
    const name = this.CONSUME(T.Identifier);
    const def = this.OPTION(() => {
      this.CONSUME(T.Equals);
      return this.SUBRULE(this.expr);
    });
    return this.ACTION(() => ({
      name: this.ident(name),
      ...(def ? { default: def } : {}),
      span: this.join(this.tokSpan(name), def?.span),
    }));
  });

  body = this.RULE(
    "body",
    (): A.Body => {
      return this.OR([
        {
          ALT: () => {
            const eq = this.CONSUME(T.Equals);
            const result = this.SUBRULE(this.expr);
            return this.ACTION(() => ({
              bindings: [],
              result,
              span: this.join(this.tokSpan(eq), result.span),
            }));
          },
        },
        {
          ALT: () => {
            const open = this.CONSUME(T.LBrace);
            const items: BodyLine[] = [];
            this.MANY(() => {
              const item = this.SUBRULE(this.bodyLine);
              this.ACTION(() => {
                if (item) items.push(item);
              });
              this.OPTION2(() => this.CONSUME2(T.Semicolon));
            });
            const close = this.CONSUME(T.RBrace);
            return this.ACTION(() => this.bodyOf(items, this.tokSpan(open), this.tokSpan(close)));
          },
        },
      ]);
    },
    {
      recoveryValueFunc: (e): A.Body => ({
        bindings: [],
        result: this.errorExpr(e),
        span: this.tokSpan(e.token),
      }),
    },
  );

  /** One line of a `{ ... }` body: a binding, a destructuring binding or an expression. */
  bodyLine = this.RULE("bodyLine", (): BodyLine => {
    return this.OR({
      IGNORE_AMBIGUITIES: true,
      DEF: [
        {
          GATE: () => this.destructureAhead(),
          ALT: () => this.SUBRULE(this.destructure),
        },
        {
          GATE: () => this.LA(2).tokenType === T.Equals,
          ALT: () => this.SUBRULE(this.binding),
        },
        { GATE: () => this.wordAhead("update"), ALT: () => this.SUBRULE(this.updateDecl) },
        { ALT: () => this.SUBRULE(this.assertDecl) },
        {
          ALT: () => {
            const e = this.SUBRULE(this.expr);
            return this.ACTION(() => ({ kind: "expr" as const, expr: e }));
          },
        },
      ],
    });
  });

  /** Splits a body's lines into its bindings and its result, the last line. */
  private bodyOf(lines: readonly BodyLine[], open: Span, close: Span): A.Body {
    const span = this.join(open, close);
    const last = lines[lines.length - 1];
    lines.slice(0, -1).forEach((l) => {
      if (l.kind === "expr") this.lateErrors.push(strayExpression(l.expr.span));
    });
    const bindings = lines.filter((l): l is A.BodyItem => l.kind !== "expr");
    if (last?.kind === "expr") return { bindings, result: last.expr, span };
    this.lateErrors.push({
      span: { file: this.file, start: close.start, end: close.end },
      message: "the body has no result: its last line must be an expression",
      label: "the body ends here",
      help: "the value of a `{ ... }` body is its last line; end it with that expression",
    });
    return { bindings, result: { kind: "error", span: close }, span };
  }

  /** `(a, b) = ...`: `(`, names separated by commas (two or more), `)` and `=`. */
  private destructureAhead(): boolean {
    if (this.LA(1).tokenType !== T.LParen) return false;
    let k = 2;
    for (; ; k += 2) {
      if (this.LA(k).tokenType !== T.Identifier) return false;
      if (this.LA(k + 1).tokenType !== T.Comma) break;
    }
    return k > 2 && this.LA(k + 1).tokenType === T.RParen && this.LA(k + 2).tokenType === T.Equals;
  }

  /**
   * `state` and `update` are words only before a name: `state x: ...`, `update x = ...`
   * (anywhere else, `state = 1` included, they are ordinary names).
   */
  private wordAhead(word: "state" | "update"): boolean {
    const t = this.LA(1);
    return (
      t.tokenType === T.Identifier && t.image === word && this.LA(2).tokenType === T.Identifier
    );
  }

  /** `update name = value`: the value a state takes after a training step. */
  updateDecl = this.RULE("updateDecl", (): A.UpdateDecl => {
    const kw = this.CONSUME(T.Identifier);
    const name = this.CONSUME2(T.Identifier);
    this.CONSUME(T.Equals);
    const value = this.SUBRULE(this.expr);
    return this.ACTION(() => ({
      kind: "update",
      name: this.ident(name),
      value,
      span: this.join(this.tokSpan(kw), value.span),
    }));
  });

  /** `state name: [shape] ~ init`: a tensor kept between training steps, not trained. */
  stateDecl = this.RULE("stateDecl", (): A.StateDecl => {
    const kw = this.CONSUME(T.Identifier);
    const name = this.CONSUME2(T.Identifier);
    this.CONSUME(T.Colon);
    const type = this.SUBRULE(this.typeExpr);
    const init = this.OPTION(() => {
      this.CONSUME(T.Tilde);
      return this.SUBRULE(this.postfixExpr);
    });
    return this.ACTION(() => ({
      kind: "state",
      name: this.ident(name),
      type,
      ...(init ? { init } : {}),
      span: this.join(this.tokSpan(kw), init?.span ?? type.span),
    }));
  });

  /** `assert condition` or `assert condition, "message"`. */
  assertDecl = this.RULE("assertDecl", (): A.AssertDecl => {
    const kw = this.CONSUME(T.Assert);
    const condition = this.SUBRULE(this.expr);
    const message = this.OPTION(() => {
      this.CONSUME(T.Comma);
      return this.CONSUME(T.StringLiteral);
    });
    return this.ACTION(() => {
      const text: A.StringLit | undefined = message && {
        kind: "string",
        value: unquote(message),
        span: this.tokSpan(message),
      };
      return {
        kind: "assert",
        condition,
        ...(text ? { message: text } : {}),
        span: this.join(this.tokSpan(kw), text?.span ?? condition.span),
      };
    });
  });

  destructure = this.RULE("destructure", (): A.Destructure => {
    const open = this.CONSUME(T.LParen);
    const names = this.SUBRULE(this.nameTuple);
    this.CONSUME(T.RParen);
    this.CONSUME(T.Equals);
    const value = this.SUBRULE(this.expr);
    return this.ACTION(() => ({
      kind: "destructure",
      names,
      value,
      output: false,
      span: this.join(this.tokSpan(open), value.span),
    }));
  });

  nameTuple = this.RULE("nameTuple", (): A.Ident[] => {
    const names: A.Ident[] = [];
    this.AT_LEAST_ONE_SEP({
      SEP: T.Comma,
      DEF: () => {
        const n = this.CONSUME(T.Identifier);
        this.ACTION(() => names.push(this.ident(n)));
      },
    });
    return names;
  });

  binding = this.RULE("binding", (): A.Binding => {
    const name = this.CONSUME(T.Identifier);
    this.CONSUME(T.Equals);
    const value = this.SUBRULE(this.expr);
    return this.ACTION(() => ({
      kind: "bind",
      name: this.ident(name),
      value,
      span: this.join(this.tokSpan(name), value.span),
    }));
  });

  blockDecl = this.RULE("blockDecl", (): A.BlockDecl => {
    const kw = this.CONSUME(T.Block);
    const name = this.CONSUME(T.Identifier);
    const params = this.OPTION(() => {
      this.CONSUME(T.LParen);
      const ps = this.OPTION2(() => this.SUBRULE(this.paramList)) ?? [];
      this.CONSUME(T.RParen);
      return ps;
    });
    this.CONSUME(T.LBrace);
    const members: A.BlockMember[] = [];
    this.MANY(() => {
      const m = this.OR([
        { ALT: () => this.SUBRULE(this.paramDecl) },
        { GATE: () => this.wordAhead("state"), ALT: () => this.SUBRULE(this.stateDecl) },
        { GATE: () => this.wordAhead("update"), ALT: () => this.SUBRULE(this.updateDecl) },
        { ALT: () => this.SUBRULE(this.forwardDecl) },
        { ALT: () => this.SUBRULE(this.assertDecl) },
        { GATE: () => this.destructureAhead(), ALT: () => this.SUBRULE(this.destructure) },
        { ALT: () => this.SUBRULE(this.binding) },
      ]);
      this.ACTION(() => {
        if (m) members.push(m);
      });
      this.OPTION9(() => this.CONSUME9(T.Semicolon));
    });
    const close = this.CONSUME(T.RBrace);
    return this.ACTION(() => ({
      kind: "block",
      name: this.ident(name),
      params: params ?? [],
      members,
      span: this.join(this.tokSpan(kw), this.tokSpan(close)),
    }));
  });

  paramDecl = this.RULE("paramDecl", (): A.ParamDecl => {
    const kw = this.CONSUME(T.Param);
    const name = this.CONSUME(T.Identifier);
    this.CONSUME(T.Colon);
    const type = this.SUBRULE(this.typeExpr);
    const init = this.OPTION(() => {
      this.CONSUME(T.Tilde);
      return this.SUBRULE(this.postfixExpr);
    });
    return this.ACTION(() => ({
      kind: "param",
      name: this.ident(name),
      type,
      ...(init ? { init } : {}),
      span: this.join(this.tokSpan(kw), init?.span ?? type.span),
    }));
  });

  forwardDecl = this.RULE("forwardDecl", (): A.ForwardDecl => {
    const kw = this.CONSUME(T.Forward);
    this.CONSUME(T.LParen);
    const inputs: A.ForwardInput[] = [];
    this.MANY_SEP({
      SEP: T.Comma,
      DEF: () => {
        const name = this.CONSUME(T.Identifier);
        this.CONSUME(T.Colon);
        const type = this.SUBRULE(this.typeExpr);
        this.ACTION(() =>
          inputs.push({
            name: this.ident(name),
            type,
            span: this.join(this.tokSpan(name), type.span),
          }),
        );
      },
    });
    this.CONSUME(T.RParen);
    const output = this.OPTION(() => {
      this.CONSUME(T.Arrow);
      return this.OR([
        { ALT: () => this.SUBRULE2(this.typeExpr) },
        {
          ALT: () => {
            this.CONSUME2(T.LParen);
            const types: A.TypeExpr[] = [];
            this.AT_LEAST_ONE_SEP({
              SEP: T.Comma,
              DEF: () => {
                const t = this.SUBRULE3(this.typeExpr);
                this.ACTION(() => types.push(t));
              },
            });
            this.CONSUME2(T.RParen);
            return types;
          },
        },
      ]);
    });
    const body = this.SUBRULE(this.body);
    return this.ACTION(() => ({
      kind: "forward",
      inputs,
      ...(Array.isArray(output) ? { results: output } : output ? { output } : {}),
      body,
      keywordSpan: this.tokSpan(kw),
      span: this.join(this.tokSpan(kw), body.span),
    }));
  });

  modelDecl = this.RULE("modelDecl", (): A.ModelDecl => {
    const kw = this.CONSUME(T.Model);
    const name = this.CONSUME(T.Identifier);
    this.CONSUME(T.LBrace);
    const members: A.ModelMember[] = [];
    this.MANY(() => {
      const m = this.OR([
        { ALT: () => this.SUBRULE(this.inputDecl) },
        { ALT: () => this.SUBRULE(this.outputDecl) },
        { ALT: () => this.SUBRULE(this.paramDecl) },
        { GATE: () => this.wordAhead("state"), ALT: () => this.SUBRULE(this.stateDecl) },
        { GATE: () => this.wordAhead("update"), ALT: () => this.SUBRULE(this.updateDecl) },
        { ALT: () => this.SUBRULE(this.assertDecl) },
        { GATE: () => this.destructureAhead(), ALT: () => this.SUBRULE(this.destructure) },
        { ALT: () => this.SUBRULE(this.binding) },
      ]);
      this.ACTION(() => {
        if (m) members.push(m);
      });
      this.OPTION9(() => this.CONSUME9(T.Semicolon));
    });
    const close = this.CONSUME(T.RBrace);
    return this.ACTION(() => ({
      kind: "model",
      name: this.ident(name),
      members,
      span: this.join(this.tokSpan(kw), this.tokSpan(close)),
    }));
  });

  inputDecl = this.RULE("inputDecl", (): A.InputDecl => {
    const kw = this.CONSUME(T.Input);
    const name = this.CONSUME(T.Identifier);
    this.CONSUME(T.Colon);
    const type = this.SUBRULE(this.typeExpr);
    return this.ACTION(() => ({
      kind: "input",
      name: this.ident(name),
      type,
      span: this.join(this.tokSpan(kw), type.span),
    }));
  });

  /** `output y = ...`, or `output (mu, logvar) = ...` for several results. */
  outputDecl = this.RULE("outputDecl", (): A.OutputDecl | A.Destructure => {
    const kw = this.CONSUME(T.Output);
    const target = this.OR([
      { ALT: () => this.CONSUME(T.Identifier) },
      {
        ALT: () => {
          this.CONSUME(T.LParen);
          const names = this.SUBRULE(this.nameTuple);
          this.CONSUME(T.RParen);
          return names;
        },
      },
    ]);
    this.CONSUME(T.Equals);
    const value = this.SUBRULE(this.expr);
    return this.ACTION(() => {
      const span = this.join(this.tokSpan(kw), value.span);
      if (Array.isArray(target))
        return { kind: "destructure" as const, names: target, value, output: true, span };
      return { kind: "output" as const, name: this.ident(target), value, span };
    });
  });

  trainDecl = this.RULE("trainDecl", (): A.TrainDecl => {
    const kw = this.CONSUME(T.Train);
    const model = this.CONSUME(T.Identifier);
    this.CONSUME(T.LBrace);
    const settings: A.TrainSetting[] = [];
    this.MANY(() => {
      const b = this.SUBRULE(this.binding);
      this.ACTION(() => {
        if (b) settings.push({ key: b.name, value: b.value, span: b.span });
      });
      this.OPTION9(() => this.CONSUME9(T.Semicolon));
    });
    const close = this.CONSUME(T.RBrace);
    return this.ACTION(() => ({
      kind: "train",
      model: this.ident(model),
      settings,
      span: this.join(this.tokSpan(kw), this.tokSpan(close)),
    }));
  });

  // ------------------------------------------------------------ shapes

  typeExpr = this.RULE(
    "typeExpr",
    (): A.TypeExpr => {
      const dtype = this.OPTION(() => this.CONSUME(T.Identifier));
      const open = this.CONSUME(T.LBracket);
      const dims: A.DimExpr[] = [];
      this.MANY_SEP({
        SEP: T.Comma,
        DEF: () => {
          const d = this.SUBRULE(this.dimExpr);
          this.ACTION(() => {
            if (d) dims.push(d);
          });
        },
      });
      const close = this.CONSUME(T.RBracket);
      return this.ACTION(() => ({
        ...(dtype ? { dtype: this.ident(dtype) } : {}),
        dims,
        span: this.join(dtype ? this.tokSpan(dtype) : this.tokSpan(open), this.tokSpan(close)),
      }));
    },
    { recoveryValueFunc: (e): A.TypeExpr => ({ dims: [], span: this.tokSpan(e.token) }) },
  );

  dimExpr = this.RULE(
    "dimExpr",
    (): A.DimExpr => {
      let left = this.SUBRULE(this.dimTerm);
      this.MANY(() => {
        const op = this.CONSUME(T.AdditiveOp);
        const right = this.SUBRULE2(this.dimTerm);
        this.ACTION(() => {
          left = this.dimBinary(op, left, right);
        });
      });
      return left;
    },
    {
      recoveryValueFunc: (e): A.DimExpr => ({
        kind: "dim-error",
        span: this.tokSpan(e.token),
      }),
    },
  );

  dimTerm = this.RULE(
    "dimTerm",
    (): A.DimExpr => {
      let left = this.SUBRULE(this.dimAtom);
      this.MANY(() => {
        const op = this.OR([
          { ALT: () => this.CONSUME(T.Star) },
          { ALT: () => this.CONSUME(T.Slash) },
        ]);
        const right = this.SUBRULE2(this.dimAtom);
        this.ACTION(() => {
          left = this.dimBinary(op, left, right);
        });
      });
      return left;
    },
    { recoveryValueFunc: (e): A.DimExpr => ({ kind: "dim-error", span: this.tokSpan(e.token) }) },
  );

  dimAtom = this.RULE(
    "dimAtom",
    (): A.DimExpr => {
      return this.OR([
        {
          ALT: () => {
            const t = this.CONSUME(T.Ellipsis);
            return this.ACTION((): A.DimExpr => ({
              kind: "ellipsis",
              span: this.tokSpan(t),
            }));
          },
        },
        {
          ALT: () => {
            const t = this.CONSUME(T.NumberLiteral);
            return this.ACTION(() => ({
              kind: "int",
              value: Number(t.image),
              span: this.tokSpan(t),
            }));
          },
        },
        {
          ALT: () => {
            const t = this.CONSUME(T.Identifier);
            return this.ACTION(() => ({
              kind: "dim-name",
              name: t.image,
              span: this.tokSpan(t),
            }));
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.LParen);
            const inner = this.SUBRULE(this.dimExpr);
            this.CONSUME(T.RParen);
            return inner;
          },
        },
      ]);
    },
    { recoveryValueFunc: (e): A.DimExpr => ({ kind: "dim-error", span: this.tokSpan(e.token) }) },
  );

  private dimBinary(op: IToken, left: A.DimExpr, right: A.DimExpr): A.DimExpr {
    return {
      kind: "dim-binary",
      op: op.image as "+" | "-" | "*" | "/",
      left,
      right,
      span: this.join(left.span, right.span),
    };
  }

  // ------------------------------------------------------------ expressions

  expr = this.RULE("expr", (): A.Expr => this.SUBRULE(this.pipeExpr), {
    recoveryValueFunc: this.errorExpr,
  });

  pipeExpr = this.RULE(
    "pipeExpr",
    (): A.Expr => {
      let value = this.SUBRULE(this.comparisonExpr);
      this.MANY(() => {
        const op = this.CONSUME(T.PipeOp);
        const target = this.SUBRULE(this.postfixExpr);
        this.ACTION(() => {
          value = {
            kind: "pipe",
            value,
            target,
            opSpan: this.tokSpan(op),
            span: this.join(value.span, target.span),
          };
        });
      });
      return value;
    },
    { recoveryValueFunc: this.errorExpr },
  );

  comparisonExpr = this.RULE(
    "comparisonExpr",
    (): A.Expr => {
      const left = this.SUBRULE(this.additiveExpr);
      const rest = this.OPTION(() => {
        const op = this.CONSUME(T.ComparisonOp);
        const right = this.SUBRULE2(this.additiveExpr);
        return { op, right };
      });
      return this.ACTION(() => (rest ? this.binary(rest.op, left, rest.right) : left));
    },
    { recoveryValueFunc: this.errorExpr },
  );

  additiveExpr = this.RULE(
    "additiveExpr",
    (): A.Expr => {
      let left = this.SUBRULE(this.multiplicativeExpr);
      this.MANY(() => {
        const op = this.CONSUME(T.AdditiveOp);
        const right = this.SUBRULE2(this.multiplicativeExpr);
        this.ACTION(() => {
          left = this.binary(op, left, right);
        });
      });
      return left;
    },
    { recoveryValueFunc: this.errorExpr },
  );

  multiplicativeExpr = this.RULE(
    "multiplicativeExpr",
    (): A.Expr => {
      let left = this.SUBRULE(this.unaryExpr);
      this.MANY(() => {
        const op = this.CONSUME(T.MultiplicativeOp);
        const right = this.SUBRULE2(this.unaryExpr);
        this.ACTION(() => {
          left = this.binary(op, left, right);
        });
      });
      return left;
    },
    { recoveryValueFunc: this.errorExpr },
  );

  unaryExpr = this.RULE(
    "unaryExpr",
    (): A.Expr => {
      return this.OR([
        {
          ALT: () => {
            const op = this.CONSUME(T.Minus);
            const operand = this.SUBRULE(this.unaryExpr);
            return this.ACTION((): A.Expr => ({
              kind: "unary",
              op: "-",
              operand,
              opSpan: this.tokSpan(op),
              span: this.join(this.tokSpan(op), operand.span),
            }));
          },
        },
        { ALT: () => this.SUBRULE(this.powerExpr) },
      ]);
    },
    { recoveryValueFunc: this.errorExpr },
  );

  /** `^` binds tighter than unary minus and associates to the right: `-x^2^3 = -(x^(2^3))`. */
  powerExpr = this.RULE(
    "powerExpr",
    (): A.Expr => {
      const base = this.SUBRULE(this.postfixExpr);
      const rest = this.OPTION(() => {
        const op = this.CONSUME(T.Caret);
        const exponent = this.SUBRULE(this.unaryExpr);
        return { op, exponent };
      });
      return this.ACTION(() => (rest ? this.binary(rest.op, base, rest.exponent) : base));
    },
    { recoveryValueFunc: this.errorExpr },
  );

  postfixExpr = this.RULE(
    "postfixExpr",
    (): A.Expr => {
      let callee = this.SUBRULE(this.primary);
      this.MANY(() => {
        this.OR([
          {
            ALT: () => {
              const open = this.CONSUME(T.LParen);
              const args: A.Arg[] = [];
              this.MANY_SEP({
                SEP: T.Comma,
                DEF: () => {
                  const a = this.SUBRULE(this.arg);
                  this.ACTION(() => {
                    if (a) args.push(a);
                  });
                },
              });
              const close = this.CONSUME(T.RParen);
              this.ACTION(() => {
                const argsSpan = this.join(this.tokSpan(open), this.tokSpan(close));
                callee = {
                  kind: "call",
                  callee,
                  args,
                  argsSpan,
                  span: this.join(callee.span, argsSpan),
                };
              });
            },
          },
          {
            ALT: () => {
              this.CONSUME(T.Dot);
              const name = this.OR2([
                { ALT: () => this.CONSUME(T.Identifier) },
                { ALT: () => this.CONSUME(T.NumberLiteral) },
              ]);
              this.ACTION(() => {
                const member = this.ident(name);
                callee = {
                  kind: "member",
                  object: callee,
                  member,
                  span: this.join(callee.span, member.span),
                };
              });
            },
          },
        ]);
      });
      return callee;
    },
    { recoveryValueFunc: this.errorExpr },
  );

  arg = this.RULE("arg", (): A.Arg => {
    const name = this.OPTION({
      GATE: () => this.LA(2).tokenType === T.Colon,
      DEF: () => {
        const n = this.CONSUME(T.Identifier);
        this.CONSUME(T.Colon);
        return n;
      },
    });
    const value = this.SUBRULE(this.expr);
    return this.ACTION(() => ({
      ...(name ? { name: this.ident(name) } : {}),
      value,
      span: this.join(name ? this.tokSpan(name) : undefined, value.span),
    }));
  });

  primary = this.RULE(
    "primary",
    (): A.Expr => {
      return this.OR([
        {
          ALT: () => {
            const t = this.CONSUME(T.NumberLiteral);
            return this.ACTION((): A.Expr => ({
              kind: "number",
              value: Number(t.image),
              isInt: /^\d+$/.test(t.image),
              text: t.image,
              span: this.tokSpan(t),
            }));
          },
        },
        {
          ALT: () => {
            const t = this.CONSUME(T.StringLiteral);
            return this.ACTION((): A.Expr => ({
              kind: "string",
              value: unquote(t),
              span: this.tokSpan(t),
            }));
          },
        },
        {
          ALT: () => {
            const t = this.CONSUME(T.Identifier);
            return this.ACTION((): A.Expr => ({
              kind: "name",
              name: t.image,
              span: this.tokSpan(t),
            }));
          },
        },
        {
          ALT: () => {
            const open = this.CONSUME(T.LParen);
            const items = [this.SUBRULE(this.expr)];
            this.MANY3(() => {
              this.CONSUME3(T.Comma);
              const e = this.SUBRULE3(this.expr);
              this.ACTION(() => items.push(e));
            });
            const close = this.CONSUME(T.RParen);
            return this.ACTION((): A.Expr => {
              const span = this.join(this.tokSpan(open), this.tokSpan(close));
              return items.length > 1 ? { kind: "tuple", items, span } : { ...items[0]!, span };
            });
          },
        },
        {
          ALT: () => {
            const open = this.CONSUME(T.LBracket);
            const items: A.Expr[] = [];
            const labels: (A.Ident | undefined)[] = [];
            this.MANY_SEP({
              SEP: T.Comma,
              DEF: () => {
                const label = this.OPTION({
                  GATE: () => this.LA(2).tokenType === T.Equals,
                  DEF: () => {
                    const n = this.CONSUME2(T.Identifier);
                    this.CONSUME(T.Equals);
                    return n;
                  },
                });
                const e = this.SUBRULE2(this.expr);
                this.ACTION(() => {
                  if (!e) return;
                  items.push(e);
                  labels.push(label ? this.ident(label) : undefined);
                });
              },
            });
            const close = this.CONSUME(T.RBracket);
            return this.ACTION((): A.Expr => {
              const list: A.ListExpr = {
                kind: "list",
                items,
                ...(labels.some((l) => l) ? { labels } : {}),
                span: this.join(this.tokSpan(open), this.tokSpan(close)),
              };
              if (list.labels) this.labelledLists.push(list);
              return list;
            });
          },
        },
      ]);
    },
    { recoveryValueFunc: this.errorExpr },
  );

  private binary(op: IToken, left: A.Expr, right: A.Expr): A.Expr {
    return {
      kind: "binary",
      op: op.image as A.BinaryOp,
      left,
      right,
      opSpan: this.tokSpan(op),
      span: this.join(left.span, right.span),
    };
  }
}

/** A line of a `{ ... }` body before it is known whether it is the result. */
type BodyLine = A.BodyItem | { readonly kind: "expr"; readonly expr: A.Expr };

/** A syntax mistake found in an action (see `GroveParser.lateErrors`). */
export interface LateError {
  readonly span: Span;
  readonly message: string;
  readonly label: string;
  readonly notes?: readonly string[];
  readonly help?: string;
}

/** An expression on a line of its own that is not the body's last line. */
function strayExpression(span: Span): LateError {
  return {
    span,
    message: "an expression on its own line must be the body's last line, its result",
    label: "not the last line, so its value is not used",
    help: "bind it to a name (`h = ...`), or, if it continues the line above, end that line with the operator",
  };
}

/** Removes the quotes of a string literal and resolves its escapes. */
export function unquote(tok: IToken): string {
  const closed = tok.tokenType !== T.UnterminatedString;
  const inner = tok.image.slice(1, closed ? -1 : undefined);
  return inner.replace(/\\(.)/g, (_, c: string) => ({ n: "\n", t: "\t", r: "\r" })[c] ?? c);
}

export type { TokenType };
