/**
 * Polls `check` until it returns a truthy value or the deadline passes; never a bare sleep. The
 * deadline is on the monotonic clock: this VM's wall clock has been seen to jump seconds ahead,
 * which timed a wait out after 1.1 s of its 5.
 */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  options: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<NonNullable<T>> {
  const deadline = performance.now() + (options.timeoutMs ?? 10_000);
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
      last = value;
    } catch (error) {
      last = error;
    }
    if (performance.now() > deadline)
      throw new Error(`timed out waiting for ${options.what ?? "condition"} (last: ${String(last)})`);
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 10));
  }
}
