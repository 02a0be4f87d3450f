/**
 * @file Lookups keyed by a user's name in plain-object tables. `table[name]` would find
 * `toString`, `constructor` or `__proto__` on Object.prototype; `own` finds only the table's
 * own entries.
 */

export function own<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** Whether `key` names an own entry of `table` (then it is one of the table's keys). */
export function isOwnKey<K extends string>(
  table: Readonly<Record<K, unknown>>,
  key: string,
): key is K {
  return Object.hasOwn(table, key);
}
