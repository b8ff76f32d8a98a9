// The names of temp siblings (atomic writes, replaced trees), in one place: recovery finds them by
// TEMP_RE. Only node's own modules: the start-up path (apply-prefetch.ts) names one too.
import path from 'node:path';

/** Temp names of atomic writes: `.NAME.pvpatch-KIND-PID-HEX` beside the target. */
export const TEMP_RE = /^\.(.+)\.pvpatch-(tmp|new|old|del)-(\d+)-[0-9a-f]+$/;

export type TempKind = 'tmp' | 'new' | 'old' | 'del';

/** The temp sibling of `target` of this kind for this process, told apart from others by `hex`. */
export function tempSibling(target: string, kind: TempKind, hex: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.pvpatch-${kind}-${process.pid}-${hex}`);
}
