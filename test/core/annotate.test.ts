import { describe, expect, it } from 'vitest';
import { annotateLines, annotationOf, splitLinesKeepEnds, stripAnnotations } from '../../src/core/annotate.js';
import { carryOrigins } from '../../src/core/origins.js';

describe('annotations', () => {
  const text = 'a\n#if X\r\nb\n#else\nc\n#endif\n#define Y \\\n  1\n#  ifdef Z\nd';
  const lines = splitLinesKeepEnds(text);
  it('splits keeping endings', () => {
    expect(lines.join('')).toBe(text);
    expect(lines[1]).toBe('#if X\r\n');
    expect(lines[lines.length - 1]).toBe('d');
  });
  it('annotates only directives introduced by a patch, keeping CRLF', () => {
    const origins = lines.map((_, i) => (i === 1 || i === 3 || i === 5 || i === 8 ? 'blk/noop.patch' : null));
    const out = annotateLines(lines, origins);
    expect(out[1]).toBe('#if X /* pvpatch: blk/noop */\r\n');
    expect(out[3]).toBe('#else /* pvpatch: blk/noop */\n');
    expect(out[5]).toBe('#endif /* pvpatch: blk/noop */\n');
    expect(out[8]).toBe('#  ifdef Z /* pvpatch: blk/noop */\n');
    expect(out[0]).toBe('a\n');
    expect(annotationOf(out[5] as string)).toBe('blk/noop');
    expect(stripAnnotations(out.join(''))).toBe(text);
    // idempotent: re-annotating replaces, never stacks
    expect(annotateLines(out, origins)).toEqual(out);
  });
});

describe('carryOrigins', () => {
  it('keeps origins of kept lines and marks inserted ones', () => {
    const before = ['a', 'b', 'c', 'd'];
    const after = ['a', '#if X', 'b2', '#else', 'b', '#endif', 'c', 'd'];
    const o = carryOrigins(before, after, [null, 'p0', null, null], 'p1');
    expect(o).toEqual([null, 'p1', 'p1', 'p1', 'p0', 'p1', null, null]);
  });
  it('handles deletions and empty files', () => {
    expect(carryOrigins(['a', 'b', 'c'], ['a', 'c'], ['x', 'y', 'z'], 'p')).toEqual(['x', 'z']);
    expect(carryOrigins([], ['a'], [], 'p')).toEqual(['p']);
    expect(carryOrigins(['a'], [], ['q'], 'p')).toEqual([]);
  });
});
