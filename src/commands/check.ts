// `pvpatch check`: lint the annotated tree's guards against kernels.json.
import path from 'node:path';
import type { Command } from 'commander';
import { CheckFailed, InputError } from '../core/errors.js';
import { applySeries, describeFailure } from '../core/apply-series.js';
import { annotateLines, splitLinesKeepEnds } from '../core/annotate.js';
import { checkTree, formatFinding, type CheckInput, type CheckReport } from '../core/check.js';
import { readText } from '../io/fs.js';
import { KERNELS_JSON, readDropFiles, readSeriesPatches, selectDrop, type Workspace } from '../io/workspace.js';
import { openWorkspace, print, printJson, progress, progressDone } from './common.js';
import { readTreeDir } from './view.js';

interface CheckOptions {
  tree?: string;
  drop?: string;
  json?: boolean;
}

/** The series applied in memory, annotated, with the patch that introduced each line (for the overlap check). */
async function appliedWithOrigins(ws: Workspace, drop?: string): Promise<Pick<CheckInput, 'files' | 'origins' | 'series'> & { describe: string }> {
  const d = selectDrop(ws, drop);
  const [files, texts] = await Promise.all([readDropFiles(ws, d), readSeriesPatches(ws)]);
  const r = applySeries(files, ws.series.map((entry) => ({ entry, text: texts.get(entry.name) as string })));
  if (!r.ok) throw new CheckFailed(describeFailure(r.failure), { file: `patches/${r.failure.patch}` });
  const annotated = new Map<string, string>();
  for (const [file, text] of r.files) {
    const o = r.origins.get(file);
    annotated.set(file, o ? annotateLines(splitLinesKeepEnds(text), o).join('') : text);
  }
  return { files: annotated, origins: r.origins, series: ws.series.map((e) => e.name), describe: `drop ${d.version} + ${ws.series.length} patches (applied in memory)` };
}

/** The check of the tree given by --tree, or of the series applied in memory, with a progress line on a terminal. */
async function runCheck(ws: Workspace, opts: CheckOptions): Promise<{ report: CheckReport; source: string }> {
  let input: CheckInput;
  let source: string;
  if (opts.tree !== undefined) {
    if (opts.drop !== undefined) throw new InputError('--tree and --drop do not go together: a tree on disk is already made from one drop');
    const tree = await readTreeDir(path.resolve(ws.root, opts.tree));
    input = { files: tree.files, config: ws.config, ...(tree.manifest ? { regions: tree.manifest.regions, series: tree.manifest.series } : {}) };
    source = tree.describe;
  } else {
    progress(`applying the series in memory (${ws.series.length} patches)`, opts.json);
    const applied = await appliedWithOrigins(ws, opts.drop);
    input = { files: applied.files, origins: applied.origins, series: applied.series, config: ws.config };
    source = applied.describe;
  }
  input.kernelLine = kernelLines(await readText(ws.kernelsFile, KERNELS_JSON));
  progress(`checking ${input.files.size} files for ${ws.config.kernels.length} kernels`, opts.json);
  return { report: checkTree(input), source };
}

/** The line of each kernel's `"name": "…"` in kernels.json. */
function kernelLines(text: string): (name: string) => number | undefined {
  const lines = text.split('\n');
  return (name) => {
    const re = new RegExp(`"name"\\s*:\\s*"${name.replace(/[.+]/g, '\\$&')}"`);
    const i = lines.findIndex((l) => re.test(l));
    return i < 0 ? undefined : i + 1;
  };
}

function summary(r: CheckReport, source: string): string {
  const n = (count: number, word: string): string => `${count} ${word}${count === 1 ? '' : 's'}`;
  let s = `check: ${n(r.kernels.length, 'kernel')}, ${n(r.files, 'file')}, ${n(r.guards, 'guard')} from patches among ${n(r.conditionals, 'conditional')} (source: ${source}): ${n(r.counts.error, 'error')}, ${n(r.counts.warning, 'warning')}, ${n(r.counts.note, 'note')}`;
  if (r.undecided > 0) s += `\n${n(r.undecided, 'conditional')} pvpatch cannot decide for some kernel (symbols kernels.json does not define): not checked for dead or constant branches`;
  for (const l of r.limits) s += `\nnot checked: ${l}`;
  return s;
}

export function registerCheck(program: Command): void {
  program
    .command('check')
    .description('lint the guards of the annotated tree against kernels.json; exit 1 on an error')
    .option('--tree <dir>', 'check this tree (e.g. out/) instead of applying the series in memory')
    .option('--drop <version>', 'apply the series to this drop (default: the current one)')
    .option('--json', 'machine-readable output')
    .addHelpText('after', `
Finds, with FILE:LINE, a severity and the patch:
  errors    unbalanced #if/#endif; NAME(...) where some kernel has no such function-like macro
            (gcc rejects it even on the side of || or && it skips); octal literals with 8 or 9
            (031418); a symbol no kernel defines one letter away from one that exists (gcc
            silently reads it as 0); a condition a kernel's compiler rejects
  warnings  guards taken by every kernel or by none (naming them), dead branches; guards on
            symbols no kernel defines (pvpatch cannot decide them); macros other kernels define
            used without defined() (-Wundef); KERNEL_VERSION outside the supported range;
            duplicate guards of different patches; patches that share or edit inside another's guard
  notes     the same on upstream's own conditionals; a kernel that sees exactly the code another
            kernel sees in every file (a row of the matrix that tests no branch of its own)`)
    .action(async (opts: CheckOptions, cmd: Command) => {
      const ws = await openWorkspace(cmd);
      let checked: { report: CheckReport; source: string };
      try {
        checked = await runCheck(ws, opts);
      } finally {
        progressDone(opts.json);
      }
      const { report, source } = checked;
      if (opts.json) {
        printJson({ ok: report.counts.error === 0, source, ...report });
        if (report.counts.error > 0) process.exitCode = 1;
        return;
      }
      for (const f of report.findings) print(`pvpatch: ${formatFinding(f)}`);
      print(summary(report, source));
      if (report.counts.error > 0) throw new CheckFailed(`check found ${report.counts.error} error${report.counts.error === 1 ? '' : 's'}`);
    });
}
