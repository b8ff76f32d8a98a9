// What apply already verified of a drop, the way git's index remembers file stats: a drop file whose
// lstat (size, mtime, ctime, inode, device, mode) is what it was when its bytes last matched the
// sha256 in drops.json need not be read again to be trusted. Any write to the file, a chmod, a
// rename over it or a re-import changes its ctime or inode, so it is read and hashed again.
//
// The record lives in .pvpatch/cache/ (not committed, machine-local). It is a cache: a missing,
// stale or unreadable record only means that every file is read and hashed, as without it.
import fs from 'node:fs';
import path from 'node:path';

/** [sha256, size, mtimeNs, ctimeNs, ino, dev, mode], numbers as decimal strings. */
export type StatRecord = [string, string, string, string, string, string, string];

export interface VerifiedRecord {
  /** Per drop version, per file. */
  drops: Record<string, Record<string, StatRecord>>;
}

const FILE = path.join('.pvpatch', 'cache', 'verified.json');

/**
 * A file changed less than this long before it was verified is not recorded: a write in the same
 * clock tick as the read could leave its times unchanged (git's "racily clean" entries).
 */
export const RACY_NS = 2_000_000_000n;

export function recordPath(root: string): string {
  return path.join(root, FILE);
}

/** The record, or an empty one when there is none or it does not parse (a cache is never an error). */
export function loadVerified(root: string): VerifiedRecord {
  try {
    const parsed = JSON.parse(fs.readFileSync(recordPath(root), 'utf8')) as unknown;
    if (parsed && typeof parsed === 'object' && 'drops' in parsed && parsed.drops && typeof parsed.drops === 'object') return parsed as VerifiedRecord;
  } catch {
    // Missing or corrupt: start afresh.
  }
  return { drops: {} };
}

/** The stat fields compared, from an lstat/fstat made with `bigint: true`. */
export function statKey(st: fs.BigIntStats): [string, string, string, string, string, string] {
  return [String(st.size), String(st.mtimeNs), String(st.ctimeNs), String(st.ino), String(st.dev), String(st.mode)];
}

/** Is `st` (with the file's recorded sha256 `sha`) what `rec` says was verified? */
export function matches(rec: StatRecord | undefined, sha: string, st: fs.BigIntStats): boolean {
  if (!rec || rec[0] !== sha) return false;
  const k = statKey(st);
  for (let i = 0; i < k.length; i++) if (rec[i + 1] !== k[i]) return false;
  return true;
}

/**
 * The stat fields compared for a file of the record's store of the tree (src/io/apply-record.ts):
 * statKey without the ctime, which every hard link made to the file, or removed, changes. A write
 * to the file, through any of its links, still changes its mtime (and mostly its size).
 */
export function linkKey(st: fs.BigIntStats): [string, string, string, string, string] {
  return [String(st.size), String(st.mtimeNs), String(st.ino), String(st.dev), String(st.mode)];
}

/** The permission bits a file written now gets (0666 less the umask). */
export function writtenMode(): number {
  return 0o666 & ~process.umask();
}

/** Now, in ns since the epoch (as stat times are). */
export function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

/** Was the file of `st` changed less than RACY_NS before `now`: too recently to be trusted by its stat later? */
export function isRacy(st: fs.BigIntStats, now: bigint): boolean {
  return st.ctimeNs > now - RACY_NS || st.mtimeNs > now - RACY_NS;
}

/** A record for a file verified at `now` (ns since the epoch), or undefined while it is racy. */
export function recordOf(sha: string, st: fs.BigIntStats, now: bigint): StatRecord | undefined {
  if (isRacy(st, now)) return undefined;
  return [sha, ...statKey(st)];
}
