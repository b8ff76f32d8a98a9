// The names of temp siblings (atomic writes, replaced trees), in one place: recovery finds them by
// TEMP_RE. Only node's own modules: the start-up path (apply-prefetch.ts) names one too.
import path from 'node:path';

/** Temp names of atomic writes: `.NAME.pvpatch-KIND-PID-HEX` beside the target. */
export const TEMP_RE = /^\.(.+)\.pvpatch-(tmp|new|old|del)-(\d+)-[0-9a-f]+$/;

export type TempKind = 'tmp' | 'new' | 'old' | 'del';

/**
 * Eight hex digits to tell one temp name of this process from another. Not node:crypto (which takes
 * milliseconds to load, on every command): a name is only ever created exclusively (O_EXCL, mkdir,
 * a rename onto a name checked free under the lock), so a repeat fails, it never overwrites.
 */
export function randomHex(): string {
  return Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, '0');
}

/** The temp sibling of `target` of this kind for this process, told apart from others by `hex`. */
export function tempSibling(target: string, kind: TempKind, hex: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.pvpatch-${kind}-${process.pid}-${hex}`);
}
