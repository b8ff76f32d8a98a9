import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parsePatch } from '../../../src/core/patch/parse.js';
import { formatHunk, formatPatch, needsQuoting, quotePath } from '../../../src/core/patch/format.js';
import type { FilePatch, Hunk, LineEnding, PatchFile } from '../../../src/core/patch/model.js';

/** The model without parse bookkeeping (source texts), for semantic comparison. */
function semantic(p: PatchFile): unknown {
  return {
    header: p.header,
    trailer: p.trailer,
    files: p.files.map((f) => ({
      ...f,
      source: undefined,
      oldHeader: f.oldHeader === '' ? undefined : f.oldHeader,
      newHeader: f.newHeader === '' ? undefined : f.newHeader,
      hunks: f.hunks.map((h) => ({ ...h, source: undefined })),
    })),
  };
}

const contentChar = fc.constantFrom('a', 'b', 'x', ' ', '\t', '-', '+', '@', '\\', '*', '{', '}', ';', '1', 'é', '\r');
/** Line content: no newline, no NUL, and no CR at the very end (that CR would read as CRLF). */
const content = fc.string({ unit: contentChar, maxLength: 12 }).map((s) => (s.endsWith('\r') ? s + 'z' : s));
const pathPart = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '1', '_', '.', '-', ' ', 'é', '"'), minLength: 1, maxLength: 6 })
  .filter((s) => s !== '.' && s !== '..' && s.trim() === s);
const path = fc.array(pathPart, { minLength: 1, maxLength: 3 }).map((xs) => xs.join('/'));
const ending = fc.constantFrom<LineEnding>('\n', '\n', '\r\n');

/** A hunk with at least one change, consistent counts and valid no-newline endings. */
const hunk = fc.record({
  ops: fc.array(fc.record({ op: fc.constantFrom(' ', '-', '+'), text: content, eol: ending }), { minLength: 1, maxLength: 8 }),
  change: fc.record({ op: fc.constantFrom('-', '+'), text: content, eol: ending }),
  at: fc.nat(),
  start: fc.integer({ min: 1, max: 500 }),
  newShift: fc.integer({ min: -5, max: 5 }),
  section: fc.oneof(fc.constant(''), content.map((s) => s.trimStart())),
  noEol: fc.constantFrom('none', 'none', 'last', 'old'),
}).map(({ ops, change, at, start, newShift, section, noEol }): Hunk => {
  const all = [...ops];
  all.splice(at % (all.length + 1), 0, change);
  const lines = all.map((l) => l.op + l.text);
  const endings = all.map((l) => l.eol);
  const last = all.length - 1;
  if (noEol === 'last') endings[last] = '';
  if (noEol === 'old') {
    // The last old line may lack a newline if only '+' lines follow it.
    let k = last;
    while (k >= 0 && all[k]?.op === '+') k--;
    if (k >= 0 && all[k]?.op === '-') endings[k] = '';
  }
  const oldLines = all.filter((l) => l.op !== '+').length;
  const newLines = all.filter((l) => l.op !== '-').length;
  return {
    oldStart: oldLines === 0 ? start - 1 : start, oldLines,
    newStart: newLines === 0 ? Math.max(0, start + newShift - 1) : Math.max(1, start + newShift), newLines,
    section, lines, endings,
  };
});

const q = (name: string): string => (needsQuoting(name) ? quotePath(name) : name);

const filePatch = fc.record({
  kind: fc.constantFrom('modify', 'modify', 'create', 'delete', 'rename', 'mode'),
  git: fc.boolean(),
  path,
  other: path,
  hunks: fc.array(hunk, { minLength: 1, maxLength: 3 }),
  timestamp: fc.constantFrom(undefined, '2024-06-04 10:00:00.000000000 +0200'),
  preamble: fc.constantFrom('', '', 'Index: x\n', 'diff -up a/x b/x\n'),
}).map(({ kind, git, path: p, other, hunks, timestamp, preamble }): FilePatch => {
  const gitLine = (a: string, b: string): string => `diff --git ${q('a/' + a)} ${q('b/' + b)}`;
  if (kind === 'rename' || kind === 'mode') {
    const to = kind === 'rename' ? other : p;
    const gitHeader = kind === 'rename'
      ? [gitLine(p, to), 'similarity index 100%', `rename from ${q(p)}`, `rename to ${q(to)}`]
      : [gitLine(p, p), 'old mode 100644', 'new mode 100755'];
    return {
      oldFileName: `a/${p}`, newFileName: `b/${to}`, oldHeader: undefined, newHeader: undefined, oldPath: p, newPath: to,
      gitHeader, isNew: false, isDeleted: false, hunks: [], preamble,
    };
  }
  const isNew = kind === 'create';
  const isDeleted = kind === 'delete';
  const shaped = hunks.map((h) => {
    if (!isNew && !isDeleted) return h;
    // A creation has only '+' lines from -0,0; a deletion only '-' lines to +0,0.
    const keep = isNew ? '+' : '-';
    const lines = h.lines.map((l) => keep + l.slice(1));
    const n = lines.length;
    const endings = h.endings.map((e, i) => (i === n - 1 ? e : e === '' ? '\n' : e));
    return { ...h, oldStart: isNew ? 0 : 1, oldLines: isNew ? 0 : n, newStart: isNew ? 1 : 0, newLines: isNew ? n : 0, lines, endings };
  }).slice(0, isNew || isDeleted ? 1 : undefined);
  const gitHeader = git ? [gitLine(p, p), ...(isNew ? ['new file mode 100644'] : isDeleted ? ['deleted file mode 100644'] : [])] : [];
  return {
    oldFileName: isNew ? '/dev/null' : `a/${p}`, newFileName: isDeleted ? '/dev/null' : `b/${p}`,
    oldHeader: git ? undefined : timestamp, newHeader: git ? undefined : timestamp,
    oldPath: isNew ? null : p, newPath: isDeleted ? null : p, gitHeader, isNew, isDeleted, hunks: shaped, preamble,
  };
});

const patchFile = fc.record({
  header: fc.constantFrom('', 'Subject: [PATCH] x\n\nWhy.\n---\n x | 2 +-\n\n', 'quilt description\n\n'),
  files: fc.array(filePatch, { minLength: 1, maxLength: 4 }),
  trailer: fc.constantFrom('', '-- \n2.39.0\n', '\n'),
}).map(({ header, files, trailer }): PatchFile => ({
  header,
  files: files.map((f, i) => {
    if (i === 0) return { ...f, preamble: '' };
    // `---`/`+++` right after a git diff without hunks belong to that git diff (as for git apply).
    const prev = files[i - 1];
    if (prev && prev.hunks.length === 0 && f.gitHeader.length === 0 && f.preamble === '') return { ...f, preamble: 'Index: x\n' };
    return f;
  }),
  trailer,
}));

describe('formatPatch', () => {
  it('parse(format(p)) equals p for generated models (fast-check)', () => {
    fc.assert(fc.property(patchFile, (p) => {
      const text = formatPatch(p);
      const back = parsePatch(text, 'gen.patch');
      expect(semantic(back)).toEqual(semantic(p));
      expect(formatPatch(back)).toBe(text);
    }), { numRuns: Number(process.env.PVPATCH_RUNS ?? 400) });
  });

  it('format(parse(t)) is t byte for byte for textual variants (CRLF, blank context, ,1 counts, markers, timestamps)', () => {
    const variant = fc.record({
      p: patchFile,
      crlf: fc.boolean(),
      blank: fc.boolean(),
      explicitOne: fc.boolean(),
      marker: fc.constantFrom('\\ No newline at end of file', '\\ Kein Zeilenumbruch am Dateiende.'),
      dropFinalNewline: fc.boolean(),
      sectionSpacing: fc.boolean(),
    });
    fc.assert(fc.property(variant, ({ p, crlf, blank, explicitOne, marker, dropFinalNewline, sectionSpacing }) => {
      let t = formatPatch(p);
      t = t.split('\\ No newline at end of file').join(marker);
      if (explicitOne) t = t.replace(/^@@ -(\d+) \+(\d+) @@/gm, '@@ -$1,1 +$2,1 @@');
      if (sectionSpacing) t = t.replace(/^(@@ [^@]* @@) (.)/gm, '$1$2');
      if (blank) t = t.replace(/^ (\r?\n)/gm, '$1');
      if (crlf) t = t.replace(/\r?\n/g, '\r\n');
      // (An empty context line without its newline would vanish: no dropping after blanking.)
      if (dropFinalNewline && !blank && t.endsWith('\n') && p.trailer === '') t = t.replace(/\r?\n$/, '');
      const parsed = parsePatch(t, 'variant.patch');
      expect(formatPatch(parsed)).toBe(t);
    }), { numRuns: Number(process.env.PVPATCH_RUNS ?? 400) });
  });

  it('re-renders only what was edited', () => {
    const t = '--- a/x.c\t2024-06-04\n+++ b/x.c\t2024-06-05\n@@ -1,2 +1,2 @@ f()\n a\n-b\n+B\n@@ -10,1 +10,1 @@\n-c\n+C\n';
    const p = parsePatch(t, 'p');
    const second = p.files[0]!.hunks[1]!;
    second.oldStart = 12;
    second.newStart = 12;
    expect(formatPatch(p)).toBe('--- a/x.c\t2024-06-04\n+++ b/x.c\t2024-06-05\n@@ -1,2 +1,2 @@ f()\n a\n-b\n+B\n@@ -12 +12 @@\n-c\n+C\n');
    p.files[0]!.newPath = 'y.c';
    expect(formatPatch(p)).toMatch(/^--- a\/x\.c\t2024-06-04\n\+\+\+ b\/y\.c\t2024-06-05\n@@ -1,2/);
    const copy: Hunk = { ...p.files[0]!.hunks[0]!, lines: [' a', '-b', '+Bee'] };
    expect(formatHunk(copy)).toBe('@@ -1,2 +1,2 @@ f()\n a\n-b\n+Bee\n');
  });

  it('renders canonical git-style names', () => {
    const fp: FilePatch = {
      oldFileName: 'x', newFileName: 'y', oldHeader: undefined, newHeader: undefined, oldPath: 'dir/q"z.c', newPath: 'dir/a b.c',
      gitHeader: [], isNew: false, isDeleted: false, preamble: '',
      hunks: [{ oldStart: 3, oldLines: 0, newStart: 4, newLines: 1, section: '', lines: ['+x'], endings: [''] }],
    };
    expect(formatPatch({ header: '', files: [fp], trailer: '' })).toBe(
      '--- "a/dir/q\\"z.c"\n+++ b/dir/a b.c\t\n@@ -3,0 +4 @@\n+x\n\\ No newline at end of file\n',
    );
  });
});
