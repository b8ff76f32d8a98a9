// What a trusted copy does on whichever thread runs it (no worker_threads import here). Two threads
// share the jobs through a claim flag per job in shared memory: one takes them from the first, the
// other from the last, each claiming a job before it does it, and stops at the first job the other
// claimed. So neither waits for the other, and the two mostly create files in different
// directories (threads creating files side by side in one directory wait on its lock: slower than
// one thread alone).
import { constants, copyFileSync, linkSync, lstatSync, type BigIntStats } from 'node:fs';
import { linkKey, statKey } from './verified.js';

/**
 * A file trusted by its lstat: `src` (absolute) is used only while its stat key (statKey joined by
 * ",") is `stat`. It is copied to `dst` (relative to the destination root; none: the file is only
 * checked, as a drop file whose result comes from elsewhere), then its lstat is compared: a file
 * whose stat key is the one recorded has not been written since (that changes its ctime), so the
 * bytes copied are the ones recorded. The caller checks the directories first (an entry replaced
 * by a symlink or a FIFO changes its directory), so that what is opened is the recorded file.
 *
 * With `linked` (the store's copy of the file, absolute, and its linkKey joined by ","), `dst` is
 * made a hard link to that copy instead (nothing is read or written), which is then checked the
 * same way by its linkKey; `src` is still checked, for the tree is what it was made from, unless
 * it is `derived`: pvpatch's own text made from the inputs (a cached result, the manifest's copy),
 * which only a copy reads (the cache checks its texts by their sha256 where it uses them).
 */
export interface TrustedJob {
  src: string;
  dst: string | null;
  stat: string;
  linked?: [string, string];
  derived?: boolean;
}

/** Why a copy stopped: a source that is not what was recorded, or a failed copy (both: do it the long way). */
export interface CopyStop {
  ok: false;
  file: string;
  why: string;
}

export type CopyResult = { ok: true } | CopyStop;

/**
 * Slots of the shared control Int32Array: a stop flag raised by the first thread that stops, and how
 * many jobs are done (so that a thread that finds all done need not wait for the other).
 */
export const STOPPED = 0;
export const DONE = 1;
export const SLOTS = 2;

/** The claim flags of `count` jobs (0: free), to share between the two threads. */
export function claimFlags(count: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(Math.max(1, count) * Int32Array.BYTES_PER_ELEMENT));
}

/**
 * Why `file` is not the regular file whose `key` (statKey, or linkKey for a file of the store) joined
 * by "," is `stat`, with the permission bits `mode` of a file written now; undefined when it is.
 */
export function sameAsRecorded(file: string, stat: string, mode: number, key: (st: BigIntStats) => string[] = statKey): string | undefined {
  let st;
  try {
    st = lstatSync(file, { bigint: true });
  } catch {
    return 'missing';
  }
  if (!st.isFile()) return 'not a regular file';
  // A copy takes its source's mode: only a file with the mode a written one gets may be copied.
  if (Number(st.mode & 0o777n) !== mode) return 'mode differs from a written file';
  return key(st).join() === stat ? undefined : 'changed since it was recorded';
}

/**
 * Take jobs, from the first (or with `fromEnd` the last), until one is claimed by the other thread,
 * none is left, or a thread stopped: each source copied (never over an existing file) to
 * `root`/dst, then checked against its record. With `linksMade`, the linked jobs' files are already
 * under `root` (made by `cp -l` from the store, linked-prefetch.ts): each is checked there instead,
 * by the store's linkKey (the same inode, not written since).
 */
export function runJobs(jobs: readonly TrustedJob[], root: string, mode: number, control: Int32Array, claims: Int32Array, fromEnd = false, linksMade = false): CopyResult {
  for (let k = 0; k < jobs.length; k++) {
    if (Atomics.load(control, STOPPED) !== 0) return { ok: true };
    const i = fromEnd ? jobs.length - 1 - k : k;
    if (Atomics.compareExchange(claims, i, 0, 1) !== 0) return { ok: true };
    const job = jobs[i] as TrustedJob;
    const stop = (why: string): CopyStop => {
      Atomics.store(control, STOPPED, 1);
      return { ok: false, file: job.src, why };
    };
    // Already linked by cp: only checked, where it is (the very inode placed).
    const made = linksMade && job.linked !== undefined;
    if (job.dst !== null && !made) {
      try {
        if (job.linked) linkSync(job.linked[0], `${root}/${job.dst}`);
        else copyFileSync(job.src, `${root}/${job.dst}`, constants.COPYFILE_EXCL);
      } catch (err) {
        return stop((err as Error).message);
      }
    }
    const why = job.linked
      ? (sameAsRecorded(made ? `${root}/${job.dst}` : job.linked[0], job.linked[1], mode, linkKey) ?? (job.derived ? undefined : sameAsRecorded(job.src, job.stat, mode)))
      : sameAsRecorded(job.src, job.stat, mode);
    if (why) return stop(why);
    Atomics.add(control, DONE, 1);
  }
  return { ok: true };
}
