// The last apply's whole result (.pvpatch/cache/apply-tree/, machine-local, never committed): where
// each file of the tree it wrote came from (a drop file, or a text in the cache of per-file results),
// with the lstat that file had when its bytes were known good, the drop's directories' lstats, the
// manifest, and the outcomes. Its key hashes every input of an apply (this version, kernels.json,
// the drop's file list and sha256s, the series, the patch texts, --fuzz, --no-annotate), so an apply
// with the same key and with every source's lstat unchanged writes the same tree: it copies it, the
// way make trusts timestamps and git its index, and applies nothing. Anything else found (a source
// changed or gone, an entry added to a drop directory, another umask) and apply does the whole work.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Drop } from '../core/drops.js';
import type { SeriesEntry } from '../core/series.js';
import type { KernelsConfig } from '../core/config.js';
import { sha256 } from './hash.js';
import { APPLY_CACHE_FORMAT, VERSION } from '../version.js';
import { replaceFileSync } from './tree-writer-core.js';
import { isRacy, linkKey, nowNs, statKey } from './verified.js';
import { randomHex, tempSibling } from './temp-names.js';
import type { HunkOutcome } from '../core/apply-series.js';
import { dirStat, HUNKS, lstatKey, MANIFEST, MANIFEST_IN_TREE, RECORD, placeDirs, RECORD_FORMAT, recordDir, SAFE, STORE, unexpectedEntry, type TreeRecord } from './apply-record-read.js';

export { dirsUnchanged, jobDirs, loadHunks, loadRecord, MANIFEST_IN_TREE, recordJobs, patchStatsOf, type TreeRecord } from './apply-record-read.js';

/** What an apply's result depends on beyond this version and the cache's format (see the file comment). */
export interface RecordInputs {
  config: KernelsConfig;
  drop: Drop;
  series: readonly SeriesEntry[];
  patchShas: readonly string[];
  fuzz: number;
  annotate: boolean;
}

export function recordKey(i: RecordInputs): string {
  const series = i.series.map((e) => e.name);
  // The per-file cache's format too: what apply produces for the same inputs changed when it did.
  return sha256(JSON.stringify([RECORD_FORMAT, APPLY_CACHE_FORMAT, VERSION, i.config, i.drop.version, i.drop.files, series, i.patchShas, i.fuzz, i.annotate]));
}


/**
 * The stat keys of the directories of `dir` that hold `files` (and of `dir`), each a directory
 * (never a symlink); undefined when one is not, or was changed too recently to be trusted later.
 */
export function statDirs(dir: string, files: Iterable<string>): [string, string][] | undefined {
  const rels = new Set<string>(['']);
  for (const f of files) {
    for (let at = f.indexOf('/'); at > 0; at = f.indexOf('/', at + 1)) rels.add(f.slice(0, at));
  }
  const now = nowNs();
  const out: [string, string][] = [];
  for (const rel of [...rels].sort()) {
    const st = dirStat(dir, rel);
    if (!st || isRacy(st, now)) return undefined;
    out.push([rel, statKey(st).join()]);
  }
  return out;
}

/** A file of the tree to record: its source (workspace-relative), its place (null: only checked), and the source's stat key if known now. */
export type RecordedFile = [string, string | null, string | undefined];

/** Remove `p` if it can be (a half-made or old store: the next one made removes what is left). */
function quietRm(p: string): void {
  try {
    fs.rmSync(p, { recursive: true, force: true });
  } catch {
    // Left for the next store.
  }
}

/** Remove what a dead apply left beside the store in the record's directory `dir` (temp stores, temp links). */
function removeStoreTemps(dir: string): void {
  for (const n of fs.readdirSync(dir)) if (n.startsWith(`.${STORE}.pvpatch-`)) fs.rmSync(path.join(dir, n), { recursive: true, force: true });
}

/**
 * Make the store (STORE) of the tree just written into `tree` (not yet in place, so that nothing
 * else has written to it): every file at `places` hard-linked under the store, which replaces the
 * previous one. Returns each place's linkKey, or undefined (no store: the previous one is gone
 * too) when a link cannot be made, as when the tree is on another file system than the workspace.
 * Called under the workspace's lock: any store left half made is a dead apply's.
 */
export function linkStore(root: string, tree: string, places: readonly string[]): Map<string, string> | undefined {
  const dir = recordDir(root);
  const store = path.join(dir, STORE);
  const old = tempSibling(store, 'old', randomHex());
  const fresh = tempSibling(store, 'new', randomHex());
  const keys = new Map<string, string>();
  // A cache: whatever fails here (a file system without hard links, no room) only means no store.
  try {
    fs.mkdirSync(dir, { recursive: true });
    removeStoreTemps(dir);
    if (fs.existsSync(store)) fs.renameSync(store, old);
    fs.mkdirSync(fresh);
    for (const d of placeDirs(places)) fs.mkdirSync(`${fresh}/${d}`, { recursive: true });
    for (const dst of places) {
      fs.linkSync(`${tree}/${dst}`, `${fresh}/${dst}`);
      keys.set(dst, linkKey(fs.lstatSync(`${fresh}/${dst}`, { bigint: true })).join());
    }
    fs.renameSync(fresh, store);
  } catch {
    quietRm(fresh);
    return undefined;
  } finally {
    quietRm(old);
  }
  return keys;
}

/**
 * Bring the store (STORE) of the last tree up to the tree just written into `tree` (not yet in place),
 * when that tree was made mostly of links to the store: `linked` names the places hard-linked from
 * the store's file at the same place (each checked as it was made: its linkKey, the value here), so
 * the store already holds them as they are. Every other place is linked at a temp name and renamed
 * over its store file, and the store's files at places the tree no longer has (`last`: the store's
 * places by the last record) are removed: after an edit to one patch, only what it changed is
 * linked. Returns each place's linkKey, or undefined (and no store is used) when a link cannot be
 * made. Called under the workspace's lock; a store left half updated is named by no record that
 * could trust it (the old record's linkKeys of the replaced files no longer match).
 */
export function updateStore(root: string, tree: string, places: readonly string[], linked: ReadonlyMap<string, string>, last: Iterable<string>): Map<string, string> | undefined {
  const dir = recordDir(root);
  const store = path.join(dir, STORE);
  const keys = new Map<string, string>();
  const wanted = new Set(places);
  // Each new link is made beside the store (never in it, which is copied whole) and renamed in.
  const part = tempSibling(store, 'tmp', randomHex());
  try {
    removeStoreTemps(dir);
    for (const p of last) {
      if (wanted.has(p)) continue;
      fs.rmSync(`${store}/${p}`, { force: true });
      // A directory left empty goes too (the store is copied whole: the tree would have it).
      for (let at = p.lastIndexOf('/'); at > 0; at = p.lastIndexOf('/', at - 1)) {
        try {
          fs.rmdirSync(`${store}/${p.slice(0, at)}`);
        } catch {
          break;
        }
      }
    }
    const fresh = places.filter((p) => !linked.has(p));
    for (const d of placeDirs(fresh)) fs.mkdirSync(`${store}/${d}`, { recursive: true });
    for (const dst of places) {
      const key = linked.get(dst);
      if (key !== undefined) {
        keys.set(dst, key);
        continue;
      }
      fs.linkSync(`${tree}/${dst}`, part);
      fs.renameSync(part, `${store}/${dst}`);
      keys.set(dst, linkKey(fs.lstatSync(`${store}/${dst}`, { bigint: true })).join());
    }
  } catch {
    quietRm(part);
    quietRm(store);
    return undefined;
  }
  // Anything else found in the store (planted there, or left by a dead apply) would be copied with
  // it into the next tree (which refuses it): the store is made anew instead.
  return unexpectedEntry(store, places) === undefined ? keys : linkStore(root, tree, places);
}

/**
 * Save the record of a tree just written: `files` whose stat key is not given are the cache's own
 * texts, stat'ed now (pvpatch replaces them only by rename: a new inode). Any other source's key
 * must be given (the drop's, from when its bytes were verified); when one is not, or a cache text is
 * gone, no record is kept (the next apply does the whole work). `store`: the linkKey of each place
 * of the tree kept in the store (linkStore).
 */
export function saveRecord(root: string, rec: Omit<TreeRecord, 'format' | 'files' | 'id' | 'hunkCount' | 'notable'>, hunks: readonly HunkOutcome[], files: readonly RecordedFile[], manifestText: string, store?: ReadonlyMap<string, string>): void {
  const dir = recordDir(root);
  const recordFile = path.join(dir, RECORD);
  fs.rmSync(recordFile, { force: true });
  const out: TreeRecord['files'] = [];
  for (const [src, dst, stat] of files) {
    const key = stat ?? (src.startsWith('.pvpatch/cache/') ? lstatKey(`${root}/${src}`) : null);
    if (key === null || !SAFE.test(src) || (dst !== null && !SAFE.test(dst))) return;
    const link = dst === null ? undefined : store?.get(dst);
    out.push(link === undefined ? [src, dst, key] : [src, dst, key, link]);
  }
  fs.mkdirSync(dir, { recursive: true });
  const manifestSrc = `.pvpatch/cache/apply-tree/${MANIFEST}`;
  replaceFileSync(path.join(dir, MANIFEST), manifestText);
  const manifestKey = lstatKey(`${root}/${manifestSrc}`);
  if (manifestKey === null) return;
  const manifestLink = store?.get(MANIFEST_IN_TREE);
  out.push(manifestLink === undefined ? [manifestSrc, MANIFEST_IN_TREE, manifestKey] : [manifestSrc, MANIFEST_IN_TREE, manifestKey, manifestLink]);
  const id = randomBytes(8).toString('hex');
  replaceFileSync(path.join(dir, HUNKS), JSON.stringify({ id, hunks }));
  const notable = hunks.filter((h) => h.status !== 'exact');
  replaceFileSync(recordFile, JSON.stringify({ format: RECORD_FORMAT, id, ...rec, hunkCount: hunks.length, notable, files: out } satisfies TreeRecord));
}

/**
 * Rewrite the record `rec` as it is now (the same tree, hunks and id; newer stats of its inputs),
 * when an apply found its inputs the same by their key but not by their stats.
 */
export function rewriteRecord(root: string, rec: TreeRecord): void {
  replaceFileSync(path.join(recordDir(root), RECORD), JSON.stringify(rec));
}
