/**
 * `pvpatch check`: a lint of an annotated tree against kernels.json (pure).
 *
 * Per file, every conditional is resolved for every kernel by the cpp engine (analyzeGuards);
 * this module turns that into findings users act on, with a severity, `file:line` and the patch
 * that put the guard there:
 *   - unbalanced directives (error);
 *   - guards constant over the kernels: taken by every kernel (unwrap it) or by none (dead code),
 *     naming the kernels; single dead branches of a guard that is not constant;
 *   - guards on symbols no kernel defines (pvpatch cannot decide them, and says so);
 *   - the traps real compat code falls into: a function-like macro some kernel lacks (gcc rejects
 *     the line even where `&&`/`||` skips the call), octal literals with an 8 or 9 (`031418`),
 *     a misspelled macro that gcc silently reads as 0 (what -Wundef catches), a macro known to
 *     other kernels used without `defined()`;
 *   - KERNEL_VERSION literals outside the supported range;
 *   - duplicate guards of different patches (nested or back to back), and overlapping ones
 *     (one conditional whose directives come from two patches; a later patch editing inside an
 *     earlier patch's guard, when line origins are known);
 *   - kernels that see exactly the same code as another kernel in every file (a matrix row that
 *     tests no guard the other does not).
 * Guards a patch introduced get warnings; the same findings on upstream conditionals are notes,
 * except the traps, which break the build whoever wrote the line.
 */
import type { KernelsConfig, KernelEntry } from './config.js';
import { CppError } from './errors.js';
import { annotationOf, patchLabel } from './annotate.js';
import { analyzeGuards, isIncludeGuard, type GuardAnalysis, type GuardFinding, type KernelUnderTest } from './cpp/analyze.js';
import { kernelEnv, type CppEnv } from './cpp/env.js';
import { resolveConditionals } from './cpp/resolve.js';
import { scanDirectives, type CondGroup, type ScanReport } from './cpp/scan.js';

export type Severity = 'error' | 'warning' | 'note';

export type CheckKind =
  | 'unbalanced'
  | 'constant-guard'
  | 'dead-branch'
  | 'unknown-symbols'
  | 'misspelled-macro'
  | 'undefined-identifier'
  | 'undefined-function-macro'
  | 'unverified-function-macro'
  | 'octal-literal'
  | 'version-out-of-range'
  | 'condition-error'
  | 'duplicate-guard'
  | 'overlapping-guards'
  | 'identical-kernels';

export interface CheckFinding {
  file: string;
  line: number;
  severity: Severity;
  kind: CheckKind;
  message: string;
  /** The patch whose guard it is (label without .patch); undefined for upstream code and kernels.json. */
  patch?: string;
  /** The kernels the finding is about, when it is about some. */
  kernels?: string[];
}

export interface CheckReport {
  kernels: string[];
  files: number;
  /** Every conditional group of every file. */
  conditionals: number;
  /** The groups a patch introduced. */
  guards: number;
  /** Groups pvpatch cannot decide for at least one kernel (unknown symbols, failing conditions). */
  undecided: number;
  findings: CheckFinding[];
  counts: Record<Severity, number>;
  /** What the check could not look at, said once (e.g. edits inside guards without line origins). */
  limits: string[];
}

export interface CheckInput {
  /** Path → text of the (annotated) tree; files that are not C sources are skipped. */
  files: ReadonlyMap<string, string>;
  config: KernelsConfig;
  /** Per file, the series name of the patch that introduced each line (null: upstream), when known. */
  origins?: ReadonlyMap<string, readonly (string | null)[]>;
  /** Guards by opening line, for trees without annotations (the manifest's regions). */
  regions?: readonly { file: string; startLine: number; patch: string }[];
  /** The series in order (names or labels), to tell earlier patches from later ones. */
  series?: readonly string[];
  /** The line of a kernel's entry in kernels.json, for findings about kernels. */
  kernelLine?: (name: string) => number | undefined;
}

/** C sources and headers: the files whose conditionals pvpatch reads. */
export function isCSource(file: string): boolean {
  return /\.(c|h|S|inc)$/.test(file);
}

/** "a, b, c" (at most `max` names, then "and N more"). */
export function kernelList(names: readonly string[], max = 8): string {
  if (names.length <= max) return names.join(', ');
  return `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

/** The condition of a group's opening directive in one normal form (#ifdef X → defined(X)). */
function normalCondition(report: ScanReport, g: CondGroup): string {
  const d = g.branches[0]?.directive;
  if (!d) return '';
  const text = d.text.replace(/\s+/g, '');
  if (d.kind === 'ifdef') return `defined(${text})`;
  if (d.kind === 'ifndef') return `!defined(${text})`;
  return text.replace(/defined([A-Za-z_$][\w$]*)/g, 'defined($1)');
}

function branchName(g: CondGroup, i: number): string {
  const d = g.branches[i]?.directive;
  if (!d) return '#endif';
  return i === 0 ? `#${d.name}` : `#${d.name} at line ${d.line}`;
}

/** Optimal string alignment distance (Damerau-Levenshtein with adjacent transpositions), capped. */
export function editDistance(a: string, b: string, cap = 3): number {
  if (Math.abs(a.length - b.length) > cap) return cap + 1;
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const prev = rows[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      row.push(v);
    }
    rows.push(row);
  }
  return Math.min((rows[a.length] as number[])[b.length] as number, cap + 1);
}

/** Every name kernels.json gives a meaning to (the candidates a misspelling is measured against). */
function knownNames(config: KernelsConfig): string[] {
  const names = new Set(['LINUX_VERSION_CODE', 'KERNEL_VERSION', 'IS_ENABLED', 'IS_BUILTIN', 'IS_MODULE']);
  for (const m of config.macros) names.add(m.name);
  for (const k of config.kernels) for (const n of Object.keys(k.defines)) if (/^[A-Za-z_]\w*$/.test(n)) names.add(n);
  return [...names];
}

/** The nearest known name to `symbol`, with its distance, if within 2 edits (and not trivially short). */
function nearestKnown(symbol: string, known: readonly string[]): { name: string; distance: number } | undefined {
  if (symbol.length < 5) return undefined;
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const d = editDistance(symbol, name, 2);
    if (d <= 2 && (!best || d < best.distance)) best = { name, distance: d };
  }
  return best;
}

interface FileContext {
  file: string;
  report: ScanReport;
  analyses: GuardAnalysis[];
  /** Patch label per group index (undefined: upstream). */
  labels: (string | undefined)[];
}

function sameRecipe(a: KernelEntry, b: KernelEntry): boolean {
  return JSON.stringify(a.build) === JSON.stringify(b.build);
}

/** The patch label of each group: its opening directive's annotation, else the manifest region, else the line's origin. */
function groupLabels(report: ScanReport, file: string, input: CheckInput): (string | undefined)[] {
  const origins = input.origins?.get(file);
  return report.groups.map((g) => {
    const open = g.branches[0]?.directive;
    if (!open) return undefined;
    const annotated = annotationOf(report.lines[open.line - 1] ?? '');
    if (annotated) return annotated;
    const region = input.regions?.find((r) => r.file === file && r.startLine === open.line);
    if (region) return region.patch;
    const origin = origins?.[open.line - 1];
    return origin ? patchLabel(origin) : undefined;
  });
}

/** Findings on one group from the engine's analysis, reworded for users and given severities. */
function groupFindings(ctx: FileContext, gi: number, config: KernelsConfig, known: readonly string[]): CheckFinding[] {
  const { report, file } = ctx;
  const g = report.groups[gi] as CondGroup;
  const a = ctx.analyses[gi] as GuardAnalysis;
  const patch = ctx.labels[gi];
  const ours = patch !== undefined;
  const soft: Severity = ours ? 'warning' : 'note';
  const out: CheckFinding[] = [];
  const add = (f: Omit<CheckFinding, 'file' | 'patch'>): void => {
    out.push(patch === undefined ? { file, ...f } : { file, patch, ...f });
  };
  const all = config.kernels.map((k) => k.name);
  const reaching = a.outcomes.filter((o) => o.taken !== 'unreached').map((o) => o.kernel);
  const who = (names: string[]): string => {
    if (names.length === all.length) return `every kernel (${kernelList(names)})`;
    const parent = g.parent === undefined ? undefined : report.groups[g.parent];
    const by = parent ? ` (the enclosing conditional at line ${parent.branches[0]?.directive.line ?? '?'} keeps ${kernelList(all.filter((n) => !names.includes(n)))} out)` : '';
    return `every kernel that reaches it, ${kernelList(names)}${by}`;
  };
  const engine = a.findings;
  const always = engine.find((f): f is Extract<GuardFinding, { kind: 'always-taken' }> => f.kind === 'always-taken');
  const dead = engine.filter((f): f is Extract<GuardFinding, { kind: 'dead-branch' }> => f.kind === 'dead-branch');
  const decided = reaching.length > 0 && a.outcomes.every((o) => o.taken !== 'unknown' && o.errors.length === 0);
  if (always) {
    const b = always.branch;
    const message = b === 0
      ? `guard is taken by ${who(reaching)}: ${g.branches.length > 1 ? 'the rest of it is dead code; ' : ''}consider unwrapping`
      : `guard is constant: ${who(reaching)} takes the ${branchName(g, b)}, so the code before it is dead; consider unwrapping that branch`;
    add({ line: a.line, severity: soft, kind: 'constant-guard', message, kernels: reaching });
  } else if (decided && a.outcomes.every((o) => o.taken === 'none' || o.taken === 'unreached')) {
    add({ line: a.line, severity: soft, kind: 'constant-guard', message: `guard is taken by no kernel: ${who(reaching)} skips every branch; dead code, consider removing it`, kernels: reaching });
  } else {
    for (const d of dead) {
      add({ line: d.line, severity: soft, kind: 'dead-branch', message: `no kernel takes the ${branchName(g, d.branch)}: dead code (the others are taken by ${kernelList(reaching)})`, kernels: [] });
    }
  }
  const invalidOctalLines = new Set<number>();
  const misspelled = new Set<string>();
  for (const f of engine) {
    switch (f.kind) {
      case 'undefined-function-macro':
        add({ line: f.line, severity: 'error', kind: 'undefined-function-macro', message: `${f.name}(...) is not a function-like macro for ${kernelList(f.kernels)}: gcc rejects the line there, even on the side of && or || it never evaluates`, kernels: f.kernels });
        break;
      case 'octal-literal':
        if (f.invalid) invalidOctalLines.add(f.line);
        add({ line: f.line, severity: f.invalid ? 'error' : 'warning', kind: 'octal-literal', message: f.invalid ? `${f.literal} has a leading 0, so it is octal, and 8 and 9 are not octal digits: gcc rejects the line (write it without the leading zero)` : f.message });
        break;
      case 'version-out-of-range':
        add({ line: f.line, severity: soft, kind: 'version-out-of-range', message: `${f.message}: no supported kernel is on the other side of it` });
        break;
      case 'undefined-identifier':
        add({ line: f.line, severity: soft, kind: 'undefined-identifier', message: `${f.name} is not defined for ${kernelList(f.kernels)}: gcc reads it as 0 there (what -Wundef warns about); test defined(${f.name}) first if that is meant`, kernels: f.kernels });
        break;
      case 'unknown-symbols': {
        const plain: string[] = [];
        const calls = new Set(engine.flatMap((x) => (x.kind === 'undefined-function-macro' ? [x.name] : [])));
        for (const s of f.symbols) {
          if (calls.has(s)) continue;
          const near = nearestKnown(s, known);
          if (!near) {
            plain.push(s);
            continue;
          }
          misspelled.add(s);
          add({ line: f.line, severity: near.distance === 1 && ours ? 'error' : 'warning', kind: 'misspelled-macro', message: `${s} is defined by no kernel of kernels.json: gcc silently reads it as 0 (-Wundef would warn)${zeroOutcome(report, g, config, s)}; did you mean ${near.name}?` });
        }
        if (plain.length > 0 && ours) {
          add({ line: f.line, severity: 'warning', kind: 'unknown-symbols', message: `guard depends on ${plain.join(', ')}, which no kernel of kernels.json defines: pvpatch cannot tell which branch any kernel takes (declare ${plain.length === 1 ? 'it' : 'them'} in the kernels' "defines", or as "0" where undefined)` });
        }
        break;
      }
      case 'error':
        if (invalidOctalLines.has(f.line) || engine.some((x) => x.kind === 'octal-literal' && x.invalid && x.line === f.line)) break;
        add({ line: f.line, severity: f.sure ? 'error' : 'warning', kind: 'condition-error', message: f.sure ? `the condition fails for ${kernelList(f.kernels)}: ${f.message.replace(/ \([^)]*\)$/, '')}` : `pvpatch cannot evaluate the condition for ${kernelList(f.kernels)} (under a condition it cannot decide): ${f.message.replace(/ \([^)]*\)$/, '')}`, kernels: f.kernels });
        break;
      default:
        break;
    }
  }
  // LINUX_VERSION_CODE against a bare number (0x020610): the engine only reads KERNEL_VERSION(a,b,c) literals.
  const codes = config.kernels.map((k) => k.code);
  for (const b of g.branches) {
    if (b.directive.kind !== 'if' && b.directive.kind !== 'elif') continue;
    const text = b.directive.text;
    const pattern = /\bLINUX_VERSION_CODE\s*(?:<=?|>=?|==|!=)\s*(0[xX][0-9a-fA-F]+|[1-9]\d*)[uUlL]*\b|\b(0[xX][0-9a-fA-F]+|[1-9]\d*)[uUlL]*\s*(?:<=?|>=?|==|!=)\s*LINUX_VERSION_CODE\b/g;
    for (const m of text.matchAll(pattern)) {
      const literal = (m[1] ?? m[2]) as string;
      const value = Number(literal);
      const version = `${Math.floor(value / 65536)}.${Math.floor(value / 256) % 256}.${value % 256}`;
      const side = value < Math.min(...codes) ? 'older than the oldest' : value > Math.max(...codes) ? 'newer than the newest' : undefined;
      if (side) add({ line: b.directive.line, severity: soft, kind: 'version-out-of-range', message: `${literal} (${version}) is ${side} supported kernel: no supported kernel is on the other side of it` });
    }
  }
  // Declared helpers (RHEL_RELEASE_VERSION, SLE_VERSION…) reach gcc only through the cc recipe;
  // a kbuild kernel gets them from its own headers, or not at all.
  const kbuild = config.kernels.filter((k) => k.build.kind === 'kbuild').map((k) => k.name);
  if (kbuild.length > 0) {
    const helpers = new Set(config.macros.filter((m) => m.params.length > 0).map((m) => m.name));
    const called = new Set<string>();
    for (const b of g.branches) {
      if (b.directive.kind !== 'if' && b.directive.kind !== 'elif') continue;
      for (const m of b.directive.text.matchAll(/([A-Za-z_$][\w$]*)\s*\(/g)) if (helpers.has(m[1] as string)) called.add(m[1] as string);
    }
    for (const name of called) {
      add({ line: a.line, severity: 'warning', kind: 'unverified-function-macro', message: `pvpatch cannot tell whether the headers of ${kernelList(kbuild)} define ${name}(): kernels.json declares it, but a kbuild compile only sees the kernel's own headers, and gcc rejects the line where it is missing` });
    }
  }
  return out;
}

/** ", and then <who> takes <branch>" for a guard evaluated with `symbol` (and every unknown) as 0, as gcc does. */
function zeroOutcome(report: ScanReport, g: CondGroup, config: KernelsConfig, _symbol: string): string {
  const byBranch = new Map<string, string[]>();
  for (const k of config.kernels) {
    const env = kernelEnv(config, k, { closedWorld: true });
    let key: string;
    try {
      const taken = resolveConditionals(report, env)[g.index]?.taken;
      key = typeof taken === 'number' ? `the ${branchName(g, taken)} branch` : taken === 'none' ? 'no branch' : 'a branch pvpatch cannot tell';
    } catch (err) {
      if (!(err instanceof CppError)) throw err;
      key = 'an error';
    }
    byBranch.set(key, [...(byBranch.get(key) ?? []), k.name]);
  }
  if (byBranch.size === 1) {
    const [branch] = [...byBranch.keys()];
    return branch === 'no branch' ? ', so no kernel takes any branch' : `, so every kernel takes ${branch}`;
  }
  return `, so ${[...byBranch].map(([b, ks]) => `${kernelList(ks)} take${ks.length === 1 ? 's' : ''} ${b}`).join(', ')}`;
}

/** Two guards of different patches with the same condition, nested or back to back. */
function duplicateFindings(ctx: FileContext): CheckFinding[] {
  const { report, labels, file } = ctx;
  const out: CheckFinding[] = [];
  const conds = report.groups.map((g) => normalCondition(report, g));
  const blankBetween = (from: number, to: number): boolean => {
    for (let l = from; l < to; l++) if ((report.lines[l - 1] ?? '').trim() !== '') return false;
    return true;
  };
  report.groups.forEach((g, i) => {
    const pi = labels[i];
    if (pi === undefined) return;
    for (let j = 0; j < i; j++) {
      const h = report.groups[j] as CondGroup;
      const pj = labels[j];
      if (pj === undefined || pj === pi || conds[j] !== conds[i]) continue;
      const open = g.branches[0]?.directive.line ?? 0;
      const nested = (h.branches[0]?.directive.line ?? 0) < open && open < h.end.line;
      const adjacent = blankBetween(h.end.endLine + 1, open);
      if (!nested && !adjacent) continue;
      out.push({
        file, line: open, severity: 'warning', kind: 'duplicate-guard', patch: pi,
        message: `duplicate guard: ${pj} has the same condition ${nested ? `around it (line ${h.branches[0]?.directive.line})` : `right before it (lines ${h.branches[0]?.directive.line}-${h.end.line})`}; merge the two, or move this code into ${pj}`,
      });
    }
  });
  return out;
}

/** One conditional whose directives come from two patches; a later patch editing inside an earlier patch's guard. */
function overlapFindings(ctx: FileContext, origins: readonly (string | null)[] | undefined, order: ReadonlyMap<string, number>): CheckFinding[] {
  const { report, labels, file } = ctx;
  const out: CheckFinding[] = [];
  report.groups.forEach((g, gi) => {
    const owner = labels[gi];
    if (owner === undefined) return;
    const openLine = g.branches[0]?.directive.line ?? 0;
    for (const d of [...g.branches.slice(1).map((b) => b.directive), g.end]) {
      const other = annotationOf(report.lines[d.line - 1] ?? '') ?? (origins?.[d.line - 1] ? patchLabel(origins[d.line - 1] as string) : undefined);
      if (other !== undefined && other !== owner) {
        out.push({ file, line: d.line, severity: 'warning', kind: 'overlapping-guards', patch: other, message: `this #${d.name} comes from ${other}, the #${g.branches[0]?.directive.name} it belongs to (line ${openLine}) from ${owner}: two patches share one guard; retiring or rebasing one changes the other` });
      }
    }
    if (!origins) return;
    const mine = order.get(owner);
    g.branches.forEach((b) => {
      const inChild = (line: number): boolean => b.children.some((c) => {
        const cg = report.groups[c] as CondGroup;
        return (cg.branches[0]?.directive.line ?? 0) <= line && line <= cg.end.endLine && labels[c] !== undefined && labels[c] !== owner;
      });
      let run: { from: number; to: number; patch: string } | undefined;
      const flush = (): void => {
        if (!run) return;
        out.push({ file, line: run.from, severity: 'warning', kind: 'overlapping-guards', patch: run.patch, message: `${run.from === run.to ? `line ${run.from}` : `lines ${run.from}-${run.to}`} of ${run.patch} change code inside the guard of ${owner} (line ${openLine}) without a guard of their own: the two patches overlap; retiring or rebasing one touches the other` });
        run = undefined;
      };
      for (let line = b.firstLine; line <= b.lastLine; line++) {
        const o = origins[line - 1];
        const label = o ? patchLabel(o) : undefined;
        const later = label !== undefined && label !== owner && mine !== undefined && (order.get(label) ?? -1) > mine && !inChild(line);
        if (later && run && run.patch === label && run.to === line - 1) run.to = line;
        else {
          flush();
          if (later) run = { from: line, to: line, patch: label };
        }
      }
      flush();
    });
  });
  return out;
}

/**
 * Per kernel, a key that determines its view of every file (for each conditional: the branch
 * taken and each condition's truth, from which viewReport makes the view), and how many
 * conditionals stay undecided (include guards aside). Kernels with equal keys see the same
 * code. A failing condition counts as undecided; an unbalanced file is the same for all.
 */
export function kernelViews(files: ReadonlyMap<string, string>, config: KernelsConfig, envs?: ReadonlyMap<string, CppEnv>): Map<string, { key: string; undecided: number }> {
  const views = new KernelViews(config.kernels.map((k) => envs?.get(k.name) ?? kernelEnv(config, k)));
  for (const [file, text] of files) {
    if (!isCSource(file)) continue;
    let report: ScanReport;
    try {
      report = scanDirectives(text, file);
    } catch (err) {
      if (!(err instanceof CppError)) throw err;
      continue;
    }
    views.add(report);
  }
  return new Map(config.kernels.map((k, i) => [k.name, views.view(i)]));
}

/**
 * kernelViews made file by file (checkTree adds each file as it checks it, so that no scan is
 * kept or made twice): `envs` in kernels.json's order. Only the classes of kernels that saw the
 * same code so far are kept (a number per kernel), refined by each file, not the views themselves.
 */
class KernelViews {
  private cls: number[];
  private readonly undecided: number[];

  constructor(private readonly envs: readonly CppEnv[]) {
    this.cls = envs.map(() => 0);
    this.undecided = envs.map(() => 0);
  }

  add(report: ScanReport): void {
    // Include guards stay undecided in every view alike; they do not make a comparison uncertain.
    const guards = new Set(report.groups.filter((g) => isIncludeGuard(report, g)).map((g) => g.index));
    const next = new Map<string, number>();
    this.cls = this.envs.map((env, k) => {
      const res = resolveConditionals(report, env);
      this.undecided[k] = (this.undecided[k] as number) + res.filter((r, i) => (r.taken === 'unknown' || r.branches.some((b) => b.error)) && !guards.has(i)).length;
      // Two kernels stay in one class while they were in one before and take the same branches here.
      const key = `${this.cls[k] as number}\0${JSON.stringify(res.map((r) => [r.taken, r.branches.map((b) => (b.error ? 'error' : (b.truth ?? '-')))]))}`;
      let id = next.get(key);
      if (id === undefined) next.set(key, (id = next.size));
      return id;
    });
  }

  /** Kernel `k`'s class (equal for kernels that see the same code in every file added) and its undecided conditionals. */
  view(k: number): { key: string; undecided: number } {
    return { key: String(this.cls[k]), undecided: this.undecided[k] as number };
  }
}

/** Kernels that see the same code as an earlier kernel of kernels.json in every file (classes of two or more). */
export function identicalKernels(files: ReadonlyMap<string, string>, config: KernelsConfig): { kernels: string[]; undecided: number }[] {
  return viewClasses(config, kernelViews(files, config));
}

/** The classes of two or more kernels with the same view (`views` by kernel name). */
function viewClasses(config: KernelsConfig, views: ReadonlyMap<string, { key: string; undecided: number }>): { kernels: string[]; undecided: number }[] {
  const classes = new Map<string, string[]>();
  for (const k of config.kernels) {
    const v = views.get(k.name);
    if (!v) continue;
    classes.set(v.key, [...(classes.get(v.key) ?? []), k.name]);
  }
  return [...classes.values()].filter((c) => c.length > 1).map((c) => ({ kernels: c, undecided: views.get(c[0] as string)?.undecided ?? 0 }));
}

function identicalFindings(config: KernelsConfig, kernelLine: CheckInput['kernelLine'], views: KernelViews): CheckFinding[] {
  const out: CheckFinding[] = [];
  for (const cls of viewClasses(config, new Map(config.kernels.map((k, i) => [k.name, views.view(i)])))) {
    const [first, ...rest] = cls.kernels as [string, ...string[]];
    const entries = cls.kernels.map((n) => config.kernels.find((k) => k.name === n) as KernelEntry);
    const sameBuild = entries.every((e) => sameRecipe(e, entries[0] as KernelEntry));
    const hedge = cls.undecided > 0 ? ` as far as pvpatch can tell (${cls.undecided} conditional${cls.undecided === 1 ? '' : 's'} it cannot decide stay in each view)` : '';
    const subject = rest.length === 1 ? `${rest[0]} sees` : `${kernelList(rest)} see`;
    const message = `${subject} exactly the code ${first} sees, in every file${hedge}: no guard tells them apart, so ${rest.length === 1 ? 'this row tests' : 'these rows test'} no branch the other does not` +
      (sameBuild ? ', and the builds are the same too' : `; only the builds differ (${entries.map((e) => e.build.kind === 'cc' ? e.build.include.join(' ') : e.build.headers).join(' / ')})`);
    const name = rest[0] as string;
    out.push({ file: 'kernels.json', line: kernelLine?.(name) ?? 1, severity: sameBuild ? 'warning' : 'note', kind: 'identical-kernels', message, kernels: cls.kernels });
  }
  return out;
}

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, note: 2 };

/**
 * Check a tree against kernels.json. Never throws for bad input in the tree: an unbalanced file
 * is an `unbalanced` error finding (and is skipped by the other checks); a failing condition is
 * a `condition-error` finding. Findings are sorted by file and line; kernels.json findings last.
 * `origins` (per-line patch of each file) enables the check for later patches editing inside
 * earlier guards; without it, that check is listed in `limits`.
 */
export function checkTree(input: CheckInput): CheckReport {
  const { config } = input;
  const known = knownNames(config);
  const kernels: KernelUnderTest[] = config.kernels.map((k) => ({ name: k.name, env: kernelEnv(config, k) }));
  const codes = config.kernels.map((k) => k.code);
  const range = { min: Math.min(...codes), max: Math.max(...codes) };
  const order = new Map((input.series ?? []).map((name, i) => [patchLabel(name), i]));
  const findings: CheckFinding[] = [];
  let files = 0;
  let conditionals = 0;
  let guards = 0;
  let undecided = 0;
  let unbalanced = 0;
  // Each kernel's view of the files, to find kernels that see the same code (unbalanced files left out).
  const views = new KernelViews(kernels.map((k) => k.env));
  let balanced = 0;
  for (const [file, text] of input.files) {
    if (!isCSource(file)) continue;
    files++;
    let report: ScanReport;
    try {
      report = scanDirectives(text, file);
    } catch (err) {
      if (!(err instanceof CppError)) throw err;
      unbalanced++;
      findings.push({ file, line: err.location?.line ?? 1, severity: 'error', kind: 'unbalanced', message: `${err.message}: the directives are unbalanced, so no kernel's compiler accepts the file` });
      continue;
    }
    balanced++;
    views.add(report);
    const analyses = analyzeGuards(report, kernels, range);
    const ctx: FileContext = { file, report, analyses, labels: groupLabels(report, file, input) };
    conditionals += report.groups.length;
    guards += ctx.labels.filter((l) => l !== undefined).length;
    undecided += analyses.filter((a) => !a.includeGuard && a.outcomes.some((o) => o.taken === 'unknown' || o.errors.length > 0)).length;
    report.groups.forEach((_g, gi) => findings.push(...groupFindings(ctx, gi, config, known)));
    findings.push(...duplicateFindings(ctx));
    findings.push(...overlapFindings(ctx, input.origins?.get(file), order));
  }
  const limits: string[] = [];
  if (!input.origins) limits.push('without line origins (a tree given by --tree), edits of later patches inside earlier guards are not checked');
  if (unbalanced > 0) limits.push(`${unbalanced} unbalanced file${unbalanced === 1 ? '' : 's'}: kernels are compared without ${unbalanced === 1 ? 'it' : 'them'}`);
  if (config.kernels.length > 1 && balanced > 0) findings.push(...identicalFindings(config, input.kernelLine, views));
  findings.sort((a, b) => {
    const ka = a.file === 'kernels.json' ? 1 : 0;
    const kb = b.file === 'kernels.json' ? 1 : 0;
    if (ka !== kb) return ka - kb;
    if (a.file !== b.file) return a.file < b.file ? -1 : 1;
    return a.line - b.line || SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity];
  });
  const counts: Record<Severity, number> = { error: 0, warning: 0, note: 0 };
  for (const f of findings) counts[f.severity]++;
  return { kernels: config.kernels.map((k) => k.name), files, conditionals, guards, undecided, findings, counts, limits };
}

/** One finding as a diagnostic line: `FILE:LINE: SEVERITY: MESSAGE [PATCH]` (without the `pvpatch: ` prefix). */
export function formatFinding(f: CheckFinding): string {
  return `${f.file}:${f.line}: ${f.severity}: ${f.message}${f.patch ? ` [${f.patch}]` : ''}`;
}
