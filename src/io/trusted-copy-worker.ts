// The worker of trusted-copy.ts. Given jobs, it waits for the destination root, takes jobs from the
// first (see trusted-copy-core.ts) until it meets the main thread's, and answers with its result. Given a prefetch instead (a
// workspace and a temp directory), it reads the record of the last apply's tree itself, says which
// record it read (its id, or null), makes the tree's directories and copies (see apply-prefetch.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { loadRecord, makeJobDirs, recordJobs } from './apply-record-read.js';
import { claimFlags, runJobs, type TrustedJob } from './trusted-copy-core.js';

interface Prefetch {
  wsRoot: string;
  tmp: string;
  drop?: string;
}

const data = workerData as { jobs?: TrustedJob[]; claims?: SharedArrayBuffer; prefetch?: Prefetch; shared: SharedArrayBuffer; mode: number };
const control = new Int32Array(data.shared);

if (data.prefetch) {
  const { wsRoot, tmp, drop } = data.prefetch;
  const rec = loadRecord(wsRoot);
  if (!rec || (drop !== undefined && rec.drop !== drop)) {
    parentPort?.postMessage({ loaded: null });
    parentPort?.postMessage({ ok: true });
  } else {
    const jobs = recordJobs(wsRoot, rec);
    // The claim flags of these jobs, for the main thread to join with (it takes them from the last).
    const claims = claimFlags(jobs.length);
    parentPort?.postMessage({ loaded: rec.id, claims: claims.buffer });
    let made = true;
    try {
      makeJobDirs(tmp, jobs);
    } catch {
      // The temp directory went (the apply was called off): nothing to copy into.
      made = false;
    }
    parentPort?.postMessage(made ? runJobs(jobs, tmp, data.mode, control, claims) : { ok: false, file: tmp, why: 'the temp directory is gone' });
  }
  parentPort?.close();
} else {
  const jobs = data.jobs ?? [];
  const claims = new Int32Array(data.claims ?? new SharedArrayBuffer(4));
  parentPort?.once('message', (m: { root: string } | { cancel: true }) => {
    parentPort?.postMessage('root' in m ? runJobs(jobs, m.root, data.mode, control, claims) : { ok: true });
    parentPort?.close();
  });
}
