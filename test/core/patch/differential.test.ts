/**
 * Differential tests: applyFilePatch against GNU patch 2.7 and git apply on generated cases.
 * Random C-like files get random edits; the diff comes from `diff -u` (or `git diff`); the target
 * file is then shifted (lines inserted/deleted away from the hunks -> offsets) and perturbed
 * (context lines changed -> fuzz, changed lines altered -> rejects). Our text, hunk placement,
 * offsets and fuzz must equal what GNU patch writes and prints; exact/offset results must also
 * equal git apply's.
 */
import { describe, expect, it } from 'vitest';
import { parsePatch } from '../../../src/core/patch/parse.js';
import { applyFilePatch, type ApplyResult } from '../../../src/core/patch/apply.js';
import type { FilePatch } from '../../../src/core/patch/model.js';
import { gitApply, gnuPatch } from './helpers.js';
import { makeCase } from './generate.js';

type Category = 'exact' | 'offset' | 'fuzz' | 'reject';

/**
 * GNU patch writes an added line right after an input last line that has no newline, gluing the
 * two ("return err;\tnew_line();"); we add the newline. True if that is the only difference.
 */
function gluedByGnu(target: string, gnuText: string | null, ours: string | null): boolean {
  if (gnuText === null || ours === null || target.endsWith('\n')) return false;
  const last = target.slice(target.lastIndexOf('\n') + 1);
  for (let at = gnuText.indexOf(last); at >= 0; at = gnuText.indexOf(last, at + 1)) {
    const end = at + last.length;
    if (end < gnuText.length && gnuText[end] !== '\n' && gnuText.slice(0, end) + '\n' + gnuText.slice(end) === ours) return true;
  }
  return false;
}

function category(res: ApplyResult): Category {
  if (!res.ok) return 'reject';
  if (res.hunks.some((h) => h.fuzz > 0)) return 'fuzz';
  if (res.hunks.some((h) => h.offset !== 0)) return 'offset';
  return 'exact';
}

const CASES = Number(process.env.PVPATCH_DIFF_CASES ?? 800);
const CHUNK = 200;
const chunks = Array.from({ length: Math.ceil(CASES / CHUNK) }, (_, k) => [k * CHUNK + 1, Math.min(CASES, (k + 1) * CHUNK)] as const);

describe('applyFilePatch vs GNU patch and git apply (generated)', () => {
  const counts: Record<Category | 'gnuGlued', number> = { exact: 0, offset: 0, fuzz: 0, reject: 0, gnuGlued: 0 };
  const git = { compared: 0, equal: 0, gitRefused: 0, skipped: 0 };

  it.each(chunks)('agrees with GNU patch on generated cases %i..%i', (from, to) => {
    for (let seed = from; seed <= to; seed++) {
      const c = makeCase(seed);
      if (c.patch === '') continue;
      const fp = parsePatch(c.patch, `case-${seed}.patch`).files[0] as FilePatch;
      const ours = applyFilePatch(c.target, fp);
      const gnu = gnuPatch('f.c', c.target, c.patch);
      const where = `seed ${seed}\n${c.patch}\n--- GNU:\n${gnu.output}`;
      const firstFail = gnu.hunks.find((h) => !h.ok);
      const reported = new Map(gnu.hunks.map((h) => [h.hunk, h]));
      const checkReports = (upTo: number): void => {
        for (let i = 0; i < upTo; i++) {
          const mine = ours.hunks[i];
          const theirs = reported.get(i + 1);
          expect(mine, where).toBeDefined();
          expect({ fuzz: mine?.fuzz, offset: mine?.offset }, where).toEqual({ fuzz: theirs?.fuzz ?? 0, offset: theirs?.offset ?? 0 });
          if (theirs) expect(mine?.line, where).toBe(theirs.line);
        }
      };
      if (firstFail) {
        expect(ours.ok, where).toBe(false);
        if (!ours.ok) expect(ours.failedHunk, where).toBe(firstFail.hunk - 1);
        checkReports(firstFail.hunk - 1);
      } else {
        expect(gnu.status, where).toBe(0);
        expect(ours.ok, where).toBe(true);
        if (ours.ok && ours.text !== gnu.text && gluedByGnu(c.target, gnu.text, ours.text)) counts.gnuGlued++;
        else if (ours.ok) expect(ours.text, where).toBe(gnu.text);
        checkReports(fp.hunks.length);
      }
      const cat = category(ours);
      counts[cat]++;
      // git apply glues a no-newline line to the next one when such a hunk lands mid-file
      // (GNU patch and we add the newline): compare with git only where that cannot happen.
      // Context-free hunks (diff -U0) are ambiguous once moved: git apply searches in its own
      // order (and places insertions by its own offset bookkeeping), so compare only anchored ones.
      // A no-newline line that lands mid-file (the target was edited) is glued to the next line by git.
      const noEolMoved = (cat === 'offset' && fp.hunks.some((h) => !h.lines.some((l) => l[0] === ' ')))
        || (c.target !== c.original && fp.hunks.some((h) => h.endings.includes('')));
      if (noEolMoved) git.skipped++;
      if ((cat === 'exact' || cat === 'offset') && ours.ok && !noEolMoved) {
        const g = gitApply('f.c', c.target, c.patch, fp.hunks.some((h) => !h.lines.some((l) => l[0] === ' ')) ? ['--unidiff-zero'] : []);
        git.compared++;
        if (g.status !== 0) { git.gitRefused++; if (process.env.PVPATCH_DIFF_VERBOSE) console.log(`git refused seed ${seed}: ${g.output}`); }
        else {
          expect(ours.text, `${where}\n--- git apply differs`).toBe(g.text);
          git.equal++;
        }
      }
    }
  }, 180_000);

  it(`covered every category over ${CASES} cases`, () => {
    console.log(`differential vs GNU patch: ${JSON.stringify(counts)}; vs git apply: ${JSON.stringify(git)}`);
    expect(counts.offset).toBeGreaterThan(50);
    expect(counts.fuzz).toBeGreaterThan(30);
    expect(counts.reject).toBeGreaterThan(30);
    expect(git.equal).toBeGreaterThan(200);
  });
});
