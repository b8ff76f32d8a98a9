import { describe, expect, it } from 'vitest';
import { parseSeries, formatSeries } from '../../src/core/series.js';
import { globToRegExp, matchesGlobs, parseDropsFile, formatDropsFile } from '../../src/core/drops.js';

describe('parseSeries', () => {
  it('reads names, subsystems, comments and -p1', () => {
    const s = parseSeries('# curated\nblkfront/a.patch\n\nnetfront/b.patch -p1 # why\ntop.patch\n');
    expect(s).toEqual([
      { name: 'blkfront/a.patch', subsystem: 'blkfront', line: 2 },
      { name: 'netfront/b.patch', subsystem: 'netfront', line: 4 },
      { name: 'top.patch', subsystem: '', line: 5 },
    ]);
    expect(formatSeries(s.map((e) => e.name))).toBe('blkfront/a.patch\nnetfront/b.patch\ntop.patch\n');
  });
  it('refuses paths outside patches/, other strip levels and duplicates, with the line', () => {
    expect(() => parseSeries('a.patch\n../evil.patch\n')).toThrow(/patches\/series:2: bad patch name "..\/evil.patch"|bad patch name/);
    expect(() => parseSeries('a.patch -p0\n')).toThrow(/unsupported option "-p0"/);
    expect(() => parseSeries('a.patch\na.patch\n')).toThrow(/listed twice \(first at line 1\)/);
  });
});

describe('globs and drops.json', () => {
  it('matches tracked paths', () => {
    expect(matchesGlobs('drivers/block/xen-blkfront.c', ['drivers/block/xen-*.c'])).toBe(true);
    expect(matchesGlobs('drivers/block/loop.c', ['drivers/block/xen-*.c'])).toBe(false);
    expect(matchesGlobs('a/b/c.h', ['**/*.h'])).toBe(true);
    expect(matchesGlobs('c.h', ['**/*.h'])).toBe(true);
    expect(matchesGlobs('blkfront/x.c', ['blkfront'])).toBe(true);
    expect(globToRegExp('a?.c').test('ab.c')).toBe(true);
  });
  it('round-trips drops.json with sorted files', () => {
    const d = { paths: ['**'], current: '1.0', drops: [{ version: '1.0', source: 'dir:x', date: '2026-01-01', files: { 'b.c': '2', 'a.c': '1' } }] };
    const text = formatDropsFile(d);
    expect(text.indexOf('"a.c"')).toBeLessThan(text.indexOf('"b.c"'));
    expect(parseDropsFile(text)).toEqual(d);
  });
  it('rejects a current drop that is not listed', () => {
    expect(() => parseDropsFile('{"paths":[],"current":"9","drops":[{"version":"1","files":{}}]}')).toThrow(/"current" names drop 9/);
  });
});
