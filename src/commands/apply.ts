import path from 'node:path';
import fs, { promises as fsp } from 'node:fs';
import type { Command } from 'commander';
import { CheckFailed, InputError } from '../core/errors.js';
import { applySeries, applySeriesByFile, describeFailure, parsePatches, touchedPaths, type HunkOutcome, type SeriesPatch } from '../core/apply-series.js';
import { annotateLines, annotateSideLines, splitLinesKeepEnds } from '../core/annotate.js';
import { assembleManifest, buildManifest, fileRegions, type Manifest, type ManifestRegion } from '../core/manifest.js';
import { joinLines } from '../core/patch/apply.js';
import { appendAll } from '../core/merge/lines.js';
import { branchOracle } from '../core/kernel-branches.js';
import { assertNoSymlinks, exists, listTree, recoverSiblings, replaceDirAtomic } from '../io/fs.js';
import { dropText, readDrop, readDropFiles, readSeriesPatches, selectDrop, type Workspace } from '../io/workspace.js';
import type { Drop } from '../core/drops.js';
import { placeInTree, startTreeWriter, writeTreeFilesSync } from '../io/tree-writer.js';
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
  /** Files in the tree written. */
  fileCount: number;
}

type InMemory<T> = Omit<ApplyOutcome, 'out' | 'fileCount'> & { files: Map<string, T> };

/** Apply the series to a drop in memory: the annotated files and the manifest (nothing written). */
export async function applyInMemory(ws: Workspace, opts: { drop?: string; annotate?: boolean; fuzz?: number }): Promise<InMemory<string>> {
  const drop = selectDrop(ws, opts.drop);
  const [files, texts] = await Promise.all([readDropFiles(ws, drop), readSeriesPatches(ws)]);
  const applied = applyFiles(files, seriesOf(ws, texts), opts);
  return { ...applied, drop: drop.version, manifest: manifestOf(ws, drop, applied) };
}

function seriesOf(ws: Workspace, texts: ReadonlyMap<string, string>): SeriesPatch[] {
  return ws.series.map((entry) => ({ entry, text: texts.get(entry.name) as string }));
}

interface Applied<T> {
  patches: number;
  hunks: HunkOutcome[];
  files: Map<string, string | T>;
  origins: Map<string, (string | null)[]>;
}

/** The series applied to `files` (CheckFailed, exit 1, when a hunk does not apply), annotated unless told not to. */
function applyFiles<T extends string | Uint8Array>(
  files: ReadonlyMap<string, T>,
  series: readonly SeriesPatch[],
  opts: { annotate?: boolean; fuzz?: number },
  text?: (rel: string, raw: Uint8Array) => string,
): Applied<T> {
  const result = applySeries(files, series, { maxFuzz: opts.fuzz ?? 2, ...(text ? { text } : {}) });
  if (!result.ok) throw new CheckFailed(describeFailure(result.failure), { file: `patches/${result.failure.patch}` });
  const out = new Map<string, string | T>();
  for (const [file, content] of result.files) {
    const origins = result.origins.get(file);
    out.set(file, opts.annotate === false || !origins || typeof content !== 'string' ? content : annotateLines(splitLinesKeepEnds(content), origins).join(''));
  }
  return { patches: series.length, hunks: result.hunks, files: out, origins: result.origins };
}

function manifestOf(ws: Workspace, drop: Drop, applied: Applied<string | Uint8Array>): Manifest {
  return buildManifest(applied.files, applied.origins, ws.config, { drop: drop.version, series: ws.series.map((e) => e.name) }, branchOracle(ws.config));
}

/**
 * Check that `target` may be replaced by a tree: an existing directory only if it is pvpatch output
 * (or empty). A symlink is never followed nor replaced: not as the target, not inside it, and (for a
 * target in the workspace `root`) not on the way to it. Returns how to name it in messages.
 */
async function checkTreeTarget(target: string, root?: string): Promise<string> {
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
  return shown;
}

function writeManifest(tmp: string, manifest: Manifest): void {
  fs.mkdirSync(path.join(tmp, '.pvpatch'), { recursive: true });
  fs.writeFileSync(path.join(tmp, '.pvpatch', 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
}

/** Write the tree atomically: a temp directory swapped in (see checkTreeTarget for what may be replaced). */
export async function writeTree(target: string, files: ReadonlyMap<string, string | Uint8Array>, manifest: Manifest, root?: string): Promise<void> {
  const shown = await checkTreeTarget(target, root);
  await replaceDirAtomic(target, async (tmp) => {
    writeTreeFilesSync(tmp, files, shown);
    writeManifest(tmp, manifest);
  }, { durable: false });
}

/**
 * `pvpatch apply`: apply the series and write the tree, the files no patch touches (most of a large
 * tree) written from the drop's verified bytes on a second thread while the series is applied, the
 * others once they are made. Nothing is left behind when a hunk fails.
 */
async function applyAndWrite(ws: Workspace, target: string, opts: { drop?: string; annotate?: boolean; fuzz?: number }): Promise<Omit<ApplyOutcome, 'out'>> {
  const drop = selectDrop(ws, opts.drop);
  const texts = await readSeriesPatches(ws);
  const series = parsePatches(seriesOf(ws, texts));
  const touched = touchedPaths(series);
  // The files no patch touches are copied, unread, when their stats say they were verified before.
  const { bytes, trusted, remember } = await readDrop(ws, drop, (rel) => touched.has(rel));
  const shown = await checkTreeTarget(target, ws.root);
  let outcome: Omit<ApplyOutcome, 'out'> | undefined;
  await replaceDirAtomic(target, async (tmp) => {
    const untouched = [...bytes.keys(), ...trusted.keys()].filter((rel) => !touched.has(rel));
    const paths = placeInTree(tmp, untouched, shown);
    const writer = startTreeWriter(untouched.map((rel) => {
      const t = trusted.get(rel);
      return [paths.get(rel) as string, t ? { from: t.abs, stat: t.stat } : (bytes.get(rel) as Buffer)] as const;
    }));
    let done: { hunks: HunkOutcome[]; manifest: Manifest; written: number };
    try {
      // Only what the series touches is applied; the rest is the drop as it is.
      const inputs = new Map([...bytes].filter(([rel]) => touched.has(rel)));
      const emit = (files: ReadonlyArray<readonly [string, string | Uint8Array]>): void => {
        const placed = placeInTree(tmp, files.map(([rel]) => rel), shown);
        writer.add(files.map(([rel, content]) => [placed.get(rel) as string, content] as const));
      };
      done = applyTouched(ws, drop, inputs, series, opts, emit);
    } catch (err) {
      await writer.finish().catch(() => undefined);
      throw err;
    }
    await writer.finish();
    writeManifest(tmp, done.manifest);
    outcome = { drop: drop.version, patches: series.length, hunks: done.hunks, manifest: done.manifest, fileCount: untouched.length + done.written };
  }, { durable: false });
  await remember();
  return outcome as Omit<ApplyOutcome, 'out'>;
}

/**
 * Apply the series to the files it touches, handing each finished file to `emit` (in batches, so
 * that they are written while the rest is computed): one file at a time where the series allows
 * it (no renames), so that only one file's lines are held at once; else in series order.
 */
function applyTouched(
  ws: Workspace,
  drop: Drop,
  inputs: ReadonlyMap<string, Uint8Array>,
  series: readonly SeriesPatch[],
  opts: { annotate?: boolean; fuzz?: number },
  emit: (files: ReadonlyArray<readonly [string, string | Uint8Array]>) => void,
): { hunks: HunkOutcome[]; manifest: Manifest; written: number } {
  const text = (rel: string, raw: Uint8Array): string => dropText(drop, rel, raw);
  const meta = { drop: drop.version, series: ws.series.map((e) => e.name) };
  const oracle = branchOracle(ws.config);
  const regions: ManifestRegion[] = [];
  let batch: [string, string][] = [];
  let batchBytes = 0;
  let written = 0;
  const r = applySeriesByFile(inputs, series, { maxFuzz: opts.fuzz ?? 2, text }, ({ file, lines, origins }) => {
    if (lines === null) return;
    if (opts.annotate !== false) annotateSideLines(lines, origins);
    const content = joinLines(lines);
    appendAll(regions, fileRegions(file, content, origins, ws.config, oracle));
    batch.push([file, content]);
    written++;
    batchBytes += content.length;
    if (batchBytes > 1 << 20) {
      emit(batch);
      batch = [];
      batchBytes = 0;
    }
  });
  if (r === undefined) {
    const applied = applyFiles(inputs, series, opts, text);
    emit([...applied.files]);
    return { hunks: applied.hunks, manifest: manifestOf(ws, drop, applied), written: applied.files.size };
  }
  if (!r.ok) throw new CheckFailed(describeFailure(r.failure), { file: `patches/${r.failure.patch}` });
  emit(batch);
  return { hunks: r.hunks, manifest: assembleManifest(regions, ws.config, meta), written };
}

function renderApply(o: ApplyOutcome, root: string): string {
  const notable = o.hunks.filter((h) => h.status !== 'exact');
  const lines = [`applied ${o.patches} patches (${o.hunks.length} hunks) to drop ${o.drop}`];
  if (notable.length > 0) {
    lines.push('', table(['patch', 'file', 'hunk', 'result'], notable.map((h) => [h.patch, h.file, `#${h.hunk}`, h.status === 'offset' ? `offset ${h.offset > 0 ? '+' : ''}${h.offset} lines` : `fuzz ${h.fuzz}${h.offset ? `, offset ${h.offset > 0 ? '+' : ''}${h.offset}` : ''}`])));
  }
  lines.push('', `annotated tree: ${path.relative(root, o.out) || '.'}/ (${o.fileCount} files, ${o.manifest.regions.length} guarded regions; manifest in .pvpatch/manifest.json)`);
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
        const mem = await applyAndWrite(ws, target, { drop: opts.drop, annotate: opts.annotate, fuzz });
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
