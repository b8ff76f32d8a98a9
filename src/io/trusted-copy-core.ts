// What a trusted copy does on whichever thread runs it (no worker_threads import here): the jobs are
// shared by index through one counter in shared memory, so the main thread and a worker take the
// next job in turn and neither waits for the other.
import { constants, copyFileSync, lstatSync } from 'node:fs';
import { statKey } from './verified.js';

/**
 * A file trusted by its lstat: `src` (absolute) is used only while its stat key (statKey joined by
 * ",") is `stat`. It is copied to `dst` (relative to the destination root; none: the file is only
 * checked, as a drop file whose result comes from elsewhere), then its lstat is compared: a file
 * whose stat key is the one recorded has not been written since (that changes its ctime), so the
 * bytes copied are the ones recorded. The caller checks the directories first (an entry replaced
 * by a symlink or a FIFO changes its directory), so that what is opened is the recorded file.
 */
export interface TrustedJob {
  src: string;
  dst: string | null;
  stat: string;
}

/** Why a copy stopped: a source that is not what was recorded, or a failed copy (both: do it the long way). */
export interface CopyStop {
  ok: false;
  file: string;
  why: string;
}

export type CopyResult = { ok: true } | CopyStop;

/**
 * Slots of the shared Int32Array: the next job, a stop flag raised by the first thread that stops,
 * and how many jobs are done (so that a thread that finds all done need not wait for the other).
 */
export const NEXT = 0;
export const STOPPED = 1;
export const DONE = 2;
export const SLOTS = 3;

function sameAsRecorded(file: string, stat: string, mode: number): string | undefined {
  let st;
  try {
    st = lstatSync(file, { bigint: true });
  } catch {
    return 'missing';
  }
  if (!st.isFile()) return 'not a regular file';
  // A copy takes its source's mode: only a file with the mode a written one gets may be copied.
  if (Number(st.mode & 0o777n) !== mode) return 'mode differs from a written file';
  return statKey(st).join() === stat ? undefined : 'changed since it was recorded';
}

/**
 * Take jobs until none is left or a thread stopped: each source copied (never over an existing
 * file) to `root`/dst, then checked against its record.
 */
export function runJobs(jobs: readonly TrustedJob[], root: string, mode: number, shared: Int32Array): CopyResult {
  for (;;) {
    if (Atomics.load(shared, STOPPED) !== 0) return { ok: true };
    const i = Atomics.add(shared, NEXT, 1);
    const job = jobs[i];
    if (!job) return { ok: true };
    const stop = (why: string): CopyStop => {
      Atomics.store(shared, STOPPED, 1);
      return { ok: false, file: job.src, why };
    };
    if (job.dst !== null) {
      try {
        copyFileSync(job.src, `${root}/${job.dst}`, constants.COPYFILE_EXCL);
      } catch (err) {
        return stop((err as Error).message);
      }
    }
    const why = sameAsRecorded(job.src, job.stat, mode);
    if (why) return stop(why);
    Atomics.add(shared, DONE, 1);
  }
}
