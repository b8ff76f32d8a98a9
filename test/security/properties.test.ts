// Property tests (fast-check) of the input pvpatch takes from outside, where the core tests do not
// already have them. Already covered elsewhere (not repeated here):
//   - parse ∘ format is the identity: test/core/patch/format.test.ts (2 properties, PVPATCH_RUNS, 400 each);
//   - a view never changes lines outside resolved conditionals: test/core/cpp/view.test.ts (300 runs);
//   - the scanner never throws anything but CppError on random text: test/core/cpp/scan.test.ts
//     (3,000 runs over a directive alphabet, 1,000 over arbitrary strings);
//   - apply then reverse-apply on 500 seeded generated cases: test/core/patch/apply.test.ts.
// Here: the same round trip as a fast-check property over arbitrary edits (LF, CRLF, no final newline),
// the path from raw bytes (decodeUtf8, then the scanner or the patch parser) never throwing anything
// but a located user error, and the JSON error locator agreeing with JSON.parse.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CppError, InputError, PatchParseError } from '../../src/core/errors.js';
import { applyFilePatch, reverseFilePatch } from '../../src/core/patch/apply.js';
import { createFilePatch } from '../../src/core/patch/create.js';
import { formatPatch } from '../../src/core/patch/format.js';
import { parsePatch } from '../../src/core/patch/parse.js';
import { scanDirectives } from '../../src/core/cpp/scan.js';
import { findJsonError, parseJsonText } from '../../src/core/json.js';
import { ConfigError } from '../../src/core/errors.js';
import { decodeUtf8 } from '../../src/io/fs.js';

const RUNS = Number(process.env.PVPATCH_RUNS ?? 400);

/** A file of distinct lines (each hunk has one place to go) and an edit of it: lines deleted, replaced, inserted. */
const fileAndEdit = fc
  .record({
    n: fc.integer({ min: 0, max: 60 }),
    ops: fc.array(fc.record({ at: fc.nat(), kind: fc.constantFrom('delete', 'replace', 'insert'), count: fc.integer({ min: 1, max: 4 }) }), { maxLength: 6 }),
    crlf: fc.boolean(),
    lastNewline: fc.boolean(),
    editedLastNewline: fc.boolean(),
  })
  .map(({ n, ops, crlf, lastNewline, editedLastNewline }) => {
    const eol = crlf ? '\r\n' : '\n';
    const before = Array.from({ length: n }, (_, i) => `\tint line_${i} = ${i};`);
    const after = [...before];
    let fresh = 0;
    for (const op of ops) {
      const at = after.length === 0 ? 0 : op.at % (after.length + 1);
      if (op.kind === 'insert') after.splice(at, 0, ...Array.from({ length: op.count }, () => `#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,${fresh++})`));
      else if (op.kind === 'delete') after.splice(at, op.count);
      else after.splice(at, op.count, ...Array.from({ length: op.count }, () => `\tcompat_${fresh++}();`));
    }
    const join = (ls: string[], last: boolean): string => (ls.length === 0 ? '' : ls.join(eol) + (last ? eol : ''));
    return { before: join(before, lastNewline), after: join(after, editedLastNewline) };
  });

describe('apply then reverse-apply gives the drop back (fast-check)', () => {
  it('for arbitrary edits, LF or CRLF, with or without a final newline; through format and parse too', () => {
    let changed = 0;
    fc.assert(
      fc.property(fileAndEdit, ({ before, after }) => {
        const fp = createFilePatch('d/f.c', before, after);
        if (fp === null) {
          expect(after).toBe(before);
          return;
        }
        changed++;
        // The patch as it would be stored, read back.
        const stored = parsePatch(formatPatch({ header: '', files: [fp], trailer: '' }), 'p.patch').files[0];
        if (stored === undefined) throw new Error('no file diff');
        const forward = applyFilePatch(before, stored, { maxFuzz: 0 });
        expect(forward.ok && forward.text).toBe(after);
        if (!forward.ok || forward.text === null) return;
        const back = applyFilePatch(forward.text, reverseFilePatch(stored), { maxFuzz: 0 });
        expect(back.ok && back.text).toBe(before);
      }),
      { numRuns: RUNS },
    );
    expect(changed).toBeGreaterThan(RUNS / 2);
  });
});

describe('raw bytes from outside never crash pvpatch', () => {
  it('decodeUtf8 then scanDirectives: an InputError with a line, or a CppError, or a report that keeps every byte', () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      // Mostly ASCII C with some bytes of every kind mixed in.
      fc.array(fc.oneof(fc.constantFrom(...['#if ', '#endif', '#else', '\n', '\r\n', '/*', '*/', '"', '\\\n', 'A', '(', ')'].map((s) => Buffer.from(s))), fc.uint8Array({ maxLength: 3 })), { maxLength: 60 }).map((parts) => new Uint8Array(Buffer.concat(parts))),
    );
    fc.assert(
      fc.property(bytes, (b) => {
        let text: string;
        try {
          text = decodeUtf8(b, 'drop/f.c');
        } catch (e) {
          expect(e).toBeInstanceOf(InputError);
          expect((e as InputError).describe()).toMatch(/^drop\/f\.c:\d+: not valid UTF-8/);
          return;
        }
        try {
          const r = scanDirectives(text, 'drop/f.c');
          expect(r.lines.join('')).toBe(text);
        } catch (e) {
          expect(e).toBeInstanceOf(CppError);
          expect((e as CppError).describe()).toMatch(/^drop\/f\.c:\d+/);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('parsePatch on patch-like garbage: a parsed patch that formats back byte for byte, or a PatchParseError at file:line', () => {
    const line = fc.oneof(
      fc.constantFrom('--- a/d/f.c', '+++ b/d/f.c', '--- /dev/null', '+++ /dev/null', 'diff --git a/d/f.c b/d/f.c', '@@ -1,2 +1,2 @@', '@@ -1 +1 @@', '@@ -0,0 +1 @@', ' ctx', '-old', '+new', '', '\\ No newline at end of file', 'rename from ../x', 'rename to d/g.c', 'new file mode 100644', '1,2c', '***************', 'GIT binary patch', '-- ', '+++ b/../x', '--- "a/d/\\303\\251.c"'),
      fc.string({ maxLength: 12 }),
    );
    const text = fc.tuple(fc.array(line, { maxLength: 25 }), fc.constantFrom('\n', '\r\n')).map(([ls, eol]) => ls.join(eol) + eol);
    fc.assert(
      fc.property(text, (t) => {
        try {
          const p = parsePatch(t, 'patches/x.patch');
          expect(formatPatch(p)).toBe(t);
          for (const f of p.files) for (const name of [f.oldPath, f.newPath]) if (name !== null) expect(name.split('/')).not.toContain('..');
        } catch (e) {
          expect(e).toBeInstanceOf(PatchParseError);
          expect((e as PatchParseError).describe()).toMatch(/^patches\/x\.patch:\d+: /);
        }
      }),
      { numRuns: RUNS * 5 },
    );
  });
});

describe('the JSON error locator', () => {
  it('says "valid" exactly when JSON.parse does, and places the error inside the text', () => {
    const token = fc.constantFrom('{', '}', '[', ']', ',', ':', '"k"', '"v', '1', '-0.5e3', '01', 'true', 'nul', ' ', '\n', '\t', '"\\u00e9"', '"\\x"', '\u00a0');
    const text = fc.oneof(
      fc.array(token, { maxLength: 30 }).map((ts) => ts.join('')),
      // Valid JSON with one character changed.
      fc.tuple(fc.jsonValue().map((v) => JSON.stringify(v, null, 1)), fc.nat(), fc.constantFrom('', ',', '}', '"', 'x')).map(([j, at, c]) => {
        const k = j.length === 0 ? 0 : at % j.length;
        return j.slice(0, k) + c + j.slice(k + 1);
      }),
    );
    fc.assert(
      fc.property(text, (t) => {
        let valid = true;
        try {
          JSON.parse(t);
        } catch {
          valid = false;
        }
        const found = findJsonError(t);
        expect(found === undefined).toBe(valid);
        if (found) {
          expect(found.offset).toBeGreaterThanOrEqual(0);
          expect(found.offset).toBeLessThanOrEqual(t.length);
          expect(() => parseJsonText(t, 'kernels.json')).toThrow(ConfigError);
        }
      }),
      { numRuns: RUNS * 5 },
    );
  });
});
