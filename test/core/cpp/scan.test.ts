import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CppError } from '../../../src/core/errors.js';
import { scanDirectives, type ScanReport } from '../../../src/core/cpp/scan.js';

function kinds(r: ScanReport): string[] {
  return r.directives.map((d) => `${d.line}-${d.endLine}:${d.kind}${d.kind === 'other' ? `(${d.name})` : ''}`);
}

function scanError(text: string): string {
  try {
    scanDirectives(text, 'drv.c');
  } catch (e) {
    expect(e).toBeInstanceOf(CppError);
    return (e as CppError).describe();
  }
  throw new Error('expected a CppError');
}

describe('scanDirectives: finding directives', () => {
  it('finds conditionals and other directives with 1-based line ranges', () => {
    const r = scanDirectives('#include <x.h>\n#if A\nint a;\n#elif B\n#else\n#endif\n#define X 1\n', 'drv.c');
    expect(kinds(r)).toEqual(['1-1:other(include)', '2-2:if', '4-4:elif', '5-5:else', '6-6:endif', '7-7:other(define)']);
    expect(r.lines).toEqual(['#include <x.h>\n', '#if A\n', 'int a;\n', '#elif B\n', '#else\n', '#endif\n', '#define X 1\n']);
    expect(r.directives[1]?.text).toBe(' A');
  });

  it('accepts spacing, tabs and comments around the #', () => {
    const r = scanDirectives('  #  if A\n\t#\tifdef B\n/* c */ # /* d */ endif\n#endif\n', 'drv.c');
    expect(kinds(r)).toEqual(['1-1:if', '2-2:ifdef', '3-3:endif', '4-4:endif']);
    expect(r.directives[1]?.text).toBe(' B');
  });

  it('joins backslash-newline continuations, also with blanks after the backslash and CRLF', () => {
    const r = scanDirectives('#if A && \\\n    B\nx\n#el\\\nif C \\ \n && D\n#endif\r\n#if E \\\r\n || F\r\n#endif\r\n', 'drv.c');
    expect(kinds(r)).toEqual(['1-2:if', '4-6:elif', '7-7:endif', '8-9:if', '10-10:endif']);
    expect(r.directives[0]?.text).toBe(' A &&     B');
    expect(r.directives[1]?.name).toBe('elif');
    expect(r.directives[1]?.text).toBe(' C  && D');
    expect(r.directives[3]?.text).toBe(' E  || F');
    expect(r.lines[6]).toBe('#endif\r\n');
  });

  it('ignores directives inside block comments, line comments and string or char literals', () => {
    const text = [
      '/* #if A', '#endif */', '// #if B \\', '#endif (still in the line comment)',
      'char *s = "#if C";', "char c = '#';", 'x = "\\', '#if D";', '#if E', '#endif',
    ].join('\n') + '\n';
    const r = scanDirectives(text, 'drv.c');
    expect(kinds(r)).toEqual(['9-9:if', '10-10:endif']);
  });

  it('treats # after code, or after a comment that started behind code, as no directive', () => {
    const r = scanDirectives('x; #if A\ny /* c\n */ #if B\n/* c\n */ #if C\n#endif\n', 'drv.c');
    // The third: a comment that began at the start of its line is whitespace, so #if C is a directive
    // that begins on line 4.
    expect(kinds(r)).toEqual(['4-5:if', '6-6:endif']);
  });

  it('extends a directive over a comment that runs onto the next lines', () => {
    const r = scanDirectives('#if A /* one\ntwo */ && B\nx\n#endif\n', 'drv.c');
    expect(kinds(r)).toEqual(['1-2:if', '4-4:endif']);
    expect(r.directives[0]?.text.replace(/ +/g, ' ')).toBe(' A && B');
  });

  it('reads %: as # and keeps null directives and line markers as other', () => {
    const r = scanDirectives('%:if A\n#\n# 12 "x.c"\n%:endif\n', 'drv.c');
    expect(kinds(r)).toEqual(['1-1:if', '2-2:other()', '3-3:other(12)', '4-4:endif']);
  });

  it('ends an unterminated literal at the end of its line, as gcc', () => {
    const r = scanDirectives("#error don't do this\n#if A\nit's\n#endif\n", 'drv.c');
    expect(kinds(r)).toEqual(['1-1:other(error)', '2-2:if', '4-4:endif']);
  });

  it('gives the column of the condition text on one-line directives only', () => {
    const r = scanDirectives('  #  if A\n#if B \\\n && C\n#endif\n#endif\n', 'drv.c');
    expect(r.directives[0]?.textColumn).toBe(8);
    expect(r.directives[1]?.textColumn).toBeUndefined();
  });

  it('handles a last line without newline and empty input', () => {
    expect(scanDirectives('', 'e.c').lines).toEqual([]);
    const r = scanDirectives('#if A\n#endif', 'e.c');
    expect(r.lines).toEqual(['#if A\n', '#endif']);
    expect(kinds(r)).toEqual(['1-1:if', '2-2:endif']);
  });
});

describe('scanDirectives: conditional structure', () => {
  it('builds groups with branches, body ranges and nesting', () => {
    const text = '#if A\na\n#ifdef B\nb\n#endif\n#elif C\n#else\nc\nd\n#endif\n#ifndef E\n#endif\n';
    const r = scanDirectives(text, 'drv.c');
    expect(r.roots).toEqual([0, 2]);
    const [outer, inner, last] = r.groups;
    expect(outer?.branches.map((b) => [b.directive.kind, b.firstLine, b.lastLine, b.children])).toEqual([
      ['if', 2, 5, [1]], ['elif', 7, 6, []], ['else', 8, 9, []],
    ]);
    expect(outer?.end.line).toBe(10);
    expect(inner).toMatchObject({ parent: 0, parentBranch: 0, depth: 1 });
    expect(last?.branches[0]?.directive.kind).toBe('ifndef');
    expect(r.directives.map((d) => [d.group, d.branch])).toEqual([
      [0, 0], [1, 0], [1, undefined], [0, 1], [0, 2], [0, undefined], [2, 0], [2, undefined],
    ]);
  });

  it('nests to any depth without recursion', () => {
    const depth = 20000;
    const text = '#if A\n'.repeat(depth) + 'x\n' + '#endif\n'.repeat(depth);
    const r = scanDirectives(text, 'deep.c');
    expect(r.groups).toHaveLength(depth);
    expect(r.groups[depth - 1]?.depth).toBe(depth - 1);
  });

  it('reports every structural error with file:line', () => {
    expect(scanError('#if A\n#else\n#elif B\n#endif\n')).toBe('drv.c:3: #elif after #else (the #else is at line 2)');
    expect(scanError('#if A\n#else\n#else\n#endif\n')).toBe('drv.c:3: #else after #else (the #else is at line 2)');
    expect(scanError('x\n#else\n')).toBe('drv.c:2: #else without #if');
    expect(scanError('#elif A\n')).toBe('drv.c:1: #elif without #if');
    expect(scanError('#elifdef A\n')).toBe('drv.c:1: #elifdef without #if');
    expect(scanError('#if A\n#endif\n#endif\n')).toBe('drv.c:3: #endif without #if');
    expect(scanError('#ifdef A\n#if B\n#endif\n')).toBe('drv.c:1: unterminated #ifdef');
    expect(scanError('#if A\n#ifndef B\n')).toBe('drv.c:2: unterminated #ifndef');
    expect(scanError('#if A\n/* #endif */\n')).toBe('drv.c:1: unterminated #if');
  });
});

describe('scanDirectives: robustness', () => {
  it('never throws anything but CppError on random text', () => {
    const alphabet = fc.constantFrom('#', 'if', 'ifdef ', 'elif', 'else', 'endif', ' ', '\t', '\n', '\r\n', '\\', '\\\n', '/', '*', '/*', '*/', '//', '"', "'", 'A', '0', '(', ')', '%:', '\u0000', '\u00e9');
    fc.assert(fc.property(fc.array(alphabet, { maxLength: 80 }).map((a) => a.join('')), (text) => {
      try {
        const r = scanDirectives(text, 'rand.c');
        expect(r.lines.join('')).toBe(text);
      } catch (e) {
        if (!(e instanceof CppError)) throw e;
      }
    }), { numRuns: 3000 });
  });

  it('never throws anything but CppError on random strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
      try {
        scanDirectives(text, 'rand.c');
      } catch (e) {
        if (!(e instanceof CppError)) throw e;
      }
    }), { numRuns: 1000 });
  });

  it('puts every directive on lines that start a logical line and keeps lines byte-identical', () => {
    fc.assert(fc.property(fc.array(fc.constantFrom('#if A', '#endif', 'x', '/* a', 'b */', '"s"', '  # else', '\\', ''), { maxLength: 30 }), (parts) => {
      const text = parts.join('\n');
      try {
        const r = scanDirectives(text, 'rand.c');
        expect(r.lines.join('')).toBe(text);
        for (const d of r.directives) expect(d.line).toBeLessThanOrEqual(d.endLine);
      } catch (e) {
        if (!(e instanceof CppError)) throw e;
      }
    }), { numRuns: 1000 });
  });
});
