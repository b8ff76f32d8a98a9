// apply's cache of per-file results (.pvpatch/cache/apply): a run that takes files from it writes
// exactly what `apply --no-cache` writes and reports the same hunks, after every kind of change to
// the inputs (a patch edited, the series reordered, kernels.json changed) and with a damaged entry.
import { describe, expect, it } from 'vitest';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { copySampleWorkspace, pvpatch, readTree } from '../helpers/cli.js';

const cacheDir = (root: string): string => path.join(root, '.pvpatch', 'cache', 'apply');

/** The keys of the entries kept: the index's (the last apply's) and those with a JSON file of their own (older applies'). */
async function entries(root: string): Promise<string[]> {
  const names = await fsp.readdir(cacheDir(root)).catch(() => [] as string[]);
  const index = names.includes('index.json') ? Object.keys((JSON.parse(await fsp.readFile(path.join(cacheDir(root), 'index.json'), 'utf8')) as { entries: Record<string, unknown> }).entries) : [];
  const own = names.flatMap((n) => /^([0-9a-f]{64})\.json$/.exec(n)?.[1] ?? []);
  return [...new Set([...index, ...own])].sort();
}

/** apply (cache used) and apply --no-cache into two trees: both the same, hunks and all; the cached run's JSON. */
async function bothWays(root: string, tag: string): Promise<{ hunks: unknown[]; regions: number }> {
  const cached = pvpatch(['apply', '--json', '--out', `cached-${tag}`], { cwd: root });
  expect(cached.code, cached.stderr).toBe(0);
  const fresh = pvpatch(['apply', '--json', '--no-cache', '--out', `fresh-${tag}`], { cwd: root });
  expect(fresh.code, fresh.stderr).toBe(0);
  expect(await readTree(path.join(root, `cached-${tag}`))).toEqual(await readTree(path.join(root, `fresh-${tag}`)));
  const a = JSON.parse(cached.stdout) as { hunks: unknown[]; regions: number };
  const b = JSON.parse(fresh.stdout) as { hunks: unknown[]; regions: number };
  expect(a.hunks).toEqual(b.hunks);
  expect(a.regions).toBe(b.regions);
  return a;
}

describe('apply: the cache of per-file results', () => {
  it('gives what --no-cache gives, cold and warm, and after a patch, the series or kernels.json change', async () => {
    const root = await copySampleWorkspace();
    // Cold: every touched file applied and stored.
    const cold = pvpatch(['apply', '--json', '--out', 'cold'], { cwd: root });
    expect(cold.code, cold.stderr).toBe(0);
    const stored = await entries(root);
    // One entry per file the series touches.
    expect(stored.length).toBe(new Set((JSON.parse(cold.stdout) as { hunks: { file: string }[] }).hunks.map((h) => h.file)).size);
    expect(stored.length).toBeGreaterThan(5);
    // Warm: all taken from the cache, nothing added.
    const warm = await bothWays(root, 'warm');
    expect(warm.hunks).toEqual((JSON.parse(cold.stdout) as { hunks: unknown[] }).hunks);
    expect(await entries(root)).toEqual(stored);
    expect(await readTree(path.join(root, 'cold'))).toEqual(await readTree(path.join(root, 'cached-warm')));

    // One patch edited: only the files it touches are applied again (one new entry per file).
    const edited = path.join(root, 'patches', 'blkfront', 'elevator-noop.patch');
    const text = await fsp.readFile(edited, 'utf8');
    const files = new Set([...text.matchAll(/^\+\+\+ b\/(\S+)/gm)].map((m) => m[1]));
    expect(text).toMatch(/KERNEL_VERSION\(2,6,10\)/);
    await fsp.writeFile(edited, text.replace(/KERNEL_VERSION\(2,6,10\)/g, 'KERNEL_VERSION(2,6,11)'));
    await bothWays(root, 'edited');
    expect((await entries(root)).length).toBe(stored.length + files.size);

    // The series reordered (two patches of different files swapped): outcomes in the new order.
    const series = path.join(root, 'patches', 'series');
    const lines = (await fsp.readFile(series, 'utf8')).split('\n');
    const i = lines.indexOf('xenbus/mutex.patch');
    const j = lines.indexOf('netfront/gfp-t.patch');
    [lines[i], lines[j]] = [lines[j] as string, lines[i] as string];
    await fsp.writeFile(series, lines.join('\n'));
    await bothWays(root, 'reordered');

    // kernels.json changed: the manifest's kernels per branch are made again.
    const kernels = path.join(root, 'kernels.json');
    const config = JSON.parse(await fsp.readFile(kernels, 'utf8')) as { kernels: { name: string }[] };
    config.kernels = config.kernels.filter((k) => k.name !== 'sles9');
    await fsp.writeFile(kernels, JSON.stringify(config, null, 2) + '\n');
    await bothWays(root, 'kernels');
    const manifest = JSON.parse(await fsp.readFile(path.join(root, 'cached-kernels', '.pvpatch', 'manifest.json'), 'utf8')) as { regions: { branches: { kernels: string[] }[] }[] };
    expect(manifest.regions.flatMap((r) => r.branches.flatMap((b) => b.kernels))).not.toContain('sles9');
  }, 60_000);

  it('keeps the JSON of the last apply\'s entries in its index, and an older apply\'s in files of their own', async () => {
    const root = await copySampleWorkspace();
    const run = (): { cache: { files: number; applied: number } } => {
      const r = pvpatch(['apply', '--json', '--out', 'out'], { cwd: root });
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as { cache: { files: number; applied: number } };
    };
    const ownJson = async (): Promise<string[]> => (await fsp.readdir(cacheDir(root))).filter((n) => /^[0-9a-f]{64}\.json$/.test(n));
    const cold = run();
    expect(cold.cache.applied).toBeGreaterThan(5);
    // One file per entry: its text; the JSON of all of them in the index.
    expect(await ownJson()).toEqual([]);
    const first = await entries(root);
    expect(first.length).toBe(cold.cache.applied);
    // A patch edited: the entries of the files it touches leave the index, into files of their own.
    const edited = path.join(root, 'patches', 'blkfront', 'elevator-noop.patch');
    const text = await fsp.readFile(edited, 'utf8');
    await fsp.writeFile(edited, text.replace(/KERNEL_VERSION\(2,6,10\)/g, 'KERNEL_VERSION(2,6,11)'));
    const changed = run().cache.applied;
    expect(changed).toBeGreaterThan(0);
    expect((await ownJson()).length).toBe(changed);
    // The edit undone: every file is taken from the cache again, from the index or its own file.
    await fsp.writeFile(edited, text);
    const back = run();
    expect(back.cache.applied).toBe(0);
    expect(back.cache.files).toBe(first.length);
  }, 60_000);

  it('applies again, and replaces, an entry whose text was damaged', async () => {
    const root = await copySampleWorkspace();
    expect(pvpatch(['apply', '--out', 'first'], { cwd: root }).code).toBe(0);
    const outs = (await fsp.readdir(cacheDir(root))).filter((n) => n.endsWith('.out'));
    const victim = path.join(cacheDir(root), outs[0] as string);
    await fsp.appendFile(victim, '/* not what apply wrote */\n');
    const r = pvpatch(['apply', '--out', 'second'], { cwd: root });
    expect(r.code, r.stderr).toBe(0);
    expect(await readTree(path.join(root, 'second'))).toEqual(await readTree(path.join(root, 'first')));
    expect(await fsp.readFile(victim, 'utf8')).not.toMatch(/not what apply wrote/);
  }, 30_000);

  it('applies again a file whose entry is gone, parsing only the patches that touch it', async () => {
    const root = await copySampleWorkspace();
    expect(pvpatch(['apply', '--out', 'first'], { cwd: root }).code).toBe(0);
    const touches = JSON.parse(await fsp.readFile(path.join(cacheDir(root), 'touches.json'), 'utf8')) as { touches: Record<string, unknown[]> };
    // Every patch of the series (by its text's sha256) is known, header-only ones with no files.
    expect(Object.keys(touches.touches).length).toBe((await fsp.readFile(path.join(root, 'patches', 'series'), 'utf8')).split('\n').filter(Boolean).length);
    const all = await entries(root);
    // The first entry with a text: without it, the entry is not whole.
    const names = await fsp.readdir(cacheDir(root));
    const victim = all.find((k) => names.includes(`${k}.out`)) as string;
    await fsp.rm(path.join(cacheDir(root), `${victim}.out`));
    await bothWays(root, 'gone');
    expect(await entries(root)).toEqual(all);
  }, 30_000);

  it('applies a series that renames a file the same way with the cache and without, also after an edit', async () => {
    const root = await copySampleWorkspace();
    // First without it: what every other patch touches is known (touches.json) when it comes.
    await bothWays(root, 'before-rename');
    const rename = 'Rename ring.h.\n\ndiff --git a/include/xen/ring.h b/include/xen/ring_compat.h\nsimilarity index 100%\nrename from include/xen/ring.h\nrename to include/xen/ring_compat.h\n';
    await fsp.writeFile(path.join(root, 'patches', 'common', 'rename-ring.patch'), rename);
    const series = path.join(root, 'patches', 'series');
    await fsp.writeFile(series, `${(await fsp.readFile(series, 'utf8')).trimEnd()}\ncommon/rename-ring.patch\n`);
    // The others' texts need not be read for what they touch, but with a rename every patch is
    // read and applied in series order.
    await bothWays(root, 'rename');
    await bothWays(root, 'rename-again');
    const edited = path.join(root, 'patches', 'blkfront', 'elevator-noop.patch');
    await fsp.writeFile(edited, `Edited.\n${await fsp.readFile(edited, 'utf8')}`);
    await bothWays(root, 'rename-edited');
    const tree = await readTree(path.join(root, 'cached-rename-edited'));
    expect(Object.keys(tree)).toContain('include/xen/ring_compat.h');
    expect(Object.keys(tree)).not.toContain('include/xen/ring.h');
  }, 60_000);

  it('keeps only the entries of recent applies', async () => {
    const root = await copySampleWorkspace();
    const patch = path.join(root, 'patches', 'common', 'kzalloc.patch');
    const text = await fsp.readFile(patch, 'utf8');
    // Ten different versions of one patch: each apply adds entries for its files; older ones go.
    const counts: number[] = [];
    for (let k = 0; k < 10; k++) {
      await fsp.writeFile(patch, `${text}\n`.repeat(1) + `${'\n'.repeat(k)}`);
      expect(pvpatch(['apply', '--out', 'out'], { cwd: root }).code).toBe(0);
      counts.push((await entries(root)).length);
    }
    expect(counts[counts.length - 1]).toBe(counts[7]);
    expect(counts[7]).toBeGreaterThan(counts[0] as number);
  }, 60_000);
});
