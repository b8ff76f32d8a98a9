import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { CLI, pvpatch, readTree, tempDir, writeTree } from '../helpers/cli.js';

const KERNELS = JSON.stringify({
  kernels: [
    { name: 'old', version: '2.6.9', build: { kind: 'cc', include: [] } },
    { name: 'new', version: '2.6.27', build: { kind: 'cc', include: [] } },
  ],
});

const V10 = [
  '#include <linux/kernel.h>',
  '',
  'static int blkif_open(struct inode *inode)',
  '{',
  '\tstruct blkfront_info *info = inode->i_bdev->bd_disk->private_data;',
  '\tinfo->users++;',
  '\treturn 0;',
  '}',
  '',
  'static int xlvbd_init_blk_queue(struct gendisk *gd, u16 sector_size)',
  '{',
  '\tstruct request_queue *rq;',
  '',
  '\trq = blk_init_queue(do_blkif_request, &blkif_io_lock);',
  '\tif (rq == NULL)',
  '\t\treturn -1;',
  '',
  '\televator_init(rq, "noop");',
  '',
  '\t/* Hard sector size and max sectors impersonate the equiv. hardware. */',
  '\tblk_queue_hardsect_size(rq, sector_size);',
  '\tblk_queue_max_sectors(rq, 512);',
  '\treturn 0;',
  '}',
  '',
].join('\n');

const PATCH = `From: Sample Maintainer <maint@example.org>
Subject: [PATCH] blkfront: elevator_init() took a struct before 2.6.10

Kernels: old
---
diff --git a/blk/blkfront.c b/blk/blkfront.c
--- a/blk/blkfront.c
+++ b/blk/blkfront.c
@@ -15,7 +15,11 @@ static int xlvbd_init_blk_queue(struct g
 \tif (rq == NULL)
 \t\treturn -1;
 
+#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)
+\televator_init(rq, &elevator_noop);
+#else
 \televator_init(rq, "noop");
+#endif
 
 \t/* Hard sector size and max sectors impersonate the equiv. hardware. */
 \tblk_queue_hardsect_size(rq, sector_size);
`;

async function workspace(v11: string): Promise<string> {
  const ws = await tempDir();
  await writeTree(ws, {
    'kernels.json': KERNELS,
    'd10/blk/blkfront.c': V10,
    'd11/blk/blkfront.c': v11,
    'patches/series': 'blk/elevator.patch\n',
    'patches/blk/elevator.patch': PATCH,
  });
  for (const [dir, v] of [['d10', '1.0'], ['d11', '1.1']] as const) {
    const r = pvpatch(['upstream', 'import', dir, '--version', v], { cwd: ws });
    expect(r.code, r.stderr).toBe(0);
  }
  return ws;
}

function snapshot(ws: string): Promise<Record<string, string>> {
  return readTree(ws, ['.pvpatch', 'out', 'd10', 'd11']);
}

describe('pvpatch rebase', () => {
  it('onto an unchanged drop gives the same patch (only Pvpatch-Base is added)', async () => {
    const ws = await workspace(V10);
    const r = pvpatch(['rebase', '--onto', '1.1', '--json'], { cwd: ws });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { completed: boolean; patches: { status: string }[] };
    expect(report.completed).toBe(true);
    expect(report.patches.map((p) => p.status)).toEqual(['clean']);
    const text = await fsp.readFile(path.join(ws, 'patches/blk/elevator.patch'), 'utf8');
    expect(text.replace(/\nPvpatch-Base: 1\.1 blk\/blkfront\.c=[0-9a-f]{40}\n/, '\n')).toBe(PATCH);
    const blob = execFileSync('git', ['hash-object', path.join(ws, 'd10/blk/blkfront.c')], { encoding: 'utf8' }).trim();
    expect(text).toContain(`Pvpatch-Base: 1.1 blk/blkfront.c=${blob}`);
    expect(JSON.parse(await fsp.readFile(path.join(ws, 'upstream/drops.json'), 'utf8')).current).toBe('1.1');
  });

  it('carries a patch across an offset and reports it', async () => {
    const ws = await workspace('/* SPDX: GPL-2.0 */\n/* Copyright upstream */\n' + V10);
    const r = pvpatch(['rebase', '--onto', '1.1', '--json'], { cwd: ws });
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { patches: { status: string }[] }).patches[0]?.status).toBe('offset');
    expect(await fsp.readFile(path.join(ws, 'patches/blk/elevator.patch'), 'utf8')).toContain('@@ -17,7 +17,11 @@ static int xlvbd_init_blk_queue');
    expect(pvpatch(['apply'], { cwd: ws }).code).toBe(0);
  });

  it('flags a stale guard when upstream changes the wrapped lines, and carries the new lines into the #else', async () => {
    const ws = await workspace(V10.replace('\televator_init(rq, "noop");', '\tif (elevator_init(rq, "noop"))\n\t\treturn -1;'));
    const r = pvpatch(['rebase', '--onto', '1.1', '--json', '--no-review'], { cwd: ws });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { completed: boolean; patches: { status: string; items: { id: string; kind: string }[] }[] };
    expect(report.completed).toBe(false);
    const item = report.patches[0]?.items[0];
    expect(item?.kind).toBe('stale');
    const list = JSON.parse(pvpatch(['review', '--json'], { cwd: ws }).stdout) as { items: { id: string; ours: string[]; branches: { branch: string; kernels: string[] }[]; upstreamChange: string[] }[] };
    expect(list.items[0]?.ours).toEqual([
      '#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)',
      '\televator_init(rq, &elevator_noop);',
      '#else',
      '\tif (elevator_init(rq, "noop"))',
      '\t\treturn -1;',
      '#endif',
    ]);
    expect(list.items[0]?.branches).toEqual([
      { branch: '#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)', kernels: ['old'] },
      { branch: '#else', kernels: ['new'] },
    ]);
    expect(list.items[0]?.upstreamChange.join('\n')).toContain('+\tif (elevator_init(rq, "noop"))');
    expect(pvpatch(['resolve', item?.id as string, '--reviewed'], { cwd: ws }).code).toBe(0);
    const c = pvpatch(['rebase', '--continue'], { cwd: ws });
    expect(c.code, c.stderr).toBe(0);
    expect(pvpatch(['apply', '--no-annotate'], { cwd: ws }).code).toBe(0);
    expect(await fsp.readFile(path.join(ws, 'out/blk/blkfront.c'), 'utf8')).toContain('#else\n\tif (elevator_init(rq, "noop"))\n\t\treturn -1;\n#endif\n');
  });

  it('stops on a conflict, resolves it by script, records it (rerere) and reuses it after an abort', async () => {
    // Upstream rewrites the lines right around the compat branch: a true conflict.
    const v11 = V10.replace('\tif (rq == NULL)\n\t\treturn -1;\n\n\televator_init(rq, "noop");', '\tif (!rq)\n\t\treturn -ENOMEM;\n\televator_init(rq, "deadline");');
    const ws = await workspace(v11);
    const before = await snapshot(ws);
    const r = pvpatch(['rebase', '--onto', '1.1', '--json', '--no-review'], { cwd: ws });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { openConflicts: number; patches: { status: string; items: { id: string; kind: string }[] }[] };
    expect(report.openConflicts).toBeGreaterThan(0);
    expect(report.patches[0]?.status).toBe('conflict');
    const id = report.patches[0]?.items.find((i) => i.kind === 'conflict')?.id as string;
    // The conflict is stored with diff3 markers (base shown).
    const stored = await fsp.readFile(path.join(ws, '.pvpatch/rebase/conflicts', id, 'blk/blkfront.c'), 'utf8');
    expect(stored).toMatch(/^<<<<<<< patch blk\/elevator\.patch\n[\s\S]*\n\|\|\|\|\|\|\| drop 1\.0\n[\s\S]*\n=======\n(?:[\s\S]*\n)?>>>>>>> drop 1\.1\n$/);
    // Continue refuses while it is open.
    expect(pvpatch(['rebase', '--continue', '--no-review'], { cwd: ws }).code).toBe(1);
    // Resolve with a file, then abort: everything is back as before, byte for byte.
    const resolution = path.join(ws, 'resolution.c');
    await fsp.writeFile(resolution, '\tif (!rq)\n\t\treturn -ENOMEM;\n#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)\n\televator_init(rq, &elevator_deadline);\n#else\n\televator_init(rq, "deadline");\n#endif\n');
    const res = pvpatch(['resolve', id, '--file', resolution], { cwd: ws });
    expect(res.code, res.stderr).toBe(0);
    await fsp.rm(resolution);
    expect(pvpatch(['rebase', '--abort'], { cwd: ws }).code).toBe(0);
    expect(await snapshot(ws)).toEqual(before);
    // Redo: the recorded resolution settles the same conflict by itself.
    const again = pvpatch(['rebase', '--onto', '1.1', '--json', '--no-review'], { cwd: ws });
    const second = JSON.parse(again.stdout) as { openConflicts: number; completed: boolean };
    expect(second.openConflicts).toBe(0);
    if (!second.completed) expect(pvpatch(['rebase', '--continue'], { cwd: ws }).code).toBe(0);
    expect(pvpatch(['apply', '--no-annotate'], { cwd: ws }).code).toBe(0);
    const out = await fsp.readFile(path.join(ws, 'out/blk/blkfront.c'), 'utf8');
    expect(out).toContain('\televator_init(rq, &elevator_deadline);\n#else\n\televator_init(rq, "deadline");\n#endif\n');
    expect(out).not.toMatch(/<<<<<<<|>>>>>>>/);
  });

  it('proposes a patch that upstream already contains for dropping and keeps it under patches/.dropped', async () => {
    const applied = V10.replace('\televator_init(rq, "noop");', '#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)\n\televator_init(rq, &elevator_noop);\n#else\n\televator_init(rq, "noop");\n#endif');
    const ws = await workspace(applied);
    const r = pvpatch(['rebase', '--onto', '1.1', '--json'], { cwd: ws });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { patches: { status: string }[]; dropped: string[] };
    expect(report.patches[0]?.status).toBe('already-upstream');
    expect(report.dropped).toEqual(['blk/elevator.patch']);
    expect(await fsp.readFile(path.join(ws, 'patches/series'), 'utf8')).toBe('');
    expect(await fsp.readFile(path.join(ws, 'patches/.dropped/blk/elevator.patch'), 'utf8')).toBe(PATCH);
  });

  // util-linux script(1) gives the CLI a terminal, as a maintainer's shell does.
  it.skipIf(!existsSync('/usr/bin/script'))('shows a progress line on a terminal and none with --json or through a pipe', async () => {
    const v11 = '/* SPDX: GPL-2.0 */\n' + V10;
    const onTty = execFileSync('/usr/bin/script', ['-qec', `node ${CLI} rebase --onto 1.1 --no-review`, '/dev/null'], { cwd: await workspace(v11), encoding: 'utf8', input: '' });
    expect(onTty).toContain('\r\x1b[2Krebasing 1/1: blk/elevator.patch');
    // Cleared before the report: the report line does not follow the progress text.
    expect(onTty).toContain('rebasing 1/1: blk/elevator.patch\r\x1b[2K');
    const asJson = execFileSync('/usr/bin/script', ['-qec', `node ${CLI} rebase --onto 1.1 --no-review --json`, '/dev/null'], { cwd: await workspace(v11), encoding: 'utf8', input: '' });
    expect(asJson).not.toContain('rebasing');
    expect(asJson).toContain('"completed": true');
    const piped = pvpatch(['rebase', '--onto', '1.1', '--no-review'], { cwd: await workspace(v11) });
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stderr).not.toContain('rebasing');
  });

  it('refuses bad usage with exit 2', async () => {
    const ws = await workspace(V10);
    expect(pvpatch(['rebase'], { cwd: ws }).code).toBe(2);
    expect(pvpatch(['rebase', '--continue'], { cwd: ws }).stderr).toMatch(/no rebase in progress/);
    const r = pvpatch(['rebase', '--onto', '9.9'], { cwd: ws });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('pvpatch: unknown drop "9.9" (drops: 1.0, 1.1)\n');
  });
});
