// Recovery from a pvpatch process that died while changing a workspace (SIGKILL, crash, power
// loss): run with the workspace lock held, before the next command changes anything.
import fs, { promises as fsp } from 'node:fs';
import path from 'node:path';
import { deadTempDirs, leftoverTemp, recoverSiblings, sweepTempDirs } from './fs.js';
import { rollbackUndo, UNDO_JOURNAL } from './undo.js';

async function isDir(p: string): Promise<boolean> {
  return fsp.lstat(p).then((s) => s.isDirectory(), () => false);
}

/** `dir` and every directory below it (symlinks are not followed): a few small directories, read synchronously. */
function dirsUnder(dir: string, skip?: string): string[] {
  if (!fs.lstatSync(dir, { throwIfNoEntry: false })?.isDirectory()) return [];
  const out = [dir];
  for (let i = 0; i < out.length; i++) {
    let entries: fs.Dirent[] = [];
    try {
      entries = fs.readdirSync(out[i] as string, { withFileTypes: true });
    } catch {
      // Gone or unreadable meanwhile: nothing below it to recover.
    }
    for (const e of entries) if (e.isDirectory() && path.join(out[i] as string, e.name) !== skip) out.push(path.join(out[i] as string, e.name));
  }
  return out;
}

/**
 * The directories of .pvpatch/ that may hold temp siblings: not .pvpatch/cache/, whose files
 * (thousands of apply results) are only ever written through their own `.part-PID-HEX` names,
 * which the cache's own pruning removes (src/io/apply-cache.ts).
 */
function stateDirs(root: string): string[] {
  return dirsUnder(path.join(root, '.pvpatch'), path.join(root, '.pvpatch', 'cache'));
}

/** The directories recoverSiblings looks in. */
function siblingDirs(root: string): string[] {
  return [root, path.join(root, 'upstream'), ...dirsUnder(path.join(root, 'patches')), ...stateDirs(root)];
}

/** A .pvpatch/rebase/ without state.json: a `rebase --onto` that died before it started. */
function unstartedRebase(root: string): string | undefined {
  const rebase = path.join(root, '.pvpatch', 'rebase');
  const started = fs.lstatSync(path.join(rebase, 'state.json'), { throwIfNoEntry: false }) !== undefined;
  return !started && fs.lstatSync(rebase, { throwIfNoEntry: false })?.isDirectory() ? rebase : undefined;
}

/**
 * Is there anything for recoverWorkspace to do (`tmp`: also in the system temp dir)? Reads the
 * same directories, synchronously (a few small ones: it is asked before every command), and
 * changes nothing. A temp sibling of a live process (this one's too: an apply's tree made while
 * the CLI starts) is not one, as recoverSiblings leaves it.
 */
function pending(root: string, tmp: boolean): boolean {
  if (fs.lstatSync(path.join(root, UNDO_JOURNAL), { throwIfNoEntry: false })) return true;
  for (const d of siblingDirs(root)) {
    let names: string[] = [];
    try {
      names = fs.readdirSync(d);
    } catch {
      // Not there: nothing in it.
    }
    if (names.some((n) => leftoverTemp(d, n) !== undefined)) return true;
  }
  return unstartedRebase(root) !== undefined || (tmp && deadTempDirs().length > 0);
}

/**
 * Put the workspace back into a consistent state and say what was done (one line each):
 * 1. roll back the journalled changes of a command that died holding the lock (src/io/undo.ts);
 * 2. finish or undo interrupted atomic writes: temp siblings in the workspace root, upstream/,
 *    patches/ and .pvpatch/ (see recoverSiblings);
 * 3. remove a .pvpatch/rebase/ without state.json (a `rebase --onto` that died before it started);
 * 4. remove temp dirs of dead pvpatch processes under the system temp dir (the next temp dir made
 *    sweeps them too).
 * The caller holds the workspace lock.
 */
export async function recoverWorkspace(root: string): Promise<string[]> {
  // Most of the time there is nothing to do, and finding that out costs little.
  if (!pending(root, true)) return [];
  const done: string[] = [];
  // The journal first: the old copies it names look like any other temp sibling.
  const command = await rollbackUndo(root);
  if (command) done.unshift(`rolled back the interrupted "pvpatch ${command}"`);
  for (const d of siblingDirs(root)) if (await isDir(d)) done.push(...(await recoverSiblings(d)));
  const rebase = unstartedRebase(root);
  if (rebase) {
    await fsp.rm(rebase, { recursive: true, force: true });
    done.push('removed .pvpatch/rebase/ of a rebase that never started');
  }
  await sweepTempDirs();
  if (command) process.stderr.write(`pvpatch: note: ${done[0] ?? ''} (its process died before it finished); the workspace is as it was before it\n`);
  return done;
}

/** Is there anything for recoverWorkspace to do in the workspace (not counting the system temp dir)? Changes nothing. */
export async function needsRecovery(root: string): Promise<boolean> {
  return pending(root, false);
}
