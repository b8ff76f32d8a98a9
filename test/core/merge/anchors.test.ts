import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { longestIncreasing, syncPoints } from '../../../src/core/merge/anchors.js';
import { diffHunks } from '../../../src/core/merge/hunks.js';

describe('longestIncreasing', () => {
  it('finds a longest strictly increasing subsequence', () => {
    expect(longestIncreasing([])).toEqual([]);
    expect(longestIncreasing([3, 1, 2, 5, 4])).toEqual([1, 2, 4]);
    expect(longestIncreasing([2, 2, 2])).toHaveLength(1);
  });
  it('property: the result increases and is as long as an O(n²) DP says', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 30 }), (xs) => {
        const idx = longestIncreasing(xs);
        for (let i = 1; i < idx.length; i++) {
          expect(idx[i]!).toBeGreaterThan(idx[i - 1]!);
          expect(xs[idx[i]!]!).toBeGreaterThan(xs[idx[i - 1]!]!);
        }
        const best = xs.map(() => 1);
        for (let i = 0; i < xs.length; i++) for (let j = 0; j < i; j++) if (xs[j]! < xs[i]!) best[i] = Math.max(best[i]!, best[j]! + 1);
        expect(idx.length).toBe(Math.max(0, ...best));
      }),
    );
  });
});

describe('syncPoints', () => {
  it('gives the common ends and the lines unique in every sequence, in order', () => {
    const o = ['#include <a.h>', '', 'x', '}', 'y', '', '}', 'end'];
    const a = ['#include <a.h>', '', 'y', '}', 'x', 'new', '}', 'end'];
    const b = ['#include <a.h>', '', 'x', 'y', '}', '}', 'end'];
    // prefix 2 lines, suffix 2; x and y are unique everywhere but cross over between o and a,
    // so only one of them can be a sync point
    expect(syncPoints([o, a, b])).toEqual([
      [0, 0, 0],
      [1, 1, 1],
      [4, 2, 3],
      [6, 6, 5],
      [7, 7, 6],
    ]);
  });
  it('skips lines repeated in, or missing from, any sequence', () => {
    expect(syncPoints([['a', 'b', 'z'], ['c', 'b', 'b', 'z'], ['d', 'b', 'y']])).toEqual([]);
    expect(syncPoints([['q', 'k', 'r'], ['s', 'k', 't'], ['u', 'k', 'v']])).toEqual([[1, 1, 1]]);
  });
  it('property: points increase in every sequence and name equal lines', () => {
    const line = fc.constantFrom('a', 'b', 'c', 'd', 'e', '}', '');
    fc.assert(
      fc.property(fc.array(fc.array(line, { maxLength: 12 }), { minLength: 1, maxLength: 3 }), (seqs) => {
        const pts = syncPoints(seqs);
        pts.forEach((p, k) => {
          const first = seqs[0]![p[0]!];
          p.forEach((pos, si) => {
            expect(seqs[si]![pos]).toBe(first);
            if (k > 0) expect(pos).toBeGreaterThan(pts[k - 1]![si]!);
          });
        });
      }),
    );
  });
});

describe('diffHunks (segmented)', () => {
  it('property: applying the hunks to a gives b, with unchanged lines between hunks', () => {
    const line = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', '}', '');
    fc.assert(
      fc.property(fc.array(line, { maxLength: 25 }), fc.array(line, { maxLength: 25 }), (a, b) => {
        const hs = diffHunks(a, b);
        const out: string[] = [];
        let pos = 0;
        hs.forEach((h, i) => {
          if (i > 0) expect(h.aStart).toBeGreaterThan(hs[i - 1]!.aEnd);
          out.push(...a.slice(pos, h.aStart), ...b.slice(h.bStart, h.bEnd));
          pos = h.aEnd;
        });
        out.push(...a.slice(pos));
        expect(out).toEqual(b);
      }),
      { numRuns: 500 },
    );
  });
});
