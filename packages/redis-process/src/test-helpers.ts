// Only for this package's own tests (testkit depends on this package, not the other way round).
export { freePort } from './ports.js';
export async function waitFor<T>(
  check: () => T | false | undefined,
  opts: { timeoutMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${opts.what ?? 'condition'}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
