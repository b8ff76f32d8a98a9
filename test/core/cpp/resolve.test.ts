// resolveConditionals keeps what it evaluated (per environment, by condition text) and what it
// resolved (per scanned file and environment): the results must stay those of a fresh evaluation.
import { describe, expect, it } from 'vitest';
import { createEnv, parseMacroDefinition } from '../../../src/core/cpp/env.js';
import { evaluateDirective } from '../../../src/core/cpp/eval.js';
import { resolveConditionals } from '../../../src/core/cpp/resolve.js';
import { scanDirectives } from '../../../src/core/cpp/scan.js';

const envOf = (version: number) => createEnv({
  macros: [`LINUX_VERSION_CODE ${version}`, 'KERNEL_VERSION(a,b,c) (((a) << 16) + ((b) << 8) + (c))', 'ZERO 0'].map((d) => parseMacroDefinition(d)),
});
const lines = (...l: string[]): string => l.map((x) => `${x}\n`).join('');
const OLD = envOf(0x020609);
const NEW = envOf(0x02061b);

describe('resolveConditionals', () => {
  it('gives each environment its own truth for the same condition text, in every file', () => {
    const text = lines('#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)', 'a', '#else', 'b', '#endif');
    const files = ['a.c', 'b.c', 'c.c'].map((f) => scanDirectives(text, f));
    for (const report of files) {
      expect(resolveConditionals(report, OLD)[0]?.taken).toBe(0);
      expect(resolveConditionals(report, NEW)[0]?.taken).toBe(1);
    }
    // The same condition with a comment after it (blanked by the scanner) is the same condition.
    const annotated = scanDirectives(lines('#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10) /* pvpatch: blk/x */', 'a', '#endif'), 'd.c');
    expect(resolveConditionals(annotated, NEW)[0]?.taken).toBe('none');
  });

  it('names the place of a failing condition wherever it recurs', () => {
    const bad = '#if 1 / ZERO';
    const first = scanDirectives(lines(bad, 'a', '#endif'), 'one.c');
    const second = scanDirectives(lines('', '', bad, 'a', '#endif'), 'two.c');
    expect(resolveConditionals(first, OLD)[0]?.branches[0]?.error?.describe()).toMatch(/^one\.c:1:\d+: division by zero in #if/);
    expect(resolveConditionals(second, OLD)[0]?.branches[0]?.error?.describe()).toMatch(/^two\.c:3:\d+: division by zero in #if/);
  });

  it('agrees with a fresh evaluation of every branch, asked twice', () => {
    const text = lines(
      '#ifdef ZERO', 'a', '#endif',
      '#if LINUX_VERSION_CODE >= KERNEL_VERSION(2,6,18)', 'b', '#elif ZERO', 'c', '#else', 'd', '#endif',
      '#ifndef UNDEFINED_HERE', 'e', '#endif',
    );
    const report = scanDirectives(text, 'x.c');
    for (const env of [OLD, NEW, OLD]) {
      const res = resolveConditionals(report, env);
      report.groups.forEach((g, gi) => g.branches.forEach((b, bi) => {
        const got = res[gi]?.branches[bi];
        if (got?.evaluated === 'no') return;
        expect(got?.truth).toBe(evaluateDirective(b.directive, env, 'x.c').truth);
      }));
    }
    expect(resolveConditionals(report, OLD).map((r) => r.taken)).toEqual([0, 2, 'unknown']);
    expect(resolveConditionals(report, NEW).map((r) => r.taken)).toEqual([0, 0, 'unknown']);
  });
});
