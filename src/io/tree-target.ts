// Where apply and export may write a tree.
import path from 'node:path';
import { promises as fsp } from 'node:fs';
import { InputError } from '../core/errors.js';
import { assertNoSymlinks, exists, listTree, recoverSiblings } from './fs.js';
import { relInside } from './paths.js';

/**
 * The part of checkTreeTarget about the way to `target`: for a target in the workspace `root`, no
 * symlink on the way to it. Returns how to name the target in messages.
 */
export async function checkTreeParent(target: string, root?: string): Promise<string> {
  // Named from the workspace inside it, else by its absolute path (not as "../..").
  const rel = root === undefined ? undefined : path.relative(root, target);
  const shown = rel === undefined || (rel !== '' && !relInside(rel)) ? target : rel || '.';
  const parentRel = root === undefined ? '..' : path.relative(root, path.dirname(target));
  if (parentRel !== '' && relInside(parentRel)) {
    await assertNoSymlinks(root as string, parentRel.split(path.sep).join('/'), shown);
  }
  return shown;
}

/**
 * Check that `target` may be replaced by a tree: an existing directory only if it is pvpatch output
 * (or empty). A symlink is never followed nor replaced: not as the target, not inside it, and (for a
 * target in the workspace `root`) not on the way to it. Returns how to name it in messages.
 */
export async function checkTreeTarget(target: string, root?: string): Promise<string> {
  const shown = await checkTreeParent(target, root);
  // Leftovers of an earlier run that died while writing this tree (e.g. --out outside the workspace).
  await recoverSiblings(path.dirname(target), path.basename(target));
  const st = await fsp.lstat(target).catch(() => undefined);
  if (st?.isSymbolicLink()) throw new InputError(`refusing to replace ${shown}: it is a symlink (pvpatch never writes through one)`, { file: shown });
  if (st && !st.isDirectory()) throw new InputError(`refusing to replace ${shown}: it is not a directory`, { file: shown });
  if (st) {
    // Refused before it is walked: a directory that is not pvpatch output (/, say) is not searched.
    const isOurs = await exists(path.join(target, '.pvpatch', 'manifest.json'));
    const entries = await fsp.readdir(target);
    if (!isOurs && entries.length > 0) {
      throw new InputError(`refusing to replace ${target}: it is not empty and was not written by pvpatch (apply or export --dkms: no .pvpatch/manifest.json in it)`);
    }
    await listTree(target).catch((err: unknown) => {
      if (err instanceof InputError) throw new InputError(`refusing to replace ${shown}: ${err.message}`, { file: shown });
      throw err;
    });
  }
  return shown;
}
