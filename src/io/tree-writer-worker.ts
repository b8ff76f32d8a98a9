// The worker of tree-writer.ts: writes the files it is given (at start, then in batches posted to
// it), synchronously, into directories that already exist, never over an existing file; on "end"
// answers "done" or the first failure and its file.
import { parentPort, workerData } from 'node:worker_threads';
import { writeEntries, type TreeContent, type WriteFailure } from './tree-writer-core.js';

type Message = { entries: Array<[string, TreeContent]> } | { end: true };

let failure: WriteFailure | undefined = writeEntries(workerData as Array<[string, TreeContent]>);
parentPort?.on('message', (m: Message) => {
  if ('entries' in m) {
    failure ??= writeEntries(m.entries);
    return;
  }
  parentPort?.postMessage(failure ?? { ok: true });
  parentPort?.close();
});
