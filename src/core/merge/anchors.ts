/**
 * Sync points for splitting a diff or merge into independent pieces, so node-diff3's LCS (which
 * is slow on long files with many repeated lines: blank lines, "}") only ever sees the short
 * stretches between them — the same idea as git's trimming of common ends and patience diff's
 * unique-line anchors. The diff and the merge decisions stay node-diff3's.
 *
 * A sync point is a line that occurs exactly once in every sequence (within the compared
 * stretch), chosen so that the chosen points increase in every sequence at once. Plus the common
 * prefix and suffix of all sequences. Where all sequences agree on such a line, any LCS keeps it.
 */
import { appendAll } from './lines.js';

/** Positions of one sync point, one per sequence. */
export type SyncPoint = number[];

/**
 * Indexes (into `values`) of a longest strictly increasing subsequence, by patience sorting
 * (O(n log n)); ties in length resolve to the earliest-ending chain. [] for [].
 */
export function longestIncreasing(values: readonly number[]): number[] {
  const tails: number[] = []; // index into values of the smallest tail of each length
  const back = new Array<number>(values.length).fill(-1);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((values[tails[mid] as number] as number) < v) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) back[i] = tails[lo - 1] as number;
    tails[lo] = i;
  }
  const out: number[] = [];
  for (let k = tails.length > 0 ? (tails[tails.length - 1] as number) : -1; k >= 0; k = back[k] as number) out.push(k);
  return out.reverse();
}

/**
 * Sync points of k sequences (k ≥ 1): the common prefix and suffix of all of them, and between
 * those, lines unique in every sequence, filtered to a chain increasing in each sequence (a longest
 * increasing chain against the first sequence, then against the second, …). Sorted.
 */
export function syncPoints(seqs: readonly (readonly string[])[]): SyncPoint[] {
  const k = seqs.length;
  if (k === 0) return [];
  const lens = seqs.map((s) => s.length);
  const minLen = Math.min(...lens);
  let pre = 0;
  while (pre < minLen && seqs.every((s) => s[pre] === seqs[0]?.[pre])) pre++;
  let suf = 0;
  while (suf < minLen - pre && seqs.every((s, i) => s[(lens[i] as number) - 1 - suf] === seqs[0]?.[(lens[0] as number) - 1 - suf])) suf++;

  const points: SyncPoint[] = [];
  for (let i = 0; i < pre; i++) points.push(seqs.map(() => i));

  // Lines unique in every middle stretch.
  const where = new Map<string, number[]>();
  const dead = new Set<string>();
  seqs.forEach((s, si) => {
    const end = (lens[si] as number) - suf;
    for (let i = pre; i < end; i++) {
      const line = s[i] as string;
      if (dead.has(line)) continue;
      let pos = where.get(line);
      if (!pos) {
        if (si > 0) {
          dead.add(line); // absent from an earlier sequence
          continue;
        }
        pos = [];
        where.set(line, pos);
      }
      if (pos.length !== si) {
        dead.add(line); // twice in this sequence, or absent from an earlier one
        where.delete(line);
        continue;
      }
      pos.push(i);
    }
  });
  let chain: number[][] = [];
  for (const [line, pos] of where) if (!dead.has(line) && pos.length === k) chain.push(pos);
  chain.sort((x, y) => (x[0] as number) - (y[0] as number));
  for (let si = 1; si < k; si++) {
    const keep = longestIncreasing(chain.map((p) => p[si] as number));
    chain = keep.map((i) => chain[i] as number[]);
  }
  appendAll(points, chain);
  for (let i = suf; i > 0; i--) points.push(seqs.map((_, si) => (lens[si] as number) - i));
  return points;
}
