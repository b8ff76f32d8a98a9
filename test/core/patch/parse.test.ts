import { describe, expect, it } from 'vitest';
import { parsePatch } from '../../../src/core/patch/parse.js';
import { formatPatch } from '../../../src/core/patch/format.js';
import { PatchParseError } from '../../../src/core/errors.js';
import { describePatch, fileOperation, newSide, oldSide } from '../../../src/core/patch/model.js';

const FORMAT_PATCH = `From 5c1b2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c Mon Sep 17 00:00:00 2001
From: Jane Maintainer <jane@example.org>
Date: Tue, 4 Jun 2024 10:00:00 +0200
Subject: [PATCH 3/7] blkfront: use elevator_init(rq, &elevator_noop) before
 2.6.10

Kernels before 2.6.10 take an elevator_t, not a name.
Needed by SLES9 (2.6.5) and RHEL4 (2.6.9).
---
 blkfront/blkfront.c | 4 ++++
 1 file changed, 4 insertions(+)

diff --git a/blkfront/blkfront.c b/blkfront/blkfront.c
index 3f2a1b0..9c8d7e6 100644
--- a/blkfront/blkfront.c
+++ b/blkfront/blkfront.c
@@ -120,7 +120,11 @@ static int xlvbd_init_blk_queue(struct gendisk *gd, u16 sector_size)
 	if (rq == NULL)
 		return -1;
 
+#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)
+	elevator_init(rq, &elevator_noop);
+#else
 	elevator_init(rq, "noop");
+#endif
 
 	/* Hard sector size and max sectors impersonate the equiv. hardware. */
 	blk_queue_hardsect_size(rq, sector_size);
-- 
2.39.0
`;

/** Parse must throw a PatchParseError at exactly file:line with exactly this message. */
function expectError(text: string, line: number, message: string | RegExp): void {
  let err: unknown;
  try {
    parsePatch(text, 'patches/blkfront/x.patch');
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(PatchParseError);
  const e = err as PatchParseError;
  expect(e.location).toEqual({ file: 'patches/blkfront/x.patch', line });
  if (typeof message === 'string') expect(e.describe()).toBe(`patches/blkfront/x.patch:${line}: ${message}`);
  else expect(e.message).toMatch(message);
}

describe('parsePatch: what it accepts', () => {
  it('splits a git-format-patch into header, file diff and trailer', () => {
    const p = parsePatch(FORMAT_PATCH, 'x.patch');
    expect(p.header).toBe(FORMAT_PATCH.slice(0, FORMAT_PATCH.indexOf('diff --git')));
    expect(p.trailer).toBe('-- \n2.39.0\n');
    expect(p.files).toHaveLength(1);
    const fp = p.files[0]!;
    expect(fp).toMatchObject({
      oldFileName: 'a/blkfront/blkfront.c', newFileName: 'b/blkfront/blkfront.c',
      oldPath: 'blkfront/blkfront.c', newPath: 'blkfront/blkfront.c', isNew: false, isDeleted: false,
      gitHeader: ['diff --git a/blkfront/blkfront.c b/blkfront/blkfront.c', 'index 3f2a1b0..9c8d7e6 100644'],
      oldHeader: undefined, newHeader: undefined, preamble: '',
    });
    const h = fp.hunks[0]!;
    expect(h).toMatchObject({ oldStart: 120, oldLines: 7, newStart: 120, newLines: 11, section: 'static int xlvbd_init_blk_queue(struct gendisk *gd, u16 sector_size)' });
    expect(h.lines[3]).toBe('+#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)');
    expect(h.lines[2]).toBe(' ');
    expect(h.endings.every((e) => e === '\n')).toBe(true);
    expect(oldSide(h)).toHaveLength(7);
    expect(newSide(h)).toHaveLength(11);
    expect(formatPatch(p)).toBe(FORMAT_PATCH);
  });

  it('describes the header: subject unfolded without [PATCH], body up to ---', () => {
    const d = describePatch(parsePatch(FORMAT_PATCH, 'x.patch').header);
    expect(d).toEqual({
      author: 'Jane Maintainer <jane@example.org>',
      date: 'Tue, 4 Jun 2024 10:00:00 +0200',
      subject: 'blkfront: use elevator_init(rq, &elevator_noop) before 2.6.10',
      body: 'Kernels before 2.6.10 take an elevator_t, not a name.\nNeeded by SLES9 (2.6.5) and RHEL4 (2.6.9).',
    });
    expect(describePatch('netfront: fix rx\n\nLonger text.\n')).toEqual({ subject: 'netfront: fix rx', body: 'Longer text.' });
    expect(describePatch('')).toEqual({ subject: '', body: '' });
    expect(describePatch('Subject: x\r\n\r\nbody\r\n---\r\n a | 1 +\r\n')).toEqual({ subject: 'x', body: 'body' });
  });

  it('strips timestamps and one component from plain diff -u names', () => {
    const t = '--- a/x.c\t2024-06-04 10:00:00.000000000 +0200\n+++ b/x.c\t2024-06-05 11:00:00.000000000 +0200\n@@ -1 +1 @@\n-a\n+b\n';
    const fp = parsePatch(t, 'p').files[0]!;
    expect(fp).toMatchObject({ oldPath: 'x.c', newPath: 'x.c', oldHeader: '2024-06-04 10:00:00.000000000 +0200', gitHeader: [] });
    expect(fp.hunks[0]).toMatchObject({ oldStart: 1, oldLines: 1, newStart: 1, newLines: 1, section: '' });
  });

  it('reads new, deleted, renamed and mode-only files', () => {
    const t = [
      'diff --git a/new.c b/new.c', 'new file mode 100644', 'index 0000000..e69de29', '--- /dev/null', '+++ b/new.c', '@@ -0,0 +1,2 @@', '+a', '+b',
      'diff --git a/old.c b/old.c', 'deleted file mode 100644', '--- a/old.c', '+++ /dev/null', '@@ -1 +0,0 @@', '-gone',
      'diff --git a/x/from.c b/y/to.c', 'similarity index 100%', 'rename from x/from.c', 'rename to y/to.c',
      'diff --git a/run.sh b/run.sh', 'old mode 100644', 'new mode 100755',
      'diff --git a/empty b/empty', 'new file mode 100644', 'index 0000000..e69de29',
      '',
    ].join('\n');
    const p = parsePatch(t, 'p');
    expect(p.files.map((f) => [f.oldPath, f.newPath, f.isNew, f.isDeleted, fileOperation(f), f.hunks.length])).toEqual([
      [null, 'new.c', true, false, 'create', 1],
      ['old.c', null, false, true, 'delete', 1],
      ['x/from.c', 'y/to.c', false, false, 'rename', 0],
      ['run.sh', 'run.sh', false, false, 'modify', 0],
      [null, 'empty', true, false, 'create', 0],
    ]);
    expect(p.files[0]!.hunks[0]).toMatchObject({ oldStart: 0, oldLines: 0, newStart: 1, newLines: 2 });
    expect(formatPatch(p)).toBe(t);
  });

  it('keeps CRLF as line endings, not content, and the marker per side', () => {
    const t = '--- a/w.c\r\n+++ b/w.c\r\n@@ -1,2 +1,2 @@\r\n a\r\n-b\r\n\\ No newline at end of file\r\n+b\r\n';
    const fp = parsePatch(t, 'p').files[0]!;
    expect(fp.oldPath).toBe('w.c');
    expect(fp.hunks[0]!.lines).toEqual([' a', '-b\r', '+b']);
    expect(fp.hunks[0]!.endings).toEqual(['\r\n', '', '\r\n']);
    expect(formatPatch(parsePatch(t, 'p'))).toBe(t);
  });

  it('reads no-newline markers on either side and omitted counts', () => {
    const t = '--- a/x\n+++ b/x\n@@ -3 +3,2 @@ int main(void)\n-c\n\\ No newline at end of file\n+c\n+d\n\\ No newline at end of file\n';
    const h = parsePatch(t, 'p').files[0]!.hunks[0]!;
    expect(h).toMatchObject({ oldStart: 3, oldLines: 1, newStart: 3, newLines: 2, section: 'int main(void)', lines: ['-c', '+c', '+d'], endings: ['', '\n', ''] });
  });

  it('takes empty lines inside a hunk as empty context lines (mailers eat the space)', () => {
    const t = '--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n\n-b\n+B\n';
    const h = parsePatch(t, 'p').files[0]!.hunks[0]!;
    expect(h.lines).toEqual([' a', ' ', '-b', '+B']);
    expect(formatPatch(parsePatch(t, 'p'))).toBe(t);
  });

  it('keeps junk between files as the next file\'s preamble', () => {
    const t = 'intro\ndiff -up a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\nOnly in b: z\nIndex: y\n===================================================================\n--- a/y\n+++ b/y\n@@ -1 +1 @@\n-a\n+b\n';
    const p = parsePatch(t, 'p');
    expect(p.header).toBe('intro\ndiff -up a/x b/x\n');
    expect(p.files[1]!.preamble).toBe('Only in b: z\nIndex: y\n===================================================================\n');
    expect(formatPatch(p)).toBe(t);
  });

  it('unquotes C-quoted git names and names with spaces', () => {
    const t = 'diff --git "a/q\\"z.c" "b/q\\"z.c"\nnew file mode 100644\n--- /dev/null\n+++ "b/q\\"z.c"\n@@ -0,0 +1 @@\n+b\n'
      + 'diff --git a/x y.c b/x y.c\n--- a/x y.c\t\n+++ b/x y.c\t\n@@ -1 +1 @@\n-a\n+b\n'
      + 'diff --git a/caf\\303\\251 b/caf\\303\\251\n--- "a/caf\\303\\251"\n+++ "b/caf\\303\\251"\n@@ -1 +1 @@\n-a\n+b\n';
    const p = parsePatch(t, 'p');
    expect(p.files.map((f) => f.newPath)).toEqual(['q"z.c', 'x y.c', 'café']);
    expect(p.files[1]!.oldHeader).toBeUndefined();
    expect(formatPatch(p)).toBe(t);
  });

  it('accepts a patch whose last line has no newline', () => {
    const t = '--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b';
    const p = parsePatch(t, 'p');
    expect(p.files[0]!.hunks[0]!.endings).toEqual(['\n', '\n']);
    expect(formatPatch(p)).toBe(t);
  });

  it('ends a hunk at the signature line', () => {
    const t = '--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n-a\n+b\n c\n--\n2.1\n';
    expect(parsePatch(t, 'p').trailer).toBe('--\n2.1\n');
  });
});

describe('parsePatch: what it refuses, with file:line', () => {
  const head = 'Subject: x\n\n---\n'; // 3 lines
  it('hunks with too few lines', () => {
    expectError(`${head}--- a/x\n+++ b/x\n@@ -1,5 +1,5 @@\n a\n b\n-c\n+C\n d\n@@ -10 +10 @@\n-x\n+y\n`, 12, 'hunk at line 6: expected 5 old lines, found 4');
    expectError(`${head}--- a/x\n+++ b/x\n@@ -1,3 +1,4 @@\n a\n-b\n+B\n c\ndiff --git a/y b/y\n`, 11, 'hunk at line 6: expected 4 new lines, found 3');
  });
  it('hunks with too many lines', () => {
    expectError(`${head}--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n a\n-b\n+B\n c\n`, 10, 'hunk at line 6: expected 2 old lines, found 3');
    expectError(`${head}--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n a\n-b\n+B\n+C\n`, 10, 'hunk at line 6: expected 2 new lines, found 3');
  });
  it('truncated hunks', () => {
    expectError(`${head}--- a/x\n+++ b/x\n@@ -1,5 +1,5 @@\n a\n b\n-c\n+C\n`, 10, 'truncated hunk at line 6: expected 5 old lines, found 3 before the end of the patch');
  });
  it('invalid lines inside a hunk', () => {
    expectError(`${head}--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n*b\n c\n`, 8, 'hunk at line 6 contains an invalid line: "*b"');
    expectError(`${head}--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n\\ No newline at end of file\n a\n`, 7, 'hunk at line 6: misplaced "\\ No newline at end of file"');
    expectError(`${head}--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n-a\n\\ No newline at end of file\n-b\n+c\n+d\n`, 9, 'hunk at line 6: old line after "\\ No newline at end of file"');
  });
  it('malformed, header-less and empty hunks', () => {
    expectError(`${head}--- a/x\n+++ b/x\n@@ -1,x +1 @@\n`, 6, 'malformed hunk header: @@ -1,x +1 @@');
    expectError(`${head}@@ -1 +1 @@\n-a\n+b\n`, 4, 'hunk without a file header (--- and +++ lines)');
    expectError(`${head}diff --git a/x b/x\n@@ -1 +1 @@\n-a\n+b\n`, 5, 'hunk without a file header (--- and +++ lines)');
    expectError(`${head}--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n a\n b\n`, 6, 'hunk at line 6 changes nothing (no - or + lines)');
    expectError(`${head}--- a/x\n+++ b/x\nplain text\n`, 5, 'file header for x is not followed by a hunk');
    expectError(`${head}--- a/x\n+++ b/x\n@@ -0,2 +1 @@\n`, 6, 'hunk at line 6: old range starts at line 0 but has 2 lines');
  });
  it('binary patches', () => {
    expectError(`${head}diff --git a/fw.bin b/fw.bin\nindex 1..2 100644\nGIT binary patch\nliteral 12\n`, 6, 'binary patches are not supported: GIT binary patch');
    expectError(`${head}diff --git a/fw.bin b/fw.bin\nBinary files a/fw.bin and b/fw.bin differ\n`, 5, 'binary patches are not supported: Binary files a/fw.bin and b/fw.bin differ');
    expectError(`${head}Binary files a/fw.bin and b/fw.bin differ\n`, 4, /binary patches are not supported/);
  });
  it('ed scripts and normal diffs, never executed', () => {
    expectError(`${head}1,3c\nfoo\n.\nw\n`, 4, 'ed scripts and normal diffs are refused ("1,3c"): only unified diffs are supported');
    expectError(`${head}5a6\n> added\n`, 4, /ed scripts and normal diffs are refused \("5a6"\)/);
    expectError(`--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n12d\n`, 6, /ed scripts and normal diffs are refused \("12d"\)/);
  });
  it('context diffs', () => {
    expectError(`${head}*** a/x\t2024\n--- b/x\t2024\n***************\n*** 1,5 ****\n`, 4, 'context diffs are refused ("*** a/x\t2024"): only unified diffs are supported');
    expectError(`${head}***************\n*** 1,5 ****\n`, 4, /context diffs are refused/);
    expectError(`${head}*** 1,5 ****\n`, 4, /context diffs are refused/);
  });
  it('combined diffs', () => {
    expectError(`${head}diff --cc x.c\n@@@ -1,1 -1,1 +1,1 @@@\n`, 4, /combined diffs are refused/);
  });
  it('paths that leave the tree', () => {
    expectError(`${head}--- a/../x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n`, 4, 'path "a/../x" leaves the tree');
    expectError(`${head}--- a/x\n+++ b/../../x\n@@ -1 +1 @@\n-a\n+b\n`, 5, 'path "b/../../x" leaves the tree');
    expectError(`${head}--- a/x\n+++ a/../../etc/passwd\n@@ -1 +1 @@\n-a\n+b\n`, 5, 'path "a/../../etc/passwd" leaves the tree');
    expectError(`${head}--- /etc/passwd\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n`, 4, 'absolute path "/etc/passwd" is refused');
    expectError(`${head}--- a//etc/passwd\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n`, 4, 'absolute path "a//etc/passwd" is refused');
    expectError(`${head}--- x.c\n+++ x.c\n@@ -1 +1 @@\n-a\n+b\n`, 4, 'cannot strip one leading component (-p1) from "x.c"');
    expectError(`${head}diff --git a/x b/x\nsimilarity index 90%\nrename from x\nrename to ../outside\n`, 7, 'path "../outside" leaves the tree');
    expectError(`${head}diff --git a/x b/y\ncopy from /etc/shadow\ncopy to y\n`, 5, 'absolute path "/etc/shadow" is refused');
    expectError(`${head}diff --git a/../x b/../x\nold mode 100644\nnew mode 100755\n`, 4, 'path "a/../x" leaves the tree');
  });
  it('NUL bytes', () => {
    expectError(`${head}--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\0\n+b\n`, 7, 'NUL byte in patch (binary data is not supported)');
  });
  it('patches without any file diff', () => {
    expectError('', 1, 'no file diffs found (expected a unified diff: ---/+++ lines and @@ hunks)');
    expectError('Subject: only words\n\nNothing here.\n', 1, /no file diffs found/);
  });
});

describe('parsePatch: miscounted hunks next to blank lines', () => {
  it('reports a blank line followed by more hunk lines as too many lines', () => {
    let err: unknown;
    try {
      parsePatch('--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n a\n-b\n+B\n\n c\n', 'p.patch');
    } catch (e) {
      err = e;
    }
    expect((err as PatchParseError).describe()).toBe('p.patch:7: hunk at line 3: expected 2 old lines, found 4');
  });
  it('still ends a file at a blank line followed by other text', () => {
    expect(parsePatch('--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n a\n-b\n+B\n\nThanks,\nJane\n', 'p').trailer).toBe('\nThanks,\nJane\n');
  });
});
