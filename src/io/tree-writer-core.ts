// What the tree writer does on whichever thread runs it (no worker_threads import here).
import { constants, copyFileSync, lstatSync, writeFileSync } from 'node:fs';
import { statKey } from './verified.js';

export interface WriteFailure {
  ok: false;
  file: string;
  message: string;
}

/**
 * A file copied from `from` (a drop file trusted by its stats, never read by pvpatch): `stat` is the
 * stat key it was trusted with, checked again after the copy, so that a change while it was copied
 * fails the write instead of slipping into the tree.
 */
export interface CopyFrom {
  from: string;
  stat: string[];
}

export type TreeContent = Uint8Array | string | CopyFrom;

function writeOne(file: string, data: TreeContent): void {
  if (typeof data === 'string' || data instanceof Uint8Array) {
    writeFileSync(file, data, { flag: 'wx' });
    return;
  }
  copyFileSync(data.from, file, constants.COPYFILE_EXCL);
  const now = statKey(lstatSync(data.from, { bigint: true }));
  if (now.join() !== data.stat.join()) throw new Error(`${data.from} changed while it was copied (drops are read-only)`);
}

/** Write each (path, content) with flag "wx"; the first failure, or undefined when all were written. */
export function writeEntries(entries: ReadonlyArray<readonly [string, TreeContent]>): WriteFailure | undefined {
  for (const [file, data] of entries) {
    try {
      writeOne(file, data);
    } catch (err) {
      return { ok: false, file, message: (err as Error).message };
    }
  }
  return undefined;
}
