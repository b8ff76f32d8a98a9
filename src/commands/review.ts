import path from 'node:path';
import os from 'node:os';
import { spawnSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import type { Command } from 'commander';
import { InputError } from '../core/errors.js';
import type { Decision, ReviewItem } from '../core/review/model.js';
import { hasConflictMarkers } from '../core/review/resolve.js';
import { conditionBranches } from '../core/kernel-branches.js';
import { decodeUtf8 } from '../io/fs.js';
import { readItems, readRebaseState, saveDecision } from '../io/rebase-store.js';
import type { Workspace } from '../io/workspace.js';
import { globalOptions, openWorkspace, print, printJson, table } from './common.js';
import { recordConflictDecision } from './rebase.js';
import { findWorkspaceRoot } from '../io/workspace.js';
import { withLock } from '../io/lock.js';

/** Items with the kernels that take each branch of their guard (from kernels.json). */
async function loadItems(ws: Workspace): Promise<ReviewItem[]> {
  await readRebaseState(ws.root);
  const items = await readItems(ws.root);
  return items.map((i) => (i.condition && !i.branches ? { ...i, branches: conditionBranches(ws.config, i.condition) } : i));
}

/** Save a decision at once: the item's file, and for a conflict the recorded resolution (rerere). */
async function decide(ws: Workspace, id: string, decision: Decision | null): Promise<ReviewItem> {
  const item = await saveDecision(ws.root, id, decision ?? undefined);
  if (decision) await recordConflictDecision(ws.root, item, decision);
  return item;
}

/** Open the conflict block in $EDITOR; the lines when the markers are gone, else null. */
async function editInEditor(item: ReviewItem, from: string, onto: string): Promise<string[] | null> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'pvpatch-edit-'));
  const file = path.join(dir, `${item.id}-${path.basename(item.file)}`);
  const block = [`<<<<<<< patch ${item.patch}`, ...item.ours, `||||||| drop ${from}`, ...item.base, '=======', ...item.theirs, `>>>>>>> drop ${onto}`];
  await fsp.writeFile(file, block.join('\n') + '\n');
  const editor = process.env.VISUAL || process.env.EDITOR || 'vi';
  const r = spawnSync('sh', ['-c', `${editor} "$1"`, 'sh', file], { stdio: 'inherit' });
  try {
    if (r.status !== 0) return null;
    const text = decodeUtf8(await fsp.readFile(file), file);
    const lines = text.replace(/\n$/, '').split('\n');
    return hasConflictMarkers(lines) ? null : lines;
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

/**
 * ink decides once, when it is first loaded, whether it runs "in CI" (CI or CONTINUOUS_INTEGRATION
 * set), and then draws nothing until the app exits. The review screen is only opened on a real
 * terminal, where a maintainer (or a CI job driving tmux) needs it drawn live, so ink is loaded with
 * those variables hidden; they are put back at once, for $EDITOR and `rebase --continue`.
 */
async function importInkForTerminal(): Promise<typeof import('ink')> {
  const hidden: Array<[string, string]> = [];
  for (const key of ['CI', 'CONTINUOUS_INTEGRATION']) {
    const value = process.env[key];
    if (value === undefined) continue;
    hidden.push([key, value]);
    delete process.env[key];
  }
  try {
    return await import('ink');
  } finally {
    for (const [key, value] of hidden) process.env[key] = value;
  }
}

/**
 * The ink review screen over the rebase in progress; resolves when the user quits or accepts to
 * continue, with true in that case (the caller runs `rebase --continue` once it holds no lock).
 */
export async function runReview(ws: Workspace): Promise<boolean> {
  const { render } = await importInkForTerminal();
  const { createElement } = await import('react');
  const { ReviewApp } = await import('../tui/components/ReviewApp.js');
  const state = await readRebaseState(ws.root);
  const items = await loadItems(ws);
  let continueAfter = false;
  const app = render(
    createElement(ReviewApp, {
      items,
      onDecision: async (id: string, decision: Decision | null) => {
        await decide(ws, id, decision);
      },
      onEdit: (item: ReviewItem) => editInEditor(item, state.from, state.onto),
      onContinue: () => {
        continueAfter = true;
      },
      onExit: () => undefined,
    }),
    { exitOnCtrlC: false },
  );
  await app.waitUntilExit();
  return continueAfter;
}

/** `pvpatch rebase --continue` in a child process, with this terminal (after the review screen). */
export function continueRebase(ws: Workspace): void {
  const r = spawnSync(process.execPath, [process.argv[1] as string, '-C', ws.root, 'rebase', '--continue', '--no-review'], { stdio: 'inherit' });
  process.exitCode = r.status ?? 1;
}

function renderItems(items: ReviewItem[]): string {
  return table(
    ['id', 'kind', 'status', 'patch', 'where', 'condition'],
    items.map((i) => [i.id, i.kind, i.status, i.patch, `${i.file}:${i.line}`, i.condition ?? '']),
  );
}

export function registerReview(program: Command): void {
  program
    .command('review')
    .description('review the conflicts and stale guards of the rebase in progress (an ink screen; --json lists them)')
    .option('--json', 'list the items as JSON instead of opening the screen')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const ws = await openWorkspace(cmd);
      if (opts.json || !process.stdin.isTTY || !process.stdout.isTTY) {
        const items = await loadItems(ws);
        if (opts.json) printJson({ items });
        else print(items.length ? renderItems(items) : 'nothing to review');
        return;
      }
      if (await withLock(ws.root, 'review', () => runReview(ws))) continueRebase(ws);
    });

  program
    .command('resolve <id>')
    .description('decide one review item without the screen: --take patch|upstream|both, --file F, --reviewed, --drop, or --reopen')
    .option('--take <side>', 'patch (keep the patch\'s version), upstream (take upstream\'s), both (upstream in #else, compat under the guard)')
    .option('--file <file>', 'the resolved lines, from a file (it must have no conflict markers)')
    .option('--reviewed', 'mark a stale guard reviewed')
    .option('--drop', 'drop the hunk (upstream\'s code stays)')
    .option('--reopen', 'undo the decision')
    .option('--json', 'machine-readable output')
    .action(async (id: string, opts: { take?: string; file?: string; reviewed?: boolean; drop?: boolean; reopen?: boolean; json?: boolean }, cmd: Command) => {
      const given = [opts.take !== undefined, opts.file !== undefined, !!opts.reviewed, !!opts.drop, !!opts.reopen].filter(Boolean).length;
      if (given !== 1) throw new InputError('give exactly one of --take patch|upstream|both, --file F, --reviewed, --drop, --reopen');
      let decision: Decision | null;
      if (opts.take !== undefined) {
        if (opts.take !== 'patch' && opts.take !== 'upstream' && opts.take !== 'both') throw new InputError(`--take must be patch, upstream or both, not "${opts.take}"`);
        decision = { take: opts.take };
      } else if (opts.file !== undefined) {
        const text = decodeUtf8(await fsp.readFile(opts.file).catch(() => {
          throw new InputError(`cannot read ${opts.file}`);
        }), opts.file);
        const lines = text.replace(/\r?\n$/, '').split(/\r?\n/);
        if (hasConflictMarkers(lines)) throw new InputError('the file still has conflict markers', { file: opts.file });
        decision = { take: 'lines', lines };
      } else if (opts.reviewed) decision = { take: 'reviewed' };
      else if (opts.drop) decision = { take: 'drop' };
      else decision = null;
      const root = await findWorkspaceRoot(globalOptions(cmd).workspace);
      const item = await withLock(root, 'resolve', async () => {
        const ws = await openWorkspace(cmd);
        await readRebaseState(ws.root);
        const items = await readItems(ws.root);
        const target = items.find((i) => i.id === id);
        if (!target) throw new InputError(`no review item "${id}" (items: ${items.map((i) => i.id).join(', ') || 'none'})`);
        if (decision?.take === 'reviewed' && target.kind !== 'stale') throw new InputError(`${id} is a conflict: resolve it with --take, --file or --drop`);
        return decide(ws, id, decision);
      });
      if (opts.json) printJson({ id: item.id, status: item.status, decision: item.decision ?? null });
      else print(`${item.id}: ${item.status}`);
    });
}
