/**
 * @file Symbolic dimensions: integer polynomials over dimension names (`N`, `B * T`, `4 * dim`).
 * Plain data (a sorted list of monomials) so elaborated programs stay serialisable.
 */

/** One term: `coeff * s1 * s2 * ...` with the symbols sorted; `[]` symbols is the constant. */
export interface Monomial {
  readonly symbols: readonly string[];
  readonly coeff: number;
}

/** A canonical polynomial: monomials sorted by key, no zero coefficients. */
export interface Dim {
  readonly terms: readonly Monomial[];
}

const key = (symbols: readonly string[]) => symbols.join("*");

function normalise(terms: Iterable<Monomial>): Dim {
  const byKey = new Map<string, Monomial>();
  for (const t of terms) {
    const k = key(t.symbols);
    const prev = byKey.get(k);
    byKey.set(k, { symbols: t.symbols, coeff: (prev?.coeff ?? 0) + t.coeff });
  }
  const out = [...byKey.values()].filter((t) => t.coeff !== 0);
  out.sort((a, b) =>
    key(a.symbols) < key(b.symbols) ? -1 : key(a.symbols) > key(b.symbols) ? 1 : 0,
  );
  return { terms: out };
}

export function dimConst(n: number): Dim {
  return normalise([{ symbols: [], coeff: n }]);
}

export function dimSym(name: string): Dim {
  return { terms: [{ symbols: [name], coeff: 1 }] };
}

/** The number, when the dimension does not depend on any symbol. */
export function dimValue(d: Dim): number | undefined {
  if (d.terms.length === 0) return 0;
  if (d.terms.length === 1 && d.terms[0]!.symbols.length === 0) return d.terms[0]!.coeff;
  return undefined;
}

export function dimAdd(a: Dim, b: Dim): Dim {
  return normalise([...a.terms, ...b.terms]);
}

export function dimNeg(a: Dim): Dim {
  return {
    terms: a.terms.map((t) => ({ symbols: t.symbols, coeff: -t.coeff })),
  };
}

export function dimSub(a: Dim, b: Dim): Dim {
  return dimAdd(a, dimNeg(b));
}

export function dimMul(a: Dim, b: Dim): Dim {
  const out: Monomial[] = [];
  for (const x of a.terms)
    for (const y of b.terms)
      out.push({
        symbols: [...x.symbols, ...y.symbols].sort(),
        coeff: x.coeff * y.coeff,
      });
  return normalise(out);
}

/**
 * Exact division, or undefined when the quotient is not an integer polynomial. Handles a
 * constant divisor and a single-monomial divisor that divides every term.
 */
export function dimDiv(a: Dim, b: Dim): Dim | undefined {
  if (b.terms.length === 0) return undefined; // division by zero
  if (b.terms.length !== 1) return dimEq(a, b) ? dimConst(1) : undefined;
  const d = b.terms[0]!;
  if (d.coeff === 0) return undefined;
  const out: Monomial[] = [];
  for (const t of a.terms) {
    if (t.coeff % d.coeff !== 0) return undefined;
    const rest = [...t.symbols];
    for (const s of d.symbols) {
      const i = rest.indexOf(s);
      if (i < 0) return undefined;
      rest.splice(i, 1);
    }
    out.push({ symbols: rest, coeff: t.coeff / d.coeff });
  }
  return normalise(out);
}

/** Equality of canonical polynomials, term by term (no strings: shapes compare often). */
export function dimEq(a: Dim, b: Dim): boolean {
  if (a === b) return true;
  if (a.terms.length !== b.terms.length) return false;
  return a.terms.every((t, i) => {
    const u = b.terms[i]!;
    return (
      t.coeff === u.coeff &&
      t.symbols.length === u.symbols.length &&
      t.symbols.every((s, k) => s === u.symbols[k])
    );
  });
}

export function dimProduct(dims: readonly Dim[]): Dim {
  return dims.reduce((acc, d) => dimMul(acc, d), dimConst(1));
}

/** Replaces symbols by dimensions (used to specialise `N` to a batch size). */
export function dimSubstitute(d: Dim, env: (symbol: string) => Dim | undefined): Dim {
  let acc = dimConst(0);
  for (const t of d.terms) {
    let term = dimConst(t.coeff);
    for (const s of t.symbols) term = dimMul(term, env(s) ?? dimSym(s));
    acc = dimAdd(acc, term);
  }
  return acc;
}

export function dimToString(d: Dim): string {
  if (d.terms.length === 0) return "0";
  // Symbolic terms first (`N + 1`, not `1 + N`), in their canonical order.
  const terms = [...d.terms].sort(
    (a, b) => (a.symbols.length === 0 ? 1 : 0) - (b.symbols.length === 0 ? 1 : 0),
  );
  let out = "";
  terms.forEach((t, i) => {
    const neg = t.coeff < 0;
    const mag = Math.abs(t.coeff);
    const body =
      t.symbols.length === 0 ? String(mag) : (mag === 1 ? "" : `${mag} * `) + t.symbols.join(" * ");
    if (i === 0) out = (neg ? "-" : "") + body;
    else out += (neg ? " - " : " + ") + body;
  });
  return out;
}
