/**
 * Rebase a whole series onto a new drop (pure): for each patch in order, each of its files is
 * carried by rebaseFile (exact → offset → fuzz → branch-aware three-way merge), recorded
 * resolutions (rerere) settle conflicts seen before, and the maintainer's decisions on stale
 * guards are applied. The run never stops at a conflict: later patches are carried on top of a
 * provisional text (the patch's side of each open conflict), so one session shows every item;
 * `--continue` re-runs the whole thing with the new resolutions, which is deterministic.
 */
import { CheckFailed } from './errors.js';
import { isHeaderOnly, type SeriesPatch } from './apply-series.js';
import { parsePatch } from './patch/parse.js';
import { formatPatch } from './patch/format.js';
import { applyFilePatch } from './patch/apply.js';
import { createFilePatch } from './patch/create.js';
import type { FilePatch } from './patch/model.js';
import { rebaseFile, patchStatus, type FileRebaseResult, type PatchRebaseStatus } from './merge/rebase-file.js';
import { findConflicts, type Hasher, type ResolutionCache } from './merge/rerere.js';
import { setPvpatchBase } from './merge/pvpatch-base.js';
import { splitRecords, stripEol } from './merge/lines.js';
import { resolvedLines } from './review/resolve.js';
import type { Decision, ReviewItem } from './review/model.js';
import { subsystemOf } from './series.js';

export interface RebaseSeriesInput {
  from: string;
  onto: string;
  /** The texts of the drops' files, by path: those the series touches are enough (the others are not read). */
  oldDrop: ReadonlyMap<string, string>;
  newDrop: ReadonlyMap<string, string>;
  /** The series; a patch already parsed (parsePatches) is not parsed again. */
  patches: readonly SeriesPatch[];
  /** Recorded resolutions of conflicts (rerere). */
  resolutions: ResolutionCache;
  /** Decisions on review items by id (stale guards reviewed, dropped or rewritten; patches dropped). */
  decisions: ReadonlyMap<string, Decision>;
  /** Patches the maintainer dropped (e.g. accepted "already upstream" proposals). */
  droppedPatches: ReadonlySet<string>;
  /** sha1-like hasher for conflict keys and ids. */
  hash: Hasher;
  /** git blob hash of a text (for Pvpatch-Base). */
  blobHash: (text: string) => string;
  /** Told before each patch is rebased: how many are done, how many in all, the patch's name. */
  onPatch?: (done: number, total: number, patch: string) => void;
}

export interface FileOutcome {
  path: string;
  status: FileRebaseResult['status'];
}

export interface PatchOutcome {
  patch: string;
  subsystem: string;
  status: PatchRebaseStatus;
  kinds: string[];
  files: FileOutcome[];
  items: ReviewItem[];
  /** The refreshed patch text, or null when the patch is dropped / already upstream and accepted. */
  newText: string | null;
  /** One line saying why, for the report. */
  detail: string;
}

export interface RebaseSeriesResult {
  patches: PatchOutcome[];
  items: ReviewItem[];
  /** Conflicts still open (items of kind conflict without a resolution). */
  openConflicts: number;
  /** The new drop with every rebased patch applied (provisional where conflicts are open). */
  files: Map<string, string>;
}

function terminate(lines: readonly string[], eol: string): string {
  return lines.map((l) => l + eol).join('');
}

/** The text with each marked conflict replaced by its patch (ours) side: a provisional base for later patches. */
function provisional(text: string): string {
  const conflicts = findConflicts(text);
  if (conflicts.length === 0) return text;
  const records = splitRecords(text);
  const out: string[] = [];
  let pos = 0;
  for (const c of conflicts) {
    for (; pos < c.start; pos++) out.push(records[pos] ?? '');
    const eol = (records[c.start] ?? '').endsWith('\r\n') ? '\r\n' : '\n';
    out.push(terminate(c.ours, eol));
    pos = c.end;
  }
  for (; pos < records.length; pos++) out.push(records[pos] ?? '');
  return out.join('');
}

/** Apply decisions on stale guards: replace the guard's lines at its place by what the decision says. */
function applyStaleDecisions(text: string, items: ReviewItem[], decisions: ReadonlyMap<string, Decision>): string {
  let records = splitRecords(text);
  for (const item of items) {
    const d = decisions.get(item.id);
    if (!d || item.kind !== 'stale' || d.take === 'reviewed' || d.take === 'patch') continue;
    const lines = records.map(stripEol);
    const want = item.ours;
    let at = -1;
    for (let delta = 0; delta < lines.length && at < 0; delta++) {
      for (const s of [item.line - 1 + delta, item.line - 1 - delta]) {
        if (s >= 0 && s + want.length <= lines.length && want.every((w, k) => lines[s + k] === w)) {
          at = s;
          break;
        }
      }
    }
    if (at < 0) continue;
    const eol = (records[at] ?? '\n').endsWith('\r\n') ? '\r\n' : '\n';
    const replacement = resolvedLines(item, d).map((l) => l + eol);
    records = [...records.slice(0, at), ...replacement, ...records.slice(at + want.length)];
  }
  return records.join('');
}

function withStatus(item: ReviewItem, decisions: ReadonlyMap<string, Decision>): ReviewItem {
  const d = decisions.get(item.id);
  if (!d) return item;
  const status = d.take === 'reviewed' ? 'reviewed' : d.take === 'drop' ? 'dropped' : 'resolved';
  return { ...item, status, decision: d };
}

const DETAIL: Record<PatchRebaseStatus, string> = {
  clean: 'applied exactly',
  offset: 'applied at an offset',
  fuzz: 'applied with fuzz (context changed upstream)',
  merged: 'three-way merged cleanly',
  conflict: 'conflicts need a decision',
  stale: 'carried, but upstream changed lines in or near a guard: review the compat branch',
  'already-upstream': 'the new drop already contains this change: proposed for dropping',
  dropped: 'dropped by the maintainer',
};

/** Rebase the series; see the module comment. Throws CheckFailed when the series does not apply to the old drop. */
export function rebaseSeries(input: RebaseSeriesInput): RebaseSeriesResult {
  const curOld = new Map(input.oldDrop);
  const curNew = new Map(input.newDrop);
  const outcomes: PatchOutcome[] = [];
  for (const { entry, text, parsed: given } of input.patches) {
    input.onPatch?.(outcomes.length, input.patches.length, entry.name);
    if (isHeaderOnly(text)) {
      // Nothing to carry yet: the patch keeps its header as it is.
      const dropped = input.droppedPatches.has(entry.name);
      outcomes.push({ patch: entry.name, subsystem: subsystemOf(entry.name), status: dropped ? 'dropped' : 'clean', kinds: [], files: [], items: [], newText: dropped ? null : text, detail: dropped ? DETAIL.dropped : 'no diff yet (header only): kept as it is' });
      continue;
    }
    const parsed = given ?? parsePatch(text, `patches/${entry.name}`);
    const results: FileRebaseResult[] = [];
    const newFiles: FilePatch[] = [];
    const blobs: Record<string, string> = {};
    const dropped = input.droppedPatches.has(entry.name);
    for (const fp of parsed.files) {
      const path = (fp.newPath ?? fp.oldPath) as string;
      const prev = fp.oldPath === null ? null : curOld.get(fp.oldPath);
      if (prev === undefined) throw new CheckFailed(`${entry.name}: ${fp.oldPath} is not in drop ${input.from} (the series must apply to the drop it is based on; run "pvpatch apply")`);
      const applied = applyFilePatch(prev, fp);
      if (!applied.ok) throw new CheckFailed(`${entry.name} does not apply to drop ${input.from} (${applied.message}); fix the series first ("pvpatch apply" shows where)`);
      const ours = applied.text ?? '';
      const theirs = curNew.get(path) ?? '';
      const r = rebaseFile({
        patch: entry.name,
        path,
        prev: prev ?? '',
        ours,
        theirs,
        resolutions: input.resolutions,
        hash: input.hash,
        labels: { ours: `patch ${entry.name}`, base: `drop ${input.from}`, theirs: `drop ${input.onto}` },
        applyPatch: (target) => {
          const a = applyFilePatch(target, fp);
          if (!a.ok) return undefined;
          const worst = a.hunks.some((h) => h.status === 'fuzz') ? 'fuzz' : a.hunks.some((h) => h.status === 'offset') ? 'offset' : 'clean';
          return { status: worst, text: a.text ?? '' };
        },
      });
      const decided = applyStaleDecisions(r.text, r.items, input.decisions);
      results.push({ ...r, text: decided });
      curOld.set(path, ours);
      if (fp.oldPath !== null && fp.oldPath !== path) curOld.delete(fp.oldPath);
      const baseText = input.newDrop.get(path);
      if (baseText !== undefined) blobs[path] = input.blobHash(baseText);
      if (dropped) continue;
      const next = provisional(decided);
      const fpNew = createFilePatch(path, curNew.has(path) ? theirs : null, applied.text === null ? null : decided);
      if (fpNew) newFiles.push(fpNew);
      if (applied.text === null) curNew.delete(path);
      else curNew.set(path, next);
    }
    const items = results.flatMap((r) => r.items).map((i) => withStatus(i, input.decisions));
    const status: PatchRebaseStatus = dropped ? 'dropped' : patchStatus(results);
    const kinds = [...new Set(results.flatMap((r) => [r.status as string, ...(r.items.some((i) => i.kind === 'stale') ? ['stale'] : [])]))];
    const header = setPvpatchBase(parsed.header, { version: input.onto, blobs });
    const newText = dropped || newFiles.length === 0 ? null : formatPatch({ header, files: newFiles, trailer: parsed.trailer });
    outcomes.push({
      patch: entry.name,
      subsystem: subsystemOf(entry.name),
      status,
      kinds,
      files: results.map((r) => ({ path: r.path, status: r.status })),
      items,
      newText,
      detail: results.some((r) => r.resolved.length > 0) ? `${DETAIL[status]}; conflicts settled by the maintainer's recorded resolutions` : DETAIL[status],
    });
  }
  const items = outcomes.flatMap((o) => o.items);
  return { patches: outcomes, items, openConflicts: items.filter((i) => i.kind === 'conflict' && i.status === 'open').length, files: curNew };
}
