// The embedded sample through the real pvpatch CLI: apply + build on every kernel, the unpatched
// drop failing on the old ones, and the 1.0 → 1.1 rebase showing every kind, then building again.
import { describe, expect, it, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { copySampleWorkspace, pvpatch, readTree, tempDir } from '../helpers/cli.js';

interface BuildJson {
  ok: boolean;
  kernels: { kernel: string; ok: boolean; firstErrors: string[] }[];
}

describe('the embedded sample with pvpatch', () => {
  let ws: string;
  beforeAll(async () => {
    ws = await copySampleWorkspace();
  });

  it('applies the series and builds for every kernel of kernels.json', () => {
    const r = pvpatch(['apply', '--build', '--json'], { cwd: ws });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { patches: number; regions: number; build: BuildJson };
    expect(report.patches).toBeGreaterThanOrEqual(12);
    expect(report.build.kernels.map((k) => [k.kernel, k.ok])).toEqual([
      ['sles9', true], ['rhel4', true], ['sles10', true], ['rhel5', true], ['upstream', true],
    ]);
  });

  it('emits the same tree as GNU patch, annotations aside, and a manifest with the kernels per branch', async () => {
    expect(pvpatch(['apply', '--out', 'plain', '--no-annotate'], { cwd: ws }).code).toBe(0);
    const gnu = await tempDir();
    await fsp.cp(path.join(ws, 'upstream', '1.0'), gnu, { recursive: true });
    for (const name of (await fsp.readFile(path.join(ws, 'patches', 'series'), 'utf8')).split('\n').filter(Boolean)) {
      execFileSync('patch', ['-p1', '-s', '-i', path.join(ws, 'patches', name)], { cwd: gnu });
    }
    expect(await readTree(path.join(ws, 'plain'), ['.pvpatch'])).toEqual(await readTree(gnu));
    const manifest = JSON.parse(await fsp.readFile(path.join(ws, 'out', '.pvpatch', 'manifest.json'), 'utf8')) as {
      regions: { patch: string; file: string; condition: string; branches: { kernels: string[] }[] }[];
    };
    const noop = manifest.regions.find((r) => r.patch === 'blkfront/elevator-noop');
    expect(noop?.condition).toBe('LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)');
    expect(noop?.branches.map((b) => b.kernels)).toEqual([['sles9', 'rhel4'], ['sles10', 'rhel5', 'upstream']]);
    const annotated = await fsp.readFile(path.join(ws, 'out', noop?.file as string), 'utf8');
    expect(annotated).toContain('#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10) /* pvpatch: blkfront/elevator-noop */');
  });

  it('without the patches the drop fails on every old kernel and builds on upstream', async () => {
    const bare = await copySampleWorkspace();
    await fsp.writeFile(path.join(bare, 'patches', 'series'), '');
    const r = pvpatch(['apply', '--build', '--json'], { cwd: bare });
    expect(r.code).toBe(1);
    const build = (JSON.parse(r.stdout) as { build: BuildJson }).build;
    expect(build.kernels.map((k) => [k.kernel, k.ok])).toEqual([
      ['sles9', false], ['rhel4', false], ['sles10', false], ['rhel5', false], ['upstream', true],
    ]);
    expect(build.kernels[0]?.firstErrors.join('\n')).toMatch(/error/);
  });

  it('rebases 1.0 → 1.1 showing offset, fuzz, merge, conflict, stale and already-upstream, then builds everywhere', async () => {
    const rb = await copySampleWorkspace();
    const r = pvpatch(['rebase', '--onto', '1.1', '--json', '--no-review'], { cwd: rb });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { openConflicts: number; patches: { patch: string; status: string; kinds: string[]; items: { id: string; kind: string }[] }[] };
    const kinds = new Set(report.patches.flatMap((p) => [p.status, ...p.kinds]));
    for (const k of ['clean', 'offset', 'fuzz', 'merged', 'conflict', 'stale', 'already-upstream']) expect(kinds, k).toContain(k);
    const status = (p: string): string | undefined => report.patches.find((x) => x.patch === p)?.status;
    expect(status('netfront/checksum-hw.patch')).toBe('already-upstream');
    expect(status('netfront/setup-timer.patch')).toBe('offset');
    expect(status('common/bool-type.patch')).toBe('conflict');
    // Branch-aware: upstream renamed the field on the lines init-work's guard wraps; it merges, flagged stale.
    expect(status('blkfront/init-work.patch')).toBe('stale');
    expect(report.openConflicts).toBe(1);
    // Decide: keep both on each conflict (compat code, then upstream's new comment) and review every
    // stale guard. Settling one conflict can surface the next (kzalloc inserts at the same place as
    // bool-type), as in git rebase: continue until nothing is open.
    let items = report.patches.flatMap((p) => p.items);
    let c = { code: 1, stdout: '', stderr: '' };
    for (let round = 0; round < 5 && c.code !== 0; round++) {
      const full = (JSON.parse(pvpatch(['review', '--json'], { cwd: rb }).stdout) as { items: { id: string; patch: string; ours: string[] }[] }).items;
      for (const item of items) {
        let args = item.kind === 'conflict' ? ['resolve', item.id, '--take', 'both'] : ['resolve', item.id, '--reviewed'];
        const ours = full.find((f) => f.id === item.id);
        if (item.kind === 'stale' && ours?.patch === 'blkfront/init-work.patch') {
          // 1.1 renamed info->work to info->restart_work: the compat branch must follow (the build proves it).
          const fixed = ours.ours.map((l) => l.replace(/info->work\b/g, 'info->restart_work').replace('struct blkfront_info, work)', 'struct blkfront_info, restart_work)'));
          const file = path.join(rb, `${item.id}.c`);
          await fsp.writeFile(file, fixed.join('\n') + '\n');
          args = ['resolve', item.id, '--file', file];
        }
        const res = pvpatch(args, { cwd: rb });
        expect(res.code, res.stderr).toBe(0);
      }
      c = pvpatch(['rebase', '--continue', '--json', '--no-review'], { cwd: rb });
      if (c.code !== 0) {
        const next = JSON.parse(c.stdout) as typeof report;
        items = next.patches.flatMap((p) => p.items).filter((i) => i.kind === 'conflict');
        expect(items.length).toBeGreaterThan(0);
      }
    }
    expect(c.code, c.stderr).toBe(0);
    const done = JSON.parse(c.stdout) as { completed: boolean; dropped: string[] };
    expect(done.completed).toBe(true);
    expect(done.dropped).toEqual(['netfront/checksum-hw.patch']);
    expect(await fsp.readFile(path.join(rb, 'patches', '.dropped', 'netfront', 'checksum-hw.patch'), 'utf8')).toContain('Subject: [PATCH] netfront:');
    const series = (await fsp.readFile(path.join(rb, 'patches', 'series'), 'utf8')).split('\n').filter(Boolean);
    expect(series).not.toContain('netfront/checksum-hw.patch');
    for (const name of series) expect(await fsp.readFile(path.join(rb, 'patches', name), 'utf8'), name).toMatch(/\nPvpatch-Base: 1\.1 /);
    const b = pvpatch(['apply', '--build', '--json'], { cwd: rb });
    expect(b.code, b.stderr + b.stdout).toBe(0);
    expect((JSON.parse(b.stdout) as { drop: string; build: BuildJson }).build.ok).toBe(true);
    const session = await fsp.readFile(path.join(rb, '.pvpatch', 'reports', 'rebase-1.0-1.1.md'), 'utf8');
    expect(session).toMatch(/^# pvpatch rebase: 1\.0 → 1\.1\n/);
    expect(session).toContain('| netfront/checksum-hw.patch | dropped: already contained upstream |');
    expect(session).toMatch(/c-[0-9a-f]{8}\*\* conflict in `include\/xen\/xenbus\.h` at line \d+: resolved/);
    expect(session).toContain('## Suggested commit message');
    const xenbus = await fsp.readFile(path.join(rb, 'out', 'include', 'xen', 'xenbus.h'), 'utf8');
    expect(xenbus).toContain('/* The states of the XenStore "state" node that front and back end share. */');
  });
});
