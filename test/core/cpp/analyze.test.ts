import { describe, expect, it } from 'vitest';
import { parseKernelsConfig } from '../../../src/core/config.js';
import { analyzeFile, analyzeGuards, type GuardAnalysis } from '../../../src/core/cpp/analyze.js';
import { createEnv, parseMacroDefinition } from '../../../src/core/cpp/env.js';
import { scanDirectives } from '../../../src/core/cpp/scan.js';

const CONFIG = parseKernelsConfig(JSON.stringify({
  macros: { 'RHEL_RELEASE_VERSION(a,b)': '(((a) << 8) + (b))', 'SLE_VERSION(a,b,c)': 'KERNEL_VERSION(a,b,c)' },
  kernels: [
    { name: 'sles9', version: '2.6.5', defines: { SLE_VERSION_CODE: 'SLE_VERSION(9,3,0)' }, build: { kind: 'cc' } },
    { name: 'rhel4', version: '2.6.9', defines: { RHEL_RELEASE_CODE: 'RHEL_RELEASE_VERSION(4,8)' }, build: { kind: 'cc' } },
    { name: 'sles10', version: '2.6.16', defines: { SLE_VERSION_CODE: 'SLE_VERSION(10,2,0)' }, build: { kind: 'cc' } },
    { name: 'rhel5', version: '2.6.18', defines: { RHEL_RELEASE_CODE: 'RHEL_RELEASE_VERSION(5,4)' }, build: { kind: 'cc' } },
    { name: 'upstream', version: '2.6.27', build: { kind: 'cc' } },
  ],
}));

function analyze(lines: string[]): GuardAnalysis[] {
  return analyzeFile(lines.map((l) => `${l}\n`).join(''), 'blkfront.c', CONFIG);
}

function kinds(a: GuardAnalysis | undefined): string[] {
  return (a?.findings ?? []).map((f) => f.kind);
}

describe('analyzeGuards', () => {
  it('tells per kernel which branch each guard takes', () => {
    const [g] = analyze([
      '#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)  /* pvpatch: blkfront/elevator-noop */',
      '        elevator_init(rq, &elevator_noop);',
      '#else',
      '        elevator_init(rq, "noop");',
      '#endif',
    ]);
    expect(g?.branches.map((b) => b.takenBy)).toEqual([['sles9', 'rhel4'], ['sles10', 'rhel5', 'upstream']]);
    expect(g?.outcomes.map((o) => o.taken)).toEqual([0, 0, 1, 1, 1]);
    expect(kinds(g)).toEqual([]);
    expect(g).toMatchObject({ line: 1, endLine: 5 });
  });

  it('finds dead branches, redundant guards and versions outside the matrix', () => {
    const [dead, always, none] = analyze([
      '#if LINUX_VERSION_CODE < KERNEL_VERSION(2,4,0)', 'old();', '#else', 'new();', '#endif',
      '#if LINUX_VERSION_CODE >= KERNEL_VERSION(2,6,0)', 'x();', '#endif',
      '#if LINUX_VERSION_CODE >= KERNEL_VERSION(2,6,30)', 'y();', '#endif',
    ]);
    expect(kinds(dead)).toEqual(['dead-branch', 'always-taken', 'version-out-of-range']);
    expect(dead?.findings[0]).toMatchObject({ branch: 0, line: 1, severity: 'warning' });
    expect(dead?.findings[1]).toMatchObject({ branch: 1, line: 3 });
    expect(dead?.findings[2]).toMatchObject({ version: '2.4.0', side: 'below', message: 'KERNEL_VERSION(2,4,0) is older than the oldest supported kernel (2.6.5)' });
    expect(kinds(always)).toEqual(['always-taken', 'version-out-of-range']);
    expect(kinds(none)).toEqual(['dead-branch', 'version-out-of-range']);
    expect(none?.findings[1]).toMatchObject({ side: 'above' });
  });

  it('reports guards on symbols no kernel defines, and -Wundef identifiers', () => {
    const [unknown, wundef, guarded] = analyze([
      '#if defined(CONFIG_X86_64) && LINUX_VERSION_CODE > 0', '#endif',
      '#if RHEL_RELEASE_CODE >= RHEL_RELEASE_VERSION(5,3)', '#endif',
      '#if defined(RHEL_RELEASE_CODE) && RHEL_RELEASE_CODE >= RHEL_RELEASE_VERSION(5,3)', '#endif',
    ]);
    expect(kinds(unknown)).toEqual(['unknown-symbols']);
    expect(unknown?.findings[0]).toMatchObject({ symbols: ['CONFIG_X86_64'] });
    expect(unknown?.outcomes.every((o) => o.taken === 'unknown')).toBe(true);
    expect(wundef?.findings.find((f) => f.kind === 'undefined-identifier')).toMatchObject({ name: 'RHEL_RELEASE_CODE', kernels: ['sles9', 'sles10', 'upstream'] });
    expect(kinds(guarded).filter((k) => k === 'undefined-identifier')).toEqual([]);
  });

  it('recognizes include guards and does not report their unknown symbol', () => {
    const [guard] = analyze(['/* header */', '#ifndef _XEN_BLKIF_H', '#define _XEN_BLKIF_H', '#if defined(CONFIG_X)', '#endif', '#endif']);
    expect(guard?.includeGuard).toBe(true);
    expect(kinds(guard)).toEqual([]);
    const [alt] = analyze(['#if !defined(HDR_H)', '#define HDR_H', '#endif']);
    expect(alt?.includeGuard).toBe(true);
    const [notGuard] = analyze(['#ifndef FOO', '#define BAR 1', '#endif']);
    expect(notGuard?.includeGuard).toBe(false);
    expect(kinds(notGuard)).toEqual(['unknown-symbols']);
  });

  it('flags calls of function-like macros some kernel lacks, even behind ||', () => {
    const [g] = analyze(['#if defined(SLE_VERSION_CODE) || SUSE_PRODUCT(1, 10, 2, 0)', '#endif']);
    const f = g?.findings.find((x) => x.kind === 'undefined-function-macro');
    expect(f).toMatchObject({ name: 'SUSE_PRODUCT', severity: 'error', kernels: ['sles9', 'rhel4', 'sles10', 'rhel5', 'upstream'] });
    // With an environment where one kernel has the helper and one has only a plain define:
    const report = scanDirectives('#if 0 && HELPER(1)\n#endif\n', 'x.c');
    const withHelper = createEnv({ macros: [parseMacroDefinition('HELPER(x) x')] });
    const without = createEnv({ macros: [parseMacroDefinition('OTHER 1')], known: ['HELPER'] });
    const [h] = analyzeGuards(report, [{ name: 'a', env: withHelper }, { name: 'b', env: without }]);
    expect(h?.findings.filter((x) => x.kind === 'undefined-function-macro')).toMatchObject([{ name: 'HELPER', kernels: ['b'] }]);
    expect(h?.outcomes.map((o) => [o.kernel, o.errors.length])).toEqual([['a', 0], ['b', 1]]);
    expect(kinds(h)).not.toContain('error'); // already said by undefined-function-macro
  });

  it('flags octal literals: invalid ones anywhere, valid ones in macro arguments', () => {
    const [bad, version] = analyze([
      '#if LINUX_VERSION_CODE > 031418', '#endif',
      '#if LINUX_VERSION_CODE >= KERNEL_VERSION(2,6,010) && 0777', '#endif',
    ]);
    expect(bad?.findings.find((f) => f.kind === 'octal-literal')).toMatchObject({ literal: '031418', invalid: true, severity: 'error' });
    expect(bad?.findings.find((f) => f.kind === 'error')).toMatchObject({ sure: true, kernels: ['sles9', 'rhel4', 'sles10', 'rhel5', 'upstream'] });
    expect(version?.findings.filter((f) => f.kind === 'octal-literal')).toMatchObject([{ literal: '010', invalid: false, severity: 'warning' }]);
  });

  it('marks nested guards that no kernel reaches as unreached, without dead/always findings', () => {
    const [, inner] = analyze([
      '#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,0)',
      '#if LINUX_VERSION_CODE < KERNEL_VERSION(2,5,0)', 'x', '#endif',
      '#endif',
    ]);
    expect(inner?.outcomes.every((o) => o.taken === 'unreached')).toBe(true);
    expect(kinds(inner).filter((k) => k === 'dead-branch' || k === 'always-taken')).toEqual([]);
  });

  it('reports errors under unknown conditions as warnings, not sure errors', () => {
    const [g] = analyze(['#if defined(CONFIG_X)', '#elif 1 / 0', '#endif']);
    expect(g?.findings.find((f) => f.kind === 'error')).toMatchObject({ severity: 'warning', sure: false, branch: 1 });
  });
});
