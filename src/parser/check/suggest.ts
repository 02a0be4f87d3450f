/**
 * @file "Did you mean" suggestions by edit distance, bounded so that a hostile name (300,000
 * characters) costs nothing: names longer than `suggestLength` get no suggestion, candidates
 * whose length differs by more than the allowed distance are skipped before any work, and the
 * distance is computed in a band that stops early.
 */

/** Names longer than this get no suggestion (nobody mistypes a name this long). */
export const suggestLength = 64;

/**
 * Optimal string alignment distance (insertions, deletions, substitutions and adjacent swaps),
 * case-insensitive. With `limit`, only distances up to `limit` are exact: anything larger is
 * returned as `limit + 1`, in O(length × limit) time.
 */
export function editDistance(a: string, b: string, limit = Infinity): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  const over = limit + 1;
  if (Math.abs(x.length - y.length) > limit) return over;
  const band = Math.min(limit, Math.max(x.length, y.length));
  let before: number[] = [];
  let prev = Array.from({ length: y.length + 1 }, (_, j) => (j <= band ? j : over));
  let prevBest = 0;
  for (let i = 1; i <= x.length; i++) {
    const row = new Array<number>(y.length + 1).fill(over);
    if (i <= band) row[0] = i;
    let rowBest = row[0]!;
    for (let j = Math.max(1, i - band); j <= Math.min(y.length, i + band); j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      let best = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1])
        best = Math.min(best, before[j - 2]! + 1);
      row[j] = Math.min(best, over);
      rowBest = Math.min(rowBest, row[j]!);
    }
    // Every path to the end goes through this row (or the one before, for a swap).
    if (rowBest > limit && prevBest > limit) return over;
    before = prev;
    prev = row;
    prevBest = rowBest;
  }
  return Math.min(prev[y.length]!, over);
}

/** The closest candidate within a distance that grows with the name's length, if any. */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  if (name.length > suggestLength) return undefined;
  const limit = Math.max(1, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    if (c === name || Math.abs(c.length - name.length) > limit) continue;
    const d = editDistance(name, c, Math.min(limit, bestDistance - 1));
    if (d <= limit && d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

export function didYouMean(name: string, candidates: Iterable<string>): string | undefined {
  const c = closest(name, candidates);
  return c === undefined ? undefined : `did you mean \`${c}\`?`;
}
