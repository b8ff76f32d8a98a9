// The tree writer apply uses for the files no patch touches: on a worker thread from the compiled
// module (dist/, built by pretest), synchronously when run from its TypeScript source.
import { describe, expect, it } from 'vitest';
import { lstatSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO, tempDir } from '../helpers/cli.js';
import * as fromSource from '../../src/io/tree-writer.js';
import { IoError } from '../../src/core/errors.js';
import { statKey } from '../../src/io/verified.js';

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

  it('shares the last files with the calling thread (help), each file written once', async () => {
    const dir = await tempDir('pvpatch-writer-');
    const dirs = ['a', 'b', 'c', 'd'];
    for (const d of dirs) await fsp.mkdir(path.join(dir, d));
    const entries = Array.from({ length: 4000 }, (_, i) => [path.join(dir, dirs[i % 4] as string, `f${i}.c`), `int f${i};\n`] as const);
    const w = mod.startTreeWriter(entries.slice(0, 1000), 3000);
    for (let k = 1000; k < 4000; k += 500) w.add(entries.slice(k, k + 500));
    // Entries 3000.. are beyond the claims: the writer writes them whatever help does.
    w.help();
    // A file written twice would fail its second write ("wx": EEXIST).
    await w.finish();
    for (const [file, data] of entries) expect(await fsp.readFile(file, 'utf8')).toBe(data);
  });

  it('names the file that failed when the calling thread helps', async () => {
    const dir = await tempDir('pvpatch-writer-');
    await fsp.writeFile(path.join(dir, 'taken.c'), 'keep me\n');
    const w = mod.startTreeWriter([], 100);
    w.add([[path.join(dir, 'first.c'), 'x\n']]);
    w.add([[path.join(dir, 'taken.c'), 'overwrite\n']]);
    const failure = await (async () => {
      w.help();
      await w.finish();
    })().then(() => undefined, (e: unknown) => e);
    expect((failure as IoError).name).toBe('IoError');
    expect((failure as IoError).location?.file).toBe(path.join(dir, 'taken.c'));
    await w.finish().catch(() => undefined);
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
