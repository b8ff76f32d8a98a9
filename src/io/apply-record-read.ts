// Reading the record of the last apply's tree (see apply-record.ts): only node:fs and node:path,
// so that the thread that copies the tree while the CLI starts (apply-prefetch.ts) loads little.
import fs from 'node:fs';
import path from 'node:path';
import type { HunkOutcome } from '../core/apply-series.js';
import type { TrustedJob } from './trusted-copy-core.js';

/** Bumped whenever the record's shape or what it stands for changes. */
export const RECORD_FORMAT = 1;

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
  /** Each file: its source (workspace-relative), its place in the tree (null: checked, not copied), the source's stat key. */
  files: [string, string | null, string][];
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
  }
  for (const d of r.dirs) if (!Array.isArray(d) || typeof d[0] !== 'string' || (d[0] !== '' && !SAFE.test(d[0])) || typeof d[1] !== 'string') return undefined;
  return r as TreeRecord;
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

