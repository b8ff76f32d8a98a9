import path from 'node:path';
import fs from 'node:fs';
import { CheckFailed, IoError } from '../core/errors.js';
import { applySeries, applySeriesByFile, describeFailure, parsePatches, patchTouches, placesByFile, touchedPaths, type HunkOutcome, type PatchTouches, type PlacedOutcome, type SeriesPatch } from '../core/apply-series.js';
import { APPLY_CACHE_FORMAT, dropDamagedEntry, entryKey, entryTextRel, loadTouches, lookup, openCache, type CacheView, saveTouches, type Place, placeOutcomes, pruneCache, entryFiles, type CacheEntry, type CacheHit } from '../io/apply-cache.js';
import { linkStore, MANIFEST_IN_TREE, recordKey, saveRecord, statDirs, updateStore, type RecordedFile, type TreeRecord } from '../io/apply-record.js';
import { patchStatsOf, quickCheckOf, storedFiles, type QuickCheck, type StoredFile } from '../io/apply-record-read.js';
import { sha256 } from '../io/hash.js';
import { writtenMode } from '../io/verified.js';
import { STORE_CHANGED, type StoreLink, type TreeContent } from '../io/tree-writer-core.js';
import { VERSION } from '../version.js';
import { annotateLines, annotateSideLines, splitLinesKeepEnds } from '../core/annotate.js';
import { assembleManifest, buildManifest, fileRegions, type Manifest, type ManifestRegion } from '../core/manifest.js';
import { joinLines } from '../core/patch/apply.js';
import { appendAll } from '../core/merge/lines.js';
import { branchOracle } from '../core/kernel-branches.js';
import { replaceDirAtomic } from '../io/fs.js';
import { checkTreeTarget } from '../io/tree-target.js';
import { dropDir, dropText, readDrop, readDropFiles, readSeriesPatches, readSeriesPatchesSync, selectDrop, seriesShas, type Workspace } from '../io/workspace.js';
import type { SeriesEntry } from '../core/series.js';
import type { Drop } from '../core/drops.js';
import { placeInTree, startTreeWriter, writeTreeFilesSync } from '../io/tree-writer.js';

export interface ApplyOutcome {
  drop: string;
  out: string;
  patches: number;
  /** Every hunk's outcome; from the record without --json, only those that did not apply exactly. */
  hunks: HunkOutcome[];
  hunkCount: number;
  /** Guarded regions in the manifest. */
  regions: number;
  /** Files in the tree written. */
  fileCount: number;
  /**
   * How the cache served this apply (null with --no-cache): the whole tree copied as the last apply
   * of the same inputs wrote it (src/io/apply-record.ts; `quick`: those inputs known the same by
   * their stats alone, the workspace not read), or touched files taken from the cache of per-file
   * results and files applied. `inPlace`: the tree at the target was already that one, linked from
   * the record's store, and nothing was written.
   */
  cache: { tree: boolean; quick: boolean; inPlace?: boolean; files: number; applied: number } | null;
}

interface InMemory<T> {
  drop: string;
  patches: number;
  hunks: HunkOutcome[];
  manifest: Manifest;
  files: Map<string, T>;
}

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

/** Write the tree's manifest; its text. */
function writeManifest(tmp: string, manifest: Manifest): string {
  const text = JSON.stringify(manifest, null, 2) + '\n';
  fs.mkdirSync(path.join(tmp, '.pvpatch'), { recursive: true });
  fs.writeFileSync(path.join(tmp, '.pvpatch', 'manifest.json'), text);
  return text;
}

/** Write the tree atomically: a temp directory swapped in (see checkTreeTarget for what may be replaced). */
export async function writeTree(target: string, files: ReadonlyMap<string, string | Uint8Array>, manifest: Manifest, root?: string): Promise<void> {
  const shown = await checkTreeTarget(target, root);
  await replaceDirAtomic(target, async (tmp) => {
    writeTreeFilesSync(tmp, files, shown);
    writeManifest(tmp, manifest);
  }, { durable: false });
}

/** What apply takes from the cache (see src/io/apply-cache.ts), and the keys of what it must store. */
interface CachePlan {
  hits: Map<string, CacheHit>;
  /** Placed outcomes of the hits. */
  known: Map<string, PlacedOutcome[]>;
  /** Keys of the files to apply. */
  misses: Map<string, string>;
  /** The entries this apply uses (hits and the entries stored for the misses), by key. */
  used: Map<string, CacheEntry>;
  cache: CacheView;
  /** Each touched file's diffs (their places), in series order. */
  steps: Map<string, Place[]>;
}

function planCache(ws: Workspace, drop: Drop, names: readonly string[], patchShas: readonly string[], steps: Map<string, Place[]>, opts: ApplyRunOptions): CachePlan {
  const cache = openCache(ws.root);
  const plan: CachePlan = { hits: new Map(), known: new Map(), misses: new Map(), steps, used: new Map(), cache };
  const configSha = sha256(JSON.stringify(ws.config));
  for (const [file, fileSteps] of steps) {
    const key = entryKey({ file, dropSha: drop.files[file] ?? null, steps: fileSteps, names, patchShas, fuzz: opts.fuzz ?? 2, annotate: opts.annotate !== false, configSha, version: VERSION });
    const hit = lookup(cache, key);
    const placed = hit && hit.entry.file === file ? placeOutcomes(hit.entry, fileSteps) : undefined;
    if (hit && placed) {
      plan.hits.set(file, hit);
      plan.known.set(file, placed);
      plan.used.set(key, hit.entry);
    } else plan.misses.set(file, key);
  }
  return plan;
}

/** The patch texts of a series as apply reads them: all at once (--no-cache), or only those it needs. */
type SeriesTexts = { all: ReadonlyMap<string, string> } | { shas: readonly string[]; text: (i: number) => string };

/**
 * The series parsed as far as apply needs it, the files it touches, and (unless --no-cache) the
 * cache plan. With the cache, a patch whose text was parsed before is parsed again only when a file
 * it touches is not in the cache: what it touches is known (src/io/apply-cache.ts), and its text is
 * not even read (`texts.text` reads it when it is needed).
 */
function prepareSeries(ws: Workspace, drop: Drop, texts: SeriesTexts, opts: ApplyRunOptions): { series: SeriesPatch[]; touched: Set<string>; plan?: CachePlan; shas?: string[]; remember: () => void } {
  const parseOne = (sp: SeriesPatch): SeriesPatch => parsePatches([sp])[0] as SeriesPatch;
  if ('all' in texts) {
    const series = parsePatches(seriesOf(ws, texts.all));
    return { series, touched: touchedPaths(series), remember: () => undefined };
  }
  const shas = [...texts.shas];
  // A patch not read yet has no text here: read (and parsed) only if it is needed below.
  const unread = new Set<number>();
  const read = (i: number): SeriesPatch => ({ entry: ws.series[i] as SeriesEntry, text: texts.text(i) });
  const known = loadTouches(ws.root);
  let learnt = false;
  let series = ws.series.map((entry, i): SeriesPatch => {
    if (known.has(shas[i] as string)) {
      unread.add(i);
      return { entry, text: '' };
    }
    return parseOne(read(i));
  });
  const touches = series.map((sp, i) => {
    if (known.has(shas[i] as string)) return known.get(shas[i] as string) as PatchTouches;
    learnt = true;
    const t = patchTouches(sp.parsed);
    known.set(shas[i] as string, t);
    return t;
  });
  const steps = placesByFile(touches);
  if (!steps) {
    // A rename or a copy: the series is applied in order, every patch parsed.
    series = series.map((sp, i) => (unread.has(i) ? parseOne(read(i)) : sp));
    return { series, touched: touchedPaths(series), remember: () => undefined };
  }
  const plan = planCache(ws, drop, series.map((sp) => sp.entry.name), shas, steps, opts);
  const needed = new Set([...plan.misses.keys()].flatMap((f) => (steps.get(f) ?? []).map((s) => s.patch)));
  series = series.map((sp, i) => (needed.has(i) && unread.has(i) ? parseOne(read(i)) : sp));
  // What the new patch texts touch is saved once apply succeeded.
  return { series, touched: new Set(steps.keys()), plan, shas, remember: () => (learnt ? saveTouches(ws.root, known, shas) : undefined) };
}

/**
 * The series' texts for prepareSeries: with --no-cache all of them, read now; else the sha256 of
 * each (from the last record for a patch whose lstat is the one recorded with it, else read and
 * hashed, its text kept), the others' texts read only when needed and refused when they no longer
 * hash to that sha256.
 */
async function seriesTexts(ws: Workspace, opts: ApplyRunOptions, patchStats: Map<string, string>): Promise<SeriesTexts> {
  if (opts.cache === false) return { all: await readSeriesPatches(ws, ws.series, patchStats) };
  const read = new Map<string, string>();
  const shas = await seriesShas(ws, opts.last ? patchStatsOf(opts.last) : new Map(), patchStats, read);
  const text = (i: number): string => {
    const entry = ws.series[i] as SeriesEntry;
    const had = read.get(entry.name);
    if (had !== undefined) return had;
    const got = readSeriesPatchesSync(ws, [entry]).get(entry.name) as string;
    if (sha256(got) !== shas[i]) throw new IoError('changed while apply was reading the series: run apply again', { file: `patches/${entry.name}` });
    return got;
  };
  return { shas, text };
}

export interface ApplyRunOptions {
  drop?: string;
  annotate?: boolean;
  fuzz?: number;
  /** false: neither use nor fill the cache of per-file results. */
  cache?: boolean;
  /** The input files' stat keys from before the workspace was read (inputStats), for the record's quick check. */
  inputs?: QuickCheck['inputs'];
  /** false: link nothing from the last tree's store (a file of it was found changed). */
  storeLinks?: boolean;
  /** The record of the last tree, as the command read it (its store is linked from: storeLinker). */
  last?: TreeRecord;
  /** Told what is being done ("applying 120/571 files"), at most every 100 ms: a progress line on a terminal. */
  onProgress?: (text: string) => void;
}

/** `say` called at most every `ms` milliseconds (a new step, `force`, always), or nothing without `say`. */
function throttled(say: ((text: string) => void) | undefined, ms = 100): (text: () => string, force?: boolean) => void {
  if (!say) return () => undefined;
  let last = -Infinity;
  return (text, force = false) => {
    const now = Date.now();
    if (!force && now - last < ms) return;
    last = now;
    say(text());
  };
}

/**
 * `pvpatch apply`: apply the series and write the tree, the files no patch touches (most of a large
 * tree) written from the drop's verified bytes on a second thread while the series is applied, the
 * others once they are made, or taken from the cache of earlier results when their inputs are the
 * same. Nothing is left behind when a hunk fails.
 */
export async function applyAndWrite(ws: Workspace, target: string, opts: ApplyRunOptions): Promise<Omit<ApplyOutcome, 'out'>> {
  try {
    return await applyOnce(ws, target, opts);
  } catch (err) {
    // A file of the last tree's store changed since it was recorded (found as it was linked,
    // nothing swapped in): apply again without the store.
    if (err instanceof IoError && err.message.includes(STORE_CHANGED)) return applyOnce(ws, target, { ...opts, storeLinks: false });
    // A damaged cache entry (found as its text was copied, nothing swapped in): forget it, apply again.
    const damaged = err instanceof IoError ? dropDamagedEntry(ws.root, err.message) : false;
    if (!damaged) throw err;
    return applyOnce(ws, target, opts);
  }
}

/** What the record of a tree needs (src/io/apply-record.ts), gathered as apply goes. */
interface RecordParts {
  key: string;
  patches: [string, string, string][];
  dirs: [string, string][];
  outs: Map<string, string | null>;
  manifest: string;
  /** The linkKey of each file of the tree in the record's store (none: no store). */
  store?: Map<string, string>;
}

/**
 * The file of the last tree's store to link for a place of this tree, when it came from `src` (with
 * its stat key then `srcStat`, if given). `linked`: the places it gave a link for, with the store
 * file's linkKey; `stored`: the places of the last tree's store.
 */
interface StoreLinker {
  (rel: string, src: string, srcStat?: string): StoreLink | undefined;
  linked: Map<string, string>;
  stored: ReadonlyMap<string, StoredFile>;
}

/**
 * Where this apply's tree has a file that the last tree had too, made from the same source (a drop
 * file with the stat key it was recorded with, or the same cached text), it is hard-linked from that
 * tree's store (src/io/apply-record.ts) instead of being written again: after an edit to one patch,
 * only what it changed is written. Each link is checked as it is made (StoreLink); a store file found
 * changed makes apply start again without the store (applyAndWrite). Not with --no-cache.
 */
function storeLinker(ws: Workspace, opts: ApplyRunOptions): StoreLinker {
  const stored: ReadonlyMap<string, StoredFile> = opts.cache === false || opts.storeLinks === false || !opts.last ? new Map() : storedFiles(ws.root, opts.last);
  const mode = writtenMode();
  const linked = new Map<string, string>();
  const link = (rel: string, src: string, srcStat?: string): StoreLink | undefined => {
    const s = stored.get(rel);
    if (!s || s.src !== src || (srcStat !== undefined && s.srcStat !== srcStat)) return undefined;
    linked.set(rel, s.key);
    return { link: s.path, key: s.key, mode };
  };
  return Object.assign(link, { linked, stored });
}

async function applyOnce(ws: Workspace, target: string, opts: ApplyRunOptions): Promise<Omit<ApplyOutcome, 'out'>> {
  const drop = selectDrop(ws, opts.drop);
  const shown = await checkTreeTarget(target, ws.root);
  // The writer thread starts now: its start-up overlaps with reading and parsing the series.
  // Room to share the tree's files between the threads at the end: the drop's, and as many created.
  const writer = startTreeWriter([], 2 * Object.keys(drop.files).length + 64);
  let outcome: Omit<ApplyOutcome, 'out'> | undefined;
  let plan: CachePlan | undefined;
  let remember: () => Promise<void> = async () => undefined;
  let rememberTouches: () => void = () => undefined;
  let parts: Partial<RecordParts> | undefined;
  let stats: Record<string, readonly string[]> = {};
  const patchStats = new Map<string, string>();
  const fromStore = storeLinker(ws, opts);
  const say = throttled(opts.onProgress);
  try {
    await replaceDirAtomic(target, async (tmp) => {
      try {
        say(() => `reading the series and drop ${drop.version} (${Object.keys(drop.files).length} files)`, true);
        const prepared = prepareSeries(ws, drop, await seriesTexts(ws, opts, patchStats), opts);
        const { series, touched } = prepared;
        rememberTouches = prepared.remember;
        plan = prepared.plan;
        const cached = plan?.hits;
        // The drop's directories before it is read: a change from now on is caught by the next apply.
        const shas = prepared.shas;
        const dirs = plan && shas ? statDirs(dropDir(ws, drop.version), Object.keys(drop.files)) : undefined;
        if (dirs && shas) {
          const patches = ws.series.flatMap((e, i): [string, string, string][] => (patchStats.has(e.name) ? [[e.name, shas[i] as string, patchStats.get(e.name) as string]] : []));
          parts = { dirs, patches, key: recordKey({ config: ws.config, drop, series: ws.series, patchShas: shas, fuzz: opts.fuzz ?? 2, annotate: opts.annotate !== false }) };
        }
        // Tree files (relative, placed under tmp), or with inTree false files elsewhere (absolute paths).
        const emit = (files: ReadonlyArray<readonly [string, TreeContent]>, inTree = true): void => {
          if (!inTree) {
            writer.add(files);
            return;
          }
          const placed = placeInTree(tmp, files.map(([rel]) => rel), shown);
          writer.add(files.map(([rel, content]) => [placed.get(rel) as string, content] as const));
        };
        // The files no patch touches go to the writer as soon as they are verified: copied unread
        // when their stats say they were verified before. So are the touched files whose result is
        // in the cache (only their drop file is checked).
        let pending: [string, TreeContent][] = [];
        let untouched = 0;
        const read = await readDrop(ws, drop, (rel) => touched.has(rel) && !cached?.has(rel), (rel, content) => {
          if (touched.has(rel)) return;
          untouched++;
          pending.push([rel, Buffer.isBuffer(content) ? content : (fromStore(rel, `upstream/${drop.version}/${rel}`, content.stat.join()) ?? { from: content.abs, stat: content.stat })]);
          if (pending.length >= 256) {
            emit(pending);
            pending = [];
          }
        });
        emit(pending);
        remember = read.remember;
        stats = read.stats;
        // Only what the series touches is applied; the rest is the drop as it is.
        const inputs = new Map([...read.bytes].filter(([rel]) => touched.has(rel)));
        const done = applyTouched(ws, drop, inputs, series, opts, emit, plan, fromStore, (n) => say(() => `applying the series: ${n}/${inputs.size} files`, n === 1));
        say(() => `writing the tree (${untouched + done.written} files)`, true);
        // Written here while the writer thread finishes the tree (this thread would only wait for it).
        const manifest = writeManifest(tmp, done.manifest);
        writer.help();
        await writer.finish();
        if (parts && done.outs) {
          const outs = done.outs;
          // The tree's files, kept in the store while no one else can have written to them.
          const places = [...Object.keys(drop.files).filter((rel) => !outs.has(rel)), ...[...outs].flatMap(([rel, out]) => (out === null ? [] : [rel])), MANIFEST_IN_TREE];
          // Made mostly of links to the last store (one patch edited, say): that store is updated.
          const store = fromStore.linked.size > 0 ? updateStore(ws.root, tmp, places, fromStore.linked, fromStore.stored.keys()) : linkStore(ws.root, tmp, places);
          Object.assign(parts, { outs, manifest, store });
        }
        const cache = plan ? { tree: false, quick: false, files: plan.hits.size, applied: plan.misses.size } : null;
        outcome = { drop: drop.version, patches: series.length, hunks: done.hunks, hunkCount: done.hunks.length, regions: done.manifest.regions.length, fileCount: untouched + done.written, cache };
      } catch (err) {
        // The thread must be done writing before the temp tree is removed.
        await writer.finish().catch(() => undefined);
        throw err;
      }
    }, { durable: false });
  } finally {
    // On every way out (a failure before the tree, too) the thread is told to end, and waited for.
    await writer.finish().catch(() => undefined);
  }
  await remember();
  rememberTouches();
  const used = plan;
  if (used) pruneCache(used.cache, used.used);
  const done = outcome as Omit<ApplyOutcome, 'out'>;
  if (parts?.outs && parts.manifest !== undefined) keepRecord(ws, drop, parts as RecordParts, stats, done, opts);
  return done;
}

/**
 * Record where each file of the tree just written came from, so that the next apply of the same
 * inputs copies it (src/io/apply-record.ts): the drop's untouched files with the stats they were
 * verified with, the touched ones' results from the cache, the touched drop files to check.
 */
function keepRecord(ws: Workspace, drop: Drop, parts: RecordParts, stats: Record<string, readonly string[]>, o: Omit<ApplyOutcome, 'out'>, opts: ApplyRunOptions): void {
  const files: RecordedFile[] = [];
  const statOf = (rel: string): string | undefined => stats[rel]?.slice(1).join();
  for (const rel of Object.keys(drop.files)) files.push([`upstream/${drop.version}/${rel}`, parts.outs.has(rel) ? null : rel, statOf(rel)]);
  for (const [rel, out] of parts.outs) if (out !== null) files.push([out, rel, undefined]);
  const quick = quickCheck(ws, parts.patches, o, opts);
  saveRecord(ws.root, { key: parts.key, drop: drop.version, patches: o.patches, regions: o.regions, dirs: parts.dirs, patchStats: parts.patches, ...(quick ? { quick } : {}) }, o.hunks, files, parts.manifest, parts.store);
}

/**
 * The record's quick check (see QuickCheck): only when the input files' stats were taken before
 * they were read and every patch of the series is trusted by its stat, so that the stats alone
 * stand for everything the record's key hashes.
 */
function quickCheck(ws: Workspace, patches: RecordParts['patches'], o: Omit<ApplyOutcome, 'out'>, opts: ApplyRunOptions): QuickCheck | undefined {
  if (!opts.inputs || patches.length !== ws.series.length || o.patches !== ws.series.length) return undefined;
  return quickCheckOf({ fuzz: opts.fuzz ?? 2, annotate: opts.annotate !== false, current: ws.drops.current, inputs: opts.inputs });
}

/**
 * Apply the series to the files it touches, handing each finished file to `emit` (in batches, so
 * that they are written while the rest is computed): one file at a time where the series allows
 * it (no renames), so that only one file's lines are held at once; else in series order. With a
 * cache plan, the hits are taken as they are and the results of the others are stored.
 */
function applyTouched(
  ws: Workspace,
  drop: Drop,
  inputs: ReadonlyMap<string, Uint8Array>,
  series: readonly SeriesPatch[],
  opts: ApplyRunOptions,
  emit: (files: ReadonlyArray<readonly [string, TreeContent]>, inTree?: boolean) => void,
  plan: CachePlan | undefined,
  fromStore: StoreLinker,
  applied: (files: number) => void = () => undefined,
): { hunks: HunkOutcome[]; manifest: Manifest; written: number; outs?: Map<string, string | null> } {
  const text = (rel: string, raw: Uint8Array): string => dropText(drop, rel, raw);
  // Where each touched file's result is kept in the cache (workspace-relative; null: deleted).
  const outs = new Map<string, string | null>();
  const meta = { drop: drop.version, series: ws.series.map((e) => e.name) };
  const oracle = branchOracle(ws.config);
  const regions: ManifestRegion[] = [];
  let batch: [string, TreeContent][] = [];
  let batchBytes = 0;
  let written = 0;
  const add = (file: string, content: TreeContent, size: number): void => {
    batch.push([file, content]);
    written++;
    batchBytes += size;
    if (batchBytes > 1 << 20) {
      emit(batch);
      batch = [];
      batchBytes = 0;
    }
  };
  for (const [file, hit] of plan?.hits ?? []) {
    appendAll(regions, hit.entry.regions);
    outs.set(file, hit.entry.deleted ? null : entryTextRel(hit.key));
    // A cached text is named by its inputs: the same name, the same text as the store's copy of it.
    if (!hit.entry.deleted) add(file, fromStore(file, entryTextRel(hit.key)) ?? { from: hit.text, sha256: hit.entry.sha }, 0);
  }
  const stores: [string, CacheEntry, string | null][] = [];
  let files = 0;
  const r = applySeriesByFile(inputs, series, { maxFuzz: opts.fuzz ?? 2, text }, ({ file, lines, origins, outcomes }) => {
    applied(++files);
    const key = plan?.misses.get(file);
    if (key !== undefined) outs.set(file, lines === null ? null : entryTextRel(key));
    if (lines === null) {
      if (key !== undefined) stores.push([key, cacheEntry(file, null, [], outcomes, plan?.steps.get(file) ?? []), null]);
      return;
    }
    if (opts.annotate !== false) annotateSideLines(lines, origins);
    const content = joinLines(lines);
    const fileRegs = fileRegions(file, content, origins, ws.config, oracle);
    appendAll(regions, fileRegs);
    add(file, content, content.length);
    if (key !== undefined) stores.push([key, cacheEntry(file, content, fileRegs, outcomes, plan?.steps.get(file) ?? []), content]);
  }, plan?.known);
  if (r === undefined) {
    const applied = applyFiles(inputs, series, opts, text);
    emit([...applied.files]);
    return { hunks: applied.hunks, manifest: manifestOf(ws, drop, applied), written: applied.files.size };
  }
  if (!r.ok) throw new CheckFailed(describeFailure(r.failure), { file: `patches/${r.failure.patch}` });
  emit(batch);
  // The cache entries go last to the writer thread: this thread, done, takes them from the end
  // while the writer finishes the tree (TreeWriter.help).
  emit(stores.flatMap(([key, , content]) => entryFiles(ws.root, key, content)), false);
  for (const [key, entry] of stores) plan?.used.set(key, entry);
  // Every touched file's result is kept: the tree can be recorded.
  const whole = plan !== undefined && [...plan.steps.keys()].every((f) => outs.has(f));
  return { hunks: r.hunks, manifest: assembleManifest(regions, ws.config, meta), written, ...(whole ? { outs } : {}) };
}

/** The cache entry of a file just applied: its outcomes by the file's own steps (not series places). */
function cacheEntry(file: string, content: string | null, regions: ManifestRegion[], outcomes: readonly PlacedOutcome[], steps: readonly Place[]): CacheEntry {
  return {
    format: APPLY_CACHE_FORMAT,
    file,
    deleted: content === null,
    sha: content === null ? '' : sha256(content),
    regions,
    outcomes: outcomes.map((o) => ({ step: steps.findIndex((s) => s.patch === o.patch && s.nth === o.nth), outcome: o.outcome })),
  };
}
