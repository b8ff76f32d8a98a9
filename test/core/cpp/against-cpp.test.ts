/**
 * Differential test against the real C preprocessor: thousands of generated `#if` expressions
 * and `#elif` chains over generated macro sets (function-like, nested, self-referential,
 * pasting, `defined` in bodies), run through `cpp -P` in batches and through our engine.
 * For every case the branch taken (or "none") and whether the compiler reports an error must
 * agree; for every expression we evaluate without error, a second case checks with cpp that
 * `(E) == V` and that the signedness of E is ours.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createEnv, parseMacroDefinition, type CppEnv } from '../../../src/core/cpp/env.js';
import { evaluateExpression } from '../../../src/core/cpp/eval.js';
import { resolveConditionals } from '../../../src/core/cpp/resolve.js';
import { scanDirectives } from '../../../src/core/cpp/scan.js';
import { ExprGen, genMacroSet, literalOf, Rng, type MacroSet } from './gen.js';

const hasCpp = spawnSync('cpp', ['--version']).status === 0;

interface CppRun {
  /** Markers printed: `m_<case>_<branch>`. */
  printed: Map<number, number>;
  /** Lines (1-based) with an error. */
  errorLines: Set<number>;
}

function runCpp(input: string): CppRun {
  const r = spawnSync('cpp', ['-P', '-std=gnu17', '-'], { input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw r.error;
  const printed = new Map<number, number>();
  for (const m of r.stdout.matchAll(/\bm_(\d+)_(\d+)\b/g)) printed.set(Number(m[1]), Number(m[2]));
  // An error inside a macro body is reported at the #define, followed by notes
  // "in expansion of macro" pointing at the use: the case's line is the largest of them.
  const errorLines = new Set<number>();
  let current: number | undefined;
  const flush = (): void => {
    if (current !== undefined) errorLines.add(current);
    current = undefined;
  };
  for (const m of r.stderr.matchAll(/^<stdin>:(\d+)(?::\d+)?: (fatal error|error|warning|note):/gm)) {
    const line = Number(m[1]);
    if (m[2] === 'note') {
      if (current !== undefined) current = Math.max(current, line);
      continue;
    }
    flush();
    if (m[2] !== 'warning') current = line;
  }
  flush();
  return { printed, errorLines };
}

/** A condition: `kw` '' for #if/#elif, 'def' / 'ndef' for #ifdef/#elifdef, #ifndef/#elifndef. */
interface Cond {
  kw: '' | 'def' | 'ndef';
  text: string;
}

interface Case {
  id: number;
  conditions: Cond[];
  hasElse: boolean;
  /** For value checks: the branch we must see. */
  mustTake?: number;
}

function caseText(c: Case): string {
  const lines: string[] = [];
  c.conditions.forEach((cond, b) => {
    lines.push(`${b === 0 ? '#if' : '#elif'}${cond.kw} ${cond.text}`, `m_${c.id}_${b}`);
  });
  if (c.hasElse) lines.push('#else', `m_${c.id}_${c.conditions.length}`);
  lines.push('#endif');
  return lines.join('\n') + '\n';
}

interface Outcome {
  taken: number | 'none';
  error: boolean;
}

/** Run one batch: the macro set's #defines, then every case; compare per case. */
function compareBatch(set: MacroSet, env: CppEnv, cases: Case[]): { compared: number; errors: number; mismatches: string[] } {
  const head = set.defines.map((d) => `#define ${d}\n`).join('');
  const text = head + cases.map(caseText).join('');
  const report = scanDirectives(text, '<stdin>');
  const resolved = resolveConditionals(report, env);
  const cpp = runCpp(text);
  const mismatches: string[] = [];
  let errors = 0;
  report.groups.forEach((g, i) => {
    const c = cases[i] as Case;
    const res = resolved[i];
    const ours: Outcome = { taken: 'none', error: false };
    if (res) {
      ours.error = res.branches.some((b) => b.error !== undefined && b.evaluated === 'yes');
      if (typeof res.taken === 'number') ours.taken = res.taken;
      else if (res.taken !== 'none' && !ours.error) throw new Error(`case ${c.id}: closed world gave ${res.taken}`);
    }
    let cppError = false;
    for (let l = g.branches[0]?.directive.line ?? 0; l <= g.end.line; l++) if (cpp.errorLines.has(l)) cppError = true;
    const theirs: Outcome = { taken: cpp.printed.get(c.id) ?? 'none', error: cppError };
    if (cppError) errors++;
    const same = ours.error === theirs.error && (ours.error || ours.taken === theirs.taken);
    const expected = c.mustTake === undefined || ours.error || ours.taken === c.mustTake;
    if (!same || !expected) {
      const why = res?.branches.map((b) => b.error?.message).filter(Boolean).join('; ');
      mismatches.push(`${caseText(c)}  ours=${JSON.stringify(ours)} ${why ?? ''} cpp=${JSON.stringify(theirs)}`);
    }
  });
  return { compared: report.groups.length, errors, mismatches };
}

const BATCHES = 40;
const EXPRESSIONS_PER_BATCH = 150;
const CHAINS_PER_BATCH = 50;

describe('#if evaluation against cpp', () => {
  it.skipIf(!hasCpp)(`agrees with cpp -P on ${BATCHES * (EXPRESSIONS_PER_BATCH + CHAINS_PER_BATCH)} generated conditionals (plus value checks)`, () => {
    let compared = 0;
    let cppErrors = 0;
    const mismatches: string[] = [];
    for (let batch = 0; batch < BATCHES; batch++) {
      const r = new Rng(0x5eed0000 + batch);
      const set = genMacroSet(r);
      const env = createEnv({ macros: set.defines.map((d) => parseMacroDefinition(d)), closedWorld: true });
      const gen = new ExprGen(r, set, []);
      const cases: Case[] = [];
      const valueCases: Case[] = [];
      for (let k = 0; k < EXPRESSIONS_PER_BATCH; k++) {
        const e = gen.expr(4);
        cases.push({ id: cases.length, conditions: [{ kw: '', text: e }], hasElse: true });
        try {
          const v = evaluateExpression(e, env, { file: '<expr>' });
          if (v.value !== undefined && v.unsigned !== undefined) {
            valueCases.push({
              id: 0,
              conditions: [{ kw: '', text: `(${e}) == ${literalOf(v.value, v.unsigned)} && (0 * (${e}) - 1 < 0) == ${v.unsigned ? 0 : 1}` }],
              hasElse: true,
              mustTake: 0,
            });
          }
        } catch {
          // cpp must report an error too: the case above checks that.
        }
      }
      for (const v of valueCases) cases.push({ ...v, id: cases.length });
      for (let k = 0; k < CHAINS_PER_BATCH; k++) {
        const n = 1 + r.int(4);
        const conditions: Cond[] = [];
        for (let b = 0; b < n; b++) {
          if (r.chance(0.15)) conditions.push({ kw: r.pick(['def', 'ndef'] as const), text: gen.name() });
          else conditions.push({ kw: '', text: r.chance(0.4) ? gen.atom() : gen.expr(3) });
        }
        cases.push({ id: cases.length, conditions, hasElse: r.chance(0.6) });
      }
      const run = compareBatch(set, env, cases);
      compared += run.compared;
      cppErrors += run.errors;
      mismatches.push(...run.mismatches);
    }
    console.log(`cpp differential: ${compared} conditionals compared (${BATCHES * EXPRESSIONS_PER_BATCH} expressions, ${compared - BATCHES * (EXPRESSIONS_PER_BATCH + CHAINS_PER_BATCH)} value and type checks, ${BATCHES * CHAINS_PER_BATCH} #elif chains), ${cppErrors} of them errors in cpp too`);
    expect(mismatches.slice(0, 10)).toEqual([]);
    expect(compared).toBeGreaterThan(BATCHES * (EXPRESSIONS_PER_BATCH + CHAINS_PER_BATCH));
  });

  it.skipIf(!hasCpp)('never claims a known result that some definition of the unknown symbols contradicts', () => {
    // Open world: U1, U2 and F9 are unknown to us (U0 is known to be undefined). Whenever we still
    // say true or false, cpp must say the same whatever U1, U2, F9 are: undefined, or any value
    // of either signedness. Cases where cpp reports an error in a world are left out of that world.
    const WORLD_VALUES = [undefined, '0', '1', '2', '-1', '1u', '0xffffffffffffffff', '(0 - 1)', '64'];
    const unknownNames = ['U1', 'U2', 'F9'];
    let checked = 0;
    let known = 0;
    const mismatches: string[] = [];
    for (let batch = 0; batch < 16; batch++) {
      const r = new Rng(0x7a1e0000 + batch);
      const set = genMacroSet(r);
      const env = createEnv({ macros: set.defines.map((d) => parseMacroDefinition(d)), known: ['U0'] });
      const gen = new ExprGen(r, set, []);
      const cases: { id: number; text: string; truth: 'true' | 'false' }[] = [];
      for (let k = 0; k < 1500; k++) {
        const text = gen.expr(3);
        try {
          const v = evaluateExpression(text, env, { file: '<expr>' });
          if (v.truth !== 'unknown' && v.unknownSymbols.length > 0) cases.push({ id: cases.length, text, truth: v.truth });
        } catch {
          // errors are compared by the closed-world test
        }
      }
      known += cases.length;
      for (let w = 0; w < 6; w++) {
        const world = unknownNames.map((n) => [n, r.pick(WORLD_VALUES)] as const);
        const defs = [...set.defines, ...world.filter(([, v]) => v !== undefined).map(([n, v]) => `${n} ${v as string}`)];
        const src = defs.map((d) => `#define ${d}\n`).join('') + cases.map((c) => `#if ${c.text}\nm_${c.id}_0\n#else\nm_${c.id}_1\n#endif\n`).join('');
        const run = runCpp(src);
        const firstCaseLine = defs.length + 1;
        cases.forEach((c, i) => {
          const line = firstCaseLine + i * 5;
          if ([0, 1, 2, 3, 4].some((d) => run.errorLines.has(line + d))) return;
          checked++;
          const theirs = run.printed.get(c.id) === 0 ? 'true' : 'false';
          if (theirs !== c.truth) mismatches.push(`#if ${c.text}: ours ${c.truth}, cpp ${theirs} with ${JSON.stringify(world)}`);
        });
      }
    }
    console.log(`three-valued soundness: ${known} expressions known despite unknown symbols, ${checked} world evaluations by cpp`);
    expect(mismatches.slice(0, 10)).toEqual([]);
    expect(known).toBeGreaterThan(300);
  });
});
