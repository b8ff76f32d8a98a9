// The worker of tree-writer.ts: writes the files it is given, synchronously, into directories that
// already exist, never over an existing file; answers "done" or the first failure and its file.
import { parentPort, workerData } from 'node:worker_threads';
import { writeEntries } from './tree-writer-core.js';

const failure = writeEntries(workerData as Array<[string, Uint8Array | string]>);
parentPort?.postMessage(failure ?? { ok: true });
