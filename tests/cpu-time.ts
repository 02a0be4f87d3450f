/**
 * CPU time for tests that bound how long something takes (a guard against quadratic blowups):
 * the CPU this test process spent, user and system, not the wall clock, so the bound holds on a
 * machine busy with other work (the suite runs its files in parallel, on 2 cores here).
 */

/** `f()`'s value and the milliseconds of CPU time this process spent computing it. */
export function cpuTimed<T>(f: () => T): { value: T; ms: number } {
  const start = process.cpuUsage();
  const value = f();
  const used = process.cpuUsage(start);
  return { value, ms: (used.user + used.system) / 1000 };
}
