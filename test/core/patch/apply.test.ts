import { describe, expect, it } from 'vitest';
import { parsePatch } from '../../../src/core/patch/parse.js';
import { formatPatch } from '../../../src/core/patch/format.js';
import { applyFilePatch, applyPatch, reverseFilePatch } from '../../../src/core/patch/apply.js';
import { createFilePatch } from '../../../src/core/patch/create.js';
import type { FilePatch } from '../../../src/core/patch/model.js';
import { gitApply, gnuDiff, gnuPatch, stripTimestamps } from './helpers.js';
import { makeCase } from './generate.js';

const fileOf = (patch: string): FilePatch => parsePatch(patch, 'test.patch').files[0] as FilePatch;
const lines = (n: number, f = (i: number): string => `line ${i}`): string => Array.from({ length: n }, (_, i) => f(i + 1) + '\n').join('');

describe('applyFilePatch: placement', () => {
  const base = lines(20);
  const patch = stripTimestamps(gnuDiff('f.c', base, base.replace('line 10\n', 'LINE TEN\n')));
  const fp = fileOf(patch);

  it('applies exactly where the header says', () => {
    const r = applyFilePatch(base, fp);
    // sources: every kept line names its input line; the replaced line 10 is new (-1).
    const sources = Array.from({ length: 20 }, (_, i) => (i === 9 ? -1 : i));
    expect(r).toEqual({ ok: true, text: base.replace('line 10\n', 'LINE TEN\n'), hunks: [{ index: 0, status: 'exact', offset: 0, fuzz: 0, line: 7, inputLine: 7 }], sources });
  });

  it('maps each output line to the input line it was copied from, or -1 when the patch added it', () => {
    const shifted = lines(3, (i) => `new ${i}`) + base.replace('line 7\n', 'line seven\n');
    const r = applyFilePatch(shifted, fp);
    if (!r.ok || r.text === null) throw new Error('expected the patch to apply');
    const input = shifted.split('\n').slice(0, -1);
    const output = r.text.split('\n').slice(0, -1);
    expect(r.sources).toHaveLength(output.length);
    expect(r.sources.filter((i) => i < 0)).toHaveLength(1);
    output.forEach((line, i) => {
      const src = r.sources[i] as number;
      if (src >= 0) expect(line).toBe(input[src]);
      else expect(line).toBe('LINE TEN');
    });
  });

  it('reports offsets like GNU patch ("succeeded at 17 (offset 10 lines)")', () => {
    const shifted = lines(10, (i) => `new ${i}`) + base;
    const r = applyFilePatch(shifted, fp);
    expect(r.ok && r.hunks[0]).toEqual({ index: 0, status: 'offset', offset: 10, fuzz: 0, line: 17, inputLine: 17 });
    expect(gnuPatch('f.c', shifted, patch).hunks).toEqual([{ hunk: 1, ok: true, line: 17, fuzz: 0, offset: 10 }]);
  });

  it('reports fuzz like GNU patch and keeps the file\'s own context lines', () => {
    const perturbed = base.replace('line 7\n', 'line seven\n');
    const r = applyFilePatch(perturbed, fp);
    expect(r.ok && r.hunks[0]).toMatchObject({ status: 'fuzz', fuzz: 1, offset: 0 });
    expect(r.ok && r.text).toBe(perturbed.replace('line 10\n', 'LINE TEN\n'));
    expect(gnuPatch('f.c', perturbed, patch).text).toBe(r.ok ? r.text : null);
    expect(applyFilePatch(perturbed, fp, { maxFuzz: 0 }).ok).toBe(false);
  });

  it('rejects with the closest window when even fuzz 2 does not match', () => {
    const broken = base.replace('line 9\n', 'line nine\n');
    const r = applyFilePatch(broken, fp);
    expect(r).toMatchObject({ ok: false, reason: 'hunk', failedHunk: 0, hunks: [], closest: { line: 7, matchingLines: 6, ofLines: 7 } });
    expect(!r.ok && r.message).toBe('no place matches its context, even with fuzz 2');
    expect(gnuPatch('f.c', broken, patch).hunks).toEqual([{ hunk: 1, ok: false, line: 7, fuzz: 0, offset: 0 }]);
  });

  it('never lets a hunk change lines before the previous hunk (misordered hunks)', () => {
    // Hunk 2 can only match above hunk 1's change.
    const text = 'a\nb\nc\nd\ne\nf\ng\nh\n';
    const patch = '--- a/f\n+++ b/f\n@@ -5,3 +5,3 @@\n e\n-f\n+F\n g\n@@ -7,3 +7,3 @@\n a\n-b\n+B\n c\n';
    const r = applyFilePatch(text, fileOf(patch));
    expect(r).toMatchObject({ ok: false, failedHunk: 1, hunks: [{ index: 0, status: 'exact' }] });
    expect(gnuPatch('f', text, patch).hunks).toEqual([{ hunk: 2, ok: false, line: 7, fuzz: 0, offset: 0 }]);
  });

  it('applies an insertion without context where its header says, shifted like the hunk before', () => {
    const text = lines(6);
    const p = fileOf('--- a/f\n+++ b/f\n@@ -3,0 +4 @@\n+inserted\n');
    expect(applyFilePatch(text, p)).toMatchObject({ ok: true, text: lines(3) + 'inserted\n' + lines(6).slice(lines(3).length) });
  });
});

describe('applyFilePatch: line endings', () => {
  const lf = 'int a;\nint b;\nint c;\nint d;\n';
  const crlf = lf.replace(/\n/g, '\r\n');
  const lfPatch = '--- a/w.c\n+++ b/w.c\n@@ -1,4 +1,5 @@\n int a;\n int b;\n+int x;\n-int c;\n+int C;\n int d;\n';

  it('a CRLF patch on a CRLF file gives what git apply gives (CRLF throughout)', () => {
    const patch = formatPatch({ header: '', files: [createFilePatch('w.c', crlf, crlf.replace('int c;', 'int C;'))!], trailer: '' });
    const r = applyFilePatch(crlf, fileOf(patch));
    expect(r.ok && r.text).toBe(crlf.replace('int c;', 'int C;'));
    expect(gitApply('w.c', crlf, patch).text).toBe(r.ok ? r.text : null);
  });

  it('an LF patch on a CRLF file keeps the file CRLF (added lines take the file\'s style)', () => {
    const r = applyFilePatch(crlf, fileOf(lfPatch));
    expect(r.ok && r.text).toBe('int a;\r\nint b;\r\nint x;\r\nint C;\r\nint d;\r\n');
  });

  it('a patch transported with CRLF applies to an LF file like GNU patch (which strips the CRs)', () => {
    const transported = lfPatch.replace(/\n/g, '\r\n');
    const r = applyFilePatch(lf, fileOf(transported));
    expect(r.ok && r.text).toBe('int a;\nint b;\nint x;\nint C;\nint d;\n');
    expect(gnuPatch('w.c', lf, transported).text).toBe(r.ok ? r.text : null);
  });

  it('on a mixed file, kept lines keep their bytes and added lines take the patch\'s endings', () => {
    const mixed = 'int a;\r\nint b;\nint c;\r\nint d;\n';
    const r = applyFilePatch(mixed, fileOf(lfPatch));
    expect(r.ok && r.text).toBe('int a;\r\nint b;\nint x;\nint C;\nint d;\n');
  });
});

describe('applyFilePatch: no newline at end of file', () => {
  const cases: [string, string, string][] = [
    ['adds the final newline', 'a\nb\nc', 'a\nb\nc\n'],
    ['removes the final newline', 'a\nb\nc\n', 'a\nb\nc'],
    ['changes a last line without newline', 'a\nb\nc', 'a\nb\nC'],
    ['appends after a last line without newline', 'a\nb\nc', 'a\nb\nc\nd\n'],
    ['CRLF file, last line without newline', 'a\r\nb\r\nc', 'a\r\nb\r\nC\r\n'],
  ];
  for (const [name, before, after] of cases) {
    it(`${name}: same as GNU patch and git apply`, () => {
      const patch = stripTimestamps(gnuDiff('f', before, after));
      const r = applyFilePatch(before, fileOf(patch));
      expect(r.ok && r.text).toBe(after);
      expect(gnuPatch('f', before, patch).text).toBe(after);
      expect(gitApply('f', before, patch).text).toBe(after);
      const back = applyFilePatch(after, reverseFilePatch(fileOf(patch)));
      expect(back.ok && back.text).toBe(before);
    });
  }

  it('a hunk expecting no newline at EOF does not match a line that has one (as GNU patch)', () => {
    const patch = stripTimestamps(gnuDiff('f', 'a\nb\nc', 'a\nb\nC'));
    const r = applyFilePatch('a\nb\nc\n', fileOf(patch), { maxFuzz: 0 });
    expect(r.ok).toBe(false);
    expect(gnuPatch('f', 'a\nb\nc\n', patch).hunks[0]?.ok).toBe(false);
  });
});

describe('applyFilePatch: new and deleted files', () => {
  const create = fileOf('diff --git a/n.c b/n.c\nnew file mode 100644\n--- /dev/null\n+++ b/n.c\n@@ -0,0 +1,2 @@\n+x\n+y\n');
  const remove = fileOf('diff --git a/o.c b/o.c\ndeleted file mode 100644\n--- a/o.c\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-x\n-y\n');

  it('creates from nothing or from an empty file', () => {
    expect(applyFilePatch(null, create)).toMatchObject({ ok: true, text: 'x\ny\n', hunks: [{ status: 'exact', line: 1 }] });
    expect(applyFilePatch('', create)).toMatchObject({ ok: true, text: 'x\ny\n' });
  });
  it('refuses to create over an existing file', () => {
    expect(applyFilePatch('other\n', create)).toMatchObject({ ok: false, reason: 'exists', failedHunk: 0 });
  });
  it('deletes to null, and refuses when lines would remain or the file is missing', () => {
    expect(applyFilePatch('x\ny\n', remove)).toEqual({ ok: true, text: null, hunks: [{ index: 0, status: 'exact', offset: 0, fuzz: 0, line: 1, inputLine: 1 }], sources: [] });
    expect(applyFilePatch('x\ny\nz\n', remove)).toMatchObject({ ok: false, reason: 'not-empty' });
    expect(applyFilePatch(null, remove)).toMatchObject({ ok: false, reason: 'missing' });
  });
  it('an empty new file (git diff without hunks) becomes ""', () => {
    const empty = fileOf('diff --git a/e b/e\nnew file mode 100644\nindex 0000000..e69de29\n');
    expect(applyFilePatch(null, empty)).toEqual({ ok: true, text: '', hunks: [], sources: [] });
  });
  it('reverses a creation into a deletion and back', () => {
    const rev = reverseFilePatch(create);
    expect(rev).toMatchObject({ oldPath: 'n.c', newPath: null, isNew: false, isDeleted: true, gitHeader: ['diff --git a/n.c b/n.c', 'deleted file mode 100644'] });
    expect(applyFilePatch('x\ny\n', rev)).toMatchObject({ ok: true, text: null });
    expect(formatPatch({ header: '', files: [rev], trailer: '' })).toBe('diff --git a/n.c b/n.c\ndeleted file mode 100644\n--- a/n.c\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-x\n-y\n');
  });
});

describe('applyPatch: several files', () => {
  const patch = parsePatch([
    'diff --git a/blkfront/blkfront.c b/blkfront/blkfront.c', '--- a/blkfront/blkfront.c', '+++ b/blkfront/blkfront.c', '@@ -1,2 +1,2 @@', ' a', '-b', '+B',
    'diff --git a/blkfront/new.h b/blkfront/new.h', 'new file mode 100644', '--- /dev/null', '+++ b/blkfront/new.h', '@@ -0,0 +1 @@', '+#define X 1',
    'diff --git a/old.c b/old.c', 'deleted file mode 100644', '--- a/old.c', '+++ /dev/null', '@@ -1 +0,0 @@', '-gone',
    'diff --git a/x.c b/y.c', 'similarity index 80%', 'rename from x.c', 'rename to y.c', '--- a/x.c', '+++ b/y.c', '@@ -1 +1 @@', '-1', '+2',
    'diff --git a/blkfront/blkfront.c b/blkfront/blkfront.c', '--- a/blkfront/blkfront.c', '+++ b/blkfront/blkfront.c', '@@ -1,2 +1,2 @@', '-a', '+A', ' B',
    '',
  ].join('\n'), 'series.patch');
  const tree: Record<string, string> = { 'blkfront/blkfront.c': 'a\nb\n', 'old.c': 'gone\n', 'x.c': '1\n' };

  it('applies every file diff, later ones on the results of earlier ones', () => {
    const r = applyPatch((p) => tree[p], patch);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(Object.fromEntries(r.files)).toEqual({ 'blkfront/blkfront.c': 'A\nB\n', 'blkfront/new.h': '#define X 1\n', 'old.c': null, 'x.c': null, 'y.c': '2\n' });
    expect(r.reports.map((f) => [f.oldPath, f.newPath, f.hunks.map((h) => h.status)])).toEqual([
      ['blkfront/blkfront.c', 'blkfront/blkfront.c', ['exact']], [null, 'blkfront/new.h', ['exact']], ['old.c', null, ['exact']],
      ['x.c', 'y.c', ['exact']], ['blkfront/blkfront.c', 'blkfront/blkfront.c', ['exact']],
    ]);
  });

  it('stops at the first failing file with its file, hunk and closest match', () => {
    const r = applyPatch((p) => ({ ...tree, 'old.c': 'something else\n' })[p], patch);
    expect(r).toMatchObject({ ok: false, file: 'old.c', fileIndex: 2, failure: { reason: 'hunk', failedHunk: 0 } });
    expect(!r.ok && [...r.files.keys()]).toEqual(['blkfront/blkfront.c', 'blkfront/new.h']);
    const missing = applyPatch((p) => (p === 'x.c' ? undefined : tree[p]), patch);
    expect(missing).toMatchObject({ ok: false, file: 'y.c', failure: { reason: 'missing' } });
  });
});

describe('apply then reverse-apply gives the input back', () => {
  // With fuzz, the context that anchored the hunk is gone from the comparison, and a diff -U0
  // deletion reverses into an insertion without any anchor: the round trip is a property of exact
  // and offset applications of hunks with context.
  it('on the exact and offset applications among 500 generated cases', () => {
    let checked = 0;
    let identical = 0;
    const ambiguous: number[] = [];
    for (let seed = 5001; seed <= 5500; seed++) {
      const c = makeCase(seed);
      if (c.patch === '') continue;
      const fp = fileOf(c.patch);
      if (fp.hunks.some((h) => !h.lines.some((l) => l[0] === ' '))) continue;
      const r = applyFilePatch(c.target, fp);
      if (!r.ok || r.text === null || r.hunks.some((h) => h.fuzz > 0)) continue;
      const rev = reverseFilePatch(fp);
      const back = applyFilePatch(r.text, rev);
      // With one or two context lines, repetitive code can offer the reverse hunk a nearer twin
      // (GNU patch -R picks the same one); with diff -u's three lines the round trip must hold.
      const threeContext = fp.hunks.every((h) => h.lines.slice(0, 3).every((l) => l[0] === ' ') || h.lines.slice(-3).every((l) => l[0] === ' '));
      if (back.ok && back.text === c.target) identical++;
      else if (threeContext) expect(back.ok && back.text, `seed ${seed}`).toBe(c.target);
      else ambiguous.push(seed);
      // The reversed patch is a valid patch of its own: GNU patch applies it the same way.
      const text = formatPatch({ header: '', files: [rev], trailer: '' });
      expect(gnuPatch('f.c', r.text, text).text, `seed ${seed}`).toBe(back.ok ? back.text : null);
      checked++;
    }
    expect(checked).toBeGreaterThan(180);
    expect(identical).toBeGreaterThanOrEqual(checked - 3);
  });
});
