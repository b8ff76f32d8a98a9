import { describe, expect, it, beforeAll } from 'vitest';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { copySampleWorkspace, pvpatch, readTree, tempDir } from '../helpers/cli.js';

/** The sample workspace with drop 1.0 imported (the repository ships upstream/1.0 without drops.json). */
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

describe('pvpatch new', () => {
  let ws: string;
  beforeAll(async () => {
    ws = await sampleWorkspace();
  });

  it('creates a header-only patch at the end of the series, with a template', async () => {
    const r = pvpatch(['new', 'blkfront/discard', '--subject', 'blkfront: no discard before 2.6.28', '--author', 'A U Thor <a@example.org>'], { cwd: ws });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('created patches/blkfront/discard.patch (#22 in the series)');
    const text = await fsp.readFile(path.join(ws, 'patches/blkfront/discard.patch'), 'utf8');
    expect(text.split('\n').slice(0, 4)).toEqual(['From: A U Thor <a@example.org>', 'Subject: [PATCH] blkfront: no discard before 2.6.28', '', 'Why: TODO what the older kernels lack or do differently, and why this is']);
    expect(text).toMatch(/\nKernels: TODO which kernels/);
    expect(text).toMatch(/\nUpstream: TODO the upstream change/);
    expect(text.endsWith('\n---\n')).toBe(true);
    const series = await fsp.readFile(path.join(ws, 'patches/series'), 'utf8');
    expect(series.trimEnd().split('\n').pop()).toBe('blkfront/discard.patch');
    // The empty patch does not disturb the series: apply and series listing still work.
    const list = pvpatch(['series', '--json'], { cwd: ws });
    expect(JSON.parse(list.stdout).patches.at(-1)).toMatchObject({ name: 'blkfront/discard.patch', hunks: 0, subject: 'blkfront: no discard before 2.6.28' });
  });

  it('puts it after another patch with --after, keeping the rest of the series file', async () => {
    const seriesFile = path.join(ws, 'patches/series');
    await fsp.writeFile(seriesFile, '# curated\n' + (await fsp.readFile(seriesFile, 'utf8')));
    const r = pvpatch(['new', 'netfront/mtu.patch', '--after', 'netfront/gfp-t', '--why', 'old kernels have no ndo_change_mtu', '--json'], { cwd: ws });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ name: 'netfront/mtu.patch', file: 'patches/netfront/mtu.patch', position: 16 });
    const lines = (await fsp.readFile(seriesFile, 'utf8')).split('\n');
    expect(lines[0]).toBe('# curated');
    expect(lines[lines.indexOf('netfront/gfp-t.patch') + 1]).toBe('netfront/mtu.patch');
    expect(await fsp.readFile(path.join(ws, 'patches/netfront/mtu.patch'), 'utf8')).toContain('Why: old kernels have no ndo_change_mtu\n');
  });

  it('refuses duplicates and names outside patches/ with exit 2, changing nothing', async () => {
    const before = await readTree(path.join(ws, 'patches'));
    const cases: [string[], RegExp][] = [
      [['new', 'blkfront/elevator-noop'], /blkfront\/elevator-noop\.patch is already in the series/],
      [['new', '../evil'], /bad patch name "\.\.\/evil"/],
      [['new', '/etc/passwd'], /bad patch name/],
      [['new', 'blkfront/../../x'], /bad patch name/],
      [['new', 'toplevel'], /expected SUBSYS\/NAME/],
      [['new', '.dropped/x'], /bad patch name/],
      [['new', 'blkfront/y', '--after', 'nope/none'], /no patch nope\/none\.patch in patches\/series/],
    ];
    for (const [args, message] of cases) {
      const r = pvpatch(args, { cwd: ws });
      expect([args, r.code]).toEqual([args, 2]);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    }
    await fsp.writeFile(path.join(ws, 'patches/blkfront/stray.patch'), 'x\n');
    const stray = pvpatch(['new', 'blkfront/stray'], { cwd: ws });
    expect(stray.code).toBe(2);
    expect(stray.stderr).toMatch(/patches\/blkfront\/stray\.patch already exists \(not in the series\)/);
    await fsp.rm(path.join(ws, 'patches/blkfront/stray.patch'));
    expect(await readTree(path.join(ws, 'patches'))).toEqual(before);
  });

  it('has --help', () => {
    const r = pvpatch(['new', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--after <patch>/);
  });
});
