// The tree writer apply uses for the files no patch touches: on a worker thread from the compiled
// module (dist/, built by pretest), synchronously when run from its TypeScript source.
import { describe, expect, it } from 'vitest';
import { lstatSync, promises as fsp } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO, tempDir } from '../helpers/cli.js';
import * as fromSource from '../../src/io/tree-writer.js';
import { IoError } from '../../src/core/errors.js';
import { statKey } from '../../src/io/verified.js';
import { parseKernelsConfig } from '../../src/core/config.js';
import { branchOracle } from '../../src/core/kernel-branches.js';
import { fileRegions } from '../../src/core/manifest.js';
import { originMarks } from '../../src/io/describe-core.js';

const config = parseKernelsConfig(JSON.stringify({
  kernels: [
    { name: 'old', version: '2.6.5', build: { kind: 'cc', include: ['k/old'] } },
    { name: 'new', version: '2.6.18', build: { kind: 'cc', include: ['k/new'] } },
  ],
}));

/** A patched file: two guards of patch p (one inside an upstream #ifdef), and their origins. */
function patched(i: number): { text: string; origins: (string | null)[] } {
  const a = ' /* pvpatch: sub/p.patch */';
  const lines = ['int a;\n', `#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,${10 + i})${a}\n`, 'old();\n', `#else${a}\n`, 'new();\n', `#endif${a}\n`, '#ifdef CONFIG_X\n', `#if LINUX_VERSION_CODE >= KERNEL_VERSION(2,6,1)${a}\n`, 'x();\n', `#endif${a}\n`, '#endif\n'];
  const mine = new Set([1, 3, 5, 7, 9]);
  return { text: lines.join(''), origins: lines.map((_, k) => (mine.has(k) ? 'sub/p.patch' : null)) };
}

type Module = typeof fromSource;
const compiled = (await import(pathToFileURL(path.join(REPO, 'dist', 'io', 'tree-writer.js')).href)) as Module;

describe.each([['worker thread (dist)', compiled], ['in-thread fallback (src)', fromSource]] as const)('startTreeWriter: %s', (_name, mod) => {
  it('writes every file, bytes and text, exactly', async () => {
    const dir = await tempDir('pvpatch-writer-');
    await fsp.mkdir(path.join(dir, 'a', 'b'), { recursive: true });
    const entries = Array.from({ length: 300 }, (_, i) => [path.join(dir, i % 2 ? 'a' : 'a/b', `f${i}.c`), i % 3 ? Buffer.from(`int f${i};\r\n\u00e9\n`) : `text ${i}\n`] as const);
    await mod.startTreeWriter(entries).finish();
    for (const [file, data] of entries) expect(await fsp.readFile(file)).toEqual(Buffer.from(data));
  });

  it('describes the patched files as it writes them: their regions as fileRegions makes them, and their cache entries', async () => {
    const dir = await tempDir('pvpatch-writer-');
    const files = Array.from({ length: 12 }, (_, i) => ({ ...patched(i), file: `d/f${i}.c` }));
    const base = { format: 1, file: 'd/f0.c', deleted: false, outcomes: [] };
    const w = mod.startTreeWriter([], config);
    w.add(files.map((f, i) => [path.join(dir, `f${i}.c`), { text: f.text, describe: { file: f.file, ...originMarks(f.origins), ...(i === 0 ? { entry: { json: path.join(dir, 'e.json'), out: path.join(dir, 'e.out'), base } } : {}) } }] as const));
    const described = await w.finish();
    expect(described.map((d) => d.file)).toEqual(files.map((f) => f.file));
    const oracle = branchOracle(config);
    described.forEach((d, i) => expect(d.regions).toEqual(fileRegions(files[i]!.file, files[i]!.text, files[i]!.origins, config, oracle)));
    expect(described[1]!.regions.map((r) => r.branches.map((b) => b.kernels))).toEqual([[['old'], ['new']], [['old', 'new']]]);
    for (const [i, f] of files.entries()) expect(await fsp.readFile(path.join(dir, `f${i}.c`), 'utf8')).toBe(f.text);
    // Only the file that asked for one has a cache entry: its text, and the entry with the regions and the text's sha256.
    expect(await fsp.readFile(path.join(dir, 'e.out'), 'utf8')).toBe(files[0]!.text);
    const entry = JSON.parse(await fsp.readFile(path.join(dir, 'e.json'), 'utf8')) as { sha: string; regions: unknown };
    expect(entry).toEqual({ ...base, sha: described[0]!.sha, regions: described[0]!.regions });
    expect(entry.sha).toBe(createHash('sha256').update(files[0]!.text).digest('hex'));
    expect(described[1]!.sha).toBeUndefined();
  });

  it('never writes over an existing file, and names the file that failed', async () => {
    const dir = await tempDir('pvpatch-writer-');
    await fsp.writeFile(path.join(dir, 'taken.c'), 'keep me\n');
    const w = mod.startTreeWriter([[path.join(dir, 'first.c'), 'x\n'], [path.join(dir, 'taken.c'), 'overwrite\n'], [path.join(dir, 'missing-dir', 'x.c'), 'y\n']]);
    const err = await w.finish().then(() => undefined, (e: unknown) => e);
    // The module's own IoError class (dist and src each have one): check by name and fields.
    expect(err).toBeInstanceOf(Error);
    expect((err as IoError).name).toBe('IoError');
    expect((err as IoError).location?.file).toBe(path.join(dir, 'taken.c'));
    expect((err as Error).message).toMatch(/EEXIST/);
    expect(await fsp.readFile(path.join(dir, 'taken.c'), 'utf8')).toBe('keep me\n');
  });

  it('writes the files added later after the first ones, and copies files given by path', async () => {
    const dir = await tempDir('pvpatch-writer-');
    const src = path.join(dir, 'src.c');
    await fsp.writeFile(src, 'int upstream;\n');
    await fsp.mkdir(path.join(dir, 'out'));
    const w = mod.startTreeWriter([[path.join(dir, 'out', 'copied.c'), { from: src, stat: statKey(lstatSync(src, { bigint: true })) }]]);
    w.add([[path.join(dir, 'out', 'later.c'), 'later\n']]);
    w.add([[path.join(dir, 'out', 'last.c'), Buffer.from('last\n')]]);
    await w.finish();
    expect(await fsp.readFile(path.join(dir, 'out', 'copied.c'), 'utf8')).toBe('int upstream;\n');
    expect(await fsp.readFile(path.join(dir, 'out', 'later.c'), 'utf8')).toBe('later\n');
    expect(await fsp.readFile(path.join(dir, 'out', 'last.c'), 'utf8')).toBe('last\n');
  });

  it('refuses a copy whose source is not the file that was trusted (it changed since)', async () => {
    const dir = await tempDir('pvpatch-writer-');
    const src = path.join(dir, 'src.c');
    await fsp.writeFile(src, 'int upstream;\n');
    const trusted = statKey(lstatSync(src, { bigint: true }));
    await fsp.appendFile(src, 'int tampered;\n');
    const w = mod.startTreeWriter([[path.join(dir, 'copied.c'), { from: src, stat: trusted }]]);
    const err = await w.finish().then(() => undefined, (e: unknown) => e);
    expect((err as IoError).name).toBe('IoError');
    expect((err as Error).message).toMatch(/changed while it was copied/);
  });
});
