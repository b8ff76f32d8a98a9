// Recovery from a pvpatch process that died while changing a workspace (SIGKILL, crash, power
// loss): run with the workspace lock held, before the next command changes anything.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { recoverSiblings, sweepTempDirs } from './fs.js';
import { rollbackUndo, TEMP_RE, UNDO_JOURNAL } from './undo.js';

async function isDir(p: string): Promise<boolean> {
  return fsp.lstat(p).then((s) => s.isDirectory(), () => false);
}

/** `dir` and every directory below it (symlinks are not followed). */
async function dirsUnder(dir: string, skip?: string): Promise<string[]> {
  if (!(await isDir(dir))) return [];
  const out = [dir];
  for (let i = 0; i < out.length; i++) {
    const entries = await fsp.readdir(out[i] as string, { withFileTypes: true }).catch(() => []);
    for (const e of entries) if (e.isDirectory() && path.join(out[i] as string, e.name) !== skip) out.push(path.join(out[i] as string, e.name));
  }
  return out;
}

/**
 * The directories of .pvpatch/ that may hold temp siblings: not .pvpatch/cache/, whose files
 * (thousands of apply results) are only ever written through their own `.part-PID-HEX` names,
 * which the cache's own pruning removes (src/io/apply-cache.ts).
 */
function stateDirs(root: string): Promise<string[]> {
  return dirsUnder(path.join(root, '.pvpatch'), path.join(root, '.pvpatch', 'cache'));
}

/**
 * Put the workspace back into a consistent state and say what was done (one line each):
 * 1. roll back the journalled changes of a command that died holding the lock (src/io/undo.ts);
 * 2. finish or undo interrupted atomic writes: temp siblings in the workspace root, upstream/,
 *    patches/ and .pvpatch/ (see recoverSiblings);
 * 3. remove a .pvpatch/rebase/ without state.json (a `rebase --onto` that died before it started);
 * 4. remove temp dirs of dead pvpatch processes under the system temp dir.
 * The caller holds the workspace lock.
 */
export async function recoverWorkspace(root: string): Promise<string[]> {
  const done: string[] = [];
  // The journal first: the old copies it names look like any other temp sibling.
  const command = await rollbackUndo(root);
  if (command) done.unshift(`rolled back the interrupted "pvpatch ${command}"`);
  for (const d of [root, path.join(root, 'upstream')]) if (await isDir(d)) done.push(...(await recoverSiblings(d)));
  for (const d of await dirsUnder(path.join(root, 'patches'))) done.push(...(await recoverSiblings(d)));
  for (const d of await stateDirs(root)) done.push(...(await recoverSiblings(d)));
  const rebase = path.join(root, '.pvpatch', 'rebase');
  if ((await isDir(rebase)) && !(await fsp.lstat(path.join(rebase, 'state.json')).then(() => true, () => false))) {
    await fsp.rm(rebase, { recursive: true, force: true });
    done.push('removed .pvpatch/rebase/ of a rebase that never started');
  }
  await sweepTempDirs();
  if (command) process.stderr.write(`pvpatch: note: ${done[0] ?? ''} (its process died before it finished); the workspace is as it was before it\n`);
  return done;
}

/** Is there anything for recoverWorkspace to do? (Reads the same directories, changes nothing.) */
export async function needsRecovery(root: string): Promise<boolean> {
  if (await fsp.lstat(path.join(root, UNDO_JOURNAL)).then(() => true, () => false)) return true;
  const dirs = [root, path.join(root, 'upstream'), ...(await dirsUnder(path.join(root, 'patches'))), ...(await stateDirs(root))];
  for (const d of dirs) {
    const names = await fsp.readdir(d).catch(() => [] as string[]);
    if (names.some((n) => TEMP_RE.test(n))) return true;
  }
  const rebase = path.join(root, '.pvpatch', 'rebase');
  return (await isDir(rebase)) && !(await fsp.lstat(path.join(rebase, 'state.json')).then(() => true, () => false));
}
