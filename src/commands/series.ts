import path from 'node:path';
import { promises as fsp } from 'node:fs';
import type { Command } from 'commander';
import { CheckFailed, InputError } from '../core/errors.js';
import { applySeries, describeFailure, isHeaderOnly, type ApplyFailure } from '../core/apply-series.js';
import { parseSeries, subsystemOf, type SeriesEntry } from '../core/series.js';
import { parsePatch } from '../core/patch/parse.js';
import { describePatch } from '../core/patch/model.js';
import { exists, listTree, readText, readTextIfExists, writeFileAtomic } from '../io/fs.js';
import { readDropFiles, readSeriesPatches, SERIES, type Workspace } from '../io/workspace.js';
import { readEditState } from '../io/edit-state.js';
import { print, printJson, table, withWorkspace, openWorkspace } from './common.js';
import { findSeriesEntry, normalisePatchName } from './patch-ref.js';

export const DROPPED_DIR = 'patches/.dropped';

// ---- series text edits (pure): comments, blank lines and options of other lines stay as they are.

function seriesLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * The series text with `name` inserted: after `where`'s line, before the first entry
 * ('first'), or after the last entry ('end'; at the end of the text when there is none).
 */
export function insertSeriesLine(text: string, entries: readonly SeriesEntry[], name: string, where: SeriesEntry | 'first' | 'end'): string {
  const lines = seriesLines(text);
  let at: number;
  if (where === 'first') at = entries[0] ? entries[0].line - 1 : lines.length;
  else if (where === 'end') at = entries.length > 0 ? (entries[entries.length - 1] as SeriesEntry).line : lines.length;
  else at = where.line;
  lines.splice(at, 0, name);
  return lines.map((l) => `${l}\n`).join('');
}

/** The series text without `entry`'s line. */
export function removeSeriesLine(text: string, entry: SeriesEntry): string {
  const lines = seriesLines(text);
  lines.splice(entry.line - 1, 1);
  return lines.map((l) => `${l}\n`).join('');
}

// ---- the shell -------------------------------------------------------------------------------

export interface SeriesRow {
  index: number;
  name: string;
  subsystem: string;
  files: number;
  hunks: number;
  subject: string;
}

async function listRows(ws: Workspace): Promise<SeriesRow[]> {
  const texts = await readSeriesPatches(ws);
  return ws.series.map((e, i) => {
    const text = texts.get(e.name) ?? '';
    const parsed = isHeaderOnly(text) ? { header: text, files: [] } : parsePatch(text, `patches/${e.name}`);
    return {
      index: i + 1,
      name: e.name,
      subsystem: e.subsystem,
      files: parsed.files.length,
      hunks: parsed.files.reduce((n, f) => n + f.hunks.length, 0),
      subject: describePatch(parsed.header).subject,
    };
  });
}

async function listDropped(ws: Workspace): Promise<string[]> {
  const dir = path.join(ws.root, DROPPED_DIR);
  if (!(await exists(dir))) return [];
  return (await listTree(dir)).filter((n) => /\.(patch|diff)$/.test(n));
}

/** Apply the series `names` to the current drop in memory; the first failure, or undefined (also when there is no drop yet). */
async function firstFailure(ws: Workspace, names: readonly string[], extra: ReadonlyMap<string, string> = new Map()): Promise<ApplyFailure | undefined> {
  const drop = ws.drops.drops.find((d) => d.version === ws.drops.current);
  if (!drop) return undefined;
  const entries = names.map((name, i) => ({ name, subsystem: subsystemOf(name), line: i + 1 }));
  const known = entries.filter((e) => !extra.has(e.name));
  const texts = new Map([...(await readSeriesPatches(ws, ws.series.filter((s) => known.some((k) => k.name === s.name)))), ...extra]);
  const files = await readDropFiles(ws, drop);
  const patches = entries.map((entry) => ({ entry, text: texts.get(entry.name) ?? '' })).filter((p) => !isHeaderOnly(p.text));
  const r = applySeries(files, patches, { trackOrigins: false });
  return r.ok ? undefined : r.failure;
}

function refuseIfBroken(failure: ApplyFailure | undefined, what: string): void {
  if (!failure) return;
  throw new CheckFailed(`${what} would break the series: ${describeFailure(failure)} (nothing changed; --force does it anyway)`, { file: `patches/${failure.patch}` });
}

interface SeriesOptions {
  move?: string;
  after?: string;
  first?: boolean;
  drop?: string;
  restore?: string;
  force?: boolean;
  json?: boolean;
}

type Change = { action: 'move' | 'drop' | 'restore'; patch: string; position: number; series: string[] };

async function changeSeries(ws: Workspace, opts: SeriesOptions): Promise<Change> {
  const open = await readEditState(ws);
  if (open) throw new InputError(`${open.patch} is open for editing, on top of the series as it is: refresh it and close the edit ("pvpatch edit --close") first`);
  const seriesFile = path.join(ws.root, SERIES);
  const text = (await readTextIfExists(seriesFile, SERIES)) ?? '';
  const afterEntry = (): SeriesEntry | 'first' | 'end' => (opts.first ? 'first' : opts.after !== undefined ? findSeriesEntry(ws, opts.after) : 'end');
  if (opts.move !== undefined) {
    if (!opts.first && opts.after === undefined) throw new InputError('--move needs --after OTHER or --first');
    const entry = findSeriesEntry(ws, opts.move);
    const where = afterEntry();
    if (where !== 'first' && where !== 'end' && where.name === entry.name) throw new InputError(`cannot move ${entry.name} after itself`);
    const removed = removeSeriesLine(text, entry);
    const rest = parseSeries(removed, SERIES);
    const target = where === 'first' || where === 'end' ? where : (rest.find((e) => e.name === where.name) as SeriesEntry);
    const next = insertSeriesLine(removed, rest, entry.name, target);
    const names = parseSeries(next, SERIES).map((e) => e.name);
    if (!opts.force) refuseIfBroken(await firstFailure(ws, names), `moving ${entry.name}`);
    await writeFileAtomic(seriesFile, next);
    return { action: 'move', patch: entry.name, position: names.indexOf(entry.name) + 1, series: names };
  }
  if (opts.drop !== undefined) {
    const entry = findSeriesEntry(ws, opts.drop);
    const dest = path.join(ws.root, DROPPED_DIR, entry.name);
    if (await exists(dest)) throw new InputError(`${DROPPED_DIR}/${entry.name} already exists: delete or rename it first`, { file: `${DROPPED_DIR}/${entry.name}` });
    const next = removeSeriesLine(text, entry);
    const names = parseSeries(next, SERIES).map((e) => e.name);
    if (!opts.force) refuseIfBroken(await firstFailure(ws, names), `dropping ${entry.name}`);
    // Series first: a crash in between leaves an unlisted patch file, which is harmless.
    await writeFileAtomic(seriesFile, next);
    await fsp.mkdir(path.dirname(dest), { recursive: true });
    await fsp.rename(path.join(ws.root, 'patches', entry.name), dest);
    return { action: 'drop', patch: entry.name, position: entry.line, series: names };
  }
  if (opts.restore !== undefined) {
    const name = normalisePatchName(opts.restore);
    const src = path.join(ws.root, DROPPED_DIR, name);
    if (!(await exists(src))) {
      const dropped = await listDropped(ws);
      throw new InputError(`no dropped patch ${name} in ${DROPPED_DIR}/ (${dropped.length ? `there are: ${dropped.join(', ')}` : 'none is dropped'})`);
    }
    if (ws.series.some((e) => e.name === name)) throw new InputError(`${name} is in the series already`);
    const dest = path.join(ws.root, 'patches', name);
    if (await exists(dest)) throw new InputError(`patches/${name} exists: move it away before restoring the dropped one`, { file: `patches/${name}` });
    if (opts.first) throw new InputError('--restore takes --after OTHER (default: at the end), not --first');
    const next = insertSeriesLine(text, ws.series, name, afterEntry());
    const names = parseSeries(next, SERIES).map((e) => e.name);
    if (!opts.force) refuseIfBroken(await firstFailure(ws, names, new Map([[name, await readText(src, `${DROPPED_DIR}/${name}`)]])), `restoring ${name}`);
    await fsp.mkdir(path.dirname(dest), { recursive: true });
    await fsp.rename(src, dest);
    await writeFileAtomic(seriesFile, next);
    return { action: 'restore', patch: name, position: names.indexOf(name) + 1, series: names };
  }
  throw new Error('changeSeries without an action');
}

export function registerSeries(program: Command): void {
  program
    .command('series')
    .description('list the series (subsystem, hunks, subject), or reorder it: --move, --drop, --restore')
    .option('--move <patch>', 'move a patch: with --after OTHER or --first')
    .option('--after <patch>', 'with --move / --restore: the patch to put it after')
    .option('--first', 'with --move: put it first')
    .option('--drop <patch>', `take a patch out of the series; the file moves to ${DROPPED_DIR}/ (kept until you delete it)`)
    .option('--restore <patch>', `put a dropped patch back (at the end, or --after OTHER)`)
    .option('--force', 'change the series even if the result no longer applies to the current drop')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nA change is checked first: the new series must still apply to the current drop (exit 1 otherwise, nothing written).')
    .action(async (opts: SeriesOptions, cmd: Command) => {
      const actions = [opts.move, opts.drop, opts.restore].filter((x) => x !== undefined).length;
      if (actions > 1) throw new InputError('use one of --move, --drop, --restore at a time');
      if (actions === 0) {
        if (opts.after !== undefined || opts.first) throw new InputError('--after and --first go with --move or --restore');
        const ws = await openWorkspace(cmd);
        const [rows, dropped] = await Promise.all([listRows(ws), listDropped(ws)]);
        if (opts.json) return printJson({ patches: rows, dropped });
        if (rows.length === 0) print('the series is empty (pvpatch new SUBSYS/NAME starts a patch)');
        else print(table(['#', 'patch', 'subsystem', 'hunks', 'subject'], rows.map((r) => [String(r.index), r.name, r.subsystem || '-', String(r.hunks), r.subject])));
        if (dropped.length > 0) print(`\ndropped (in ${DROPPED_DIR}/): ${dropped.join(', ')}`);
        return;
      }
      if (opts.drop !== undefined && (opts.after !== undefined || opts.first)) throw new InputError('--drop takes no --after/--first');
      const change = await withWorkspace(cmd, 'series', (ws) => changeSeries(ws, opts));
      if (opts.json) return printJson(change);
      if (change.action === 'drop') print(`dropped ${change.patch}: now in ${DROPPED_DIR}/${change.patch} (pvpatch series --restore ${change.patch.replace(/\.patch$/, '')} brings it back)`);
      else print(`${change.action === 'move' ? 'moved' : 'restored'} ${change.patch}: now #${change.position} of ${change.series.length}`);
    });
}
