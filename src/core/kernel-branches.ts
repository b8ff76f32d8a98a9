/** Which kernels take which branch: the bridge between kernels.json and the cpp engine. */
import type { KernelsConfig } from './config.js';
import { kernelEnv, type CppEnv } from './cpp/env.js';
import { evaluateDirective, evaluateExpression, type Truth } from './cpp/eval.js';
import type { CondGroup, Directive, ScanReport } from './cpp/scan.js';
import type { BranchOracle } from './manifest.js';
import { CppError } from './errors.js';
import type { BranchKernels } from './review/model.js';

/** One environment per kernel, built once. */
export function kernelEnvs(config: KernelsConfig): Map<string, CppEnv> {
  return new Map(config.kernels.map((k) => [k.name, kernelEnv(config, k)]));
}

/**
 * A BranchOracle over kernels.json: the branch kernel K's compiler takes in a group, an index, -1
 * when it takes none (every condition false, or the group sits in a branch K does not reach),
 * undefined when it cannot be predicted (an unknown symbol decides, or the condition is an error).
 * Conditions are evaluated once per kernel and distinct text — a tree repeats the same few guard
 * conditions thousands of times — and groups once per report.
 */
export function branchOracle(config: KernelsConfig): BranchOracle {
  const envs = kernelEnvs(config);
  const truths = new Map<string, Truth | 'error'>();
  const taken = new WeakMap<ScanReport, Map<string, number | undefined>>();
  const normalised = new WeakMap<Directive, string>();
  const truthOf = (kernel: string, env: CppEnv, d: Directive, file: string): Truth | 'error' => {
    // Comments (the pvpatch annotation among them) are blanks in d.text: normalise them away (once per directive).
    let norm = normalised.get(d);
    if (norm === undefined) normalised.set(d, (norm = `${d.kind}\0${d.text.replace(/\s+/g, ' ').trim()}`));
    const key = `${kernel}\0${norm}`;
    let t = truths.get(key);
    if (t === undefined) {
      try {
        t = evaluateDirective(d, env, file).truth;
      } catch (err) {
        if (!(err instanceof CppError)) throw err;
        t = 'error';
      }
      truths.set(key, t);
    }
    return t;
  };
  const oracle: BranchOracle = (report, group, kernel) => {
    let perReport = taken.get(report);
    if (!perReport) taken.set(report, (perReport = new Map()));
    const key = `${kernel}\0${group.index}`;
    if (perReport.has(key)) return perReport.get(key);
    const env = envs.get(kernel);
    let result: number | undefined;
    if (!env) result = undefined;
    else {
      const parent = group.parent === undefined ? undefined : report.groups[group.parent];
      const parentTaken = parent ? oracle(report, parent, kernel) : 0;
      // Under an undecided parent (an include guard, say) the question is what K takes if it gets here.
      if (parent && parentTaken !== undefined && parentTaken !== group.parentBranch) result = -1;
      else {
        result = -1;
        for (let i = 0; i < group.branches.length; i++) {
          const t = truthOf(kernel, env, (group.branches[i] as CondGroup['branches'][number]).directive, report.file);
          if (t === 'true') {
            result = i;
            break;
          }
          if (t !== 'false') {
            result = undefined;
            break;
          }
        }
      }
    }
    perReport.set(key, result);
    return result;
  };
  return oracle;
}

/**
 * For a guard condition: the kernels whose compiler takes the `#if` branch and those that take
 * the `#else`, plus the ones pvpatch cannot decide (unknown symbols) or whose compile would fail
 * on the condition itself (e.g. an undefined function-like macro).
 */
export function conditionBranches(config: KernelsConfig, condition: string): BranchKernels[] {
  const envs = kernelEnvs(config);
  const yes: string[] = [];
  const no: string[] = [];
  const unknown: string[] = [];
  for (const [name, env] of envs) {
    try {
      const r = evaluateExpression(condition, env, { file: '<guard>' });
      (r.truth === 'true' ? yes : r.truth === 'false' ? no : unknown).push(name);
    } catch (err) {
      if (!(err instanceof CppError)) throw err;
      unknown.push(name);
    }
  }
  const out: BranchKernels[] = [
    { branch: `#if ${condition}`, kernels: yes },
    { branch: '#else', kernels: no },
  ];
  if (unknown.length > 0) out.push({ branch: '(undecided)', kernels: unknown });
  return out;
}
