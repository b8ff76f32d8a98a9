// Writing many files of a tree on a second thread while the main thread computes the rest.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { IoError } from '../core/errors.js';
import { writeEntries, type TreeContent, type WriteFailure } from './tree-writer-core.js';
import { writerLoop, type WriterData, type WriterDone } from './tree-writer-loop.js';
import type { KernelsConfig } from '../core/config.js';
import type { DescribedFile } from './describe-core.js';
import { resolveInside } from './fs.js';

export interface TreeWriter {
  /** More files to write, after those already given (in order). */
  add(entries: ReadonlyArray<readonly [string, TreeContent]>): void;
  /**
   * Resolves when every file is written, with the regions of the Described files (in the order
   * given; none without a config); rejects with an IoError naming the first failure.
   */
  finish(): Promise<DescribedFile[]>;
}

const WORKER = new URL('./tree-writer-worker.js', import.meta.url);

const failed = (f: WriteFailure): IoError => new IoError(`cannot write: ${f.message}`, { file: f.file });

/** Under `dir`, the path of each of `rels` (refused when it leaves `dir`), each directory made once. */
export function placeInTree(dir: string, rels: Iterable<string>, shown: string = dir): Map<string, string> {
  const paths = new Map<string, string>();
  for (const rel of rels) paths.set(rel, resolveInside(dir, rel, { file: shown }));
  for (const d of new Set([...paths.values()].map((p) => path.dirname(p)))) mkdirSync(d, { recursive: true });
  return paths;
}

/**
 * Write `files` (tree-relative path, content) under `dir` here and now, synchronously (for
 * thousands of small files a fraction of fs/promises' cost), never over an existing file; an
 * IoError names the first file that fails.
 */
export function writeTreeFilesSync(dir: string, files: Iterable<readonly [string, Uint8Array | string]>, shown: string = dir): void {
  const list = [...files];
  const paths = placeInTree(dir, list.map(([rel]) => rel), shown);
  const failure = writeEntries(list.map(([rel, content]) => [paths.get(rel) as string, content] as const));
  if (failure) throw failed(failure);
}

/**
 * Write `entries` (absolute path, content: bytes, text, or a file to copy), and those `add` gives
 * later, with flag "wx" in a worker thread, so that the writes of a large tree overlap with
 * computation on the main thread (apply: the files no patch touches are written while the series is
 * applied, the patched ones while the manifest is made). The directories must exist. Where no
 * worker can be started (the compiled worker is missing, as when this module runs from its
 * TypeScript source) the files are written here, synchronously, as they are given.
 */
export function startTreeWriter(entries: ReadonlyArray<readonly [string, TreeContent]>, config?: KernelsConfig): TreeWriter {
  const data: WriterData = { entries, ...(config ? { config } : {}) };
  const workerFile = fileURLToPath(WORKER);
  if (!existsSync(workerFile)) return inThread(data);
  const worker = new Worker(WORKER, { workerData: data });
  const done = new Promise<DescribedFile[]>((resolve, reject) => {
    let settled = false;
    worker.once('message', (m: WriterDone) => {
      settled = true;
      if (m.ok) resolve(m.described);
      else reject(failed(m));
    });
    worker.once('error', (err) => {
      settled = true;
      reject(new IoError(`the tree writer failed: ${err.message}`, undefined, err));
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new IoError(`the tree writer stopped (exit ${code}) before it finished`));
    });
  });
  // finish() is awaited only after the caller's own work: an early failure is no unhandled rejection.
  done.catch(() => undefined);
  let ended = false;
  return {
    add: (more) => {
      if (!ended && more.length > 0) worker.postMessage({ entries: more });
    },
    finish: () => {
      if (!ended) worker.postMessage({ end: true });
      ended = true;
      return done;
    },
  };
}

function inThread(data: WriterData): TreeWriter {
  const loop = writerLoop(data);
  let done: WriterDone | undefined;
  return {
    add: (more) => {
      if (!done) loop.more(more);
    },
    finish: async () => {
      done ??= loop.end();
      if (!done.ok) throw failed(done);
      return done.described;
    },
  };
}
