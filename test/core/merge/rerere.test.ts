import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import {
  applyResolutions,
  conflictKey,
  findConflicts,
  hashText,
  lookupResolution,
  preimageText,
  recordResolution,
} from '../../../src/core/merge/rerere.js';
import { mergeTexts } from '../../../src/core/merge/diff3.js';

const L = (...lines: string[]): string => lines.map((l) => `${l}\n`).join('');
const sha1: (t: string) => string = (t) => createHash('sha1').update(t).digest('hex');

const BASE = L('\tinfo->ring_ref = GRANT_INVALID_REF;', '', '\tsg_init_table(info->sg, BLKIF_MAX_SEGMENTS_PER_REQUEST);', '\treturn 0;');
const OURS = BASE.replace('\tsg_init_table(info->sg, BLKIF_MAX_SEGMENTS_PER_REQUEST);\n', L('#if LINUX_VERSION_CODE >= KERNEL_VERSION(2,6,24)', '\tsg_init_table(info->sg, BLKIF_MAX_SEGMENTS_PER_REQUEST);', '#endif'));
const THEIRS = BASE.replace('BLKIF_MAX_SEGMENTS_PER_REQUEST', 'BLKIF_MAX_SEGMENTS_PER_REQUEST * 2');
const RESOLUTION = ['#if LINUX_VERSION_CODE >= KERNEL_VERSION(2,6,24)', '\tsg_init_table(info->sg, BLKIF_MAX_SEGMENTS_PER_REQUEST * 2);', '#endif'];

describe('hashText', () => {
  it('is a stable 16-hex-digit hash that tells close texts apart', () => {
    expect(hashText('')).toMatch(/^[0-9a-f]{16}$/);
    expect(hashText('abc')).toBe(hashText('abc'));
    expect(hashText('abc')).not.toBe(hashText('abd'));
    expect(hashText('ab')).not.toBe(hashText('ba'));
  });
  it('has no collisions on many similar C lines', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20000; i++) seen.add(hashText(`\tcall_${i}(info, ${i % 7});\n`));
    expect(seen.size).toBe(20000);
  });
});

describe('conflict keys', () => {
  const c = mergeTexts(BASE, OURS, THEIRS).conflicts[0]!;
  it('ignore labels, line terminators and trailing blanks, but not the sides', () => {
    const crlf = mergeTexts(BASE.replace(/\n/g, '\r\n'), OURS.replace(/\n/g, '\r\n'), THEIRS.replace(/\n/g, '\r\n'), { ours: 'patch' }).conflicts[0]!;
    expect(conflictKey(crlf)).toBe(conflictKey(c));
    expect(conflictKey({ ...c, ours: c.ours.map((l) => `${l}  `) })).toBe(conflictKey(c));
    expect(conflictKey({ base: c.base, ours: c.theirs, theirs: c.ours })).not.toBe(conflictKey(c));
  });
  it('take the shell\'s hasher', () => {
    expect(conflictKey(c, sha1)).toBe(sha1(preimageText(c)));
    expect(conflictKey(c, sha1)).toMatch(/^[0-9a-f]{40}$/);
  });
  it('preimage shows the conflict with bare markers', () => {
    expect(preimageText({ base: ['b'], ours: ['o'], theirs: ['t'] })).toBe(L('<<<<<<<', 'o', '|||||||', 'b', '=======', 't', '>>>>>>>'));
  });
});

describe('record / lookup', () => {
  it('round-trips a resolution, without changing the cache it was given', () => {
    const c = mergeTexts(BASE, OURS, THEIRS).conflicts[0]!;
    const key = conflictKey(c);
    const empty = new Map();
    const cache = recordResolution(empty, key, c, RESOLUTION);
    expect(empty.size).toBe(0);
    expect(lookupResolution(cache, key)).toEqual(RESOLUTION);
    expect(lookupResolution(cache, key, c)).toEqual(RESOLUTION);
    expect(cache.get(key)).toEqual({ preimage: preimageText(c), postimage: RESOLUTION.map((l) => `${l}\n`).join('') });
    expect(lookupResolution(cache, 'nope')).toBeUndefined();
  });
  it('refuses an entry recorded for another conflict under the same key', () => {
    const c = { base: ['b'], ours: ['o'], theirs: ['t'] };
    const cache = recordResolution(new Map(), 'k', c, ['x']);
    expect(lookupResolution(cache, 'k', { ...c, theirs: ['T'] })).toBeUndefined();
  });
  it('records an empty resolution (the region is removed)', () => {
    const c = { base: ['b'], ours: ['o'], theirs: ['t'] };
    expect(lookupResolution(recordResolution(new Map(), 'k', c, []), 'k', c)).toEqual([]);
  });
});

describe('findConflicts / applyResolutions', () => {
  it('finds diff3 and merge-style blocks, ignores broken ones', () => {
    const text = L('a', '<<<<<<< ours', 'o', '||||||| base', 'b', '=======', 't', '>>>>>>> theirs', 'c', '<<<<<<< HEAD', 'x', '=======', 'y', '>>>>>>> other', '<<<<<<< broken', 'z');
    expect(findConflicts(text)).toEqual([
      { start: 1, end: 8, ours: ['o'], base: ['b'], theirs: ['t'] },
      { start: 9, end: 14, ours: ['x'], base: [], theirs: ['y'] },
    ]);
  });
  it('replaces recorded conflicts in a merged text and leaves the others', () => {
    const merged = mergeTexts(BASE, OURS, THEIRS);
    const c = merged.conflicts[0]!;
    const cache = recordResolution(new Map(), conflictKey(c, sha1), c, RESOLUTION);
    const other = L('<<<<<<< ours', 'p', '||||||| base', 'q', '=======', 'r', '>>>>>>> theirs');
    const r = applyResolutions(merged.text + other, cache, sha1);
    expect(r.text).toBe(BASE.replace('\tsg_init_table(info->sg, BLKIF_MAX_SEGMENTS_PER_REQUEST);\n', L(...RESOLUTION)) + other);
    expect(r.resolved).toEqual([{ key: conflictKey(c, sha1), line: c.line }]);
    expect(r.remaining).toHaveLength(1);
    expect(applyResolutions('no markers\n', cache)).toEqual({ text: 'no markers\n', resolved: [], remaining: [] });
  });
  it('keeps CRLF when it resolves', () => {
    const merged = mergeTexts(BASE.replace(/\n/g, '\r\n'), OURS.replace(/\n/g, '\r\n'), THEIRS.replace(/\n/g, '\r\n'));
    const c = merged.conflicts[0]!;
    const r = applyResolutions(merged.text, recordResolution(new Map(), conflictKey(c), c, RESOLUTION));
    expect(r.text).toBe(BASE.replace('\tsg_init_table(info->sg, BLKIF_MAX_SEGMENTS_PER_REQUEST);\n', L(...RESOLUTION)).replace(/\n/g, '\r\n'));
  });
  it('property: recording each conflict\'s "take theirs" resolves the merge to theirs\' lines there', () => {
    const line = fc.constantFrom('a', 'b', 'c', '}', '');
    fc.assert(
      fc.property(fc.array(line, { maxLength: 8 }), fc.array(line, { maxLength: 8 }), fc.array(line, { maxLength: 8 }), (b, o, t) => {
        const m = mergeTexts(L(...b), L(...o), L(...t));
        let cache = new Map();
        for (const c of m.conflicts) cache = recordResolution(cache, conflictKey(c), c, c.theirs);
        const r = applyResolutions(m.text, cache);
        expect(r.remaining).toEqual([]);
        expect(r.resolved).toHaveLength(m.conflicts.length);
        expect(findConflicts(r.text)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
