// Copying many files trusted by their recorded stats (a whole tree apply made before) on two
// threads at once: the main thread and a worker take jobs from one shared counter.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { DONE, SLOTS, runJobs, type CopyResult, type TrustedJob } from './trusted-copy-core.js';

export type { CopyResult, TrustedJob } from './trusted-copy-core.js';

export interface TrustedCopy {
  /** Copy every job under `root` (its directories made); the first stop, if any thread stopped. */
  run(root: string): Promise<CopyResult>;
  /** Not needed after all: the worker is stopped. */
  cancel(): Promise<void>;
}

const WORKER = new URL('./trusted-copy-worker.js', import.meta.url);

/**
 * Get ready to copy `jobs` (see TrustedJob; `mode`: the permission bits a file written now gets):
 * the worker starts now, so that its start-up overlaps with whatever the caller does before run().
 * Where no worker can be started (running from the TypeScript source) the main thread does it all.
 */
export function startTrustedCopy(jobs: readonly TrustedJob[], mode: number): TrustedCopy {
  const shared = new Int32Array(new SharedArrayBuffer(SLOTS * Int32Array.BYTES_PER_ELEMENT));
  const worker = existsSync(fileURLToPath(WORKER)) ? new Worker(WORKER, { workerData: { jobs, shared: shared.buffer, mode } }) : undefined;
  const answer = new Promise<CopyResult>((resolve) => {
    if (!worker) return resolve({ ok: true });
    worker.once('message', (m: CopyResult) => resolve(m));
    worker.once('error', (err) => resolve({ ok: false, file: '', why: `the copy thread failed: ${err.message}` }));
    worker.once('exit', (code) => resolve({ ok: false, file: '', why: `the copy thread stopped (exit ${code})` }));
  });
  return {
    run: async (root) => {
      worker?.postMessage({ root });
      const mine = runJobs(jobs, root, mode, shared);
      if (!mine.ok) {
        await answer;
        return mine;
      }
      // Every job done here or there: no need to wait for the worker (it may still be starting).
      if (Atomics.load(shared, DONE) === jobs.length) {
        void worker?.terminate();
        return mine;
      }
      return answer;
    },
    cancel: async () => {
      await worker?.terminate();
    },
  };
}
