/**
 * Test helpers for the patch core: a seeded PRNG, random C-like files and edits, and runners for
 * the reference tools (GNU patch, git apply, GNU diff, git diff) on temp directories.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** mulberry32: small, fast, deterministic. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Rand {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = prng(seed);
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)] as T;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

const TEMPLATES = [
  'static int blkif_fn$(struct blkfront_info *info)',
  'int netfront_op$(void)',
  '{',
  '}',
  '',
  '',
  '\treturn 0;',
  '\treturn err;',
  '\tint err;',
  '\terr = xenbus_switch_state(dev, $);',
  '\tif (err)',
  '\t\tgoto out;',
  '\tspin_lock_irq(&info->io_lock);',
  '\tspin_unlock_irq(&info->io_lock);',
  '#include <linux/mod$.h>',
  '/* comment $ */',
  '\tinfo->ring_ref = $;',
  '\tx$ = y + $;',
  '#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,$)',
  '#endif',
  'out:',
];

/** A C-like line; `$` in templates becomes a small number so lines repeat, but not too often. */
export function randomLine(r: Rand): string {
  return r.pick(TEMPLATES).replace(/\$/g, () => String(r.int(0, 40)));
}

export function randomFile(r: Rand, lines: number): string[] {
  return Array.from({ length: lines }, () => randomLine(r));
}

/** Random edits: replace / insert / delete short runs at separate places. */
export function randomEdit(r: Rand, lines: string[]): string[] {
  const out = [...lines];
  const edits = r.int(1, 4);
  for (let e = 0; e < edits; e++) {
    const at = r.int(0, Math.max(0, out.length - 1));
    const kind = r.int(0, 2);
    const n = r.int(1, 3);
    const fresh = Array.from({ length: n }, () => `\tnew_line_${r.int(0, 9999)}();`);
    if (kind === 0) out.splice(at, n, ...fresh);
    else if (kind === 1) out.splice(at, 0, ...fresh);
    else out.splice(at, n);
  }
  return out;
}

export function joinFile(lines: string[], finalNewline = true, eol = '\n'): string {
  if (lines.length === 0) return '';
  return lines.join(eol) + (finalNewline ? eol : '');
}

export interface ToolRun {
  status: number;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], cwd: string, input?: string): ToolRun {
  const r = spawnSync(cmd, args, { cwd, input, encoding: 'utf8' });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A temp directory that the callback may fill; removed afterwards. */
export function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'pvpatch-patch-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function writeTree(dir: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
}

export function readIfExists(path: string): string | null {
  return existsSync(path) ? readFileSync(path, 'utf8') : null;
}

/** One hunk outcome as GNU patch prints it. */
export interface GnuHunk {
  hunk: number;
  ok: boolean;
  line: number;
  fuzz: number;
  offset: number;
}

const SUCCEEDED = /^Hunk #(\d+) succeeded at (-?\d+)(?: with fuzz (\d+))?(?: \(offset (-?\d+) lines?\))?\.$/;
const FAILED = /^Hunk #(\d+) FAILED at (-?\d+)/;

export interface GnuResult {
  status: number;
  text: string | null;
  hunks: GnuHunk[];
  output: string;
}

/**
 * `patch -p1 -f` (no questions, no reversed-patch guessing, no backups, rejects discarded) in a
 * temp dir holding `path` = `text` (null: absent). Returns the file afterwards and the per-hunk
 * messages (hunks GNU patch does not mention succeeded exactly).
 */
export function gnuPatch(path: string, text: string | null, patch: string): GnuResult {
  return withTempDir((dir) => {
    if (text !== null) writeTree(dir, { [path]: text });
    const r = run('patch', ['-p1', '-f', '--no-backup-if-mismatch', '-r', '-'], dir, patch);
    const hunks: GnuHunk[] = [];
    for (const line of r.stdout.split('\n')) {
      const s = SUCCEEDED.exec(line);
      if (s) hunks.push({ hunk: Number(s[1]), ok: true, line: Number(s[2]), fuzz: Number(s[3] ?? 0), offset: Number(s[4] ?? 0) });
      const f = FAILED.exec(line);
      if (f) hunks.push({ hunk: Number(f[1]), ok: false, line: Number(f[2]), fuzz: 0, offset: 0 });
    }
    return { status: r.status, text: readIfExists(join(dir, path)), hunks, output: r.stdout + r.stderr };
  });
}

/** `git apply -p1` outside a repository; text null when it refused the patch. */
export function gitApply(path: string, text: string | null, patch: string, extra: string[] = []): { status: number; text: string | null; output: string } {
  return withTempDir((dir) => {
    if (text !== null) writeTree(dir, { [path]: text });
    writeTree(dir, { 'the.patch': patch });
    const r = run('git', ['apply', '-p1', ...extra, 'the.patch'], dir);
    return { status: r.status, text: r.status === 0 ? readIfExists(join(dir, path)) : null, output: r.stdout + r.stderr };
  });
}

/** `diff -u` (or other flags) of a/<path> and b/<path>; null side = missing file (-N). */
export function gnuDiff(path: string, oldText: string | null, newText: string | null, flags: string[] = ['-u']): string {
  return withTempDir((dir) => {
    mkdirSync(join(dir, 'a'));
    mkdirSync(join(dir, 'b'));
    if (oldText !== null) writeTree(dir, { [`a/${path}`]: oldText });
    if (newText !== null) writeTree(dir, { [`b/${path}`]: newText });
    const r = run('diff', [...flags, '-N', `a/${path}`, `b/${path}`], dir);
    if (r.status > 1) throw new Error(r.stderr);
    return r.stdout;
  });
}

/** `git diff --no-index` of a/<path> and b/<path>, with a/ b/ prefixes as in a repository. */
export function gitDiff(path: string, oldText: string, newText: string, flags: string[] = []): string {
  return withTempDir((dir) => {
    writeTree(dir, { [`a/${path}`]: oldText, [`b/${path}`]: newText });
    const r = run('git', ['-c', 'core.autocrlf=false', 'diff', '--no-index', '--no-color', ...flags, `a/${path}`, `b/${path}`], dir);
    if (r.status > 1) throw new Error(r.stderr);
    // git --no-index names the files a/a/<path> b/b/<path>; make it look like a repository diff.
    return r.stdout.split(`a/a/${path}`).join(`a/${path}`).split(`b/b/${path}`).join(`b/${path}`);
  });
}

/** Strip GNU diff's timestamps from ---/+++ lines (so patches are stable). */
export function stripTimestamps(patch: string): string {
  return patch.replace(/^(---|\+\+\+) (\S+)\t.*$/gm, '$1 $2');
}
