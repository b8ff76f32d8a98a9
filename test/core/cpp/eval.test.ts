import { describe, expect, it } from 'vitest';
import { CppError } from '../../../src/core/errors.js';
import { createEnv, parseMacroDefinition, type CppEnv } from '../../../src/core/cpp/env.js';
import { evaluateExpression, type CondResult } from '../../../src/core/cpp/eval.js';
import { UndefinedMacroCallError } from '../../../src/core/cpp/expr.js';
import { parseCharLiteral, parseIntegerLiteral } from '../../../src/core/cpp/literal.js';

const plain = createEnv({ closedWorld: true });

function env(defs: string[], known: string[] = []): CppEnv {
  return createEnv({ macros: defs.map((d) => parseMacroDefinition(d)), known });
}

function ev(text: string, e: CppEnv = plain): CondResult {
  return evaluateExpression(text, e, { file: 'drv.c', line: 7, column: 5 });
}

function value(text: string, e: CppEnv = plain): bigint | undefined {
  return ev(text, e).value;
}

function error(text: string, e: CppEnv = plain): string {
  try {
    ev(text, e);
  } catch (err) {
    expect(err).toBeInstanceOf(CppError);
    return (err as CppError).describe();
  }
  throw new Error(`expected an error for ${text}`);
}

describe('integer and character constants', () => {
  it('reads decimal, octal, hex and binary with suffixes', () => {
    expect(parseIntegerLiteral('42')).toEqual({ value: 42n, unsigned: false });
    expect(parseIntegerLiteral('052')).toEqual({ value: 42n, unsigned: false });
    expect(parseIntegerLiteral('0x2A')).toEqual({ value: 42n, unsigned: false });
    expect(parseIntegerLiteral('0b101010')).toEqual({ value: 42n, unsigned: false });
    expect(parseIntegerLiteral('42u')).toEqual({ value: 42n, unsigned: true });
    for (const s of ['l', 'L', 'll', 'LL', 'ul', 'LU', 'ULL', 'llu', 'uLL']) expect(parseIntegerLiteral(`1${s}`)).toHaveProperty('value', 1n);
    expect(parseIntegerLiteral('0')).toEqual({ value: 0n, unsigned: false });
  });

  it('makes constants over INT64_MAX unsigned and keeps the low 64 bits of larger ones', () => {
    expect(parseIntegerLiteral('0xFFFFFFFFFFFFFFFFULL')).toEqual({ value: 2n ** 64n - 1n, unsigned: true });
    expect(parseIntegerLiteral('9223372036854775808')).toEqual({ value: 2n ** 63n, unsigned: true });
    expect(parseIntegerLiteral('9223372036854775807')).toEqual({ value: 2n ** 63n - 1n, unsigned: false });
    expect(parseIntegerLiteral('18446744073709551617')).toEqual({ value: 1n, unsigned: false });
  });

  it('rejects what gcc rejects', () => {
    expect(parseIntegerLiteral('031418')).toEqual({ error: 'invalid digit "8" in octal constant' });
    expect(parseIntegerLiteral('09')).toEqual({ error: 'invalid digit "9" in octal constant' });
    expect(parseIntegerLiteral('0b102')).toEqual({ error: 'invalid digit "2" in binary constant' });
    expect(parseIntegerLiteral('1lL')).toEqual({ error: 'invalid suffix "lL" on integer constant' });
    expect(parseIntegerLiteral('0x')).toEqual({ error: 'invalid suffix "x" on integer constant' });
    expect(parseIntegerLiteral('12abc')).toEqual({ error: 'invalid suffix "abc" on integer constant' });
    expect(parseIntegerLiteral('1.5')).toEqual({ error: 'floating constant in preprocessor expression' });
    expect(parseIntegerLiteral('1e5')).toEqual({ error: 'floating constant in preprocessor expression' });
    expect(parseIntegerLiteral('0x1p3')).toEqual({ error: 'floating constant in preprocessor expression' });
    expect(parseIntegerLiteral('0x1e3')).toEqual({ value: 0x1e3n, unsigned: false });
  });

  it('reads character constants like gcc on x86 (signed char, int multi-chars, wide types)', () => {
    expect(parseCharLiteral("'a'")).toEqual({ value: 97n, unsigned: false });
    expect(parseCharLiteral("'\\377'")).toEqual({ value: -1n, unsigned: false });
    expect(parseCharLiteral("'\\x80'")).toEqual({ value: -128n, unsigned: false });
    expect(parseCharLiteral("'\\xfff'")).toEqual({ value: -1n, unsigned: false });
    expect(parseCharLiteral("'\\400'")).toEqual({ value: 0n, unsigned: false });
    expect(parseCharLiteral("'\\n'")).toEqual({ value: 10n, unsigned: false });
    expect(parseCharLiteral("'\\''")).toEqual({ value: 39n, unsigned: false });
    expect(parseCharLiteral("'\\e'")).toEqual({ value: 27n, unsigned: false });
    expect(parseCharLiteral("'ab'")).toEqual({ value: 0x6162n, unsigned: false });
    expect(parseCharLiteral("'abcde'")).toEqual({ value: 0x62636465n, unsigned: false });
    expect(parseCharLiteral("'\\377\\377\\377\\377'")).toEqual({ value: -1n, unsigned: false });
    expect(parseCharLiteral("L'\\xFFFFFFFF'")).toEqual({ value: -1n, unsigned: false });
    expect(parseCharLiteral("u'x'")).toEqual({ value: 120n, unsigned: true });
    expect(parseCharLiteral("U'x'")).toEqual({ value: 120n, unsigned: true });
    expect(parseCharLiteral("''")).toEqual({ error: 'empty character constant' });
    expect(parseCharLiteral("'\\x'")).toEqual({ error: '\\x used with no following hex digits' });
  });
});

describe('#if arithmetic', () => {
  it('follows the C precedence table', () => {
    const cases: [string, bigint][] = [
      ['1 + 2 * 3', 7n], ['(1 + 2) * 3', 9n], ['10 - 4 - 3', 3n], ['2 * 3 % 4', 2n], ['1 << 2 + 1', 8n],
      ['1 < 2 == 1', 1n], ['0 == 1 < 2', 0n], ['6 & 3 == 3', 0n], ['1 | 2 ^ 3 & 1', 3n], ['1 || 0 && 0', 1n],
      ['0 && 1 || 1', 1n], ['1 ? 2 : 3 ? 4 : 5', 2n], ['0 ? 2 : 0 ? 4 : 5', 5n], ['1 ? 0 ? 5 : 6 : 7', 6n],
      ['(1 ? 2, 0 : 4)', 0n], ['1, 0', 0n], ['(0, 7)', 7n], ['-2 * -3', 6n], ['!0 + !5', 1n], ['~0', -1n],
      ['- - 1', 1n], ['+ -1', -1n], ['!!7', 1n], ['8 >> 1 >> 1', 2n], ['1 ? 2 : 3, 4', 4n],
    ];
    for (const [text, v] of cases) expect([text, value(text)]).toEqual([text, v]);
  });

  it('uses 64-bit signed and unsigned arithmetic with the usual conversions', () => {
    expect(ev('-1 < 0u').truth).toBe('false');
    expect(ev('-1 < 0').truth).toBe('true');
    expect(ev('-1 > 0UL').truth).toBe('true');
    expect(value('0xFFFFFFFFFFFFFFFFULL')).toBe(2n ** 64n - 1n);
    expect(value('0xFFFFFFFFFFFFFFFF + 1')).toBe(0n);
    expect(value('0x7FFFFFFFFFFFFFFF + 1')).toBe(-(2n ** 63n));
    expect(value('-1u')).toBe(2n ** 64n - 1n);
    expect(value('1 ? -1 : 0u')).toBe(2n ** 64n - 1n);
    expect(ev('(1 ? -1 : 0u) > 0').truth).toBe('true');
    expect(value('(-9223372036854775807 - 1) / -1')).toBe(-(2n ** 63n));
    expect(value('-7 / 2')).toBe(-3n);
    expect(value('-7 % 2')).toBe(-1n);
    expect(value('-7 % 2u')).toBe((2n ** 64n - 7n) % 2n);
    expect(value("'\\377' < 0u")).toBe(0n);
  });

  it('computes products beyond 2^53 exactly', () => {
    const code = (2 << 16) + (6 << 8) + 18;
    expect(value(`${code} * 100000000ULL`)).toBe(BigInt(code) * 100000000n);
    expect(value('4294967296u * 4294967295')).toBe(4294967296n * 4294967295n);
    expect(value('4294967296 * 4294967295')).toBe(-(2n ** 32n));
    expect(value('4294967296 * 4294967296')).toBe(0n);
  });

  it('shifts keep the left type, saturate past 63 and reverse on negative counts', () => {
    expect(value('1 << 63')).toBe(-(2n ** 63n));
    expect(value('1u << 63')).toBe(2n ** 63n);
    expect(value('1 << 64')).toBe(0n);
    expect(value('-1 >> 70')).toBe(-1n);
    expect(value('-1 >> 1')).toBe(-1n);
    expect(value('-1u >> 63')).toBe(1n);
    expect(value('1 << -1')).toBe(0n);
    expect(value('4 >> -1')).toBe(8n);
    expect(ev('1 << 2u').unsigned).toBe(false);
  });

  it('gives comparisons, !, && and || a signed int result', () => {
    expect(ev('1u == 1u').unsigned).toBe(false);
    expect(ev('!1u').unsigned).toBe(false);
    expect(ev('1u && 2u').unsigned).toBe(false);
    expect(ev('1u + 1').unsigned).toBe(true);
    expect(ev('~0u').unsigned).toBe(true);
  });

  it('reports division by zero where it is evaluated, naming the location', () => {
    expect(error('1 / 0')).toBe('drv.c:7:7: division by zero in #if');
    expect(error('1 % (2 - 2)')).toMatch(/^drv\.c:7:7: division by zero/);
    expect(error('1, 1 / 0')).toMatch(/division by zero/);
    expect(value('0 && 1 / 0')).toBe(0n);
    expect(value('1 || 1 % 0')).toBe(1n);
    expect(value('0 ? 1 / 0 : 2')).toBe(2n);
    expect(value('1 ? 2 : 1 / 0')).toBe(2n);
    expect(value('(2 || 1 / 0) + 0')).toBe(1n);
  });

  it('rejects bad expressions with a located CppError', () => {
    expect(error('')).toBe('drv.c:7: #if with no expression');
    expect(error('1 +')).toBe("drv.c:7:7: operator '+' has no right operand");
    expect(error('(1')).toBe("drv.c:7:5: missing ')' in expression");
    expect(error('1)')).toBe("drv.c:7:6: missing '(' in expression");
    expect(error('()')).toMatch(/missing expression between/);
    expect(error('1 2')).toBe('drv.c:7:7: missing binary operator before token "2"');
    expect(error('1 ? 2')).toMatch(/'\?' without following ':'/);
    expect(error('1 : 2')).toMatch(/':' without preceding '\?'/);
    expect(error('1 = 1')).toMatch(/token "=" is not valid/);
    expect(error('"x"')).toMatch(/token ""x"" is not valid/);
    expect(error('1.0')).toMatch(/floating constant/);
    expect(error('031418 == 3')).toBe('drv.c:7:5: invalid digit "8" in octal constant');
    expect(error('@')).toMatch(/not valid/);
    expect(error('* 2')).toMatch(/no left operand/);
  });

  it('bounds the depth of expressions instead of overflowing the stack', () => {
    expect(error('('.repeat(5000) + '1' + ')'.repeat(5000))).toMatch(/nested more than/);
    expect(error('1' + ' + 1'.repeat(5000))).toMatch(/nested more than/);
    expect(error('!'.repeat(5000) + '1')).toMatch(/nested more than/);
    expect(error('0 ? 1 : '.repeat(5000) + '1')).toMatch(/nested more than/);
    expect(error('1 ? '.repeat(5000) + '1' + ' : 0'.repeat(5000))).toMatch(/nested more than/);
    expect(value('1' + ' + 1'.repeat(500))).toBe(501n);
  });
});

describe('three-valued evaluation', () => {
  const e = env(['VER 132626', 'ONE 1', 'ZERO 0'], ['RHEL_RELEASE_CODE']);

  it('makes names nobody knows unknown, and known undefined names 0', () => {
    expect(ev('CONFIG_X86_64', e).truth).toBe('unknown');
    expect(ev('RHEL_RELEASE_CODE', e).truth).toBe('false');
    expect(ev('RHEL_RELEASE_CODE >= 0x0504', e).truth).toBe('false');
    expect(ev('defined(RHEL_RELEASE_CODE)', e).truth).toBe('false');
    expect(ev('defined CONFIG_X86_64', e).truth).toBe('unknown');
    expect(ev('defined(VER)', e).truth).toBe('true');
  });

  it('lets the known side of && || ?: decide', () => {
    expect(ev('__GNUC__ && 0', e).truth).toBe('false');
    expect(ev('0 && __GNUC__', e).truth).toBe('false');
    expect(ev('__GNUC__ || ONE', e).truth).toBe('true');
    expect(ev('__GNUC__ || ZERO', e).truth).toBe('unknown');
    expect(ev('ONE && __GNUC__', e).truth).toBe('unknown');
    expect(ev('ONE ? 5 : __GNUC__', e).truth).toBe('unknown'); // the other branch's type is unknown
    expect(ev('ONE ? 5u : __GNUC__', e).truth).toBe('true');
    expect(ev('ZERO ? __GNUC__ : 3', e).truth).toBe('unknown');
    expect(ev('ZERO ? (__GNUC__ > 1) : 3', e).truth).toBe('true');
    expect(ev('__GNUC__ ? 1 : 1', e).truth).toBe('unknown');
    expect(ev('__GNUC__ * 0', e).truth).toBe('unknown');
    expect(ev('!defined(__KERNEL__)', e).truth).toBe('unknown');
  });

  it('treats division by zero under an unknown condition as unknown, not an error', () => {
    expect(ev('__GNUC__ && 1 / 0', e).truth).toBe('unknown');
    expect(ev('__GNUC__ ? 1 / 0 : 1', e).truth).toBe('unknown');
    expect(() => ev('__GNUC__ / 0', e)).toThrow(CppError);
  });

  it('records -Wundef identifiers, unknown symbols and unknown calls', () => {
    const r = ev('VERSON >= 3 || RHEL_RELEASE_CODE || CONFIG_FOO && FOO_HELPER(1, 2)', env(['VER 1'], ['VERSON', 'RHEL_RELEASE_CODE']));
    expect(r.undefinedIdentifiers).toEqual(['VERSON', 'RHEL_RELEASE_CODE']);
    expect(r.unknownSymbols).toEqual(['CONFIG_FOO', 'FOO_HELPER']);
    expect(r.unknownCalls).toEqual(['FOO_HELPER']);
    expect(ev('0 && MISSPELT', env([], ['MISSPELT'])).undefinedIdentifiers).toEqual([]);
  });

  it('rejects a call of a known name that is not a function-like macro here, even where && skips it', () => {
    const k = env([], ['RHEL_RELEASE_VERSION']);
    let caught: unknown;
    try {
      ev('0 && RHEL_RELEASE_VERSION(5, 3)', k);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(UndefinedMacroCallError);
    expect((caught as UndefinedMacroCallError).macro).toBe('RHEL_RELEASE_VERSION');
  });
});
