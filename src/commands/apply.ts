import path from 'node:path';
import fs, { promises as fsp } from 'node:fs';
import type { Command } from 'commander';
import { CheckFailed, InputError } from '../core/errors.js';
import { applySeries, describeFailure, type HunkOutcome } from '../core/apply-series.js';
import { annotateLines, splitLinesKeepEnds } from '../core/annotate.js';
import { buildManifest, type Manifest } from '../core/manifest.js';
import { branchOracle } from '../core/kernel-branches.js';
import { assertNoSymlinks, exists, listTree, recoverSiblings, replaceDirAtomic, resolveInside } from '../io/fs.js';
import { dropText, readDropBytes, readDropFiles, readSeriesPatches, selectDrop, type Workspace } from '../io/workspace.js';
import type { Drop } from '../core/drops.js';
import { print, printJson, table, withWorkspace } from './common.js';
import { runBuildMatrix, renderMatrix } from './build.js';

export interface ApplyOptions {
  drop?: string;
  out?: string;
  annotate?: boolean;
  fuzz?: string;
  build?: boolean;
  json?: boolean;
}

export interface ApplyOutcome {
  drop: string;
  out: string;
  patches: number;
  hunks: HunkOutcome[];
  manifest: Manifest;
  files: Map<string, string | Uint8Array>;
}

type InMemory<T> = Omit<ApplyOutcome, 'out' | 'files'> & { files: Map<string, T> };

/** Apply the series to a drop in memory: the annotated files and the manifest (nothing written). */
export async function applyInMemory(ws: Workspace, opts: { drop?: string; annotate?: boolean; fuzz?: number }): Promise<InMemory<string>> {
  const drop = selectDrop(ws, opts.drop);
  const [files, texts] = await Promise.all([readDropFiles(ws, drop), readSeriesPatches(ws)]);
  return applyLoaded(ws, drop, files, texts, opts);
}

/**
 * applyInMemory for writing the tree out: the files no patch touches stay the drop's verified
 * bytes (never decoded nor re-encoded), which is most of a large tree.
 */
export async function applyInMemoryRaw(ws: Workspace, opts: { drop?: string; annotate?: boolean; fuzz?: number }): Promise<InMemory<string | Uint8Array>> {
  const drop = selectDrop(ws, opts.drop);
  const [files, texts] = await Promise.all([readDropBytes(ws, drop), readSeriesPatches(ws)]);
  return applyLoaded(ws, drop, files, texts, opts, (rel, raw) => dropText(drop, rel, raw));
}

function applyLoaded<T extends string | Uint8Array>(
  ws: Workspace,
  drop: Drop,
  files: ReadonlyMap<string, T>,
  texts: ReadonlyMap<string, string>,
  opts: { annotate?: boolean; fuzz?: number },
  text?: (rel: string, raw: Uint8Array) => string,
): InMemory<string | T> {
  const result = applySeries(files, ws.series.map((entry) => ({ entry, text: texts.get(entry.name) as string })), { maxFuzz: opts.fuzz ?? 2, ...(text ? { text } : {}) });
  if (!result.ok) throw new CheckFailed(describeFailure(result.failure), { file: `patches/${result.failure.patch}` });
  const out = new Map<string, string | T>();
  for (const [file, content] of result.files) {
    const origins = result.origins.get(file);
    out.set(file, opts.annotate === false || !origins || typeof content !== 'string' ? content : annotateLines(splitLinesKeepEnds(content), origins).join(''));
  }
  const manifest = buildManifest(out, result.origins, ws.config, { drop: drop.version, series: ws.series.map((e) => e.name) }, branchOracle(ws.config));
  return { drop: drop.version, patches: ws.series.length, hunks: result.hunks, manifest, files: out };
}

/**
 * Write the tree atomically: an existing directory is replaced only if it is pvpatch output (or empty).
 * A symlink is never followed nor replaced: not as the target, not inside it, and (for a target in
 * the workspace `root`) not on the way to it.
 */
export async function writeTree(target: string, files: ReadonlyMap<string, string | Uint8Array>, manifest: Manifest, root?: string): Promise<void> {
  const shown = root === undefined ? target : path.relative(root, target) || '.';
  const parentRel = root === undefined ? '..' : path.relative(root, path.dirname(target));
  if (parentRel !== '' && !parentRel.startsWith('..') && !path.isAbsolute(parentRel)) {
    await assertNoSymlinks(root as string, parentRel.split(path.sep).join('/'), shown);
  }
  // Leftovers of an earlier run that died while writing this tree (e.g. --out outside the workspace).
  await recoverSiblings(path.dirname(target), path.basename(target));
  const st = await fsp.lstat(target).catch(() => undefined);
  if (st?.isSymbolicLink()) throw new InputError(`refusing to replace ${shown}: it is a symlink (pvpatch never writes through one)`, { file: shown });
  if (st && !st.isDirectory()) throw new InputError(`refusing to replace ${shown}: it is not a directory`, { file: shown });
  if (st) {
    await listTree(target).catch((err: unknown) => {
      if (err instanceof InputError) throw new InputError(`refusing to replace ${shown}: ${err.message}`, { file: shown });
      throw err;
    });
    const isOurs = await exists(path.join(target, '.pvpatch', 'manifest.json'));
    const entries = await fsp.readdir(target);
    if (!isOurs && entries.length > 0) {
      throw new InputError(`refusing to replace ${target}: it is not empty and was not written by pvpatch apply`);
    }
  }
  await replaceDirAtomic(target, async (tmp) => {
    // Each directory once, then the files with synchronous writes: for thousands of small files
    // they cost a fraction of fs/promises' round trips (the fresh temp dir is ours alone).
    const entries = [...files].map(([rel, text]) => [resolveInside(tmp, rel, { file: shown }), text] as const);
    for (const dir of new Set(entries.map(([dest]) => path.dirname(dest)))) fs.mkdirSync(dir, { recursive: true });
    for (const [dest, text] of entries) fs.writeFileSync(dest, text, { flag: 'wx' });
    await fsp.mkdir(path.join(tmp, '.pvpatch'), { recursive: true });
    await fsp.writeFile(path.join(tmp, '.pvpatch', 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  }, { durable: false });
}

function renderApply(o: ApplyOutcome, root: string): string {
  const notable = o.hunks.filter((h) => h.status !== 'exact');
  const lines = [`applied ${o.patches} patches (${o.hunks.length} hunks) to drop ${o.drop}`];
  if (notable.length > 0) {
    lines.push('', table(['patch', 'file', 'hunk', 'result'], notable.map((h) => [h.patch, h.file, `#${h.hunk}`, h.status === 'offset' ? `offset ${h.offset > 0 ? '+' : ''}${h.offset} lines` : `fuzz ${h.fuzz}${h.offset ? `, offset ${h.offset > 0 ? '+' : ''}${h.offset}` : ''}`])));
  }
  lines.push('', `annotated tree: ${path.relative(root, o.out) || '.'}/ (${o.files.size} files, ${o.manifest.regions.length} guarded regions; manifest in .pvpatch/manifest.json)`);
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
    .option('--build', 'then build the tree for every kernel (as `pvpatch build`)')
    .option('--json', 'machine-readable output')
    .action(async (opts: ApplyOptions, cmd: Command) => {
      const fuzz = opts.fuzz === undefined ? 2 : Number(opts.fuzz);
      if (!Number.isInteger(fuzz) || fuzz < 0 || fuzz > 3) throw new InputError(`--fuzz must be 0..3, not "${opts.fuzz}"`);
      const { outcome, ws } = await withWorkspace(cmd, 'apply', async (ws) => {
        const target = path.resolve(ws.root, opts.out ?? 'out');
        const mem = await applyInMemoryRaw(ws, { drop: opts.drop, annotate: opts.annotate, fuzz });
        await writeTree(target, mem.files, mem.manifest, ws.root);
        return { outcome: { ...mem, out: target } satisfies ApplyOutcome, ws };
      });
      let buildOk = true;
      let builds;
      if (opts.build) {
        builds = await runBuildMatrix(ws, outcome.out, { json: opts.json });
        buildOk = builds.every((b) => b.ok);
      }
      if (opts.json) {
        printJson({ drop: outcome.drop, out: outcome.out, patches: outcome.patches, hunks: outcome.hunks, regions: outcome.manifest.regions.length, ...(builds ? { build: { ok: buildOk, kernels: builds.map(({ log: _l, ...b }) => b) } } : {}) });
        if (!buildOk) process.exitCode = 1;
        return;
      }
      print(renderApply(outcome, ws.root));
      if (builds) {
        print('\n' + renderMatrix(ws, builds));
        if (!buildOk) throw new CheckFailed(`build failed for ${builds.filter((b) => !b.ok).map((b) => b.kernel).join(', ')}`);
      }
    });
}
