// pvpatch check through the real CLI: the sample (no error), the sample with trapped guards in its
// patches, and crafted trees given with --tree.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { CLI, copySampleWorkspace, pvpatch, writeTree } from '../helpers/cli.js';

interface CheckJson {
  ok: boolean;
  source: string;
  kernels: string[];
  files: number;
  conditionals: number;
  guards: number;
  undecided: number;
  counts: { error: number; warning: number; note: number };
  findings: { file: string; line: number; severity: string; kind: string; message: string; patch?: string; kernels?: string[] }[];
  limits: string[];
}

async function editPatch(ws: string, name: string, from: string, to: string): Promise<void> {
  const file = path.join(ws, 'patches', name);
  const text = await fsp.readFile(file, 'utf8');
  expect(text, name).toContain(from);
  await fsp.writeFile(file, text.replace(from, to));
}

describe('pvpatch check', () => {
  it('finds no error on the sample; the one note is true: rhel4 sees exactly what sles9 sees', async () => {
    const ws = await copySampleWorkspace();
    const r = pvpatch(['check'], { cwd: ws });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      'pvpatch: kernels.json:10: note: rhel4 sees exactly the code sles9 sees, in every file: no guard tells them apart, so this row tests no branch the other does not; only the builds differ (kernels/sles9/include kernels/common/include / kernels/rhel4/include kernels/common/include)\n' +
      'check: 5 kernels, 14 files, 45 guards from patches among 54 conditionals (source: drop 1.0 + 21 patches (applied in memory)): 0 errors, 0 warnings, 1 note\n',
    );
    const j = pvpatch(['check', '--json'], { cwd: ws });
    expect(j.code).toBe(0);
    const data = JSON.parse(j.stdout) as CheckJson;
    expect(data).toMatchObject({ ok: true, files: 14, guards: 45, conditionals: 54, undecided: 0, counts: { error: 0, warning: 0, note: 1 }, limits: [] });
    expect(data.findings.map((f) => [f.file, f.line, f.kind, f.kernels])).toEqual([['kernels.json', 10, 'identical-kernels', ['sles9', 'rhel4']]]);
    // The tree apply writes says the same (its manifest names the series; no line origins there).
    expect(pvpatch(['apply'], { cwd: ws }).code).toBe(0);
    const t = JSON.parse(pvpatch(['check', '--tree', 'out', '--json'], { cwd: ws }).stdout) as CheckJson;
    expect(t.findings).toEqual(data.findings);
    expect(t.limits).toEqual(['without line origins (a tree given by --tree), edits of later patches inside earlier guards are not checked']);
  });

  it('reports the traps in the patches with FILE:LINE, severity and patch, and exits 1 on an error', async () => {
    const ws = await copySampleWorkspace();
    await editPatch(ws, 'blkfront/elevator-noop.patch', '+#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)', '+#if LINUX_VERISON_CODE < KERNEL_VERSION(2,6,10)');
    await editPatch(ws, 'common/kzalloc.patch', '+#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,14)', '+#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,14) || UTS_UBUNTU_RELEASE_ABI > 031418');
    await editPatch(ws, 'netfront/setup-timer.patch', '+#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,15)', '+#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,15) || (defined(SLE_VERSION_CODE) && SLE_PRODUCT_CODE >= SLE_PRODUCT(10,1,0))');
    await editPatch(ws, 'netfront/gfp-t.patch', '+#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,14)', '+#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,28)');
    await editPatch(ws, 'xenbus/hotplug.patch', '+#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,16)\n+/* Before', '+#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,4)\n+/* Before');
    const r = pvpatch(['check'], { cwd: ws });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('pvpatch: check found 3 errors\n');
    const lines = r.stdout.split('\n');
    expect(lines).toContain('pvpatch: blkfront/blkfront.c:248: error: LINUX_VERISON_CODE is defined by no kernel of kernels.json: gcc silently reads it as 0 (-Wundef would warn), so every kernel takes the #if branch; did you mean LINUX_VERSION_CODE? [blkfront/elevator-noop]');
    expect(lines).toContain('pvpatch: include/xen/xenbus.h:26: error: 031418 has a leading 0, so it is octal, and 8 and 9 are not octal digits: gcc rejects the line (write it without the leading zero) [common/kzalloc]');
    expect(lines).toContain('pvpatch: netfront/netfront.c:407: error: SLE_PRODUCT(...) is not a function-like macro for sles9, rhel4, sles10, rhel5, upstream: gcc rejects the line there, even on the side of && or || it never evaluates [netfront/setup-timer]');
    expect(lines).toContain('pvpatch: netfront/netfront.c:26: warning: guard is taken by every kernel (sles9, rhel4, sles10, rhel5, upstream): consider unwrapping [netfront/gfp-t]');
    expect(lines).toContain('pvpatch: netfront/netfront.c:26: warning: KERNEL_VERSION(2,6,28) is newer than the newest supported kernel (2.6.27): no supported kernel is on the other side of it [netfront/gfp-t]');
    expect(lines).toContain('pvpatch: xenbus/xenbus_probe.c:31: warning: guard is taken by no kernel: every kernel that reaches it, sles9, rhel4, sles10, rhel5 (the enclosing conditional at line 30 keeps upstream out) skips every branch; dead code, consider removing it [xenbus/hotplug]');
    expect(lines).toContain('pvpatch: netfront/netfront.c:407: warning: guard depends on SLE_PRODUCT_CODE, which no kernel of kernels.json defines: pvpatch cannot tell which branch any kernel takes (declare it in the kernels\' "defines", or as "0" where undefined) [netfront/setup-timer]');
    const data = JSON.parse(pvpatch(['check', '--json'], { cwd: ws }).stdout) as CheckJson;
    expect(data.ok).toBe(false);
    expect(data.counts.error).toBe(3);
    expect(data.findings.filter((f) => f.severity === 'error').map((f) => [f.file, f.line, f.kind, f.patch])).toEqual([
      ['blkfront/blkfront.c', 248, 'misspelled-macro', 'blkfront/elevator-noop'],
      ['include/xen/xenbus.h', 26, 'octal-literal', 'common/kzalloc'],
      ['netfront/netfront.c', 407, 'undefined-function-macro', 'netfront/setup-timer'],
    ]);
    expect(pvpatch(['check', '--json'], { cwd: ws }).code).toBe(1);
  });

  it('checks a crafted tree (--tree): unbalanced files, unknown symbols, duplicate and shared guards', async () => {
    const ws = await copySampleWorkspace();
    const a = (p: string): string => ` /* pvpatch: ${p} */`;
    await writeTree(path.join(ws, 'crafted'), {
      'drv/open.c': 'int a;\n#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,16)\nint b;\n',
      'drv/stray.c': 'int a;\n#endif\n',
      'drv/guards.c': [
        `#ifdef CONFIG_XEN_PV_COMPAT${a('drv/xen')}`, 'int x;', `#endif${a('drv/xen')}`,
        `#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,16)${a('drv/one')}`, 'int y;', `#endif${a('drv/one')}`,
        `#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,16)${a('drv/two')}`, 'int z;', `#elif LINUX_VERSION_CODE < KERNEL_VERSION(2,6,19)${a('drv/three')}`, 'int w;', `#endif${a('drv/two')}`, '',
      ].join('\n'),
    });
    const r = pvpatch(['check', '--tree', 'crafted', '--json'], { cwd: ws });
    expect(r.code).toBe(1);
    const data = JSON.parse(r.stdout) as CheckJson;
    expect(data.findings.filter((f) => f.kind !== 'identical-kernels').map((f) => [f.file, f.line, f.severity, f.kind])).toEqual([
      ['drv/guards.c', 1, 'warning', 'unknown-symbols'],
      ['drv/guards.c', 7, 'warning', 'duplicate-guard'],
      ['drv/guards.c', 9, 'warning', 'overlapping-guards'],
      ['drv/open.c', 2, 'error', 'unbalanced'],
      ['drv/stray.c', 2, 'error', 'unbalanced'],
    ]);
    expect(data.findings[3]?.message).toBe('unterminated #if: the directives are unbalanced, so no kernel\'s compiler accepts the file');
    expect(data.findings[4]?.message).toBe('#endif without #if: the directives are unbalanced, so no kernel\'s compiler accepts the file');
    expect(data.undecided).toBe(1);
    const text = pvpatch(['check', '--tree', 'crafted'], { cwd: ws });
    expect(text.stdout).toMatch(/\n1 conditional pvpatch cannot decide for some kernel \(symbols kernels.json does not define\): not checked for dead or constant branches\n/);
    expect(text.stdout).toMatch(/\nnot checked: 2 unbalanced files: kernels are compared without them\n/);
  });

  // util-linux script(1) gives the CLI a terminal, as a maintainer's shell does.
  it.skipIf(!existsSync('/usr/bin/script'))('shows its steps on a terminal, cleared before the report; none with --json', async () => {
    const ws = await copySampleWorkspace();
    const onTty = (args: string): string => execFileSync('/usr/bin/script', ['-qec', `node ${CLI} check ${args}`, '/dev/null'], { cwd: ws, encoding: 'utf8', input: '' });
    const series = (await fsp.readFile(path.join(ws, 'patches', 'series'), 'utf8')).split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#')).length;
    const kernels = (JSON.parse(await fsp.readFile(path.join(ws, 'kernels.json'), 'utf8')) as { kernels: unknown[] }).kernels.length;
    const shown = onTty('');
    expect(shown).toContain(`\r\x1b[2Kapplying the series in memory (${series} patches)\r\x1b[2Kchecking `);
    expect(shown).toMatch(new RegExp(`checking \\d+ files for ${kernels} kernels\r\u001b\\[2Kpvpatch: `));
    expect(onTty('--json')).not.toContain('\x1b[2K');
  });

  it('warnings alone exit 0; bad usage exits 2; --help lists what it finds', async () => {
    const ws = await copySampleWorkspace();
    await editPatch(ws, 'netfront/gfp-t.patch', '+#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,14)', '+#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,28)');
    const r = pvpatch(['check'], { cwd: ws });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/: 0 errors, 2 warnings, 1 note\n$/);
    expect(pvpatch(['check', '--tree', 'nowhere'], { cwd: ws }).code).toBe(2);
    expect(pvpatch(['check', '--tree', 'out', '--drop', '1.0'], { cwd: ws }).code).toBe(2);
    const h = pvpatch(['check', '--help'], { cwd: ws });
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/octal literals with 8 or 9/);
    expect(h.stdout).toMatch(/--json/);
  });
});
