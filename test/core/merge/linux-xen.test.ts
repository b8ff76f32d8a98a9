/**
 * The linux-xen example's series carried between its two upstream drops (6.12.107 ⇄ 6.12.117),
 * on the real drivers. Skipped when the drops have not been fetched (examples/linux-xen/run.sh).
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { parsePatch } from '../../../src/core/patch/parse.js';
import { applyFilePatch } from '../../../src/core/patch/apply.js';
import { patchStatus, rebaseFile, type FileRebaseResult } from '../../../src/core/merge/rebase-file.js';
import { findConflicts } from '../../../src/core/merge/rerere.js';

// run.sh works in a copy of the workspace under out/ws (older runs imported into the example itself).
const ROOT = 'examples/linux-xen';
const DROPS_ROOT = ['examples/linux-xen/out/ws', ROOT].find((r) => existsSync(`${r}/upstream/6.12.107`)) ?? ROOT;
const DROPS = ['6.12.107', '6.12.117'] as const;
const present = DROPS.every((d) => existsSync(`${DROPS_ROOT}/upstream/${d}/drivers/block/xen-blkfront.c`)) && existsSync(`${ROOT}/patches/series`);

function rebaseSeries(from: string, to: string): Map<string, FileRebaseResult[]> {
  const series = readFileSync(`${ROOT}/patches/series`, 'utf8').trim().split('\n');
  const files = new Map<string, { prev: string; theirs: string }>();
  const out = new Map<string, FileRebaseResult[]>();
  for (const name of series) {
    const patch = parsePatch(readFileSync(`${ROOT}/patches/${name}`, 'utf8'), name);
    const results: FileRebaseResult[] = [];
    for (const fp of patch.files) {
      const path = fp.newPath ?? '';
      const st = files.get(path) ?? { prev: readFileSync(`${DROPS_ROOT}/upstream/${from}/${path}`, 'utf8'), theirs: readFileSync(`${DROPS_ROOT}/upstream/${to}/${path}`, 'utf8') };
      const applied = applyFilePatch(st.prev, fp);
      if (!applied.ok) throw new Error(`${name} does not apply to ${path} of ${from}: ${applied.message}`);
      const ours = applied.text ?? '';
      const r = rebaseFile({ patch: name, path, prev: st.prev, ours, theirs: st.theirs, filePatch: fp });
      // every line the patch adds is in the rebased file
      for (const h of fp.hunks) for (const l of h.lines) if (l.startsWith('+')) expect(r.text).toContain(l.slice(1));
      results.push(r);
      files.set(path, { prev: ours, theirs: r.text });
    }
    out.set(name, results);
  }
  return out;
}

describe.skipIf(!present)('linux-xen example series between real drops', () => {
  it('6.12.107 → 6.12.117: no conflict; the guard next to upstream\'s blk_mark_disk_dead change is stale', () => {
    const results = rebaseSeries('6.12.107', '6.12.117');
    const summary = [...results].map(([name, rs]) => [name, patchStatus(rs)]);
    expect(summary).toEqual([
      ['blkfront/blk-mode-t.patch', 'clean'],
      ['blkfront/queue-limits.patch', 'offset'],
      ['blkfront/mark-disk-dead-capacity.patch', 'stale'],
      ['netfront/page-pool-header.patch', 'clean'],
      ['netfront/xdp-features.patch', 'offset'],
      ['pcifront/swiotlb-late-init.patch', 'offset'],
    ]);
    const stale = results.get('blkfront/mark-disk-dead-capacity.patch')?.[0]?.items ?? [];
    expect(stale).toHaveLength(1);
    expect(stale[0]).toMatchObject({ kind: 'stale', condition: 'LINUX_VERSION_CODE < KERNEL_VERSION(6,2,0)' });
    expect(stale[0]?.upstreamChange).toContain('+\tif (info->gd)');
    for (const rs of results.values()) for (const r of rs) expect(findConflicts(r.text)).toEqual([]);
  });

  it('6.12.117 → 6.12.107 (the other way): no conflict either', () => {
    const results = rebaseSeries('6.12.117', '6.12.107');
    for (const rs of results.values()) expect(rs.every((r) => r.status !== 'conflict')).toBe(true);
  });
});
