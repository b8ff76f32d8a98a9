import { diffArrays } from 'diff';

/**
 * Carry per-line origins across one change of a file: lines kept from `oldLines` keep their
 * origin, lines that appear new get `origin`. Used to know which patch introduced each line
 * of the applied tree (for annotations and the manifest) without depending on how a hunk
 * was placed (exact, offset or fuzz).
 */
export function carryOrigins(
  oldLines: readonly string[],
  newLines: readonly string[],
  oldOrigins: readonly (string | null)[],
  origin: string,
): (string | null)[] {
  // Fast path: unchanged prefix and suffix, diff only the middle.
  let pre = 0;
  while (pre < oldLines.length && pre < newLines.length && oldLines[pre] === newLines[pre]) pre++;
  let suf = 0;
  while (
    suf < oldLines.length - pre &&
    suf < newLines.length - pre &&
    oldLines[oldLines.length - 1 - suf] === newLines[newLines.length - 1 - suf]
  ) suf++;
  const out: (string | null)[] = oldOrigins.slice(0, pre);
  const oldMid = oldLines.slice(pre, oldLines.length - suf);
  const newMid = newLines.slice(pre, newLines.length - suf);
  let oi = pre;
  if (oldMid.length === 0) {
    for (let i = 0; i < newMid.length; i++) out.push(origin);
  } else if (newMid.length > 0) {
    for (const part of diffArrays(oldMid as string[], newMid as string[])) {
      const n = part.count ?? part.value.length;
      if (part.removed) oi += n;
      else if (part.added) for (let i = 0; i < n; i++) out.push(origin);
      else for (let i = 0; i < n; i++) out.push(oldOrigins[oi++] ?? null);
    }
  }
  for (let i = oldOrigins.length - suf; i < oldOrigins.length; i++) out.push(oldOrigins[i] ?? null);
  return out;
}
