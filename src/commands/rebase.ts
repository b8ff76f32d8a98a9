import path from 'node:path';
import { promises as fsp } from 'node:fs';
import type { Command } from 'commander';
import { CheckFailed, InputError } from '../core/errors.js';
import { rebaseSeries, type RebaseSeriesResult } from '../core/rebase-series.js';
import { parsePatches, touchedPaths } from '../core/apply-series.js';
import { conflictKey, preimageText } from '../core/merge/rerere.js';
import { resolvedLines } from '../core/review/resolve.js';
import { renderSessionReport } from '../core/session-report.js';
import type { Decision, ReviewItem } from '../core/review/model.js';
import { formatDropsFile } from '../core/drops.js';
import { formatSeries } from '../core/series.js';
import { exists, replaceDirAtomic, writeFileAtomic, listTree } from '../io/fs.js';
import { DROPS_JSON, readDropFiles, readSeriesPatches, selectDrop, type Workspace } from '../io/workspace.js';
import {
  clearRebase, readItems, readRebaseState, rebaseDir, rebaseInProgress, writeConflictFile, writeItem, writeRebaseState,
  type RebaseState,
} from '../io/rebase-store.js';
import { loadResolutions, saveResolution } from '../io/rr-cache.js';
import { gitBlobHash, sha1 } from '../io/hash.js';
import { print, printJson, progress, progressDone, table, withWorkspace } from './common.js';


/** Record a conflict's decision as a resolution (rerere), so the re-run settles it. */
export async function recordConflictDecision(root: string, item: ReviewItem, decision: Decision): Promise<void> {
  if (item.kind !== 'conflict' || decision.take === 'reviewed') return;
  const sides = { base: item.base, ours: item.ours, theirs: item.theirs };
  const lines = resolvedLines(item, decision);
  await saveResolution(root, conflictKey(sides, sha1), { preimage: preimageText(sides), postimage: lines.map((l) => l + '\n').join('') });
}

async function copyDir(src: string, dest: string): Promise<void> {
  await replaceDirAtomic(dest, async (tmp) => {
    await fsp.rm(tmp, { recursive: true, force: true });
    await fsp.cp(src, tmp, { recursive: true, errorOnExist: false, verbatimSymlinks: true });
  });
}

/**
 * The progress line of a rebase ("rebasing 120/500: blkfront/0003-….patch"), on a terminal and not
 * with --json; written at most every 100 ms (a large series rebases hundreds of patches a second).
 */
function rebaseProgress(json: boolean): (done: number, total: number, patch: string) => void {
  let last = 0;
  return (done, total, patch) => {
    const now = Date.now();
    if (now - last < 100) return;
    last = now;
    progress(`rebasing ${done + 1}/${total}: ${patch}`, json);
  };
}

/** Run the rebase with everything recorded so far and persist items, conflict files and the state. */
async function runRebase(ws: Workspace, state: RebaseState, json = false): Promise<RebaseSeriesResult> {
  const backupPatches = path.join(rebaseDir(ws.root), 'backup', 'patches');
  // The series and patches as they were when the rebase started (patches/ is not touched until the end).
  const entries = state.series.map((name, i) => ({ name, subsystem: name.includes('/') ? name.slice(0, name.indexOf('/')) : '', line: i + 1 }));
  const texts = await readSeriesPatches({ ...ws, root: path.dirname(backupPatches) }, entries);
  // Parsed once here: only the files the series touches are read from the drops (rebaseSeries needs no other).
  const patches = parsePatches(entries.map((entry) => ({ entry, text: texts.get(entry.name) as string })));
  const touched = touchedPaths(patches);
  const [oldDrop, newDrop] = await Promise.all([readDropFiles(ws, selectDrop(ws, state.from), touched), readDropFiles(ws, selectDrop(ws, state.onto), touched)]);
  const stored = await readItems(ws.root);
  const decisions = new Map(stored.filter((i) => i.decision).map((i) => [i.id, i.decision as Decision]));
  const dropped = new Set(state.dropped ?? []);
  const resolutions = await loadResolutions(ws.root);
  let result: RebaseSeriesResult;
  try {
    result = rebaseSeries({
      from: state.from,
      onto: state.onto,
      oldDrop,
      newDrop,
      patches,
      resolutions,
      decisions,
      droppedPatches: dropped,
      hash: sha1,
      blobHash: gitBlobHash,
      onPatch: rebaseProgress(json),
    });
  } finally {
    // The progress line is cleared also when the series does not apply (the error follows on stderr).
    progressDone(json);
  }
  const byId = new Map(stored.map((i) => [i.id, i]));
  for (const item of result.items) {
    const old = byId.get(item.id);
    const merged = old ? { ...item, status: old.status, ...(old.decision ? { decision: old.decision } : {}) } : item;
    if (!old || JSON.stringify(old) !== JSON.stringify(merged)) await writeItem(ws.root, merged);
    if (item.kind === 'conflict' && item.status === 'open') {
      const eol = '\n';
      const block = [`<<<<<<< patch ${item.patch}`, ...item.ours, `||||||| drop ${state.from}`, ...item.base, '=======', ...item.theirs, `>>>>>>> drop ${state.onto}`];
      await writeConflictFile(ws.root, item.id, item.file, block.join(eol) + eol);
    }
  }
  const next: RebaseState = {
    ...state,
    patches: result.patches.map((p) => ({ patch: p.patch, status: p.status, kinds: p.kinds, detail: p.detail, items: p.items.map((i) => i.id) })),
  };
  await writeRebaseState(ws.root, next);
  return result;
}

/** Write the rebased series: patches/ replaced atomically, dropped patches kept in patches/.dropped/, drops.json's current updated. */
async function completeRebase(ws: Workspace, state: RebaseState, result: RebaseSeriesResult): Promise<{ kept: string[]; dropped: string[]; report: string }> {
  const kept: string[] = [];
  const dropped: string[] = [];
  const patchesDir = path.join(ws.root, 'patches');
  const backup = path.join(rebaseDir(ws.root), 'backup', 'patches');
  await writeRebaseState(ws.root, { ...state, phase: 'committing' });
  await replaceDirAtomic(patchesDir, async (tmp) => {
    // Carry everything that is not in the series (notes, .dropped/, other files) as it was.
    for (const rel of await listTree(backup)) {
      if (state.series.includes(rel) || rel === 'series') continue;
      await fsp.mkdir(path.dirname(path.join(tmp, rel)), { recursive: true });
      await fsp.copyFile(path.join(backup, rel), path.join(tmp, rel));
    }
    for (const p of result.patches) {
      const dest = p.newText === null ? path.join(tmp, '.dropped', p.patch) : path.join(tmp, p.patch);
      await fsp.mkdir(path.dirname(dest), { recursive: true });
      if (p.newText === null) {
        await fsp.copyFile(path.join(backup, p.patch), dest);
        dropped.push(p.patch);
      } else {
        await fsp.writeFile(dest, p.newText);
        kept.push(p.patch);
      }
    }
    await fsp.writeFile(path.join(tmp, 'series'), formatSeries(kept));
  });
  await writeFileAtomic(path.join(ws.root, DROPS_JSON), formatDropsFile({ ...ws.drops, current: state.onto }));
  const report = await writeRebaseReport(ws, state, result);
  await clearRebase(ws.root);
  return { kept, dropped, report };
}

/** The session report (markdown, with a suggested commit message) under .pvpatch/reports/. */
async function writeRebaseReport(ws: Workspace, state: RebaseState, result: RebaseSeriesResult): Promise<string> {
  // Every item of the session, also the conflicts settled by a decision (which the last run no longer shows).
  const items = await readItems(ws.root);
  const text = renderSessionReport({
    from: state.from,
    onto: state.onto,
    patches: result.patches.map((p) => ({ patch: p.patch, status: p.status, kinds: p.kinds, detail: p.detail, items: items.filter((i) => i.patch === p.patch).map((i) => i.id) })),
    items,
  });
  const file = path.join(ws.root, '.pvpatch', 'reports', `rebase-${state.from}-${state.onto}.md`);
  await writeFileAtomic(file, text);
  return file;
}

function renderReport(state: RebaseState, result: RebaseSeriesResult): string {
  const rows = result.patches.map((p) => [p.patch, p.status, p.kinds.filter((k) => k !== p.status).join(',') || '', p.items.filter((i) => i.status === 'open').map((i) => i.id).join(' ')]);
  const counts = new Map<string, number>();
  for (const p of result.patches) counts.set(p.status, (counts.get(p.status) ?? 0) + 1);
  const openStale = result.items.filter((i) => i.kind === 'stale' && i.status === 'open').length;
  return [
    `rebase ${state.from} → ${state.onto}: ${result.patches.length} patches`,
    '',
    table(['patch', 'result', 'also', 'open items'], rows),
    '',
    [...counts].map(([k, v]) => `${v} ${k}`).join(', ') + (result.openConflicts || openStale ? ` — ${result.openConflicts} conflicts and ${openStale} stale guards open` : ''),
  ].join('\n');
}

function toJson(state: RebaseState, result: RebaseSeriesResult, completed: boolean): unknown {
  return {
    from: state.from,
    onto: state.onto,
    completed,
    openConflicts: result.openConflicts,
    patches: result.patches.map(({ newText: _t, items, ...p }) => ({ ...p, items: items.map((i) => ({ id: i.id, kind: i.kind, file: i.file, line: i.line, status: i.status })) })),
  };
}

interface RebaseOptions {
  onto?: string;
  continue?: boolean;
  abort?: boolean;
  skip?: boolean | string;
  review?: boolean;
  json?: boolean;
}

type Outcome = { kept: string[]; dropped: string[]; report: string };

/**
 * Finish when nothing blocks: no open conflict, and (on the first run) no open stale guard either.
 * Runs holding the workspace lock: completing the rebase is part of the command's one change.
 */
async function finish(ws: Workspace, state: RebaseState, result: RebaseSeriesResult, firstRun: boolean): Promise<Outcome | undefined> {
  const openStale = result.items.filter((i) => i.kind === 'stale' && i.status === 'open');
  const stop = result.openConflicts > 0 || (firstRun && openStale.length > 0);
  return stop ? undefined : completeRebase(ws, state, result);
}

/** Report the run (after the lock is released); a stopped rebase opens the review screen on a terminal. */
async function settle(ws: Workspace, state: RebaseState, result: RebaseSeriesResult, outcome: Outcome | undefined, opts: RebaseOptions): Promise<void> {
  const openStale = result.items.filter((i) => i.kind === 'stale' && i.status === 'open');
  const completed = outcome !== undefined;
  if (opts.json) {
    printJson({ ...(toJson(state, result, completed) as object), ...(outcome ?? {}) });
  } else {
    print(renderReport(state, result));
    if (completed && outcome) {
      print(`\nrebase complete: patches/ now based on drop ${state.onto} (${outcome.kept.length} patches${outcome.dropped.length ? `; dropped, kept in patches/.dropped/: ${outcome.dropped.join(', ')}` : ''})\nsession report and suggested commit message: ${path.relative(process.cwd(), outcome.report) || outcome.report}`);
      if (openStale.length > 0) print(`warning: ${openStale.length} stale guards were not reviewed: ${openStale.map((i) => `${i.id} (${i.file}:${i.line})`).join(', ')}`);
    } else {
      print(`\nthe rebase stopped for review: "pvpatch review" (or "pvpatch resolve ID …"), then "pvpatch rebase --continue"; "pvpatch rebase --abort" restores everything`);
    }
  }
  if (!completed) {
    if (opts.review !== false && !opts.json && process.stdin.isTTY && process.stdout.isTTY) {
      const { runReview, continueRebase } = await import('./review.js');
      if (await runReview(ws)) continueRebase(ws);
      return;
    }
    process.exitCode = 1;
  }
}

export function registerRebase(program: Command): void {
  program
    .command('rebase')
    .description('carry every patch onto a new drop: exact, offset, fuzz, then a branch-aware three-way merge; exit 1 while conflicts remain')
    .option('--onto <version>', 'the drop to rebase onto')
    .option('--continue', 'go on after resolving (re-runs with the recorded resolutions)')
    .option('--skip [patch]', 'drop a patch from the rebased series (default: the first with open conflicts)')
    .option('--abort', 'stop and restore patches/ and upstream/drops.json exactly')
    .option('--no-review', 'do not open the review screen on a terminal')
    .option('--json', 'machine-readable output')
    .action(async (opts: RebaseOptions, cmd: Command) => {
      const modes = [opts.onto !== undefined, !!opts.continue, opts.skip !== undefined, !!opts.abort].filter(Boolean).length;
      if (modes !== 1) throw new InputError('give exactly one of --onto V, --continue, --skip, --abort');
      const after = await withWorkspace(cmd, 'rebase', async (ws) => {
        const inProgress = await rebaseInProgress(ws.root);
        if (opts.onto !== undefined) {
          if (inProgress) throw new InputError('a rebase is already in progress: "pvpatch rebase --continue" or "--abort"');
          const from = selectDrop(ws).version;
          const onto = selectDrop(ws, opts.onto).version;
          if (from === onto) throw new InputError(`the patches are already based on drop ${onto}`);
          const backup = path.join(rebaseDir(ws.root), 'backup');
          await copyDir(path.join(ws.root, 'patches'), path.join(backup, 'patches'));
          await writeFileAtomic(path.join(backup, 'drops.json'), await fsp.readFile(path.join(ws.root, DROPS_JSON)));
          const state: RebaseState = { version: 1, from, onto, startedAt: new Date().toISOString(), series: ws.series.map((e) => e.name), patches: [] };
          await writeRebaseState(ws.root, state);
          const result = await runRebase(ws, state, opts.json);
          const outcome = await finish(ws, state, result, true);
          return () => settle(ws, state, result, outcome, opts);
        }
        if (!inProgress) throw new InputError('no rebase in progress (start one with "pvpatch rebase --onto V")');
        let state = await readRebaseState(ws.root);
        if (opts.abort) {
          const backup = path.join(rebaseDir(ws.root), 'backup');
          if (await exists(path.join(backup, 'patches'))) {
            await replaceDirAtomic(path.join(ws.root, 'patches'), async (tmp) => {
              await fsp.rm(tmp, { recursive: true, force: true });
              await fsp.cp(path.join(backup, 'patches'), tmp, { recursive: true });
            });
          }
          if (await exists(path.join(backup, 'drops.json'))) await writeFileAtomic(path.join(ws.root, DROPS_JSON), await fsp.readFile(path.join(backup, 'drops.json')));
          await clearRebase(ws.root);
          return () => {
            if (opts.json) printJson({ aborted: true, from: state.from, onto: state.onto });
            else print(`rebase onto ${state.onto} aborted: patches/ and upstream/drops.json restored`);
          };
        }
        if (opts.skip !== undefined) {
          const target = typeof opts.skip === 'string' ? opts.skip : state.patches.find((p) => p.status === 'conflict')?.patch;
          if (!target) throw new InputError('no patch with open conflicts to skip; name one: --skip SUBSYS/NAME.patch');
          if (!state.series.includes(target)) throw new InputError(`${target} is not in the series being rebased`);
          state = { ...state, dropped: [...new Set([...(state.dropped ?? []), target])] };
          await writeRebaseState(ws.root, state);
        }
        const result = await runRebase(ws, state, opts.json);
        const outcome = await finish(ws, state, result, false);
        return () => settle(ws, state, result, outcome, opts);
      });
      await after();
      if (process.exitCode === 1 && !opts.json) throw new CheckFailed('the rebase is waiting for review (conflicts or stale guards open)');
    });
}
