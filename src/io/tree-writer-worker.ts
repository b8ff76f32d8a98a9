// The worker of tree-writer.ts: writes the files it is given (at start, then in batches posted to
// it), synchronously, into directories that already exist, never over an existing file, each one
// that the main thread (helping at the end) has not claimed; on "end" answers "done" or the first
// failure and its file.
import { parentPort, workerData } from 'node:worker_threads';
import { writeClaimed, type TreeContent, type WriteFailure } from './tree-writer-core.js';

type Message = { entries: Array<[string, TreeContent]>; base: number } | { end: true };

const { entries, claims } = workerData as { entries: Array<[string, TreeContent]>; claims: Int32Array };
let failure: WriteFailure | undefined = writeClaimed(entries, claims, 0);
parentPort?.on('message', (m: Message) => {
  if ('entries' in m) {
    failure ??= writeClaimed(m.entries, claims, m.base);
    return;
  }
  parentPort?.postMessage(failure ?? { ok: true });
  parentPort?.close();
});
