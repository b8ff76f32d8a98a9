// Temp siblings this process made and still uses before the code that names temp siblings is
// loaded (apply-prefetch.ts): recovery, which takes any temp sibling named with this process's
// pid for a leftover of an earlier process that had it, leaves these alone.
const live = new Set<string>();

export function keepTemp(abs: string): void {
  live.add(abs);
}

export function isLiveTemp(abs: string): boolean {
  return live.has(abs);
}
