// One writer per workspace: .pvpatch/lock holds the pid of the process that changes it.
import { promises as fsp, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { IoError } from '../core/errors.js';
import { beginUndo, commitUndo } from './undo.js';
import { recoverWorkspace } from './recover.js';
import { randomHex } from './temp-names.js';

/** The start time of a process (Linux: field 22 of /proc/PID/stat), to tell a reused pid apart. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function alive(pid: number, start: string | undefined): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // The pid lives, but if it started at another time it is another process that reuses the pid.
  const now = start === undefined ? undefined : startTime(pid);
  return start === undefined || now === undefined || now === start;
}

export interface WorkspaceLock {
  release(): Promise<void>;
}

/** Roots whose lock this process holds (a nested withLock on the same root just runs). */
const held = new Set<string>();

export function holdsLock(root: string): boolean {
  return held.has(path.resolve(root));
}

interface Holder {
  pid?: number;
  start?: string;
  command?: string;
}

async function readHolder(file: string): Promise<Holder | undefined> {
  const text = await fsp.readFile(file, 'utf8').catch(() => undefined);
  return text === undefined ? undefined : parseHolder(text);
}

function parseHolder(text: string): Holder | undefined {
  try {
    return JSON.parse(text) as Holder;
  } catch {
    return undefined;
  }
}

const isLive = (h: Holder): boolean => typeof h.pid === 'number' && h.pid !== process.pid && alive(h.pid, h.start);

/**
 * Remove the stale lock `file` only if it still holds `judged`, the text that was found stale.
 * Without this, two processes that both found the same stale lock could each remove it, the second
 * removing the fresh lock the first had just taken, and both would go on holding "the" lock. The
 * check and the removal happen under `lock.break`, itself taken exclusively (and broken when its
 * own holder died).
 */
async function removeStale(file: string, judged: string): Promise<void> {
  const breaker = `${file}.break`;
  try {
    await createComplete(breaker, JSON.stringify({ pid: process.pid, start: startTime(process.pid) }) + '\n');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // Another process is breaking the lock now; if it died at it, clear its breaker for the next try.
    const other = await readHolder(breaker);
    if (!other || !isLive(other)) await fsp.rm(breaker, { force: true });
    return;
  }
  try {
    const now = await fsp.readFile(file, 'utf8').catch(() => undefined);
    if (now === judged) await fsp.rm(file, { force: true });
  } finally {
    await fsp.rm(breaker, { force: true });
  }
}

/** Is `.pvpatch/lock` there, and is its holder alive? */
export async function lockState(root: string): Promise<'none' | 'live' | 'stale'> {
  const file = path.join(root, '.pvpatch', 'lock');
  if (!(await fsp.lstat(file).then(() => true, () => false))) return 'none';
  return isLive((await readHolder(file)) ?? {}) ? 'live' : 'stale';
}

/**
 * Create `file` with `body` in one step: a complete temp file hard-linked into place (fails if it
 * exists). Not fsynced: a lock only has to be whole for the processes running now; one left empty
 * or cut short by a crash names no live holder, so it is stale and taken over.
 */
async function createComplete(file: string, body: string): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.pvpatch-tmp-${process.pid}-${randomHex()}`);
  writeFileSync(tmp, body, { flag: 'wx', mode: 0o644 });
  try {
    await fsp.link(tmp, file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw err;
    writeFileSync(file, body, { flag: 'wx', mode: 0o644 });
  } finally {
    await fsp.rm(tmp, { force: true });
  }
}

/**
 * Take the workspace lock (`.pvpatch/lock`, created complete and exclusively). A lock whose holder
 * is dead (or whose pid now belongs to a process started later) is stale and is taken over; a live
 * holder is an IoError naming its pid and command.
 */
export async function acquireLock(root: string, command: string): Promise<WorkspaceLock> {
  const dir = path.join(root, '.pvpatch');
  await fsp.mkdir(dir, { recursive: true });
  const file = path.join(dir, 'lock');
  const body = JSON.stringify({ pid: process.pid, start: startTime(process.pid), command, since: new Date().toISOString() }) + '\n';
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      await createComplete(file, body);
      held.add(path.resolve(root));
      let released = false;
      const release = async (): Promise<void> => {
        if (released) return;
        released = true;
        held.delete(path.resolve(root));
        await fsp.rm(file, { force: true });
      };
      return { release };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new IoError(`cannot create the workspace lock: ${(err as Error).message}`, { file }, err);
      }
    }
    const judged = await fsp.readFile(file, 'utf8').catch(() => undefined);
    if (judged === undefined) continue; // released meanwhile: try again
    const holder = parseHolder(judged) ?? {};
    if (isLive(holder)) {
      throw new IoError(
        `the workspace is locked by pvpatch process ${holder.pid}${holder.command ? ` (${holder.command})` : ''}; wait for it to finish, or remove .pvpatch/lock if that process is not pvpatch`,
        { file: path.relative(process.cwd(), file) || file },
      );
    }
    // Stale: the holder is dead (the next step, recovery, undoes what it left half done). Remove and retry.
    await removeStale(file, judged);
    if (attempt >= 2) await new Promise((resolve) => setTimeout(resolve, 5 + Math.floor(Math.random() * 20)));
  }
  throw new IoError('could not take the workspace lock after removing a stale one', { file });
}

/**
 * Run `fn` holding the workspace lock, releasing it even when `fn` throws. First the workspace is
 * recovered from a command that died in it; everything `fn` changes is journalled so that, should
 * this process die, the next command rolls it back (src/io/undo.ts). A nested call just runs `fn`.
 */
export async function withLock<T>(root: string, command: string, fn: () => Promise<T>): Promise<T> {
  if (holdsLock(root)) return fn();
  const lock = await acquireLock(root, command);
  try {
    await recoverWorkspace(root);
    beginUndo(root, command);
    try {
      return await fn();
    } finally {
      await commitUndo();
    }
  } finally {
    await lock.release();
  }
}
