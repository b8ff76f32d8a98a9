// resolveInside: a tree-relative path resolved inside its root, or refused (path traversal). Its
// quick way for clean paths must give what path.resolve gives, and refuse what it refuses.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import path from 'node:path';
import { resolveInside } from '../../src/io/fs.js';

const part = fc.oneof(fc.constantFrom('.', '..', '', 'a', 'b.c', '.hidden', '...', 'x y'), fc.stringMatching(/^[a-z0-9._-]{1,6}$/));
const rel = fc.array(part, { minLength: 1, maxLength: 5 }).map((ps) => ps.join('/'));
const root = fc.constantFrom('/work/ws/upstream/1.0', '/work/ws/upstream/1.0/', '/work/./ws', '/work//ws', '/', 'relative/root');

describe('resolveInside', () => {
  it('gives what path.resolve gives for every path it accepts, and accepts none that leaves the root', () => {
    fc.assert(
      fc.property(root, rel, (r, p) => {
        // Refused exactly when it is empty, absolute or has a ".." part.
        const refused = p === '' || p.startsWith('/') || p.split('/').includes('..');
        let got: string | undefined;
        try {
          got = resolveInside(r, p);
        } catch {
          expect(refused, p).toBe(true);
          return;
        }
        expect(refused, p).toBe(false);
        expect(got).toBe(path.resolve(r, p));
        const back = path.relative(path.resolve(r), got);
        expect(back === '..' || back.startsWith('../') || path.isAbsolute(back)).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses absolute paths, NUL bytes, backslashes and ".." parts, naming the path', () => {
    for (const bad of ['/etc/passwd', 'a/../../b', '..', 'a\0b', 'a\\b', '']) {
      expect(() => resolveInside('/work/ws', bad, { file: 'drops.json' })).toThrow(/refusing path/);
    }
  });
});
