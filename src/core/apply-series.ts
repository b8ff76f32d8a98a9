import { CheckFailed } from './errors.js';
import { appendAll } from './merge/lines.js';
import type { SeriesEntry } from './series.js';
import { hasForeignDiff, parsePatch } from './patch/parse.js';
import { applyFileLines, joinLines, splitLines, type LinesApplied } from './patch/apply.js';
import type { FilePatch, Hunk, PatchFile, SideLine } from './patch/model.js';

export interface SeriesPatch {
  entry: SeriesEntry;
  text: string;
  /** The text already parsed (by a caller that needed it first); parsed here otherwise. */
  parsed?: PatchFile;
}

/**
 * Parse each patch of a series once (header-only patches have no files), so that a caller can see
 * which files the series touches before applying it; applySeries takes the result as is.
 */
export function parsePatches(patches: readonly SeriesPatch[]): SeriesPatch[] {
  return patches.map((sp) => (sp.parsed || isHeaderOnly(sp.text) ? sp : { ...sp, parsed: parsePatch(sp.text, `patches/${sp.entry.name}`) }));
}

/** Every path a parsed series reads, writes, renames or deletes. */
export function touchedPaths(patches: readonly SeriesPatch[]): Set<string> {
  const out = new Set<string>();
  for (const sp of patches) {
    for (const fp of sp.parsed?.files ?? []) {
      if (fp.oldPath !== null) out.add(fp.oldPath);
      if (fp.newPath !== null) out.add(fp.newPath);
    }
  }
  return out;
}

export type HunkStatus = 'exact' | 'offset' | 'fuzz';

export interface HunkOutcome {
  patch: string;
  file: string;
  /** 1-based hunk number within the file's diff, as GNU patch counts them. */
  hunk: number;
  header: string;
  status: HunkStatus;
  offset: number;
  fuzz: number;
  /** 1-based line in the result where the hunk landed. */
  line: number;
}

export interface ApplyFailure {
  patch: string;
  file: string;
  hunk: number;
  header: string;
  reason: string;
  closest?: { line: number; matchingLines: number; ofLines: number };
}

/** With a drop of raw bytes (T = Uint8Array), the files no patch touched stay raw. */
export type SeriesResult<T extends string | Uint8Array = string> =
  | { ok: true; files: Map<string, string | T>; origins: Map<string, (string | null)[]>; hunks: HunkOutcome[]; applied: string[] }
  | { ok: false; failure: ApplyFailure; hunks: HunkOutcome[]; applied: string[]; files: Map<string, string | T> };

export interface ApplySeriesOptions {
  maxFuzz?: number;
  trackOrigins?: boolean;
  /** Turns a raw drop file into text the first time a patch touches it (default: strict UTF-8). */
  text?: (file: string, raw: Uint8Array) => string;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A patch with a header but no diff yet (as `pvpatch new` writes it): quilt applies it as a
 * no-op, and so does pvpatch. Recognised by the absence of `diff --git` and `---`/`+++` pairs,
 * and of anything parsePatch refuses (an ed script or context diff is no empty patch: it is refused).
 */
export function isHeaderOnly(text: string): boolean {
  return !/^diff --git /m.test(text) && !/^--- [^\n]*\r?\n\+\+\+ /m.test(text) && !hasForeignDiff(text);
}

export function hunkHeader(h: Hunk): string {
  const range = (start: number, count: number): string => (count === 1 ? `${start}` : `${start},${count}`);
  return `@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@${h.section ? ` ${h.section.trim()}` : ''}`;
}

function targetPath(fp: FilePatch): string {
  return (fp.newPath ?? fp.oldPath) as string;
}

/** The failure as a one-paragraph message (patch, hunk header, file, closest place). */
export function describeFailure(f: ApplyFailure): string {
  let s = `hunk #${f.hunk} (${f.header}) of ${f.patch} does not apply to ${f.file}: ${f.reason}`;
  if (f.closest) s += `; closest match at line ${f.closest.line} (${f.closest.matchingLines} of ${f.closest.ofLines} lines match)`;
  return s;
}

/** A drop file's lines (text as is; bytes through `opts.text`, else strict UTF-8). */
function linesOfRaw(file: string, v: string | Uint8Array, opts: ApplySeriesOptions): SideLine[] {
  return splitLines(typeof v === 'string' ? v : opts.text ? opts.text(file, v) : strictUtf8.decode(v));
}

type StepFailure = Omit<ApplyFailure, 'patch' | 'file'>;

/**
 * One file diff of patch `name` applied to `source` (the lines of its old path; undefined when
 * that is not in the tree, null for a creation); `exists`: whether `file` is in the tree. The
 * failure, or the result with its hunk outcomes.
 */
function applyStep(name: string, fp: FilePatch, file: string, source: SideLine[] | null | undefined, exists: boolean, maxFuzz: number): { failure: StepFailure } | { r: LinesApplied; outcomes: HunkOutcome[] } {
  const header = fp.hunks[0] ? hunkHeader(fp.hunks[0]) : '';
  if (source === undefined) return { failure: { hunk: 1, header, reason: `${fp.oldPath} is not in the tree` } };
  if (fp.oldPath === null && exists) return { failure: { hunk: 1, header, reason: `the patch creates ${file}, which already exists` } };
  const r = applyFileLines(source, fp, { maxFuzz });
  if (!r.ok) {
    const h = fp.hunks[r.failedHunk];
    return { failure: { hunk: r.failedHunk + 1, header: h ? hunkHeader(h) : '', reason: r.message, closest: r.closest ?? undefined } };
  }
  const outcomes = r.hunks.map((rep): HunkOutcome => {
    const h = fp.hunks[rep.index];
    return { patch: name, file, hunk: rep.index + 1, header: h ? hunkHeader(h) : '', status: rep.status, offset: rep.offset, fuzz: rep.fuzz, line: rep.line };
  });
  return { r, outcomes };
}

/** The origins after a step: lines the hunks added come from patch `name`; copied lines keep theirs. */
function originsAfter(r: LinesApplied, prev: readonly (string | null)[] | undefined, name: string): (string | null)[] {
  return r.sources.map((i) => (i < 0 ? name : (prev?.[i] ?? null)));
}

/**
 * Apply the series, in order, to the drop's files (path → text). Every hunk is placed exact,
 * then by offset, then with fuzz (up to `maxFuzz` context lines dropped, as GNU patch); the first
 * hunk that cannot be placed stops the run and is returned as a failure (nothing is written by
 * this pure function; the caller writes only a complete result). Patch texts that do not parse
 * throw PatchParseError naming patches/NAME:line. Origins record which patch added each line (the hunks' `+` lines).
 */
export function applySeries<T extends string | Uint8Array = string>(
  drop: ReadonlyMap<string, T>,
  patches: readonly SeriesPatch[],
  opts: ApplySeriesOptions = {},
): SeriesResult<T> {
  const files = new Map<string, string | T>(drop);
  // The files patches touched, as lines: split once, joined once at the end (not per patch).
  const touched = new Map<string, SideLine[]>();
  const linesOf = (name: string): SideLine[] | undefined => {
    const cached = touched.get(name);
    if (cached) return cached;
    const v = files.get(name);
    if (v === undefined) return undefined;
    const lines = linesOfRaw(name, v, opts);
    touched.set(name, lines);
    return lines;
  };
  const settle = (): Map<string, string | T> => {
    for (const [name, lines] of touched) files.set(name, joinLines(lines));
    touched.clear();
    return files;
  };
  const origins = new Map<string, (string | null)[]>();
  const track = opts.trackOrigins ?? true;
  const hunks: HunkOutcome[] = [];
  const applied: string[] = [];
  for (const { entry, text, parsed: given } of patches) {
    if (!given && isHeaderOnly(text)) {
      applied.push(entry.name);
      continue;
    }
    const parsed = given ?? parsePatch(text, `patches/${entry.name}`);
    for (const fp of parsed.files) {
      const file = targetPath(fp);
      const step = applyStep(entry.name, fp, file, fp.oldPath === null ? null : linesOf(fp.oldPath), files.has(file), opts.maxFuzz ?? 2);
      if ('failure' in step) return { ok: false, failure: { patch: entry.name, file, ...step.failure }, hunks, applied, files: settle() };
      const { r } = step;
      appendAll(hunks, step.outcomes);
      if (track) {
        const prev = origins.get(fp.oldPath ?? file);
        origins.delete(fp.oldPath ?? file);
        if (r.lines !== null) origins.set(file, originsAfter(r, prev, entry.name));
      }
      if (fp.oldPath !== null && fp.oldPath !== file) {
        files.delete(fp.oldPath);
        touched.delete(fp.oldPath);
      }
      if (r.lines === null) {
        files.delete(file);
        touched.delete(file);
      } else {
        // A placeholder until settle() joins the lines: the key keeps the tree's listing right.
        files.set(file, '');
        touched.set(file, r.lines);
      }
    }
    applied.push(entry.name);
  }
  return { ok: true, files: settle(), origins, hunks, applied };
}

/** applySeries that throws CheckFailed (exit 1) with the failure's message. */
export function applySeriesOrThrow(drop: ReadonlyMap<string, string>, patches: readonly SeriesPatch[], opts: ApplySeriesOptions = {}): Extract<SeriesResult, { ok: true }> {
  const r = applySeries(drop, patches, opts);
  if (!r.ok) throw new CheckFailed(describeFailure(r.failure), { file: `patches/${r.failure.patch}` });
  return r;
}

/** What applySeriesByFile hands over for each file a series touches, once all its patches are applied. */
export interface FileApplied {
  file: string;
  /** The file's lines; null when the series deletes it. */
  lines: SideLine[] | null;
  /** Per line, the series name of the patch that added it, or null for an upstream line. */
  origins: (string | null)[];
  /** The outcomes of the file's hunks, with their places in the series. */
  outcomes: PlacedOutcome[];
}

export type ByFileResult =
  | { ok: true; hunks: HunkOutcome[]; applied: string[] }
  | { ok: false; failure: ApplyFailure; hunks: HunkOutcome[]; applied: string[] };

/** One file diff of a series: the patch (index in the series), its place in that patch, the diff. */
export interface FileStep {
  patch: number;
  nth: number;
  fp: FilePatch;
}

/** A hunk outcome with its place in the series (patch index, file diff in that patch). */
export interface PlacedOutcome {
  patch: number;
  nth: number;
  outcome: HunkOutcome;
}

/**
 * What a patch's file diffs touch, in order: the path each one is about (its new path, or its old
 * one for a deletion), and whether it renames or copies a file. Enough to plan a series without
 * the diffs themselves (src/io/apply-cache.ts keeps it per patch text).
 */
export type PatchTouches = Array<{ file: string; moves: boolean }>;

export function patchTouches(parsed: PatchFile | undefined): PatchTouches {
  return (parsed?.files ?? []).map((fp) => ({
    file: targetPath(fp),
    moves: fp.oldPath !== null && fp.newPath !== null && (fp.oldPath !== fp.newPath || fp.gitHeader.some((l) => l.startsWith('copy from '))),
  }));
}

/** The places (patch index, file diff in it) per file, in series order; undefined when a patch renames or copies a file. */
export function placesByFile(touches: readonly PatchTouches[]): Map<string, { patch: number; nth: number }[]> | undefined {
  const byFile = new Map<string, { patch: number; nth: number }[]>();
  for (let p = 0; p < touches.length; p++) {
    const list = touches[p] as PatchTouches;
    for (let nth = 0; nth < list.length; nth++) {
      const t = list[nth] as PatchTouches[number];
      if (t.moves) return undefined;
      let places = byFile.get(t.file);
      if (!places) byFile.set(t.file, (places = []));
      places.push({ patch: p, nth });
    }
  }
  return byFile;
}

/**
 * The file diffs of a parsed series per file, in series order; undefined when a patch renames or
 * copies a file (then the files cannot be applied one by one).
 */
export function stepsByFile(patches: readonly SeriesPatch[]): Map<string, FileStep[]> | undefined {
  const places = placesByFile(patches.map((sp) => patchTouches(sp.parsed)));
  if (!places) return undefined;
  const byFile = new Map<string, FileStep[]>();
  for (const [file, list] of places) {
    byFile.set(file, list.map(({ patch, nth }) => ({ patch, nth, fp: (patches[patch] as SeriesPatch).parsed?.files[nth] as FilePatch })));
  }
  return byFile;
}

/**
 * applySeries one file at a time: each file's patches in series order, then `onFile` with the
 * result, so that a caller can finish a file (annotate, write, describe) before the next is split
 * into lines, and never holds every touched file's lines at once. Without renames or copies a
 * file's result depends only on its own diffs, so this gives what applySeries gives: the same
 * files, origins, hunk outcomes (in series order) and first failure (the failing hunk earliest in
 * the series; `onFile` is not called once a failure is known). Returns undefined, having done
 * nothing, when a patch renames or copies a file: then the series must be applied in order.
 * The patches must be parsed (parsePatches). With `known`, the files it names are not applied:
 * their hunk outcomes are given (a caller that has their result already, see src/io/apply-cache.ts).
 */
export function applySeriesByFile<T extends string | Uint8Array>(
  drop: ReadonlyMap<string, T>,
  patches: readonly SeriesPatch[],
  opts: ApplySeriesOptions,
  onFile: (f: FileApplied) => void,
  known?: ReadonlyMap<string, readonly PlacedOutcome[]>,
): ByFileResult | undefined {
  const byFile = stepsByFile(patches);
  if (!byFile) return undefined;
  const tagged: PlacedOutcome[] = [];
  for (const outcomes of known?.values() ?? []) appendAll(tagged, outcomes);
  let failure: { patch: number; nth: number; failure: ApplyFailure } | undefined;
  const fail = (s: FileStep, f: StepFailure, file: string): void => {
    if (!failure || s.patch < failure.patch || (s.patch === failure.patch && s.nth < failure.nth)) {
      failure = { patch: s.patch, nth: s.nth, failure: { patch: (patches[s.patch] as SeriesPatch).entry.name, file, ...f } };
    }
  };
  for (const [file, steps] of byFile) {
    if (known?.has(file)) continue;
    const raw = drop.get(file);
    let lines: SideLine[] | null = raw === undefined ? null : linesOfRaw(file, raw, opts);
    let origins: (string | null)[] = [];
    const outcomes: PlacedOutcome[] = [];
    let failed = false;
    for (const s of steps) {
      const { fp } = s;
      const name = (patches[s.patch] as SeriesPatch).entry.name;
      const source = fp.oldPath === null ? null : (lines ?? undefined);
      const step = applyStep(name, fp, file, source, lines !== null, opts.maxFuzz ?? 2);
      if ('failure' in step) {
        fail(s, step.failure, file);
        failed = true;
        break;
      }
      for (const outcome of step.outcomes) outcomes.push({ patch: s.patch, nth: s.nth, outcome });
      origins = step.r.lines === null ? [] : originsAfter(step.r, origins, name);
      lines = step.r.lines;
    }
    appendAll(tagged, outcomes);
    if (!failed && !failure) onFile({ file, lines, origins, outcomes });
  }
  // In series order: by patch, then by the file's place in the patch (hunks of a file are in order).
  tagged.sort((a, b) => a.patch - b.patch || a.nth - b.nth);
  const before = (t: { patch: number; nth: number }): boolean => !failure || t.patch < failure.patch || (t.patch === failure.patch && t.nth < failure.nth);
  const hunks = tagged.filter(before).map((t) => t.outcome);
  const names = patches.map((sp) => sp.entry.name);
  if (failure) return { ok: false, failure: failure.failure, hunks, applied: names.slice(0, failure.patch) };
  return { ok: true, hunks, applied: names };
}
