/**
 * Line hunks between two versions of a file (node-diff3's LCS), and the questions the rebase
 * asks about them: where does a base range land in the new version, which changes lie near a
 * range, and how does a reviewer read them (unified-diff lines).
 */
import { diffIndices } from 'node-diff3';
import { syncPoints } from './anchors.js';

/** A change: base lines [aStart, aEnd) became new lines [bStart, bEnd). Either may be empty. */
export interface Hunk {
  aStart: number;
  aEnd: number;
  bStart: number;
  bEnd: number;
}

/**
 * The changes from `a` to `b` (arrays of records or lines), in order. Identical inputs give [].
 * Between two hunks there is always at least one unchanged line. node-diff3's LCS runs only
 * between sync points (common ends, lines unique in both; see anchors.ts), so long files with
 * many blank lines stay fast.
 */
export function diffHunks(a: readonly string[], b: readonly string[]): Hunk[] {
  const out: Hunk[] = [];
  let pa = 0;
  let pb = 0;
  const segment = (ea: number, eb: number): void => {
    if (ea === pa && eb === pb) return;
    if (ea === pa || eb === pb) {
      out.push({ aStart: pa, aEnd: ea, bStart: pb, bEnd: eb });
      return;
    }
    for (const h of diffIndices(a.slice(pa, ea), b.slice(pb, eb))) {
      const [as, al] = h.buffer1;
      const [bs, bl] = h.buffer2;
      out.push({ aStart: pa + as, aEnd: pa + as + al, bStart: pb + bs, bEnd: pb + bs + bl });
    }
  };
  for (const [ia, ib] of syncPoints([a, b])) {
    segment(ia as number, ib as number);
    pa = (ia as number) + 1;
    pb = (ib as number) + 1;
  }
  segment(a.length, b.length);
  return out;
}

/** Where the base range [start, end) lies in the new version. */
export interface MappedRange {
  start: number;
  end: number;
  /** The hunks inside the range (changes to the range's own lines). */
  inside: Hunk[];
}

/**
 * Map the base range [start, end) (non-empty) to the new version, or undefined when that is
 * ambiguous: a hunk that changes lines on both sides of a boundary of the range (a change
 * straddling it) leaves no way to tell which new lines belong inside.
 *
 * Lines inserted exactly at a boundary (just before the first or just after the last line of the
 * range) count as inside: for a guard's wrapped upstream lines, upstream code added right next
 * to them goes into the upstream branch (and the guard is flagged stale for review).
 * A hunk that ends exactly at `start` or starts exactly at `end` while replacing lines outside
 * is outside. The result may be empty (all lines of the range deleted).
 */
export function mapRange(hunks: readonly Hunk[], start: number, end: number): MappedRange | undefined {
  let delta = 0;
  let mappedStart: number | undefined;
  const inside: Hunk[] = [];
  for (const h of hunks) {
    const insertion = h.aStart === h.aEnd;
    const before = h.aEnd < start || (h.aEnd === start && !insertion);
    const after = h.aStart > end || (h.aStart === end && !insertion);
    if (before) {
      delta += h.bEnd - h.bStart - (h.aEnd - h.aStart);
      continue;
    }
    if (after) break;
    if (h.aStart < start || h.aEnd > end) return undefined; // straddles a boundary
    mappedStart ??= start + delta;
    inside.push(h);
  }
  const s = mappedStart ?? start + delta;
  let growth = 0;
  for (const h of inside) growth += h.bEnd - h.bStart - (h.aEnd - h.aStart);
  return { start: s, end: end + delta + growth, inside };
}

/**
 * The base position `pos` (a line index, or an insertion point between lines) in the new
 * version: shifted by the hunks before it; a position inside a changed range maps to the start
 * of that hunk's new lines.
 */
export function mapPosition(hunks: readonly Hunk[], pos: number): number {
  let delta = 0;
  for (const h of hunks) {
    if (h.aEnd <= pos && !(h.aStart === h.aEnd && h.aStart === pos)) {
      delta += h.bEnd - h.bStart - (h.aEnd - h.aStart);
      continue;
    }
    if (h.aStart < pos) return h.bStart;
    break;
  }
  return pos + delta;
}

/**
 * The hunks that change lines within `context` lines of the base range [start, end) (an empty
 * range is an insertion point): a hunk replacing or deleting lines overlapping
 * [start - context, end + context), or inserting lines at a point strictly inside that window —
 * i.e. a change that would touch a unified diff's context lines around the range.
 */
export function hunksNear(hunks: readonly Hunk[], start: number, end: number, context: number): Hunk[] {
  const lo = start - context;
  const hi = end + context;
  return hunks.filter((h) => (h.aStart === h.aEnd ? h.aStart > lo && h.aStart < hi : h.aStart < hi && h.aEnd > lo));
}

/**
 * Unified-diff lines (`@@ -a,b +c,d @@`, then ` `/`-`/`+` lines) of the given hunks between
 * `a` and `b` (lines without terminators), with `context` unchanged lines around each; hunks
 * whose context touches are joined, as diff -u does. An empty hunk list gives [].
 * Ranges follow diff -u: 1-based starts, and a zero-length range starts at the line before it.
 */
export function formatUnified(a: readonly string[], b: readonly string[], hunks: readonly Hunk[], context = 3): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < hunks.length) {
    let j = i;
    // join hunks whose context overlaps or touches
    while (j + 1 < hunks.length) {
      const cur = hunks[j] as Hunk;
      const nxt = hunks[j + 1] as Hunk;
      if (nxt.aStart - cur.aEnd > 2 * context) break;
      j++;
    }
    const first = hunks[i] as Hunk;
    const last = hunks[j] as Hunk;
    const aFrom = Math.max(0, first.aStart - context);
    const aTo = Math.min(a.length, last.aEnd + context);
    const bFrom = first.bStart - (first.aStart - aFrom);
    const bTo = last.bEnd + (aTo - last.aEnd);
    const body: string[] = [];
    let pos = aFrom;
    for (let k = i; k <= j; k++) {
      const h = hunks[k] as Hunk;
      for (; pos < h.aStart; pos++) body.push(` ${a[pos] ?? ''}`);
      for (let q = h.aStart; q < h.aEnd; q++) body.push(`-${a[q] ?? ''}`);
      for (let q = h.bStart; q < h.bEnd; q++) body.push(`+${b[q] ?? ''}`);
      pos = h.aEnd;
    }
    for (; pos < aTo; pos++) body.push(` ${a[pos] ?? ''}`);
    out.push(`@@ -${rangeText(aFrom, aTo - aFrom)} +${rangeText(bFrom, bTo - bFrom)} @@`, ...body);
    i = j + 1;
  }
  return out;
}

function rangeText(start: number, len: number): string {
  const first = len === 0 ? start : start + 1;
  return len === 1 ? `${first}` : `${first},${len}`;
}

/**
 * `selected` (a subset of `hunks`) plus every other hunk whose unified-diff context would touch
 * theirs — so formatUnified shows the selected changes without passing a changed line off as
 * context. Result in `hunks` order; an empty selection stays empty.
 */
export function withNeighbours(hunks: readonly Hunk[], selected: readonly Hunk[], context = 3): Hunk[] {
  const keep = new Set(selected);
  if (keep.size === 0) return [];
  let grew = true;
  while (grew) {
    grew = false;
    for (let i = 0; i < hunks.length; i++) {
      const h = hunks[i] as Hunk;
      if (keep.has(h)) continue;
      const prev = hunks[i - 1];
      const next = hunks[i + 1];
      if ((prev && keep.has(prev) && h.aStart - prev.aEnd <= 2 * context) || (next && keep.has(next) && next.aStart - h.aEnd <= 2 * context)) {
        keep.add(h);
        grew = true;
      }
    }
  }
  return hunks.filter((h) => keep.has(h));
}

/**
 * The hunks with each replacement of n lines by n lines split into n one-line replacements —
 * the pairing a reader assumes (line k became line k) — so a change of two adjacent lines can be
 * mapped to two adjacent ranges. Other hunks are kept as they are.
 */
export function splitEvenHunks(hunks: readonly Hunk[]): Hunk[] {
  return hunks.flatMap((h) => {
    const n = h.aEnd - h.aStart;
    if (n <= 1 || h.bEnd - h.bStart !== n) return [h];
    return Array.from({ length: n }, (_, k) => ({ aStart: h.aStart + k, aEnd: h.aStart + k + 1, bStart: h.bStart + k, bEnd: h.bStart + k + 1 }));
  });
}
