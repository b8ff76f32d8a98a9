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
 * conditions thousands of times — and groups once per report and kernel.
 */
export function branchOracle(config: KernelsConfig): BranchOracle {
  // Each kernel's environment is built when a condition is first evaluated for it (an apply whose
  // files all come from its cache evaluates none).
  const envs: (CppEnv | undefined)[] = new Array<CppEnv | undefined>(config.kernels.length);
  const envOf = (k: number): CppEnv => (envs[k] ??= kernelEnv(config, config.kernels[k] as KernelsConfig['kernels'][number]));
  const kernelIndex = new Map(config.kernels.map((k, i) => [k.name, i]));
  const nk = config.kernels.length;
  // Per distinct condition (kind and normalised text), the truth per kernel index, filled as asked.
  const byCondition = new Map<string, (Truth | 'error' | undefined)[]>();
  const ofDirective = new WeakMap<Directive, (Truth | 'error' | undefined)[]>();
  // Per report, per group × kernel: NOT_YET, UNDECIDED, or the branch taken (-1 for none).
  const taken = new WeakMap<ScanReport, number[]>();
  const NOT_YET = -3;
  const UNDECIDED = -2;
  const truthOf = (k: number, env: CppEnv, d: Directive, file: string): Truth | 'error' => {
    let truths = ofDirective.get(d);
    if (!truths) {
      // Comments (the pvpatch annotation among them) are blanks in d.text: normalise them away.
      const norm = `${d.kind}\0${d.text.replace(/\s+/g, ' ').trim()}`;
      truths = byCondition.get(norm);
      if (!truths) byCondition.set(norm, (truths = new Array<Truth | 'error' | undefined>(nk)));
      ofDirective.set(d, truths);
    }
    let t = truths[k];
    if (t === undefined) {
      try {
        t = evaluateDirective(d, env, file).truth;
      } catch (err) {
        if (!(err instanceof CppError)) throw err;
        t = 'error';
      }
      truths[k] = t;
    }
    return t;
  };
  const decide = (report: ScanReport, group: CondGroup, k: number, perReport: number[]): number => {
    const slot = group.index * nk + k;
    const known = perReport[slot] as number;
    if (known !== NOT_YET) return known;
    const env = envOf(k);
    const parent = group.parent === undefined ? undefined : report.groups[group.parent];
    const parentTaken = parent ? decide(report, parent, k, perReport) : 0;
    let result = -1;
    // Under an undecided parent (an include guard, say) the question is what K takes if it gets here.
    if (!(parent && parentTaken !== UNDECIDED && parentTaken !== group.parentBranch)) {
      for (let i = 0; i < group.branches.length; i++) {
        const t = truthOf(k, env, (group.branches[i] as CondGroup['branches'][number]).directive, report.file);
        if (t === 'true') {
          result = i;
          break;
        }
        if (t !== 'false') {
          result = UNDECIDED;
          break;
        }
      }
    }
    perReport[slot] = result;
    return result;
  };
  return (report, group, kernel) => {
    const k = kernelIndex.get(kernel);
    if (k === undefined) return undefined;
    let perReport = taken.get(report);
    if (!perReport) taken.set(report, (perReport = new Array<number>(report.groups.length * nk).fill(NOT_YET)));
    const r = decide(report, group, k, perReport);
    return r === UNDECIDED ? undefined : r;
  };
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
