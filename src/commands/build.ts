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
  const live = liveProgress(kernels.map((k) => k.name), opts.json === true);
  try {
    return await pool(kernels, jobs, async (k) => {
      live.start(k.name);
      const r = await buildKernel(ws, tree, k, Math.max(1, Math.floor(jobs / kernels.length)));
      live.finish(k.name, r.ok);
      await writeFileAtomic(path.join(tree, '.pvpatch', 'build', `${k.name}.log`), r.log);
      return r;
    });
  } finally {
    live.stop();
  }
}

type KernelState = { state: 'waiting' } | { state: 'running'; since: number } | { state: 'ok' | 'FAILED'; took: number };

/** The progress line of a build: one cell per kernel (waiting, running with its time, ok, FAILED), the total time. */
export function progressLine(kernels: readonly string[], states: ReadonlyMap<string, KernelState>, now: number, started: number, width: number): string {
  const secs = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;
  const done = [...states.values()].filter((s) => s.state === 'ok' || s.state === 'FAILED').length;
  const cells = kernels.map((name) => {
    const s = states.get(name) ?? { state: 'waiting' };
    if (s.state === 'running') return `${name} ${secs(now - s.since)}…`;
    if (s.state === 'waiting') return `${name} -`;
    return `${name} ${s.state} ${secs(s.took)}`;
  });
  const line = `building ${done}/${kernels.length} [${secs(now - started)}]  ${cells.join(' | ')}`;
  return line.length > width ? line.slice(0, Math.max(0, width - 1)) + '…' : line;
}

/**
 * A live progress line on stderr while kernels build, redrawn on every change and every 200 ms
 * (so running kernels show their time); nothing when stderr is not a terminal or in --json mode.
 */
function liveProgress(kernels: readonly string[], json: boolean): { start(name: string): void; finish(name: string, ok: boolean): void; stop(): void } {
  const states = new Map<string, KernelState>(kernels.map((k) => [k, { state: 'waiting' }]));
  const started = Date.now();
  const draw = (): void => progress(progressLine(kernels, states, Date.now(), started, (process.stderr.columns || 100) - 1), json);
  const timer = json || !process.stderr.isTTY ? undefined : setInterval(draw, 200);
  timer?.unref();
  return {
    start(name) {
      states.set(name, { state: 'running', since: Date.now() });
      draw();
    },
    finish(name, ok) {
      const s = states.get(name);
      states.set(name, { state: ok ? 'ok' : 'FAILED', took: s?.state === 'running' ? Date.now() - s.since : 0 });
      draw();
    },
    stop() {
      if (timer) clearInterval(timer);
      progressDone(json);
    },
  };
}

/** The matrix, then the first error lines of each failed kernel (each line once) and where its log is. */
export function renderMatrix(ws: Workspace, results: KernelBuildResult[], tree?: string): string {
  const rows = results.map((r) => {
    const k = ws.config.kernels.find((x) => x.name === r.kernel);
    const units = r.units.length;
    const okUnits = r.units.filter((u) => u.ok).length;
    return [r.kernel, k ? `${k.version.major}.${k.version.minor}.${k.version.patch}` : '', k?.build.kind ?? '', r.ok ? 'ok' : 'FAILED', `${okUnits}/${units}`, `${(r.durationMs / 1000).toFixed(1)}s`];
  });
  let text = table(['kernel', 'version', 'recipe', 'result', 'units', 'time'], rows);
  for (const r of results.filter((x) => !x.ok)) {
    const failedUnits = r.units.filter((u) => !u.ok).length;
    const log = tree ? `; log: ${path.relative(process.cwd(), path.join(tree, '.pvpatch', 'build', `${r.kernel}.log`))}` : '';
    const errors = [...new Set(r.firstErrors)];
    text += `\n\n${r.kernel} failed (${failedUnits} of ${r.units.length} units${log})${errors.length ? ':' : ''}${errors.map((l) => `\n  ${l}`).join('')}`;
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
      else print(renderMatrix(ws, results, tree));
      if (failed.length > 0) {
        if (opts.json) process.exitCode = 1;
        else throw new CheckFailed(`build failed for ${failed.map((r) => r.kernel).join(', ')} (logs in ${path.relative(process.cwd(), path.join(tree, '.pvpatch', 'build')) || '.'})`);
      }
    });
}
