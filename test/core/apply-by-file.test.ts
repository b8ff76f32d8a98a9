// applySeriesByFile (one file at a time, as apply uses it) against applySeries (the series in
// order): on generated series with creations, deletions, several patches per file and broken
// hunks, both must give the same files, origins, hunk outcomes and first failure.
import { describe, expect, it } from 'vitest';
import { createTwoFilesPatch } from 'diff';
import { applySeries, applySeriesByFile, parsePatches, type FileApplied, type SeriesPatch } from '../../src/core/apply-series.js';
import { joinLines } from '../../src/core/patch/apply.js';
import { addGuards, cFile, pick, rng } from '../helpers/gen.js';

function gitDiff(file: string, before: string | null, after: string | null): string {
  const a = before === null ? '/dev/null' : `a/${file}`;
  const b = after === null ? '/dev/null' : `b/${file}`;
  const body = createTwoFilesPatch(a, b, before ?? '', after ?? '', undefined, undefined, { context: 3 });
  // jsdiff writes an "Index:"/"===" preamble; keep the ---/+++ pair and the hunks.
  const text = body.slice(body.indexOf('--- '));
  const header = `diff --git a/${file} b/${file}\n${before === null ? 'new file mode 100644\n' : after === null ? 'deleted file mode 100644\n' : ''}`;
  return header + text;
}

interface Generated {
  drop: Map<string, string>;
  series: SeriesPatch[];
}

/** A drop of a few files and a series of patches over it, the patches numbered in `breaks` broken on purpose. */
function generate(seed: number, breaks: ReadonlySet<number>): Generated {
  const r = rng(seed);
  const drop = new Map<string, string>();
  const nFiles = 3 + Math.floor(r() * 5);
  for (let i = 0; i < nFiles; i++) drop.set(`drivers/xen/f${i}.c`, cFile(r, `f${i}`, 4 + Math.floor(r() * 6)));
  const state = new Map<string, string>(drop);
  const series: SeriesPatch[] = [];
  const nPatches = 4 + Math.floor(r() * 8);
  for (let p = 0; p < nPatches; p++) {
    let text = `From: gen\nSubject: [PATCH] p${p}\n\n---\n`;
    const names = [...state.keys()];
    const touched = new Set<string>();
    const count = 1 + Math.floor(r() * 3);
    for (let k = 0; k < count; k++) {
      const roll = r();
      if (roll < 0.1) {
        const file = `drivers/xen/new${p}_${k}.c`;
        if (state.has(file)) continue;
        const made = cFile(r, `n${p}${k}`, 2);
        text += gitDiff(file, null, made);
        state.set(file, made);
      } else if (roll < 0.15 && names.length > 2) {
        const file = pick(r, names);
        if (touched.has(file) || !state.has(file)) continue;
        text += gitDiff(file, state.get(file) as string, null);
        state.delete(file);
        touched.add(file);
      } else {
        const file = pick(r, names);
        if (touched.has(file) || !state.has(file)) continue;
        const before = state.get(file) as string;
        const after = addGuards(r, before, 1 + Math.floor(r() * 3));
        if (after === before) continue;
        let diff = gitDiff(file, before, after);
        if (breaks.has(p) && k === 0) diff = diff.replace(/^ (\t.*)$/gm, ' $1 /* not upstream */');
        text += diff;
        state.set(file, after);
        touched.add(file);
      }
    }
    series.push({ entry: { name: `sub/p${p}.patch`, subsystem: 'sub', line: p + 1 }, text });
  }
  return { drop, series: parsePatches(series) };
}

describe('applySeriesByFile gives what applySeries gives', () => {
  it('on 300 generated series (100 with broken hunks in two patches)', () => {
    let failures = 0;
    let compared = 0;
    for (let seed = 1; seed <= 300; seed++) {
      // Two broken patches (often in different files): the first failure in the series must win.
      const breaks = new Set(seed % 3 === 0 ? [seed % 4, (seed % 4) + 1 + (seed % 3 === 0 ? seed % 2 : 0)] : []);
      const { drop, series } = generate(seed, breaks);
      const inOrder = applySeries(drop, series);
      const seen: FileApplied[] = [];
      const byFile = applySeriesByFile(drop, series, {}, (f) => seen.push(f));
      expect(byFile, `seed ${seed}`).toBeDefined();
      if (!byFile) continue;
      expect(byFile.ok, `seed ${seed}`).toBe(inOrder.ok);
      expect(byFile.hunks, `seed ${seed}`).toEqual(inOrder.hunks);
      expect(byFile.applied, `seed ${seed}`).toEqual(inOrder.applied);
      if (!inOrder.ok && !byFile.ok) {
        failures++;
        expect(byFile.failure, `seed ${seed}`).toEqual(inOrder.failure);
        continue;
      }
      if (!inOrder.ok) continue;
      // Every file the series touched, with its text and origins; files it did not touch are not handed over.
      const touched = new Set(series.flatMap((sp) => sp.parsed?.files ?? []).map((fp) => (fp.newPath ?? fp.oldPath) as string));
      expect(new Set(seen.map((f) => f.file))).toEqual(touched);
      for (const f of seen) {
        compared++;
        if (f.lines === null) {
          expect(inOrder.files.has(f.file), `seed ${seed} ${f.file} deleted`).toBe(false);
          continue;
        }
        expect(joinLines(f.lines), `seed ${seed} ${f.file}`).toBe(inOrder.files.get(f.file));
        expect(f.origins, `seed ${seed} ${f.file} origins`).toEqual(inOrder.origins.get(f.file));
      }
    }
    // The generator did what it is for: failures to compare, and many files.
    expect(failures).toBeGreaterThan(50);
    expect(compared).toBeGreaterThan(500);
  });

  it('hands nothing over and returns undefined when a patch renames a file', () => {
    const drop = new Map([['a.c', 'int a;\n']]);
    const text = 'diff --git a/a.c b/b.c\nsimilarity index 100%\nrename from a.c\nrename to b.c\n';
    const series = parsePatches([{ entry: { name: 'mv.patch', subsystem: '', line: 1 }, text }]);
    const seen: FileApplied[] = [];
    expect(applySeriesByFile(drop, series, {}, (f) => seen.push(f))).toBeUndefined();
    expect(seen).toEqual([]);
    // applySeries handles it (apply falls back to it).
    const r = applySeries(drop, series);
    expect(r.ok && [...r.files.keys()]).toEqual(['b.c']);
  });
});
