/** Generated differential cases (see differential.test.ts). */
import { parsePatch } from '../../../src/core/patch/parse.js';
import type { FilePatch } from '../../../src/core/patch/model.js';
import { Rand, gitDiff, gnuDiff, joinFile, randomEdit, randomFile, randomLine, stripTimestamps } from './helpers.js';

export interface Case {
  seed: number;
  original: string;
  target: string;
  patch: string;
}

/** The hunk ranges of a patch in old-file line numbers (1-based, inclusive), with their context runs. */
function hunkRanges(fp: FilePatch): { start: number; end: number; prefix: number; suffix: number }[] {
  return fp.hunks.map((h) => {
    const ops = h.lines.map((l) => l[0]);
    const prefix = ops.findIndex((o) => o !== ' ');
    const suffix = [...ops].reverse().findIndex((o) => o !== ' ');
    return { start: h.oldLines === 0 ? h.oldStart + 1 : h.oldStart, end: h.oldStart + h.oldLines - 1, prefix, suffix };
  });
}

export function makeCase(seed: number): Case {
  const r = new Rand(seed);
  const lines = randomFile(r, r.int(8, 120));
  const edited = randomEdit(r, lines);
  const oldNl = !r.chance(0.08);
  const newNl = r.chance(0.9) ? oldNl : !oldNl;
  const original = joinFile(lines, oldNl);
  const modified = joinFile(edited, newNl);
  const context = r.pick([3, 3, 3, 3, 2, 1, 0]);
  const useGit = context > 0 && r.chance(0.25);
  const patch = useGit
    ? gitDiff('f.c', original, modified, [`-U${context}`])
    : stripTimestamps(gnuDiff('f.c', original, modified, [`-U${context}`]));
  if (patch === '') return { seed, original, target: original, patch };
  const fp = parsePatch(patch, 'gen.patch').files[0] as FilePatch;
  const ranges = hunkRanges(fp);
  const target = [...lines];
  const finalNl = oldNl;
  const mode = r.int(0, 5);
  // 0: as is; 1: shift; 2: perturb context; 3: shift + perturb; 4: alter a changed line; 5: chaos
  const insertAt = (at: number, n: number): void => {
    target.splice(at, 0, ...Array.from({ length: n }, () => randomLine(r)));
  };
  const applyShifts = (): void => {
    // Insert or delete lines outside the hunks, from the bottom up so ranges stay valid.
    const gaps = [0, ...ranges.map((g) => g.end)];
    for (let k = gaps.length - 1; k >= 0; k--) {
      if (!r.chance(0.6)) continue;
      const gapStart = gaps[k] ?? 0;
      const gapEnd = (ranges[k]?.start ?? target.length + 1) - 1;
      const at = r.int(gapStart, Math.max(gapStart, gapEnd));
      if (r.chance(0.75)) insertAt(at, r.int(1, 12));
      else if (gapEnd - gapStart > 3) target.splice(at, r.int(1, Math.min(3, gapEnd - at)));
    }
  };
  const perturbContext = (): void => {
    for (const g of ranges) {
      if (!r.chance(0.5)) continue;
      const atStart = r.chance(0.5);
      const depth = r.int(0, 2);
      if (atStart && g.prefix > depth) target[g.start - 1 + depth] = `\tperturbed_${r.int(0, 999)}();`;
      else if (!atStart && g.suffix > depth) target[g.end - 1 - depth] = `\tperturbed_${r.int(0, 999)}();`;
    }
  };
  if (mode === 2 || mode === 3) perturbContext();
  if (mode === 4) {
    const g = r.pick(ranges);
    const inner = r.int(g.start + Math.max(0, g.prefix), Math.max(g.start + Math.max(0, g.prefix), g.end - Math.max(0, g.suffix)));
    if (inner >= 1 && inner <= target.length) target[inner - 1] = `\taltered_${r.int(0, 999)}();`;
  }
  if (mode === 1 || mode === 3) applyShifts();
  if (mode === 5) {
    for (let k = r.int(1, 6); k > 0; k--) {
      const at = r.int(0, target.length);
      if (r.chance(0.5)) insertAt(at, r.int(1, 4));
      else target.splice(at, 1);
    }
  }
  return { seed, original, target: joinFile(target, finalNl), patch };
}

