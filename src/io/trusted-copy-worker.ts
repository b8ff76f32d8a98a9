// The worker of trusted-copy.ts: given the jobs at start, it waits for the destination root, then
// takes jobs through the shared counter until none is left, and answers with its result.
import { parentPort, workerData } from 'node:worker_threads';
import { runJobs, type TrustedJob } from './trusted-copy-core.js';

const { jobs, shared, mode } = workerData as { jobs: TrustedJob[]; shared: SharedArrayBuffer; mode: number };
parentPort?.once('message', (m: { root: string } | { cancel: true }) => {
  parentPort?.postMessage('root' in m ? runJobs(jobs, m.root, mode, new Int32Array(shared)) : { ok: true });
  parentPort?.close();
});
