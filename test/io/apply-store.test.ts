// The store of the last tree (src/io/apply-record.ts): made whole by linkStore, brought up to date
// in place by updateStore after an apply that linked most of its tree from it.
import { describe, expect, it } from 'vitest';
import fs, { promises as fsp } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/cli.js';
import { linkStore, updateStore } from '../../src/io/apply-record.js';
import { linkKey } from '../../src/io/verified.js';

/** Relative paths of every entry (files and directories) under dir. */
async function entries(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fsp.readdir(dir, { recursive: true })) out.push(e.split(path.sep).join('/'));
  return out.sort();
}

const ino = (p: string): number => fs.statSync(p).ino;

describe('the store of the last tree', () => {
  it('is updated in place: linked places kept, new ones linked in, gone ones removed with the directories they leave empty', async () => {
    const root = await tempDir('pvpatch-store-');
    const first = path.join(root, 'first');
    for (const [rel, text] of [['a/x.c', 'x\n'], ['a/y.c', 'y\n'], ['b/deep/z.c', 'z\n'], ['keep/k.c', 'k\n']] as const) {
      await fsp.mkdir(path.dirname(path.join(first, rel)), { recursive: true });
      await fsp.writeFile(path.join(first, rel), text);
    }
    const before = linkStore(root, first, ['a/x.c', 'a/y.c', 'b/deep/z.c', 'keep/k.c']);
    expect(before?.size).toBe(4);
    const store = path.join(root, '.pvpatch', 'cache', 'apply-tree', 'tree');
    // The next tree: a/x.c and keep/k.c linked from the store, c/w.c new, keep/k2.c new beside a kept one, a/y.c and b/deep/z.c gone.
    const next = path.join(root, 'next');
    await fsp.mkdir(path.join(next, 'a'), { recursive: true });
    await fsp.mkdir(path.join(next, 'keep'), { recursive: true });
    await fsp.mkdir(path.join(next, 'c'), { recursive: true });
    await fsp.link(path.join(store, 'a/x.c'), path.join(next, 'a/x.c'));
    await fsp.link(path.join(store, 'keep/k.c'), path.join(next, 'keep/k.c'));
    await fsp.writeFile(path.join(next, 'c/w.c'), 'w\n');
    await fsp.writeFile(path.join(next, 'keep/k2.c'), 'k2\n');
    const linked = new Map([['a/x.c', before?.get('a/x.c') as string], ['keep/k.c', before?.get('keep/k.c') as string]]);
    const xIno = ino(path.join(store, 'a/x.c'));
    const keys = updateStore(root, next, ['a/x.c', 'c/w.c', 'keep/k.c', 'keep/k2.c'], linked, ['a/x.c', 'a/y.c', 'b/deep/z.c', 'keep/k.c']);
    expect(await entries(store)).toEqual(['a', 'a/x.c', 'c', 'c/w.c', 'keep', 'keep/k.c', 'keep/k2.c']);
    expect(ino(path.join(store, 'a/x.c'))).toBe(xIno);
    expect(ino(path.join(store, 'c/w.c'))).toBe(ino(path.join(next, 'c/w.c')));
    expect(ino(path.join(store, 'keep/k2.c'))).toBe(ino(path.join(next, 'keep/k2.c')));
    // Each key is the store file's linkKey now (the kept ones' too: a link changes no linkKey).
    for (const [rel, key] of keys ?? []) expect(key).toBe(linkKey(fs.lstatSync(path.join(store, rel), { bigint: true })).join());
    expect([...(keys?.keys() ?? [])].sort()).toEqual(['a/x.c', 'c/w.c', 'keep/k.c', 'keep/k2.c']);
    // No temp link is left beside the store.
    expect((await fsp.readdir(path.dirname(store))).filter((n) => n.includes('.pvpatch-'))).toEqual([]);
  });

  it('is removed (no store) when a place cannot be linked', async () => {
    const root = await tempDir('pvpatch-store-');
    const first = path.join(root, 'first');
    await fsp.mkdir(first);
    await fsp.writeFile(path.join(first, 'x.c'), 'x\n');
    expect(linkStore(root, first, ['x.c'])?.size).toBe(1);
    const store = path.join(root, '.pvpatch', 'cache', 'apply-tree', 'tree');
    // The next tree lacks the file it names: the link fails.
    expect(updateStore(root, path.join(root, 'missing'), ['x.c', 'y.c'], new Map(), ['x.c'])).toBeUndefined();
    expect(fs.existsSync(store)).toBe(false);
    expect((await fsp.readdir(path.dirname(store))).filter((n) => n.includes('.pvpatch-'))).toEqual([]);
  });
});
