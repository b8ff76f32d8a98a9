import { describe, expect, it } from 'vitest';
import { promises as fsp } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { copySampleWorkspace, pvpatch, readTree, tempDir, writeTree } from '../helpers/cli.js';

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

const hasGit = spawnSync('git', ['--version'], { stdio: 'ignore' }).status === 0;
const TREE = '.pvpatch/edit/tree';

async function seriesOf(ws: string): Promise<string[]> {
  return (await fsp.readFile(path.join(ws, 'patches/series'), 'utf8')).split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
}

/** The pre-patch tree of an edit state (version 2): the drop with the state's base laid over it (null: deleted). */
function preTree(drop: Record<string, string>, base: Record<string, string | null>): Record<string, string> {
  const out: Record<string, string> = { ...drop };
  for (const [rel, text] of Object.entries(base)) {
    if (text === null) delete out[rel];
    else out[rel] = text;
  }
  return out;
}

describe('pvpatch refresh', () => {
  it('leaves every sample patch byte-identical after edit + refresh without changes', async () => {
    const ws = await sampleWorkspace();
    const before = await readTree(path.join(ws, 'patches'));
    const names = await seriesOf(ws);
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) {
      const e = pvpatch(['edit', name, '--force'], { cwd: ws });
      expect([name, e.code, e.stderr]).toEqual([name, 0, '']);
      const r = pvpatch(['refresh', '--json'], { cwd: ws });
      expect([name, r.code, r.stderr]).toEqual([name, 0, '']);
      expect(JSON.parse(r.stdout)).toMatchObject({ patch: name, changed: false, written: false, later: { checked: names.length - names.indexOf(name) - 1 } });
    }
    expect(await readTree(path.join(ws, 'patches'))).toEqual(before);
  });

  it('regenerates the diff from the work tree: changed, new and deleted files, header kept, Pvpatch-Base recorded', async () => {
    const ws = await sampleWorkspace();
    const file = path.join(ws, 'patches/netfront/gfp-t.patch');
    const original = await fsp.readFile(file, 'utf8');
    const header = original.slice(0, original.indexOf('\n---\n') + 1);
    expect(pvpatch(['edit', 'netfront/gfp-t'], { cwd: ws }).code).toBe(0);
    const tree = path.join(ws, TREE);
    const c = await fsp.readFile(path.join(tree, 'netfront/netfront.c'), 'utf8');
    await fsp.writeFile(path.join(tree, 'netfront/netfront.c'), c
      .replace('#include <linux/version.h>\n', '#include <linux/version.h>\n#include "compat.h"\n')
      .replace('\tstruct netfront_info *np = netdev_priv(dev);\n\tstruct xen_netif_rx_request *req;\n', '\tstruct netfront_info *np = netdev_priv(dev); /* ours */\n\tstruct xen_netif_rx_request *req;\n'));
    await writeTree(tree, { 'netfront/compat.h': '/* netfront compat helpers */\n#define NETFRONT_COMPAT 1\n', 'netfront/netfront.c~': 'editor backup\n' });
    await fsp.rm(path.join(tree, 'include/xen/ring.h'));
    const r = pvpatch(['refresh'], { cwd: ws });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('refreshed patches/netfront/gfp-t.patch: 3 files\n  D include/xen/ring.h (+0 -');
    expect(r.stdout).toContain('\n  A netfront/compat.h (+2 -0)\n');
    expect(r.stdout).toMatch(/the 6 later patches still apply on top$/m);
    const text = await fsp.readFile(file, 'utf8');
    expect(text.startsWith(header)).toBe(true);
    const dropBlob = execFileSync('git', ['hash-object', path.join(ws, 'upstream/1.0/netfront/netfront.c')], { encoding: 'utf8' }).trim();
    expect(text).toContain(`\nPvpatch-Base: 1.0 include/xen/ring.h=`);
    expect(text).toContain(`netfront/netfront.c=${dropBlob}`);
    expect(text).toContain('diff --git a/netfront/compat.h b/netfront/compat.h\nnew file mode 100644\nindex 0000000..');
    expect(text).toContain('--- /dev/null\n+++ b/netfront/compat.h\n@@ -0,0 +1,2 @@\n+/* netfront compat helpers */\n');
    expect(text).toContain('diff --git a/include/xen/ring.h b/include/xen/ring.h\ndeleted file mode 100644\n');
    // diff -p: the nearest function line above the hunk, cut to 40 columns.
    expect(text).toMatch(/\n@@ -\d+,7 \+\d+,7 @@ static struct sk_buff \*xennet_alloc_rx_s\n \/\* Fill every empty rx slot[^\n]*\n static void xennet_alloc_rx_buffers\(struct net_device \*dev\)\n \{\n-\tstruct netfront_info \*np = netdev_priv\(dev\);\n\+.*\/\* ours \*\/\n/);
    expect(text).not.toContain('netfront.c~');
    expect(text).not.toMatch(/^(---|\+\+\+) .*\t/m); // no timestamps
    // The refreshed patch is valid input for git apply on the pre-patch tree.
    if (hasGit) {
      const state = JSON.parse(await fsp.readFile(path.join(ws, '.pvpatch/edit/state.json'), 'utf8'));
      const base = await tempDir();
      await writeTree(base, preTree(await readTree(path.join(ws, 'upstream/1.0')), state.base));
      execFileSync('git', ['apply', '--check', '-p1', file], { cwd: base });
    }
  });

  it('refreshes an edit opened by an older pvpatch (a version-1 state holding the whole pre-patch tree)', async () => {
    const ws = await sampleWorkspace();
    expect(pvpatch(['edit', 'blkfront/elevator-noop'], { cwd: ws }).code).toBe(0);
    const stateFile = path.join(ws, '.pvpatch/edit/state.json');
    const state = JSON.parse(await fsp.readFile(stateFile, 'utf8'));
    expect(state.version).toBe(2);
    await fsp.writeFile(stateFile, JSON.stringify({ ...state, version: 1, base: preTree(await readTree(path.join(ws, 'upstream/1.0')), state.base) }));
    const blk = path.join(ws, TREE, 'blkfront/blkfront.c');
    await fsp.writeFile(blk, (await fsp.readFile(blk, 'utf8')).replace('elevator_init(rq, &elevator_noop);', 'elevator_init(rq, &elevator_noop); /* v1 */'));
    const r = pvpatch(['refresh', '--json'], { cwd: ws });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ changed: true, written: true, files: [{ path: 'blkfront/blkfront.c', change: 'modify', insertions: 4, deletions: 0 }] });
    expect(await fsp.readFile(path.join(ws, 'patches/blkfront/elevator-noop.patch'), 'utf8')).toContain('+\televator_init(rq, &elevator_noop); /* v1 */\n');
    // A damaged base is refused with the state file named, and nothing is written.
    await fsp.writeFile(stateFile, JSON.stringify({ ...state, base: { 'blkfront/blkfront.c': 7 } }));
    const bad = pvpatch(['refresh'], { cwd: ws });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(`pvpatch: .pvpatch/edit/state.json: the edit state's base is damaged; remove .pvpatch/edit/ to start over\n`);
  });

  it('reports a later patch that no longer applies (exit 1) but keeps the refreshed patch', async () => {
    const ws = await sampleWorkspace();
    pvpatch(['edit', 'blkfront/elevator-noop'], { cwd: ws });
    const blk = path.join(ws, TREE, 'blkfront/blkfront.c');
    const text = await fsp.readFile(blk, 'utf8');
    // Rewrite every line the later blkfront patches rely on: re-indent the whole file.
    await fsp.writeFile(blk, text.replace(/^\t/gm, '        '));
    const r = pvpatch(['refresh', '--json'], { cwd: ws });
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ patch: 'blkfront/elevator-noop.patch', changed: true, written: true, later: { failure: { patch: 'blkfront/kmem-cache-dtor.patch', file: 'blkfront/blkfront.c', hunk: 1 } } });
    const forced = pvpatch(['refresh', '--force'], { cwd: ws });
    expect(forced.code).toBe(1);
    expect(forced.stdout).toMatch(/a later patch no longer applies on top: hunk #1 \(@@ .*\) of blkfront\/kmem-cache-dtor\.patch does not apply to blkfront\/blkfront\.c/);
    expect(forced.stderr).toBe('pvpatch: patches/blkfront/kmem-cache-dtor.patch: blkfront/kmem-cache-dtor.patch no longer applies after blkfront/elevator-noop.patch: fix it with "pvpatch edit blkfront/kmem-cache-dtor"\n');
    expect(await fsp.readFile(path.join(ws, 'patches/blkfront/elevator-noop.patch'), 'utf8')).toContain('+        elevator_init(rq, &elevator_noop);');
    // The edit stays open on the refreshed patch: refreshing again does not rewrite it.
    const again = pvpatch(['refresh', '--json'], { cwd: ws });
    expect(JSON.parse(again.stdout)).toMatchObject({ changed: false, written: false });
  });

  it('--dry-run writes nothing; a patch changed since edit is refused unless --force; no open edit is exit 2', async () => {
    const ws = await sampleWorkspace();
    const none = pvpatch(['refresh'], { cwd: ws });
    expect(none.code).toBe(2);
    expect(none.stderr).toBe('pvpatch: no patch is open for editing; run "pvpatch edit SUBSYS/NAME" first\n');
    const file = path.join(ws, 'patches/platform-pci/irqf-shared.patch');
    const original = await fsp.readFile(file, 'utf8');
    pvpatch(['edit', 'platform-pci/irqf-shared'], { cwd: ws });
    await fsp.appendFile(path.join(ws, TREE, 'platform-pci/platform-pci.c'), '/* end */\n');
    const dry = pvpatch(['refresh', '--dry-run'], { cwd: ws });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^would refresh patches\/platform-pci\/irqf-shared\.patch: 1 file\n {2}M platform-pci\/platform-pci\.c \(\+\d+ -\d+\)/);
    expect(await fsp.readFile(file, 'utf8')).toBe(original);
    await fsp.writeFile(file, original.replace('Subject:', 'Subject: [v2]'));
    const changed = pvpatch(['refresh'], { cwd: ws });
    expect(changed.code).toBe(2);
    expect(changed.stderr).toMatch(/patches\/platform-pci\/irqf-shared\.patch: patches\/platform-pci\/irqf-shared\.patch changed since it was opened for editing; --force/);
    const forced = pvpatch(['refresh', '--force'], { cwd: ws });
    expect(forced.code).toBe(0);
    const text = await fsp.readFile(file, 'utf8');
    expect(text).toContain('Subject: [v2]');
    expect(text).toContain('+/* end */');
  });
});
