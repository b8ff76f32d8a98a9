import { describe, expect, it, beforeEach } from 'vitest';
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

const TREE = '.pvpatch/edit/tree';

describe('pvpatch edit', () => {
  let ws: string;
  beforeEach(async () => {
    ws = await sampleWorkspace();
  });

  it('materialises the drop with the series applied up to and including the patch, unannotated', async () => {
    const r = pvpatch(['edit', 'blkfront/elevator-noop'], { cwd: ws });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('editing blkfront/elevator-noop.patch in .pvpatch/edit/tree/ (drop 1.0 + 6 patches before it, 14 files)');
    const tree = await readTree(path.join(ws, TREE));
    const blk = tree['blkfront/blkfront.c'] ?? '';
    expect(blk).toContain('#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)\n\televator_init(rq, &elevator_noop);\n#else\n');
    expect(tree['include/xen/xenbus.h']).toContain('typedef _Bool bool;'); // common/bool-type, applied before
    expect(blk).not.toContain('kmem_cache_t'); // blkfront/kmem-cache-t comes later
    expect(Object.values(tree).join('')).not.toContain('/* pvpatch:');
    const state = JSON.parse(await fsp.readFile(path.join(ws, '.pvpatch/edit/state.json'), 'utf8'));
    expect(state).toMatchObject({ version: 2, patch: 'blkfront/elevator-noop.patch', dir: TREE, drop: '1.0' });
    expect(state.before).toEqual(['common/bool-type.patch', 'common/kzalloc.patch', 'common/irq-handler-regs.patch', 'xenbus/mutex.patch', 'xenbus/uevent-env.patch', 'xenbus/hotplug.patch']);
    // The state keeps only what the patches before changed in the drop (the rest is the drop's).
    const drop = await readTree(path.join(ws, 'upstream/1.0'));
    expect(state.base['include/xen/xenbus.h']).toContain('typedef _Bool bool;');
    expect(Object.keys(state.base).length).toBeGreaterThan(0);
    expect(Object.keys(state.base).length).toBeLessThan(Object.keys(tree).length);
    for (const [rel, text] of Object.entries(state.base as Record<string, string | null>)) expect(text, rel).not.toBe(drop[rel] ?? null);
    const base = { ...drop, ...state.base };
    expect(base['blkfront/blkfront.c']).not.toContain('elevator_noop');
    expect(Object.keys(base).sort()).toEqual(Object.keys(tree).sort());

    const show = pvpatch(['edit', '--json'], { cwd: ws });
    expect(JSON.parse(show.stdout)).toMatchObject({ open: true, patch: 'blkfront/elevator-noop.patch', changed: [] });
  });

  it('writes the tree into --dir, and moves an untouched open edit there', async () => {
    pvpatch(['edit', 'common/kzalloc'], { cwd: ws });
    const dir = path.join(await tempDir(), 'work');
    const r = pvpatch(['edit', 'netfront/napi', '--dir', dir, '--json'], { cwd: ws });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ patch: 'netfront/napi.patch', dir, drop: '1.0', files: 14 });
    expect((await readTree(dir))['netfront/netfront.c']).toContain('napi');
    await expect(fsp.access(path.join(ws, TREE))).rejects.toThrow();
  });

  it('protects unrefreshed changes and directories that are not its own', async () => {
    pvpatch(['edit', 'common/kzalloc'], { cwd: ws });
    await fsp.appendFile(path.join(ws, TREE, 'netfront/netfront.c'), '/* mine */\n');
    const other = pvpatch(['edit', 'netfront/napi'], { cwd: ws });
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/common\/kzalloc\.patch is open with unrefreshed changes \(netfront\/netfront\.c\)/);
    const again = pvpatch(['edit', 'common/kzalloc'], { cwd: ws });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already open in \.pvpatch\/edit\/tree\/ with unrefreshed changes/);
    const close = pvpatch(['edit', '--close'], { cwd: ws });
    expect(close.code).toBe(2);
    expect((await readTree(path.join(ws, TREE)))['netfront/netfront.c']).toContain('/* mine */');

    const busy = await tempDir();
    await fsp.writeFile(path.join(busy, 'keep.txt'), 'x');
    for (const [dir, message] of [[busy, /exists and is not empty/], [ws, /holds the workspace itself/], [path.join(ws, 'patches/x'), /inside patches\//]] as const) {
      const r = pvpatch(['edit', 'netfront/napi', '--force', '--dir', dir], { cwd: ws });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect(await fsp.readFile(path.join(busy, 'keep.txt'), 'utf8')).toBe('x');

    const forced = pvpatch(['edit', '--close', '--force', '--json'], { cwd: ws });
    expect(JSON.parse(forced.stdout)).toEqual({ closed: 'common/kzalloc.patch', dir: TREE, discarded: ['netfront/netfront.c'] });
    await expect(fsp.access(path.join(ws, '.pvpatch/edit/state.json'))).rejects.toThrow();
    expect(pvpatch(['edit'], { cwd: ws }).stdout).toMatch(/no patch is open/);
  });

  it('refuses unknown patches and a drop-less workspace with exit 2', async () => {
    const r = pvpatch(['edit', 'blkfront/nope'], { cwd: ws });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^pvpatch: patches\/series: no patch blkfront\/nope\.patch in patches\/series/);
    const empty = await tempDir();
    pvpatch(['init', empty]);
    pvpatch(['new', 'a/b'], { cwd: empty });
    const nodrop = pvpatch(['edit', 'a/b'], { cwd: empty });
    expect(nodrop.code).toBe(2);
    expect(nodrop.stderr).toMatch(/no upstream drop yet/);
  });
});
