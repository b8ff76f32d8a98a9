// What the tree writer does on whichever thread runs it (no worker_threads import here).
import { writeFileSync } from 'node:fs';

export interface WriteFailure {
  ok: false;
  file: string;
  message: string;
}

/** Write each (path, content) with flag "wx"; the first failure, or undefined when all were written. */
export function writeEntries(entries: ReadonlyArray<readonly [string, Uint8Array | string]>): WriteFailure | undefined {
  for (const [file, data] of entries) {
    try {
      writeFileSync(file, data, { flag: 'wx' });
    } catch (err) {
      return { ok: false, file, message: (err as Error).message };
    }
  }
  return undefined;
}
