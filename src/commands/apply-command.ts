// `pvpatch apply`: the command, and its shortest way: when the inputs are those of the last apply
// and every file it came from is as it was, the tree is copied as it was written then
// (src/io/apply-record.ts). Only otherwise is the applying code (./apply.js) loaded.
import path from 'node:path';
import fs from 'node:fs';
import type { Command } from 'commander';
import { CheckFailed, InputError } from '../core/errors.js';
import { dirsUnchanged, jobDirs, loadHunks, loadRecord, MANIFEST_IN_TREE, patchStatsOf, recordJobs, recordKey } from '../io/apply-record.js';
import { replaceDirAtomic } from '../io/fs.js';
import { checkTreeTarget } from '../io/tree-target.js';
import { startTrustedCopy } from '../io/trusted-copy.js';
import { takePrefetch } from './apply-prefetch.js';
import { dropDir, selectDrop, seriesShas, type Workspace } from '../io/workspace.js';
import type { ApplyOutcome, ApplyRunOptions } from './apply.js';
import { globalOptions, print, printJson, table, withWorkspaceAt } from './common.js';

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

/** Thrown inside the tree's fill when a source is not as recorded: the temp tree is removed, nothing else changes. */
class NotAsRecorded extends Error {}

/**
 * The tree of the last apply, copied into `target` when this apply's inputs are the same and every
 * file it came from (drop files, cached results, the manifest) has the lstat it was recorded with;
 * undefined (nothing written) when not.
 */
async function replayApply(ws: Workspace, target: string, opts: RunOptions): Promise<Omit<ApplyOutcome, 'out'> | undefined> {
  // A copy cli.ts started for this target (apply-prefetch.ts): joined when the record is used.
  const pre = opts.cache === false ? undefined : takePrefetch(target);
  const rec = opts.cache === false ? undefined : loadRecord(ws.root);
  const drop = selectDrop(ws, opts.drop);
  // --json reports every hunk: without the record's own list of them, the tree is applied.
  const all = rec && opts.allHunks ? loadHunks(ws.root, rec) : undefined;
  if (!rec || rec.drop !== drop.version || (opts.allHunks && !all)) {
    // Its temp directory goes while the tree is applied (settlePrefetch waits for that).
    void pre?.discard();
    return undefined;
  }
  const jobs = recordJobs(ws.root, rec);
  // Else the copy thread starts now: its start-up overlaps with reading the series.
  const copy = pre ? pre.join(jobs, rec.id) : startTrustedCopy(jobs, 0o666 & ~process.umask());
  try {
    const patchShas = await seriesShas(ws, patchStatsOf(rec));
    const key = recordKey({ config: ws.config, drop, series: ws.series, patchShas, fuzz: opts.fuzz, annotate: opts.annotate !== false });
    if (key !== rec.key || !dirsUnchanged(dropDir(ws, drop.version), rec.dirs)) {
      await copy.cancel();
      void pre?.discard();
      return undefined;
    }
    await checkTreeTarget(target, ws.root);
    await replaceDirAtomic(target, async (tmp) => {
      for (const d of jobDirs(jobs)) fs.mkdirSync(path.join(tmp, d), { recursive: true });
      const r = await copy.run(tmp);
      if (!r.ok) throw new NotAsRecorded(`${r.file}: ${r.why}`);
    }, { durable: false, ...(pre ? { tmp: pre.tmp } : {}) });
  } catch (err) {
    await copy.cancel();
    void pre?.discard();
    if (err instanceof NotAsRecorded) return undefined;
    throw err;
  }
  const fileCount = jobs.filter((j) => j.dst !== null && j.dst !== MANIFEST_IN_TREE).length;
  return { drop: drop.version, patches: rec.patches, hunks: all ?? rec.notable, hunkCount: rec.hunkCount, regions: rec.regions, fileCount, cache: { tree: true, files: 0, applied: 0 } };
}

function renderApply(o: ApplyOutcome, root: string): string {
  const notable = o.hunks.filter((h) => h.status !== 'exact');
  const lines = [`applied ${o.patches} patches (${o.hunkCount} hunks) to drop ${o.drop}`];
  if (notable.length > 0) {
    lines.push('', table(['patch', 'file', 'hunk', 'result'], notable.map((h) => [h.patch, h.file, `#${h.hunk}`, h.status === 'offset' ? `offset ${h.offset > 0 ? '+' : ''}${h.offset} lines` : `fuzz ${h.fuzz}${h.offset ? `, offset ${h.offset > 0 ? '+' : ''}${h.offset}` : ''}`])));
  }
  const reused = o.cache?.tree ? '; the same inputs as the last apply: copied as it wrote them' : '';
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
  const { outcome, ws } = await withWorkspaceAt(workspace, 'apply', async (ws) => {
    const target = path.resolve(ws.root, opts.out ?? 'out');
    const run = { drop: opts.drop, annotate: opts.annotate, fuzz, cache: opts.cache, allHunks: opts.json === true };
    // Loaded only when the tree cannot be copied as the last apply wrote it.
    const mem = (await replayApply(ws, target, run)) ?? (await (await import('./apply.js')).applyAndWrite(ws, target, run));
    return { outcome: { ...mem, out: target } satisfies ApplyOutcome, ws };
  });
  let buildOk = true;
  let builds;
  if (opts.build) {
    // Loaded only for --build: a plain apply does not pay for the build modules.
    const { runBuildMatrix } = await import('./build.js');
    builds = await runBuildMatrix(ws, outcome.out, { json: opts.json });
    buildOk = builds.every((b) => b.ok);
  }
  if (opts.json) {
    printJson({ drop: outcome.drop, out: outcome.out, patches: outcome.patches, hunks: outcome.hunks, regions: outcome.regions, cache: outcome.cache, ...(builds ? { build: { ok: buildOk, kernels: builds.map(({ log: _l, ...b }) => b) } } : {}) });
    if (!buildOk) process.exitCode = 1;
    return;
  }
  print(renderApply(outcome, ws.root));
  if (builds) {
    const { renderMatrix } = await import('./build.js');
    print('\n' + renderMatrix(ws, builds));
    if (!buildOk) throw new CheckFailed(`build failed for ${builds.filter((b) => !b.ok).map((b) => b.kernel).join(', ')}`);
  }
}

