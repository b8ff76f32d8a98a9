// The open edit of `pvpatch edit` / `refresh` / `guard`: which patch, where its work tree is, and
// the pre-patch texts the refreshed diff is taken against (.pvpatch/edit/state.json).
import path from 'node:path';
import { sha256 } from './hash.js';
import { promises as fsp } from 'node:fs';
import { CheckFailed, InputError, IoError } from '../core/errors.js';
import { applySeries, describeFailure, isHeaderOnly, type SeriesPatch } from '../core/apply-series.js';
import type { SeriesEntry } from '../core/series.js';
import { decodeUtf8, exists, listTree, readTextIfExists, replaceDirAtomic, writeFileAtomic } from './fs.js';
import { readDropFiles, readSeriesPatches, selectDrop, type Workspace } from './workspace.js';

export const EDIT_DIR = '.pvpatch/edit';
export const EDIT_STATE = '.pvpatch/edit/state.json';
export const DEFAULT_EDIT_TREE = '.pvpatch/edit/tree';

export interface EditState {
  /** 2: `base` holds only what differs from the drop; 1 (older pvpatch): every file. */
  version: 1 | 2;
  /** Series name of the open patch, e.g. "blkfront/elevator-noop.patch". */
  patch: string;
  /** The work tree: relative to the workspace root when inside it, else absolute. */
  dir: string;
  /** The drop the tree was made from. */
  drop: string;
  /** The series entries applied before the patch. */
  before: string[];
  /**
   * The pre-patch tree (drop + the patches before): path → text. In version 2 only the files the
   * patches before changed or added, and null for a drop file they deleted; every other file is
   * the drop's (see loadEditBase), so the state does not hold a second copy of the whole drop.
   */
  base: Record<string, string | null>;
  /** sha256 of every work-tree file as `edit` wrote it (to tell unrefreshed changes). */
  tree: Record<string, string>;
  /** sha256 of the patch file when the tree was made (or last refreshed). */
  patchSha256: string;
}

export function editTreeDir(ws: Workspace, state: Pick<EditState, 'dir'>): string {
  return path.resolve(ws.root, state.dir);
}

/** The state of the open edit, or undefined when none is open. */
export async function readEditState(ws: Workspace): Promise<EditState | undefined> {
  const text = await readTextIfExists(path.join(ws.root, EDIT_STATE), EDIT_STATE);
  if (text === undefined) return undefined;
  let data: Partial<EditState>;
  try {
    data = JSON.parse(text) as Partial<EditState>;
  } catch (err) {
    throw new InputError(`the edit state is not valid JSON (${(err as Error).message}); remove ${EDIT_DIR}/ to start over`, { file: EDIT_STATE });
  }
  if ((data.version !== 1 && data.version !== 2) || typeof data.patch !== 'string' || typeof data.dir !== 'string' || typeof data.drop !== 'string'
    || !Array.isArray(data.before) || typeof data.base !== 'object' || data.base === null || typeof data.tree !== 'object' || data.tree === null
    || typeof data.patchSha256 !== 'string') {
    throw new InputError(`the edit state is incomplete or from another pvpatch version; remove ${EDIT_DIR}/ to start over`, { file: EDIT_STATE });
  }
  if (Object.values(data.base as object).some((v) => typeof v !== 'string' && !(data.version === 2 && v === null))) {
    throw new InputError(`the edit state's base is damaged; remove ${EDIT_DIR}/ to start over`, { file: EDIT_STATE });
  }
  return data as EditState;
}

/** The base to keep in a version-2 state: the files of `base` that are not the drop's, null for the drop's files it lacks. */
export function baseDelta(dropFiles: ReadonlyMap<string, string>, base: ReadonlyMap<string, string>): Record<string, string | null> {
  const delta: Record<string, string | null> = {};
  for (const [rel, text] of base) if (dropFiles.get(rel) !== text) delta[rel] = text;
  for (const rel of dropFiles.keys()) if (!base.has(rel)) delta[rel] = null;
  return delta;
}

/** The open edit's whole pre-patch tree, and the drop's files it was made from (read, verified, once). */
export async function loadEditBase(ws: Workspace, state: EditState): Promise<{ base: Map<string, string>; dropFiles: Map<string, string> }> {
  const dropFiles = await readDropFiles(ws, selectDrop(ws, state.drop));
  if (state.version === 1) return { base: new Map(Object.entries(state.base as Record<string, string>)), dropFiles };
  const base = new Map(dropFiles);
  for (const [rel, text] of Object.entries(state.base)) {
    if (text === null) base.delete(rel);
    else base.set(rel, text);
  }
  return { base, dropFiles };
}

export async function writeEditState(ws: Workspace, state: EditState): Promise<void> {
  await writeFileAtomic(path.join(ws.root, EDIT_STATE), JSON.stringify(state) + '\n');
}

export async function clearEditState(ws: Workspace): Promise<void> {
  await fsp.rm(path.join(ws.root, EDIT_STATE), { force: true });
}

/** Editor leftovers that never belong in a patch: backups, swap and lock files. */
export function isEditorJunk(rel: string): boolean {
  const base = rel.slice(rel.lastIndexOf('/') + 1);
  return base.endsWith('~') || /^\..*\.sw[a-p]$/.test(base) || /^#.*#$/.test(base) || base.startsWith('.#') || base.endsWith('.orig') || base.endsWith('.rej');
}

/** Every text file of a work tree (editor junk skipped); NUL bytes or bad UTF-8 are InputErrors naming the file. */
export async function readWorkTree(dir: string): Promise<Map<string, string>> {
  if (!(await exists(dir))) throw new InputError(`the work tree ${dir} is gone; run "pvpatch edit PATCH" again`);
  const names = await listTree(dir, { skip: (rel) => isEditorJunk(rel) });
  const files = new Map<string, string>();
  for (const rel of names) {
    const bytes = await fsp.readFile(path.join(dir, rel));
    if (bytes.includes(0)) throw new InputError('binary file (NUL bytes) in the work tree: pvpatch patches text only', { file: path.join(dir, rel) });
    files.set(rel, decodeUtf8(bytes, path.join(dir, rel)));
  }
  return files;
}

/**
 * A patch file without any file diff (a header written by `pvpatch new`, not refreshed yet).
 * It changes nothing, so it is skipped when the series is applied here.
 */

/** applySeries over entries, skipping header-only patches; a failure is CheckFailed (exit 1). */
export function applyEntries(files: ReadonlyMap<string, string>, entries: readonly SeriesEntry[], texts: ReadonlyMap<string, string>): Map<string, string> {
  const patches: SeriesPatch[] = entries
    .map((entry) => ({ entry, text: texts.get(entry.name) ?? '' }))
    .filter((p) => !isHeaderOnly(p.text));
  const r = applySeries(files, patches, { trackOrigins: false });
  if (!r.ok) throw new CheckFailed(describeFailure(r.failure), { file: `patches/${r.failure.patch}` });
  return r.files;
}

export interface Materialised {
  drop: string;
  /** The drop's own files (for Pvpatch-Base hashes). */
  dropFiles: Map<string, string>;
  entry: SeriesEntry;
  before: SeriesEntry[];
  after: SeriesEntry[];
  /** Every patch text of the series. */
  texts: Map<string, string>;
  /** drop + the patches before `entry`. */
  base: Map<string, string>;
  /** base + `entry`. */
  tree: Map<string, string>;
}

/** The current drop with the series applied up to `entry` (base) and including it (tree), in memory. */
export async function materialisePatch(ws: Workspace, entry: SeriesEntry): Promise<Materialised> {
  const drop = selectDrop(ws);
  const index = ws.series.findIndex((e) => e.name === entry.name);
  const before = ws.series.slice(0, index);
  const after = ws.series.slice(index + 1);
  const [dropFiles, texts] = await Promise.all([readDropFiles(ws, drop), readSeriesPatches(ws)]);
  const base = applyEntries(dropFiles, before, texts);
  const tree = applyEntries(base, [entry], texts);
  return { drop: drop.version, dropFiles, entry, before, after, texts, base, tree };
}

/** Write `files` as the work tree `dir` (replacing it atomically). */
export async function writeWorkTree(dir: string, files: ReadonlyMap<string, string>): Promise<void> {
  try {
    await replaceDirAtomic(dir, async (tmp) => {
      for (const [rel, text] of files) {
        const dest = path.join(tmp, rel);
        await fsp.mkdir(path.dirname(dest), { recursive: true });
        await fsp.writeFile(dest, text);
      }
    });
  } catch (err) {
    if (err instanceof IoError || err instanceof InputError) throw err;
    throw new IoError(`cannot write the work tree: ${(err as Error).message}`, { file: dir }, err);
  }
}

/** sha256 of every file of a tree. */
export function treeHashes(files: ReadonlyMap<string, string>): Record<string, string> {
  return Object.fromEntries([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([p, t]) => [p, sha256(t)]));
}

/** Paths of the work tree whose content differs from what `edit` wrote (changed, added, removed). */
export function changedSinceEdit(state: EditState, files: ReadonlyMap<string, string>): string[] {
  const out = new Set<string>();
  for (const [p, t] of files) if (state.tree[p] !== sha256(t)) out.add(p);
  for (const p of Object.keys(state.tree)) if (!files.has(p)) out.add(p);
  return [...out].sort();
}
