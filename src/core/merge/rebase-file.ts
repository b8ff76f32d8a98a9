/**
 * Rebase one patch's change to one file onto a new upstream drop — the pure core of
 * `pvpatch rebase --onto V` for one (patch, file) pair.
 *
 * The change is prev → ours (the file before and after this patch, on the old drop); it is
 * carried onto theirs (the new drop with the previous patches already rebased). The merge base
 * is prev, as for a cherry-pick: prev → theirs is upstream's change, prev → ours the patch's.
 *
 * Order: no-op / already upstream → exact, offset, fuzz (the patch core's applyFilePatch, as
 * GNU patch places hunks) → a branch-aware three-way merge:
 *   every guard the patch added that wraps upstream lines (its `#else` branch, or the body of an
 *   `#if NEW` guard) is collapsed to one placeholder line in all three texts — its upstream lines
 *   in prev and theirs, the whole guard in ours — so the guard is no change at all for the merge
 *   and upstream's edits next to it merge by themselves; afterwards the placeholder becomes the
 *   patch's guard with the upstream branch re-taken from theirs. Only compat code can conflict.
 *   Everything else (non-guard hunks, compat-only guards, guards whose wrapped lines upstream
 *   deleted or changed across the guard's edge) is a plain three-way merge (node-diff3).
 * Every guard the patch added whose base lines upstream changed within `staleContext` (3) lines
 * is reported `stale` even when the file merged or applied cleanly.
 */
import type { ReviewItem } from '../review/model.js';
import type { FilePatch } from '../patch/model.js';
import { applyFilePatch, reverseFilePatch } from '../patch/apply.js';
import { createFilePatch } from '../patch/create.js';
import { mergeRecords, renderMerge, type ConflictRegion, type MergeChunk, type MergeLabels } from './diff3.js';
import { findPatchGuards, type PatchGuard } from './guards.js';
import { diffHunks, formatUnified, hunksNear, mapRange, splitEvenHunks, withNeighbours, type Hunk } from './hunks.js';
import { splitRecords, stripEol } from './lines.js';
import { conflictKey, hashText, lookupResolution, type Hasher, type ResolutionCache } from './rerere.js';

/** How a file's part of a patch got onto the new drop. */
export type FileStatus = 'clean' | 'offset' | 'fuzz' | 'merged' | 'conflict' | 'already-upstream';

/** What exact → offset → fuzz application produced. */
export interface AppliedPatch {
  status: 'clean' | 'offset' | 'fuzz';
  text: string;
}

/**
 * Applies this patch's hunks for the file (prev → ours) to a text with exact, then offset, then
 * fuzzy matching, or returns undefined when a hunk fails. The default is applyPatchCore.
 */
export type ApplyPatchHook = (target: string) => AppliedPatch | undefined;

/**
 * The patch core's application of `fp` to `target` (GNU patch placement, fuzz up to `maxFuzz`,
 * default 2): `clean` when every hunk landed exactly, `fuzz` when one needed fuzz, else `offset`;
 * undefined when a hunk is rejected. A deletion result (null) reads as "".
 */
export function applyPatchCore(fp: FilePatch, target: string, maxFuzz = 2): AppliedPatch | undefined {
  const r = applyFilePatch(target, fp, { maxFuzz });
  if (!r.ok) return undefined;
  const status = r.hunks.some((h) => h.status === 'fuzz') ? 'fuzz' : r.hunks.some((h) => h.status === 'offset') ? 'offset' : 'clean';
  return { status, text: r.text ?? '' };
}

export interface FileRebaseInput {
  /** Series entry, e.g. "blkfront/elevator-noop.patch". */
  patch: string;
  /** Defaults to the series entry's directory ("blkfront"). */
  subsystem?: string;
  /** Path inside the tree, e.g. "blkfront/blkfront.c". */
  path: string;
  /**
   * The old drop's file. Not needed by the merge (prev is this patch's true base, and equals
   * base for the first patch touching the file); accepted so callers can pass the whole picture.
   */
  base?: string;
  /** Old drop + the patches before this one. */
  prev: string;
  /** Old drop + the patches up to and including this one. */
  ours: string;
  /** New drop + the previous patches, already rebased. */
  theirs: string;
  /**
   * This patch's file diff as the patch file has it (parsed by the patch core); default: created
   * from prev → ours with 3 lines of context. Used for exact/offset/fuzz and the reverse check.
   */
  filePatch?: FilePatch;
  /** Most fuzz for the exact/offset/fuzz step (default 2, as GNU patch); 0 allows offset only. */
  maxFuzz?: number;
  /** Replaces the exact/offset/fuzz step (default: applyPatchCore with filePatch and maxFuzz). */
  applyPatch?: ApplyPatchHook;
  /** Recorded resolutions (rerere): a conflict with a matching entry is resolved. */
  resolutions?: ResolutionCache;
  /** Hash for conflict keys and ids; the shell passes sha1. Default: hashText. */
  hash?: Hasher;
  /** Conflict marker labels; default ours/base/theirs. */
  labels?: Partial<MergeLabels>;
  /** How near (in lines) an upstream change makes a guard stale. Default 3. */
  staleContext?: number;
}

/** A conflict a recorded resolution settled. */
export interface ResolvedByRerere {
  id: string;
  key: string;
  /** 1-based line where the resolution's lines start in `text`. */
  line: number;
}

export interface FileRebaseResult {
  path: string;
  status: FileStatus;
  /** The rebased file; with `status: 'conflict'`, with diff3 markers around each open conflict. */
  text: string;
  /** Open conflicts and stale guards, in text order (conflicts first on the same line). */
  items: ReviewItem[];
  /** Conflicts settled from `resolutions`. */
  resolved: ResolvedByRerere[];
  /** The guards the patch adds (positions in ours). */
  guards: PatchGuard[];
}

const SENTINEL = '\u{F8FF}pvpatch-guard ';

/** A guard collapsed for the merge: its upstream lines in prev [U) and in theirs [T). */
interface Collapse {
  guard: PatchGuard;
  sentinel: string;
  baseStart: number;
  baseEnd: number;
  theirsStart: number;
  theirsEnd: number;
  /** The guard as it goes into the merged text: ours' guard with theirs' upstream lines. */
  merged: string[];
}

/** A record array with ranges replaced by one record each, and where each record came from. */
interface Collapsed {
  records: string[];
  /** For each record: its [start, end) in the original array. */
  from: [number, number][];
}

function collapse(records: readonly string[], ranges: readonly { start: number; end: number; sentinel: string }[]): Collapsed {
  const out: string[] = [];
  const from: [number, number][] = [];
  let pos = 0;
  for (const r of ranges) {
    for (; pos < r.start; pos++) {
      out.push(records[pos] ?? '');
      from.push([pos, pos + 1]);
    }
    out.push(r.sentinel);
    from.push([r.start, r.end]);
    pos = r.end;
  }
  for (; pos < records.length; pos++) {
    out.push(records[pos] ?? '');
    from.push([pos, pos + 1]);
  }
  return { records: out, from };
}

/** Original index of collapsed index `x` (x may be one past the end). */
function originalStart(c: Collapsed, x: number, total: number): number {
  return c.from[x]?.[0] ?? total;
}

/** Original [start, end) of the collapsed range [x, x + n). */
function originalRange(c: Collapsed, x: number, n: number, total: number): [number, number] {
  const start = originalStart(c, x, total);
  if (n === 0) return [start, start];
  return [start, c.from[x + n - 1]?.[1] ?? total];
}

/** Ends `records` with a terminator when something is to follow a last line without one. */
function terminated(records: readonly string[], eol: string): string[] {
  const out = [...records];
  const last = out[out.length - 1];
  if (last !== undefined && !last.endsWith('\n')) out[out.length - 1] = last + eol;
  return out;
}

/** Choose the guards that can be collapsed and where their upstream lines are in theirs. */
function planCollapses(guards: readonly PatchGuard[], hunks: readonly Hunk[], oursR: readonly string[], theirsR: readonly string[], eol: string): Collapse[] {
  const picks: Collapse[] = [];
  const paired = splitEvenHunks(hunks);
  for (const guard of guards) {
    const up = guard.upstream;
    if (!up) continue;
    const m = mapRange(paired, up.baseStart, up.baseEnd);
    if (!m) continue; // an upstream change straddles the wrapped lines' edge: plain merge
    const prior = picks[picks.length - 1];
    const start = prior && m.start < prior.theirsEnd ? prior.theirsEnd : m.start;
    if (m.end <= start) continue; // upstream deleted the wrapped lines: plain merge (conflicts)
    const endRec = oursR[guard.end - 1] ?? '';
    const sentinel = `${SENTINEL}${picks.length}${endRec.endsWith('\r\n') ? '\r\n' : '\n'}`;
    const tail = oursR.slice(up.end, guard.end);
    const upstreamLines = theirsR.slice(start, m.end);
    const merged = [...oursR.slice(guard.start, up.start), ...(tail.length > 0 ? terminated(upstreamLines, eol) : upstreamLines), ...tail];
    picks.push({ guard, sentinel, baseStart: up.baseStart, baseEnd: up.baseEnd, theirsStart: start, theirsEnd: m.end, merged });
  }
  return picks;
}

interface MergeOutcome {
  text: string;
  /** Open conflicts, with the real ours range each covers. */
  conflicts: { region: ConflictRegion; ours: [number, number] }[];
  resolved: { region: ConflictRegion; ours: [number, number]; key: string }[];
  /** Expected lines of each guard in the output (ours' guard, or the collapsed guard merged). */
  expected: Map<PatchGuard, string[]>;
}

/** The branch-aware three-way merge of prev → ours onto theirs (see the module comment). */
function branchAwareMerge(
  prevR: readonly string[],
  oursR: readonly string[],
  theirsR: readonly string[],
  guards: readonly PatchGuard[],
  hunks: readonly Hunk[],
  input: FileRebaseInput,
): MergeOutcome {
  const eol = oursR.some((r) => r.endsWith('\r\n')) ? '\r\n' : '\n';
  const usable = ![prevR, oursR, theirsR].some((rs) => rs.some((r) => r.includes(SENTINEL)));
  const picks = usable ? planCollapses(guards, hunks, oursR, theirsR, eol) : [];
  const prevX = collapse(prevR, picks.map((p) => ({ start: p.baseStart, end: p.baseEnd, sentinel: p.sentinel })));
  const oursX = collapse(oursR, picks.map((p) => ({ start: p.guard.start, end: p.guard.end, sentinel: p.sentinel })));
  const theirsX = collapse(theirsR, picks.map((p) => ({ start: p.theirsStart, end: p.theirsEnd, sentinel: p.sentinel })));
  const bySentinel = new Map(picks.map((p) => [p.sentinel, p]));

  const expand = (records: readonly string[], side: 'merged' | 'base' | 'theirs'): string[] =>
    records.flatMap((r) => {
      const p = bySentinel.get(r);
      if (!p) return [r];
      if (side === 'base') return prevR.slice(p.baseStart, p.baseEnd);
      if (side === 'theirs') return theirsR.slice(p.theirsStart, p.theirsEnd);
      return p.merged;
    });

  const chunks = mergeRecords(prevX.records, oursX.records, theirsX.records);
  // Real ours range of each conflict, in chunk order (before expansion changes the sides).
  const oursRanges: [number, number][] = [];
  const expanded: MergeChunk[] = chunks.map((c) => {
    if (c.kind === 'ok') return { kind: 'ok', records: expand(c.records, 'merged') };
    oursRanges.push(originalRange(oursX, c.oursStart, c.ours.length, oursR.length));
    return {
      ...c,
      ours: expand(c.ours, 'merged'),
      base: expand(c.base, 'base'),
      theirs: expand(c.theirs, 'theirs'),
      oursStart: originalStart(oursX, c.oursStart, oursR.length),
      baseStart: originalStart(prevX, c.baseStart, prevR.length),
      theirsStart: originalStart(theirsX, c.theirsStart, theirsR.length),
    };
  });

  const hash = input.hash ?? hashText;
  const cache = input.resolutions;
  const rendered = renderMerge(expanded, input.labels, (region) => (cache ? lookupResolution(cache, conflictKey(region, hash), region) : undefined));
  const rangeOf = (r: ConflictRegion): [number, number] => oursRanges[r.index] ?? [r.oursStart, r.oursStart + r.ours.length];
  const expected = new Map<PatchGuard, string[]>();
  for (const g of guards) expected.set(g, g.lines);
  for (const p of picks) expected.set(p.guard, p.merged.map(stripEol));
  return {
    text: rendered.text,
    conflicts: rendered.conflicts.map((region) => ({ region, ours: rangeOf(region) })),
    resolved: rendered.resolved.map((region) => ({ region, ours: rangeOf(region), key: conflictKey(region, hash) })),
    expected,
  };
}

/** Index of `block` in `lines` at or after `from`, outside the `skip` ranges; -1 if absent. */
function findBlock(lines: readonly string[], block: readonly string[], from: number, skip: readonly [number, number][]): number {
  if (block.length === 0) return -1;
  outer: for (let i = from; i + block.length <= lines.length; i++) {
    for (const [s, e] of skip) if (i < e && i + block.length > s) continue outer;
    for (let k = 0; k < block.length; k++) if (lines[i + k] !== block[k]) continue outer;
    return i;
  }
  return -1;
}

const overlaps = (a: [number, number], s: number, e: number): boolean => a[0] < e && a[1] > s;

/** The series entry's directory: "blkfront/x.patch" → "blkfront"; "" when there is none. */
function subsystemOf(patch: string): string {
  const slash = patch.lastIndexOf('/');
  return slash < 0 ? '' : patch.slice(0, slash);
}

/** Whether the reverse of the patch applies to theirs exactly or with offset (no fuzz). */
function reverseApplies(fp: FilePatch | undefined, theirs: string): boolean {
  if (!fp || fp.hunks.length === 0) return false;
  const r = applyFilePatch(theirs, reverseFilePatch(fp), { maxFuzz: 0 });
  return r.ok;
}

/** Whether theirs already has the patch's change: the merge adds nothing to theirs. */
function containsChange(prevR: readonly string[], oursR: readonly string[], theirsR: readonly string[]): boolean {
  const chunks = mergeRecords(prevR, oursR, theirsR);
  if (chunks.some((c) => c.kind === 'conflict')) return false;
  const merged = chunks.flatMap((c) => (c.kind === 'ok' ? c.records : []));
  return merged.length === theirsR.length && merged.every((r, i) => r === theirsR[i]);
}

/**
 * Rebase one patch's change to one file (prev → ours) onto theirs.
 *
 * Status, in the order decided:
 *  - `clean` with theirs unchanged when the patch does not change the file (ours = prev);
 *  - `already-upstream` (text: theirs) when theirs already contains the change: ours = theirs,
 *    or merging the change into theirs adds nothing (each changed region of ours is, identically,
 *    in theirs);
 *  - `clean` (text: ours) when theirs = prev; else `clean`/`offset`/`fuzz` when the file diff
 *    applies (patch core, GNU placement: exact, offset, fuzz ≤ maxFuzz);
 *  - `already-upstream` when it does not apply but its reverse applies without fuzz (theirs has
 *    the patched lines in their context);
 *  - else the branch-aware merge: `merged` when no conflict is left open (recorded resolutions
 *    count as resolved), `conflict` otherwise (markers in the text).
 * Items: one `conflict` per open conflict (base/ours/theirs lines, the line of its `<<<<<<<`, the
 * guard's condition when it touches a guard the patch added) and one `stale` per added guard —
 * not in a conflict — with an upstream change within `staleContext` lines of its base lines
 * (base: the wrapped lines as the patch knew them; ours: the guard as the result has it; theirs:
 * upstream's current lines for it — [] for a compat-only guard — ; upstreamChange: the change as
 * unified-diff lines). Ids are `c-`/`s-` plus 8 hex digits of a hash of patch, path and content,
 * so the same conflict gets the same id on every run (`-2`, `-3`… on repeats within the file).
 * Never throws for any three strings.
 */
export function rebaseFile(input: FileRebaseInput): FileRebaseResult {
  const { prev, ours, theirs, path } = input;
  const done = (status: FileStatus, text: string, guards: PatchGuard[] = []): FileRebaseResult => ({ path, status, text, items: [], resolved: [], guards });
  if (ours === prev) return done('clean', theirs);
  const prevR = splitRecords(prev);
  const oursR = splitRecords(ours);
  const theirsR = splitRecords(theirs);
  const guards = findPatchGuards(prev, ours);
  if (ours === theirs || containsChange(prevR, oursR, theirsR)) return done('already-upstream', theirs, guards);

  const hunks = diffHunks(prevR, theirsR);
  let status: FileStatus;
  let outcome: MergeOutcome;
  const fp = input.filePatch ?? createFilePatch(path, prev, ours) ?? undefined;
  const apply: ApplyPatchHook = input.applyPatch ?? ((target) => (fp ? applyPatchCore(fp, target, input.maxFuzz) : undefined));
  const applied: AppliedPatch | undefined = theirs === prev ? { status: 'clean', text: ours } : apply(theirs);
  if (!applied && reverseApplies(fp, theirs)) return done('already-upstream', theirs, guards);
  if (applied) {
    status = applied.status;
    outcome = { text: applied.text, conflicts: [], resolved: [], expected: new Map(guards.map((g) => [g, g.lines])) };
  } else {
    outcome = branchAwareMerge(prevR, oursR, theirsR, guards, hunks, input);
    status = outcome.conflicts.length > 0 ? 'conflict' : 'merged';
  }
  return { path, status, text: outcome.text, ...reviewItems(input, prevR, theirsR, guards, hunks, outcome), guards };
}

/** The review items (open conflicts, stale guards) and rerere resolutions of a rebased file. */
function reviewItems(
  input: FileRebaseInput,
  prevR: readonly string[],
  theirsR: readonly string[],
  guards: readonly PatchGuard[],
  hunks: readonly Hunk[],
  outcome: MergeOutcome,
): { items: ReviewItem[]; resolved: ResolvedByRerere[] } {
  const hash = input.hash ?? hashText;
  const subsystem = input.subsystem ?? subsystemOf(input.patch);
  const context = input.staleContext ?? 3;
  const prevLines = prevR.map(stripEol);
  const theirsLines = theirsR.map(stripEol);
  const outLines = splitRecords(outcome.text).map(stripEol);
  const used = new Map<string, number>();
  const uniqueId = (id: string): string => {
    const n = (used.get(id) ?? 0) + 1;
    used.set(id, n);
    return n === 1 ? id : `${id}-${n}`;
  };
  const idFor = (prefix: string, content: string): string => uniqueId(`${prefix}-${hash(`${input.patch}\0${input.path}\0${content}`).slice(0, 8)}`);
  const guardAt = (range: [number, number]): PatchGuard | undefined => guards.find((g) => overlaps(range, g.start, g.end));

  const items: { item: ReviewItem; order: number }[] = [];
  const inConflict = new Set<PatchGuard>();
  const blocks: [number, number][] = [];
  for (const { region, ours } of outcome.conflicts) {
    const g = guardAt(ours);
    for (const h of guards) if (overlaps(ours, h.start, h.end)) inConflict.add(h);
    const key = conflictKey(region, hash);
    const item: ReviewItem = {
      id: idFor('c', key),
      kind: 'conflict',
      patch: input.patch,
      subsystem,
      file: input.path,
      line: region.line,
      base: region.base,
      ours: region.ours,
      theirs: region.theirs,
      status: 'open',
    };
    if (g) item.condition = g.condition;
    items.push({ item, order: region.line * 2 });
    blocks.push([region.line - 1, region.line - 1 + region.ours.length + region.base.length + region.theirs.length + 4]);
  }
  const resolved: ResolvedByRerere[] = [];
  for (const { region, ours, key } of outcome.resolved) {
    for (const h of guards) if (overlaps(ours, h.start, h.end)) inConflict.add(h);
    resolved.push({ id: idFor('c', key), key, line: region.line });
  }

  let cursor = 0;
  for (const g of guards) {
    const want = outcome.expected.get(g) ?? g.lines;
    const at = findBlock(outLines, want, cursor, blocks);
    if (at >= 0) cursor = at + want.length;
    if (inConflict.has(g)) continue;
    const near = hunksNear(hunks, g.baseStart, g.baseEnd, context);
    if (near.length === 0) continue;
    const mapped = g.baseEnd > g.baseStart ? mapRange(splitEvenHunks(hunks), g.baseStart, g.baseEnd) : undefined;
    const base = prevLines.slice(g.baseStart, g.baseEnd);
    const theirs = mapped ? theirsLines.slice(mapped.start, mapped.end) : [];
    const oursLines = at >= 0 ? outLines.slice(at, at + want.length) : want;
    const line = at >= 0 ? at + 1 : Math.min(g.start + 1, Math.max(outLines.length, 1));
    const item: ReviewItem = {
      id: idFor('s', `stale\0${g.condition}\0${oursLines.join('\n')}\0${theirs.join('\n')}`),
      kind: 'stale',
      patch: input.patch,
      subsystem,
      file: input.path,
      line,
      base,
      ours: oursLines,
      theirs,
      condition: g.condition,
      upstreamChange: formatUnified(prevLines, theirsLines, withNeighbours(hunks, near, context), context),
      status: 'open',
    };
    items.push({ item, order: line * 2 + 1 });
  }
  items.sort((a, b) => a.order - b.order);
  return { items: items.map((x) => x.item), resolved };
}

/** A patch's outcome over all its files, as the rebase report shows it. */
export type PatchRebaseStatus = FileStatus | 'stale' | 'dropped';

/**
 * The status of a whole patch from its files' results: `conflict` if any file conflicts;
 * `already-upstream` when every file is (the patch is proposed for dropping); `stale` when a file
 * has a stale guard; else the least exact of the files' statuses (merged > fuzz > offset > clean;
 * an already-upstream file in an otherwise carried patch counts as clean). No files: `clean`.
 * `dropped` is never returned: it records the maintainer's decision, made by the shell.
 */
export function patchStatus(files: readonly FileRebaseResult[]): PatchRebaseStatus {
  if (files.some((f) => f.status === 'conflict')) return 'conflict';
  if (files.length > 0 && files.every((f) => f.status === 'already-upstream')) return 'already-upstream';
  if (files.some((f) => f.items.some((i) => i.kind === 'stale'))) return 'stale';
  const rank: Record<FileStatus, number> = { 'already-upstream': 0, clean: 0, offset: 1, fuzz: 2, merged: 3, conflict: 4 };
  let worst: FileStatus = 'clean';
  for (const f of files) if (rank[f.status] > rank[worst]) worst = f.status;
  return worst;
}
