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
  return writeClaimed(entries, undefined, 0);
}

function writeOrFail(file: string, data: TreeContent): WriteFailure | undefined {
  try {
    writeOne(file, data);
    return undefined;
  } catch (err) {
    return { ok: false, file, message: (err as Error).message };
  }
}

/**
 * writeEntries for two threads that share the entries (see helpBackwards): entry k is number
 * `base + k`, and is written only by the thread that claims it in `claims` (shared memory, 0 for
 * free); an entry numbered beyond the claims is always written here.
 */
export function writeClaimed(entries: ReadonlyArray<readonly [string, TreeContent]>, claims: Int32Array | undefined, base: number): WriteFailure | undefined {
  for (let k = 0; k < entries.length; k++) {
    const i = base + k;
    if (claims && i < claims.length && Atomics.compareExchange(claims, i, 0, 1) !== 0) continue;
    const [file, data] = entries[k] as readonly [string, TreeContent];
    const failure = writeOrFail(file, data);
    if (failure) return failure;
  }
  return undefined;
}

/**
 * The other thread's share of `entries` (all of them, by number), once it has nothing else to do:
 * from the last claimable one back, each one it claims, until one is claimed already (the writer,
 * which goes forward, has reached it). The two mostly write in different directories.
 */
export function helpBackwards(entries: ReadonlyArray<readonly [string, TreeContent]>, claims: Int32Array): WriteFailure | undefined {
  for (let i = Math.min(entries.length, claims.length) - 1; i >= 0; i--) {
    if (Atomics.compareExchange(claims, i, 0, 1) !== 0) return undefined;
    const [file, data] = entries[i] as readonly [string, TreeContent];
    const failure = writeOrFail(file, data);
    if (failure) return failure;
  }
  return undefined;
}
