// One writer per workspace: .pvpatch/lock holds the pid of the process that changes it.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { IoError } from '../core/errors.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface WorkspaceLock {
  release(): Promise<void>;
}

/**
 * Take the workspace lock (`.pvpatch/lock`, created with O_EXCL). A lock whose holder is dead
 * is stale and is taken over; a live holder is an IoError naming its pid and command.
 */
export async function acquireLock(root: string, command: string): Promise<WorkspaceLock> {
  const dir = path.join(root, '.pvpatch');
  await fsp.mkdir(dir, { recursive: true });
  const file = path.join(dir, 'lock');
  const body = JSON.stringify({ pid: process.pid, command, since: new Date().toISOString() }) + '\n';
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fh = await fsp.open(file, 'wx');
      try {
        await fh.writeFile(body);
        await fh.sync();
      } finally {
        await fh.close();
      }
      let released = false;
      const release = async (): Promise<void> => {
        if (released) return;
        released = true;
        await fsp.rm(file, { force: true });
      };
      return { release };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new IoError(`cannot create the workspace lock: ${(err as Error).message}`, { file }, err);
      }
    }
    let holder: { pid?: number; command?: string } = {};
    try {
      holder = JSON.parse(await fsp.readFile(file, 'utf8')) as typeof holder;
    } catch {
      // An empty or torn lock file: its writer died between create and write.
    }
    if (typeof holder.pid === 'number' && holder.pid !== process.pid && alive(holder.pid)) {
      throw new IoError(
        `the workspace is locked by pvpatch process ${holder.pid}${holder.command ? ` (${holder.command})` : ''}; wait for it to finish, or remove .pvpatch/lock if that process is not pvpatch`,
        { file: path.relative(process.cwd(), file) || file },
      );
    }
    // Stale: the holder is dead. Remove and retry.
    await fsp.rm(file, { force: true });
  }
  throw new IoError('could not take the workspace lock after removing a stale one', { file });
}

/** Run `fn` holding the workspace lock, releasing it even when `fn` throws. */
export async function withLock<T>(root: string, command: string, fn: () => Promise<T>): Promise<T> {
  const lock = await acquireLock(root, command);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}
