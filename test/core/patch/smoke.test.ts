import { describe, expect, it } from 'vitest';
import { parsePatch } from '../../../src/core/patch/parse.js';
import { formatPatch } from '../../../src/core/patch/format.js';
import { applyFilePatch, reverseFilePatch } from '../../../src/core/patch/apply.js';
import { createFilePatch } from '../../../src/core/patch/create.js';

const P = `From 1234 Mon Sep 17 00:00:00 2001
From: A <a@b>
Subject: [PATCH] blkfront: noop

Why.
---
 x.c | 2 +-
 1 file changed

diff --git a/x.c b/x.c
index 1111111..2222222 100644
--- a/x.c
+++ b/x.c
@@ -1,3 +1,3 @@ int f()
 a
-b
+B
 c
-- 
2.39.0
`;

describe('smoke', () => {
  it('round trips and applies', () => {
    const p = parsePatch(P, 'x.patch');
    expect(formatPatch(p)).toBe(P);
    expect(p.files[0]?.oldPath).toBe('x.c');
    expect(p.trailer).toBe('-- \n2.39.0\n');
    const r = applyFilePatch('a\nb\nc\n', p.files[0]!);
    expect(r).toMatchObject({ ok: true, text: 'a\nB\nc\n' });
    const fp = p.files[0]!;
    const rev = applyFilePatch('a\nB\nc\n', reverseFilePatch(fp));
    expect(rev).toMatchObject({ ok: true, text: 'a\nb\nc\n' });
    const c = createFilePatch('x.c', 'int f()\n{\n1\n2\n3\n4\n}\n', 'int f()\n{\n1\n2\n3\n5\n}\n')!;
    expect(formatPatch({ header: '', files: [c], trailer: '' })).toMatchInlineSnapshot(`
      "diff --git a/x.c b/x.c
      --- a/x.c
      +++ b/x.c
      @@ -3,5 +3,5 @@ int f()
       1
       2
       3
      -4
      +5
       }
      "
    `);
  });
});
