import { describe, expect, it } from 'vitest';
import {
  CHANGE_TITLE,
  detailHeaderRows,
  detailLayout,
  detailRows,
  detailViewportRows,
  expandDiffLine,
  expandTabs,
  maxDetailScroll,
  windowStart,
} from '../../src/tui/layout.js';
import { checksumStale, elevatorConflict, probeStale } from './fixtures.js';

describe('detail layout', () => {
  it('is side by side from 120 columns', () => {
    expect(detailLayout(119)).toBe('stacked');
    expect(detailLayout(120)).toBe('side-by-side');
  });

  it('pairs the sides line by line when side by side', () => {
    const rows = detailRows(elevatorConflict, 'side-by-side');
    expect(rows[0]).toEqual({ kind: 'titles', titles: ['base (old drop)', 'patch (ours)', 'upstream (theirs)'] });
    // ours is the longest side: 5 lines.
    expect(rows).toHaveLength(1 + 5);
    expect(rows[1]).toEqual({
      kind: 'triple',
      cells: [
        { number: 412, text: '    elevator_init(rq, "noop");' },
        { number: 412, text: '#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)  /* pvpatch: blkfront/elevator-noop */' },
        { number: 412, text: '    if (elevator_init(rq, "noop"))' },
      ],
    });
    expect(rows[5]).toMatchObject({ kind: 'triple', cells: [null, { number: 416, text: '#endif' }, null] });
  });

  it('stacks the sides with headings when narrow', () => {
    const rows = detailRows(elevatorConflict, 'stacked');
    const headings = rows.flatMap((row) => (row.kind === 'heading' ? [row.text] : []));
    expect(headings).toEqual(['base (old drop)', 'patch (ours)', 'upstream (theirs)']);
    expect(rows.filter((row) => row.kind === 'line')).toHaveLength(1 + 5 + 2);
  });

  it('marks an empty side', () => {
    const rows = detailRows({ ...elevatorConflict, base: [] }, 'stacked');
    expect(rows[1]).toEqual({ kind: 'empty' });
  });

  it('appends the upstream change of a stale guard', () => {
    const rows = detailRows(checksumStale, 'side-by-side');
    const at = rows.findIndex((row) => row.kind === 'heading' && row.text === CHANGE_TITLE);
    expect(at).toBeGreaterThan(0);
    expect(rows.slice(at + 1).every((row) => row.kind === 'change')).toBe(true);
    expect(rows.slice(at + 1)).toHaveLength(4);
  });

  it('sizes the viewport from the header and footer', () => {
    expect(detailHeaderRows(elevatorConflict)).toBe(2 + 1 + 2);
    expect(detailViewportRows(elevatorConflict, 24)).toBe(24 - 5 - 3);
    expect(detailViewportRows(elevatorConflict, 3)).toBe(1);
  });

  it('scrolls only as far as the body needs', () => {
    expect(maxDetailScroll(elevatorConflict, 140, 40)).toBe(0);
    const total = detailRows(probeStale, 'stacked').length;
    expect(maxDetailScroll(probeStale, 100, 24)).toBe(total - detailViewportRows(probeStale, 24));
  });
});

describe('windowStart', () => {
  it('keeps the selection in view, centred when it can', () => {
    expect(windowStart(5, 4, 10)).toBe(0);
    expect(windowStart(100, 0, 10)).toBe(0);
    expect(windowStart(100, 50, 10)).toBe(45);
    expect(windowStart(100, 99, 10)).toBe(90);
    expect(windowStart(100, -1, 10)).toBe(0);
  });
});

describe('expandTabs', () => {
  it('expands to the next tab stop', () => {
    expect(expandTabs('\tx')).toBe('    x');
    expect(expandTabs('ab\tc')).toBe('ab  c');
    expect(expandTabs('abcd\te', 4)).toBe('abcd    e');
    expect(expandTabs('no tabs')).toBe('no tabs');
  });

  it('expands a diff line after its prefix', () => {
    expect(expandDiffLine('+\t\tx')).toBe('+        x');
    expect(expandDiffLine(' \tx')).toBe('     x');
    expect(expandDiffLine('@@ -1 +1 @@\tf')).toBe('@@ -1 +1 @@ f');
  });
});
