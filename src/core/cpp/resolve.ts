/**
 * Resolve every conditional of a scanned file for one environment: which conditions the
 * compiler evaluates (surely, perhaps, never), their truth, and which branch it takes.
 * Mirrors cpp: a condition inside a skipped group, or an `#elif` after a taken branch, is never
 * evaluated, so its errors do not count.
 */
import { CppError } from '../errors.js';
import type { CppEnv } from './env.js';
import { evaluateDirective, type CondResult, type Truth } from './eval.js';
import type { Directive, ScanReport } from './scan.js';

/**
 * The results of the conditions evaluated so far, per environment, by kind and text: a condition
 * (`#ifdef CONFIG_X`, `#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)`) recurs in file after
 * file, and its result depends only on its text and the environment, which is never changed once
 * made. Only results are kept (they hold no location); a failing condition is evaluated again
 * where it appears, so that its error names that place. The results are shared: read only.
 */
const evaluated = new WeakMap<CppEnv, Map<string, CondResult>>();

/** Each directive's memo key (computed once, not once per environment). */
const keys = new WeakMap<Directive, string>();

function evaluateOnce(d: Directive, env: CppEnv, file: string): CondResult {
  let memo = evaluated.get(env);
  if (!memo) evaluated.set(env, (memo = new Map()));
  let key = keys.get(d);
  // Blanks around the condition (a comment after it is blanked in d.text) do not change its value.
  if (key === undefined) keys.set(d, (key = `${d.kind}\0${d.text.trim()}`));
  const hit = memo.get(key);
  if (hit) return hit;
  const r = evaluateDirective(d, env, file);
  memo.set(key, r);
  return r;
}

/** Does the compiler get here: surely, perhaps (under unknown conditions), or never. */
export type Reach = 'yes' | 'maybe' | 'no';

export interface BranchResolution {
  /** Does the compiler evaluate this branch's condition? ('no' for the branches after a taken one.) */
  evaluated: Reach;
  /** The condition's truth; undefined when not evaluated; 'unknown' also when it failed under 'maybe'. */
  truth: Truth | undefined;
  result?: CondResult;
  /** The condition's error; the compile fails with it when `evaluated` is 'yes'. */
  error?: CppError;
  /** Does the compiler see this branch's body? */
  reach: Reach;
}

export interface GroupResolution {
  /** Does the compiler get to the group's `#if`? */
  reach: Reach;
  branches: BranchResolution[];
  /** The branch surely taken, 'none' when every condition is false, 'unknown', 'unreached' when reach is 'no'. */
  taken: number | 'none' | 'unknown' | 'unreached';
}

/** The resolutions made so far, per scanned file and environment (neither changes once made). */
const resolved = new WeakMap<ScanReport, WeakMap<CppEnv, readonly GroupResolution[]>>();

/**
 * Resolve the groups of `report` (same order as report.groups) in `env`. Never throws for a bad
 * condition: the error is kept on its branch, whose truth is then unknown. Errors that are not
 * CppError (bugs) propagate. The same report and environment give the same (shared, read-only)
 * resolutions: check, view and retire ask for them more than once.
 */
export function resolveConditionals(report: ScanReport, env: CppEnv): readonly GroupResolution[] {
  let byEnv = resolved.get(report);
  if (!byEnv) resolved.set(report, (byEnv = new WeakMap()));
  let out = byEnv.get(env);
  if (!out) byEnv.set(env, (out = resolveAll(report, env)));
  return out;
}

function resolveAll(report: ScanReport, env: CppEnv): GroupResolution[] {
  const out: GroupResolution[] = [];
  for (const g of report.groups) {
    let reach: Reach = 'yes';
    if (g.parent !== undefined && g.parentBranch !== undefined) {
      reach = out[g.parent]?.branches[g.parentBranch]?.reach ?? 'no';
    }
    const branches: BranchResolution[] = [];
    // 'false': every earlier condition is surely false; 'unknown': some may be true; 'taken': one surely is.
    let prior: 'false' | 'unknown' | 'taken' = 'false';
    let taken: GroupResolution['taken'] = reach === 'no' ? 'unreached' : 'none';
    g.branches.forEach((b, index) => {
      if (reach === 'no' || prior === 'taken') {
        branches.push({ evaluated: 'no', truth: undefined, reach: 'no' });
        return;
      }
      const evaluated: Reach = reach === 'yes' && prior === 'false' ? 'yes' : 'maybe';
      const br: BranchResolution = { evaluated, truth: 'unknown', reach: 'maybe' };
      try {
        br.result = evaluateOnce(b.directive, env, report.file);
        br.truth = br.result.truth;
      } catch (e) {
        if (!(e instanceof CppError)) throw e;
        br.error = e;
      }
      if (br.truth === 'false') br.reach = 'no';
      else if (br.truth === 'true' && evaluated === 'yes') br.reach = 'yes';
      if (br.truth === 'true' && prior === 'false') {
        prior = 'taken';
        if (taken !== 'unknown') taken = index;
      } else if (br.truth !== 'false') {
        prior = br.truth === 'true' ? 'taken' : 'unknown';
        taken = 'unknown';
      }
      branches.push(br);
    });
    out.push({ reach, branches, taken });
  }
  return out;
}
