import path from 'node:path';
import { promises as fsp } from 'node:fs';
import { InputError } from '../../core/errors.js';
import { matchesGlobs } from '../../core/drops.js';
import { listTree, readBounded } from '../fs.js';
import type { FetchedDrop } from './types.js';

/** Take the tracked files of a directory; a symlink among them is refused (never followed). */
export async function fetchFromDir(dir: string, globs: readonly string[]): Promise<FetchedDrop> {
  const abs = path.resolve(dir);
  const st = await fsp.stat(abs).catch(() => undefined);
  if (!st?.isDirectory()) throw new InputError(`${dir} is not a directory`);
  const files = new Map<string, Buffer>();
  const skipVcs = (rel: string): boolean => /(^|\/)(\.git|\.pc|\.pvpatch)$/.test(rel);
  const list = await listTree(abs, { skip: (rel) => skipVcs(rel) });
  for (const rel of list) {
    if (!matchesGlobs(rel, globs)) continue;
    files.set(rel, await readBounded(path.join(abs, rel), path.join(dir, rel)));
  }
  return { files, source: `dir:${abs}` };
}
