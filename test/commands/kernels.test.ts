// pvpatch kernels list|add|retire through the real CLI, on temp copies of the embedded sample.
import { describe, expect, it } from 'vitest';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { copySampleWorkspace, pvpatch, readTree } from '../helpers/cli.js';

interface RetireJson {
  dryRun: boolean;
  retired: string[];
  remaining: string[];
  drop: string;
  patches: { patch: string; status: string; guards: { file: string; line: number; directive: string; action: string; kept?: string; kernels: string[] }[]; droppedTo?: string }[];
  series: string[];
  dropped: string[];
  undecided: unknown[];
  verified: { files: number; kernels: string[] };
}

async function kernelNames(ws: string): Promise<string[]> {
  return (JSON.parse(await fsp.readFile(path.join(ws, 'kernels.json'), 'utf8')) as { kernels: { name: string }[] }).kernels.map((k) => k.name);
}

describe('pvpatch kernels list', () => {
  it('lists the matrix (the default subcommand), and --json gives every field', async () => {
    const ws = await copySampleWorkspace();
    const r = pvpatch(['kernels'], { cwd: ws });
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^kernel\s+version\s+recipe\s+defines\s+description$/);
    expect(lines[2]).toMatch(/^rhel4\s+2\.6\.9\s+cc kernels\/rhel4\/include kernels\/common\/include\s+RHEL_RELEASE_CODE=RHEL_RELEASE_VERSION\(4,8\)\s+Red Hat Enterprise Linux 4\.8$/);
    expect(lines).toHaveLength(6);
    expect(pvpatch(['kernels', 'list'], { cwd: ws }).stdout).toBe(r.stdout);
    const j = JSON.parse(pvpatch(['kernels', 'list', '--json'], { cwd: ws }).stdout) as { kernels: { name: string; version: string; code: number }[]; macros: { name: string }[] };
    expect(j.kernels.map((k) => [k.name, k.version, k.code])).toEqual([['sles9', '2.6.5', 132613], ['rhel4', '2.6.9', 132617], ['sles10', '2.6.16', 132624], ['rhel5', '2.6.18', 132626], ['upstream', '2.6.27', 132635]]);
    expect(j.macros.map((m) => m.name)).toEqual(['RHEL_RELEASE_VERSION', 'SLE_VERSION']);
  });
});

describe('pvpatch kernels add', () => {
  it('appends a validated entry in the file\'s own layout, and says when it sees what another kernel sees', async () => {
    const ws = await copySampleWorkspace();
    const before = await fsp.readFile(path.join(ws, 'kernels.json'), 'utf8');
    const r = pvpatch(['kernels', 'add', 'sles9sp4', '--version', '2.6.5', '--define', 'SLE_VERSION_CODE=SLE_VERSION(9,4,0)', '--include', 'kernels/sles9/include', 'kernels/common/include', '--description', 'SLES 9 SP4'], { cwd: ws });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      'added sles9sp4 (2.6.5, cc kernels/sles9/include kernels/common/include) to kernels.json: now 6 kernels\n' +
      'note: sles9sp4 sees exactly the code sles9, rhel4 see: no guard tells them apart (yet)\n' +
      '"pvpatch build --kernel sles9sp4" builds out/ for it; "pvpatch check" lints the guards against the new matrix\n',
    );
    const after = await fsp.readFile(path.join(ws, 'kernels.json'), 'utf8');
    const cut = before.lastIndexOf(' }') + 2;
    expect(after.slice(0, cut)).toBe(before.slice(0, cut));
    expect(after.slice(cut)).toBe(',\n    { "name": "sles9sp4", "version": "2.6.5", "description": "SLES 9 SP4",\n      "defines": { "SLE_VERSION_CODE": "SLE_VERSION(9,4,0)" },\n      "build": { "kind": "cc", "include": ["kernels/sles9/include", "kernels/common/include"] } }\n  ]\n}\n');
    expect(pvpatch(['build', '--kernel', 'sles9sp4'], { cwd: ws }).code).toBe(2); // no out/ yet
    expect(pvpatch(['apply', '--build', '--json'], { cwd: ws }).code).toBe(0);
    const j = pvpatch(['kernels', 'add', 'deb12', '--version', '6.1.0', '--headers', 'linux-headers-6.1*', '-D', 'CONFIG_XEN', '--json'], { cwd: ws });
    expect(j.code, j.stderr).toBe(0);
    expect(JSON.parse(j.stdout)).toMatchObject({ added: { name: 'deb12', version: '6.1.0', defines: { CONFIG_XEN: '1' }, build: { kind: 'kbuild', headers: 'linux-headers-6.1*' } }, sameViewAs: ['upstream'] });
    expect(await kernelNames(ws)).toEqual(['sles9', 'rhel4', 'sles10', 'rhel5', 'upstream', 'sles9sp4', 'deb12']);
  });

  it('refuses a duplicate name, a bad version or define, a missing include directory, and leaves kernels.json alone (exit 2)', async () => {
    const ws = await copySampleWorkspace();
    const before = await fsp.readFile(path.join(ws, 'kernels.json'), 'utf8');
    const cases: [string[], RegExp][] = [
      [['kernels', 'add', 'rhel5', '--version', '2.6.18'], /^pvpatch: kernels\.json: kernel "rhel5" is in kernels\.json already\n$/],
      [['kernels', 'add', 'x', '--version', '2.6.x'], /bad kernel version "2\.6\.x"/],
      [['kernels', 'add', 'x', '--version', '2.6.32', '--define', 'BAD-NAME=1'], /^pvpatch: kernels\.json:\d+: kernel x: bad macro name "BAD-NAME" in defines\n$/],
      [['kernels', 'add', 'x', '--version', '2.6.32', '--include', 'kernels/nowhere'], /--include kernels\/nowhere: no such directory in the workspace/],
      [['kernels', 'add', 'x y', '--version', '2.6.32'], /"name" must be a simple name/],
      [['kernels', 'add', 'x', '--version', '2.6.32', '--headers', 'h', '--include', 'kernels'], /give one of them/],
      [['kernels', 'add', 'x'], /--version/],
    ];
    for (const [args, message] of cases) {
      const r = pvpatch(args, { cwd: ws });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
    expect(await fsp.readFile(path.join(ws, 'kernels.json'), 'utf8')).toBe(before);
  });
});

describe('pvpatch kernels retire', () => {
  it('--dry-run shows the plan and writes nothing', async () => {
    const ws = await copySampleWorkspace();
    const before = await readTree(ws);
    const r = pvpatch(['kernels', 'retire', 'sles9', 'rhel4', '--dry-run'], { cwd: ws });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('retire sles9, rhel4: kernels.json keeps sles10, rhel5, upstream (2.6.16 to 2.6.27)');
    expect(lines).toContain('blkfront/elevator-noop.patch: empty: dropped from the series → patches/.dropped/blkfront/elevator-noop.patch');
    expect(lines).toContain('    blkfront/blkfront.c:248: #if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)  unwrapped #else: sles10, rhel5, upstream all take it');
    expect(lines).toContain('    include/xen/xenbus.h:26: #if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,14)  removed: none of sles10, rhel5, upstream takes it');
    expect(lines).toContain('blkfront/kmem-cache-dtor.patch: refreshed (hunk line numbers only)');
    expect(lines).toContain('verified: the new series applies exactly to drop 1.0, and sles10, rhel5, upstream see the same code as before in all 14 C files (blank lines aside)');
    expect(lines).toContain('common/bool-type.patch: description updated (Kernels: line only)');
    expect(lines).toContain('dry run: nothing written (without --dry-run: 13 patches rewritten, 8 dropped, 2 kernels out of kernels.json)');
    expect(await readTree(ws)).toEqual(before);
  });

  it('retires sles9 and rhel4: the guards only they took go, emptied patches move to patches/.dropped/, and the rest builds', async () => {
    const ws = await copySampleWorkspace();
    const oldSeries = (await fsp.readFile(path.join(ws, 'patches', 'series'), 'utf8')).split('\n').filter(Boolean);
    const originals = new Map(await Promise.all(oldSeries.map(async (n) => [n, await fsp.readFile(path.join(ws, 'patches', n), 'utf8')] as const)));
    const r = pvpatch(['kernels', 'retire', 'sles9', 'rhel4', '--json'], { cwd: ws });
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout) as RetireJson;
    expect(plan).toMatchObject({ dryRun: false, retired: ['sles9', 'rhel4'], remaining: ['sles10', 'rhel5', 'upstream'], drop: '1.0', undecided: [], verified: { files: 14, kernels: ['sles10', 'rhel5', 'upstream'] } });
    const status = Object.fromEntries(plan.patches.map((p) => [p.patch, p.status]));
    for (const p of ['blkfront/elevator-noop.patch', 'common/kzalloc.patch', 'netfront/gfp-t.patch', 'netfront/setup-timer.patch', 'xenbus/mutex.patch', 'xenbus/hotplug.patch', 'blkfront/queue-ordered.patch', 'blkfront/end-request-uptodate.patch']) expect(status[p], p).toBe('emptied');
    // Their code stays; only the description's Kernels: line loses sles9 and rhel4.
    for (const p of ['common/bool-type.patch', 'common/irq-handler-regs.patch', 'xenbus/uevent-env.patch', 'blkfront/kmem-cache-t.patch', 'platform-pci/irqf-shared.patch']) expect(status[p], p).toBe('described');
    expect(plan.dropped).toHaveLength(8);

    const series = (await fsp.readFile(path.join(ws, 'patches', 'series'), 'utf8')).split('\n').filter(Boolean);
    expect(series).toEqual(oldSeries.filter((n) => !plan.dropped.includes(n)));
    for (const name of plan.dropped) {
      expect(await fsp.readFile(path.join(ws, 'patches', '.dropped', name), 'utf8'), name).toBe(originals.get(name));
      await expect(fsp.access(path.join(ws, 'patches', name))).rejects.toThrow();
    }
    for (const p of plan.patches.filter((x) => x.status === 'unchanged')) expect(await fsp.readFile(path.join(ws, 'patches', p.patch), 'utf8')).toBe(originals.get(p.patch));
    const noKernels = (t: string): string => t.replace(/^Kernels:.*$/gm, 'Kernels:');
    for (const p of plan.patches.filter((x) => x.status === 'described')) {
      const now = await fsp.readFile(path.join(ws, 'patches', p.patch), 'utf8');
      expect(noKernels(now), p.patch).toBe(noKernels(originals.get(p.patch) ?? ''));
      expect(now, p.patch).not.toBe(originals.get(p.patch));
    }
    // No description still names a retired kernel.
    for (const name of series) {
      const kernelsLines = (await fsp.readFile(path.join(ws, 'patches', name), 'utf8')).match(/^Kernels:.*$/gm) ?? [];
      for (const l of kernelsLines) expect(l, name).not.toMatch(/sles9|rhel4/);
    }
    expect(await fsp.readFile(path.join(ws, 'patches', 'common', 'bool-type.patch'), 'utf8')).toMatch(/^Kernels: sles10 \(2\.6\.16\)$/m);
    // A refreshed patch keeps its header (but for that line) and its hunks; only the @@ line numbers move.
    const dtor = await fsp.readFile(path.join(ws, 'patches', 'blkfront', 'kmem-cache-dtor.patch'), 'utf8');
    expect(noKernels(dtor).replace(/^@@ .*$/gm, '@@')).toBe(noKernels(originals.get('blkfront/kmem-cache-dtor.patch') ?? '').replace(/^@@ .*$/gm, '@@'));
    expect(dtor).not.toBe(originals.get('blkfront/kmem-cache-dtor.patch'));
    expect(await kernelNames(ws)).toEqual(['sles10', 'rhel5', 'upstream']);

    const b = pvpatch(['apply', '--build', '--json'], { cwd: ws });
    expect(b.code, b.stdout + b.stderr).toBe(0);
    const build = JSON.parse(b.stdout) as { hunks: { status: string }[]; build: { ok: boolean; kernels: { kernel: string; ok: boolean }[] } };
    expect(build.build.kernels.map((k) => [k.kernel, k.ok])).toEqual([['sles10', true], ['rhel5', true], ['upstream', true]]);
    expect(build.hunks.every((h) => h.status === 'exact')).toBe(true);
    const blkfront = await fsp.readFile(path.join(ws, 'out', 'blkfront', 'blkfront.c'), 'utf8');
    expect(blkfront).not.toContain('KERNEL_VERSION(2,6,10)');
    expect(blkfront).not.toContain('elevator_noop');
    expect(blkfront).toContain('\televator_init(rq, "noop");\n');
    const out = await readTree(path.join(ws, 'out'), ['.pvpatch']);
    for (const [file, text] of Object.entries(out)) expect(text, file).not.toMatch(/KERNEL_VERSION\(2,6,1[045]\)/);
    // Every remaining kernel sees what it saw before the retirement (blank lines aside).
    const fresh = await copySampleWorkspace();
    expect(pvpatch(['apply'], { cwd: fresh }).code).toBe(0);
    for (const k of ['sles10', 'rhel5', 'upstream']) {
      const was = pvpatch(['view', '--kernel', k, '--tree', 'out', '--json'], { cwd: fresh });
      const now = pvpatch(['view', '--kernel', k, '--tree', 'out', '--json'], { cwd: ws });
      const texts = (s: string): Record<string, string> => Object.fromEntries((JSON.parse(s) as { files: { file: string; text: string }[] }).files.map((f) => [f.file, f.text.split('\n').filter((l) => l.trim() !== '').join('\n')]));
      expect(texts(now.stdout), k).toEqual(texts(was.stdout));
    }
    const check = pvpatch(['check'], { cwd: ws });
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(/: 0 errors, 0 warnings, 0 notes\n$/);
    // Retiring again what is gone is an unknown kernel.
    expect(pvpatch(['kernels', 'retire', 'sles9'], { cwd: ws }).code).toBe(2);
  });

  it('retires one kernel at a time to the same end, and a second drop of a name goes next to the first', async () => {
    const ws = await copySampleWorkspace();
    expect(pvpatch(['kernels', 'retire', 'sles9'], { cwd: ws }).code).toBe(0);
    expect((await fsp.readdir(path.join(ws, 'patches'))).includes('.dropped')).toBe(false);
    const r = pvpatch(['kernels', 'retire', 'rhel4'], { cwd: ws });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^retire rhel4: kernels.json keeps sles10, rhel5, upstream/);
    expect((await fsp.readFile(path.join(ws, 'patches', 'series'), 'utf8')).split('\n').filter(Boolean)).toHaveLength(13);
    // An older bool-type.patch was dropped by hand before: the new one goes next to it.
    await fsp.writeFile(path.join(ws, 'patches', '.dropped', 'common', 'bool-type.patch'), 'an older one\n');
    const s10 = pvpatch(['kernels', 'retire', 'sles10'], { cwd: ws });
    expect(s10.code, s10.stderr).toBe(0);
    expect(s10.stdout).toContain('common/bool-type.patch: empty: dropped from the series → patches/.dropped/common/bool-type.2.patch');
    const dropped = await readTree(path.join(ws, 'patches', '.dropped'));
    expect(Object.keys(dropped).filter((n) => n.startsWith('common/')).sort()).toEqual(['common/bool-type.2.patch', 'common/bool-type.patch', 'common/kzalloc.patch']);
    expect(dropped['common/bool-type.patch']).toBe('an older one\n');
    expect(dropped['common/bool-type.2.patch']).toMatch(/^From: /);
    expect(pvpatch(['apply', '--build'], { cwd: ws }).code).toBe(0);
  });

  it('refuses the last kernel, every kernel and an unknown one (exit 2), and while a rebase is in progress', async () => {
    const ws = await copySampleWorkspace();
    const before = await readTree(ws);
    const unknown = pvpatch(['kernels', 'retire', 'rhel6'], { cwd: ws });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('pvpatch: unknown kernel "rhel6" (kernels.json has: sles9, rhel4, sles10, rhel5, upstream)\n');
    const all = pvpatch(['kernels', 'retire', 'sles9', 'rhel4', 'sles10', 'rhel5', 'upstream'], { cwd: ws });
    expect(all.code).toBe(2);
    expect(all.stderr).toBe('pvpatch: refusing to retire every kernel (sles9, rhel4, sles10, rhel5, upstream): kernels.json must keep at least one\n');
    expect(await readTree(ws)).toEqual(before);
    expect(pvpatch(['kernels', 'retire', 'sles9', 'rhel4', 'sles10', 'rhel5'], { cwd: ws }).code).toBe(0);
    const last = pvpatch(['kernels', 'retire', 'upstream'], { cwd: ws });
    expect(last.code).toBe(2);
    expect(last.stderr).toBe('pvpatch: refusing to retire the last kernel (upstream): kernels.json must keep at least one\n');
    expect(await kernelNames(ws)).toEqual(['upstream']);
    // Only upstream is left: every compat patch is gone, the drop builds as it is.
    expect((await fsp.readFile(path.join(ws, 'patches', 'series'), 'utf8')).trim()).toBe('');
    const rb = await copySampleWorkspace();
    expect(pvpatch(['rebase', '--onto', '1.1', '--no-review'], { cwd: rb }).code).toBe(1);
    const busy = pvpatch(['kernels', 'retire', 'sles9'], { cwd: rb });
    expect(busy.code).toBe(2);
    expect(busy.stderr).toMatch(/a rebase is in progress/);
  });

  it('has --help for each subcommand', () => {
    for (const args of [['kernels', '--help'], ['kernels', 'add', '--help'], ['kernels', 'retire', '--help']]) {
      const r = pvpatch(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout, args.join(' ')).toMatch(/Usage: pvpatch kernels/);
    }
    expect(pvpatch(['kernels', 'retire', '--help']).stdout).toMatch(/--dry-run/);
  });
});
