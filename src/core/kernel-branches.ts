/** Which kernels take which branch: the bridge between kernels.json and the cpp engine. */
import type { KernelsConfig } from './config.js';
import { kernelEnv } from './cpp/env.js';
import { evaluateExpression } from './cpp/eval.js';
import { resolveConditionals, type GroupResolution } from './cpp/resolve.js';
import type { ScanReport } from './cpp/scan.js';
import type { BranchOracle } from './manifest.js';
import type { CppEnv } from './cpp/env.js';
import { CppError } from './errors.js';
import type { BranchKernels } from './review/model.js';

/** One environment per kernel, built once. */
export function kernelEnvs(config: KernelsConfig): Map<string, CppEnv> {
  return new Map(config.kernels.map((k) => [k.name, kernelEnv(config, k)]));
}

/**
 * A BranchOracle over kernels.json: resolves every group of a scanned file once per kernel
 * (cached per report) and answers the taken branch: an index, -1 when none is taken, undefined
 * when the kernel's compiler cannot be predicted (an unknown symbol decides).
 */
export function branchOracle(config: KernelsConfig): BranchOracle {
  const envs = kernelEnvs(config);
  const cache = new WeakMap<ScanReport, Map<string, GroupResolution[]>>();
  return (report, group, kernel) => {
    let perKernel = cache.get(report);
    if (!perKernel) cache.set(report, (perKernel = new Map()));
    let res = perKernel.get(kernel);
    if (!res) {
      const env = envs.get(kernel);
      if (!env) return undefined;
      res = resolveConditionals(report, env);
      perKernel.set(kernel, res);
    }
    const taken = res[group.index]?.taken;
    return typeof taken === 'number' ? taken : taken === 'none' ? -1 : undefined;
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
