import { describe, expect, it } from 'vitest';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { copySampleWorkspace, pvpatch, readTree, tempDir } from '../helpers/cli.js';

/** The sample workspace with drop 1.0 imported (older checkouts ship upstream/1.0 without drops.json). */
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

async function series(ws: string): Promise<string[]> {
  return (await fsp.readFile(path.join(ws, 'patches/series'), 'utf8')).split('\n').filter((l) => l !== '');
}

describe('pvpatch series', () => {
  it('lists every patch with subsystem, hunk count and subject (text and --json)', async () => {
    const ws = await sampleWorkspace();
    const names = await series(ws);
    const r = pvpatch(['series', '--json'], { cwd: ws });
    expect(r.code).toBe(0);
    const data = JSON.parse(r.stdout);
    expect(data.dropped).toEqual([]);
    expect(data.patches.map((p: { name: string }) => p.name)).toEqual(names);
    expect(data.patches.find((p: { name: string }) => p.name === 'blkfront/elevator-noop.patch')).toEqual({
      index: 7, name: 'blkfront/elevator-noop.patch', subsystem: 'blkfront', files: 1, hunks: 1, subject: 'blkfront: elevator_init() took a struct before 2.6.10',
    });
    const text = pvpatch(['series'], { cwd: ws });
    expect(text.stdout.split('\n')[0]).toMatch(/^#\s+patch\s+subsystem\s+hunks\s+subject$/);
    expect(text.stdout).toMatch(/\n7\s+blkfront\/elevator-noop\.patch\s+blkfront\s+1\s+blkfront: elevator_init\(\) took a struct before 2\.6\.10\n/);
  });

  it('moves a patch after another or first, keeping comments, and refuses a move that breaks the series', async () => {
    const ws = await sampleWorkspace();
    const file = path.join(ws, 'patches/series');
    await fsp.writeFile(file, `# the sample\n${await fsp.readFile(file, 'utf8')}# end\n`);
    const r = pvpatch(['series', '--move', 'platform-pci/irqf-shared', '--after', 'common/kzalloc', '--json'], { cwd: ws });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({ action: 'move', patch: 'platform-pci/irqf-shared.patch', position: 3 });
    let lines = await series(ws);
    expect(lines.slice(0, 4)).toEqual(['# the sample', 'common/bool-type.patch', 'common/kzalloc.patch', 'platform-pci/irqf-shared.patch']);
    expect(lines.at(-1)).toBe('# end');
    expect(pvpatch(['series', '--move', 'netfront/napi', '--first'], { cwd: ws }).stdout).toBe('moved netfront/napi.patch: now #1 of 21\n');
    lines = await series(ws);
    expect(lines.slice(0, 2)).toEqual(['# the sample', 'netfront/napi.patch']);

    // end-request-uptodate changes lines end-request adds: it cannot go before it.
    const before = await fsp.readFile(file, 'utf8');
    const broken = pvpatch(['series', '--move', 'blkfront/end-request-uptodate', '--first'], { cwd: ws });
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/^pvpatch: patches\/blkfront\/end-request-uptodate\.patch: moving blkfront\/end-request-uptodate\.patch would break the series: hunk #1 .* \(nothing changed; --force does it anyway\)/);
    expect(await fsp.readFile(file, 'utf8')).toBe(before);
  });

  it('drops a patch into patches/.dropped/ and restores it at the end or --after', async () => {
    const ws = await sampleWorkspace();
    const text = await fsp.readFile(path.join(ws, 'patches/netfront/checksum-hw.patch'), 'utf8');
    const d = pvpatch(['series', '--drop', 'netfront/checksum-hw'], { cwd: ws });
    expect(d.code).toBe(0);
    expect(d.stdout).toMatch(/^dropped netfront\/checksum-hw\.patch: now in patches\/\.dropped\/netfront\/checksum-hw\.patch/);
    expect(await series(ws)).not.toContain('netfront/checksum-hw.patch');
    await expect(fsp.access(path.join(ws, 'patches/netfront/checksum-hw.patch'))).rejects.toThrow();
    expect(await fsp.readFile(path.join(ws, 'patches/.dropped/netfront/checksum-hw.patch'), 'utf8')).toBe(text);
    expect(JSON.parse(pvpatch(['series', '--json'], { cwd: ws }).stdout).dropped).toEqual(['netfront/checksum-hw.patch']);
    expect(pvpatch(['series'], { cwd: ws }).stdout).toMatch(/\ndropped \(in patches\/\.dropped\/\): netfront\/checksum-hw\.patch\n$/);

    const r = pvpatch(['series', '--restore', 'netfront/checksum-hw', '--after', 'netfront/napi', '--json'], { cwd: ws });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ action: 'restore', patch: 'netfront/checksum-hw.patch', position: 18 });
    const lines = await series(ws);
    expect(lines[lines.indexOf('netfront/napi.patch') + 1]).toBe('netfront/checksum-hw.patch');
    expect(await fsp.readFile(path.join(ws, 'patches/netfront/checksum-hw.patch'), 'utf8')).toBe(text);
    expect(pvpatch(['series', '--drop', 'platform-pci/device-table'], { cwd: ws }).code).toBe(0);
    expect(pvpatch(['series', '--restore', 'platform-pci/device-table.patch'], { cwd: ws }).stdout).toBe('restored platform-pci/device-table.patch: now #21 of 21\n');
    expect(pvpatch(['apply'], { cwd: ws }).code).toBe(0);
  });

  it('refuses bad requests with exit 2, changing nothing', async () => {
    const ws = await sampleWorkspace();
    const before = await readTree(path.join(ws, 'patches'));
    const cases: [string[], RegExp][] = [
      [['series', '--move', 'blkfront/elevator-noop'], /--move needs --after OTHER or --first/],
      [['series', '--move', 'blkfront/nope', '--first'], /no patch blkfront\/nope\.patch in patches\/series/],
      [['series', '--move', 'blkfront/elevator-noop', '--after', 'blkfront/elevator-noop'], /cannot move blkfront\/elevator-noop\.patch after itself/],
      [['series', '--drop', 'a/b', '--move', 'c/d'], /one of --move, --drop, --restore at a time/],
      [['series', '--restore', 'blkfront/elevator-noop'], /no dropped patch blkfront\/elevator-noop\.patch in patches\/\.dropped\/ \(none is dropped\)/],
      [['series', '--first'], /--after and --first go with --move or --restore/],
    ];
    for (const [args, message] of cases) {
      const r = pvpatch(args, { cwd: ws });
      expect([args.join(' '), r.code]).toEqual([args.join(' '), 2]);
      expect(r.stderr).toMatch(message);
    }
    pvpatch(['edit', 'common/kzalloc'], { cwd: ws });
    const open = pvpatch(['series', '--drop', 'netfront/napi'], { cwd: ws });
    expect(open.code).toBe(2);
    expect(open.stderr).toMatch(/common\/kzalloc\.patch is open for editing/);
    expect(await readTree(path.join(ws, 'patches'))).toEqual(before);
  });
});
