import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { pvpatch, readTree, tempDir, writeTree } from '../helpers/cli.js';

const KERNELS = JSON.stringify({ kernels: [{ name: 'k', version: '2.6.18', build: { kind: 'cc', include: [] } }] });
const TREE = {
  'drivers/xen/blkfront.c': 'int blkfront;\n',
  'drivers/xen/netfront.c': 'int netfront;\r\nint crlf;\r\n',
  'drivers/xen/include/ring.h': '#define RING 1\n',
  'Documentation/readme.txt': 'untracked\n',
};

async function workspace(): Promise<string> {
  const ws = await tempDir();
  await writeTree(ws, { 'kernels.json': KERNELS });
  return ws;
}

interface DropsJson {
  paths: string[];
  current: string;
  drops: { version: string; source: string; date: string; files: Record<string, string> }[];
}

async function drops(ws: string): Promise<DropsJson> {
  return JSON.parse(await fsp.readFile(path.join(ws, 'upstream/drops.json'), 'utf8')) as DropsJson;
}

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

describe('pvpatch upstream import', () => {
  it('imports the tracked paths of a directory, records a sha256 per file and remembers --paths', async () => {
    const ws = await workspace();
    const src = await tempDir();
    await writeTree(src, TREE);
    const r = pvpatch(['upstream', 'import', src, '--version', '1.0', '--paths', 'drivers/xen/**/*.c,drivers/xen/include', '--json'], { cwd: ws });
    expect(r.code, r.stderr).toBe(0);
    const d = await drops(ws);
    expect(d.paths).toEqual(['drivers/xen/**/*.c', 'drivers/xen/include']);
    expect(d.current).toBe('1.0');
    expect(d.drops[0]?.files).toEqual({
      'drivers/xen/blkfront.c': sha(TREE['drivers/xen/blkfront.c']),
      'drivers/xen/include/ring.h': sha(TREE['drivers/xen/include/ring.h']),
      'drivers/xen/netfront.c': sha(TREE['drivers/xen/netfront.c']),
    });
    expect(await readTree(path.join(ws, 'upstream/1.0'))).toEqual({
      'drivers/xen/blkfront.c': TREE['drivers/xen/blkfront.c'],
      'drivers/xen/include/ring.h': TREE['drivers/xen/include/ring.h'],
      'drivers/xen/netfront.c': TREE['drivers/xen/netfront.c'],
    });
    // The remembered paths apply to the next import.
    await writeTree(src, { 'drivers/xen/blkfront.c': 'int blkfront2;\n' });
    expect(pvpatch(['upstream', 'import', src, '--version', '1.1'], { cwd: ws }).code).toBe(0);
    expect(Object.keys((await drops(ws)).drops[1]?.files ?? {})).not.toContain('Documentation/readme.txt');
    expect((await drops(ws)).current).toBe('1.0');
  });

  it('refuses an existing version unless --force, and then replaces it', async () => {
    const ws = await workspace();
    const src = await tempDir();
    await writeTree(src, TREE);
    expect(pvpatch(['upstream', 'import', src, '--version', '1.0'], { cwd: ws }).code).toBe(0);
    const again = pvpatch(['upstream', 'import', src, '--version', '1.0'], { cwd: ws });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/drop 1\.0 already exists .*use --force/);
    await writeTree(src, { 'drivers/xen/blkfront.c': 'int changed;\n' });
    expect(pvpatch(['upstream', 'import', src, '--version', '1.0', '--force'], { cwd: ws }).code).toBe(0);
    expect(await fsp.readFile(path.join(ws, 'upstream/1.0/drivers/xen/blkfront.c'), 'utf8')).toBe('int changed;\n');
    expect((await drops(ws)).drops).toHaveLength(1);
  });

  for (const [ext, flag] of [['tar.gz', '-z'], ['tar.xz', '-J'], ['tar.bz2', '-j']] as const) {
    it(`imports a .${ext} tarball, stripping its top directory`, async () => {
      const ws = await workspace();
      const src = await tempDir();
      await writeTree(path.join(src, 'xen-drivers-1.1'), TREE);
      const tarball = path.join(src, `xen-drivers-1.1.${ext}`);
      execFileSync('tar', [flag, '-cf', tarball, '-C', src, 'xen-drivers-1.1']);
      const r = pvpatch(['upstream', 'import', tarball, '--version', '1.1', '--paths', 'drivers/**'], { cwd: ws });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/imported drop 1\.1: 3 files from tar:/);
      expect(await readTree(path.join(ws, 'upstream/1.1'))).toEqual({
        'drivers/xen/blkfront.c': TREE['drivers/xen/blkfront.c'],
        'drivers/xen/include/ring.h': TREE['drivers/xen/include/ring.h'],
        'drivers/xen/netfront.c': TREE['drivers/xen/netfront.c'],
      });
    });
  }

  it('imports a git URL#REF through simple-git, taking only tracked paths at that ref', async () => {
    const ws = await workspace();
    const repo = await tempDir();
    await writeTree(repo, TREE);
    const git = (...args: string[]): string => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@e', ...args], { cwd: repo, encoding: 'utf8' });
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', 'v1');
    git('tag', 'v1.0');
    await writeTree(repo, { 'drivers/xen/blkfront.c': 'int later;\n' });
    git('commit', '-qam', 'later');
    const r = pvpatch(['upstream', 'import', `${repo}#v1.0`, '--version', '1.0', '--paths', 'drivers/xen/*.c'], { cwd: ws });
    expect(r.code, r.stderr).toBe(0);
    const d = await drops(ws);
    expect(d.drops[0]?.source).toMatch(new RegExp(`^git:${repo}#v1\\.0 \\(commit [0-9a-f]{12}\\)$`));
    expect(await readTree(path.join(ws, 'upstream/1.0'))).toEqual({
      'drivers/xen/blkfront.c': 'int blkfront;\n',
      'drivers/xen/netfront.c': TREE['drivers/xen/netfront.c'],
    });
    const bad = pvpatch(['upstream', 'import', `${repo}#no-such-ref`, '--version', '2'], { cwd: ws });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/cannot fetch no-such-ref/);
  });

  it('lists drops and diffs two of them', async () => {
    const ws = await workspace();
    const src = await tempDir();
    await writeTree(src, TREE);
    pvpatch(['upstream', 'import', src, '--version', '1.0', '--paths', 'drivers'], { cwd: ws });
    await writeTree(src, { 'drivers/xen/blkfront.c': 'int blkfront;\nint more;\n' });
    pvpatch(['upstream', 'import', src, '--version', '1.1'], { cwd: ws });
    const list = pvpatch(['upstream', 'list'], { cwd: ws });
    expect(list.stdout).toMatch(/\*\s+1\.0\s+3\s+/);
    const diff = pvpatch(['upstream', 'diff', '1.0', '1.1'], { cwd: ws });
    expect(diff.code).toBe(0);
    expect(diff.stdout).toContain('--- a/drivers/xen/blkfront.c\n+++ b/drivers/xen/blkfront.c\n@@ -1 +1,2 @@\n int blkfront;\n+int more;\n');
    expect(JSON.parse(pvpatch(['upstream', 'diff', '1.0', '1.1', '--json'], { cwd: ws }).stdout).files).toEqual([{ file: 'drivers/xen/blkfront.c', change: 'changed' }]);
  });

  it('refuses a source with no tracked file, a missing source and a bad version, writing nothing', async () => {
    const ws = await workspace();
    const src = await tempDir();
    await writeTree(src, TREE);
    const none = pvpatch(['upstream', 'import', src, '--version', '1.0', '--paths', 'nothing/**'], { cwd: ws });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no files of .* match the tracked paths \(nothing\/\*\*\)/);
    expect(pvpatch(['upstream', 'import', path.join(src, 'missing'), '--version', '1.0'], { cwd: ws }).stderr).toMatch(/no such directory or tarball/);
    expect(pvpatch(['upstream', 'import', src, '--version', '../evil'], { cwd: ws }).stderr).toMatch(/bad drop version/);
    expect(await fsp.stat(path.join(ws, 'upstream')).catch(() => null)).toBeNull();
  });
});
