import { describe, expect, it } from 'vitest';
import { diffHunks, formatUnified, hunksNear, mapPosition, mapRange, withNeighbours } from '../../../src/core/merge/hunks.js';

const A = ['l0', 'l1', 'l2', 'l3', 'l4', 'l5', 'l6', 'l7', 'l8', 'l9'];

describe('diffHunks', () => {
  it('gives [] for identical inputs and the changed ranges otherwise', () => {
    expect(diffHunks(A, A)).toEqual([]);
    const b = [...A];
    b.splice(4, 1, 'X', 'Y');
    expect(diffHunks(A, b)).toEqual([{ aStart: 4, aEnd: 5, bStart: 4, bEnd: 6 }]);
  });
});

describe('mapRange', () => {
  it('shifts by changes before the range', () => {
    const b = ['new', ...A];
    expect(mapRange(diffHunks(A, b), 4, 6)).toEqual({ start: 5, end: 7, inside: [] });
  });
  it('includes changes inside and insertions at either edge', () => {
    const b = [...A.slice(0, 4), 'ins', 'L4', 'l5', 'ins2', ...A.slice(6)];
    const m = mapRange(diffHunks(A, b), 4, 6);
    expect(m).toMatchObject({ start: 4, end: 8 });
    expect(b.slice(m?.start, m?.end)).toEqual(['ins', 'L4', 'l5', 'ins2']);
  });
  it('keeps a replacement that ends at the start (or starts at the end) outside', () => {
    const b = [...A.slice(0, 3), 'L3', ...A.slice(4, 6), 'L6', ...A.slice(7)];
    const m = mapRange(diffHunks(A, b), 4, 6);
    expect(b.slice(m?.start, m?.end)).toEqual(['l4', 'l5']);
  });
  it('is undefined when a change straddles an edge', () => {
    const b = [...A.slice(0, 3), 'X', ...A.slice(5)]; // l3, l4 -> X
    expect(mapRange(diffHunks(A, b), 4, 6)).toBeUndefined();
  });
  it('maps a deleted range to an empty one', () => {
    const b = [...A.slice(0, 4), ...A.slice(6)];
    expect(mapRange(diffHunks(A, b), 4, 6)).toMatchObject({ start: 4, end: 4 });
  });
});

describe('mapPosition', () => {
  it('shifts positions and sends positions inside a change to its start', () => {
    const b = ['n0', 'n1', ...A.slice(2, 5), 'X', ...A.slice(7)];
    const h = diffHunks(A, b);
    expect(mapPosition(h, 3)).toBe(3);
    expect(mapPosition(h, 6)).toBe(5);
    expect(mapPosition(h, 8)).toBe(7);
  });
});

describe('hunksNear', () => {
  const at = (start: number, end: number, bLen = end - start + 1) => ({ aStart: start, aEnd: end, bStart: start, bEnd: start + bLen });
  it('finds changes within the context window, not beyond', () => {
    const hs = [at(0, 1), at(9, 10)];
    expect(hunksNear(hs, 4, 5, 3)).toEqual([at(0, 1)].filter(() => false)); // l0 is 4 lines away from l4
    expect(hunksNear(hs, 4, 5, 4)).toEqual([at(0, 1)]);
    expect(hunksNear([at(7, 8)], 4, 5, 3)).toEqual([at(7, 8)]); // l7 is within 3 lines after l4
    expect(hunksNear([at(8, 9)], 4, 5, 3)).toEqual([]);
  });
  it('counts an insertion strictly inside the window; an empty range is an insertion point', () => {
    const ins = (p: number) => ({ aStart: p, aEnd: p, bStart: p, bEnd: p + 1 });
    expect(hunksNear([ins(2)], 4, 5, 3)).toEqual([ins(2)]);
    expect(hunksNear([ins(1)], 4, 5, 3)).toEqual([]);
    expect(hunksNear([ins(7)], 4, 5, 3)).toEqual([ins(7)]);
    expect(hunksNear([ins(8)], 4, 5, 3)).toEqual([]);
    expect(hunksNear([ins(4)], 4, 4, 3)).toEqual([ins(4)]);
  });
});

describe('formatUnified', () => {
  it('prints diff -u hunks with context, joining close changes', () => {
    const b = [...A];
    b[2] = 'L2';
    b[5] = 'L5';
    expect(formatUnified(A, b, diffHunks(A, b), 1)).toEqual(['@@ -2,6 +2,6 @@', ' l1', '-l2', '+L2', ' l3', ' l4', '-l5', '+L5', ' l6']);
    expect(formatUnified(A, b, diffHunks(A, b), 0)).toEqual(['@@ -3 +3 @@', '-l2', '+L2', '@@ -6 +6 @@', '-l5', '+L5']);
  });
  it('writes an empty range as the line before it, like diff -u', () => {
    const b = [...A.slice(0, 3), 'new', ...A.slice(3)];
    expect(formatUnified(A, b, diffHunks(A, b), 0)).toEqual(['@@ -3,0 +4 @@', '+new']);
  });
  it('withNeighbours adds changes that would show up as context', () => {
    const b = [...A];
    b[2] = 'L2';
    b[5] = 'L5';
    const h = diffHunks(A, b);
    expect(withNeighbours(h, [h[0]!], 3)).toEqual(h);
    expect(withNeighbours(h, [h[0]!], 1)).toEqual(h); // l3, l4: the contexts touch
    expect(withNeighbours(h, [h[0]!], 0)).toEqual([h[0]]);
    expect(withNeighbours(h, [], 3)).toEqual([]);
  });
});
