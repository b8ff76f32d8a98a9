// The tree of the last apply, made while the CLI starts by `cp -RPl` from the record's store (see
// STORE in apply-record-read.ts): hard links, made by another process, so that they are made while
// node loads the command (a worker thread takes longer to start than cp takes to link the tree).
// Nothing made there is trusted: once the command has read the record, every entry of the temp
// tree must be one the record names, and every file must be the store's file (the inode, size,
// mtime and mode recorded), and every source is checked as for any use of the record.
import { spawn } from 'node:child_process';
import { lstatSync, mkdirSync, promises as fsp, rmSync } from 'node:fs';
import { makeJobDirs, unexpectedEntry } from './apply-record-read.js';
import { claimFlags, runJobs, SLOTS, type CopyResult, type TrustedJob } from './trusted-copy-core.js';
import type { PrefetchedCopy } from './trusted-copy.js';

/** All of `jobs` on this thread alone (see runJobs; `linksMade`: only checked, the links are there). */
function runAlone(jobs: readonly TrustedJob[], root: string, mode: number, linksMade: boolean): CopyResult {
  return runJobs(jobs, root, mode, new Int32Array(new SharedArrayBuffer(SLOTS * Int32Array.BYTES_PER_ELEMENT)), claimFlags(jobs.length), false, linksMade);
}

/**
 * Is the tree at `target` already the one `jobs` make, every file linked from the store (as a linked
 * apply leaves it), and every source as recorded? Then an apply has nothing to write. Reads only.
 */
export function linkedTreeInPlace(target: string, jobs: readonly TrustedJob[], mode: number): boolean {
  if (!jobs.every((j) => j.dst === null || j.linked)) return false;
  if (!lstatSync(target, { throwIfNoEntry: false })?.isDirectory() || unexpectedEntry(target, jobs.map((j) => j.dst)) !== undefined) return false;
  // Only checks: every job with a place in the tree is linked (above), so nothing is written.
  return runAlone(jobs, target, mode, true).ok;
}

/**
 * Remove the temp tree `dir` in a child `rm -rf` (which never follows a symlink), so that its
 * thousands of unlinks cost this process's thread nothing while it applies; then here whatever is
 * left (no rm on the PATH, or it failed).
 */
function removeElsewhere(dir: string): Promise<void> {
  return new Promise<void>((resolve) => {
    try {
      const child = spawn('rm', ['-rf', '--', dir], { stdio: 'ignore' });
      child.once('error', () => resolve());
      child.once('exit', () => resolve());
    } catch {
      resolve();
    }
  }).then(() => fsp.rm(dir, { recursive: true, force: true }));
}

/**
 * Start `cp -RPl` of the store `store` into `tmp` (an empty directory). Undefined when cp cannot
 * be started. Where cp fails (none on the PATH, one without -l), the links are made here instead,
 * into the emptied temp directory, once the jobs are known.
 */
export function startLinkedPrefetch(store: string, tmp: string, mode: number): PrefetchedCopy | undefined {
  let child;
  try {
    child = spawn('cp', ['-RPl', '--', `${store}/.`, tmp], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  const exited = new Promise<number>((resolve) => {
    child.once('error', () => resolve(-1));
    child.once('exit', (code) => resolve(code ?? -1));
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill();
    await exited;
  };
  let discarded: Promise<void> | undefined;
  return {
    tmp,
    join: (jobs) => ({
      run: async (root): Promise<CopyResult> => {
        const code = await exited;
        if (root !== tmp) return { ok: false, file: root, why: 'not the directory cp made the tree in' };
        if (code !== 0) {
          rmSync(root, { recursive: true, force: true });
          mkdirSync(root);
          makeJobDirs(root, jobs);
          return runAlone(jobs, root, mode, false);
        }
        const extra = unexpectedEntry(root, jobs.map((j) => j.dst));
        if (extra !== undefined) return { ok: false, file: `${root}/${extra}`, why: 'not in the record' };
        return runAlone(jobs, root, mode, true);
      },
      cancel: stop,
    }),
    discard: () => (discarded ??= stop().then(() => removeElsewhere(tmp))),
  };
}
