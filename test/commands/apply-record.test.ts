// The record of the last apply's tree (.pvpatch/cache/apply-tree): an apply of the same inputs,
// every source unchanged, copies the tree it recorded, and that tree is what `apply --no-cache`
// writes; any change to a source (a drop file, a patch, a cached text, the manifest copy, a drop
// directory) makes apply do the work again, and a symlink in the drop is refused as ever.
import { describe, expect, it } from 'vitest';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { copySampleWorkspace, pvpatch, readTree } from '../helpers/cli.js';
import { RACY_NS } from '../../src/io/verified.js';

/** Files changed less than RACY_NS ago are not recorded: let the copied sample age past that. */
const age = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, Number(RACY_NS / 1_000_000n) + 200));

interface Out {
  hunks: unknown[];
  regions: number;
  cache: { tree: boolean; quick: boolean; inPlace?: boolean; files: number; applied: number } | null;
}

const recordDir = (root: string): string => path.join(root, '.pvpatch', 'cache', 'apply-tree');

/** Temp siblings (of out trees) left in the workspace root. */
const temps = async (root: string): Promise<string[]> => (await fsp.readdir(root)).filter((n) => n.includes('.pvpatch-'));

/** Relative path → mode and content of every file under dir. */
async function treeWithModes(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [rel, text] of Object.entries(await readTree(dir))) {
    out[rel] = `${((await fsp.stat(path.join(dir, rel))).mode & 0o777).toString(8)} ${text}`;
  }
  return out;
}

/** apply --json into `out`; its JSON (the exit must be 0). */
function apply(root: string, out: string, extra: string[] = []): Out {
  const r = pvpatch(['apply', '--json', '--out', out, ...extra], { cwd: root });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Out;
}

/** An apply that must (or must not) copy the recorded tree, and gives what --no-cache gives. */
async function checked(root: string, tag: string, fromRecord: boolean): Promise<Out> {
  const a = apply(root, `a-${tag}`);
  expect(a.cache?.tree, tag).toBe(fromRecord);
  const b = apply(root, `b-${tag}`, ['--no-cache']);
  expect(b.cache).toBeNull();
  expect(await treeWithModes(path.join(root, `a-${tag}`))).toEqual(await treeWithModes(path.join(root, `b-${tag}`)));
  expect(a.hunks).toEqual(b.hunks);
  expect(a.regions).toBe(b.regions);
  return a;
}

/** A copy of the sample, old enough to be recorded, applied once into a-first (and b-first with --no-cache). */
async function recorded(): Promise<string> {
  const root = await copySampleWorkspace();
  await age();
  await checked(root, 'first', false);
  return root;
}

describe('apply: the record of the last tree', () => {
  it('copies the tree of the last apply of the same inputs, and applies again after any change to a source', async () => {
    const root = await copySampleWorkspace();
    await age();
    // First: applied, recorded. Second: copied from the record (the text output says so).
    await checked(root, 'first', false);
    expect((await fsp.readdir(recordDir(root))).sort()).toEqual(['hunks.json', 'manifest.json', 'record.json', 'tree']);
    await checked(root, 'second', true);
    const text = pvpatch(['apply', '--out', 'text'], { cwd: root });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/the same inputs as the last apply: copied as it wrote them/);

    // A drop file rewritten with its own bytes: its ctime changed, so it is read and checked again.
    const drop = path.join(root, 'upstream', '1.0');
    const untouched = path.join(drop, 'include', 'xen', 'ring.h');
    await fsp.writeFile(untouched, await fsp.readFile(untouched));
    await checked(root, 'rewritten', false);
    // Recorded again only once it is old enough to be trusted by its stats.
    await checked(root, 'too-recent', false);
    await age();
    await checked(root, 'recorded', false);
    await checked(root, 'copied', true);

    // A cached result damaged, then the manifest's copy: the tree is linked from the store, which
    // they are not part of, and is still what --no-cache writes (the copy-mode test below finds them).
    const outs = (await fsp.readdir(path.join(root, '.pvpatch', 'cache', 'apply'))).filter((n) => n.endsWith('.out'));
    await fsp.appendFile(path.join(root, '.pvpatch', 'cache', 'apply', outs[0] as string), '/* not what apply wrote */\n');
    await checked(root, 'damaged', true);
    await fsp.appendFile(path.join(recordDir(root), 'manifest.json'), ' ');
    await checked(root, 'manifest', true);

    // A patch edited: applied again; the next apply reads the just-edited patch (too recent to be
    // trusted by its stats) and finds the same inputs.
    const patch = path.join(root, 'patches', 'blkfront', 'elevator-noop.patch');
    await fsp.writeFile(patch, (await fsp.readFile(patch, 'utf8')).replace(/KERNEL_VERSION\(2,6,10\)/g, 'KERNEL_VERSION(2,6,11)'));
    const edited = await checked(root, 'edited', false);
    expect(await fsp.readFile(path.join(root, 'a-edited', 'blkfront', 'blkfront.c'), 'utf8')).toMatch(/KERNEL_VERSION\(2,6,11\)/);
    expect(edited.cache?.applied).toBeGreaterThan(0);
    await checked(root, 'after-edit', true);

    // --no-annotate is another input: applied, then copied.
    const plain = apply(root, 'plain', ['--no-annotate']);
    expect(plain.cache?.tree).toBe(false);
    expect(apply(root, 'plain2', ['--no-annotate']).cache?.tree).toBe(true);
    expect(await readTree(path.join(root, 'plain2'))).toEqual(await readTree(path.join(root, 'plain')));
    // The copies started while the CLI loaded (apply-prefetch.ts) were moved into place or removed.
    expect(await temps(root)).toEqual([]);
  }, 120_000);

  it('links the tree from the store of the record, and finds a write made through the tree', async () => {
    const root = await recorded();
    await checked(root, 'second', true);
    const store = path.join(recordDir(root), 'tree');
    for (const rel of ['include/xen/ring.h', 'blkfront/blkfront.c', '.pvpatch/manifest.json']) {
      const [inTree, kept] = [await fsp.stat(path.join(root, 'a-second', rel)), await fsp.stat(path.join(store, rel))];
      expect([rel, inTree.ino, inTree.nlink >= 2]).toEqual([rel, kept.ino, true]);
    }
    // Written in place through the tree (as an editor that keeps hard links writes): the store's
    // file changed with it, so the next apply does the work again, and writes what --no-cache does.
    await fsp.appendFile(path.join(root, 'a-second', 'include', 'xen', 'ring.h'), '/* edited in the tree */\n');
    await checked(root, 'appended', false);
    await checked(root, 'linked-again', true);
    // Rewritten in place with as many bytes (a patched file this time): its mtime tells.
    const patched = path.join(root, 'a-linked-again', 'blkfront', 'blkfront.c');
    const bytes = await fsp.readFile(patched);
    bytes[0] = bytes[0] === 0x2f ? 0x20 : 0x2f;
    await fsp.writeFile(patched, bytes);
    await checked(root, 'same-size', false);
    await checked(root, 'linked-once-more', true);
    // Entries planted in the store (the tree is made there by `cp -RPl` while the CLI starts): a
    // file, a symlink out of the workspace, a file of the tree replaced by a symlink. Each is found
    // before the tree is put in place, and none reaches it.
    const plants: [string, () => Promise<void>][] = [
      ['extra.c', () => fsp.writeFile(path.join(store, 'extra.c'), 'int planted;\n')],
      ['escape', () => fsp.symlink('/etc', path.join(store, 'blkfront', 'escape'))],
      ['ring.h', async () => {
        const kept = path.join(store, 'include', 'xen', 'ring.h');
        await fsp.rm(kept);
        await fsp.symlink('/etc/passwd', kept);
      }],
    ];
    for (const [name, plant] of plants) {
      await plant();
      await checked(root, `planted-${name}`, false);
      const tree = await readTree(path.join(root, `a-planted-${name}`));
      expect(Object.keys(tree).filter((rel) => rel.endsWith('extra.c') || rel.includes('escape'))).toEqual([]);
      expect((await fsp.lstat(path.join(root, `a-planted-${name}`, 'include', 'xen', 'ring.h'))).isFile()).toBe(true);
      await checked(root, `after-${name}`, true);
    }
    // A file of the store gone, then the whole store: applied again each time.
    await fsp.rm(path.join(store, 'include', 'xen', 'ring.h'));
    await checked(root, 'store-file-gone', false);
    await fsp.rm(store, { recursive: true });
    await checked(root, 'store-gone', false);
    await checked(root, 'store-back', true);
    expect(await temps(root)).toEqual([]);
    expect((await fsp.readdir(recordDir(root))).filter((n) => n.includes('.pvpatch-'))).toEqual([]);
  }, 120_000);

  it('leaves a tree that is already the recorded one as it is, and replaces one that is not', async () => {
    const root = await recorded();
    const out = path.join(root, 'a-first');
    const file = path.join(out, 'blkfront', 'blkfront.c');
    const before = await fsp.stat(file);
    // The same inputs into the same tree: nothing written, not even the times (make rebuilds nothing).
    const again = apply(root, 'a-first');
    expect([again.cache?.tree, again.cache?.inPlace]).toEqual([true, true]);
    const after = await fsp.stat(file);
    expect([after.ino, after.mtimeMs, after.ctimeMs]).toEqual([before.ino, before.mtimeMs, before.ctimeMs]);
    expect(pvpatch(['apply', '--out', 'a-first'], { cwd: root }).stdout).toMatch(/already in place, nothing written/);
    expect(await treeWithModes(out)).toEqual(await treeWithModes(path.join(root, 'b-first')));
    // Not the recorded tree: an extra file (a build product), then a file that is a copy, not the
    // store's: replaced each time by the recorded tree, as any apply replaces its target.
    await fsp.writeFile(path.join(out, 'blkfront', 'blkfront.o'), 'object\n');
    const extra = apply(root, 'a-first');
    expect([extra.cache?.tree, extra.cache?.inPlace]).toEqual([true, undefined]);
    await expect(fsp.access(path.join(out, 'blkfront', 'blkfront.o'))).rejects.toThrow();
    const copy = await fsp.readFile(file);
    await fsp.rm(file);
    await fsp.writeFile(file, copy);
    const copied = apply(root, 'a-first');
    expect([copied.cache?.tree, copied.cache?.inPlace]).toEqual([true, undefined]);
    expect((await fsp.stat(file)).ino).toBe((await fsp.stat(path.join(recordDir(root), 'tree', 'blkfront', 'blkfront.c'))).ino);
    expect(await treeWithModes(out)).toEqual(await treeWithModes(path.join(root, 'b-first')));
    // A directory of the tree replaced by a symlink to the store's: refused, as ever.
    const dir = path.join(out, 'blkfront');
    await fsp.rm(dir, { recursive: true });
    await fsp.symlink(path.join(recordDir(root), 'tree', 'blkfront'), dir);
    const refused = pvpatch(['apply', '--out', 'a-first'], { cwd: root });
    expect([refused.code, refused.stderr]).toEqual([2, expect.stringMatching(/symlink/)]);
    expect(await temps(root)).toEqual([]);
  }, 60_000);

  it('after an edit to a patch, links the files it did not change from the store of the last tree', async () => {
    const root = await recorded();
    const store = path.join(recordDir(root), 'tree');
    const untouched = 'include/xen/ring.h';
    const kept = (await fsp.stat(path.join(store, untouched))).ino;
    const patch = path.join(root, 'patches', 'blkfront', 'elevator-noop.patch');
    const text = await fsp.readFile(patch, 'utf8');
    await fsp.writeFile(patch, text.replace(/KERNEL_VERSION\(2,6,10\)/g, 'KERNEL_VERSION(2,6,11)'));
    const edited = await checked(root, 'edited', false);
    expect(edited.cache?.applied).toBeGreaterThan(0);
    // The untouched file is the last tree's (the same inode, in the new store too); the edited one is new.
    expect((await fsp.stat(path.join(root, 'a-edited', untouched))).ino).toBe(kept);
    expect((await fsp.stat(path.join(store, untouched))).ino).toBe(kept);
    expect(await fsp.readFile(path.join(root, 'a-edited', 'blkfront', 'blkfront.c'), 'utf8')).toMatch(/KERNEL_VERSION\(2,6,11\)/);
    // The store was updated in place: it holds the new tree exactly, the edited file as the tree has it.
    expect(Object.keys(await readTree(store)).sort()).toEqual(Object.keys(await readTree(path.join(root, 'a-edited'))).sort());
    expect((await fsp.stat(path.join(store, 'blkfront', 'blkfront.c'))).ino).toBe((await fsp.stat(path.join(root, 'a-edited', 'blkfront', 'blkfront.c'))).ino);
    expect((await fsp.readdir(recordDir(root))).filter((n) => n.includes('.pvpatch-'))).toEqual([]);
    // A store file written through a tree in place, then the patch edited back: the changed file is
    // found as it is linked, and the apply starts again without the store; the tree is still right.
    await fsp.appendFile(path.join(root, 'a-edited', untouched), '/* edited in the tree */\n');
    await fsp.writeFile(patch, text);
    await checked(root, 'back', false);
    expect(await fsp.readFile(path.join(root, 'a-back', untouched), 'utf8')).not.toMatch(/edited in the tree/);
    // The next apply finds the inputs of 'back' by their key (the patch is too recent for its stats).
    await checked(root, 'replayed', true);
    // Once the patch is old enough, the record takes its stats, and the apply after that is quick.
    await age();
    expect(apply(root, 'aged').cache?.tree).toBe(true);
    expect(apply(root, 'quick-again').cache?.quick).toBe(true);
    expect(await temps(root)).toEqual([]);
  }, 90_000);

  it('links the tree itself where cp cannot (no cp on the PATH)', async () => {
    const root = await recorded();
    const r = pvpatch(['apply', '--json', '--out', 'linked'], { cwd: root, env: { PATH: '/nonexistent' } });
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as Out).cache?.tree).toBe(true);
    expect(await treeWithModes(path.join(root, 'linked'))).toEqual(await treeWithModes(path.join(root, 'b-first')));
    const [inTree, kept] = [await fsp.stat(path.join(root, 'linked', 'blkfront', 'blkfront.c')), await fsp.stat(path.join(recordDir(root), 'tree', 'blkfront', 'blkfront.c'))];
    expect(inTree.ino).toBe(kept.ino);
    expect(await temps(root)).toEqual([]);
  }, 60_000);

  it('copies the recorded tree where it cannot link it: a tree on another file system', async () => {
    const root = await copySampleWorkspace();
    const other = await fsp.mkdtemp('/dev/shm/pvpatch-test-').catch(() => undefined);
    if (!other || (await fsp.stat(other)).dev === (await fsp.stat(root)).dev) {
      console.log('skipped: no other file system (/dev/shm) to write the tree to');
      return;
    }
    try {
      await age();
      const first = apply(root, path.join(other, 'one'));
      expect(first.cache?.tree).toBe(false);
      const second = apply(root, path.join(other, 'two'));
      expect(second.cache?.tree).toBe(true);
      expect(await readTree(path.join(other, 'two'))).toEqual(await readTree(path.join(other, 'one')));
      expect((await fsp.stat(path.join(other, 'two', 'include', 'xen', 'ring.h'))).nlink).toBe(1);
      expect((await fsp.readdir(recordDir(root))).sort()).toEqual(['hunks.json', 'manifest.json', 'record.json']);
      // Copied, the tree's sources are checked: a cached result damaged, then the manifest's copy.
      const outs = (await fsp.readdir(path.join(root, '.pvpatch', 'cache', 'apply'))).filter((n) => n.endsWith('.out'));
      await fsp.appendFile(path.join(root, '.pvpatch', 'cache', 'apply', outs[0] as string), '/* not what apply wrote */\n');
      const damaged = apply(root, path.join(other, 'damaged'));
      expect(damaged.cache?.tree).toBe(false);
      expect(await readTree(path.join(other, 'damaged'))).toEqual(await readTree(path.join(other, 'one')));
      expect(apply(root, path.join(other, 'again')).cache?.tree).toBe(true);
      await fsp.appendFile(path.join(recordDir(root), 'manifest.json'), ' ');
      expect(apply(root, path.join(other, 'manifest')).cache?.tree).toBe(false);
      expect(await readTree(path.join(other, 'manifest'))).toEqual(await readTree(path.join(other, 'one')));
    } finally {
      await fsp.rm(other, { recursive: true, force: true });
    }
  }, 60_000);

  it('leaves no temp directory of the copy started at start-up when the command fails or is another', async () => {
    const root = await copySampleWorkspace();
    await age();
    apply(root, 'out');
    // A bad option value (exit 2), a hunk that no longer applies (exit 1), a held lock (exit 2).
    expect(pvpatch(['apply', '--fuzz', '9'], { cwd: root }).code).toBe(2);
    expect(await temps(root)).toEqual([]);
    const patch = path.join(root, 'patches', 'blkfront', 'elevator-noop.patch');
    const text = await fsp.readFile(patch, 'utf8');
    // Every context and removed line changed: the hunks match nowhere, even with fuzz.
    await fsp.writeFile(patch, text.replace(/^([ -])(?!-- )(.*)$/gm, '$1$2 /* not there */'));
    expect(pvpatch(['apply'], { cwd: root }).code).toBe(1);
    expect(await temps(root)).toEqual([]);
    await fsp.writeFile(patch, text);
    const lock = path.join(root, '.pvpatch', 'lock');
    await fsp.writeFile(lock, JSON.stringify({ pid: process.pid, command: 'test' }) + '\n');
    const locked = pvpatch(['apply'], { cwd: root });
    expect(locked.code).toBe(2);
    expect(locked.stderr).toMatch(/locked by pvpatch process/);
    expect(await temps(root)).toEqual([]);
    await fsp.rm(lock);
    // The tree is still the one the first apply wrote, and the next apply copies it again.
    expect(apply(root, 'out').cache?.tree).toBe(true);
    expect(await temps(root)).toEqual([]);
  }, 60_000);

  it('answers a plain apply command line (run without commander) as commander would', async () => {
    const root = await copySampleWorkspace();
    // The same bad value, through the plain path and through commander (--no-cache is not plain).
    const plainBad = pvpatch(['apply', '--fuzz=9'], { cwd: root });
    const parsedBad = pvpatch(['apply', '--no-cache', '--fuzz', '9'], { cwd: root });
    expect([plainBad.code, plainBad.stderr]).toEqual([2, 'pvpatch: --fuzz must be 0..3, not "9"\n']);
    expect([parsedBad.code, parsedBad.stderr]).toEqual([plainBad.code, plainBad.stderr]);
    // Not plain, so commander's own messages: a missing value, an unknown option, --help.
    expect(pvpatch(['apply', '--out'], { cwd: root }).stderr).toMatch(/option '--out <dir>' argument missing/);
    expect(pvpatch(['apply', '--bogus'], { cwd: root }).code).toBe(2);
    expect(pvpatch(['apply', '--help'], { cwd: root }).stdout).toMatch(/--no-cache/);
    // -C before the command, options in any order and spelling: the same tree and outcomes.
    const a = pvpatch(['-C', root, 'apply', '--json', '--fuzz', '1', '--out=a', '--no-annotate'], { cwd: path.dirname(root) });
    const b = pvpatch(['--workspace', root, 'apply', '--no-cache', '--no-annotate', '--out', 'b', '--fuzz=1', '--json'], { cwd: path.dirname(root) });
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect((JSON.parse(a.stdout) as Out).hunks).toEqual((JSON.parse(b.stdout) as Out).hunks);
    expect(await readTree(path.join(root, 'a'))).toEqual(await readTree(path.join(root, 'b')));
    expect(await fsp.readFile(path.join(root, 'a', 'blkfront', 'blkfront.c'), 'utf8')).not.toMatch(/pvpatch: /);
  }, 60_000);

  it('refuses a drop file changed since the record, and a symlink added to the drop, writing nothing', async () => {
    const root = await copySampleWorkspace();
    await age();
    apply(root, 'first');
    expect(apply(root, 'second').cache?.tree).toBe(true);
    const drop = path.join(root, 'upstream', '1.0');

    // A symlink in a drop directory (the directory's stats change): refused as without the record.
    await fsp.symlink('/etc/passwd', path.join(drop, 'xenbus', 'evil.c'));
    const sym = pvpatch(['apply', '--out', 'sym'], { cwd: root });
    expect(sym.code).toBe(2);
    expect(sym.stderr).toMatch(/refusing the symlink xenbus\/evil\.c/);
    await expect(fsp.access(path.join(root, 'sym'))).rejects.toThrow();
    await fsp.rm(path.join(drop, 'xenbus', 'evil.c'));

    // A drop file whose bytes changed: not copied, refused (drops are read-only).
    const victim = path.join(drop, 'include', 'xen', 'ring.h');
    await fsp.appendFile(victim, '/* edited */\n');
    const changed = pvpatch(['apply', '--out', 'changed'], { cwd: root });
    expect(changed.code).toBe(2);
    expect(changed.stderr).toMatch(/ring\.h differs from the sha256 recorded at import/);
    await expect(fsp.access(path.join(root, 'changed'))).rejects.toThrow();
  }, 60_000);

  it('takes a corrupt or foreign record for no record, and --no-cache neither uses nor writes it', async () => {
    const root = await copySampleWorkspace();
    await age();
    // --no-cache: no record made.
    expect(apply(root, 'plain', ['--no-cache']).cache).toBeNull();
    await expect(fsp.access(path.join(recordDir(root), 'record.json'))).rejects.toThrow();
    apply(root, 'first');
    const record = path.join(recordDir(root), 'record.json');
    const good = await fsp.readFile(record, 'utf8');
    // Not JSON, then a record whose file list leaves the tree: both ignored, the tree applied.
    await fsp.writeFile(record, good.slice(0, good.length / 2));
    await checked(root, 'truncated', false);
    const parsed = JSON.parse(await fsp.readFile(record, 'utf8')) as { files: [string, string | null, string][] };
    parsed.files[0] = ['../../../etc/passwd', '../escape', parsed.files[0]?.[2] as string];
    await fsp.writeFile(record, JSON.stringify(parsed));
    await checked(root, 'foreign', false);
    await expect(fsp.access(path.join(root, '..', 'escape'))).rejects.toThrow();
    await checked(root, 'restored', true);
  }, 60_000);

  it('copies without reading the workspace while its input files keep their stats, else checks what they hold', async () => {
    const root = await copySampleWorkspace();
    await age();
    // Recorded with the input files' stats (old enough to be trusted): copied by them alone.
    expect((await checked(root, 'first', false)).cache?.quick).toBe(false);
    expect((await checked(root, 'quick', true)).cache?.quick).toBe(true);
    // The drop named as it is the current one, the default fuzz spelled out: the same inputs.
    expect(apply(root, 'named', ['--drop', '1.0', '--fuzz', '2']).cache).toMatchObject({ tree: true, quick: true });
    // Other options are other inputs: the stats say nothing of them (nor does the key).
    expect(apply(root, 'fuzz1', ['--fuzz', '1']).cache?.tree).toBe(false);
    expect(apply(root, 'fuzz1-again', ['--fuzz', '1']).cache).toMatchObject({ tree: true, quick: true });
    await checked(root, 'default', false);
    expect(apply(root, 'default-again').cache).toMatchObject({ tree: true, quick: true });

    // kernels.json rewritten with its own bytes, then reformatted, the series given a comment: their
    // stats changed, what they say did not. The workspace is read and the key is the record's.
    const kernels = path.join(root, 'kernels.json');
    const kernelsText = await fsp.readFile(kernels, 'utf8');
    await fsp.writeFile(kernels, kernelsText);
    expect((await checked(root, 'touched', true)).cache?.quick).toBe(false);
    await fsp.writeFile(kernels, JSON.stringify(JSON.parse(kernelsText)));
    expect((await checked(root, 'reformatted', true)).cache?.quick).toBe(false);
    const series = path.join(root, 'patches', 'series');
    await fsp.appendFile(series, '# a comment\n');
    expect((await checked(root, 'commented', true)).cache?.quick).toBe(false);

    // Each found the same by the key, the record took the new stats once they were old enough: quick again.
    await age();
    expect((await checked(root, 'aged', true)).cache?.quick).toBe(false);
    expect((await checked(root, 'quick-again', true)).cache?.quick).toBe(true);

    // What kernels.json says changed: applied again, then found the same by the key (its stats
    // too recent to be trusted), then, old enough, by its stats.
    const config = JSON.parse(kernelsText) as { kernels: { description: string }[] };
    (config.kernels[0] as { description: string }).description += ' (edited)';
    await fsp.writeFile(kernels, JSON.stringify(config, null, 2));
    await checked(root, 'config', false);
    expect((await checked(root, 'config-again', true)).cache?.quick).toBe(false);
    await age();
    expect((await checked(root, 'config-aged', true)).cache?.quick).toBe(false);
    expect((await checked(root, 'config-quick', true)).cache?.quick).toBe(true);

    // drops.json rewritten, a patch rewritten with its own bytes: the key, not the stats.
    const drops = path.join(root, 'upstream', 'drops.json');
    await fsp.writeFile(drops, await fsp.readFile(drops));
    expect((await checked(root, 'drops', true)).cache?.quick).toBe(false);
    const patch = path.join(root, 'patches', 'blkfront', 'elevator-noop.patch');
    await fsp.writeFile(patch, await fsp.readFile(patch));
    expect((await checked(root, 'patch', true)).cache?.quick).toBe(false);
    await age();
    expect((await checked(root, 'patch-aged', true)).cache?.quick).toBe(false);
    expect((await checked(root, 'patch-quick', true)).cache?.quick).toBe(true);

    // kernels.json a symlink: its lstat says nothing of what it points to, so it is never trusted
    // by it, and a change made behind the link is found.
    const real = path.join(root, 'kernels.real.json');
    await fsp.rename(kernels, real);
    await fsp.symlink('kernels.real.json', kernels);
    await age();
    expect((await checked(root, 'linked', true)).cache?.quick).toBe(false);
    expect((await checked(root, 'linked-again', true)).cache?.quick).toBe(false);
    (config.kernels[0] as { description: string }).description += ' (behind the link)';
    await fsp.writeFile(real, JSON.stringify(config, null, 2));
    await age();
    expect((await checked(root, 'behind-link', false)).cache?.tree).toBe(false);
    expect(await temps(root)).toEqual([]);
  }, 120_000);
});
