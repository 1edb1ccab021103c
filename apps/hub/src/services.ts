import type { ServiceFactory } from '@hub/runtime';

/**
 * The apps `hub start` can run, in start order: consumers first (so nothing waits), listeners last
 * (so traffic only arrives once everything behind it runs). Stopped in reverse: listeners first.
 */
export const APPS: ReadonlyArray<{ name: string; summary: string; load: () => Promise<ServiceFactory> }> = [];

export function appNames(): string[] {
  return APPS.map((a) => a.name);
}
