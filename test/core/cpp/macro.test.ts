import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseKernelsConfig } from '../../../src/core/config.js';
import { CppError } from '../../../src/core/errors.js';
import { createEnv, kernelEnv, parseMacroDefinition, type CppEnv } from '../../../src/core/cpp/env.js';
import { evaluateExpression } from '../../../src/core/cpp/eval.js';
import { lexLine, spell } from '../../../src/core/cpp/lex.js';
import { expandLine } from '../../../src/core/cpp/macro.js';

function env(defs: string[], extra: { known?: string[]; closedWorld?: boolean } = {}): CppEnv {
  return createEnv({ macros: defs.map((d) => parseMacroDefinition(d)), ...extra });
}

function expand(text: string, e: CppEnv): string {
  return spell(expandLine(lexLine(text), e, { file: 'm.c', line: 1 }));
}

function value(text: string, e: CppEnv): bigint | undefined {
  return evaluateExpression(text, e, { file: 'm.c', line: 3 }).value;
}

function error(text: string, e: CppEnv): string {
  try {
    evaluateExpression(text, e, { file: 'm.c', line: 3 });
  } catch (err) {
    expect(err).toBeInstanceOf(CppError);
    return (err as CppError).describe();
  }
  throw new Error(`expected an error for ${text}`);
}

const hasCpp = spawnSync('cpp', ['--version']).status === 0;

describe('macro expansion', () => {
  it('expands nested and multi-parameter function-like macros with pre-expanded arguments', () => {
    const e = env(['KV(a,b,c) (((a) << 16) + ((b) << 8) + (c))', 'SLE(a,b,c) KV(a,b,c)', 'MAJ 2', 'MIN(x) x', 'TWICE(x) ((x) + (x))']);
    expect(value('SLE(MAJ, MIN(6), 18)', e)).toBe(0x20612n);
    expect(value('TWICE(TWICE(MAJ))', e)).toBe(8n);
    expect(expand('TWICE(MAJ)', e)).toBe('((2) + (2))');
    expect(value('KV(2,6,18) - KV(2,6,16)', e)).toBe(2n);
    expect(value('MIN((1, 2))', e)).toBe(2n);
    expect(value('MIN()+1', e)).toBe(1n);
  });

  it('does the C11 6.10.3.5 example 3 expansion', () => {
    const e = env([
      'x 2', 'f(a) f(x * (a))', 'g f', 'z z[0]', 'h g(~', 'm(a) a(w)', 'w 0,1', 't(a) a', 'p() int', 'q(x) x',
      'r(x,y) x ## y', 'str(x) # x',
    ]);
    const squash = (s: string): string => s.replace(/\s+/g, '');
    expect(squash(expand('f(y+1) + f(f(z)) % t(t(g)(0) + t)(1);', e))).toBe(squash('f(2 * (y+1)) + f(2 * (f(2 * (z[0])))) % f(2 * (0)) + t(1);'));
    expect(squash(expand('g(x+(3,4)-w) | h 5) & m (f)^m(m);', e))).toBe(squash('f(2 * (2+(3,4)-0,1)) | f(2 * (~ 5)) & f(2 * (0,1))^m(0,1);'));
    expect(squash(expand('p() i[q()] = { q(1), r(2,3), r(4,), r(,5), r(,) };', e))).toBe(squash('int i[] = { 1, 23, 4, 5, };'));
    expect(expand('char c[2][6] = { str(hello), str() };', e)).toBe('char c[2][6] = { "hello", "" };');
  });

  it('paints self-references blue and terminates on cycles (A -> B -> A)', () => {
    const e = env(['A B', 'B A', 'SELF (SELF + 1)', 'F(x) (F(x) + x)', 'FA(a) a*FB', 'FB(a) FA(a)']);
    expect(expand('A', e)).toBe('A');
    expect(value('A', e)).toBe(0n);
    expect(evaluateExpression('A', e, { file: 'm.c' }).undefinedIdentifiers).toEqual(['A']);
    expect(value('SELF', e)).toBe(1n);
    expect(expand('FA(2)(9)', e)).toBe('2*9*FB');
    expect(error('F(1)', e)).toMatch(/"F" is not expanded here/);
  });

  it('bounds runaway expansion with a CppError instead of hanging', () => {
    const doubling = ['D0 1'];
    for (let k = 1; k <= 40; k++) doubling.push(`D${k} (D${k - 1} + D${k - 1})`);
    expect(error('D40', env(doubling))).toMatch(/grows past/);
    const nested = 'ID('.repeat(400) + '1' + ')'.repeat(400);
    expect(error(nested, env(['ID(x) x']))).toMatch(/nested more than/);
    expect(value('ID('.repeat(100) + '1' + ')'.repeat(100), env(['ID(x) x']))).toBe(1n);
  });

  it('pastes tokens with ## and rejects invalid pastes', () => {
    const e = env(['CAT(a,b) a ## b', 'V1 7', 'OP(a,b) a ## b']);
    expect(value('CAT(V, 1)', e)).toBe(7n);
    expect(value('CAT(1, 2)', e)).toBe(12n);
    expect(value('CAT(0x, 1F)', e)).toBe(31n);
    expect(value('CAT(, 3)', e)).toBe(3n);
    expect(error('OP(+, -) 1', e)).toMatch(/pasting "\+" and "-" does not give a valid preprocessing token/);
  });

  it('reports wrong argument counts and unterminated calls', () => {
    const e = env(['F(a,b) a', 'G() 1', 'H(x) x']);
    expect(error('F(1)', e)).toBe('m.c:3: macro "F" requires 2 arguments, but only 1 given');
    expect(error('F(1,2,3)', e)).toBe('m.c:3: macro "F" passed 3 arguments, but takes just 2');
    expect(error('G(1)', e)).toMatch(/passed 1 arguments, but takes just 0/);
    expect(value('G()', e)).toBe(1n);
    expect(error('H(1', e)).toMatch(/unterminated argument list invoking macro "H"/);
    expect(value('H', e)).toBe(0n); // a function-like name without arguments is not expanded
  });

  it('handles defined in the line, in macro bodies and in arguments like gcc', () => {
    const e = env(['FOO 1', 'D defined(FOO)', 'DEF(x) defined(x)', 'ID(x) x', 'BAR BAZ'], { closedWorld: true });
    expect(value('defined FOO && defined(FOO) && defined ( FOO )', e)).toBe(1n);
    expect(value('D', e)).toBe(1n);
    expect(value('DEF(NOPE)', e)).toBe(0n);
    expect(error('DEF(FOO)', e)).toMatch(/operator "defined" requires an identifier/); // the argument is expanded first
    expect(value('ID(defined BAR)', e)).toBe(0n); // BAR became BAZ before defined saw it
    expect(error('defined', e)).toMatch(/requires an identifier/);
    expect(error('defined(FOO', e)).toMatch(/missing '\)' after "defined"/);
  });

  it('rejects bad macro definitions', () => {
    expect(() => createEnv({ macros: [parseMacroDefinition('F(a,a) a')] })).toThrow(/duplicate parameter/);
    expect(() => createEnv({ macros: [parseMacroDefinition('F(a) # b')] })).toThrow(/'#' is not followed by a macro parameter/);
    expect(() => createEnv({ macros: [parseMacroDefinition('F(a) ## a')] })).toThrow(/'##' cannot appear at either end/);
    expect(() => parseMacroDefinition('3x 1')).toThrow(CppError);
    expect(() => parseMacroDefinition('F(a 1')).toThrow(/missing '\)'/);
    expect(parseMacroDefinition('F (a) a')).toEqual({ name: 'F', params: undefined, body: '(a) a' });
    expect(parseMacroDefinition('F() 1')).toEqual({ name: 'F', params: [], body: '1' });
  });

  it('never throws anything but CppError on random expressions over random macros', () => {
    const e = env(['A B', 'B (A + 1)', 'F(x) x ## 1', 'G(x, y) F(x) y', 'E', 'S(x) #x', 'H(x) defined(x)']);
    const piece = fc.constantFrom('A', 'B', 'F', 'G', 'E', 'S', 'H', 'X', '(', ')', ',', '1', '0x', 'u', '+', '-', '/', '0', '?', ':', '&&', '||', '!', 'defined', '"s"', "'c'", '##', '#', ' ', '__has_include', '<a.h>');
    fc.assert(fc.property(fc.array(piece, { maxLength: 25 }), (parts) => {
      try {
        evaluateExpression(parts.join(' '), e, { file: 'r.c' });
        evaluateExpression(parts.join(''), e, { file: 'r.c' });
      } catch (err) {
        if (!(err instanceof CppError)) throw err;
      }
    }), { numRuns: 3000 });
  });
});

const CONFIG = parseKernelsConfig(JSON.stringify({
  macros: { 'RHEL_RELEASE_VERSION(a,b)': '(((a) << 8) + (b))', 'SLE_VERSION(a,b,c)': 'KERNEL_VERSION(a,b,c)' },
  kernels: [
    { name: 'sles9', version: '2.6.5', defines: { SLE_VERSION_CODE: 'SLE_VERSION(9,3,0)', CONFIG_XEN: '1', CONFIG_BLK_MODULE: '1' }, build: { kind: 'cc' } },
    { name: 'rhel5', version: '2.6.18', defines: { RHEL_RELEASE_CODE: 'RHEL_RELEASE_VERSION(5,4)', CONFIG_BLK: '1' }, build: { kind: 'cc' } },
  ],
}));
const [SLES9, RHEL5] = CONFIG.kernels as [(typeof CONFIG.kernels)[number], (typeof CONFIG.kernels)[number]];
// config.ts only accepts identifiers as define names; kernelEnv also reads `__has_include(<x>)` keys.
RHEL5.defines['__has_include(<linux/bool.h>)'] = '1';

describe('kernel environments', () => {
  it('builds KERNEL_VERSION, LINUX_VERSION_CODE, the config macros and the kernel defines', () => {
    const e = kernelEnv(CONFIG, RHEL5);
    expect(value('LINUX_VERSION_CODE', e)).toBe(0x20612n);
    expect(value('LINUX_VERSION_CODE < KERNEL_VERSION(2,6,19)', e)).toBe(1n);
    expect(value('RHEL_RELEASE_CODE >= RHEL_RELEASE_VERSION(5,3)', e)).toBe(1n);
    expect(value('LINUX_VERSION_CODE * 100000000ULL + 1', e)).toBe(0x20612n * 100000000n + 1n);
    expect(value('defined(SLE_VERSION_CODE)', e)).toBe(0n);
    expect(value('SLE_VERSION_CODE', kernelEnv(CONFIG, SLES9))).toBe(0x90300n);
  });

  it('knows the union of every kernel\'s defines; other names are unknown', () => {
    const sles = kernelEnv(CONFIG, SLES9);
    expect(evaluateExpression('defined(RHEL_RELEASE_CODE)', sles, { file: 'k' }).truth).toBe('false');
    expect(evaluateExpression('RHEL_RELEASE_CODE >= RHEL_RELEASE_VERSION(5,3)', sles, { file: 'k' }).truth).toBe('false');
    expect(evaluateExpression('defined(CONFIG_X86_64)', sles, { file: 'k' }).truth).toBe('unknown');
    expect(evaluateExpression('__GNUC__ > 3', sles, { file: 'k' }).truth).toBe('unknown');
    const assumed = kernelEnv(CONFIG, SLES9, { undefinedSymbols: ['__GNUC__'], assume: { CONFIG_X86_64: '1' } });
    expect(evaluateExpression('__GNUC__ > 3', assumed, { file: 'k' }).truth).toBe('false');
    expect(evaluateExpression('defined(CONFIG_X86_64)', assumed, { file: 'k' }).truth).toBe('true');
    expect(evaluateExpression('FOO', kernelEnv(CONFIG, SLES9, { closedWorld: true }), { file: 'k' }).truth).toBe('false');
  });

  it('evaluates IS_ENABLED, IS_BUILTIN and IS_MODULE per kernel', () => {
    const sles = kernelEnv(CONFIG, SLES9);
    const rhel = kernelEnv(CONFIG, RHEL5);
    const t = (text: string, e: CppEnv): string => evaluateExpression(text, e, { file: 'k' }).truth;
    expect([t('IS_ENABLED(CONFIG_XEN)', sles), t('IS_ENABLED(CONFIG_XEN)', rhel)]).toEqual(['true', 'false']);
    expect([t('IS_MODULE(CONFIG_BLK)', sles), t('IS_BUILTIN(CONFIG_BLK)', sles), t('IS_ENABLED(CONFIG_BLK)', sles)]).toEqual(['true', 'false', 'true']);
    expect([t('IS_MODULE(CONFIG_BLK)', rhel), t('IS_BUILTIN(CONFIG_BLK)', rhel)]).toEqual(['false', 'true']);
    expect(t('IS_ENABLED(CONFIG_SMP)', rhel)).toBe('unknown');
    expect(t('IS_ENABLED(CONFIG_SMP) || 1', rhel)).toBe('true');
    expect(() => evaluateExpression('IS_ENABLED(1 + 2)', rhel, { file: 'k' })).toThrow(/expects a CONFIG_ option name/);
  });

  it('answers __has_include only where declared', () => {
    const t = (e: CppEnv): string => evaluateExpression('__has_include(<linux/bool.h>)', e, { file: 'k' }).truth;
    expect(t(kernelEnv(CONFIG, RHEL5))).toBe('true');
    expect(t(kernelEnv(CONFIG, SLES9))).toBe('unknown');
    expect(t(kernelEnv(CONFIG, SLES9, { includes: { '<linux/bool.h>': false } }))).toBe('false');
    expect(() => evaluateExpression('__has_include(linux)', kernelEnv(CONFIG, SLES9), { file: 'k' })).toThrow(/requires a header name/);
  });

  it.skipIf(!hasCpp)('agrees with the kconfig placeholder trick run through cpp', () => {
    // The kernel decides IS_BUILTIN(X) by whether X expands to exactly 1 (a placeholder macro
    // named after the expansion turns into "0," and shifts an argument list). Our own spelling
    // of that technique, run through cpp, must agree with the built-in.
    const header = [
      '#define PV_PLACEHOLDER_1 0,',
      '#define PV_SECOND(ignored, val, ...) val',
      '#define PV_IS_ONE(x) PV_IS_ONE_(x)',
      '#define PV_IS_ONE_(v) PV_IS_ONE__(PV_PLACEHOLDER_##v)',
      '#define PV_IS_ONE__(junk) PV_SECOND(junk 1, 0)',
      '#define IS_BUILTIN(o) PV_IS_ONE(o)',
      '#define IS_MODULE(o) PV_IS_ONE(o##_MODULE)',
      '#define IS_ENABLED(o) (IS_BUILTIN(o) || IS_MODULE(o))',
    ];
    const defines: Record<string, string> = { CONFIG_A: '1', CONFIG_B_MODULE: '1', CONFIG_C: 'y', CONFIG_D: '0', CONFIG_E: '1', CONFIG_E_MODULE: '1', CONFIG_F: 'CONFIG_A' };
    const config = parseKernelsConfig(JSON.stringify({ kernels: [{ name: 'k', version: '6.1', defines, build: { kind: 'cc' } }] }));
    const e = kernelEnv(config, config.kernels[0] as (typeof config.kernels)[number], { closedWorld: true });
    const queries: string[] = [];
    for (const f of ['IS_BUILTIN', 'IS_MODULE', 'IS_ENABLED']) for (const o of ['A', 'B', 'C', 'D', 'E', 'F', 'G']) queries.push(`${f}(CONFIG_${o})`);
    const src = [...header, ...Object.entries(defines).map(([k, v]) => `#define ${k} ${v}`)];
    queries.forEach((q, i) => src.push(`#if ${q}`, `yes_${i}`, '#else', `no_${i}`, '#endif'));
    const r = spawnSync('cpp', ['-P', '-'], { input: src.join('\n') + '\n', encoding: 'utf8' });
    expect(r.stderr).toBe('');
    queries.forEach((q, i) => {
      const theirs = new RegExp(`\\byes_${i}\\b`).test(r.stdout) ? 'true' : 'false';
      expect([q, evaluateExpression(q, e, { file: 'k' }).truth]).toEqual([q, theirs]);
    });
  });
});
