// `pvpatch apply`: the command, and its shortest way: when the inputs are those of the last apply
// (by the stats of the files it read) and every file its tree came from is as it was, the tree is
// copied as it was written then (src/io/apply-record.ts), without reading the workspace. Only
// otherwise is the workspace read, and only when its inputs are not those either is the applying
// code (./apply.js) loaded. So this module loads only what that shortest way needs.
import path from 'node:path';
import type { Command } from 'commander';
import { CheckFailed, InputError } from '../core/errors.js';
import { inputStats, loadHunks, loadRecord, quickCheckHolds } from '../io/apply-record-read.js';
import { withLock } from '../io/lock.js';
import { findWorkspaceRoot } from '../io/workspace-root.js';
import type { Workspace } from '../io/workspace.js';
import { takePrefetch } from './apply-prefetch.js';
import { copyRecordedTree, recordedOutcome } from './apply-copy.js';
import type { ApplyOutcome, ApplyRunOptions } from './apply.js';
import { globalOptions, print, printJson, progress, progressDone, table } from './output.js';

export interface ApplyOptions {
  drop?: string;
  out?: string;
  annotate?: boolean;
  fuzz?: string;
  cache?: boolean;
  build?: boolean;
  json?: boolean;
}

interface RunOptions extends ApplyRunOptions {
  /** Every hunk's outcome is wanted (--json), not only those that did not apply exactly. */
  allHunks: boolean;
  fuzz: number;
}

/**
 * Write the tree into `target` (holding the workspace's lock): copied as the last apply wrote it
 * when its quick check (QuickCheck) or, the workspace read, its key says the inputs are the same;
 * else applied. `loaded` gets the workspace when it was read.
 */
async function applyLocked(root: string, target: string, run: RunOptions, loaded: (ws: Workspace) => void): Promise<Omit<ApplyOutcome, 'out'>> {
  // A copy cli.ts started for this target (apply-prefetch.ts): joined when the record is used.
  let pre = run.cache === false ? undefined : takePrefetch(target);
  let copyFailed = false;
  const rec = run.cache === false ? undefined : loadRecord(root);
  if (rec && quickCheckHolds(root, rec, { drop: run.drop, fuzz: run.fuzz, annotate: run.annotate !== false })) {
    const all = run.allHunks ? loadHunks(root, rec) : undefined;
    if (!run.allHunks || all) {
      const joined = pre;
      pre = undefined;
      const placed = await copyRecordedTree(root, target, rec, joined, async () => true);
      if (placed) return recordedOutcome(rec, all, true, placed);
      // A source is not as recorded: the same record by its key would not do either.
      copyFailed = true;
    }
  }
  // Taken before the workspace is read, for the record the apply may write.
  const inputs = inputStats(root);
  const ws = await (await import('../io/workspace.js')).loadWorkspace(root);
  loaded(ws);
  const withInputs = { ...run, ...(inputs ? { inputs } : {}), ...(rec ? { last: rec } : {}) };
  // No record to copy: the copy cli.ts started (from a record it could not use) goes while the tree is applied.
  if (!rec || copyFailed) void pre?.discard();
  const replayed = rec && !copyFailed ? await (await import('./apply-replay.js')).replayApply(ws, target, withInputs, rec, pre) : undefined;
  // Loaded only when the tree cannot be copied as the last apply wrote it.
  return replayed ?? (await (await import('./apply.js')).applyAndWrite(ws, target, withInputs));
}

function renderApply(o: ApplyOutcome, root: string): string {
  const notable = o.hunks.filter((h) => h.status !== 'exact');
  const lines = [`applied ${o.patches} patches (${o.hunkCount} hunks) to drop ${o.drop}`];
  if (notable.length > 0) {
    lines.push('', table(['patch', 'file', 'hunk', 'result'], notable.map((h) => [h.patch, h.file, `#${h.hunk}`, h.status === 'offset' ? `offset ${h.offset > 0 ? '+' : ''}${h.offset} lines` : `fuzz ${h.fuzz}${h.offset ? `, offset ${h.offset > 0 ? '+' : ''}${h.offset}` : ''}`])));
  }
  const reused = o.cache?.inPlace ? '; the same inputs as the last apply: already in place, nothing written' : o.cache?.tree ? '; the same inputs as the last apply: copied as it wrote them' : '';
  lines.push('', `annotated tree: ${path.relative(root, o.out) || '.'}/ (${o.fileCount} files, ${o.regions} guarded regions; manifest in .pvpatch/manifest.json${reused})`);
  return lines.join('\n');
}

export function registerApply(program: Command): void {
  program
    .command('apply')
    .description('apply the series to a drop and emit the annotated tree (+ manifest); exit 1 if a hunk does not apply')
    .option('--drop <version>', 'the drop to apply to (default: the current one)')
    .option('--out <dir>', 'where to write the tree (default: out/)')
    .option('--no-annotate', 'do not add /* pvpatch: PATCH */ to the directives patches introduce')
    .option('--fuzz <n>', 'the most context lines a hunk may drop (default 2, like GNU patch)')
    .option('--no-cache', 'apply every touched file again: neither use nor keep earlier results (.pvpatch/cache/apply, .pvpatch/cache/apply-tree)')
    .option('--build', 'then build the tree for every kernel (as `pvpatch build`)')
    .option('--json', 'machine-readable output')
    .action((opts: ApplyOptions, cmd: Command) => runApply(opts, globalOptions(cmd).workspace));
}

/**
 * What `pvpatch apply` does with its options (`workspace`: the program's -C): also called by cli.ts
 * straight away for a plain apply command line (apply-prefetch.ts), without commander.
 */
export async function runApply(opts: ApplyOptions, workspace: string | undefined): Promise<void> {
  const fuzz = opts.fuzz === undefined ? 2 : Number(opts.fuzz);
  if (!Number.isInteger(fuzz) || fuzz < 0 || fuzz > 3) throw new InputError(`--fuzz must be 0..3, not "${opts.fuzz}"`);
  const root = await findWorkspaceRoot(workspace);
  const target = path.resolve(root, opts.out ?? 'out');
  // A progress line on a terminal while the series is applied (not when the last tree is copied: that is quick).
  let shown = false;
  const onProgress = opts.json || !process.stderr.isTTY ? undefined : (text: string): void => {
    shown = true;
    progress(text);
  };
  const run = { drop: opts.drop, annotate: opts.annotate, fuzz, cache: opts.cache, allHunks: opts.json === true, onProgress };
  let read: Workspace | undefined;
  let mem;
  try {
    mem = await withLock(root, 'apply', () => applyLocked(root, target, run, (w) => (read = w)));
  } finally {
    if (shown) progressDone();
  }
  const outcome: ApplyOutcome = { ...mem, out: target };
  let buildOk = true;
  let builds;
  let ws: Workspace | undefined;
  if (opts.build) {
    // Loaded only for --build: a plain apply does not pay for the build modules (nor, copying the
    // last tree, for reading the workspace).
    const { runBuildMatrix } = await import('./build.js');
    ws = read ?? (await (await import('../io/workspace.js')).loadWorkspace(root));
    builds = await runBuildMatrix(ws, outcome.out, { json: opts.json });
    buildOk = builds.every((b) => b.ok);
  }
  if (opts.json) {
    printJson({ drop: outcome.drop, out: outcome.out, patches: outcome.patches, hunks: outcome.hunks, regions: outcome.regions, cache: outcome.cache, ...(builds ? { build: { ok: buildOk, kernels: builds.map(({ log: _l, ...b }) => b) } } : {}) });
    if (!buildOk) process.exitCode = 1;
    return;
  }
  print(renderApply(outcome, root));
  if (builds && ws) {
    const { renderMatrix } = await import('./build.js');
    print('\n' + renderMatrix(ws, builds));
    if (!buildOk) throw new CheckFailed(`build failed for ${builds.filter((b) => !b.ok).map((b) => b.kernel).join(', ')}`);
  }
}

