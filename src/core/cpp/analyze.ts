/**
 * Guard analysis for `check`: every conditional group of a file resolved for every kernel of the
 * matrix, and what is suspicious about it — branches no kernel takes, branches every kernel
 * takes, guards on symbols nobody defines, calls of function-like macros some kernel lacks
 * (gcc rejects those even in the short-circuited side of `||`), octal literals, versions
 * outside the supported kernels, and conditions that fail to evaluate.
 */
import type { KernelsConfig } from '../config.js';
import { formatKernelVersion } from '../kernel-version.js';
import { kernelEnv, type CppEnv, type KernelEnvOptions } from './env.js';
import { UndefinedMacroCallError } from './expr.js';
import { lexLine, type Token } from './lex.js';
import { resolveConditionals, type GroupResolution } from './resolve.js';
import { scanDirectives, type CondGroup, type ScanReport } from './scan.js';

/** One column of the matrix. */
export interface KernelUnderTest {
  name: string;
  env: CppEnv;
}

/** What one kernel's compiler does with a group. */
export interface GuardOutcome {
  kernel: string;
  /** Branch index taken; 'none' (all false, no #else); 'unknown'; 'unreached' (inside a dead branch). */
  taken: GroupResolution['taken'];
  /** Conditions that fail: `sure` when the compiler surely evaluates them (the build breaks). */
  errors: { branch: number; message: string; sure: boolean }[];
}

export type GuardFinding = {
  line: number;
  severity: 'error' | 'warning';
  message: string;
} & (
  | { kind: 'dead-branch'; branch: number }
  | { kind: 'always-taken'; branch: number }
  | { kind: 'unknown-symbols'; symbols: string[] }
  | { kind: 'undefined-function-macro'; name: string; kernels: string[] }
  | { kind: 'undefined-identifier'; name: string; kernels: string[] }
  | { kind: 'octal-literal'; literal: string; invalid: boolean }
  | { kind: 'version-out-of-range'; version: string; code: number; side: 'below' | 'above' }
  | { kind: 'error'; branch: number; kernels: string[]; sure: boolean }
);

export interface GuardAnalysis {
  group: number;
  /** `#ifndef X` + `#define X` around a header: never reported as a guard on an unknown symbol. */
  includeGuard: boolean;
  /** Lines of the opening directive and of the #endif. */
  line: number;
  endLine: number;
  branches: { line: number; kind: string; condition: string; takenBy: string[] }[];
  outcomes: GuardOutcome[];
  findings: GuardFinding[];
}

/** The supported range of LINUX_VERSION_CODE, for version-out-of-range findings. */
export interface VersionRange {
  min: number;
  max: number;
}

function isOp(t: Token | undefined, text: string): boolean {
  return t !== undefined && t.kind === 'punct' && t.text === text;
}

function codeName(code: number): string {
  return formatKernelVersion({ major: Math.floor(code / 65536), minor: Math.floor(code / 256) % 256, patch: code % 256 });
}

/** Static findings in one condition's tokens: calls, octal literals, KERNEL_VERSION literals. */
function lexicalFindings(tokens: Token[], line: number, kernels: KernelUnderTest[], range: VersionRange | undefined): GuardFinding[] {
  const out: GuardFinding[] = [];
  const seenCalls = new Set<string>();
  let callDepth = 0;
  const parenStack: boolean[] = [];
  tokens.forEach((t, i) => {
    const next = tokens[i + 1];
    if (isOp(t, '(')) {
      const prev = tokens[i - 1];
      const isCall = prev?.kind === 'ident' && prev.text !== 'defined';
      parenStack.push(isCall);
      if (isCall) callDepth++;
    } else if (isOp(t, ')')) {
      if (parenStack.pop()) callDepth--;
    }
    if (t.kind === 'ident' && isOp(next, '(') && t.text !== 'defined' && !t.text.startsWith('__has_') && !seenCalls.has(t.text)) {
      seenCalls.add(t.text);
      const lacking = kernels.filter((k) => k.env.macros.get(t.text)?.params === undefined).map((k) => k.name);
      if (lacking.length > 0) {
        out.push({
          kind: 'undefined-function-macro', name: t.text, kernels: lacking, line, severity: 'error',
          message: `${t.text}(...) is not a function-like macro for ${lacking.join(', ')}: gcc rejects the line there, even where && or || skips the call`,
        });
      }
    }
    if (t.kind === 'number' && /^0[0-9]+[uUlL]*$/.test(t.text)) {
      const invalid = /[89]/.test(t.text);
      if (invalid || callDepth > 0) {
        out.push({
          kind: 'octal-literal', literal: t.text, invalid, line, severity: invalid ? 'error' : 'warning',
          message: invalid
            ? `${t.text} is not a valid octal constant: gcc rejects it and unifdef misreads it`
            : `${t.text} is octal (${parseInt(t.text, 8)}) in a macro argument: a version field written with a leading zero?`,
        });
      }
    }
    if (range && t.kind === 'ident' && t.text === 'KERNEL_VERSION' && isOp(next, '(')) {
      const a = tokens.slice(i + 2, i + 7);
      const nums = [a[0], a[2], a[4]];
      if (isOp(a[1], ',') && isOp(a[3], ',') && isOp(tokens[i + 7], ')') && nums.every((x) => x?.kind === 'number' && /^\d+$/.test(x.text))) {
        const [x, y, z] = nums.map((x) => Number((x as Token).text)) as [number, number, number];
        const code = x * 65536 + y * 256 + z;
        const version = `${x}.${y}.${z}`;
        if (code < range.min) {
          out.push({ kind: 'version-out-of-range', version, code, side: 'below', line, severity: 'warning', message: `KERNEL_VERSION(${x},${y},${z}) is older than the oldest supported kernel (${codeName(range.min)})` });
        } else if (code > range.max) {
          out.push({ kind: 'version-out-of-range', version, code, side: 'above', line, severity: 'warning', message: `KERNEL_VERSION(${x},${y},${z}) is newer than the newest supported kernel (${codeName(range.max)})` });
        }
      }
    }
  });
  return out;
}

/** `#ifndef X` (or `#if !defined(X)`) at top level, one branch, with `#define X` as the next directive. */
export function isIncludeGuard(report: ScanReport, g: CondGroup): boolean {
  const open = g.branches[0]?.directive;
  if (!open || g.parent !== undefined || g.branches.length !== 1) return false;
  const toks = lexLine(open.text);
  let name: string | undefined;
  if (open.kind === 'ifndef' && toks[0]?.kind === 'ident') name = toks[0].text;
  if (open.kind === 'if') {
    const m = /^\s*!\s*defined\s*(?:\(\s*([A-Za-z_$][\w$]*)\s*\)|\s([A-Za-z_$][\w$]*))\s*$/.exec(open.text);
    name = m?.[1] ?? m?.[2];
  }
  const next = report.directives[report.directives.indexOf(open) + 1];
  return name !== undefined && next?.kind === 'other' && next.name === 'define' && lexLine(next.text)[0]?.text === name;
}

function analyzeGroup(report: ScanReport, g: CondGroup, perKernel: readonly (readonly GroupResolution[])[], kernels: KernelUnderTest[], range: VersionRange | undefined): GuardAnalysis {
  const includeGuard = isIncludeGuard(report, g);
  const outcomes: GuardOutcome[] = kernels.map((k, ki) => {
    const res = perKernel[ki]?.[g.index] as GroupResolution;
    const errors: GuardOutcome['errors'] = [];
    res.branches.forEach((b, branch) => {
      if (b.error) errors.push({ branch, message: b.error.message, sure: b.evaluated === 'yes' });
    });
    return { kernel: k.name, taken: res.taken, errors };
  });
  const branches = g.branches.map((b, i) => ({
    line: b.directive.line,
    kind: b.directive.kind,
    condition: b.directive.text.trim(),
    takenBy: outcomes.filter((o) => o.taken === i).map((o) => o.kernel),
  }));
  const findings: GuardFinding[] = [];
  const reaching = outcomes.filter((o) => o.taken !== 'unreached');
  const decided = reaching.length > 0 && reaching.every((o) => o.taken !== 'unknown' && o.errors.length === 0);
  if (decided) {
    const first = reaching[0]?.taken;
    const all = typeof first === 'number' && reaching.every((o) => o.taken === first);
    branches.forEach((b, i) => {
      if (b.takenBy.length === 0) {
        findings.push({ kind: 'dead-branch', branch: i, line: b.line, severity: 'warning', message: `no supported kernel takes this #${b.kind} branch` });
      }
    });
    if (all && (g.branches.length > 1 || first === 0)) {
      const b = branches[first] as (typeof branches)[number];
      findings.push({ kind: 'always-taken', branch: first, line: b.line, severity: 'warning', message: `every supported kernel takes this #${b.kind} branch: the guard is redundant` });
    }
  }
  const unknown = new Set<string>();
  const undefinedBy = new Map<string, Set<string>>();
  kernels.forEach((k, ki) => {
    const res = perKernel[ki]?.[g.index];
    for (const b of res?.branches ?? []) {
      for (const s of b.result?.unknownSymbols ?? []) unknown.add(s);
      for (const s of b.result?.undefinedIdentifiers ?? []) {
        const set = undefinedBy.get(s) ?? new Set<string>();
        set.add(k.name);
        undefinedBy.set(s, set);
      }
    }
  });
  if (unknown.size > 0 && !includeGuard) {
    const symbols = [...unknown].sort();
    findings.push({ kind: 'unknown-symbols', symbols, line: g.branches[0]?.directive.line ?? 0, severity: 'warning', message: `the guard depends on symbols no kernel in kernels.json defines: ${symbols.join(', ')}` });
  }
  for (const [name, set] of undefinedBy) {
    const ks = [...set];
    findings.push({ kind: 'undefined-identifier', name, kernels: ks, line: g.branches[0]?.directive.line ?? 0, severity: 'warning', message: `"${name}" is not defined for ${ks.join(', ')} and evaluates to 0 there (a misspelling, or a missing defined() test?)` });
  }
  const calls = new Set<string>();
  for (const b of g.branches) {
    if (b.directive.kind !== 'if' && b.directive.kind !== 'elif') continue;
    for (const f of lexicalFindings(lexLine(b.directive.text), b.directive.line, kernels, range)) {
      if (f.kind === 'undefined-function-macro') calls.add(f.name);
      findings.push(f);
    }
  }
  g.branches.forEach((b, branch) => {
    const byMessage = new Map<string, { kernels: string[]; sure: boolean }>();
    kernels.forEach((k, ki) => {
      const br = perKernel[ki]?.[g.index]?.branches[branch];
      const e = br?.error;
      if (!e || (e instanceof UndefinedMacroCallError && calls.has(e.macro))) return;
      const entry = byMessage.get(e.message) ?? { kernels: [], sure: false };
      entry.kernels.push(k.name);
      entry.sure ||= br.evaluated === 'yes';
      byMessage.set(e.message, entry);
    });
    for (const [message, { kernels: ks, sure }] of byMessage) {
      findings.push({ kind: 'error', branch, kernels: ks, sure, line: b.directive.line, severity: sure ? 'error' : 'warning', message: `${message} (${ks.join(', ')}${sure ? '' : ', under an unknown condition'})` });
    }
  });
  return { group: g.index, includeGuard, line: g.branches[0]?.directive.line ?? 0, endLine: g.end.line, branches, outcomes, findings };
}

/**
 * Analyze every conditional group of a scanned file over `kernels` (in report.groups order).
 * Findings: `dead-branch` (no kernel takes the branch, all decided), `always-taken` (every kernel
 * that reaches the group takes the same branch; for an #if without #else, the #if branch),
 * `unknown-symbols` (not for include guards), `undefined-identifier` (-Wundef: known elsewhere, 0 here), the lexical
 * `undefined-function-macro` (NAME(...) where NAME is not function-like for some kernel, even
 * in a branch the compiler skips), `octal-literal` (an 8 or 9 after a leading zero; or any octal
 * in a macro argument), `version-out-of-range` (KERNEL_VERSION(a,b,c) with literals outside
 * `range`), `error` (a condition that fails, grouped by message; `sure` when some kernel surely
 * evaluates it). Groups no kernel reaches get no dead/always findings. Never throws for a bad
 * condition.
 */
export function analyzeGuards(report: ScanReport, kernels: KernelUnderTest[], range?: VersionRange): GuardAnalysis[] {
  const perKernel = kernels.map((k) => resolveConditionals(report, k.env));
  return report.groups.map((g) => analyzeGroup(report, g, perKernel, kernels, range));
}

/**
 * Scan and analyze a file against every kernel of `config` (environments from kernelEnv with
 * `options`; range: the oldest to the newest kernel). Throws CppError for an unbalanced file.
 */
export function analyzeFile(text: string, file: string, config: KernelsConfig, options: KernelEnvOptions = {}): GuardAnalysis[] {
  const report = scanDirectives(text, file);
  const kernels = config.kernels.map((k) => ({ name: k.name, env: kernelEnv(config, k, options) }));
  const codes = config.kernels.map((k) => k.code);
  const range = codes.length > 0 ? { min: Math.min(...codes), max: Math.max(...codes) } : undefined;
  return analyzeGuards(report, kernels, range);
}
