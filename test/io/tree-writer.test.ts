// The tree writer apply uses for the files no patch touches: on a worker thread from the compiled
// module (dist/, built by pretest), synchronously when run from its TypeScript source.
import { describe, expect, it } from 'vitest';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO, tempDir } from '../helpers/cli.js';
import * as fromSource from '../../src/io/tree-writer.js';
import { IoError } from '../../src/core/errors.js';

type Module = typeof fromSource;
const compiled = (await import(pathToFileURL(path.join(REPO, 'dist', 'io', 'tree-writer.js')).href)) as Module;

describe.each([['worker thread (dist)', compiled], ['in-thread fallback (src)', fromSource]] as const)('startTreeWriter: %s', (_name, mod) => {
  it('writes every file, bytes and text, exactly', async () => {
    const dir = await tempDir('pvpatch-writer-');
    await fsp.mkdir(path.join(dir, 'a', 'b'), { recursive: true });
    const entries = Array.from({ length: 300 }, (_, i) => [path.join(dir, i % 2 ? 'a' : 'a/b', `f${i}.c`), i % 3 ? Buffer.from(`int f${i};\r\n\u00e9\n`) : `text ${i}\n`] as const);
    await mod.startTreeWriter(entries).done;
    for (const [file, data] of entries) expect(await fsp.readFile(file)).toEqual(Buffer.from(data));
  });

  it('never writes over an existing file, and names the file that failed', async () => {
    const dir = await tempDir('pvpatch-writer-');
    await fsp.writeFile(path.join(dir, 'taken.c'), 'keep me\n');
    const w = mod.startTreeWriter([[path.join(dir, 'first.c'), 'x\n'], [path.join(dir, 'taken.c'), 'overwrite\n'], [path.join(dir, 'missing-dir', 'x.c'), 'y\n']]);
    const err = await w.done.then(() => undefined, (e: unknown) => e);
    // The module's own IoError class (dist and src each have one): check by name and fields.
    expect(err).toBeInstanceOf(Error);
    expect((err as IoError).name).toBe('IoError');
    expect((err as IoError).location?.file).toBe(path.join(dir, 'taken.c'));
    expect((err as Error).message).toMatch(/EEXIST/);
    expect(await fsp.readFile(path.join(dir, 'taken.c'), 'utf8')).toBe('keep me\n');
  });
});
