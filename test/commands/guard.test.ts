import { describe, expect, it } from 'vitest';
import { promises as fsp } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { copySampleWorkspace, pvpatch, readTree, tempDir, writeTree } from '../helpers/cli.js';

/** The sample workspace with drop 1.0 imported (older checkouts ship upstream/1.0 without drops.json). */
async function sampleWorkspace(): Promise<string> {
  const ws = await copySampleWorkspace();
  try {
    await fsp.access(path.join(ws, 'upstream', 'drops.json'));
  } catch {
    const src = await tempDir('pvpatch-drop-');
    await fsp.rename(path.join(ws, 'upstream', '1.0'), path.join(src, '1.0'));
    const r = pvpatch(['upstream', 'import', path.join(src, '1.0'), '--version', '1.0'], { cwd: ws });
    if (r.code !== 0) throw new Error(r.stderr);
  }
  return ws;
}

const hasGcc = spawnSync('gcc', ['--version'], { stdio: 'ignore' }).status === 0;
const hasGit = spawnSync('git', ['--version'], { stdio: 'ignore' }).status === 0;

/** 1-based line of the first line of `text` equal to `line`. */
function lineOf(text: string, line: string): number {
  const i = text.split('\n').indexOf(line);
  if (i < 0) throw new Error(`no line ${JSON.stringify(line)}`);
  return i + 1;
}

describe('pvpatch guard', () => {
  it.skipIf(!hasGcc)('re-authors a real compat guard of the sample, and the result compiles on every kernel', async () => {
    const ws = await sampleWorkspace();
    // Take the curated elevator guard out: sles9 and rhel4 no longer compile.
    expect(pvpatch(['series', '--drop', 'blkfront/elevator-noop'], { cwd: ws }).code).toBe(0);
    expect(pvpatch(['apply'], { cwd: ws }).code).toBe(0);
    const broken = pvpatch(['build', '--json'], { cwd: ws });
    expect(broken.code).toBe(1);
    expect(JSON.parse(broken.stdout).kernels.filter((k: { ok: boolean }) => !k.ok).map((k: { kernel: string }) => k.kernel)).toEqual(['sles9', 'rhel4']);

    // Author it again: a new patch at the same place, opened for editing, then guard.
    expect(pvpatch(['new', 'blkfront/elevator-by-name', '--after', 'xenbus/hotplug', '--author', 'T <t@example.org>'], { cwd: ws }).code).toBe(0);
    expect(pvpatch(['edit', 'blkfront/elevator-by-name'], { cwd: ws }).code).toBe(0);
    const treeFile = path.join(ws, '.pvpatch/edit/tree/blkfront/blkfront.c');
    const n = lineOf(await fsp.readFile(treeFile, 'utf8'), '\televator_init(rq, "noop");');
    const compat = path.join(await tempDir(), 'compat.c');
    await fsp.writeFile(compat, '\televator_init(rq, &elevator_noop);\n');

    const dry = pvpatch(['guard', `blkfront/blkfront.c:${n}-${n}`, '--below', '2.6.10', '--compat', compat, '--dry-run', '--json'], { cwd: ws });
    expect(dry.stderr).toBe('');
    const plan = JSON.parse(dry.stdout);
    expect(plan).toMatchObject({ patch: 'blkfront/elevator-by-name.patch', condition: 'LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)', dryRun: true });
    expect(plan.branches.map((b: { kernel: string; takes: string }) => `${b.kernel}:${b.takes}`)).toEqual(['sles9:compat', 'rhel4:compat', 'sles10:upstream', 'rhel5:upstream', 'upstream:upstream']);
    expect(await fsp.readFile(path.join(ws, 'patches/blkfront/elevator-by-name.patch'), 'utf8')).not.toContain('diff --git');

    const r = pvpatch(['guard', `blkfront/blkfront.c:${n}-${n}`, '--below', '2.6.10', '--compat', compat], { cwd: ws });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)\n\nkernel    version  takes\nsles9     2.6.5    #if (compat code)\nrhel4     2.6.9    #if (compat code)\nsles10    2.6.16   #else (upstream code)');
    expect(r.stdout).toMatch(/refreshed patches\/blkfront\/elevator-by-name\.patch: 1 file\n {2}M blkfront\/blkfront\.c \(\+4 -0\)\nthe 14 later patches still apply on top/);
    const patch = await fsp.readFile(path.join(ws, 'patches/blkfront/elevator-by-name.patch'), 'utf8');
    expect(patch).toContain('+#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)\n+\televator_init(rq, &elevator_noop);\n+#else\n \televator_init(rq, "noop");\n+#endif\n');
    expect(await fsp.readFile(treeFile, 'utf8')).toContain('#else\n\televator_init(rq, "noop");\n#endif\n');
    expect(pvpatch(['refresh', '--json'], { cwd: ws }).stdout).toMatch(/"changed": false/);

    // The whole series, with the new guard, compiles on every kernel of the sample.
    const built = pvpatch(['apply', '--build', '--json'], { cwd: ws });
    expect(built.stderr).toBe('');
    expect(built.code).toBe(0);
    expect(JSON.parse(built.stdout).build).toMatchObject({ ok: true });
    expect(JSON.parse(built.stdout).build.kernels).toHaveLength(5);
  });

  it('guards without an open edit (materialised for the patch), with a distro backport clause', async () => {
    const ws = await sampleWorkspace();
    const upstream = await fsp.readFile(path.join(ws, 'upstream/1.0/platform-pci/platform-pci.c'), 'utf8');
    const n = lineOf(upstream, 'MODULE_LICENSE("GPL");');
    const before = await readTree(path.join(ws, 'patches'));
    const r = pvpatch(['guard', `platform-pci/platform-pci.c:${n}`, '--below', '2.6.19', '--rhel', '5.4', '--patch', 'platform-pci/device-table', '--compat', '-', '--json'], {
      cwd: ws, input: 'MODULE_LICENSE("GPL v2");\n',
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.condition).toBe('LINUX_VERSION_CODE < KERNEL_VERSION(2,6,19) && !(defined(RHEL_RELEASE_CODE) && RHEL_RELEASE_CODE >= RHEL_RELEASE_VERSION(5,4))');
    expect(Object.fromEntries(out.branches.map((b: { kernel: string; takes: string }) => [b.kernel, b.takes]))).toEqual({ sles9: 'compat', rhel4: 'compat', sles10: 'compat', rhel5: 'upstream', upstream: 'upstream' });
    expect(out).toMatchObject({ written: true, later: { checked: 0 } });
    const after = await readTree(path.join(ws, 'patches'));
    expect(Object.keys(after).filter((k) => after[k] !== before[k])).toEqual(['platform-pci/device-table.patch']);
    const patch = after['platform-pci/device-table.patch'] ?? '';
    expect(patch.startsWith((before['platform-pci/device-table.patch'] ?? '').slice(0, 200))).toBe(true);
    expect(patch).toContain('+MODULE_LICENSE("GPL v2");\n+#else\n MODULE_LICENSE("GPL");\n+#endif');
    await expect(fsp.access(path.join(ws, '.pvpatch/edit/state.json'))).rejects.toThrow();
    if (hasGit) {
      const base = await tempDir();
      await fsp.cp(path.join(ws, 'upstream/1.0'), base, { recursive: true });
      execFileSync('git', ['apply', '--check', '-p1', path.join(ws, 'patches/platform-pci/device-table.patch')], { cwd: base });
    }
  });

  it('takes the compat code from $EDITOR, prefilled with the upstream lines', async () => {
    const ws = await sampleWorkspace();
    pvpatch(['edit', 'netfront/napi'], { cwd: ws });
    const dir = await tempDir();
    const editor = path.join(dir, 'editor.sh');
    // A scripted "editor": keep what it was given (minus our comments) and add a line.
    await writeTree(dir, { 'editor.sh': '#!/bin/sh\ncp "$1" "$1.seen"\nsed -i "s/^/\\/\\/ old: /" "$1"\necho "int compat_added;" >> "$1"\n' });
    await fsp.chmod(editor, 0o755);
    const tree = path.join(ws, '.pvpatch/edit/tree/netfront/netfront.c');
    const n = lineOf(await fsp.readFile(tree, 'utf8'), 'MODULE_LICENSE("GPL");');
    const r = pvpatch(['guard', `netfront/netfront.c:${n}`, '--below', '2.6.12', '--yes'], { cwd: ws, env: { EDITOR: editor, VISUAL: '' } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const text = await fsp.readFile(tree, 'utf8');
    expect(text).toContain('#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,12)\n// old: //pvpatch: Write the code');
    expect(text).toContain('// old: MODULE_LICENSE("GPL");\nint compat_added;\n#else\nMODULE_LICENSE("GPL");\n#endif\n');
  });

  it('refuses bad input with exit 2 and a clear message, changing nothing', async () => {
    const ws = await sampleWorkspace();
    const before = await readTree(path.join(ws, 'patches'));
    const compat = path.join(await tempDir(), 'c.c');
    await fsp.writeFile(compat, 'x;\n');
    const base = ['--compat', compat, '--patch', 'blkfront/end-request'];
    const cases: [string[], RegExp][] = [
      [['guard', 'blkfront/blkfront.c:10', ...base], /--below VERSION is required/],
      [['guard', 'blkfront/blkfront.c', '--below', '2.6.16', ...base], /expected FILE:START-END/],
      [['guard', 'blkfront/blkfront.c:10-12', '--below', 'two', ...base], /--below wants a kernel version like 2\.6\.16, not "two"/],
      [['guard', 'blkfront/nope.c:1', '--below', '2.6.16', ...base], /blkfront\/nope\.c is not in the tree of blkfront\/end-request\.patch/],
      [['guard', 'blkfront/blkfront.c:99999', '--below', '2.6.16', ...base], /^pvpatch: blkfront\/blkfront\.c: line 99999 is past the end of the file/],
      [['guard', 'blkfront/blkfront.c:10', '--below', '2.6.16', '--compat', compat], /--patch SUBSYS\/NAME is required when no patch is open/],
      [['guard', 'blkfront/blkfront.c:10', '--below', '2.6.16', '--rhel', '5.4.3', ...base], /RHEL_RELEASE_VERSION takes 2 numbers/],
      [['guard', 'blkfront/blkfront.c:10', '--below', '2.6.16', '--compat', '/nonexistent/c.c', '--patch', 'blkfront/end-request'], /\/nonexistent\/c\.c: cannot read/],
    ];
    for (const [args, message] of cases) {
      const r = pvpatch(args, { cwd: ws, env: { EDITOR: '', VISUAL: '' } });
      expect([args.join(' '), r.code]).toEqual([args.join(' '), 2]);
      expect(r.stderr).toMatch(message);
    }
    // A range that would tear an existing guard apart: file:line of the offending directive.
    const tree = (await readTree(path.join(ws, 'upstream/1.0')))['blkfront/blkfront.c'] ?? '';
    expect(tree.length).toBeGreaterThan(0);
    pvpatch(['edit', 'blkfront/end-request'], { cwd: ws });
    const edited = await fsp.readFile(path.join(ws, '.pvpatch/edit/tree/blkfront/blkfront.c'), 'utf8');
    const ifLine = edited.split('\n').findIndex((l) => l.startsWith('#if LINUX_VERSION_CODE')) + 1;
    const torn = pvpatch(['guard', `blkfront/blkfront.c:${ifLine}-${ifLine + 1}`, '--below', '2.6.16', '--compat', compat], { cwd: ws });
    expect(torn.code).toBe(2);
    expect(torn.stderr).toMatch(new RegExp(`^pvpatch: blkfront/blkfront\\.c:${ifLine}: lines ${ifLine}-${ifLine + 1} must be balanced`));
    // kernels.json that does not declare the distro macro.
    const cfg = JSON.parse(await fsp.readFile(path.join(ws, 'kernels.json'), 'utf8'));
    delete cfg.macros;
    for (const k of cfg.kernels) delete k.defines;
    await fsp.writeFile(path.join(ws, 'kernels.json'), JSON.stringify(cfg));
    const undeclared = pvpatch(['guard', 'blkfront/blkfront.c:10', '--below', '2.6.16', '--sles', '10.2', '--compat', compat], { cwd: ws });
    expect(undeclared.code).toBe(2);
    expect(undeclared.stderr).toMatch(/^pvpatch: kernels\.json: --sles needs the function-like macro SLE_VERSION\(…\) declared/);
    expect(await readTree(path.join(ws, 'patches'))).toEqual(before);
  });
});
