import { describe, expect, it, beforeAll } from 'vitest';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { copySampleWorkspace, pvpatch, tempDir } from '../helpers/cli.js';

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

function lineOf(text: string, pred: (l: string) => boolean): number {
  const i = text.split('\n').findIndex(pred);
  if (i < 0) throw new Error('line not found');
  return i + 1;
}

describe('pvpatch blame', () => {
  let ws: string;
  let blk: string;
  beforeAll(async () => {
    ws = await sampleWorkspace();
    const r = pvpatch(['apply'], { cwd: ws });
    if (r.code !== 0) throw new Error(r.stderr);
    blk = await fsp.readFile(path.join(ws, 'out/blkfront/blkfront.c'), 'utf8');
  });

  it('names the patch, the drop and the kernels of the branch a line is in', () => {
    const n = lineOf(blk, (l) => l === '\televator_init(rq, &elevator_noop);');
    const r = pvpatch(['blame', `blkfront/blkfront.c:${n}`, '--json'], { cwd: ws });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const b = JSON.parse(r.stdout);
    expect(b).toMatchObject({
      file: 'blkfront/blkfront.c', line: n, drop: '1.0',
      patchSubject: 'blkfront: elevator_init() took a struct before 2.6.10',
      guard: { patch: 'blkfront/elevator-noop', subsystem: 'blkfront', startLine: n - 1, endLine: n + 3, branch: 0, condition: 'LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)', nestedIn: 0 },
    });
    expect(b.guard.branches).toEqual([
      { directive: '#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)', line: n - 1, lastLine: n, kernels: ['sles9', 'rhel4'] },
      { directive: '#else', line: n + 1, lastLine: n + 2, kernels: ['sles10', 'rhel5', 'upstream'] },
    ]);
    const text = pvpatch(['blame', `out/blkfront/blkfront.c:${n + 2}`], { cwd: ws });
    expect(text.stdout).toContain(`blkfront/blkfront.c:${n + 2} is in the #else branch of a guard from blkfront/elevator-noop (lines ${n - 1}-${n + 3})`);
    expect(text.stdout).toContain('  drop:    tree made from 1.0');
    expect(text.stdout).toContain(`  kernels compiling line ${n + 2}: sles10, rhel5, upstream`);
    expect(pvpatch(['blame', `blkfront/blkfront.c:${n + 3}`], { cwd: ws }).stdout).toMatch(/is on the #endif of a guard from blkfront\/elevator-noop/);
  });

  it('takes the distro clause into account (rhel5 backported bool)', async () => {
    const h = await fsp.readFile(path.join(ws, 'out/include/xen/xenbus.h'), 'utf8');
    const n = lineOf(h, (l) => l === 'typedef _Bool bool;');
    const b = JSON.parse(pvpatch(['blame', `include/xen/xenbus.h:${n}`, '--json'], { cwd: ws }).stdout);
    expect(b.guard.patch).toBe('common/bool-type');
    expect(b.guard.branches[0].kernels).toEqual(['sles9', 'rhel4', 'sles10']);
  });

  it('says when no pvpatch guard encloses the line', () => {
    const r = pvpatch(['blame', 'blkfront/blkfront.c:1', '--json'], { cwd: ws });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ guard: null, drop: '1.0' });
    expect(pvpatch(['blame', 'blkfront/blkfront.c:1'], { cwd: ws }).stdout).toMatch(/is not inside a guard a patch put there/);
  });

  it('refuses bad locations and a missing tree with exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['blame', 'blkfront/blkfront.c'], /expected FILE:LINE/],
      [['blame', 'blkfront/blkfront.c:999999'], /^pvpatch: blkfront\/blkfront\.c:999999: line 999999 is outside the file/],
      [['blame', 'blkfront/none.c:3'], /blkfront\/none\.c is not in the annotated tree/],
      [['blame', '../kernels.json:1'], /refusing path/],
      [['blame', 'blkfront/blkfront.c:3', '--out', 'nowhere'], /is not an annotated tree \(no \.pvpatch\/manifest\.json\): run "pvpatch apply" first/],
    ];
    for (const [args, message] of cases) {
      const r = pvpatch(args, { cwd: ws });
      expect([args.join(' '), r.code]).toEqual([args.join(' '), 2]);
      expect(r.stderr).toMatch(message);
    }
  });
});
