// Writing many files of a tree on a second thread while the main thread computes the rest.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { IoError } from '../core/errors.js';
import { helpBackwards, writeEntries, type TreeContent, type WriteFailure } from './tree-writer-core.js';
import { resolveInside } from './fs.js';

export interface TreeWriter {
  /** More files to write, after those already given (in order). */
  add(entries: ReadonlyArray<readonly [string, TreeContent]>): void;
  /**
   * Every file given (called once, after the last add that it is to share): this thread, which
   * has nothing else to do, writes the last ones the writer has not reached yet (see
   * helpBackwards) while the writer goes on with the first; an IoError names the first that fails
   * here.
   */
  help(): void;
  /** Resolves when every file is written; rejects with an IoError naming the first failure. */
  finish(): Promise<void>;
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
  writeFilesSync(list.map(([rel, content]) => [paths.get(rel) as string, content] as const));
}

/** Write `entries` (absolute path, content, as startTreeWriter takes them) here and now, synchronously; an IoError names the first file that fails. */
function writeFilesSync(entries: ReadonlyArray<readonly [string, TreeContent]>): void {
  const failure = writeEntries(entries);
  if (failure) throw failed(failure);
}

/**
 * Write `entries` (absolute path, content: bytes, text, or a file to copy), and those `add` gives
 * later, with flag "wx" in a worker thread, so that the writes of a large tree overlap with
 * computation on the main thread (apply: the files no patch touches are written while the series is
 * applied, the patched ones while the manifest is made), and with a `capacity`, the first that many
 * files may be written by this thread instead (help). The directories must exist. Where no
 * worker can be started (the compiled worker is missing, as when this module runs from its
 * TypeScript source) the files are written here, synchronously, as they are given.
 */
export function startTreeWriter(entries: ReadonlyArray<readonly [string, TreeContent]>, capacity = 0): TreeWriter {
  const workerFile = fileURLToPath(WORKER);
  if (!existsSync(workerFile)) return inThread(entries);
  // Every file given is kept here too, by number, for help(): the first `capacity` can be claimed.
  const given: Array<readonly [string, TreeContent]> = capacity > 0 ? [...entries] : [];
  let count = entries.length;
  const claims = new Int32Array(new SharedArrayBuffer(Math.max(1, capacity) * Int32Array.BYTES_PER_ELEMENT));
  const worker = new Worker(WORKER, { workerData: { entries, claims } });
  const done = new Promise<void>((resolve, reject) => {
    let settled = false;
    worker.once('message', (m: WriteFailure | { ok: true }) => {
      settled = true;
      if (m.ok) resolve();
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
  let helped = false;
  return {
    add: (more) => {
      if (ended || more.length === 0) return;
      worker.postMessage({ entries: more, base: count });
      count += more.length;
      // Files given after help() are the writer's alone (it still claims them: no one else does).
      if (capacity > 0 && !helped) for (const e of more) given.push(e);
    },
    help: () => {
      if (capacity === 0 || helped) return;
      helped = true;
      const failure = helpBackwards(given, claims);
      // What is left is the writer's: the contents need not be kept here any longer.
      given.length = 0;
      if (failure) throw failed(failure);
    },
    finish: () => {
      if (!ended) worker.postMessage({ end: true });
      ended = true;
      return done;
    },
  };
}

function inThread(entries: ReadonlyArray<readonly [string, TreeContent]>): TreeWriter {
  let failure = writeEntries(entries);
  return {
    add: (more) => {
      failure ??= writeEntries(more);
    },
    // Everything is written as it is given.
    help: () => undefined,
    finish: async () => {
      if (failure) throw failed(failure);
    },
  };
}
