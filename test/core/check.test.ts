import { describe, expect, it } from 'vitest';
import { parseKernelsConfig, type KernelsConfig } from '../../src/core/config.js';
import { checkTree, editDistance, formatFinding, identicalKernels, type CheckFinding, type CheckInput } from '../../src/core/check.js';

/** Four kernels like the sample's: two SLES, two RHEL, the distro macros declared. */
function config(extra: { macros?: Record<string, string>; kernels?: unknown[] } = {}): KernelsConfig {
  return parseKernelsConfig(JSON.stringify({
    macros: extra.macros ?? { 'RHEL_RELEASE_VERSION(a,b)': '(((a) << 8) + (b))', 'SLE_VERSION(a,b,c)': 'KERNEL_VERSION(a,b,c)' },
    kernels: extra.kernels ?? [
      { name: 'sles9', version: '2.6.5', defines: { SLE_VERSION_CODE: 'SLE_VERSION(9,3,0)' }, build: { kind: 'cc', include: ['k/sles9'] } },
      { name: 'rhel4', version: '2.6.9', defines: { RHEL_RELEASE_CODE: 'RHEL_RELEASE_VERSION(4,8)' }, build: { kind: 'cc', include: ['k/rhel4'] } },
      { name: 'sles10', version: '2.6.16', defines: { SLE_VERSION_CODE: 'SLE_VERSION(10,2,0)' }, build: { kind: 'cc', include: ['k/sles10'] } },
      { name: 'rhel5', version: '2.6.18', defines: { RHEL_RELEASE_CODE: 'RHEL_RELEASE_VERSION(5,4)' }, build: { kind: 'cc', include: ['k/rhel5'] } },
    ],
  }));
}

const cfg = config();

/** A guard of patch `p` as `apply` annotates it. */
function guard(p: string, cond: string, body: string, elseBody?: string): string {
  const a = ` /* pvpatch: ${p} */`;
  return `#if ${cond}${a}\n${body}\n${elseBody === undefined ? '' : `#else${a}\n${elseBody}\n`}#endif${a}\n`;
}

function check(files: Record<string, string>, extra: Partial<CheckInput> = {}): CheckFinding[] {
  return checkTree({ files: new Map(Object.entries(files)), config: extra.config ?? cfg, ...extra }).findings.filter((f) => f.kind !== 'identical-kernels');
}

function only(findings: CheckFinding[]): CheckFinding {
  expect(findings, JSON.stringify(findings, null, 2)).toHaveLength(1);
  return findings[0] as CheckFinding;
}

describe('check: guards constant over the kernels', () => {
  it('a guard every kernel takes: warning at its line, naming the kernels and the patch', () => {
    const f = only(check({ 'a.c': `int x;\n${guard('drv/old', 'LINUX_VERSION_CODE <= KERNEL_VERSION(2,6,18)', 'compat();', 'modern();')}` }));
    expect(f).toMatchObject({ file: 'a.c', line: 2, severity: 'warning', kind: 'constant-guard', patch: 'drv/old', kernels: ['sles9', 'rhel4', 'sles10', 'rhel5'] });
    expect(formatFinding(f)).toBe('a.c:2: warning: guard is taken by every kernel (sles9, rhel4, sles10, rhel5): the rest of it is dead code; consider unwrapping [drv/old]');
  });

  it('a guard whose #else every kernel takes, and one no kernel takes at all', () => {
    const f = check({ 'a.c': guard('drv/a', 'LINUX_VERSION_CODE < KERNEL_VERSION(2,6,5)', 'a();', 'b();') + guard('drv/b', 'LINUX_VERSION_CODE >= KERNEL_VERSION(2,6,19)', 'c();') });
    expect(f.map((x) => [x.line, x.kind, x.severity])).toEqual([[1, 'constant-guard', 'warning'], [6, 'constant-guard', 'warning'], [6, 'version-out-of-range', 'warning']]);
    expect(f[0]?.message).toBe('guard is constant: every kernel (sles9, rhel4, sles10, rhel5) takes the #else at line 3, so the code before it is dead; consider unwrapping that branch');
    expect(f[1]?.message).toBe('guard is taken by no kernel: every kernel (sles9, rhel4, sles10, rhel5) skips every branch; dead code, consider removing it');
    expect(f[2]?.message).toBe('KERNEL_VERSION(2,6,19) is newer than the newest supported kernel (2.6.18): no supported kernel is on the other side of it');
  });

  it('a dead #elif of a guard that is not constant', () => {
    const a = ' /* pvpatch: drv/x */';
    const text = `#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)${a}\na();\n#elif LINUX_VERSION_CODE < KERNEL_VERSION(2,6,12)${a}\nb();\n#else${a}\nc();\n#endif${a}\n`;
    expect(only(check({ 'x.c': text }))).toMatchObject({ line: 3, kind: 'dead-branch', severity: 'warning', message: 'no kernel takes the #elif at line 3: dead code (the others are taken by sles9, rhel4, sles10, rhel5)' });
  });

  it('a nested guard constant for the kernels that reach it names them and the enclosing conditional', () => {
    const text = `#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,16) /* pvpatch: drv/outer */\n${guard('drv/inner', 'LINUX_VERSION_CODE < KERNEL_VERSION(2,6,12)', 'x();')}#endif /* pvpatch: drv/outer */\n`;
    const f = only(check({ 'n.c': text }));
    expect(f).toMatchObject({ line: 2, kind: 'constant-guard', patch: 'drv/inner', kernels: ['sles9', 'rhel4'] });
    expect(f.message).toBe('guard is taken by every kernel that reaches it, sles9, rhel4 (the enclosing conditional at line 1 keeps sles10, rhel5 out): consider unwrapping');
  });

  it('LINUX_VERSION_CODE against a bare number outside the supported range', () => {
    const f = check({ 'h.c': guard('drv/hex', 'LINUX_VERSION_CODE < 0x020604', 'a();', 'b();') + guard('drv/dec', '132624 <= LINUX_VERSION_CODE', 'c();') });
    expect(f.filter((x) => x.kind === 'version-out-of-range').map((x) => [x.line, x.message])).toEqual([
      [1, '0x020604 (2.6.4) is older than the oldest supported kernel: no supported kernel is on the other side of it'],
    ]);
    expect(f.find((x) => x.kind === 'constant-guard')?.line).toBe(1);
  });

  it('upstream conditionals get notes, not warnings; a guard the kernels split on gets nothing', () => {
    const f = check({ 'u.c': '#if LINUX_VERSION_CODE >= KERNEL_VERSION(2,6,0)\nx();\n#endif\n' + guard('drv/ok', 'LINUX_VERSION_CODE < KERNEL_VERSION(2,6,16)', 'a();', 'b();') });
    expect(f.map((x) => [x.line, x.kind, x.severity, x.patch])).toEqual([[1, 'constant-guard', 'note', undefined], [1, 'version-out-of-range', 'note', undefined]]);
  });
});

describe('check: symbols and the preprocessor traps', () => {
  it('a guard on a symbol no kernel defines: pvpatch says it cannot decide (upstream ones and include guards are not reported)', () => {
    const f = only(check({ 'a.c': guard('drv/xen', 'defined(CONFIG_XEN_COMPAT)', 'x();'), 'b.h': '#ifndef B_H\n#define B_H\n#ifdef CONFIG_SMP\nint y;\n#endif\n#endif\n' }));
    expect(f).toMatchObject({ file: 'a.c', line: 1, severity: 'warning', kind: 'unknown-symbols', patch: 'drv/xen' });
    expect(f.message).toMatch(/^guard depends on CONFIG_XEN_COMPAT, which no kernel of kernels.json defines: pvpatch cannot tell which branch any kernel takes/);
  });

  it('a misspelled macro gcc silently reads as 0 (-Wundef): an error with the likely name and what gcc does', () => {
    const f = only(check({ 'a.c': `int a;\n\n${guard('drv/typo', 'LINUX_VERISON_CODE < KERNEL_VERSION(2,6,10)', 'old();', 'new();')}` }));
    expect(f).toMatchObject({ line: 3, severity: 'error', kind: 'misspelled-macro', patch: 'drv/typo' });
    expect(f.message).toBe('LINUX_VERISON_CODE is defined by no kernel of kernels.json: gcc silently reads it as 0 (-Wundef would warn), so every kernel takes the #if branch; did you mean LINUX_VERSION_CODE?');
    const two = only(check({ 'a.c': guard('drv/typo2', 'RHEL_RELEASE_COD >= RHEL_RELEASE_VERSION(5,0)', 'x();') }));
    expect(two).toMatchObject({ severity: 'error', kind: 'misspelled-macro' });
    expect(two.message).toMatch(/so no kernel takes any branch; did you mean RHEL_RELEASE_CODE\?$/);
  });

  it('a macro only some kernels define, used without defined(): -Wundef warning naming where it is 0', () => {
    const f = only(check({ 'a.c': guard('drv/rhel', 'RHEL_RELEASE_CODE >= RHEL_RELEASE_VERSION(5,4) || LINUX_VERSION_CODE < KERNEL_VERSION(2,6,16)', 'x();') }));
    expect(f).toMatchObject({ line: 1, severity: 'warning', kind: 'undefined-identifier', kernels: ['sles9', 'sles10'] });
    expect(f.message).toBe('RHEL_RELEASE_CODE is not defined for sles9, sles10: gcc reads it as 0 there (what -Wundef warns about); test defined(RHEL_RELEASE_CODE) first if that is meant');
  });

  it('a function-like macro some kernel does not define: error even where || or && skips the call', () => {
    const bare = config({ macros: {} });
    const text = `#include <linux/version.h>\n${guard('drv/rhel', 'defined(RHEL_RELEASE_CODE) && RHEL_RELEASE_CODE >= RHEL_RELEASE_VERSION(5,4)', 'x();')}`;
    const f = check({ 'a.c': text }, { config: bare });
    const fm = f.find((x) => x.kind === 'undefined-function-macro');
    expect(fm).toMatchObject({ line: 2, severity: 'error', patch: 'drv/rhel', kernels: ['sles9', 'rhel4', 'sles10', 'rhel5'] });
    expect(fm?.message).toBe('RHEL_RELEASE_VERSION(...) is not a function-like macro for sles9, rhel4, sles10, rhel5: gcc rejects the line there, even on the side of && or || it never evaluates');
    expect(f.filter((x) => x.severity === 'error')).toHaveLength(1);
    // With the macro declared, the same guard is fine.
    expect(check({ 'a.c': text })).toEqual([]);
    const sle = check({ 'a.c': guard('drv/sle', 'defined(SLE_VERSION_CODE) || SLE_PRODUCT_CODE(10,1,0)', 'x();') });
    expect(sle.find((x) => x.kind === 'undefined-function-macro')?.message).toMatch(/^SLE_PRODUCT_CODE\(\.\.\.\) is not a function-like macro for sles9, rhel4, sles10, rhel5/);
    expect(sle.some((x) => x.kind === 'unknown-symbols')).toBe(false);
  });

  it('octal literals: 8 or 9 after a leading zero is an error (Ubuntu ABI numbers); an octal macro argument a warning', () => {
    const f = check({ 'a.c': guard('drv/ubuntu', 'defined(UTS_UBUNTU_RELEASE_ABI) && UTS_UBUNTU_RELEASE_ABI >= 031418', 'x();') + guard('drv/v', 'LINUX_VERSION_CODE < KERNEL_VERSION(2,6,010)', 'y();') });
    const octal = f.filter((x) => x.kind === 'octal-literal');
    expect(octal.map((x) => [x.line, x.severity])).toEqual([[1, 'error'], [4, 'warning']]);
    expect(octal[0]?.message).toBe('031418 has a leading 0, so it is octal, and 8 and 9 are not octal digits: gcc rejects the line (write it without the leading zero)');
    expect(octal[1]?.message).toMatch(/^010 is octal \(8\) in a macro argument/);
    expect(f.some((x) => x.kind === 'condition-error' && x.line === 1)).toBe(false);
  });

  it('a condition the compiler rejects is an error; under a condition pvpatch cannot decide, a warning', () => {
    const maybe = '#ifdef CONFIG_FOO /* pvpatch: drv/maybe */\ny();\n#elif 1 / 0 /* pvpatch: drv/maybe */\nz();\n#endif /* pvpatch: drv/maybe */\n';
    const f = check({ 'a.c': guard('drv/div', 'LINUX_VERSION_CODE / 0', 'x();') + maybe });
    expect(f.filter((x) => x.kind === 'condition-error').map((x) => [x.line, x.severity])).toEqual([[1, 'error'], [6, 'warning']]);
    expect(f.find((x) => x.line === 6 && x.kind === 'condition-error')?.message).toBe('pvpatch cannot evaluate the condition for sles9, rhel4, sles10, rhel5 (under a condition it cannot decide): division by zero in #if');
    expect(f.find((x) => x.line === 1)?.message).toBe('the condition fails for sles9, rhel4, sles10, rhel5: division by zero in #if');
  });

  it('unbalanced directives: an error at the line, and the file is skipped by the other checks', () => {
    const r = checkTree({ files: new Map([['bad.c', 'int a;\n#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,4)\n'], ['worse.c', '#endif\n']]), config: cfg });
    expect(r.findings.map((x) => [x.file, x.line, x.severity, x.kind])).toEqual([['bad.c', 2, 'error', 'unbalanced'], ['worse.c', 1, 'error', 'unbalanced']]);
    expect(r.findings[0]?.message).toBe('unterminated #if: the directives are unbalanced, so no kernel\'s compiler accepts the file');
    expect(r.counts).toEqual({ error: 2, warning: 0, note: 0 });
  });

  it('kbuild kernels: a declared helper macro may be missing from their headers, and pvpatch says it cannot tell', () => {
    const kb = config({ kernels: [
      { name: 'deb', version: '6.1.0', build: { kind: 'kbuild', headers: 'linux-headers-6.1*' } },
      { name: 'rhel9', version: '5.14.0', defines: { RHEL_RELEASE_CODE: 'RHEL_RELEASE_VERSION(9,2)' }, build: { kind: 'cc', include: ['k/rhel9'] } },
    ] });
    const f = only(check({ 'a.c': guard('drv/r', 'defined(RHEL_RELEASE_CODE) && RHEL_RELEASE_CODE >= RHEL_RELEASE_VERSION(9,1)', 'x();', 'y();') }, { config: kb }));
    expect(f).toMatchObject({ kind: 'unverified-function-macro', severity: 'warning', line: 1 });
    expect(f.message).toMatch(/^pvpatch cannot tell whether the headers of deb define RHEL_RELEASE_VERSION\(\)/);
  });
});

describe('check: guards of different patches', () => {
  it('the same condition back to back or nested: a duplicate', () => {
    const c = 'LINUX_VERSION_CODE < KERNEL_VERSION(2,6,16)';
    const text = `${guard('drv/a', c, 'a();')}\n${guard('drv/b', c, 'b();')}int gap;\n${guard('drv/c', c, 'c();')}`;
    const f = check({ 'd.c': text });
    expect(f.map((x) => [x.line, x.kind, x.patch])).toEqual([[5, 'duplicate-guard', 'drv/b']]);
    expect(f[0]?.message).toBe('duplicate guard: drv/a has the same condition right before it (lines 1-3); merge the two, or move this code into drv/a');
    const nested = `#ifdef CONFIG_X /* pvpatch: drv/a */\n#if defined(CONFIG_X) /* pvpatch: drv/b */\nx();\n#endif /* pvpatch: drv/b */\n#endif /* pvpatch: drv/a */\n`;
    const n = check({ 'n.c': nested }).filter((x) => x.kind === 'duplicate-guard');
    expect(n.map((x) => [x.line, x.message])).toEqual([[2, 'duplicate guard: drv/a has the same condition around it (line 1); merge the two, or move this code into drv/a']]);
  });

  it('one conditional with directives from two patches, and a later patch editing inside an earlier guard', () => {
    const text = '#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10) /* pvpatch: drv/a */\na();\n#elif LINUX_VERSION_CODE < KERNEL_VERSION(2,6,18) /* pvpatch: drv/b */\nb();\n#else /* pvpatch: drv/a */\nc();\nd();\n#endif /* pvpatch: drv/a */\n';
    const origins = new Map([['o.c', ['drv/a.patch', 'drv/a.patch', 'drv/b.patch', 'drv/b.patch', 'drv/a.patch', null, 'drv/c.patch', 'drv/a.patch']]]);
    const f = check({ 'o.c': text }, { origins, series: ['drv/a.patch', 'drv/b.patch', 'drv/c.patch'] });
    expect(f.map((x) => [x.line, x.kind, x.patch])).toEqual([[3, 'overlapping-guards', 'drv/b'], [4, 'overlapping-guards', 'drv/b'], [7, 'overlapping-guards', 'drv/c']]);
    expect(f[0]?.message).toBe('this #elif comes from drv/b, the #if it belongs to (line 1) from drv/a: two patches share one guard; retiring or rebasing one changes the other');
    expect(f[2]?.message).toBe('line 7 of drv/c change code inside the guard of drv/a (line 1) without a guard of their own: the two patches overlap; retiring or rebasing one touches the other');
    // A later patch's own guard nested inside, or an earlier patch's line wrapped by a later guard, is fine.
    const fine = `${guard('drv/a', 'LINUX_VERSION_CODE < KERNEL_VERSION(2,6,18)', `#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10) /* pvpatch: drv/b */\nold();\n#endif /* pvpatch: drv/b */`)}`;
    const o2 = new Map([['f.c', ['drv/a.patch', 'drv/b.patch', 'drv/b.patch', 'drv/b.patch', 'drv/a.patch']]]);
    expect(check({ 'f.c': fine }, { origins: o2, series: ['drv/a.patch', 'drv/b.patch'] })).toEqual([]);
  });

  it('without annotations the manifest regions (or line origins) name the patch', () => {
    const text = '#if LINUX_VERSION_CODE <= KERNEL_VERSION(2,6,18)\nx();\n#endif\n';
    expect(only(check({ 'm.c': text }, { regions: [{ file: 'm.c', startLine: 1, patch: 'drv/m' }] })).patch).toBe('drv/m');
    expect(only(check({ 'm.c': text }, { origins: new Map([['m.c', ['drv/o.patch', 'drv/o.patch', 'drv/o.patch']]]) })).patch).toBe('drv/o');
    expect(only(check({ 'm.c': text })).severity).toBe('note');
  });
});

describe('check: kernels that test nothing new', () => {
  const text = guard('drv/a', 'LINUX_VERSION_CODE < KERNEL_VERSION(2,6,16)', 'a();', 'b();');

  it('groups kernels that take the same branch everywhere', () => {
    expect(identicalKernels(new Map([['a.c', text]]), cfg)).toEqual([{ kernels: ['sles9', 'rhel4'], undecided: 0 }, { kernels: ['sles10', 'rhel5'], undecided: 0 }]);
    expect(identicalKernels(new Map([['a.c', text + guard('drv/b', 'LINUX_VERSION_CODE < KERNEL_VERSION(2,6,17)', 'c();')]]), cfg)).toEqual([{ kernels: ['sles9', 'rhel4'], undecided: 0 }]);
    expect(identicalKernels(new Map([['a.c', text + guard('drv/c', 'defined(RHEL_RELEASE_CODE)', 'r();')]]), cfg)).toEqual([]);
  });

  it('a note at the kernel\'s line of kernels.json when their builds differ, a warning when nothing differs; hedged when undecided conditionals remain', () => {
    const r = checkTree({ files: new Map([['a.c', text]]), config: cfg, kernelLine: (n) => ({ rhel4: 7, rhel5: 9 })[n] });
    const idents = r.findings.filter((f) => f.kind === 'identical-kernels');
    expect(idents.map((f) => [f.file, f.line, f.severity, f.kernels])).toEqual([['kernels.json', 7, 'note', ['sles9', 'rhel4']], ['kernels.json', 9, 'note', ['sles10', 'rhel5']]]);
    expect(idents[0]?.message).toBe('rhel4 sees exactly the code sles9 sees, in every file: no guard tells them apart, so this row tests no branch the other does not; only the builds differ (k/sles9 / k/rhel4)');
    const twins = config({ kernels: [
      { name: 'a', version: '2.6.16', build: { kind: 'cc', include: ['k'] } },
      { name: 'b', version: '2.6.17', build: { kind: 'cc', include: ['k'] } },
    ] });
    const w = checkTree({ files: new Map([['a.c', text + '#ifdef CONFIG_SMP\nint smp;\n#endif\n']]), config: twins }).findings.filter((f) => f.kind === 'identical-kernels');
    expect(w.map((f) => [f.line, f.severity])).toEqual([[1, 'warning']]);
    expect(w[0]?.message).toBe('b sees exactly the code a sees, in every file as far as pvpatch can tell (1 conditional it cannot decide stay in each view): no guard tells them apart, so this row tests no branch the other does not, and the builds are the same too');
  });
});

describe('check: the report', () => {
  it('counts files, conditionals, guards, undecided and findings by severity; findings sorted by file and line', () => {
    const r = checkTree({
      files: new Map([
        ['z.c', guard('drv/z', 'LINUX_VERSION_CODE <= KERNEL_VERSION(2,6,18)', 'z();')],
        ['a.c', '#ifdef CONFIG_A\nint a;\n#endif\n' + guard('drv/a', 'LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)', 'a();', 'b();')],
        ['README', '# if you read this\n'],
      ]),
      config: cfg,
    });
    expect(r).toMatchObject({ files: 2, conditionals: 3, guards: 2, undecided: 1, kernels: ['sles9', 'rhel4', 'sles10', 'rhel5'] });
    expect(r.findings.map((f) => `${f.file}:${f.line}`)).toEqual(['z.c:1', 'kernels.json:1', 'kernels.json:1']);
    expect(r.findings.map((f) => f.kernels)).toEqual([['sles9', 'rhel4', 'sles10', 'rhel5'], ['sles9', 'rhel4'], ['sles10', 'rhel5']]);
    expect(r.counts).toEqual({ error: 0, warning: 1, note: 2 });
    expect(r.limits).toEqual(['without line origins (a tree given by --tree), edits of later patches inside earlier guards are not checked']);
  });

  it('edit distance: transpositions count one', () => {
    expect(editDistance('LINUX_VERISON_CODE', 'LINUX_VERSION_CODE')).toBe(1);
    expect(editDistance('RHEL_RELEASE_COD', 'RHEL_RELEASE_CODE')).toBe(1);
    expect(editDistance('CONFIG_X86_32', 'CONFIG_X86_64')).toBe(2);
    expect(editDistance('abc', 'abc')).toBe(0);
    expect(editDistance('short', 'a much longer name')).toBe(4);
  });
});
