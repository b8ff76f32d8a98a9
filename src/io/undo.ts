// Crash safety for the commands that change a workspace. While a command holds the workspace lock,
// every file or directory it writes, replaces or removes through src/io/fs.ts keeps its previous
// state next to it (a copy or a renamed-away directory, `.NAME.pvpatch-old-PID-HEX`) and is listed
// in .pvpatch/undo.json before it changes. Releasing the lock commits: the journal is marked
// committed, the old copies go, then the journal. A process that dies before (SIGKILL, power loss)
// leaves an uncommitted journal behind, and the next pvpatch command rolls every listed change back:
// a command happened completely or not at all. (A command that fails with an error keeps what it
// wrote, as before.) Decisions and recorded resolutions (.pvpatch/rebase/items, .pvpatch/rr-cache)
// are curated work saved one at a time while the review screen runs: kept, never rolled back.
// Recovery acts only inside the workspace: a change outside it (`apply --out /elsewhere`) stays, and
// is not journalled.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { randomHex, TEMP_RE, tempSibling, type TempKind } from './temp-names.js';
import { isInside } from './paths.js';

export const UNDO_JOURNAL = '.pvpatch/undo.json';

/** One change: `old` holds the previous state (null: the target did not exist before). */
interface UndoEntry {
  target: string;
  old: string | null;
}

interface JournalFile {
  pid: number;
  command: string;
  entries: UndoEntry[];
  /** Set once the command finished: the old copies are being removed (recovery finishes that). */
  committed?: boolean;
}

interface Journal {
  root: string;
  command: string;
  entries: UndoEntry[];
  /** Targets already recorded (only their first state matters). */
  seen: Set<string>;
  /** Old copies to remove once the command is committed. */
  olds: string[];
  /** Directories this command created: what is below them needs no record (rollback removes them whole). */
  created: string[];
}

let active: Journal | null = null;

export { TEMP_RE };

export function siblingName(target: string, kind: TempKind): string {
  return tempSibling(target, kind, randomHex());
}

/**
 * Paths whose writes are kept even when the command dies (see the file comment), and those outside
 * the workspace, which recovery leaves as they are (no journal entry is written for them).
 */
function exempt(root: string, target: string): boolean {
  if (!isInside(root, target)) return true;
  const rel = path.relative(root, target).split(path.sep).join('/');
  return rel === '.pvpatch' || rel === '.pvpatch/lock' || rel === UNDO_JOURNAL
    || rel.startsWith('.pvpatch/rebase/items/') || rel === '.pvpatch/rebase/items'
    || rel.startsWith('.pvpatch/rr-cache/') || rel === '.pvpatch/rr-cache';
}

/** Start recording for `root` (called by the lock once it is held). */
export function beginUndo(root: string, command: string): void {
  active = { root, command, entries: [], seen: new Set(), olds: [], created: [] };
}

/** Is `target` recorded by a running command? Then its first change must go through `record`. */
export function journalling(target: string): boolean {
  return active !== null && !exempt(active.root, path.resolve(target));
}

function stored(root: string, p: string): string {
  return isInside(root, p) ? path.relative(root, p).split(path.sep).join('/') : p;
}

async function writeJournal(j: Journal, committed = false): Promise<void> {
  const file = path.join(j.root, UNDO_JOURNAL);
  const body: JournalFile = { pid: process.pid, command: j.command, entries: j.entries, ...(committed ? { committed } : {}) };
  const tmp = siblingName(file, 'tmp');
  const fh = await fsp.open(tmp, 'wx', 0o644);
  try {
    await fh.writeFile(JSON.stringify(body) + '\n');
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fsp.rename(tmp, file);
  await syncDirQuiet(path.dirname(file));
}

async function syncDirQuiet(dir: string): Promise<void> {
  try {
    const dh = await fsp.open(dir, 'r');
    try { await dh.sync(); } finally { await dh.close(); }
  } catch {
    // Some filesystems refuse fsync on directories; renames stay atomic.
  }
}

/**
 * Record the state of `target` before its first change in this command. `old` is where that state
 * is (or will be, for a directory about to be renamed away); null when the target does not exist yet.
 * Returns false when the target was recorded before (its later changes need no record).
 */
export async function record(target: string, old: string | null): Promise<boolean> {
  const j = active;
  const abs = path.resolve(target);
  if (!j || exempt(j.root, abs) || j.seen.has(abs) || j.created.some((c) => abs.startsWith(c + path.sep))) return false;
  j.seen.add(abs);
  if (old === null) j.created.push(abs);
  j.entries.push({ target: stored(j.root, abs), old: old === null ? null : stored(j.root, path.resolve(old)) });
  await writeJournal(j);
  if (old !== null) j.olds.push(path.resolve(old));
  return true;
}

/**
 * Record a directory about to be created with `mkdir -p`: its first missing ancestor, so that a
 * rollback leaves no empty directories behind.
 */
export async function recordMkdir(dir: string): Promise<void> {
  if (!journalling(dir)) return;
  let missing: string | undefined;
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    try {
      await fsp.lstat(d);
      break;
    } catch {
      missing = d;
    }
    if (path.dirname(d) === d) break;
  }
  if (missing !== undefined) await record(missing, null);
}

/**
 * The command finished (or failed with an error it reported): keep its changes. The journal is
 * marked committed first, so that a crash while the old copies go is finished, not rolled back.
 */
export async function commitUndo(): Promise<void> {
  const j = active;
  active = null;
  if (!j || j.entries.length === 0) return;
  await writeJournal(j, true);
  for (const old of j.olds) await fsp.rm(old, { recursive: true, force: true });
  await fsp.rm(path.join(j.root, UNDO_JOURNAL), { force: true });
  await syncDirQuiet(path.join(j.root, '.pvpatch'));
}

/**
 * An entry of a journal found on disk, checked before recovery acts on it: the journal is a file
 * in the workspace, and recovery must not become a way to remove or replace anything else. The
 * target must lie inside the workspace without a symlink on the way (anything outside, e.g. an
 * `apply --out` elsewhere, is left as it is), and the old copy must be the target's own sibling
 * named by the process that wrote the journal.
 */
async function checkedEntry(root: string, pid: number, e: UndoEntry): Promise<{ target: string; old: string | null } | undefined> {
  if (typeof e.target !== 'string' || e.target === '' || path.isAbsolute(e.target) || e.target.split('/').some((c) => c === '..' || c === '')) return undefined;
  const target = path.join(root, e.target);
  let cur = root;
  for (const part of e.target.split('/').slice(0, -1)) {
    cur = path.join(cur, part);
    const st = await fsp.lstat(cur).catch(() => undefined);
    if (st?.isSymbolicLink()) return undefined;
  }
  if (e.old === null) return { target, old: null };
  if (typeof e.old !== 'string') return undefined;
  const old = path.join(root, e.old);
  const m = TEMP_RE.exec(path.basename(old));
  if (path.dirname(old) !== path.dirname(target) || !m || m[1] !== path.basename(target) || (m[2] !== 'old' && m[2] !== 'del') || Number(m[3]) !== pid) return undefined;
  return { target, old };
}

/**
 * Roll back the changes of a command that died holding the lock (its journal is still there), or
 * finish the commit of one that died while removing its old copies. Returns the command's name
 * when something was rolled back.
 */
export async function rollbackUndo(root: string): Promise<string | undefined> {
  const file = path.join(root, UNDO_JOURNAL);
  let journal: JournalFile;
  try {
    journal = JSON.parse(await fsp.readFile(file, 'utf8')) as JournalFile;
  } catch {
    await fsp.rm(file, { force: true });
    return undefined;
  }
  const pid = Number(journal.pid);
  const entries = Array.isArray(journal.entries) ? journal.entries : [];
  const checked = [];
  for (const e of entries) {
    const c = await checkedEntry(root, pid, e);
    if (c) checked.push(c);
  }
  if (journal.committed === true) {
    for (const c of checked) if (c.old !== null) await fsp.rm(c.old, { recursive: true, force: true });
    await fsp.rm(file, { force: true });
    await syncDirQuiet(path.dirname(file));
    return undefined;
  }
  for (const { target, old } of checked.reverse()) {
    if (old === null) {
      await fsp.rm(target, { recursive: true, force: true });
      continue;
    }
    const oldThere = await fsp.lstat(old).then(() => true, () => false);
    // No old copy: the change had not started, the target is as it was.
    if (!oldThere) continue;
    await fsp.rm(target, { recursive: true, force: true });
    await fsp.rename(old, target);
    await syncDirQuiet(path.dirname(target));
  }
  await fsp.rm(file, { force: true });
  await syncDirQuiet(path.dirname(file));
  return typeof journal.command === 'string' && journal.command !== '' ? journal.command : 'a command';
}
