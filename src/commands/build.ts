import path from 'node:path';
import os from 'node:os';
import type { Command } from 'commander';
import { CheckFailed, InputError } from '../core/errors.js';
import { findKernel, type KernelEntry } from '../core/config.js';
import { buildCc, type KernelBuildResult } from '../io/build/cc.js';
import { pool } from '../io/build/run.js';
import { exists, writeFileAtomic } from '../io/fs.js';
import type { Workspace } from '../io/workspace.js';
import { openWorkspace, print, printJson, progress, progressDone, table } from './common.js';

export interface BuildOptions {
  kernel?: string[];
  jobs?: string;
  out?: string;
  json?: boolean;
}

/** Build one kernel with its recipe. */
async function buildKernel(ws: Workspace, tree: string, kernel: KernelEntry, jobs: number): Promise<KernelBuildResult> {
  if (kernel.build.kind === 'cc') return buildCc(ws.root, tree, ws.config, kernel, { jobs });
  const { buildKbuild } = await import('../io/build/kbuild-recipe.js');
  return buildKbuild(ws, tree, kernel);
}

/** Build the tree for the selected kernels with a worker pool; logs under <tree>/.pvpatch/build/. */
export async function runBuildMatrix(ws: Workspace, tree: string, opts: BuildOptions): Promise<KernelBuildResult[]> {
  if (!(await exists(tree))) throw new InputError(`${path.relative(process.cwd(), tree) || tree} does not exist; run "pvpatch apply" first`);
  const kernels = opts.kernel && opts.kernel.length > 0 ? opts.kernel.map((k) => findKernel(ws.config, k)) : ws.config.kernels;
  const jobs = opts.jobs === undefined ? os.availableParallelism() : Number(opts.jobs);
  if (!Number.isInteger(jobs) || jobs < 1) throw new InputError(`-j needs a positive number, not "${opts.jobs}"`);
  let done = 0;
  const running = new Set<string>();
  const show = (): void => progress(`building ${done}/${kernels.length} kernels${running.size ? ` (running: ${[...running].join(', ')})` : ''}`, opts.json);
  const results = await pool(kernels, jobs, async (k) => {
    running.add(k.name);
    show();
    const r = await buildKernel(ws, tree, k, Math.max(1, Math.floor(jobs / kernels.length)));
    running.delete(k.name);
    done++;
    show();
    await writeFileAtomic(path.join(tree, '.pvpatch', 'build', `${k.name}.log`), r.log);
    return r;
  });
  progressDone(opts.json);
  return results;
}

export function renderMatrix(ws: Workspace, results: KernelBuildResult[]): string {
  const rows = results.map((r) => {
    const k = ws.config.kernels.find((x) => x.name === r.kernel);
    const units = r.units.length;
    const okUnits = r.units.filter((u) => u.ok).length;
    return [r.kernel, k ? `${k.version.major}.${k.version.minor}.${k.version.patch}` : '', k?.build.kind ?? '', r.ok ? 'ok' : 'FAILED', `${okUnits}/${units}`, `${(r.durationMs / 1000).toFixed(1)}s`];
  });
  let text = table(['kernel', 'version', 'recipe', 'result', 'units', 'time'], rows);
  for (const r of results.filter((x) => !x.ok)) {
    text += `\n\n${r.kernel}: ${r.firstErrors.length ? '' : 'failed'}\n${r.firstErrors.map((l) => `  ${l}`).join('\n')}`;
  }
  const failed = results.filter((r) => !r.ok).length;
  text += `\n\n${results.length - failed} of ${results.length} kernels built`;
  return text;
}

export function registerBuild(program: Command): void {
  program
    .command('build')
    .description('compile the annotated tree for every kernel of kernels.json (a matrix); exit 1 on any failure')
    .option('-k, --kernel <name...>', 'only these kernels')
    .option('-j, --jobs <n>', 'kernels built at once (default: the number of cores)')
    .option('--out <dir>', 'the tree to build (default: out/)')
    .option('--json', 'machine-readable output')
    .action(async (opts: BuildOptions, cmd: Command) => {
      const ws = await openWorkspace(cmd);
      const tree = path.resolve(ws.root, opts.out ?? 'out');
      const results = await runBuildMatrix(ws, tree, opts);
      const failed = results.filter((r) => !r.ok);
      if (opts.json) printJson({ tree, ok: failed.length === 0, kernels: results.map(({ log: _log, ...r }) => r) });
      else print(renderMatrix(ws, results));
      if (failed.length > 0) {
        if (opts.json) process.exitCode = 1;
        else throw new CheckFailed(`build failed for ${failed.map((r) => r.kernel).join(', ')} (logs in ${path.relative(process.cwd(), path.join(tree, '.pvpatch', 'build')) || '.'})`);
      }
    });
}
