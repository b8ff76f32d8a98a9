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
import type { HunkOutcome } from '../core/apply-series.js';
import type { Drop } from '../core/drops.js';
import type { SeriesEntry } from '../core/series.js';
import type { KernelsConfig } from '../core/config.js';
import { APPLY_CACHE_FORMAT } from './apply-cache.js';
import { sha256 } from './hash.js';
import { replaceFileSync } from './tree-writer-core.js';
import { RACY_NS, statKey } from './verified.js';
import type { TrustedJob } from './trusted-copy.js';

/** Bumped whenever the record's shape or what it stands for changes. */
const RECORD_FORMAT = 1;

export interface TreeRecord {
  format: number;
  key: string;
  drop: string;
  patches: number;
  hunks: HunkOutcome[];
  regions: number;
  /** The drop's directories ('' = its top), each with its stat key: an entry added to one changes it. */
  dirs: [string, string][];
  /** The series' patches trusted by their lstat: name, sha256 of the text, stat key (see seriesShas). */
  patchStats: [string, string, string][];
  /** Each file: its source (workspace-relative), its place in the tree (null: checked, not copied), the source's stat key. */
  files: [string, string | null, string][];
}

/** What an apply's result depends on (see the file comment). */
export interface RecordInputs {
  version: string;
  config: KernelsConfig;
  drop: Drop;
  series: readonly SeriesEntry[];
  patchShas: readonly string[];
  fuzz: number;
  annotate: boolean;
}

function recordDir(root: string): string {
  return path.join(root, '.pvpatch', 'cache', 'apply-tree');
}

const RECORD = 'record.json';
/** The manifest of the recorded tree, copied as its files are. */
export const MANIFEST = 'manifest.json';

export function recordKey(i: RecordInputs): string {
  const series = i.series.map((e) => e.name);
  // The per-file cache's format too: what apply produces for the same inputs changed when it did.
  return sha256(JSON.stringify([RECORD_FORMAT, APPLY_CACHE_FORMAT, i.version, i.config, i.drop.version, i.drop.files, series, i.patchShas, i.fuzz, i.annotate]));
}

/** A relative path as apply writes them: no empty, "." or ".." part, no backslash or NUL. */
const SAFE = /^(?!.*(?:^|\/)\.{0,2}(?:\/|$))[^\\\0]+$/;

/** The record, when there is a whole one of this format (a cache: anything else is no record). */
export function loadRecord(root: string): TreeRecord | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(path.join(recordDir(root), RECORD), 'utf8'));
  } catch {
    return undefined;
  }
  const r = parsed as Partial<TreeRecord> | null;
  if (!r || r.format !== RECORD_FORMAT || typeof r.key !== 'string' || typeof r.drop !== 'string' || !Array.isArray(r.files) || !Array.isArray(r.dirs) || !Array.isArray(r.hunks) || !Array.isArray(r.patchStats)) return undefined;
  for (const p of r.patchStats) if (!Array.isArray(p) || p.length !== 3 || p.some((x) => typeof x !== 'string')) return undefined;
  for (const f of r.files) {
    if (!Array.isArray(f) || typeof f[0] !== 'string' || !SAFE.test(f[0]) || (f[1] !== null && (typeof f[1] !== 'string' || !SAFE.test(f[1]))) || typeof f[2] !== 'string') return undefined;
  }
  for (const d of r.dirs) if (!Array.isArray(d) || typeof d[0] !== 'string' || (d[0] !== '' && !SAFE.test(d[0])) || typeof d[1] !== 'string') return undefined;
  return r as TreeRecord;
}

/** The recorded patches' sha256 and stat key, by name. */
export function patchStatsOf(rec: TreeRecord): Map<string, readonly [string, string]> {
  return new Map(rec.patchStats.map(([name, sha, stat]) => [name, [sha, stat] as const]));
}

/** The record's files as copy jobs (sources made absolute under `root`). */
export function recordJobs(root: string, rec: TreeRecord): TrustedJob[] {
  return rec.files.map(([src, dst, stat]) => ({ src: `${root}/${src}`, dst, stat }));
}

/** The directories the jobs' files go in (relative; parents before children). */
export function jobDirs(jobs: readonly TrustedJob[]): string[] {
  const dirs = new Set<string>();
  for (const j of jobs) {
    if (j.dst === null) continue;
    const at = j.dst.lastIndexOf('/');
    if (at > 0) dirs.add(j.dst.slice(0, at));
  }
  return [...dirs].sort();
}

function lstatKey(file: string): string | undefined {
  try {
    return statKey(fs.lstatSync(file, { bigint: true })).join();
  } catch {
    return undefined;
  }
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
  const now = BigInt(Date.now()) * 1_000_000n;
  const out: [string, string][] = [];
  for (const rel of [...rels].sort()) {
    let st;
    try {
      st = fs.lstatSync(rel === '' ? dir : `${dir}/${rel}`, { bigint: true });
    } catch {
      return undefined;
    }
    if (!st.isDirectory() || st.mtimeNs > now - RACY_NS || st.ctimeNs > now - RACY_NS) return undefined;
    out.push([rel, statKey(st).join()]);
  }
  return out;
}

/** Are the recorded directories of `dir` as they were? */
export function dirsUnchanged(dir: string, dirs: readonly [string, string][]): boolean {
  for (const [rel, key] of dirs) {
    let st;
    try {
      st = fs.lstatSync(rel === '' ? dir : `${dir}/${rel}`, { bigint: true });
    } catch {
      return false;
    }
    if (!st.isDirectory() || statKey(st).join() !== key) return false;
  }
  return true;
}

/** A file of the tree to record: its source (workspace-relative), its place (null: only checked), and the source's stat key if known now. */
export type RecordedFile = [string, string | null, string | undefined];

/**
 * Save the record of a tree just written: `files` whose stat key is not given are the cache's own
 * texts, stat'ed now (pvpatch replaces them only by rename: a new inode). Any other source's key
 * must be given (the drop's, from when its bytes were verified); when one is not, or a cache text is
 * gone, no record is kept (the next apply does the whole work).
 */
export function saveRecord(root: string, rec: Omit<TreeRecord, 'format' | 'files'>, files: readonly RecordedFile[], manifestText: string): void {
  const dir = recordDir(root);
  const recordFile = path.join(dir, RECORD);
  fs.rmSync(recordFile, { force: true });
  const out: TreeRecord['files'] = [];
  for (const [src, dst, stat] of files) {
    const key = stat ?? (src.startsWith('.pvpatch/cache/') ? lstatKey(`${root}/${src}`) : undefined);
    if (key === undefined || !SAFE.test(src) || (dst !== null && !SAFE.test(dst))) return;
    out.push([src, dst, key]);
  }
  fs.mkdirSync(dir, { recursive: true });
  const manifestSrc = `.pvpatch/cache/apply-tree/${MANIFEST}`;
  replaceFileSync(path.join(dir, MANIFEST), manifestText);
  const manifestKey = lstatKey(`${root}/${manifestSrc}`);
  if (manifestKey === undefined) return;
  out.push([manifestSrc, '.pvpatch/manifest.json', manifestKey]);
  replaceFileSync(recordFile, JSON.stringify({ format: RECORD_FORMAT, ...rec, files: out } satisfies TreeRecord));
}
