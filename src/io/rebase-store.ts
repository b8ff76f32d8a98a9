// The state of a rebase in progress, under .pvpatch/rebase/: what was started, every review item
// (one file each, so a decision is one small atomic write), and the conflict files with markers.
import path from 'node:path';
import { promises as fsp } from 'node:fs';
import { IoError } from '../core/errors.js';
import type { Decision, ReviewItem, ReviewStatus } from '../core/review/model.js';
import { exists, readText, removeTree, writeFileAtomic } from './fs.js';

export interface PatchRebaseRecord {
  patch: string;
  /** clean | offset | fuzz | merged | conflict | stale | already-upstream | dropped */
  status: string;
  /** Every status the patch's files showed (a patch may be offset in one file and stale in another). */
  kinds: string[];
  detail: string;
  items: string[];
}

export interface RebaseState {
  version: 1;
  from: string;
  onto: string;
  startedAt: string;
  series: string[];
  patches: PatchRebaseRecord[];
  /** Patches the maintainer dropped with --skip. */
  dropped?: string[];
  /** Set while patches/ is being rewritten at the end (a crash there is finished by the next run). */
  phase?: 'committing';
}

export function rebaseDir(root: string): string {
  return path.join(root, '.pvpatch', 'rebase');
}

export async function rebaseInProgress(root: string): Promise<boolean> {
  return exists(path.join(rebaseDir(root), 'state.json'));
}

export async function readRebaseState(root: string): Promise<RebaseState> {
  const file = path.join(rebaseDir(root), 'state.json');
  if (!(await exists(file))) throw new IoError('no rebase in progress (start one with "pvpatch rebase --onto V")');
  return JSON.parse(await readText(file, '.pvpatch/rebase/state.json')) as RebaseState;
}

export async function writeRebaseState(root: string, state: RebaseState): Promise<void> {
  await writeFileAtomic(path.join(rebaseDir(root), 'state.json'), JSON.stringify(state, null, 2) + '\n');
}

function itemFile(root: string, id: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(id)) throw new IoError(`bad review item id "${id}"`);
  return path.join(rebaseDir(root), 'items', `${id}.json`);
}

export async function writeItem(root: string, item: ReviewItem): Promise<void> {
  await writeFileAtomic(itemFile(root, item.id), JSON.stringify(item, null, 2) + '\n');
}

export async function readItems(root: string): Promise<ReviewItem[]> {
  const dir = path.join(rebaseDir(root), 'items');
  const names = (await fsp.readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.json')).sort();
  const items = await Promise.all(names.map(async (n) => JSON.parse(await readText(path.join(dir, n))) as ReviewItem));
  // Natural order of ids: c2 before c10.
  return items.sort((a, b) => a.id.localeCompare(b.id, undefined, { numeric: true }));
}

export function statusAfter(decision: Decision): ReviewStatus {
  if (decision.take === 'reviewed') return 'reviewed';
  if (decision.take === 'drop') return 'dropped';
  return 'resolved';
}

/** Record a decision at once (atomic write of the item's file). */
export async function saveDecision(root: string, id: string, decision: Decision | undefined): Promise<ReviewItem> {
  const file = itemFile(root, id);
  if (!(await exists(file))) throw new IoError(`no review item "${id}" in the rebase in progress (see "pvpatch review --json")`);
  const item = JSON.parse(await readText(file)) as ReviewItem;
  const next: ReviewItem = { ...item, status: decision ? statusAfter(decision) : 'open' };
  if (decision) next.decision = decision;
  else delete next.decision;
  await writeItem(root, next);
  return next;
}

/** Write the file-with-markers of a conflict for $EDITOR and humans: .pvpatch/rebase/conflicts/<id>/<file>. */
export async function writeConflictFile(root: string, id: string, file: string, text: string): Promise<string> {
  const p = path.join(rebaseDir(root), 'conflicts', id, file);
  await writeFileAtomic(p, text);
  return p;
}

/** End the rebase: its state goes (under the lock, only once the command has finished: src/io/undo.ts). */
export async function clearRebase(root: string): Promise<void> {
  await removeTree(rebaseDir(root));
}
