// The embedded sample workspace checked with independent tools only: GNU patch, quilt and gcc
// (never pvpatch itself), so that pvpatch's own tests can trust the sample as an oracle.
//
//   - patches/series applies to upstream/1.0 exactly (no offset, no fuzz) with `patch -p1`
//     and with `quilt push -a`;
//   - the patched drop compiles with the "cc" recipe for every kernel of kernels.json;
//   - the unpatched drop fails on every old kernel and compiles on `upstream`;
//   - the RHEL 5.4 backport really needs its distro clause;
//   - drop 1.1 compiles on `upstream`;
//   - replaying the series onto drop 1.1 with GNU patch and git merge-file shows, patch by patch,
//     what test/fixtures/sample-rebase.json says (offset, fuzz, merge, conflict, stale,
//     already-upstream, moved, clean), and the rebased tree compiles for every kernel.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import { cp, mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ws = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface SampleKernel {
  name: string;
  version: string;
  defines?: Record<string, string>;
  build: { kind: string; include: string[]; cflags?: string[] };
}
interface SampleConfig {
  macros?: Record<string, string>;
  kernels: SampleKernel[];
}

const OLD_KERNELS = ['sles9', 'rhel4', 'sles10', 'rhel5'];

function have(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
}
const hasGcc = have('gcc', ['--version']);
const hasPatch = have('patch', ['--version']);
const hasQuilt = have('quilt', ['--version']);
const hasGit = have('git', ['--version']);

function versionCode(version: string): number {
  const [a = 0, b = 0, c = 0] = version.split('.').map(Number);
  return a * 65536 + b * 256 + c;
}

/** gcc arguments of the "cc" recipe for one file, exactly as pvpatch's build runs them. */
function ccArgs(config: SampleConfig, kernel: SampleKernel, tree: string, file: string): string[] {
  const args = ['-fsyntax-only', '-std=gnu11', '-Wall', '-Werror', '-nostdinc', `-I${dirname(file)}`, `-I${join(tree, 'include')}`];
  for (const dir of kernel.build.include) args.push(`-I${join(ws, dir)}`);
  args.push(`-DLINUX_VERSION_CODE=${versionCode(kernel.version)}`, '-DKERNEL_VERSION(a,b,c)=(((a) << 16) + ((b) << 8) + (c))');
  for (const [name, body] of Object.entries(config.macros ?? {})) args.push(`-D${name}=${body}`);
  for (const [name, value] of Object.entries(kernel.defines ?? {})) args.push(`-D${name}=${value}`);
  args.push(...(kernel.build.cflags ?? []), file);
  return args;
}

async function cFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.c'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

interface CompileFailure {
  file: string;
  stderr: string;
}

function gcc(args: string[]): Promise<{ ok: boolean; stderr: string }> {
  return new Promise((resolve) => {
    execFile('gcc', args, { encoding: 'utf8' }, (error, _stdout, stderr) => resolve({ ok: error === null, stderr }));
  });
}

/** Compile every .c of the tree for one kernel (four at a time); the files that fail. */
async function compileTree(config: SampleConfig, kernel: SampleKernel, tree: string): Promise<CompileFailure[]> {
  const files = await cFiles(tree);
  const failures: CompileFailure[] = [];
  for (let i = 0; i < files.length; i += 4) {
    const batch = files.slice(i, i + 4);
    const results = await Promise.all(batch.map((f) => gcc(ccArgs(config, kernel, tree, f))));
    results.forEach((r, j) => {
      if (!r.ok) failures.push({ file: relative(tree, batch[j] ?? ''), stderr: r.stderr });
    });
  }
  return failures;
}

function describeFailures(failures: CompileFailure[]): string {
  return failures.map((f) => `${f.file}:\n${f.stderr.split('\n').slice(0, 12).join('\n')}`).join('\n');
}

async function readSeries(): Promise<string[]> {
  const text = await readFile(join(ws, 'patches', 'series'), 'utf8');
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/** Apply the series with GNU patch, exact placement only; returns patch's combined output. */
function applySeries(tree: string, series: string[]): string {
  let out = '';
  for (const p of series) {
    const r = spawnSync('patch', ['-p1', '-F0', '--no-backup-if-mismatch', '-d', tree, '-i', join(ws, 'patches', p)], { encoding: 'utf8' });
    out += r.stdout + r.stderr;
    if (r.status !== 0) throw new Error(`patch -p1 ${p} failed:\n${r.stdout}${r.stderr}`);
  }
  return out;
}

/** One patch of test/fixtures/sample-rebase.json. */
interface RebaseEntry {
  patch: string;
  why: string;
  /** GNU patch's messages for `patch -p1 --dry-run -N` (fuzz 2) on 1.1 + the earlier rebased patches. */
  gnuPatch: string[];
  /** `git merge-file` of (1.0 + series up to this patch, 1.0 + earlier patches, 1.1 + earlier rebased). */
  mergeFile: 'clean' | 'conflict';
}
const REBASE_KINDS = ['offset', 'fuzz', 'merge', 'conflict', 'stale', 'already-upstream', 'moved', 'clean'] as const;
type RebaseKind = (typeof REBASE_KINDS)[number];
type RebaseFixture = Record<RebaseKind, RebaseEntry[]>;

interface Replayed {
  gnuPatch: string[];
  mergeFile: 'clean' | 'conflict';
  reverseApplies: boolean;
  mergeEqualsOnto: boolean;
}

function patchMessages(r: { stdout: string; stderr: string }): string[] {
  return (r.stdout + r.stderr)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('checking file'));
}

/**
 * The one true conflict of the sample (blkfront/init-work) resolved as its maintainer would:
 * keep our side of every conflict block and take 1.1's new field name.
 */
function resolveConflicts(text: string): string {
  return text.replace(/<<<<<<< [^\n]*\n([\s\S]*?)=======\n[\s\S]*?>>>>>>> [^\n]*\n/g, (_m, ours: string) =>
    ours.replace(/info->work\b/g, 'info->restart_work').replace('struct blkfront_info, work)', 'struct blkfront_info, restart_work)'),
  );
}

/**
 * Carry the series from drop 1.0 to drop 1.1 one patch at a time, like a rebase: GNU patch when
 * it applies (fuzz <= 2), else git merge-file's result (conflicts resolved by resolveConflicts),
 * nothing when 1.1 already contains the patch. Returns what each tool said per patch and leaves
 * the rebased tree in `<dir>/onto`.
 */
async function replayOnto11(dir: string, series: string[]): Promise<Map<string, Replayed>> {
  const base = join(dir, 'base');
  const onto = join(dir, 'onto');
  const ours = join(dir, 'ours');
  await cp(join(ws, 'upstream', '1.0'), base, { recursive: true });
  await cp(join(ws, 'upstream', '1.1'), onto, { recursive: true });
  const result = new Map<string, Replayed>();
  for (const p of series) {
    const file = join(ws, 'patches', p);
    const text = await readFile(file, 'utf8');
    const touched = [...text.matchAll(/^\+\+\+ b\/(\S+)/gm)].map((m) => m[1] ?? '');
    await rm(ours, { recursive: true, force: true });
    await cp(base, ours, { recursive: true });
    const own = spawnSync('patch', ['-p1', '-s', '-F0', '-d', ours, '-i', file], { encoding: 'utf8' });
    if (own.status !== 0) throw new Error(`${p} does not apply to 1.0 + its predecessors:\n${own.stdout}${own.stderr}`);

    const forward = spawnSync('patch', ['-p1', '--dry-run', '-N', '-d', onto, '-i', file], { encoding: 'utf8' });
    const reverse = spawnSync('patch', ['-p1', '--dry-run', '-R', '-f', '-F0', '-d', onto, '-i', file], { encoding: 'utf8' });
    let conflicts = false;
    let mergeEqualsOnto = true;
    const merged = new Map<string, string>();
    for (const f of touched) {
      const m = spawnSync('git', ['merge-file', '-p', join(ours, f), join(base, f), join(onto, f)], { encoding: 'utf8' });
      if (m.status === null || m.status < 0) throw new Error(`git merge-file failed on ${f}: ${m.stderr}`);
      if (m.status > 0) conflicts = true;
      merged.set(f, m.stdout);
      if (m.stdout !== (await readFile(join(onto, f), 'utf8'))) mergeEqualsOnto = false;
    }
    result.set(p, {
      gnuPatch: patchMessages(forward),
      mergeFile: conflicts ? 'conflict' : 'clean',
      reverseApplies: reverse.status === 0,
      mergeEqualsOnto,
    });

    if (reverse.status === 0 && forward.status !== 0) {
      // already upstream: nothing to carry
    } else if (forward.status === 0) {
      const r = spawnSync('patch', ['-p1', '-s', '-d', onto, '-i', file], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`${p}: ${r.stdout}${r.stderr}`);
    } else {
      for (const [f, t] of merged) await writeFile(join(onto, f), conflicts ? resolveConflicts(t) : t);
    }
    await rm(base, { recursive: true, force: true });
    await rename(ours, base);
  }
  return result;
}

describe('embedded sample workspace', () => {
  let config: SampleConfig;
  let series: string[];
  let tmp: string;
  let pristine: string;
  let patched: string;
  let patchOutput: string | undefined;

  /** drop 1.0 + series in `patched`, applied once; GNU patch's output. */
  async function ensurePatched(): Promise<string> {
    if (patchOutput === undefined) {
      await cp(join(ws, 'upstream', '1.0'), patched, { recursive: true });
      patchOutput = applySeries(patched, series);
    }
    return patchOutput;
  }

  beforeAll(async () => {
    config = JSON.parse(await readFile(join(ws, 'kernels.json'), 'utf8')) as SampleConfig;
    series = await readSeries();
    tmp = await mkdtemp(join(tmpdir(), 'pvpatch-sample-'));
    pristine = join(tmp, 'pristine');
    patched = join(tmp, 'patched');
    await cp(join(ws, 'upstream', '1.0'), pristine, { recursive: true });
  });

  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('kernels.json has the five sample kernels, all built with the cc recipe', () => {
    expect(config.kernels.map((k) => k.name)).toEqual([...OLD_KERNELS, 'upstream']);
    for (const k of config.kernels) expect(k.build.kind).toBe('cc');
    expect(Object.keys(config.macros ?? {})).toContain('RHEL_RELEASE_VERSION(a,b)');
  });

  it('the series names every patch file, at least 12 across at least 4 subsystems, each with a header', async () => {
    const files = (await readdir(join(ws, 'patches'), { recursive: true })).filter((f) => f.endsWith('.patch')).sort();
    expect([...series].sort()).toEqual(files);
    expect(series.length).toBeGreaterThanOrEqual(12);
    expect(new Set(series.map((p) => p.split('/')[0])).size).toBeGreaterThanOrEqual(4);
    for (const p of series) {
      const text = await readFile(join(ws, 'patches', p), 'utf8');
      expect(text, p).toMatch(/^From: .+\nSubject: \[PATCH\] .+\n\nKernels: .+\nFollows: /);
      expect(text, p).toMatch(/\n---\ndiff --git a\//);
      expect(text, p).not.toContain('pvpatch:');
    }
  });

  it.skipIf(!hasPatch)('GNU patch applies the series to drop 1.0 exactly (no offset, no fuzz)', async () => {
    const out = await ensurePatched();
    expect(out).not.toMatch(/offset|fuzz|FAILED|Reversed/);
  });

  it.skipIf(!hasQuilt)('quilt push -a applies the series', async () => {
    const tree = join(tmp, 'quilt');
    await cp(join(ws, 'upstream', '1.0'), tree, { recursive: true });
    const r = spawnSync('quilt', ['--quiltrc', '-', 'push', '-a', '--fuzz=0'], {
      cwd: tree,
      encoding: 'utf8',
      env: { ...process.env, QUILT_PATCHES: join(ws, 'patches') },
    });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`Now at patch ${series[series.length - 1] ?? ''}`);
  });

  describe.skipIf(!hasGcc || !hasPatch)('the cc recipe', () => {
    beforeAll(async () => {
      await ensurePatched();
    });

    for (const name of [...OLD_KERNELS, 'upstream']) {
      it(`drop 1.0 + series compiles for ${name}`, async () => {
        const kernel = config.kernels.find((k) => k.name === name);
        expect(kernel).toBeDefined();
        const failures = await compileTree(config, kernel as SampleKernel, patched);
        expect(failures, describeFailures(failures)).toEqual([]);
      });
    }

    for (const name of OLD_KERNELS) {
      it(`drop 1.0 without patches fails for ${name}`, async () => {
        const kernel = config.kernels.find((k) => k.name === name) as SampleKernel;
        const failures = await compileTree(config, kernel, pristine);
        expect(failures.length).toBeGreaterThan(0);
      });
    }

    it('drop 1.0 without patches compiles for upstream', async () => {
      const kernel = config.kernels.find((k) => k.name === 'upstream') as SampleKernel;
      const failures = await compileTree(config, kernel, pristine);
      expect(failures, describeFailures(failures)).toEqual([]);
    });

    it('a pure version check breaks RHEL 5.4, which backported bool', async () => {
      const tree = join(tmp, 'no-rhel-clause');
      await cp(patched, tree, { recursive: true });
      const header = join(tree, 'include', 'xen', 'xenbus.h');
      const text = await readFile(header, 'utf8');
      const clause = ' && !(defined(RHEL_RELEASE_CODE) && RHEL_RELEASE_CODE >= RHEL_RELEASE_VERSION(5,4))';
      expect(text).toContain(clause);
      await writeFile(header, text.replace(clause, ''));
      const rhel5 = config.kernels.find((k) => k.name === 'rhel5') as SampleKernel;
      const sles10 = config.kernels.find((k) => k.name === 'sles10') as SampleKernel;
      const broken = await compileTree(config, rhel5, tree);
      expect(broken.length).toBeGreaterThan(0);
      expect(broken[0]?.stderr).toMatch(/redeclaration of enumerator/);
      expect(await compileTree(config, sles10, tree)).toEqual([]);
    });

    it('drop 1.1 compiles for upstream', async () => {
      const kernel = config.kernels.find((k) => k.name === 'upstream') as SampleKernel;
      const tree = join(tmp, 'drop-1.1');
      await cp(join(ws, 'upstream', '1.1'), tree, { recursive: true });
      const failures = await compileTree(config, kernel, tree);
      expect(failures, describeFailures(failures)).toEqual([]);
    });
  });

  describe.skipIf(!hasPatch || !hasGit)('rebase of the series from 1.0 onto 1.1 (GNU patch and git merge-file as oracles)', () => {
    let fixture: RebaseFixture;
    let replayed: Map<string, Replayed>;
    const kindOf = new Map<string, RebaseKind>();

    beforeAll(async () => {
      fixture = JSON.parse(await readFile(join(ws, 'test', 'fixtures', 'sample-rebase.json'), 'utf8')) as RebaseFixture;
      for (const kind of REBASE_KINDS) for (const e of fixture[kind] ?? []) kindOf.set(e.patch, kind);
      replayed = await replayOnto11(join(tmp, 'rebase'), series);
    });

    it('the fixture classifies every patch of the series exactly once, and shows every kind', () => {
      expect(Object.keys(fixture).sort()).toEqual([...REBASE_KINDS].sort());
      for (const kind of REBASE_KINDS) expect(fixture[kind].length, kind).toBeGreaterThan(0);
      const listed = REBASE_KINDS.flatMap((k) => fixture[k].map((e) => e.patch));
      expect([...listed].sort()).toEqual([...series].sort());
      for (const kind of REBASE_KINDS) for (const e of fixture[kind]) expect(e.why.length, e.patch).toBeGreaterThan(20);
    });

    it('GNU patch and git merge-file say what the fixture recorded, patch by patch', () => {
      for (const p of series) {
        const kind = kindOf.get(p) as RebaseKind;
        const entry = fixture[kind].find((e) => e.patch === p) as RebaseEntry;
        const seen = replayed.get(p) as Replayed;
        expect({ patch: p, gnuPatch: seen.gnuPatch, mergeFile: seen.mergeFile }).toEqual({ patch: p, gnuPatch: entry.gnuPatch, mergeFile: entry.mergeFile });
      }
    });

    it('each kind looks like its definition', () => {
      const seen = (p: string): Replayed => replayed.get(p) as Replayed;
      const failed = (r: Replayed): boolean => r.gnuPatch.some((l) => /FAILED/.test(l));
      for (const e of fixture.clean) expect(seen(e.patch).gnuPatch, e.patch).toEqual([]);
      for (const e of fixture.offset) {
        const r = seen(e.patch);
        expect(r.gnuPatch.length, e.patch).toBeGreaterThan(0);
        for (const l of r.gnuPatch) expect(l).toMatch(/^Hunk #\d+ succeeded at \d+ \(offset -?\d+ lines?\)\.$/);
      }
      for (const e of fixture.fuzz) {
        const r = seen(e.patch);
        expect(failed(r), e.patch).toBe(false);
        expect(r.gnuPatch.some((l) => /with fuzz [12]/.test(l)), e.patch).toBe(true);
      }
      for (const e of [...fixture.merge, ...fixture.stale]) {
        const r = seen(e.patch);
        expect(failed(r), e.patch).toBe(true);
        expect(r.mergeFile, e.patch).toBe('clean');
      }
      for (const e of fixture.conflict) {
        expect(failed(seen(e.patch)), e.patch).toBe(true);
        expect(seen(e.patch).mergeFile, e.patch).toBe('conflict');
      }
      for (const e of fixture['already-upstream']) {
        const r = seen(e.patch);
        expect(r.reverseApplies, e.patch).toBe(true);
        expect(r.mergeEqualsOnto, e.patch).toBe(true);
        expect(r.gnuPatch.join('\n')).toMatch(/Reversed \(or previously applied\) patch detected/);
      }
      for (const e of fixture.moved) {
        const r = seen(e.patch);
        expect(failed(r), e.patch).toBe(false);
        const offsets = r.gnuPatch.map((l) => Number(/offset (-?\d+) lines?/.exec(l)?.[1] ?? 0));
        expect(Math.max(...offsets.map(Math.abs)), e.patch).toBeGreaterThanOrEqual(100);
        expect(r.mergeFile, e.patch).toBe('conflict');
      }
    });

    it.skipIf(!hasGcc)('drop 1.1 + the rebased series compiles for every kernel', async () => {
      for (const kernel of config.kernels) {
        const failures = await compileTree(config, kernel, join(tmp, 'rebase', 'onto'));
        expect(failures, `${kernel.name}\n${describeFailures(failures)}`).toEqual([]);
      }
    });
  });
});
