/**
 * Resolve every conditional of a scanned file for one environment: which conditions the
 * compiler evaluates (surely, perhaps, never), their truth, and which branch it takes.
 * Mirrors cpp: a condition inside a skipped group, or an `#elif` after a taken branch, is never
 * evaluated, so its errors do not count.
 */
import { CppError } from '../errors.js';
import type { CppEnv } from './env.js';
import { evaluateDirective, type CondResult, type Truth } from './eval.js';
import type { ScanReport } from './scan.js';

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

/**
 * Resolve the groups of `report` (same order as report.groups) in `env`. Never throws for a bad
 * condition: the error is kept on its branch, whose truth is then unknown. Errors that are not
 * CppError (bugs) propagate.
 */
export function resolveConditionals(report: ScanReport, env: CppEnv): GroupResolution[] {
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
        br.result = evaluateDirective(b.directive, env, report.file);
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
