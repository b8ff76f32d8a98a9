// Copying many files trusted by their recorded stats (a whole tree apply made before) on two
// threads at once: a worker takes the jobs from the first, the main thread from the last.
import { existsSync, promises as fsp } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { claimFlags, DONE, SLOTS, STOPPED, runJobs, type CopyResult, type TrustedJob } from './trusted-copy-core.js';

export type { CopyResult, TrustedJob } from './trusted-copy-core.js';

export interface TrustedCopy {
  /** Copy every job under `root` (its directories made); the first stop, if any thread stopped. */
  run(root: string): Promise<CopyResult>;
  /** Not needed after all: the worker is stopped. */
  cancel(): Promise<void>;
}

const WORKER = new URL('./trusted-copy-worker.js', import.meta.url);

type Message = CopyResult | { loaded: string | null; claims?: SharedArrayBuffer };

/** What a prefetching worker says once it read the record: its id and the claim flags of its jobs. */
interface Loaded {
  id: string;
  claims: Int32Array;
}

/** A worker and what it says: the record it loaded (prefetch only) and its result. */
function spawn(workerData: object): { worker: Worker; loaded: Promise<Loaded | null>; answer: Promise<CopyResult> } | undefined {
  if (!existsSync(fileURLToPath(WORKER))) return undefined;
  // Loaded only here: a repeated apply whose tree is linked by cp (linked-prefetch.ts) starts no thread.
  const { Worker: WorkerThread } = createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads');
  const worker = new WorkerThread(WORKER, { workerData });
  let onLoaded: (l: Loaded | null) => void = () => undefined;
  const loaded = new Promise<Loaded | null>((resolve) => (onLoaded = resolve));
  const answer = new Promise<CopyResult>((resolve) => {
    worker.on('message', (m: Message) => {
      if ('loaded' in m) onLoaded(m.loaded !== null && m.claims ? { id: m.loaded, claims: new Int32Array(m.claims) } : null);
      else resolve(m);
    });
    const failed = (why: string): void => {
      onLoaded(null);
      resolve({ ok: false, file: '', why });
    };
    worker.once('error', (err) => failed(`the copy thread failed: ${err.message}`));
    worker.once('exit', (code) => failed(`the copy thread stopped (exit ${code})`));
  });
  return { worker, loaded, answer };
}

const sharedSlots = (): Int32Array => new Int32Array(new SharedArrayBuffer(SLOTS * Int32Array.BYTES_PER_ELEMENT));

/** The main thread's share of the jobs (from the last), then the worker's answer (its first stop wins over none). */
async function together(jobs: readonly TrustedJob[], root: string, mode: number, control: Int32Array, claims: Int32Array, answer: Promise<CopyResult> | undefined, stopWorker: () => void): Promise<CopyResult> {
  const mine = runJobs(jobs, root, mode, control, claims, true);
  if (!answer) return mine;
  // Every job done here or there: no need to wait for the worker (it may still be starting).
  if (mine.ok && Atomics.load(control, DONE) === jobs.length) {
    stopWorker();
    return mine;
  }
  const theirs = await answer;
  return mine.ok ? theirs : mine;
}

/**
 * Get ready to copy `jobs` (see TrustedJob; `mode`: the permission bits a file written now gets):
 * the worker starts now, so that its start-up overlaps with whatever the caller does before run().
 * Where no worker can be started (running from the TypeScript source) the main thread does it all.
 */
export function startTrustedCopy(jobs: readonly TrustedJob[], mode: number): TrustedCopy {
  const control = sharedSlots();
  const claims = claimFlags(jobs.length);
  const w = spawn({ jobs, claims: claims.buffer, shared: control.buffer, mode });
  return {
    run: async (root) => {
      w?.worker.postMessage({ root });
      return together(jobs, root, mode, control, claims, w?.answer, () => void w?.worker.terminate());
    },
    cancel: async () => {
      await w?.worker.terminate();
    },
  };
}

/** A copy of the last apply's tree started before the command knew it would want it (apply-prefetch.ts). */
export interface PrefetchedCopy {
  /** The temp directory it copies into (a sibling of the target, made by the caller). */
  tmp: string;
  /** Take part in the copy with `jobs`, those of the record `id` (a stop when the worker read another). */
  join(jobs: readonly TrustedJob[], id: string): TrustedCopy;
  /** Stop the worker and remove the temp directory (nothing of it is used). */
  discard(): Promise<void>;
}

/**
 * Start copying, on a worker, the tree recorded in the workspace `wsRoot` into `tmp` (an empty
 * directory): the worker reads the record itself, so that nothing of it waits for the main thread.
 * Undefined where no worker can be started.
 */
export function startPrefetchedCopy(wsRoot: string, tmp: string, drop: string | undefined, mode: number): PrefetchedCopy | undefined {
  const control = sharedSlots();
  const w = spawn({ prefetch: { wsRoot, tmp, ...(drop === undefined ? {} : { drop }) }, shared: control.buffer, mode });
  if (!w) return undefined;
  const stop = async (): Promise<void> => {
    Atomics.store(control, STOPPED, 1);
    await w.answer;
  };
  let discarded: Promise<void> | undefined;
  return {
    tmp,
    join: (jobs, id) => ({
      run: async (root) => {
        const l = await w.loaded;
        if (root !== tmp || l?.id !== id || l.claims.length !== Math.max(1, jobs.length)) {
          await stop();
          return { ok: false, file: root, why: 'the copy thread read another record' };
        }
        return together(jobs, root, mode, control, l.claims, w.answer, () => undefined);
      },
      cancel: stop,
    }),
    discard: () => (discarded ??= stop().then(() => fsp.rm(tmp, { recursive: true, force: true }))),
  };
}
