// The worker of tree-writer.ts: writes the files it is given (at start, then in batches posted to
// it), synchronously, into directories that already exist, never over an existing file, making the
// manifest regions of the patched files (describe-core.ts); on "end" answers with those regions or
// the first failure and its file.
import { parentPort, workerData } from 'node:worker_threads';
import type { TreeContent } from './tree-writer-core.js';
import { writerLoop, type WriterData } from './tree-writer-loop.js';

type Message = { entries: Array<[string, TreeContent]> } | { end: true };

const loop = writerLoop(workerData as WriterData);
parentPort?.on('message', (m: Message) => {
  if ('entries' in m) {
    loop.more(m.entries);
    return;
  }
  parentPort?.postMessage(loop.end());
  parentPort?.close();
});
