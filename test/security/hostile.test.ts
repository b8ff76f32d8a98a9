// Hostile and broken input through the real CLI (dist/cli.js, built by `npm test`'s pretest), on
// temp workspaces. Every refusal must: exit 2 (1 for a failed check), name the file (and the line
// where there is one), print no internal error, and change nothing on disk: the workspace and every
// directory a symlink points to are snapshotted (all entries, modes, sha256) before and after, no
// temp sibling of an atomic write is left anywhere, and the run's private TMPDIR is empty again.
// The classes: GNU patch CVE-2010-4651 / CVE-2019-13636 (paths leaving the tree), CVE-2015-1196
// (writing through symlinks), CVE-2018-1000156 (ed scripts), tar path traversal, git argument
// injection (CVE-2017-1000117 class).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { tempDir, writeTree } from '../helpers/cli.js';
import { cli, diffSnapshots, peakRss, snapshot, strayTemps } from './helpers.js';

const KERNELS = JSON.stringify({
  macros: { 'RHEL_RELEASE_VERSION(a,b)': '(((a) << 8) + (b))' },
  kernels: [
    { name: 'old', version: '2.6.9', defines: { RHEL_RELEASE_CODE: 'RHEL_RELEASE_VERSION(4,8)' }, build: { kind: 'cc', include: [] } },
    { name: 'new', version: '2.6.27', build: { kind: 'cc', include: [] } },
  ],
}, null, 2) + '\n';

const A_C = 'int a;\nint b;\nint c;\n';
const GOOD = `From: Maintainer <m@example.org>
Subject: [PATCH] d: guard b

---
diff --git a/d/a.c b/d/a.c
--- a/d/a.c
+++ b/d/a.c
@@ -1,3 +1,7 @@
 int a;
+#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)
+int b_old;
+#else
 int b;
+#endif
 int c;
`;

const sha = (b: string | Buffer): string => createHash('sha256').update(b).digest('hex');

/** How many hostile cases were tried, by class (printed at the end, for the report). */
const tried = new Map<string, number>();

let scratch: string;
beforeAll(async () => {
  scratch = await tempDir('pvpatch-hostile-');
});
afterAll(async () => {
  const total = [...tried.values()].reduce((a, b) => a + b, 0);
  process.stdout.write(`\nhostile cases tried: ${total} (${[...tried].map(([k, v]) => `${k} ${v}`).join(', ')})\n`);
  await fsp.rm(scratch, { recursive: true, force: true });
});

interface Ws {
  root: string;
  /** A directory outside the workspace (what symlinks point to). */
  outside: string;
  /** The private TMPDIR of the runs. */
  tmp: string;
}

let counter = 0;
/** A workspace with drop 1.0 (d/a.c, imported through the CLI) and one good patch in the series. */
async function workspace(drop: Record<string, string | Buffer> = { 'd/a.c': A_C }, patches: Record<string, string> = { 'd/good.patch': GOOD }): Promise<Ws> {
  const base = path.join(scratch, String(++counter));
  const ws: Ws = { root: path.join(base, 'ws'), outside: path.join(base, 'outside'), tmp: path.join(base, 'tmp') };
  await fsp.mkdir(ws.tmp, { recursive: true });
  await writeTree(ws.outside, { 'd/a.c': A_C, 'secret.txt': 'do not touch\n', '.pvpatch/manifest.json': '{}\n' });
  await writeTree(ws.root, { 'kernels.json': KERNELS });
  await writeTree(path.join(base, 'src'), drop);
  const imp = cli(['upstream', 'import', path.join(base, 'src'), '--version', '1.0'], { cwd: ws.root, tmp: ws.tmp });
  expect(imp.code, imp.stderr).toBe(0);
  await writeTree(ws.root, { 'patches/series': Object.keys(patches).join('\n') + '\n' });
  for (const [name, text] of Object.entries(patches)) await writeTree(ws.root, { [`patches/${name}`]: text });
  return ws;
}

/** A workspace whose series is exactly one (hostile) patch. */
async function withPatch(text: string | Buffer, name = 'evil/x.patch'): Promise<Ws> {
  const ws = await workspace();
  await writeTree(ws.root, { 'patches/series': `${name}\n`, [`patches/${name}`]: text });
  return ws;
}

interface Refusal {
  code?: number;
  /** The diagnostic must match this (it names the file and line). */
  message: RegExp;
  /** Match the message against stdout too (`check` lists its findings there). */
  stdout?: boolean;
  /** Directories outside the workspace that must not change either. */
  watch?: string[];
  timeoutMs?: number;
}

/** Run `args` on `ws` and check the refusal: exit code, message, nothing changed, nothing left behind. */
async function refused(kind: string, ws: Ws, args: string[], r: Refusal): Promise<string> {
  tried.set(kind, (tried.get(kind) ?? 0) + 1);
  const dirs = [ws.root, ws.outside, ...(r.watch ?? [])];
  const before = await Promise.all(dirs.map((d) => snapshot(d)));
  const run = cli(args, { cwd: ws.root, tmp: ws.tmp, timeoutMs: r.timeoutMs });
  expect(run.stderr, `${kind}: ${args.join(' ')}`).not.toMatch(/internal error|RangeError|TypeError|at .*\.js:\d+/);
  expect(run.code, `${kind}: ${args.join(' ')}\n${run.stderr}`).toBe(r.code ?? 2);
  expect(r.stdout ? run.stderr + run.stdout : run.stderr, `${kind}: ${args.join(' ')}`).toMatch(r.message);
  const after = await Promise.all(dirs.map((d) => snapshot(d)));
  dirs.forEach((d, i) => expect(diffSnapshots(before[i] as Map<string, string>, after[i] as Map<string, string>), `${kind}: changed under ${d}`).toEqual([]));
  expect(await strayTemps(ws.root)).toEqual([]);
  expect(await fsp.readdir(ws.tmp), `${kind}: left in TMPDIR`).toEqual([]);
  return run.stderr;
}

const PATCH_FILE = 'patches/evil/x\\.patch';

describe('hostile patches through `pvpatch apply`', () => {
  const traversal: [string, string, number][] = [
    ['.. in ---/+++', '--- a/../x.c\n+++ b/../x.c\n@@ -1 +1 @@\n-a\n+b\n', 1],
    ['absolute ---/+++', '--- /etc/passwd\n+++ /etc/passwd\n@@ -1 +1 @@\n-root\n+evil\n', 1],
    ['a/../../x in +++', '--- a/d/a.c\n+++ b/../../x\n@@ -1 +1 @@\n-int a;\n+int z;\n', 2],
    ['a/../../x in both', '--- a/../../x\n+++ b/../../x\n@@ -1 +1 @@\n-int a;\n+int z;\n', 1],
    ['inner ..', '--- a/d/a.c\n+++ b/d/../../../x.c\n@@ -1 +1 @@\n-int a;\n+int z;\n', 2],
    ['diff --git ..', 'diff --git a/../x b/../x\nnew file mode 100644\n--- /dev/null\n+++ b/../x\n@@ -0,0 +1 @@\n+x\n', 1],
    ['diff --git absolute, no hunks', 'diff --git /etc/x /etc/x\nnew file mode 100644\n', 1],
    ['rename to ..', 'diff --git a/d/a.c b/d/b.c\nsimilarity index 100%\nrename from d/a.c\nrename to ../../etc/x\n', 4],
    ['rename from ..', 'diff --git a/d/a.c b/d/b.c\nsimilarity index 100%\nrename from ../../etc/passwd\nrename to d/b.c\n', 3],
    ['rename to absolute', 'diff --git a/d/a.c b/d/b.c\nsimilarity index 100%\nrename from d/a.c\nrename to /etc/x\n', 4],
    ['copy to ..', 'diff --git a/d/a.c b/d/c.c\nsimilarity index 100%\ncopy from d/a.c\ncopy to ../x.c\n', 4],
    ['copy from absolute', 'diff --git a/d/a.c b/d/c.c\nsimilarity index 100%\ncopy from /etc/shadow\ncopy to d/c.c\n', 3],
    ['C-quoted ..', '--- a/d/a.c\n+++ "b/..\\057..\\057x"\n@@ -1 +1 @@\n-int a;\n+int z;\n', 2],
    ['quoted rename ..', 'diff --git a/d/a.c "b/..\\057x"\nsimilarity index 100%\nrename from d/a.c\nrename to "..\\057x"\n', 1],
  ];
  for (const [what, text, line] of traversal) {
    it(`refuses paths that leave the tree: ${what}`, async () => {
      const ws = await withPatch(text);
      const err = await refused('path traversal (patch)', ws, ['apply'], { message: new RegExp(`${PATCH_FILE}:${line}: `) });
      expect(err).toMatch(/leaves the tree|absolute path|refus/);
    });
  }

  it('refuses a series entry that leaves patches/, and a patch that is a symlink', async () => {
    const ws = await workspace();
    await writeTree(ws.root, { 'patches/series': 'd/good.patch\n../../etc/passwd\n' });
    await refused('path traversal (series)', ws, ['apply'], { message: /patches\/series:2: bad patch name/ });
    const ws2 = await workspace();
    await fsp.symlink(path.join(ws2.outside, 'secret.txt'), path.join(ws2.root, 'patches/d/link.patch'));
    await writeTree(ws2.root, { 'patches/series': 'd/link.patch\n' });
    await refused('symlink (patch file)', ws2, ['apply'], { message: /patches\/series:1: refusing the symlink patches\/d\/link\.patch/ });
  });

  const formats: [string, string | Buffer, RegExp][] = [
    ['ed script', '1,3c\nsystem("touch /tmp/pvpatch-pwned")\n.\nw\nq\n', new RegExp(`${PATCH_FILE}:1: ed scripts and normal diffs are refused`)],
    ['ed script after a mail header', 'From: x\nSubject: y\n\n5a6\n!touch /tmp/pvpatch-pwned\n.\n', new RegExp(`${PATCH_FILE}:4: ed scripts`)],
    ['normal diff', '2c2\n< int b;\n---\n> int B;\n', new RegExp(`${PATCH_FILE}:1: ed scripts and normal diffs`)],
    ['context diff', '*** a/d/a.c\n--- b/d/a.c\n***************\n*** 1,3 ****\n  int a;\n! int b;\n  int c;\n--- 1,3 ----\n  int a;\n! int B;\n  int c;\n', new RegExp(`${PATCH_FILE}:1: context diffs are refused`)],
    ['combined diff', 'diff --cc d/a.c\n@@@ -1,3 -1,3 +1,3 @@@\n', new RegExp(`${PATCH_FILE}:1: combined diffs`)],
    ['GIT binary patch', 'diff --git a/d/x.bin b/d/x.bin\nnew file mode 100644\nindex 0000000..e69de29\nGIT binary patch\nliteral 4\nLcmZ?wbW;EV\n\nliteral 0\nHcmV?d00001\n\n', new RegExp(`${PATCH_FILE}:4: binary patches are not supported`)],
    ['Binary files differ', 'diff --git a/d/x.bin b/d/x.bin\nindex 1111111..2222222 100644\nBinary files a/d/x.bin and b/d/x.bin differ\n', new RegExp(`${PATCH_FILE}:3: binary patches`)],
    ['too few lines for the counts', '--- a/d/a.c\n+++ b/d/a.c\n@@ -1,3 +1,3 @@\n int a;\n-int b;\n+int B;\n@@ -3 +3 @@\n-int c;\n+int C;\n', new RegExp(`${PATCH_FILE}:7: hunk at line 3: expected 3 old lines, found 2`)],
    ['too many lines for the counts', '--- a/d/a.c\n+++ b/d/a.c\n@@ -1,2 +1,2 @@\n int a;\n-int b;\n+int B;\n int c;\n', new RegExp(`${PATCH_FILE}:7: hunk at line 3: expected 2 old lines`)],
    ['truncated file', '--- a/d/a.c\n+++ b/d/a.c\n@@ -1,3 +1,4 @@\n int a;\n+int z;\n int b', new RegExp(`${PATCH_FILE}:6: truncated hunk at line 3: expected 3 old lines, found 2 before the end of the patch`)],
    ['malformed @@', '--- a/d/a.c\n+++ b/d/a.c\n@@ -one +two @@\n-int a;\n+int z;\n', new RegExp(`${PATCH_FILE}:3: malformed hunk header`)],
    ['invalid hunk line', '--- a/d/a.c\n+++ b/d/a.c\n@@ -1,2 +1,2 @@\n int a;\n!int b;\n', new RegExp(`${PATCH_FILE}:5: hunk at line 3 contains an invalid line`)],
    ['NUL byte', '--- a/d/a.c\n+++ b/d/a.c\n@@ -1 +1 @@\n-int a;\n+int \0a;\n', new RegExp(`${PATCH_FILE}:5: NUL byte in patch`)],
    ['non-UTF-8 patch', Buffer.concat([Buffer.from('--- a/d/a.c\n+++ b/d/a.c\n@@ -1 +1 @@\n-int a;\n+int a; /* '), Buffer.from([0xe9, 0x74, 0xe9]), Buffer.from(' */\n')]), new RegExp(`${PATCH_FILE}:5: not valid UTF-8 \\(byte 0xe9`)],
  ];
  for (const [what, text, message] of formats) {
    it(`refuses ${what}, never executing anything`, async () => {
      await fsp.rm('/tmp/pvpatch-pwned', { force: true });
      const ws = await withPatch(text);
      await refused(`format (${what})`, ws, ['apply'], { message });
      await expect(fsp.access('/tmp/pvpatch-pwned')).rejects.toThrow();
    });
  }
});

describe('symlinks are never followed out', () => {
  it('refuses a drop with a symlink in it: a file, a directory on the way, the drop itself', async () => {
    const a = await workspace();
    await fsp.symlink(path.join(a.outside, 'secret.txt'), path.join(a.root, 'upstream/1.0/d/link.c'));
    await refused('symlink (drop file)', a, ['apply'], { message: /upstream\/drops\.json: refusing the symlink d\/link\.c.*upstream\/1\.0/ });

    // A patch touching d/a.c, whose parent d/ is a symlink to a copy outside (same sha256).
    const b = await workspace();
    await fsp.rm(path.join(b.root, 'upstream/1.0/d'), { recursive: true });
    await fsp.symlink(path.join(b.outside, 'd'), path.join(b.root, 'upstream/1.0/d'));
    await refused('symlink (drop parent dir)', b, ['apply'], { message: /upstream\/drops\.json: refusing the symlink d: .*\(in upstream\/1\.0\)/ });

    // A patch creating a file below a symlinked directory of the drop.
    const c = await workspace(undefined, { 'd/new.patch': '--- /dev/null\n+++ b/evil/new.c\n@@ -0,0 +1 @@\n+int pwned;\n' });
    await fsp.symlink(c.outside, path.join(c.root, 'upstream/1.0/evil'));
    await refused('symlink (patch creates below a symlink)', c, ['apply'], { message: /upstream\/drops\.json: refusing the symlink evil/ });

    const d = await workspace();
    await fsp.rename(path.join(d.root, 'upstream/1.0'), path.join(d.outside, '1.0'));
    await fsp.symlink(path.join(d.outside, '1.0'), path.join(d.root, 'upstream/1.0'));
    await refused('symlink (drop dir)', d, ['apply'], { message: /upstream\/drops\.json: refusing the symlink upstream\/1\.0/ });
  });

  it('refuses an out/ that is a symlink, contains one, or lies below one', async () => {
    const a = await workspace();
    await fsp.symlink(a.outside, path.join(a.root, 'out'));
    await refused('symlink (out is one)', a, ['apply'], { message: /out: refusing to replace out: it is a symlink/ });

    const b = await workspace();
    expect(cli(['apply'], { cwd: b.root, tmp: b.tmp }).code).toBe(0);
    await fsp.symlink('/etc', path.join(b.root, 'out/d/etc'));
    await refused('symlink (inside out)', b, ['apply'], { message: /out: refusing to replace out: refusing the symlink d\/etc/ });

    const c = await workspace();
    await fsp.symlink(c.outside, path.join(c.root, 'linked'));
    await refused('symlink (parent of --out)', c, ['apply', '--out', 'linked/out'], { message: /linked\/out: refusing to follow the symlink linked/ });
    // A name that begins with two dots is inside the workspace like any other: checked as well.
    await fsp.symlink(c.outside, path.join(c.root, '..linked'));
    await refused('symlink (parent of --out, named ..linked)', c, ['apply', '--out', '..linked/out'], { message: /\.\.linked\/out: refusing to follow the symlink \.\.linked/ });

    // out/.pvpatch a symlink to a directory with a manifest: pvpatch must not take it for its own.
    const d = await workspace();
    await fsp.mkdir(path.join(d.root, 'out'));
    await fsp.symlink(path.join(d.outside, '.pvpatch'), path.join(d.root, 'out/.pvpatch'));
    await refused('symlink (fake manifest)', d, ['apply'], { message: /refusing the symlink \.pvpatch/ });

    // A directory outside the workspace that is not pvpatch output is refused as such (by its
    // absolute path), before anything in it is looked at: a symlink deep inside is not the reason.
    const e = await workspace();
    const foreign = path.join(e.tmp, 'foreign');
    await writeTree(foreign, { 'deep/x/notes.txt': 'mine\n' });
    await fsp.symlink('/etc', path.join(foreign, 'deep/x/etc'));
    const r = cli(['apply', '--out', foreign], { cwd: e.root, tmp: e.tmp });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`refusing to replace ${foreign}: it is not empty and was not written by pvpatch (apply or export --dkms: no .pvpatch/manifest.json in it)`);
    expect(r.stderr).not.toMatch(/symlink|\.\.\//);
    expect(await fsp.readFile(path.join(foreign, 'deep/x/notes.txt'), 'utf8')).toBe('mine\n');
  });

  it('refuses to import a directory with a symlink pointing outside', async () => {
    const ws = await workspace();
    const src = path.join(ws.outside, 'src');
    await writeTree(src, { 'd/a.c': A_C });
    await fsp.symlink('/etc/passwd', path.join(src, 'd/passwd.c'));
    await refused('symlink (import dir)', ws, ['upstream', 'import', src, '--version', '1.1'], { message: /refusing the symlink d\/passwd\.c/ });
    await fsp.rm(path.join(src, 'd/passwd.c'));
    await fsp.symlink('/etc', path.join(src, 'd/etc'));
    await refused('symlink (import dir)', ws, ['upstream', 'import', src, '--version', '1.1', '--paths', 'd/**'], { message: /refusing the symlink d\/etc/ });
  });
});

describe('hostile tarballs through `pvpatch upstream import`', () => {
  /** A tarball built with python's tarfile from [name, kind, content-or-link] members. */
  async function tarball(ws: Ws, name: string, members: [string, 'file' | 'symlink' | 'hardlink' | 'dir' | 'chardev', string | Buffer][]): Promise<string> {
    const file = path.join(ws.outside, name);
    const spec = members.map(([n, k, c]) => [n, k, Buffer.from(c).toString('base64')]);
    const py = `
import base64, io, json, sys, tarfile
t = tarfile.open(sys.argv[1], 'w:gz')
for name, kind, data in json.loads(sys.argv[2]):
    data = base64.b64decode(data)
    ti = tarfile.TarInfo(name)
    if kind == 'file':
        ti.size = len(data); t.addfile(ti, io.BytesIO(data)); continue
    if kind == 'dir': ti.type = tarfile.DIRTYPE
    if kind == 'symlink': ti.type = tarfile.SYMTYPE; ti.linkname = data.decode()
    if kind == 'hardlink': ti.type = tarfile.LNKTYPE; ti.linkname = data.decode()
    if kind == 'chardev': ti.type = tarfile.CHRTYPE; ti.devmajor = 1; ti.devminor = 3
    t.addfile(ti)
t.close()
`;
    execFileSync('python3', ['-c', py, file, JSON.stringify(spec)]);
    return file;
  }
  const hasPython = spawnSync('python3', ['--version']).status === 0;

  it.skipIf(!hasPython)('refuses members that leave the tree, links and special files, before extracting anything', async () => {
    const cases: [string, [string, 'file' | 'symlink' | 'hardlink' | 'dir' | 'chardev', string][], RegExp][] = [
      ['../x', [['drv/d/a.c', 'file', A_C], ['../x.c', 'file', 'int pwned;\n']], /refusing tarball member "\.\.\/x\.c": it leaves the tree/],
      ['/etc/x', [['drv/d/a.c', 'file', A_C], ['/tmp/pvpatch-pwned', 'file', 'int pwned;\n']], /refusing tarball member "\/tmp\/pvpatch-pwned": it leaves the tree/],
      ['a/../../x', [['drv/d/a.c', 'file', A_C], ['drv/../../x.c', 'file', 'int pwned;\n']], /refusing tarball member "drv\/\.\.\/\.\.\/x\.c"/],
      ['./../x', [['./drv/d/a.c', 'file', A_C], ['./../x.c', 'file', 'x\n']], /refusing tarball member "\.\/\.\.\/x\.c"/],
      ['symlink to /etc/passwd', [['drv/d/a.c', 'file', A_C], ['drv/d/passwd.c', 'symlink', '/etc/passwd']], /refusing tarball member "drv\/d\/passwd\.c": a symlink to "\/etc\/passwd"/],
      ['symlinked dir, then a file through it', [['drv/d/a.c', 'file', A_C], ['drv/d/out', 'symlink', '/tmp'], ['drv/d/out/pvpatch-pwned.c', 'file', 'x\n']], /refusing tarball member "drv\/d\/out": a symlink to "\/tmp"/],
      ['relative symlink out', [['drv/d/a.c', 'file', A_C], ['drv/d/up.c', 'symlink', '../../../../etc/passwd']], /a symlink to "\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd"/],
      ['hard link to /etc/passwd', [['drv/d/a.c', 'file', A_C], ['drv/d/h.c', 'hardlink', '/etc/passwd']], /refusing tarball member "drv\/d\/h\.c": a hard link to "\/?etc\/passwd"/],
      ['hard link inside', [['drv/d/a.c', 'file', A_C], ['drv/d/h.c', 'hardlink', 'drv/d/a.c']], /refusing tarball member "drv\/d\/h\.c": a hard link/],
      ['character device', [['drv/d/a.c', 'file', A_C], ['drv/d/null.c', 'chardev', '']], /refusing tarball member "drv\/d\/null\.c": not a regular file/],
      ['NUL in a member', [['drv/d/a.c', 'file', 'int a;\nint\0b;\n']], /drv-nul\.tar\.gz: d\/a\.c:2: NUL byte in d\/a\.c/],
      ['non-UTF-8 member', [['drv/d/a.c', 'file', 'int a;\n/* \xe9t\xe9 */\n']], /: d\/a\.c:2: not valid UTF-8/],
    ];
    for (const [what, members, message] of cases) {
      const ws = await workspace();
      await fsp.rm('/tmp/pvpatch-pwned', { force: true });
      await fsp.rm('/tmp/pvpatch-pwned.c', { force: true });
      const members2 = what === 'non-UTF-8 member' ? members.map(([n, k, c]) => [n, k, Buffer.from(c, 'latin1')] as [string, 'file', Buffer]) : members;
      const file = await tarball(ws, what === 'NUL in a member' ? 'drv-nul.tar.gz' : 'drv.tar.gz', members2);
      await refused(`tarball (${what})`, ws, ['upstream', 'import', file, '--version', '1.1'], { message });
      await expect(fsp.access('/tmp/pvpatch-pwned')).rejects.toThrow();
      await expect(fsp.access('/tmp/pvpatch-pwned.c')).rejects.toThrow();
    }
  });

  it('refuses members built by GNU tar itself: -P absolute names, --transform to .., symlinks and hard links', async () => {
    const ws = await workspace();
    const src = path.join(ws.outside, 'tsrc');
    await writeTree(src, { 'drv/d/a.c': A_C });
    await fsp.symlink('/etc/passwd', path.join(src, 'drv/d/passwd.c'));
    await fsp.link(path.join(src, 'drv/d/a.c'), path.join(src, 'drv/d/hard.c'));
    const t1 = path.join(ws.outside, 'abs.tar.gz');
    execFileSync('tar', ['-czPf', t1, path.join(src, 'drv/d/a.c')]);
    await refused('tarball (GNU tar -P)', ws, ['upstream', 'import', t1, '--version', '1.1'], { message: /abs\.tar\.gz: refusing tarball member "\/.*drv\/d\/a\.c": it leaves the tree/ });
    const t2 = path.join(ws.outside, 'dotdot.tar.gz');
    execFileSync('tar', ['-czf', t2, '-C', src, '--transform', 's,^drv/d/a.c,../../a.c,', 'drv/d/a.c']);
    await refused('tarball (GNU tar --transform ..)', ws, ['upstream', 'import', t2, '--version', '1.1'], { message: /refusing tarball member "\.\.\/\.\.\/a\.c"/ });
    const t3 = path.join(ws.outside, 'links.tar.gz');
    execFileSync('tar', ['-czf', t3, '-C', src, 'drv']);
    await refused('tarball (GNU tar links)', ws, ['upstream', 'import', t3, '--version', '1.1'], { message: /links\.tar\.gz: refusing tarball member "drv\/d\/(passwd|hard|a)\.c": a (symlink|hard link)/ });
    const t4 = path.join(ws.outside, 'broken.tar.gz');
    await fsp.writeFile(t4, (await fsp.readFile(t3)).subarray(0, 40));
    await refused('tarball (truncated)', ws, ['upstream', 'import', t4, '--version', '1.1'], { message: /broken\.tar\.gz: cannot read the tarball/ });
  });
});

describe('hostile git sources through `pvpatch upstream import`', () => {
  function git(dir: string, ...args: string[]): string {
    return execFileSync('git', ['-c', 'user.email=t@example.org', '-c', 'user.name=t', ...args], { cwd: dir, encoding: 'utf8' }).trim();
  }

  it('refuses a symlink committed on a tracked path', async () => {
    const ws = await workspace();
    const repo = path.join(ws.outside, 'repo');
    await writeTree(repo, { 'd/a.c': A_C });
    await fsp.symlink('/etc/passwd', path.join(repo, 'd/passwd.c'));
    git(repo, 'init', '-q');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'symlink');
    await refused('git (tracked symlink)', ws, ['upstream', 'import', `${repo}#HEAD`, '--version', '1.1'], { message: /refusing tracked symlink "d\/passwd\.c"/ });
  });

  it('refuses a tree entry named ".." (git checkout refuses it; `git mktree` writes it all the same)', async () => {
    // git's index and checkout never accept a ".." component (verify_path), but a tree object is just
    // bytes: `git mktree` stores one, and fetch, ls-tree and cat-file pass it on.
    const ws = await workspace();
    const repo = path.join(ws.outside, 'dotdot');
    await fsp.mkdir(repo, { recursive: true });
    git(repo, 'init', '-q');
    const blob = execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: repo, input: 'int pwned;\n', encoding: 'utf8' }).trim();
    const sub = execFileSync('git', ['mktree'], { cwd: repo, input: `100644 blob ${blob}\tx.c\n`, encoding: 'utf8' }).trim();
    const top = execFileSync('git', ['mktree'], { cwd: repo, input: `040000 tree ${sub}\t..\n`, encoding: 'utf8' }).trim();
    const commit = git(repo, 'commit-tree', top, '-m', 'dotdot');
    git(repo, 'update-ref', 'refs/heads/main', commit);
    await refused('git (.. in a tree)', ws, ['upstream', 'import', `${repo}#main`, '--version', '1.1'], { message: /#main: refusing git path "\.\.\/x\.c": it leaves the tree/ });
  });

  it('refuses URLs and refs that git would take for options, and the ext:: transport', async () => {
    const ws = await workspace();
    const pwned = path.join(ws.outside, 'pwned');
    await refused('git (option injection)', ws, ['upstream', 'import', '--version', '1.1', '--', `--upload-pack=touch ${pwned}@x:y#HEAD`], { message: /refusing git URL "--upload-pack=/ });
    await refused('git (option injection)', ws, ['upstream', 'import', '--version', '1.1', '--', `${ws.outside}#--upload-pack=touch ${pwned}`], { message: /refusing git ref "--upload-pack=/ });
    await refused('git (ext:: transport)', ws, ['upstream', 'import', `ext::touch% ${path.basename(pwned)}@x:y#HEAD`, '--version', '1.1'], { message: /cannot fetch HEAD from ext::.*transport 'ext' not allowed/ });
    await expect(fsp.access(pwned)).rejects.toThrow();
    await expect(fsp.access(path.join(ws.root, 'pwned'))).rejects.toThrow();
  });

  it('refuses NUL bytes and non-UTF-8 in a tracked file', async () => {
    const ws = await workspace();
    const repo = path.join(ws.outside, 'bin');
    await writeTree(repo, { 'd/a.c': Buffer.from('int a;\n\0\n') });
    git(repo, 'init', '-q');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'nul');
    await refused('git (NUL)', ws, ['upstream', 'import', `${repo}#HEAD`, '--version', '1.1'], { message: /#HEAD: d\/a\.c:2: NUL byte in d\/a\.c/ });
    await writeTree(repo, { 'd/a.c': Buffer.from([0x69, 0x0a, 0xff, 0x0a]) });
    git(repo, 'commit', '-q', '-am', 'latin1');
    await refused('git (non-UTF-8)', ws, ['upstream', 'import', `${repo}#HEAD`, '--version', '1.1'], { message: /#HEAD: d\/a\.c:2: not valid UTF-8 \(byte 0xff/ });
  });
});

describe('broken sources', () => {
  it('refuses NUL bytes, non-UTF-8 and oversized files in an imported directory, naming file and line', async () => {
    const ws = await workspace();
    const src = path.join(ws.outside, 'src');
    await writeTree(src, { 'd/a.c': Buffer.from('int a;\nint b;\0\n') });
    await refused('source (NUL, import)', ws, ['upstream', 'import', src, '--version', '1.1'], { message: /src: d\/a\.c:2: NUL byte in d\/a\.c/ });
    await writeTree(src, { 'd/a.c': Buffer.concat([Buffer.from('int a;\nint b;\n/* '), Buffer.from([0xc3, 0x28]), Buffer.from(' */\n')]) });
    await refused('source (non-UTF-8, import)', ws, ['upstream', 'import', src, '--version', '1.1'], { message: /src: d\/a\.c:3: not valid UTF-8 \(byte 0xc3/ });
    await writeTree(src, { 'd/a.c': Buffer.alloc(17 * 1024 * 1024, 'x') });
    await refused('source (too big, import)', ws, ['upstream', 'import', src, '--version', '1.1'], { message: /d\/a\.c: the file is 17\.0 MiB: pvpatch reads at most 16 MiB/ });
  });

  it('refuses a tampered drop: NUL, non-UTF-8 (even with a matching sha256), changed bytes', async () => {
    for (const [what, bytes, message] of [
      ['NUL', Buffer.from('int a;\n\0\n'), /upstream\/1\.0\/d\/a\.c:2: NUL byte/],
      ['non-UTF-8', Buffer.from([0x69, 0x0a, 0x69, 0x0a, 0x80, 0x0a]), /upstream\/1\.0\/d\/a\.c:3: not valid UTF-8 \(byte 0x80/],
    ] as const) {
      const ws = await workspace();
      await fsp.writeFile(path.join(ws.root, 'upstream/1.0/d/a.c'), bytes);
      const dropsFile = path.join(ws.root, 'upstream/drops.json');
      await fsp.writeFile(dropsFile, (await fsp.readFile(dropsFile, 'utf8')).replace(sha(A_C), sha(bytes)));
      await refused(`drop (${what})`, ws, ['apply'], { message });
    }
    const ws = await workspace();
    await fsp.appendFile(path.join(ws.root, 'upstream/1.0/d/a.c'), 'int sneaky;\n');
    await refused('drop (changed)', ws, ['apply'], { message: /upstream\/1\.0\/d\/a\.c: .*differs from the sha256 recorded at import/ });
  });

  it('keeps CRLF sources CRLF: imported, patched by an LF patch and by a CRLF patch', async () => {
    tried.set('CRLF (accepted, preserved)', (tried.get('CRLF (accepted, preserved)') ?? 0) + 2);
    const crlf = 'int a;\r\nint b;\r\nint c;\r\n';
    const ws = await workspace({ 'd/a.c': crlf }, { 'd/lf.patch': '--- a/d/a.c\n+++ b/d/a.c\n@@ -1,3 +1,4 @@\n int a;\n+int lf;\n int b;\n int c;\n' });
    expect(await fsp.readFile(path.join(ws.root, 'upstream/1.0/d/a.c'), 'utf8')).toBe(crlf);
    const r = cli(['apply', '--no-annotate'], { cwd: ws.root, tmp: ws.tmp });
    expect(r.code, r.stderr).toBe(0);
    expect(await fsp.readFile(path.join(ws.root, 'out/d/a.c'), 'utf8')).toBe('int a;\r\nint lf;\r\nint b;\r\nint c;\r\n');
    await writeTree(ws.root, { 'patches/series': 'd/crlf.patch\n', 'patches/d/crlf.patch': '--- a/d/a.c\r\n+++ b/d/a.c\r\n@@ -1,3 +1,4 @@\r\n int a;\r\n int b;\r\n+int crlf;\r\n int c;\r\n' });
    const r2 = cli(['apply', '--no-annotate'], { cwd: ws.root, tmp: ws.tmp });
    expect(r2.code, r2.stderr).toBe(0);
    expect(await fsp.readFile(path.join(ws.root, 'out/d/a.c'), 'utf8')).toBe('int a;\r\nint b;\r\nint crlf;\r\nint c;\r\n');
    expect(await fsp.readFile(path.join(ws.root, 'upstream/1.0/d/a.c'), 'utf8')).toBe(crlf);
  });
});

describe('huge input, bounded memory', () => {
  it('applies a patch that adds a 1 MB line to a source with a 1 MB line, in bounded time', async () => {
    tried.set('huge lines (accepted)', (tried.get('huge lines (accepted)') ?? 0) + 1);
    const long = 'static const char blob[] = "' + 'x'.repeat(1024 * 1024) + '";';
    const ws = await workspace({ 'd/a.c': `int a;\n${long}\nint c;\n` }, { 'd/long.patch': `--- a/d/a.c\n+++ b/d/a.c\n@@ -1,3 +1,4 @@\n int a;\n ${long}\n+${long.replace('blob', 'blob2')}\n int c;\n` });
    const t0 = Date.now();
    const r = cli(['apply', '--no-annotate'], { cwd: ws.root, tmp: ws.tmp });
    expect(r.code, r.stderr).toBe(0);
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(await fsp.readFile(path.join(ws.root, 'out/d/a.c'), 'utf8')).toBe(`int a;\n${long}\n${long.replace('blob', 'blob2')}\nint c;\n`);
    // The same long line as a guard condition: the scanner and the evaluator cope with it too.
    const guard = `#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)${' '.repeat(1024 * 1024)}`;
    await writeTree(ws.root, { 'patches/series': 'd/guard.patch\n', 'patches/d/guard.patch': `--- a/d/a.c\n+++ b/d/a.c\n@@ -1,3 +1,5 @@\n int a;\n+${guard}\n ${long}\n+#endif\n int c;\n` });
    const g = cli(['apply'], { cwd: ws.root, tmp: ws.tmp });
    expect(g.code, g.stderr).toBe(0);
    const v = cli(['view', '--kernel', 'new'], { cwd: ws.root, tmp: ws.tmp });
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).not.toContain(long);
  });

  it('refuses a 100 MB patch with bounded memory, and applies one just under the limit', async () => {
    const ws = await withPatch('');
    const file = path.join(ws.root, 'patches/evil/x.patch');
    const writeBig = async (lines: number): Promise<number> => {
      const fh = await fsp.open(file, 'w');
      await fh.write(`--- /dev/null\n+++ b/d/big.c\n@@ -0,0 +1,${lines} @@\n`);
      const chunk: string[] = [];
      for (let i = 0; i < lines; i++) {
        chunk.push(`+static int variable_number_${i} = ${i}; /* padding padding padding */\n`);
        if (chunk.length === 20000) await fh.write(chunk.splice(0).join(''));
      }
      await fh.write(chunk.join(''));
      await fh.close();
      return (await fsp.stat(file)).size;
    };
    const size = await writeBig(1_450_000);
    expect(size).toBeGreaterThan(100 * 1024 * 1024);
    tried.set('100 MB patch', 1);
    const before = await snapshot(ws.root);
    const big = peakRss(['apply'], { cwd: ws.root, tmp: ws.tmp });
    expect(big.code, big.stderr).toBe(2);
    expect(big.stderr).toMatch(/patches\/evil\/x\.patch: the patch is 10\d\.\d MiB: pvpatch reads at most 16 MiB per file/);
    expect(diffSnapshots(before, await snapshot(ws.root))).toEqual([]);
    expect(big.maxRssKiB).toBeGreaterThan(0);
    expect(big.maxRssKiB).toBeLessThan(400 * 1024);
    // Just under the limit: applied, and the memory stays bounded (about 18 times the patch).
    const under = await writeBig(220_000);
    expect(under).toBeLessThan(16 * 1024 * 1024);
    const ok = peakRss(['apply', '--no-annotate'], { cwd: ws.root, tmp: ws.tmp });
    expect(ok.code, ok.stderr).toBe(0);
    expect((await fsp.stat(path.join(ws.root, 'out/d/big.c'))).size).toBeGreaterThan(15 * 1024 * 1024);
    expect(ok.maxRssKiB).toBeLessThan(600 * 1024);
    process.stdout.write(`\npeak RSS (${big.how}): ${(size / 1048576).toFixed(1)} MiB patch refused at ${(big.maxRssKiB / 1024).toFixed(0)} MiB; ${(under / 1048576).toFixed(1)} MiB patch applied at ${(ok.maxRssKiB / 1024).toFixed(0)} MiB\n`);
  }, 240_000);
});

describe('kernels.json and #if expressions', () => {
  async function kernelsWs(kernels: string, patch?: string): Promise<Ws> {
    const ws = await workspace(undefined, patch === undefined ? undefined : { 'd/g.patch': patch });
    await fsp.writeFile(path.join(ws.root, 'kernels.json'), kernels);
    return ws;
  }
  const guardPatch = (cond: string): string => `--- a/d/a.c\n+++ b/d/a.c\n@@ -1,3 +1,5 @@\n int a;\n+#if ${cond}\n int b;\n+#endif\n int c;\n`;

  it('refuses bad JSON with line and column, and bad versions with their line', async () => {
    const bad = KERNELS.replace('"kernels": [', '"kernels": [,');
    const ws = await kernelsWs(bad);
    await refused('kernels.json (bad JSON)', ws, ['apply'], { message: /kernels\.json:5:15: invalid JSON: unexpected ","/ });
    await refused('kernels.json (bad JSON)', ws, ['status'], { message: /kernels\.json:5:15: invalid JSON/ });
    const truncated = await kernelsWs(KERNELS.slice(0, 120));
    await refused('kernels.json (truncated)', truncated, ['apply'], { message: /kernels\.json:\d+:\d+: invalid JSON/ });
    const versionLine = KERNELS.split('\n').findIndex((l) => l.includes('"2.6.27"')) + 1;
    for (const v of ['2.6.x', '', '-1.2.3', '2.6.18.1.2', '2.6.300', '999.999.999', '2.6.18a']) {
      const w = await kernelsWs(KERNELS.replace('"2.6.27"', JSON.stringify(v)));
      await refused(`kernels.json (bad version ${JSON.stringify(v)})`, w, ['apply'], { message: new RegExp(`kernels\\.json:${versionLine}: bad kernel version`) });
    }
    const nul = await kernelsWs(KERNELS.replace('"new"', '"new\\u0000"'));
    await refused('kernels.json (NUL in a name)', nul, ['apply'], { message: /kernels\.json: kernels\[1\]: "name" must be a simple name/ });
  });

  it('reports an unknown function-like macro in a guard, naming file:line (check exits 1; view keeps the conditional and says so)', async () => {
    const ws = await kernelsWs(KERNELS, guardPatch('NO_SUCH_MACRO(2,6) > 1'));
    await refused('kernels.json (unknown macro)', ws, ['check'], { code: 1, stdout: true, message: /d\/a\.c:2: error: .*NO_SUCH_MACRO/ });
    // view keeps what it cannot decide (three-valued #if), and says where.
    await refused('kernels.json (unknown macro)', ws, ['view', '--kernel', 'new'], { code: 0, message: /d\/a\.c:2: note: 1 conditional kept: pvpatch cannot decide it for new/ });
  });

  it('bounds and reports recursive macros (A -> B -> A), function-like and object-like', async () => {
    const rec = JSON.parse(KERNELS) as { macros: Record<string, string>; kernels: { defines?: Record<string, string> }[] };
    rec.macros['A(x)'] = 'B(x)';
    rec.macros['B(x)'] = 'A(x)';
    (rec.kernels[1] as { defines?: Record<string, string> }).defines = { XEN_LEVEL: 'A(3)' };
    const ws = await kernelsWs(JSON.stringify(rec, null, 2), guardPatch('XEN_LEVEL > 2'));
    await refused('kernels.json (recursive function-like macros)', ws, ['check'], { code: 1, stdout: true, message: /d\/a\.c:2: error: .*"A" is not expanded here/, timeoutMs: 20_000 });
    await refused('kernels.json (recursive function-like macros)', ws, ['view', '--kernel', 'new'], { message: /d\/a\.c:2:\d+: "A" is not expanded here/, timeoutMs: 20_000 });
    const obj = JSON.parse(KERNELS) as typeof rec;
    obj.macros.O = 'P + 1';
    obj.macros.P = 'O + 1';
    const ws2 = await kernelsWs(JSON.stringify(obj, null, 2), guardPatch('O > 2'));
    // gcc: O -> P + 1 -> O + 1 + 1, the inner O painted blue and read as 0 (what -Wundef warns about):
    // bounded, and reported as that warning (exit 0, as gcc compiles it).
    await refused('kernels.json (recursive object-like macros)', ws2, ['check'], { code: 0, stdout: true, message: /d\/a\.c:2: warning: O is not defined for old, new: gcc reads it as 0/, timeoutMs: 20_000 });
  });

  it('reports division by zero in an #if, naming file:line (check exits 1, view 2)', async () => {
    const ws = await kernelsWs(KERNELS, guardPatch('LINUX_VERSION_CODE / (KERNEL_VERSION(2,6,27) - LINUX_VERSION_CODE) > 1'));
    await refused('#if division by zero', ws, ['view', '--kernel', 'new'], { message: /d\/a\.c:2:\d+: division by zero/ });
    await refused('#if division by zero', ws, ['check'], { code: 1, stdout: true, message: /d\/a\.c:2: error: .*division by zero/ });
    const mod = await kernelsWs(KERNELS, guardPatch('1 % 0'));
    await refused('#if division by zero', mod, ['view', '--kernel', 'old'], { message: /d\/a\.c:2:\d+: division by zero/ });
    const viaMacro = JSON.parse(KERNELS) as { macros: Record<string, string> };
    viaMacro.macros['RATIO(a)'] = '((a) / 0)';
    const m = await kernelsWs(JSON.stringify(viaMacro, null, 2), guardPatch('RATIO(4) == 1'));
    await refused('#if division by zero', m, ['view', '--kernel', 'old'], { message: /d\/a\.c:2:\d+: division by zero/ });
  });

  it('bounds an #if nested 200000 parentheses deep (an error at file:line, no stack overflow)', async () => {
    const deep = `${'('.repeat(200_000)}1${')'.repeat(200_000)}`;
    const ws = await kernelsWs(KERNELS, guardPatch(deep));
    await refused('#if nested too deep', ws, ['view', '--kernel', 'new'], { message: /d\/a\.c:2:\d+: expression nested more than \d+ levels deep/ });
    await refused('#if nested too deep', ws, ['check'], { code: 1, stdout: true, message: /d\/a\.c:2: error: .*nested more than \d+ levels deep/ });
  });
});
