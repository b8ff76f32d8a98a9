import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CppError } from '../../../src/core/errors.js';
import { createEnv, parseMacroDefinition, type CppEnv } from '../../../src/core/cpp/env.js';
import { resolveConditionals } from '../../../src/core/cpp/resolve.js';
import { scanDirectives } from '../../../src/core/cpp/scan.js';
import { viewReport, viewText } from '../../../src/core/cpp/view.js';
import { genCFile, Rng, type CFileSymbols } from './gen.js';

// ON is 1, OFF is 0, GONE is known but undefined, anything else (X, Y) is unknown.
const env = createEnv({
  macros: ['ON 1', 'OFF 0', 'LINUX_VERSION_CODE 132626', 'KERNEL_VERSION(a,b,c) (((a) << 16) + ((b) << 8) + (c))'].map((d) => parseMacroDefinition(d)),
  known: ['GONE'],
});

const view = (text: string, e: CppEnv = env): string => viewText(text, 'v.c', e);
const lines = (...l: string[]): string => l.map((x) => `${x}\n`).join('');

describe('viewText', () => {
  it('removes resolved conditionals and keeps the taken branch byte for byte', () => {
    expect(view(lines('a', '#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,19)', '\tkeep(1);  ', '#else', 'drop();', '#endif', 'b')))
      .toBe(lines('a', '\tkeep(1);  ', 'b'));
    expect(view(lines('#ifdef GONE', 'x', '#else', 'y', '#endif', '#ifndef ON', 'z', '#endif'))).toBe(lines('y'));
    expect(view(lines('#if OFF', 'x', '#elif ON', 'y', '#elif X', 'z', '#else', 'w', '#endif'))).toBe(lines('y'));
  });

  it('keeps conditionals on unknown symbols, resolving what is inside', () => {
    const text = lines('#if defined(CONFIG_X86_64) // 64-bit', '#if ON', 'a', '#else', 'b', '#endif', '#else', 'c', '#endif');
    expect(view(text)).toBe(lines('#if defined(CONFIG_X86_64) // 64-bit', 'a', '#else', 'c', '#endif'));
    expect(view(lines('#if X && ON', 'a', '#endif', '#if X || ON', 'b', '#endif', '#if X && OFF', 'c', '#endif'))).toBe(lines('#if X && ON', 'a', '#endif', 'b'));
  });

  it('rewrites #elif chains the way unifdef does', () => {
    // Resolved-false branches before an unknown #elif: it becomes #if ("elif" overwritten by "if  ").
    expect(view(lines('#if OFF', 'a', '#  elif X /* why */', 'b', '#else', 'c', '#endif'))).toBe(lines('#  if   X /* why */', 'b', '#else', 'c', '#endif'));
    expect(view(lines('#if OFF', 'a', '#elifdef X', 'b', '#endif'))).toBe(lines('#ifdef   X', 'b', '#endif'));
    // A true #elif after unknown ones becomes #else; what follows becomes #endif.
    expect(view(lines('#if X', 'a', '#elif ON // c', 'b', '#elif Y', 'c', '#else', 'd', '#endif'))).toBe(lines('#if X', 'a', '#else', 'b', '#endif'));
    expect(view(lines('#if X', 'a', '#elif ON', 'b', '#else /* c */', 'd', '#endif'))).toBe(lines('#if X', 'a', '#else', 'b', '#endif'));
    // False #elifs after unknown ones disappear.
    expect(view(lines('#if X', 'a', '#elif OFF', 'b', '#elif Y', 'c', '#endif'))).toBe(lines('#if X', 'a', '#elif Y', 'c', '#endif'));
    // Everything after a taken branch goes.
    expect(view(lines('#if ON', 'a', '#elif X', 'b', '#else', 'c', '#endif'))).toBe(lines('a'));
  });

  it('preserves CRLF, also on rewritten lines, and a missing final newline', () => {
    expect(view('#if X\r\na\r\n#elif ON\r\nb\r\n#endif\r\nc')).toBe('#if X\r\na\r\n#else\r\nb\r\n#endif\r\nc');
    expect(view('#if ON\r\na\r\n#endif')).toBe('a\r\n');
  });

  it('drops or keeps multi-line directives whole', () => {
    const text = lines('#if ON && \\', '    OFF', 'a', '#elif X /* spans', '   lines */', 'b', '#endif');
    expect(view(text)).toBe(lines('#if   X /* spans', '   lines */', 'b', '#endif'));
    expect(view(lines('#if X \\', '  && Y', 'a', '#endif'))).toBe(lines('#if X \\', '  && Y', 'a', '#endif'));
  });

  it('does not see directives in comments and strings', () => {
    const text = lines('#if OFF', '/* #else', '*/', 'puts("#endif");', '#else', 'kept', '#endif');
    expect(view(text)).toBe(lines('kept'));
  });

  it('throws the error of a condition the compiler surely evaluates, not of skipped ones', () => {
    expect(() => view(lines('#if 1 / 0', '#endif'))).toThrow(CppError);
    try {
      view(lines('#if 1 / 0', '#endif'));
    } catch (e) {
      expect((e as CppError).describe()).toBe('v.c:1:7: division by zero in #if');
    }
    expect(view(lines('#if ON', 'a', '#elif 1 / 0', 'b', '#endif'))).toBe(lines('a'));
    expect(view(lines('#if OFF', '#if 1 / 0', '#endif', '#endif'))).toBe('');
    // Under an unknown condition a failing #elif is kept as unknown.
    expect(view(lines('#if X', 'a', '#elif 1 / 0', 'b', '#endif'))).toBe(lines('#if X', 'a', '#elif 1 / 0', 'b', '#endif'));
    expect(() => view(lines('#if ON', '#endif', '#endif'))).toThrow('#endif without #if');
  });

  it('handles very deep nesting', () => {
    const depth = 5000;
    const text = '#if ON\n'.repeat(depth) + 'x\n' + '#endif\n'.repeat(depth);
    expect(view(text)).toBe('x\n');
    const unknown = '#if X\n'.repeat(depth) + 'x\n' + '#endif\n'.repeat(depth);
    expect(view(unknown)).toBe(unknown);
  });
});

const SYMBOLS: CFileSymbols = {
  defined: { LINUX_VERSION_CODE: String(0x20612), DA: '0', DB: '1', DC: '2', DD: '7' },
  undefined: ['UA', 'UB'],
  unknown: ['XA', 'XB', 'CONFIG_X86_64'],
};
const genEnv = createEnv({
  macros: Object.entries(SYMBOLS.defined).map(([name, body]) => ({ name, body })),
  known: SYMBOLS.undefined,
});
const file = (seed: number): string => genCFile(new Rng(seed), SYMBOLS, 0x20612);

describe('view properties', () => {
  it('never changes lines outside resolved conditionals', () => {
    fc.assert(fc.property(fc.integer(), (seed) => {
      const text = file(seed);
      const report = scanDirectives(text, 'p.c');
      const res = resolveConditionals(report, genEnv);
      // A group is left alone when none of its #if/#elif conditions resolves.
      const untouched = report.groups.map((g, i) => g.branches.every((b, k) => b.directive.kind === 'else' || res[i]?.branches[k]?.truth === 'unknown'));
      const protectedLine = new Array<boolean>(report.lines.length + 1).fill(true);
      report.groups.forEach((g, i) => {
        if (untouched[i]) return;
        for (let l = g.branches[0]?.directive.line ?? 0; l <= g.end.endLine; l++) protectedLine[l] = false;
      });
      const out = viewReport(report, genEnv, res);
      const sources = new Set(out.map((l) => l.source));
      let last = 0;
      for (const l of out) {
        expect(l.source).toBeGreaterThan(last);
        last = l.source;
        if (!l.edited) expect(l.text).toBe(report.lines[l.source - 1]);
      }
      for (let l = 1; l <= report.lines.length; l++) if (protectedLine[l]) expect([l, sources.has(l)]).toEqual([l, true]);
    }), { numRuns: 300 });
  });

  it('is idempotent and commutes with CRLF line ends', () => {
    fc.assert(fc.property(fc.integer(), (seed) => {
      const text = file(seed);
      const once = viewText(text, 'p.c', genEnv);
      expect(viewText(once, 'p.c', genEnv)).toBe(once);
      const crlf = (s: string): string => s.replace(/\n/g, '\r\n');
      expect(viewText(crlf(text), 'p.c', genEnv)).toBe(crlf(once));
    }), { numRuns: 300 });
  });
});
