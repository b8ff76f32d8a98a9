import { describe, expect, it } from 'vitest';
import { renderSessionReport, type SessionReportInput } from '../../src/core/session-report.js';
import type { ReviewItem } from '../../src/core/review/model.js';

function item(over: Partial<ReviewItem> & Pick<ReviewItem, 'id' | 'kind' | 'patch'>): ReviewItem {
  return { subsystem: over.patch.split('/')[0] ?? '', file: 'blkfront/blkfront.c', line: 10, base: [], ours: [], theirs: [], status: 'open', ...over };
}

const input: SessionReportInput = {
  from: '1.0',
  onto: '1.1',
  patches: [
    { patch: 'common/bool-type.patch', status: 'clean', kinds: [], detail: '', items: [] },
    { patch: 'blkfront/elevator-noop.patch', status: 'offset', kinds: ['offset'], detail: 'Hunk #1 landed 12 lines later.', items: [] },
    { patch: 'blkfront/end-request.patch', status: 'merged', kinds: ['merge'], detail: 'The context changed upstream; three-way merged against 1.0.', items: ['c1'] },
    { patch: 'netfront/napi.patch', status: 'stale', kinds: ['exact'], detail: '', items: ['s1'] },
    { patch: 'netfront/gfp-t.patch', status: 'already-upstream', kinds: [], detail: 'Upstream 1.1 contains the change | the guard is gone.', items: [] },
  ],
  items: [
    item({
      id: 'c1', kind: 'conflict', patch: 'blkfront/end-request.patch', line: 412, status: 'resolved', decision: { take: 'lines', lines: ['a', 'b'] },
      condition: 'LINUX_VERSION_CODE < KERNEL_VERSION(2,6,25)',
      branches: [{ branch: '#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,25)', kernels: ['sles9', 'rhel4'] }, { branch: '#else', kernels: ['upstream'] }],
    }),
    item({
      id: 's1', kind: 'stale', patch: 'netfront/napi.patch', file: 'netfront/netfront.c', line: 300, status: 'reviewed', decision: { take: 'reviewed' },
      upstreamChange: ['@@ -1 +1 @@', '-\tnetif_rx(skb);', '+\tnetif_receive_skb(skb);'],
    }),
    item({ id: 'c9', kind: 'conflict', patch: 'xenbus/gone.patch', status: 'open' }),
  ],
};

describe('renderSessionReport', () => {
  const md = renderSessionReport(input);

  it('summarises the rebase and tabulates every patch', () => {
    expect(md.startsWith('# pvpatch rebase: 1.0 → 1.1\n\n5 patches: 1 clean, 1 offset, 1 merged, 1 stale, 1 already-upstream.')).toBe(true);
    expect(md).toContain('Review: 2 conflicts (1 resolved), 1 stale guard (1 reviewed); 1 still open.');
    expect(md).toContain('| 3 | blkfront/end-request.patch | three-way merged | merge | c1 |');
    expect(md).toContain('| 1 | common/bool-type.patch | applied cleanly | - | - |');
  });

  it('explains each patch that needed more than a clean apply, with its items and kernels per branch', () => {
    expect(md).not.toContain('## common/bool-type');
    expect(md).toContain('## blkfront/elevator-noop: applied at an offset\n\nHunk #1 landed 12 lines later.');
    expect(md).toContain('- **c1** conflict in `blkfront/blkfront.c` at line 412: resolved by hand (2 lines)');
    expect(md).toContain('  - `#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,25)`: sles9, rhel4');
    expect(md).toContain('  - `#else`: upstream');
    expect(md).toContain('- **s1** stale guard in `netfront/netfront.c` at line 300: reviewed: guard kept as it is');
    expect(md).toContain('    ```diff\n    @@ -1 +1 @@\n    -\tnetif_rx(skb);\n    +\tnetif_receive_skb(skb);\n    ```');
    expect(md).toContain('## netfront/gfp-t: dropped: already contained upstream');
  });

  it('lists items of no listed patch, marked open', () => {
    expect(md).toContain('## Other review items\n\n- **c9** conflict in `blkfront/blkfront.c` at line 10: **still open**');
  });

  it('ends with a suggested commit message', () => {
    const msg = md.slice(md.indexOf('## Suggested commit message'));
    expect(msg).toBe([
      '## Suggested commit message',
      '',
      '```text',
      'Rebase the pvpatch series onto upstream 1.1 (from 1.0)',
      '',
      '1 patch applied cleanly.',
      '',
      '- blkfront/elevator-noop: applied at an offset',
      '- blkfront/end-request: three-way merged (1 conflict resolved)',
      '- netfront/napi: applied; guarded lines changed upstream (1 stale guard reviewed)',
      '- netfront/gfp-t: dropped: already contained upstream',
      '```',
      '',
    ].join('\n'));
  });

  it('is deterministic, has no runs of blank lines, and escapes table cells', () => {
    expect(renderSessionReport(input)).toBe(md);
    expect(md).not.toMatch(/\n\n\n/);
    const piped = renderSessionReport({ from: 'a', onto: 'b', items: [], patches: [{ patch: 'x/a|b.patch', status: 'clean', kinds: [], detail: '', items: [] }] });
    expect(piped).toContain('| 1 | x/a\\|b.patch | applied cleanly | - | - |');
  });

  it('says so for an empty series', () => {
    const empty = renderSessionReport({ from: '1.0', onto: '1.1', patches: [], items: [] });
    expect(empty).toContain('The series is empty: nothing was carried.');
    expect(empty).toContain('```text\nRebase the pvpatch series onto upstream 1.1 (from 1.0)\n\nThe series is empty.\n```');
  });
});
