import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseKernelsConfig, type KernelsConfig } from '../../src/core/config.js';
import { ConfigError, InputError } from '../../src/core/errors.js';
import { kernelEnv } from '../../src/core/cpp/env.js';
import { applySeries, type SeriesPatch } from '../../src/core/apply-series.js';
import { subsystemOf } from '../../src/core/series.js';
import { createFilePatch } from '../../src/core/patch/create.js';
import { formatFilePatch } from '../../src/core/patch/format.js';
import type { FilePatch } from '../../src/core/patch/model.js';
import { appendKernelToText, planRetire, refreshDiffstat, removeKernelsFromText, retireFromDescription, simplifyGuards, validateRetire, withoutBlankLines, type RemainingKernel } from '../../src/core/retire.js';
import { parsePatch } from '../../src/core/patch/parse.js';
import { REPO } from '../helpers/cli.js';
import { splitLinesKeepEnds } from '../../src/core/annotate.js';

const cfg: KernelsConfig = parseKernelsConfig(JSON.stringify({
  macros: { 'RHEL_RELEASE_VERSION(a,b)': '(((a) << 8) + (b))' },
  kernels: [
    { name: 'k5', version: '2.6.5', build: { kind: 'cc' } },
    { name: 'rhel4', version: '2.6.9', defines: { RHEL_RELEASE_CODE: 'RHEL_RELEASE_VERSION(4,8)' }, build: { kind: 'cc' } },
    { name: 'k16', version: '2.6.16', build: { kind: 'cc' } },
    { name: 'k27', version: '2.6.27', build: { kind: 'cc' } },
  ],
}));

/** The environments of `names`, as planRetire builds them. */
function remaining(names: string[]): RemainingKernel[] {
  return cfg.kernels.filter((k) => names.includes(k.name)).map((k) => ({ name: k.name, env: kernelEnv(cfg, k) }));
}

const LATE = remaining(['k16', 'k27']);

/** Lines with their origins: [text, origin] pairs; origin null is upstream. */
function lines(...pairs: [string, string | null][]): { text: string; origins: (string | null)[] } {
  return { text: pairs.map(([t]) => `${t}\n`).join(''), origins: pairs.map(([, o]) => o) };
}

describe('simplifyGuards', () => {
  const P = 'drv/p.patch';

  it('unwraps the #else every remaining kernel takes, and drops the dead #if branch', () => {
    const f = lines(['a();', null], ['#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)', P], ['old();', P], ['#else', P], ['new();', null], ['#endif', P], ['b();', null]);
    const s = simplifyGuards(f.text, 'a.c', f.origins, LATE);
    expect(s.text).toBe('a();\nnew();\nb();\n');
    expect(s.guards).toEqual([{ line: 2, directive: '#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)', action: 'unwrapped', kept: '#else', kernels: ['k16', 'k27'], patch: P, ordinal: 0 }]);
    expect(s.undecided).toEqual([]);
  });

  it('removes a guard no remaining kernel takes, with the blank line its patch added after it (not upstream\'s)', () => {
    const f = lines(['#include <x.h>', null], ['', null], ['#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,14)', P], ['typedef unsigned gfp_t;', P], ['#endif', P], ['', P], ['int x;', null]);
    const s = simplifyGuards(f.text, 'a.c', f.origins, LATE);
    expect(s.text).toBe('#include <x.h>\n\nint x;\n');
    expect(s.guards[0]).toMatchObject({ action: 'removed', kernels: ['k16', 'k27'] });
    expect(s.guards[0]?.kept).toBeUndefined();
    const g = lines(['', P], ['#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,14)', P], ['x;', P], ['#endif', P], ['', null]);
    expect(simplifyGuards(g.text, 'a.c', g.origins, LATE).text).toBe('\n');
  });

  it('keeps the #if branch when every remaining kernel takes it; #elif chains keep the taken #elif', () => {
    const f = lines(['#if LINUX_VERSION_CODE >= KERNEL_VERSION(2,6,16)', P], ['modern();', null], ['#endif', P]);
    expect(simplifyGuards(f.text, 'a.c', f.origins, LATE).text).toBe('modern();\n');
    const e = lines(['#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)', P], ['a();', P], ['#elif LINUX_VERSION_CODE < KERNEL_VERSION(2,6,30)', P], ['b();', P], ['#else', P], ['c();', null], ['#endif', P]);
    const s = simplifyGuards(e.text, 'a.c', e.origins, LATE);
    expect(s.text).toBe('b();\n');
    expect(s.guards[0]?.kept).toBe('#elif LINUX_VERSION_CODE < KERNEL_VERSION(2,6,30)');
  });

  it('leaves guards the kernels still split on, upstream conditionals, and guards it cannot decide (listed)', () => {
    const f = lines(
      ['#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,18)', P], ['a();', P], ['#endif', P],
      ['#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)', null], ['b();', null], ['#endif', null],
      ['#if defined(CONFIG_FOO) || LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)', P], ['c();', P], ['#endif', P],
    );
    const s = simplifyGuards(f.text, 'a.c', f.origins, LATE);
    expect(s.text).toBe(f.text);
    expect(s.guards).toEqual([]);
    expect(s.undecided).toEqual([{ line: 7, directive: '#if defined(CONFIG_FOO) || LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)', patch: P, kernels: ['k16', 'k27'], ordinal: 0 }]);
  });

  it('judges a nested guard by the kernels that reach it, inside a guard that stays', () => {
    const f = lines(
      ['#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,24)', 'drv/a.patch'],
      ['#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,16)', P], ['#define x y', P], ['#endif', P],
      ['old();', 'drv/a.patch'], ['#else', 'drv/a.patch'], ['new();', null], ['#endif', 'drv/a.patch'],
    );
    const s = simplifyGuards(f.text, 'a.c', f.origins, LATE);
    expect(s.text).toBe('#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,24)\nold();\n#else\nnew();\n#endif\n');
    expect(s.guards).toMatchObject([{ line: 2, action: 'removed', kernels: ['k16'] }]);
  });

  it('keeps CRLF lines as they are and throws CppError for an unbalanced file', () => {
    const text = 'a();\r\n#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)\r\nold();\r\n#else\r\nnew();\r\n#endif\r\n';
    expect(simplifyGuards(text, 'a.c', [null, P, P, P, null, P], LATE).text).toBe('a();\r\nnew();\r\n');
    expect(() => simplifyGuards('#if X\n', 'a.c', [P], LATE)).toThrow(/unterminated #if/);
  });
});

// ---- planRetire on a small series -------------------------------------------------------------

const HEADER = (subject: string): string => `From: Maint <m@example.org>\nSubject: [PATCH] ${subject}\n\nWhy.\n---\n`;

const DROP = new Map([['drv/a.c', Array.from({ length: 40 }, (_, i) => `line${i + 1}();\n`).join('')]]);

function entry(name: string, line: number): SeriesPatch['entry'] {
  return { name, subsystem: subsystemOf(name), line };
}

/** `text` with `added` lines inserted after the line `after` (a whole line, without its newline). */
function insertAfter(text: string, after: string, added: string[]): string {
  const at = text.indexOf(`${after}\n`);
  if (at < 0) throw new Error(`no line ${after}`);
  const end = at + after.length + 1;
  return text.slice(0, end) + added.map((l) => `${l}\n`).join('') + text.slice(end);
}

function diffPatch(subject: string, before: string, after: string): string {
  return HEADER(subject) + formatFilePatch(createFilePatch('drv/a.c', before, after) as FilePatch);
}

/** The series: p1 only for kernels before 2.6.10; p2 one guard < 2.6.10 and one < 2.6.18; p3 below them; p4 undecidable; p5 no diff yet. */
function series(): SeriesPatch[] {
  const t0 = DROP.get('drv/a.c') as string;
  const t1 = insertAfter(insertAfter(t0, 'line4();', ['#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)', 'elevator_old();', '#else']), 'line5();', ['#endif']);
  const t2 = insertAfter(insertAfter(t1, 'line12();', ['#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)', 'early();', '#endif', '']), 'line22();', ['#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,18)', 'middle();', '#endif']);
  const t3 = insertAfter(t2, 'line32();', ['#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,18)', 'late();', '#endif']);
  const t4 = insertAfter(t3, 'line38();', ['#if defined(CONFIG_FOO) || LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)', 'foo();', '#endif']);
  return [
    { entry: entry('drv/p1.patch', 1), text: diffPatch('drv: old elevator', t0, t1) },
    { entry: entry('drv/p2.patch', 2), text: diffPatch('drv: two guards', t1, t2) },
    { entry: entry('drv/p3.patch', 3), text: diffPatch('drv: a late one', t2, t3) },
    { entry: entry('drv/p4.patch', 4), text: diffPatch('drv: config', t3, t4) },
    { entry: entry('drv/p5.patch', 5), text: HEADER('drv: not written yet') },
  ];
}

describe('planRetire', () => {
  it('the original series is consistent (the fixture applies exactly)', () => {
    const r = applySeries(DROP, series().slice(0, 4));
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.hunks.every((h) => h.status === 'exact')).toBe(true);
  });

  it('drops a patch left empty, rewrites one left with a guard, refreshes the line numbers of the next, leaves the undecidable one', () => {
    const plan = planRetire(cfg, ['k5', 'rhel4'], DROP, series());
    expect(plan.retired).toEqual(['k5', 'rhel4']);
    expect(plan.remaining).toEqual(['k16', 'k27']);
    expect(plan.config.kernels.map((k) => k.name)).toEqual(['k16', 'k27']);
    expect(plan.patches.map((p) => [p.patch, p.status])).toEqual([
      ['drv/p1.patch', 'emptied'], ['drv/p2.patch', 'rewritten'], ['drv/p3.patch', 'refreshed'], ['drv/p4.patch', 'refreshed'], ['drv/p5.patch', 'unchanged'],
    ]);
    expect(plan.series).toEqual(['drv/p2.patch', 'drv/p3.patch', 'drv/p4.patch', 'drv/p5.patch']);
    expect(plan.dropped).toEqual(['drv/p1.patch']);
    expect(plan.patches[1]?.left).toEqual({ hunks: 1, insertions: 3, deletions: 0 });
    expect(plan.patches[2]?.left).toBeUndefined();
    // Lines as the whole old series shows them (p1 adds 4 lines above p2's first guard).
    expect(plan.patches[0]?.guards).toEqual([{ file: 'drv/a.c', line: 5, directive: '#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)', action: 'unwrapped', kept: '#else', kernels: ['k16', 'k27'] }]);
    expect(plan.patches[1]?.guards).toEqual([{ file: 'drv/a.c', line: 17, directive: '#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)', action: 'removed', kernels: ['k16', 'k27'] }]);
    expect(plan.undecided).toEqual([{ file: 'drv/a.c', line: 53, directive: '#if defined(CONFIG_FOO) || LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)', patch: 'drv/p4', kernels: ['k16', 'k27'] }]);
    expect(plan.verified).toEqual({ files: 1, kernels: ['k16', 'k27'] });
    const p2 = plan.patches[1]?.newText ?? '';
    expect(p2.startsWith(HEADER('drv: two guards'))).toBe(true);
    expect(p2).toBe(`${HEADER('drv: two guards')}diff --git a/drv/a.c b/drv/a.c\n--- a/drv/a.c\n+++ b/drv/a.c\n@@ -20,6 +20,9 @@ line19();\n line20();\n line21();\n line22();\n+#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,18)\n+middle();\n+#endif\n line23();\n line24();\n line25();\n`);
    const p3 = plan.patches[2]?.newText ?? '';
    expect(p3).toBe((series()[2]?.text ?? '').replace('@@ -41,6 +41,9 @@', '@@ -33,6 +33,9 @@'));
    expect(p3).not.toBe(series()[2]?.text);
    expect(plan.patches[3]?.newText).toBe((series()[3]?.text ?? '').replace('@@ -50,5 +50,8 @@', '@@ -42,5 +42,8 @@'));
    expect(plan.patches[4]?.newText).toBe(series()[4]?.text);
  });

  it('the new series rebuilds the simplified tree exactly', () => {
    const plan = planRetire(cfg, ['k5', 'rhel4'], DROP, series());
    const byName = new Map(series().map((s) => [s.entry.name, s.entry]));
    const r = applySeries(DROP, plan.patches.filter((p) => p.newText !== null && p.patch !== 'drv/p5.patch').map((p) => ({ entry: byName.get(p.patch) as SeriesPatch['entry'], text: p.newText as string })), { maxFuzz: 0 });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.hunks.every((h) => h.status === 'exact')).toBe(true);
    const text = r.files.get('drv/a.c') ?? '';
    expect(text).not.toContain('#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)\n');
    expect(text).toContain('#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,18)\nmiddle();\n#endif\n');
    expect(text).toContain('#if defined(CONFIG_FOO) || LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)\n');
    expect(text).not.toContain('elevator_old');
    expect(text).not.toContain('early();');
  });

  it('retiring a kernel that decides nothing changes nothing', () => {
    const plan = planRetire(cfg, ['rhel4'], DROP, series());
    expect(plan.patches.every((p) => p.status === 'unchanged' && p.newText === p.oldText)).toBe(true);
    expect(plan.dropped).toEqual([]);
  });

  it('a distro macro only retired kernels defined becomes undefined (0), not unknown', () => {
    const rhel = `${HEADER('drv: rhel4 backport')}diff --git a/drv/a.c b/drv/a.c\n--- a/drv/a.c\n+++ b/drv/a.c\n@@ -2,4 +2,7 @@\n line2();\n line3();\n line4();\n+#if defined(RHEL_RELEASE_CODE) && RHEL_RELEASE_CODE < RHEL_RELEASE_VERSION(5,0)\n+rhel4_only();\n+#endif\n line5();\n`;
    const plan = planRetire(cfg, ['rhel4'], DROP, [{ entry: entry('drv/rhel.patch', 1), text: rhel }]);
    expect(plan.patches[0]?.status).toBe('emptied');
    expect(plan.patches[0]?.guards[0]).toMatchObject({ action: 'removed', kernels: ['k5', 'k16', 'k27'] });
  });

  it('refuses an unknown kernel (ConfigError listing them) and retiring every kernel (InputError)', () => {
    expect(() => validateRetire(cfg, ['k6'])).toThrow(ConfigError);
    expect(() => validateRetire(cfg, ['k6'])).toThrow('unknown kernel "k6" (kernels.json has: k5, rhel4, k16, k27)');
    expect(() => validateRetire(cfg, ['k5', 'rhel4', 'k16', 'k27'])).toThrow(InputError);
    expect(() => validateRetire(cfg, ['k5', 'rhel4', 'k16', 'k27'])).toThrow('refusing to retire every kernel (k5, rhel4, k16, k27): kernels.json must keep at least one');
    const one = parseKernelsConfig(JSON.stringify({ kernels: [{ name: 'only', version: '6.1', build: { kind: 'cc' } }] }));
    expect(() => validateRetire(one, ['only'])).toThrow('refusing to retire the last kernel (only): kernels.json must keep at least one');
    expect(() => validateRetire(cfg, [])).toThrow(InputError);
  });

  it('stops on a series that does not apply, as apply does', () => {
    const broken = series();
    (broken[2] as SeriesPatch).text = (broken[2] as SeriesPatch).text.replace(' line31();', ' nothing_like_it();').replace(' line30();', ' nor_this();').replace(' line32();', ' nor_that();');
    expect(() => planRetire(cfg, ['k5'], DROP, broken)).toThrow(/does not apply/);
  });
});

describe('refreshDiffstat', () => {
  const diff = (file: string, body: string): string => `diff --git a/${file} b/${file}\n--- a/${file}\n+++ b/${file}\n${body}`;
  const one = diff('drv/a.c', '@@ -1,2 +1,3 @@\n a\n+b\n c\n');
  const two = diff('drv/b.c', '@@ -1,2 +1,2 @@\n a\n-x\n+y\n');

  it('updates counts, bars and the summary, and drops the line of a file that left the patch', () => {
    const header = 'Subject: [PATCH] x\n\nWhy.\n---\n drv/a.c |    5 +++++\n drv/b.c |    2 +-\n 2 files changed, 6 insertions(+), 1 deletion(-)\n\n';
    const old = parsePatch(header + one + two, 'p').files;
    const now = parsePatch(header + one, 'p').files;
    expect(refreshDiffstat(header, old, now)).toBe('Subject: [PATCH] x\n\nWhy.\n---\n drv/a.c |    1 +\n 1 file changed, 1 insertion(+)\n\n');
    expect(refreshDiffstat(header, old, parsePatch(header + two, 'p').files)).toBe('Subject: [PATCH] x\n\nWhy.\n---\n drv/b.c |    2 +-\n 1 file changed, 1 insertion(+), 1 deletion(-)\n\n');
  });

  it('leaves a header without a diffstat, or with one it cannot read back exactly, alone', () => {
    const files = parsePatch('x\n---\n' + one, 'p').files;
    expect(refreshDiffstat('Subject: x\n---\n', files, files)).toBe('Subject: x\n---\n');
    const scaled = 'x\n---\n drv/a.c | 120 ++++++++++\n 1 file changed, 120 insertions(+)\n';
    expect(refreshDiffstat(scaled, files, files)).toBe(scaled);
    const other = 'x\n---\n drv/z.c |    1 +\n 1 file changed, 1 insertion(+)\n';
    expect(refreshDiffstat(other, files, files)).toBe(other);
  });
});

describe('kernels.json text edits', () => {
  const sample = readFileSync(path.join(REPO, 'kernels.json'), 'utf8');

  it('removes entries keeping every other line byte for byte', () => {
    const out = removeKernelsFromText(sample, ['sles9', 'rhel4']);
    const kept = sample.split('\n').filter((l, i, all) => {
      const entryStart = all.findIndex((x) => x.includes('"name": "sles10"'));
      const first = all.findIndex((x) => x.includes('"name": "sles9"'));
      return i < first || i >= entryStart;
    });
    expect(out).toBe(kept.join('\n'));
    expect(parseKernelsConfig(out).kernels.map((k) => k.name)).toEqual(['sles10', 'rhel5', 'upstream']);
    const last = removeKernelsFromText(sample, ['upstream']);
    expect(parseKernelsConfig(last).kernels.map((k) => k.name)).toEqual(['sles9', 'rhel4', 'sles10', 'rhel5']);
    expect(last).toMatch(/"kernels\/rhel5\/include", "kernels\/common\/include"\] \} \}\n {2}\]\n\}\n$/);
  });

  it('appends an entry written like the others, and the result parses', () => {
    const out = appendKernelToText(sample, { name: 'sles11', version: '2.6.32', defines: { SLE_VERSION_CODE: 'SLE_VERSION(11,1,0)' }, build: { kind: 'cc', include: ['kernels/sles11/include'] } });
    expect(out.startsWith(sample.slice(0, sample.lastIndexOf(' }') + 2))).toBe(true);
    expect(out).toContain(',\n    { "name": "sles11", "version": "2.6.32",\n      "defines": { "SLE_VERSION_CODE": "SLE_VERSION(11,1,0)" },\n      "build": { "kind": "cc", "include": ["kernels/sles11/include"] } }\n  ]\n}\n');
    expect(parseKernelsConfig(out).kernels.map((k) => k.name)).toEqual(['sles9', 'rhel4', 'sles10', 'rhel5', 'upstream', 'sles11']);
  });

  it('works on compact and on 2-space JSON, and names bad JSON with its line', () => {
    const compact = '{"kernels":[{"name":"a","version":"6.1","build":{"kind":"cc"}},{"name":"b","version":"6.12","build":{"kind":"cc"}}]}';
    expect(JSON.parse(removeKernelsFromText(compact, ['a']))).toEqual({ kernels: [{ name: 'b', version: '6.12', build: { kind: 'cc' } }] });
    expect(JSON.parse(appendKernelToText(compact, { name: 'c', version: '6.6', build: { kind: 'cc', include: [] } })).kernels).toHaveLength(3);
    const pretty = JSON.stringify(JSON.parse(compact), null, 2) + '\n';
    const removed = removeKernelsFromText(pretty, ['b']);
    expect(JSON.parse(removed).kernels.map((k: { name: string }) => k.name)).toEqual(['a']);
    expect(removed.endsWith('\n')).toBe(true);
    expect(() => removeKernelsFromText('{\n  "kernels": [\n', ['a'])).toThrow(/^invalid JSON/);
  });
});

describe('retireFromDescription', () => {
  const patch = (kernels: string): string => `Subject: [PATCH] x\n\nKernels: ${kernels}\nWhy: because.\n---\n--- a/f.c\n+++ b/f.c\n@@ -1 +1 @@\n-Kernels: sles9 (2.6.5)\n+Kernels: sles9 (2.6.5), x\n`;
  it('takes retired kernels out of the Kernels: line of the header only', () => {
    const out = retireFromDescription(patch('sles9 (2.6.5), rhel4 (2.6.9), sles10 (2.6.16)'), ['sles9', 'rhel4']);
    expect(out).toBe(patch('sles10 (2.6.16)'));
    expect(out).toContain('\n-Kernels: sles9 (2.6.5)\n+Kernels: sles9 (2.6.5), x\n');
  });
  it('leaves a line without retired kernels byte for byte, and says so when none is left', () => {
    const text = patch('sles10 (2.6.16),  rhel5');
    expect(retireFromDescription(text, ['sles9'])).toBe(text);
    expect(retireFromDescription(patch('sles9 (2.6.5), rhel4'), ['sles9', 'rhel4'])).toContain('Kernels: none left (retired: sles9 (2.6.5), rhel4)\n');
  });
});

describe('withoutBlankLines (how a retire plan compares a kernel\'s views)', () => {
  it('drops blank lines and line terminators as splitting into lines, filtering and joining does', () => {
    const byLines = (t: string): string => splitLinesKeepEnds(t).filter((l) => l.trim() !== '').map((l) => l.replace(/\r?\n$/, '')).join('\n');
    expect(withoutBlankLines('a\r\n\n  \t\r\nb\n\r')).toBe('a\nb');
    expect(withoutBlankLines('x\r')).toBe('x\r');
    expect(withoutBlankLines('\n\n')).toBe('');
    fc.assert(fc.property(fc.array(fc.constantFrom('a', ' ', '\t', '\r', '\n', '\u00a0', '#if X', '\f')).map((p) => p.join('')), (t) => {
      expect(withoutBlankLines(t)).toBe(byLines(t));
    }), { numRuns: 3000 });
  });
});
