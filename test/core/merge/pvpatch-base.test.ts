import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatPvpatchBase, parsePvpatchBase, setPvpatchBase, type PvpatchBase } from '../../../src/core/merge/pvpatch-base.js';
import { PatchParseError } from '../../../src/core/errors.js';

const H1 = '4f0a1b2c3d4e5f60718293a4b5c6d7e8f9012345';
const H2 = '9a8b7c6d5e4f30211203f4e5d6c7b8a990817263';

const HEADER = `From 2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e Mon Sep 17 00:00:00 2001
From: Xen PV maintainers <xen-pv@example.org>
Date: Tue, 3 Mar 2026 10:00:00 +0000
Subject: [PATCH] blkfront: use the noop elevator on 2.6.9

elevator_init() took a struct elevator_type before 2.6.10.

Signed-off-by: A Maintainer <a@example.org>
---
 drivers/block/xen-blkfront.c | 4 ++++
 1 file changed, 4 insertions(+)

`;

describe('Pvpatch-Base', () => {
  const base: PvpatchBase = { version: '6.1.0', blobs: { 'drivers/block/xen-blkfront.c': H1, 'drivers/xen/xenbus/xenbus_probe.c': H2 } };

  it('formats one sorted line and parses it back', () => {
    const lines = formatPvpatchBase(base);
    expect(lines).toEqual([`Pvpatch-Base: 6.1.0 drivers/block/xen-blkfront.c=${H1}`, `Pvpatch-Base: 6.1.0 drivers/xen/xenbus/xenbus_probe.c=${H2}`]);
    expect(parsePvpatchBase(lines.join('\n'))).toEqual(base);
  });

  it('puts short entries on one line', () => {
    expect(formatPvpatchBase({ version: '2.6.18', blobs: { 'b.c': 'abcd1234', 'a.c': '1234abcd' } })).toEqual(['Pvpatch-Base: 2.6.18 a.c=1234abcd b.c=abcd1234']);
    expect(formatPvpatchBase({ version: '2.6.18', blobs: {} })).toEqual(['Pvpatch-Base: 2.6.18']);
  });

  it('is set as a trailer in a git-format-patch header, replaced in place, and removed', () => {
    const withBase = setPvpatchBase(HEADER, base);
    expect(withBase).toBe(HEADER.replace('Signed-off-by: A Maintainer <a@example.org>\n', `Signed-off-by: A Maintainer <a@example.org>\n${formatPvpatchBase(base).join('\n')}\n`));
    expect(parsePvpatchBase(withBase, 'patches/blkfront/elevator-noop.patch')).toEqual(base);
    const moved: PvpatchBase = { version: '6.12.0', blobs: { 'drivers/block/xen-blkfront.c': H2 } };
    const replaced = setPvpatchBase(withBase, moved);
    expect(parsePvpatchBase(replaced)).toEqual(moved);
    expect(replaced).toBe(HEADER.replace('Signed-off-by: A Maintainer <a@example.org>\n', `Signed-off-by: A Maintainer <a@example.org>\nPvpatch-Base: 6.12.0 drivers/block/xen-blkfront.c=${H2}\n`));
    expect(setPvpatchBase(replaced, undefined)).toBe(HEADER);
  });

  it('adds a blank line after a description paragraph, keeps CRLF, and handles headerless patches', () => {
    const plain = 'blkfront: noop elevator\n\nWhy it is needed.\n---\n';
    expect(setPvpatchBase(plain, { version: '6.1', blobs: {} })).toBe('blkfront: noop elevator\n\nWhy it is needed.\n\nPvpatch-Base: 6.1\n---\n');
    const crlf = plain.replace(/\n/g, '\r\n');
    expect(setPvpatchBase(crlf, { version: '6.1', blobs: {} })).toBe('blkfront: noop elevator\r\n\r\nWhy it is needed.\r\n\r\nPvpatch-Base: 6.1\r\n---\r\n');
    expect(setPvpatchBase('', { version: '6.1', blobs: {} })).toBe('Pvpatch-Base: 6.1\n');
    expect(setPvpatchBase('diff --git a/x b/x\n', { version: '6.1', blobs: {} })).toBe('Pvpatch-Base: 6.1\ndiff --git a/x b/x\n');
  });

  it('reads only the header of a whole patch', () => {
    const patch = `${HEADER}diff --git a/x.c b/x.c\n--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-Pvpatch-Base: 1.0\n+x\n`;
    expect(parsePvpatchBase(patch)).toBeUndefined();
  });

  it('throws PatchParseError with file:line for bad lines', () => {
    const bad = (text: string): string => {
      try {
        parsePvpatchBase(text, 'patches/x.patch');
      } catch (e) {
        expect(e).toBeInstanceOf(PatchParseError);
        return (e as PatchParseError).describe();
      }
      return 'no error';
    };
    expect(bad('Subject: x\nPvpatch-Base:\n')).toBe('patches/x.patch:2: Pvpatch-Base: missing drop version');
    expect(bad('Pvpatch-Base: 6.1 x.c\n')).toMatch(/^patches\/x\.patch:1: .*bad entry "x.c"/);
    expect(bad('Pvpatch-Base: 6.1 x.c=XYZ\n')).toMatch(/bad entry/);
    expect(bad('Pvpatch-Base: x.c=abcd\n')).toMatch(/expected "<version>/);
    expect(bad('Pvpatch-Base: 6.1 a=abcd\nPvpatch-Base: 6.2 b=abcd\n')).toMatch(/^patches\/x\.patch:2: .*differs/);
    expect(bad('Pvpatch-Base: 6.1 a=abcd a=abce\n')).toMatch(/given twice/);
    expect(() => formatPvpatchBase({ version: '6 1', blobs: {} })).toThrow(PatchParseError);
    expect(() => formatPvpatchBase({ version: '6.1', blobs: { 'a b.c': H1 } })).toThrow(/whitespace/);
  });

  it('property: parse(format(b)) = b', () => {
    const path = fc.stringMatching(/^[a-z_][a-z0-9_./-]{0,40}$/);
    const hash = fc.stringMatching(/^[0-9a-f]{40}$/);
    const version = fc.stringMatching(/^[0-9][0-9a-z.+~-]{0,15}$/);
    fc.assert(
      fc.property(version, fc.dictionary(path, hash, { maxKeys: 12 }), (v, blobs) => {
        const b: PvpatchBase = { version: v, blobs: { ...blobs } };
        const lines = formatPvpatchBase(b);
        for (const l of lines) if (l.split(' ').length > 3) expect(l.length).toBeLessThanOrEqual(100);
        expect(parsePvpatchBase(lines.join('\n'))).toEqual(b);
        expect(parsePvpatchBase(setPvpatchBase(HEADER, b))).toEqual(b);
      }),
      { numRuns: 300 },
    );
  });
});
