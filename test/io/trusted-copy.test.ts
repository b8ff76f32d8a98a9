// The copy of files trusted by their recorded stats, on the main thread alone (from the TypeScript
// source, no worker) and with the compiled worker (dist/): every file copied when all are as
// recorded; a changed, missing or differently-moded source, or a file in the way, stops it.
import { describe, expect, it } from 'vitest';
import { lstatSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO, tempDir } from '../helpers/cli.js';
import * as fromSource from '../../src/io/trusted-copy.js';
import { statKey } from '../../src/io/verified.js';

type Module = typeof fromSource;
const compiled = async (): Promise<Module> => (await import(pathToFileURL(path.join(REPO, 'dist', 'io', 'trusted-copy.js')).href)) as Module;
const MODE = 0o644;

async function sources(n: number): Promise<{ src: string; jobs: fromSource.TrustedJob[] }> {
  const src = await tempDir('pvpatch-tc-src-');
  const jobs: fromSource.TrustedJob[] = [];
  for (let i = 0; i < n; i++) {
    const rel = `d${i % 7}/f${i}.c`;
    await fsp.mkdir(path.join(src, `d${i % 7}`), { recursive: true });
    await fsp.writeFile(path.join(src, rel), `int f${i};\n`.repeat(1 + (i % 5)), { mode: MODE });
    await fsp.chmod(path.join(src, rel), MODE);
    jobs.push({ src: path.join(src, rel), dst: i % 10 === 9 ? null : rel, stat: statKey(lstatSync(path.join(src, rel), { bigint: true })).join() });
  }
  return { src, jobs };
}

async function destination(jobs: readonly fromSource.TrustedJob[]): Promise<string> {
  const dst = await tempDir('pvpatch-tc-dst-');
  for (let i = 0; i < 7; i++) await fsp.mkdir(path.join(dst, `d${i}`));
  expect(jobs.length).toBeGreaterThan(0);
  return dst;
}

describe.each([
  ['the main thread alone', async () => fromSource],
  ['the main thread and the worker', compiled],
])('trusted copy on %s', (_name, load) => {
  it('copies every file (the checked-only ones not) when all are as recorded', async () => {
    const { startTrustedCopy } = await load();
    const { src, jobs } = await sources(400);
    const dst = await destination(jobs);
    const r = await startTrustedCopy(jobs, MODE).run(dst);
    expect(r).toEqual({ ok: true });
    for (const j of jobs) {
      if (j.dst === null) await expect(fsp.access(path.join(dst, path.relative(src, j.src)))).rejects.toThrow();
      else expect(await fsp.readFile(path.join(dst, j.dst), 'utf8')).toBe(await fsp.readFile(j.src, 'utf8'));
    }
  });

  it('stops at a source changed since it was recorded, one gone, another mode, or a file in the way', async () => {
    const { startTrustedCopy } = await load();
    const { jobs } = await sources(60);
    const changed = jobs[41] as fromSource.TrustedJob;
    await fsp.appendFile(changed.src, '/* edited */\n');
    const r1 = await startTrustedCopy(jobs, MODE).run(await destination(jobs));
    expect(r1).toMatchObject({ ok: false, file: changed.src, why: 'changed since it was recorded' });

    const fresh = (await sources(30)).jobs;
    await fsp.rm((fresh[29] as fromSource.TrustedJob).src);
    expect(await startTrustedCopy(fresh, MODE).run(await destination(fresh))).toMatchObject({ ok: false, file: (fresh[29] as fromSource.TrustedJob).src });

    const other = (await sources(10)).jobs;
    expect(await startTrustedCopy(other, 0o600).run(await destination(other))).toMatchObject({ ok: false, why: 'mode differs from a written file' });

    const dst = await destination(other);
    await fsp.writeFile(path.join(dst, (other[3] as fromSource.TrustedJob).dst as string), 'in the way');
    expect(await startTrustedCopy(other, MODE).run(dst)).toMatchObject({ ok: false, file: (other[3] as fromSource.TrustedJob).src });
  });

  it('can be called off before it runs', async () => {
    const { startTrustedCopy } = await load();
    const { jobs } = await sources(5);
    await startTrustedCopy(jobs, MODE).cancel();
  });
});
