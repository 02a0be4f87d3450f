/**
 * @file Records keyed by a user's names (metrics, parameters, outputs). A plain `{}` inherits
 * `toString`, `constructor` and a `__proto__` setter from Object.prototype, so `(r[name] ?? 0) + v`
 * or `r[name] = v` misbehaves for those names; a record made here has no prototype.
 */

/** An empty record without a prototype: every key, `__proto__` included, is an ordinary key. */
export function emptyRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}
