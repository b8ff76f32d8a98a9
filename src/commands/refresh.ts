import path from 'node:path';
import type { Command } from 'commander';
import { CheckFailed, InputError } from '../core/errors.js';
import { applySeries, describeFailure, isHeaderOnly, type ApplyFailure } from '../core/apply-series.js';
import { parsePatch } from '../core/patch/parse.js';
import { formatPatch, hunkKey } from '../core/patch/format.js';
import { createFilePatch } from '../core/patch/create.js';
import { applyPatch } from '../core/patch/apply.js';
import { fileOperation, type FilePatch, type Hunk, type PatchFile } from '../core/patch/model.js';
import { setPvpatchBase } from '../core/merge/pvpatch-base.js';
import type { SeriesEntry } from '../core/series.js';
import { readText, writeFileAtomic } from '../io/fs.js';
import { readDropFiles, readSeriesPatches, selectDrop, type Workspace } from '../io/workspace.js';
import {
  editTreeDir, loadEditBase, readEditState, readWorkTree, treeHashes, writeEditState, type EditState,
} from '../io/edit-state.js';
import { gitBlobHash, sha256 } from '../io/hash.js';
import { print, printJson, withWorkspace } from './common.js';

// ---- the refreshed patch (pure) --------------------------------------------------------------

export interface DiffStat {
  path: string;
  insertions: number;
  deletions: number;
}

function statsOf(files: readonly FilePatch[]): DiffStat[] {
  return files.map((fp) => {
    let insertions = 0;
    let deletions = 0;
    for (const h of fp.hunks) {
      for (const l of h.lines) {
        if (l[0] === '+') insertions++;
        else if (l[0] === '-') deletions++;
      }
    }
    return { path: fp.newPath ?? fp.oldPath ?? '', insertions, deletions };
  });
}

const STAT_LINE = /^ (.+?) +\| +(\d+)(?: [+-]*)?$/;
const SUMMARY_LINE = /^ (\d+) files? changed(?:, (\d+) insertions?\(\+\))?(?:, (\d+) deletions?\(-\))?$/;

/** git's diffstat lines for these stats: ` path | N +++--`, then ` 1 file changed, …`. */
export function renderDiffstat(stats: readonly DiffStat[]): string[] {
  if (stats.length === 0) return [];
  const nameWidth = Math.max(...stats.map((s) => s.path.length));
  const maxChange = Math.max(...stats.map((s) => s.insertions + s.deletions));
  const countWidth = String(maxChange).length;
  const barWidth = Math.max(10, 72 - nameWidth - countWidth);
  const scale = (n: number): number => (maxChange <= barWidth || n === 0 ? n : Math.floor((n * (barWidth - 1)) / maxChange) + 1);
  const lines = stats.map((s) => {
    const total = s.insertions + s.deletions;
    let plus = scale(s.insertions);
    let minus = scale(s.deletions);
    if (maxChange > barWidth && plus + minus > barWidth) {
      if (plus > minus) plus = barWidth - minus;
      else minus = barWidth - plus;
    }
    return ` ${s.path.padEnd(nameWidth)} | ${String(total).padStart(countWidth)} ${'+'.repeat(plus)}${'-'.repeat(minus)}`.trimEnd();
  });
  const ins = stats.reduce((n, s) => n + s.insertions, 0);
  const del = stats.reduce((n, s) => n + s.deletions, 0);
  let summary = ` ${stats.length} file${stats.length === 1 ? '' : 's'} changed`;
  if (ins > 0 || del === 0) summary += `, ${ins} insertion${ins === 1 ? '' : 's'}(+)`;
  if (del > 0 || ins === 0) summary += `, ${del} deletion${del === 1 ? '' : 's'}(-)`;
  return [...lines, summary];
}

/**
 * The header with its diffstat (the lines after the `---` separator, up to a blank line) brought
 * up to date: kept byte for byte when its per-file counts and totals already match, rewritten
 * in git's form when they do not. A header without a `---` separator, without a block after it,
 * or whose block is not a diffstat, is returned unchanged (headers stay the author's).
 */
export function updateDiffstat(header: string, stats: readonly DiffStat[]): string {
  const records = header.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  const strip = (r: string): string => r.replace(/\r?\n$/, '');
  const sep = records.findIndex((r) => strip(r) === '---');
  if (sep < 0) return header;
  const eol = (records[sep] ?? '').endsWith('\r\n') ? '\r\n' : '\n';
  let end = sep + 1;
  while (end < records.length && strip(records[end] ?? '').trim() !== '') end++;
  const block = records.slice(sep + 1, end).map(strip);
  const fresh = renderDiffstat(stats);
  if (block.length === 0) return header;
  const summary = block.length > 0 ? SUMMARY_LINE.exec(block[block.length - 1] ?? '') : null;
  const fileLines = block.slice(0, -1).map((l) => STAT_LINE.exec(l));
  if (!summary || fileLines.some((m) => m === null)) return header;
  const ins = stats.reduce((n, s) => n + s.insertions, 0);
  const del = stats.reduce((n, s) => n + s.deletions, 0);
  const same = fileLines.length === stats.length
    && Number(summary[1]) === stats.length
    && Number(summary[2] ?? 0) === ins
    && Number(summary[3] ?? 0) === del
    && fileLines.every((m, i) => {
      const s = stats[i];
      return m !== null && s !== undefined && (m[1] ?? '').trim() === s.path && Number(m[2]) === s.insertions + s.deletions;
    });
  if (same) return header;
  return [...records.slice(0, sep + 1), ...fresh.map((l) => l + eol), ...records.slice(end)].join('');
}

export interface RefreshInput {
  /** Series name, for messages. */
  name: string;
  /** The patch file as it is now. */
  oldText: string;
  /** drop + the patches before this one. */
  base: ReadonlyMap<string, string>;
  /** The edited tree. */
  tree: ReadonlyMap<string, string>;
  /** The drop the base was made from, and its own files (for `Pvpatch-Base:`). */
  drop: string;
  dropFiles: ReadonlyMap<string, string>;
  /** git blob id of a text (the shell computes it). */
  blobHash: (text: string) => string;
  /** Rewrite even when the patch already makes exactly this tree. */
  force?: boolean;
}

export interface FileChange {
  path: string;
  change: 'modify' | 'create' | 'delete';
  insertions: number;
  deletions: number;
}

export type RefreshResult =
  | { changed: false; text: string; files: FileChange[] }
  | { changed: true; text: string; files: FileChange[] };

function sameMap(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

/** The tree a patch text makes from `base`, or undefined when a hunk does not apply exactly. */
function applyExactly(base: ReadonlyMap<string, string>, patch: PatchFile, exact: boolean): Map<string, string> | undefined {
  const r = applyPatch((p) => base.get(p), patch, { maxFuzz: exact ? 0 : 2 });
  if (!r.ok) return undefined;
  if (exact && r.reports.some((f) => f.hunks.some((h) => h.status !== 'exact'))) return undefined;
  const out = new Map(base);
  for (const [p, t] of r.files) {
    if (t === null) out.delete(p);
    else out.set(p, t);
  }
  return out;
}

function changesOf(files: readonly FilePatch[]): FileChange[] {
  const stats = statsOf(files);
  return files.map((fp, i) => {
    const op = fileOperation(fp);
    return { path: stats[i]?.path ?? '', change: op === 'create' ? 'create' : op === 'delete' ? 'delete' : 'modify', insertions: stats[i]?.insertions ?? 0, deletions: stats[i]?.deletions ?? 0 };
  });
}

/** A hunk's key without its `@@` section text (git and diff -p pick function lines differently). */
function bodyKey(h: Hunk): string {
  return hunkKey({ ...h, section: '' });
}

/** Does the old file diff's `index a..b` line (if any) still name these blobs? */
function indexStillRight(fp: FilePatch, before: string, after: string): boolean {
  const line = fp.gitHeader.find((l) => l.startsWith('index '));
  const m = line === undefined ? null : /^index ([0-9a-f]+)\.\.([0-9a-f]+)/.exec(line);
  if (line === undefined) return true;
  return m !== null && before.startsWith(m[1] ?? '-') && after.startsWith(m[2] ?? '-');
}

/**
 * Regenerate a patch from its base and the edited tree. Unchanged — the patch text returned as
 * it is, byte for byte — when every hunk applies exactly to `base` and gives exactly `tree`
 * (unless `force`). Otherwise: the header and description byte-exact except for the
 * `Pvpatch-Base:` line (drop version and the blob id of each touched file in the drop) and a
 * diffstat brought up to date; one `diff --git` per changed file in path order (-p1 `a/` `b/`
 * names, `index` line, no timestamps, diff -p function context); a file diff whose hunks did not
 * change keeps its old text; the trailer kept. A tree equal to the base gives a header-only
 * patch. The result is checked: applied to `base` it must give `tree` (an Error otherwise: a bug).
 * Throws PatchParseError when the old patch does not parse.
 */
export function refreshPatch(input: RefreshInput): RefreshResult {
  const { name, oldText, base, tree } = input;
  const old: PatchFile = isHeaderOnly(oldText) ? { header: oldText, files: [], trailer: '' } : parsePatch(oldText, `patches/${name}`);
  if (!input.force) {
    const made = old.files.length === 0 ? new Map(base) : applyExactly(base, old, true);
    if (made && sameMap(made, tree)) return { changed: false, text: oldText, files: changesOf(old.files) };
  }
  const paths = [...new Set([...base.keys(), ...tree.keys()])].sort();
  const files: FilePatch[] = [];
  const abbrev = (t: string | undefined): string => (t === undefined ? '0000000' : input.blobHash(t).slice(0, 7));
  for (const p of paths) {
    const before = base.get(p);
    const after = tree.get(p);
    const fp = createFilePatch(p, before ?? null, after ?? null);
    if (!fp) continue;
    const blob = (t: string | undefined): string => (t === undefined ? '0000000' : input.blobHash(t));
    const oldFp = old.files.find((o) => o.oldPath === fp.oldPath && o.newPath === fp.newPath && o.isNew === fp.isNew && o.isDeleted === fp.isDeleted);
    if (oldFp) {
      // Hunks that did not change keep their old text (and their @@ section as it was written).
      fp.hunks = fp.hunks.map((h) => oldFp.hunks.find((o) => bodyKey(o) === bodyKey(h)) ?? h);
      const allKept = fp.hunks.length === oldFp.hunks.length && fp.hunks.every((h, i) => h === oldFp.hunks[i]);
      if (allKept && indexStillRight(oldFp, blob(before), blob(after))) {
        files.push(oldFp);
        continue;
      }
    }
    const index = `index ${abbrev(before)}..${abbrev(after)}${before !== undefined && after !== undefined ? ' 100644' : ''}`;
    fp.gitHeader.push(index);
    files.push(fp);
  }
  const blobs: Record<string, string> = {};
  for (const fp of files) {
    const p = fp.oldPath ?? fp.newPath;
    const t = p === null ? undefined : input.dropFiles.get(p);
    if (p !== null && t !== undefined) blobs[p] = input.blobHash(t);
  }
  let header = setPvpatchBase(old.header, { version: input.drop, blobs });
  header = updateDiffstat(header, statsOf(files));
  if (files.length > 0 && header !== '' && !header.endsWith('\n')) header += '\n';
  const text = formatPatch({ header, files, trailer: files.length > 0 ? old.trailer : '' });
  const check = files.length === 0 ? new Map(base) : applyExactly(base, parsePatch(text, `patches/${name}`), false);
  if (!check || !sameMap(check, tree)) throw new Error(`refreshing ${name}: the regenerated patch does not reproduce the work tree`);
  return { changed: true, text, files: changesOf(files) };
}

/** Apply the patches after the refreshed one to its result: the first failure, if any. */
export function checkLaterPatches(tree: ReadonlyMap<string, string>, after: readonly SeriesEntry[], texts: ReadonlyMap<string, string>): ApplyFailure | undefined {
  const patches = after.map((entry) => ({ entry, text: texts.get(entry.name) ?? '' })).filter((p) => !isHeaderOnly(p.text));
  const r = applySeries(tree, patches, { trackOrigins: false });
  return r.ok ? undefined : r.failure;
}

// ---- the shell ---------------------------------------------------------------------------------

export interface RefreshOutcome {
  patch: string;
  changed: boolean;
  written: boolean;
  files: FileChange[];
  /** Patches after it that were checked, and the first that no longer applies. */
  later: { checked: number; failure?: ApplyFailure };
}

/**
 * Regenerate `entry` from `tree` against `base`, write it (unless dryRun) and check the rest of
 * the series on top. Shared by refresh and guard. The caller holds the workspace lock.
 */
export async function refreshInWorkspace(
  ws: Workspace,
  entry: SeriesEntry,
  base: ReadonlyMap<string, string>,
  tree: ReadonlyMap<string, string>,
  opts: { dropVersion: string; force?: boolean; dryRun?: boolean; dropFiles?: ReadonlyMap<string, string> },
): Promise<RefreshOutcome & { text: string }> {
  const file = path.join(ws.root, 'patches', entry.name);
  const oldText = await readText(file, `patches/${entry.name}`);
  const drop = selectDrop(ws, opts.dropVersion);
  const dropFiles = opts.dropFiles ?? (await readDropFiles(ws, drop));
  const r = refreshPatch({ name: entry.name, oldText, base, tree, drop: drop.version, dropFiles, blobHash: gitBlobHash, force: opts.force });
  const written = r.changed && !opts.dryRun;
  if (written) await writeFileAtomic(file, r.text);
  const index = ws.series.findIndex((e) => e.name === entry.name);
  const after = ws.series.slice(index + 1);
  const texts = await readSeriesPatches(ws, after);
  const failure = checkLaterPatches(tree, after, texts);
  return { patch: entry.name, changed: r.changed, written, files: r.files, later: { checked: after.length, failure }, text: r.text };
}

export function renderRefresh(o: RefreshOutcome, dryRun = false): string {
  const lines: string[] = [];
  if (!o.changed) lines.push(`patches/${o.patch} is up to date (the work tree is what it makes): not rewritten`);
  else {
    lines.push(`${dryRun ? 'would refresh' : 'refreshed'} patches/${o.patch}: ${o.files.length} file${o.files.length === 1 ? '' : 's'}`);
    for (const f of o.files) lines.push(`  ${f.change === 'modify' ? 'M' : f.change === 'create' ? 'A' : 'D'} ${f.path} (+${f.insertions} -${f.deletions})`);
  }
  if (o.later.failure) lines.push(`a later patch no longer applies on top: ${describeFailure(o.later.failure)}`);
  else if (o.later.checked > 0) lines.push(`the ${o.later.checked} later patch${o.later.checked === 1 ? '' : 'es'} still apply on top`);
  return lines.join('\n');
}

/** Fail (exit 1) after reporting when a later patch no longer applies. */
export function failOnLater(o: RefreshOutcome, json: boolean | undefined): void {
  if (!o.later.failure) return;
  if (json) process.exitCode = 1;
  else throw new CheckFailed(`${o.later.failure.patch} no longer applies after ${o.patch}: fix it with "pvpatch edit ${o.later.failure.patch.replace(/\.patch$/, '')}"`, { file: `patches/${o.later.failure.patch}` });
}

/** The open edit, its series entry and its work tree, refusing what would lose work. */
export async function loadOpenEdit(ws: Workspace, opts: { force?: boolean }): Promise<{ state: EditState; entry: SeriesEntry; tree: Map<string, string> }> {
  const state = await readEditState(ws);
  if (!state) throw new InputError('no patch is open for editing; run "pvpatch edit SUBSYS/NAME" first');
  const entry = ws.series.find((e) => e.name === state.patch);
  if (!entry) throw new InputError(`${state.patch} is open for editing but no longer in patches/series; close the edit with "pvpatch edit --close --force"`, { file: 'patches/series' });
  if (ws.drops.current !== state.drop) {
    throw new InputError(`the edit of ${state.patch} was made on drop ${state.drop}, but the current drop is ${ws.drops.current}; close it ("pvpatch edit --close") and edit again`);
  }
  const now = await readText(path.join(ws.root, 'patches', entry.name), `patches/${entry.name}`);
  if (sha256(now) !== state.patchSha256 && !opts.force) {
    throw new InputError(`patches/${entry.name} changed since it was opened for editing; --force replaces it with the work tree's diff`, { file: `patches/${entry.name}` });
  }
  const tree = await readWorkTree(editTreeDir(ws, state));
  return { state, entry, tree };
}

/** After writing: the edit stays open, now relative to the refreshed patch. */
export async function recordRefreshed(ws: Workspace, state: EditState, text: string, tree: ReadonlyMap<string, string>): Promise<void> {
  await writeEditState(ws, { ...state, patchSha256: sha256(text), tree: treeHashes(tree) });
}

interface RefreshOptions {
  force?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

export function registerRefresh(program: Command): void {
  program
    .command('refresh')
    .description('regenerate the patch open in "pvpatch edit" from its work tree, then check that the later patches still apply (exit 1 if one does not)')
    .option('--force', 'rewrite the patch even when the work tree is exactly what it makes (canonical form, new Pvpatch-Base), or when the patch file changed since edit')
    .option('--dry-run', 'show what would change, write nothing')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nThe header and description are kept byte for byte; the Pvpatch-Base: line records the drop and the blob\nof each touched file. A patch whose diff did not change is not rewritten at all.')
    .action(async (opts: RefreshOptions, cmd: Command) => {
      const outcome = await withWorkspace(cmd, 'refresh', async (ws) => {
        const { state, entry, tree } = await loadOpenEdit(ws, opts);
        const { base, dropFiles } = await loadEditBase(ws, state);
        const o = await refreshInWorkspace(ws, entry, base, tree, { dropVersion: state.drop, force: opts.force, dryRun: opts.dryRun, dropFiles });
        if (!opts.dryRun) await recordRefreshed(ws, state, o.text, tree);
        return o;
      });
      const { text: _text, ...data } = outcome;
      if (opts.json) printJson({ ...data, dryRun: Boolean(opts.dryRun) });
      else print(renderRefresh(outcome, opts.dryRun));
      failOnLater(outcome, opts.json);
    });
}
