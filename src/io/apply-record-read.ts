// Reading the record of the last apply's tree (see apply-record.ts), and telling whether it can be
// used as it is: only node's own modules and small ones, so that the thread that copies the tree
// while the CLI starts (apply-prefetch.ts) loads little, and so does a repeated apply.
import fs from 'node:fs';
import path from 'node:path';
import type { HunkOutcome } from '../core/apply-series.js';
import type { TrustedJob } from './trusted-copy-core.js';
import { isRacy, nowNs, statKey } from './verified.js';
import { APPLY_CACHE_FORMAT, VERSION } from '../version.js';
import { DROPS_JSON, KERNELS_JSON, SERIES } from './workspace-root.js';

/** Bumped whenever the record's shape or what it stands for changes. */
export const RECORD_FORMAT = 3;

/**
 * The workspace's files an apply reads besides the patches (kernels.json, drops.json, the series),
 * workspace-relative: with each one's stat key unchanged, its bytes are the ones that apply parsed.
 */
export const INPUT_FILES = [KERNELS_JSON, DROPS_JSON, SERIES] as const;

/**
 * What tells, without reading the workspace, that an apply's inputs are those of the recorded one:
 * the build that wrote it, its options, the current drop then, and the stat key of each input file
 * (null: absent) from before it was read. Kept only when every input and every patch of the series
 * had a stat key old enough to be trusted (see isRacy).
 */
export interface QuickCheck {
  build: [string, number, number];
  fuzz: number;
  annotate: boolean;
  current: string;
  inputs: [string, string | null][];
}

export interface TreeRecord {
  format: number;
  key: string;
  /** Random, new with every record written: two threads that read one tell it from another. */
  id: string;
  drop: string;
  patches: number;
  /** How many hunks the series has, and those that did not apply exactly (all of them are in hunks.json). */
  hunkCount: number;
  notable: HunkOutcome[];
  regions: number;
  /** The drop's directories ('' = its top), each with its stat key: an entry added to one changes it. */
  dirs: [string, string][];
  /** The series' patches trusted by their lstat: name, sha256 of the text, stat key (see seriesShas). */
  patchStats: [string, string, string][];
  /**
   * Each file: its source (workspace-relative), its place in the tree (null: checked, not copied), the
   * source's stat key, and (for a file of the tree kept in the store, STORE) that copy's linkKey.
   */
  files: [string, string | null, string, string?][];
  quick?: QuickCheck;
}

export function recordDir(root: string): string {
  return path.join(root, '.pvpatch', 'cache', 'apply-tree');
}

export const RECORD = 'record.json';
/** The hunks' outcomes, apart: only `apply --json` reads them all. */
export const HUNKS = 'hunks.json';
/** The manifest of the recorded tree, copied as its files are, and its place in the tree. */
export const MANIFEST = 'manifest.json';
export const MANIFEST_IN_TREE = '.pvpatch/manifest.json';
/**
 * The store: the recorded tree's files, hard links to those of the tree that apply wrote (in the
 * record's directory, under their places in the tree). A repeated apply links them into its tree
 * rather than copying their sources, when the tree is on the same file system.
 */
export const STORE = 'tree';

/** A relative path as apply writes them: no empty, "." or ".." part, no backslash or NUL. */
export const SAFE = /^(?!.*(?:^|\/)\.{0,2}(?:\/|$))[^\\\0]+$/;

/** The record, when there is a whole one of this format (a cache: anything else is no record). */
export function loadRecord(root: string): TreeRecord | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(path.join(recordDir(root), RECORD), 'utf8'));
  } catch {
    return undefined;
  }
  const r = parsed as Partial<TreeRecord> | null;
  if (!r || r.format !== RECORD_FORMAT || typeof r.key !== 'string' || typeof r.id !== 'string' || typeof r.drop !== 'string' || !Array.isArray(r.files) || !Array.isArray(r.dirs) || typeof r.hunkCount !== 'number' || !Array.isArray(r.notable) || !Array.isArray(r.patchStats)) return undefined;
  for (const p of r.patchStats) if (!Array.isArray(p) || p.length !== 3 || p.some((x) => typeof x !== 'string')) return undefined;
  for (const f of r.files) {
    if (!Array.isArray(f) || typeof f[0] !== 'string' || !SAFE.test(f[0]) || (f[1] !== null && (typeof f[1] !== 'string' || !SAFE.test(f[1]))) || typeof f[2] !== 'string') return undefined;
    if (f.length > 4 || (f.length === 4 && (f[1] === null || typeof f[3] !== 'string'))) return undefined;
  }
  for (const d of r.dirs) if (!Array.isArray(d) || typeof d[0] !== 'string' || (d[0] !== '' && !SAFE.test(d[0])) || typeof d[1] !== 'string') return undefined;
  // A quick check of another shape is none (the inputs are then compared the long way).
  if (r.quick !== undefined && !wellFormedQuick(r.quick)) delete r.quick;
  return r as TreeRecord;
}

function wellFormedQuick(q: Partial<QuickCheck> | null): boolean {
  if (!q || !Array.isArray(q.build) || typeof q.fuzz !== 'number' || typeof q.annotate !== 'boolean' || typeof q.current !== 'string' || !Array.isArray(q.inputs)) return false;
  return q.inputs.length === INPUT_FILES.length && q.inputs.every((e, i) => Array.isArray(e) && e[0] === INPUT_FILES[i] && (e[1] === null || typeof e[1] === 'string'));
}

/** This build, as a record names the one that wrote it: the version and the formats of what apply produces. */
function thisBuild(): QuickCheck['build'] {
  return [VERSION, RECORD_FORMAT, APPLY_CACHE_FORMAT];
}

/** The quick check of a record this build writes now, for an apply with these options and inputs. */
export function quickCheckOf(check: Omit<QuickCheck, 'build'>): QuickCheck {
  return { build: thisBuild(), ...check };
}

/** The lstat key of `file` (statKey joined by ","); null when there is nothing there. */
export function lstatKey(file: string): string | null {
  const st = fs.lstatSync(file, { bigint: true, throwIfNoEntry: false });
  return st ? statKey(st).join() : null;
}

/**
 * The stat keys of the input files (INPUT_FILES) as they are now, before apply reads them;
 * undefined when one is not a regular file (a symlink's lstat says nothing of what it points to)
 * or was changed too recently to be told from a change made after it is read.
 */
export function inputStats(root: string): QuickCheck['inputs'] | undefined {
  const now = nowNs();
  const out: QuickCheck['inputs'] = [];
  for (const rel of INPUT_FILES) {
    const st = fs.lstatSync(path.join(root, rel), { bigint: true, throwIfNoEntry: false });
    if (st && (!st.isFile() || isRacy(st, now))) return undefined;
    out.push([rel, st ? statKey(st).join() : null]);
  }
  return out;
}

/** The lstat of the directory `rel` of `dir` ('' = `dir` itself), when it is one (never a symlink). */
export function dirStat(dir: string, rel: string): fs.BigIntStats | undefined {
  const st = fs.lstatSync(rel === '' ? dir : `${dir}/${rel}`, { bigint: true, throwIfNoEntry: false });
  return st?.isDirectory() ? st : undefined;
}

/** Are the recorded directories of `dir` as they were? */
export function dirsUnchanged(dir: string, dirs: readonly [string, string][]): boolean {
  return dirs.every(([rel, key]) => {
    const st = dirStat(dir, rel);
    return st !== undefined && statKey(st).join() === key;
  });
}

/**
 * May an apply with these options copy the tree of `rec` without reading the workspace? When the
 * record was written by this build with the same options, for the drop asked for (none: the one
 * that was current), and every input file, every patch of the series and every drop directory has
 * the lstat it had then. Its sources are checked as they are copied, as for any use of the record.
 */
export function quickCheckHolds(root: string, rec: TreeRecord, opts: { drop?: string; fuzz: number; annotate: boolean }): boolean {
  const q = rec.quick;
  if (!q || q.build.join() !== thisBuild().join() || q.fuzz !== opts.fuzz || q.annotate !== opts.annotate || (opts.drop ?? q.current) !== rec.drop) return false;
  if (rec.patchStats.length !== rec.patches) return false;
  for (const [rel, key] of q.inputs) if (lstatKey(path.join(root, rel)) !== key) return false;
  for (const [name, , key] of rec.patchStats) if (!SAFE.test(name) || lstatKey(path.join(root, 'patches', name)) !== key) return false;
  return dirsUnchanged(path.join(root, 'upstream', rec.drop), rec.dirs);
}

/** Every hunk's outcome, from the file saved with the record `rec` (undefined when it is not that record's). */
export function loadHunks(root: string, rec: TreeRecord): HunkOutcome[] | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(path.join(recordDir(root), HUNKS), 'utf8')) as { id?: unknown; hunks?: unknown };
    return parsed.id === rec.id && Array.isArray(parsed.hunks) && parsed.hunks.length === rec.hunkCount ? (parsed.hunks as HunkOutcome[]) : undefined;
  } catch {
    return undefined;
  }
}

/** The recorded patches' sha256 and stat key, by name. */
export function patchStatsOf(rec: TreeRecord): Map<string, readonly [string, string]> {
  return new Map(rec.patchStats.map(([name, sha, stat]) => [name, [sha, stat] as const]));
}

/** A file of the recorded tree kept in the store: its source and that source's stat key when recorded, the store's copy and its linkKey. */
export interface StoredFile {
  src: string;
  srcStat: string;
  path: string;
  key: string;
}

/** The files of the store of the record `rec`, by their place in the tree (none: no store). */
export function storedFiles(root: string, rec: TreeRecord): Map<string, StoredFile> {
  const out = new Map<string, StoredFile>();
  const store = `${recordDir(root)}/${STORE}`;
  for (const [src, dst, srcStat, key] of rec.files) if (dst !== null && key !== undefined) out.set(dst, { src, srcStat, path: `${store}/${dst}`, key });
  return out;
}

/**
 * The record's files as copy jobs (sources made absolute under `root`; those in the store linked
 * from there, and then their source checked only if it is not pvpatch's own, in .pvpatch/).
 */
export function recordJobs(root: string, rec: TreeRecord): TrustedJob[] {
  const store = `${recordDir(root)}/${STORE}`;
  // A loop, not spreads: thousands of jobs on every repeated apply.
  const jobs: TrustedJob[] = [];
  for (const [src, dst, stat, link] of rec.files) {
    const job: TrustedJob = { src: `${root}/${src}`, dst, stat };
    if (link !== undefined && dst !== null) {
      job.linked = [`${store}/${dst}`, link];
      if (src.startsWith('.pvpatch/')) job.derived = true;
    }
    jobs.push(job);
  }
  return jobs;
}

/** The directories files at these places of a tree go in (relative; parents before children). */
export function placeDirs(places: Iterable<string | null>): string[] {
  const dirs = new Set<string>();
  for (const p of places) {
    if (p === null) continue;
    const at = p.lastIndexOf('/');
    if (at > 0) dirs.add(p.slice(0, at));
  }
  return [...dirs].sort();
}

/**
 * The first entry under `root` that is not a file at one of `places` (a regular file) or one of
 * their directories (a directory: not a symlink to one); undefined when there is none.
 */
export function unexpectedEntry(root: string, places: readonly (string | null)[]): string | undefined {
  // Every directory of the tree, its parents too ('' = its top).
  const dirs = [...new Set(['', ...placeDirs(places).flatMap((d) => d.split('/').map((_, k, parts) => parts.slice(0, k + 1).join('/')))])];
  // Per directory: its entries' names, each true for a directory.
  const expected = new Map<string, Map<string, boolean>>(dirs.map((d) => [d, new Map()]));
  const add = (rel: string, isDir: boolean): void => {
    const at = rel.lastIndexOf('/');
    expected.get(at < 0 ? '' : rel.slice(0, at))?.set(at < 0 ? rel : rel.slice(at + 1), isDir);
  };
  for (const d of dirs) if (d !== '') add(d, true);
  for (const p of places) if (p !== null) add(p, false);
  for (const [dir, names] of expected) {
    let found: fs.Dirent[];
    try {
      found = fs.readdirSync(dir === '' ? root : `${root}/${dir}`, { withFileTypes: true });
    } catch {
      return dir;
    }
    for (const e of found) {
      const isDir = names.get(e.name);
      if (isDir === undefined || (isDir ? !e.isDirectory() : !e.isFile())) return dir === '' ? e.name : `${dir}/${e.name}`;
    }
  }
  return undefined;
}

/** The directories the jobs' files go in (relative; parents before children). */
export function jobDirs(jobs: readonly TrustedJob[]): string[] {
  return placeDirs(jobs.map((j) => j.dst));
}

/** Make the directories the jobs' files go in, under `root`. */
export function makeJobDirs(root: string, jobs: readonly TrustedJob[]): void {
  for (const d of jobDirs(jobs)) fs.mkdirSync(`${root}/${d}`, { recursive: true });
}

