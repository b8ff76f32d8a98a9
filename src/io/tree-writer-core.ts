// What the tree writer does on whichever thread runs it (no worker_threads import here).
import { constants, copyFileSync, linkSync, lstatSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { hash, randomBytes } from 'node:crypto';
import { linkKey, statKey } from './verified.js';
import { sameAsRecorded } from './trusted-copy-core.js';

export interface WriteFailure {
  ok: false;
  file: string;
  message: string;
}

/**
 * A file copied from `from` (a drop file trusted by its stats, never read by pvpatch): `stat` is the
 * stat key it was trusted with, checked again after the copy, so that a change while it was copied
 * fails the write instead of slipping into the tree.
 */
export interface CopyFrom {
  from: string;
  stat: string[];
}

/** A file's text taken from `from` (a cache entry): written only if its sha256 is `sha256`. */
export interface CheckedCopy {
  from: string;
  sha256: string;
}

/**
 * A file of the last tree's store (src/io/apply-record.ts), hard-linked into this tree: only if its
 * linkKey is still `key` and its permission bits are `mode` (those of a file written now).
 */
export interface StoreLink {
  link: string;
  key: string;
  mode: number;
}

/** How a failed StoreLink is reported: the message starts so, then names the store's file. */
export const STORE_CHANGED = 'changed in the store of the last tree since it was recorded:';

/** How a failed CheckedCopy is reported: the message starts so, then names the source. */
export const DAMAGED = 'damaged (missing, or its sha256 is not the one recorded):';

/** A file outside the tree (a cache entry) written through a temp name renamed over it: may replace one. */
export interface Replace {
  replace: string;
}

export type TreeContent = Uint8Array | string | CopyFrom | CheckedCopy | Replace | StoreLink;

/** Write `file` through a temp name renamed over it (no fsync: for what can be made again). */
export function replaceFileSync(file: string, data: string): void {
  const tmp = `${file}.part-${process.pid}-${randomBytes(4).toString('hex')}`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

function writeOne(file: string, data: TreeContent): void {
  if (typeof data === 'string' || data instanceof Uint8Array) {
    writeFileSync(file, data, { flag: 'wx' });
    return;
  }
  if ('replace' in data) {
    replaceFileSync(file, data.replace);
    return;
  }
  if ('link' in data) {
    try {
      linkSync(data.link, file);
    } catch {
      throw new Error(`${STORE_CHANGED} ${data.link}`);
    }
    // The link made, the file it names is the one checked: written through it since, it fails.
    if (sameAsRecorded(file, data.key, data.mode, linkKey) !== undefined) throw new Error(`${STORE_CHANGED} ${data.link}`);
    return;
  }
  if ('sha256' in data) {
    let bytes: Buffer | undefined;
    try {
      bytes = readFileSync(data.from);
    } catch {
      // Removed since it was looked up: as damaged, the file is applied again.
    }
    if (!bytes || hash('sha256', bytes, 'hex') !== data.sha256) throw new Error(`${DAMAGED} ${data.from}`);
    writeFileSync(file, bytes, { flag: 'wx' });
    return;
  }
  copyFileSync(data.from, file, constants.COPYFILE_EXCL);
  const now = statKey(lstatSync(data.from, { bigint: true }));
  if (now.join() !== data.stat.join()) throw new Error(`${data.from} changed while it was copied (drops are read-only)`);
}

/** Write each (path, content) with flag "wx"; the first failure, or undefined when all were written. */
export function writeEntries(entries: ReadonlyArray<readonly [string, TreeContent]>): WriteFailure | undefined {
  for (const [file, data] of entries) {
    try {
      writeOne(file, data);
    } catch (err) {
      return { ok: false, file, message: (err as Error).message };
    }
  }
  return undefined;
}
