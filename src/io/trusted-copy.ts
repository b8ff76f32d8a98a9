// Copying many files trusted by their recorded stats (a whole tree apply made before) on two
// threads at once: the main thread and a worker take jobs from one shared counter.
import { existsSync, promises as fsp } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { DONE, SLOTS, STOPPED, runJobs, type CopyResult, type TrustedJob } from './trusted-copy-core.js';

export type { CopyResult, TrustedJob } from './trusted-copy-core.js';

export interface TrustedCopy {
  /** Copy every job under `root` (its directories made); the first stop, if any thread stopped. */
  run(root: string): Promise<CopyResult>;
  /** Not needed after all: the worker is stopped. */
  cancel(): Promise<void>;
}

const WORKER = new URL('./trusted-copy-worker.js', import.meta.url);

type Message = CopyResult | { loaded: string | null };

/** A worker and what it says: the record it loaded (prefetch only) and its result. */
function spawn(workerData: object): { worker: Worker; loaded: Promise<string | null>; answer: Promise<CopyResult> } | undefined {
  if (!existsSync(fileURLToPath(WORKER))) return undefined;
  const worker = new Worker(WORKER, { workerData });
  let onLoaded: (id: string | null) => void = () => undefined;
  const loaded = new Promise<string | null>((resolve) => (onLoaded = resolve));
  const answer = new Promise<CopyResult>((resolve) => {
    worker.on('message', (m: Message) => {
      if ('loaded' in m) onLoaded(m.loaded);
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

/** The main thread's share of the jobs, then the worker's answer (its first stop wins over none). */
async function together(jobs: readonly TrustedJob[], root: string, mode: number, shared: Int32Array, answer: Promise<CopyResult> | undefined, stopWorker: () => void): Promise<CopyResult> {
  const mine = runJobs(jobs, root, mode, shared);
  if (!answer) return mine;
  // Every job done here or there: no need to wait for the worker (it may still be starting).
  if (mine.ok && Atomics.load(shared, DONE) === jobs.length) {
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
  const shared = sharedSlots();
  const w = spawn({ jobs, shared: shared.buffer, mode });
  return {
    run: async (root) => {
      w?.worker.postMessage({ root });
      return together(jobs, root, mode, shared, w?.answer, () => void w?.worker.terminate());
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
  /** The id of the record the worker copies from; null when it found no record it could use. */
  loaded: Promise<string | null>;
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
  const shared = sharedSlots();
  const w = spawn({ prefetch: { wsRoot, tmp, ...(drop === undefined ? {} : { drop }) }, shared: shared.buffer, mode });
  if (!w) return undefined;
  const stop = async (): Promise<void> => {
    Atomics.store(shared, STOPPED, 1);
    await w.answer;
  };
  let discarded: Promise<void> | undefined;
  return {
    tmp,
    loaded: w.loaded,
    join: (jobs, id) => ({
      run: async (root) => {
        if (root !== tmp || (await w.loaded) !== id) {
          await stop();
          return { ok: false, file: root, why: 'the copy thread read another record' };
        }
        return together(jobs, root, mode, shared, w.answer, () => undefined);
      },
      cancel: stop,
    }),
    discard: () => (discarded ??= stop().then(() => fsp.rm(tmp, { recursive: true, force: true }))),
  };
}
