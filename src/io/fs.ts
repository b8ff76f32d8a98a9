// Filesystem access for the shell: UTF-8-checked reads, atomic writes, safe paths inside a tree.
import fs, { promises as fsp, constants as fsc } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { InputError, IoError } from '../core/errors.js';
import { journalling, record, recordMkdir, siblingName, TEMP_RE } from './undo.js';
import { isLiveTemp } from './live-temps.js';
import { relInside } from './paths.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

function describeErrno(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e && e.code === 'ENOENT') return 'no such file or directory';
  if (e && e.code === 'EACCES') return 'permission denied';
  if (e && e.code === 'EISDIR') return 'is a directory';
  return e && e.message ? e.message : String(err);
}

/** Decode bytes as UTF-8; a non-UTF-8 file is an InputError naming the file and the line of the first bad byte. */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    // Find the first invalid sequence to report its line.
    let line = 1;
    let i = 0;
    while (i < bytes.length) {
      const b = bytes[i] as number;
      let n = 0;
      if (b < 0x80) n = 1;
      else if (b >= 0xc2 && b <= 0xdf) n = 2;
      else if (b >= 0xe0 && b <= 0xef) n = 3;
      else if (b >= 0xf0 && b <= 0xf4) n = 4;
      let ok = n > 0 && i + n <= bytes.length;
      for (let k = 1; ok && k < n; k++) ok = ((bytes[i + k] as number) & 0xc0) === 0x80;
      if (ok && n > 1) {
        try { utf8.decode(bytes.subarray(i, i + n)); } catch { ok = false; }
      }
      if (!ok) break;
      if (b === 10) line++;
      i += n;
    }
    throw new InputError(`not valid UTF-8 (byte 0x${(bytes[i] ?? 0).toString(16).padStart(2, '0')} at offset ${i}); pvpatch only handles UTF-8 text`, { file, line });
  }
}

/** Read a UTF-8 text file; missing → IoError naming it. `display` is the path shown in messages. */
export function readTextSync(file: string, display = file): string {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    throw new IoError(`cannot read: ${describeErrno(err)}`, { file: display }, err);
  }
  return decodeUtf8(bytes, display);
}

/** readTextSync for callers that await it. */
export async function readText(file: string, display = file): Promise<string> {
  return readTextSync(file, display);
}

/** Read a text file, or undefined when it does not exist. */
export async function readTextIfExists(file: string, display = file): Promise<string | undefined> {
  try {
    await fsp.access(file, fsc.F_OK);
  } catch {
    return undefined;
  }
  return readText(file, display);
}

export async function exists(p: string): Promise<boolean> {
  try {
    await fsp.lstat(p);
    return true;
  } catch {
    return false;
  }
}

/** The largest patch or source file pvpatch reads (it holds files in memory; this bounds it). */
export const MAX_TEXT_BYTES = 16 * 1024 * 1024;

/** Refuse a file over MAX_TEXT_BYTES before reading it, naming it. */
export function assertTextSize(size: number, display: string, what = 'the file'): void {
  if (size > MAX_TEXT_BYTES) {
    throw new InputError(`${what} is ${(size / 1048576).toFixed(1)} MiB: pvpatch reads at most ${MAX_TEXT_BYTES / 1048576} MiB per file`, { file: display });
  }
}

/** mkdir -p under the journal; the first directory it created, if any. */
async function mkdirRecorded(dir: string): Promise<string | undefined> {
  await recordMkdir(dir);
  return fsp.mkdir(dir, { recursive: true });
}

/** Create `file` (never over an existing one), write `data` and fsync it before closing. */
export async function createSynced(file: string, data: string | Uint8Array): Promise<void> {
  const fh = await fsp.open(file, 'wx', 0o644);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Write a file atomically: temp file in the same directory, fsync, rename over the target,
 * then fsync the directory. A crash leaves either the old or the new content, never a mix.
 * Under the workspace lock the previous content is kept until the command ends (src/io/undo.ts).
 */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  await mkdirRecorded(path.dirname(target));
  const tmp = siblingName(target, 'tmp');
  await createSynced(tmp, data);
  if (journalling(target)) {
    const st = await fsp.lstat(target).catch(() => undefined);
    if (!st) await record(target, null);
    else {
      const old = siblingName(target, 'old');
      // A copy, not a hard link: a later in-place write to the target must not change it.
      await fsp.copyFile(target, old);
      // Recorded before: this old copy is not needed.
      if (!(await record(target, old))) await fsp.rm(old, { force: true });
    }
  }
  try {
    await fsp.rename(tmp, target);
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw new IoError(`cannot write: ${describeErrno(err)}`, { file: target }, err);
  }
  await syncDir(path.dirname(target));
}

export async function syncDir(dir: string): Promise<void> {
  try {
    const dh = await fsp.open(dir, 'r');
    try { await dh.sync(); } finally { await dh.close(); }
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic.
  }
}

/** The last root found clean (absolute, normalized, not "/"): resolveInside is called with one root many times. */
let cleanRoot = '';

function isCleanRoot(root: string): boolean {
  if (root === cleanRoot) return true;
  const clean = path.isAbsolute(root) && root.length > 1 && !root.endsWith('/') && path.normalize(root) === root;
  if (clean) cleanRoot = root;
  return clean;
}

/**
 * Resolve a tree-relative path (from a patch, a tarball, a drop) inside `root`, refusing
 * absolute paths, `..` components, NUL bytes and backslashes — the path-traversal classes of
 * GNU patch CVE-2010-4651 / CVE-2019-13636.
 */
export function resolveInside(root: string, rel: string, where?: { file: string; line?: number }): string {
  const bad = (why: string): never => {
    throw new InputError(`refusing path "${rel}": ${why}`, where);
  };
  if (rel === '' ) bad('empty path');
  if (rel.includes('\0')) bad('contains a NUL byte');
  if (rel.includes('\\')) bad('contains a backslash');
  if (path.isAbsolute(rel) || rel.startsWith('/')) bad('absolute path');
  const parts = rel.split('/');
  if (parts.some((p) => p === '..')) bad('leaves the tree (..)');
  // The common case, thousands of times per apply: a clean path under a clean absolute root is
  // what path.resolve would make of it (and inside the root), without normalizing it again.
  if (parts.every((p) => p !== '' && p !== '.') && isCleanRoot(root)) return `${root}/${rel}`;
  const full = path.resolve(root, rel);
  const relBack = path.relative(root, full);
  // Only a ".." part leaves it: a name such as "..." or "..config" does not.
  if (!relInside(relBack)) bad('leaves the tree');
  return full;
}

/**
 * Fail when any existing component of `rel` under `root` is a symlink: pvpatch never follows
 * a symlink out of (or within) a tree it reads or writes (GNU patch CVE-2015-1196 class).
 */
export async function assertNoSymlinks(root: string, rel: string, display: string): Promise<void> {
  const parts = rel.split('/');
  let cur = root;
  for (const part of parts) {
    cur = path.join(cur, part);
    let st;
    try {
      st = await fsp.lstat(cur);
    } catch {
      return; // does not exist yet: nothing to follow
    }
    if (st.isSymbolicLink()) {
      throw new InputError(`refusing to follow the symlink ${path.relative(root, cur)} (in ${display})`, { file: display });
    }
  }
}

/** Read a file of at most MAX_TEXT_BYTES (a bigger one is an InputError naming `display`). */
export async function readBounded(file: string, display: string, what = 'the file'): Promise<Buffer> {
  const st = await fsp.stat(file);
  assertTextSize(st.size, display, what);
  return fsp.readFile(file);
}

/** Every regular file under `dir`, as sorted '/'-separated relative paths; symlinks are an error. */
export async function listTree(dir: string, options: { skip?: (rel: string) => boolean } = {}): Promise<string[]> {
  return listTreeSync(dir, options);
}

/**
 * listTree without the event loop: one readdir per directory, no per-file stat (the entry types
 * come from readdir). The sync calls are several times faster than fs/promises for the thousands of
 * small files of a drop, and a workspace is only ever changed under its lock.
 */
export function listTreeSync(dir: string, options: { skip?: (rel: string) => boolean } = {}): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    const abs = rel ? path.join(dir, rel) : dir;
    for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (options.skip?.(r)) continue;
      if (e.isSymbolicLink()) {
        throw new InputError(`refusing the symlink ${r}: trees handled by pvpatch must not contain symlinks`, { file: path.join(dir, r) });
      }
      if (e.isDirectory()) walk(r);
      else if (e.isFile()) out.push(r);
    }
  };
  walk('');
  return out.sort();
}

/**
 * Read a file of at most MAX_TEXT_BYTES synchronously, never through a symlink (O_NOFOLLOW), the size
 * checked on the open file before anything is read; with the open file's stat (bigint: ns times).
 */
export function readBoundedStatSync(file: string, display: string, what = 'the file'): { bytes: Buffer; stat: fs.BigIntStats } {
  const fd = fs.openSync(file, fsc.O_RDONLY | fsc.O_NOFOLLOW);
  try {
    const stat = fs.fstatSync(fd, { bigint: true });
    const size = Number(stat.size);
    assertTextSize(size, display, what);
    const buf = Buffer.allocUnsafe(size);
    let got = 0;
    while (got < size) {
      const n = fs.readSync(fd, buf, got, size - got, got);
      if (n === 0) break;
      got += n;
    }
    return { bytes: got === size ? buf : buf.subarray(0, got), stat };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Replace directory `target` by a fully written new one: write everything into a temp sibling,
 * then swap (rename old away, rename new in, remove old). Readers see the old or the new tree;
 * a crash between the two renames leaves `.NAME.pvpatch-old-…` without NAME, which
 * `recoverSiblings` renames back. Under the workspace lock the old tree is kept until the command
 * ends, and a command that dies is rolled back as a whole (src/io/undo.ts). The new tree's files
 * are fsynced before the swap (so that a power loss cannot leave empty files where the old tree
 * was), unless `durable: false` (a tree that can be made again, such as apply's out/).
 */
export async function replaceDirAtomic(target: string, fill: (tmpDir: string) => Promise<void>, options: { durable?: boolean; tmp?: string } = {}): Promise<void> {
  const parent = path.dirname(target);
  const made = await mkdirRecorded(parent);
  // options.tmp: the temp sibling (named as siblingName(target, 'new') names it) made by the caller.
  const tmp = options.tmp ?? siblingName(target, 'new');
  if (options.tmp === undefined) await fsp.mkdir(tmp);
  try {
    await fill(tmp);
    if (options.durable !== false) await syncTree(tmp);
  } catch (err) {
    await fsp.rm(tmp, { recursive: true, force: true });
    // A failed fill leaves nothing behind: not the directories made for the target either.
    if (made !== undefined) await fsp.rm(made, { recursive: true, force: true });
    throw err;
  }
  const old = siblingName(target, 'old');
  const had = await fsp.lstat(target).then(() => true, () => false);
  const kept = journalling(target) && (await record(target, had ? old : null)) && had;
  try {
    if (had) await fsp.rename(target, old);
  } catch (err) {
    await fsp.rm(tmp, { recursive: true, force: true });
    throw new IoError(`cannot replace: ${describeErrno(err)}`, { file: target }, err);
  }
  await fsp.rename(tmp, target);
  // A tree that is not made durable (it can be made again) gains nothing from a durable rename.
  if (options.durable !== false) await syncDir(parent);
  if (had && !kept) await fsp.rm(old, { recursive: true, force: true });
}

/** fsync every file and directory under `dir` (files in parallel batches: the journal groups them). */
async function syncTree(dir: string): Promise<void> {
  const dirs = [dir];
  const files: string[] = [];
  for (let i = 0; i < dirs.length; i++) {
    for (const e of await fsp.readdir(dirs[i] as string, { withFileTypes: true })) {
      const p = path.join(dirs[i] as string, e.name);
      if (e.isDirectory()) dirs.push(p);
      else if (e.isFile()) files.push(p);
    }
  }
  const syncFile = async (p: string): Promise<void> => {
    const fh = await fsp.open(p, 'r');
    try { await fh.sync(); } finally { await fh.close(); }
  };
  for (let i = 0; i < files.length; i += 64) await Promise.all(files.slice(i, i + 64).map(syncFile));
  for (const d of dirs.reverse()) await syncDir(d);
}

/** Remove a file or tree; under the workspace lock it is renamed away and removed when the command ends. */
export async function removeTree(target: string): Promise<void> {
  const had = await fsp.lstat(target).then(() => true, () => false);
  if (!had) return;
  if (journalling(target)) {
    const del = siblingName(target, 'del');
    if (await record(target, del)) {
      await fsp.rename(target, del);
      await syncDir(path.dirname(target));
      return;
    }
  }
  await fsp.rm(target, { recursive: true, force: true });
}

/** Is `pid` another process that is still running? (Never this one.) */
export function pidAlive(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The entry `n` of `dir` when it is a temp sibling (`.NAME.pvpatch-KIND-PID-HEX`) that recovery acts
 * on: not one of a live process, nor one this process still uses (live-temps.ts). Its NAME and KIND.
 */
export function leftoverTemp(dir: string, n: string): { name: string; kind: string } | undefined {
  const m = TEMP_RE.exec(n);
  if (!m) return undefined;
  const [, name, kind, pid] = m as unknown as [string, string, string, string];
  return pidAlive(Number(pid)) || isLiveTemp(path.join(dir, n)) ? undefined : { name, kind };
}

/**
 * Finish or undo interrupted atomic writes in `dir` (temp siblings `.NAME.pvpatch-KIND-PID-HEX`
 * of processes that are gone; `only` limits it to one NAME): temp files and unfinished new trees
 * are removed; an old tree whose NAME is missing was swapped out by a replaceDirAtomic that died
 * between its two renames, and is renamed back; other old copies are removed.
 * Returns what it did, one line each.
 */
export async function recoverSiblings(dir: string, only?: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await fsp.readdir(dir);
  } catch {
    return [];
  }
  const done: string[] = [];
  for (const n of entries.sort()) {
    const left = leftoverTemp(dir, n);
    if (!left || (only !== undefined && left.name !== only)) continue;
    const { name, kind } = left;
    const p = path.join(dir, n);
    if (kind === 'old') {
      const target = path.join(dir, name);
      if (!(await fsp.lstat(target).then(() => true, () => false))) {
        await fsp.rename(p, target);
        done.push(`restored ${target} (a replacement was interrupted)`);
        continue;
      }
    }
    await fsp.rm(p, { recursive: true, force: true });
    done.push(`removed ${p}`);
  }
  return done;
}

/** Remove leftovers of interrupted atomic writes (temp siblings) in `dir`. */
export async function cleanTempSiblings(dir: string): Promise<void> {
  await recoverSiblings(dir);
}

/**
 * Temp dirs under os.tmpdir() for one run: `pvpatch-KIND-PID-XXXXXX`, swept when their process is
 * gone, by a workspace's recovery (before every locked command) and by the next one made.
 */
export async function makeTempDir(kind: string): Promise<string> {
  await sweepTempDirs();
  return fsp.mkdtemp(path.join(os.tmpdir(), `pvpatch-${kind}-${process.pid}-`));
}

/** Remove temp dirs of makeTempDir whose process died (e.g. a killed `upstream import`). */
export async function sweepTempDirs(): Promise<void> {
  for (const p of deadTempDirs()) await fsp.rm(p, { recursive: true, force: true }).catch(() => undefined);
}

/** The temp dirs of dead pvpatch processes under the system temp dir (what sweepTempDirs removes). */
export function deadTempDirs(): string[] {
  const dir = os.tmpdir();
  let names: string[] = [];
  try {
    names = fs.readdirSync(dir);
  } catch {
    // No temp dir to sweep.
  }
  return names.flatMap((n) => {
    const m = /^pvpatch-[a-z]+-(\d+)-[A-Za-z0-9]{6}$/.exec(n);
    return m && !pidAlive(Number(m[1])) ? [path.join(dir, n)] : [];
  });
}
