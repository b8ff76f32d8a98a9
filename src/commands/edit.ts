import path from 'node:path';
import { promises as fsp } from 'node:fs';
import type { Command } from 'commander';
import { InputError } from '../core/errors.js';
import { exists } from '../io/fs.js';
import type { Workspace } from '../io/workspace.js';
import {
  DEFAULT_EDIT_TREE, baseDelta, changedSinceEdit, clearEditState, editTreeDir, materialisePatch, readEditState, readWorkTree,
  treeHashes, writeEditState, writeWorkTree, type EditState,
} from '../io/edit-state.js';
import { sha256 } from '../io/hash.js';
import { print, printJson, withWorkspace, openWorkspace } from './common.js';
import { findSeriesEntry } from './patch-ref.js';
import { isInside, relInside } from '../io/paths.js';

interface EditOptions {
  dir?: string;
  force?: boolean;
  close?: boolean;
  json?: boolean;
}

/** Refuse work-tree locations that would replace the workspace or its tracked content. */
function checkTreeLocation(ws: Workspace, dir: string, arg: string): void {
  if (isInside(dir, ws.root)) throw new InputError(`--dir ${arg} holds the workspace itself; choose a directory of its own`);
  for (const owned of ['patches', 'upstream', 'kernels', 'out']) {
    if (isInside(path.join(ws.root, owned), dir)) throw new InputError(`--dir ${arg} is inside ${owned}/, which pvpatch manages; choose another directory`);
  }
}

/** The unrefreshed changes of the open edit's work tree ([] when the tree is gone). */
async function pendingChanges(ws: Workspace, state: EditState): Promise<string[]> {
  const dir = editTreeDir(ws, state);
  if (!(await exists(dir))) return [];
  return changedSinceEdit(state, await readWorkTree(dir));
}

function shownDir(ws: Workspace, dir: string): string {
  const rel = path.relative(ws.root, dir);
  return rel !== '' && relInside(rel) ? rel : dir;
}

async function closeEdit(ws: Workspace, force: boolean): Promise<{ patch: string; dir: string; discarded: string[] }> {
  const state = await readEditState(ws);
  if (!state) throw new InputError('no patch is open for editing');
  const pending = await pendingChanges(ws, state);
  if (pending.length > 0 && !force) {
    throw new InputError(`${state.patch} has unrefreshed changes in ${state.dir} (${pending.join(', ')}): run "pvpatch refresh" first, or --force to discard them`);
  }
  await fsp.rm(editTreeDir(ws, state), { recursive: true, force: true });
  await clearEditState(ws);
  return { patch: state.patch, dir: state.dir, discarded: pending };
}

export function registerEdit(program: Command): void {
  program
    .command('edit [patch]')
    .description('open a patch for editing: the current drop with the series applied up to and including PATCH, in a work tree; then "pvpatch refresh"')
    .option('--dir <dir>', `where to write the work tree (default: ${DEFAULT_EDIT_TREE}/)`)
    .option('--force', 'replace an open edit even if its work tree has unrefreshed changes')
    .option('--close', 'close the open edit: remove its work tree (refused with unrefreshed changes unless --force)')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nWithout PATCH (and without --close): show the open edit and its unrefreshed changes.\nThe work tree is unannotated: edit it with any editor, add or delete files, then run "pvpatch refresh".')
    .action(async (arg: string | undefined, opts: EditOptions, cmd: Command) => {
      if (opts.close) {
        if (arg !== undefined) throw new InputError('--close takes no PATCH: it closes the open edit');
        const r = await withWorkspace(cmd, 'edit --close', (ws) => closeEdit(ws, Boolean(opts.force)));
        if (opts.json) printJson({ closed: r.patch, dir: r.dir, discarded: r.discarded });
        else print(`closed the edit of ${r.patch}${r.discarded.length ? ` (discarded changes to ${r.discarded.join(', ')})` : ''}`);
        return;
      }
      if (arg === undefined) {
        const ws = await openWorkspace(cmd);
        const state = await readEditState(ws);
        const pending = state ? await pendingChanges(ws, state) : [];
        if (opts.json) {
          printJson(state ? { open: true, patch: state.patch, dir: state.dir, drop: state.drop, before: state.before, changed: pending } : { open: false });
          return;
        }
        if (!state) return print('no patch is open for editing (pvpatch edit SUBSYS/NAME opens one)');
        print(`${state.patch} is open in ${state.dir}/ (drop ${state.drop} + ${state.before.length} patches before it)\n${pending.length ? `unrefreshed changes: ${pending.join(', ')}` : 'no changes since the last edit or refresh'}`);
        return;
      }
      const result = await withWorkspace(cmd, 'edit', async (ws) => {
        const entry = findSeriesEntry(ws, arg);
        const dir = path.resolve(process.cwd(), opts.dir ?? path.join(ws.root, DEFAULT_EDIT_TREE));
        checkTreeLocation(ws, dir, opts.dir ?? DEFAULT_EDIT_TREE);
        const open = await readEditState(ws);
        const openDir = open ? editTreeDir(ws, open) : undefined;
        if (open) {
          const pending = await pendingChanges(ws, open);
          if (open.patch === entry.name && !opts.force) {
            throw new InputError(`${entry.name} is already open in ${open.dir}/${pending.length ? ` with unrefreshed changes (${pending.join(', ')})` : ''}: edit there and run "pvpatch refresh", or --force to start over`);
          }
          if (pending.length > 0 && !opts.force) {
            throw new InputError(`${open.patch} is open with unrefreshed changes (${pending.join(', ')}): run "pvpatch refresh" first, or --force to discard them`);
          }
        }
        if (dir !== openDir && (await exists(dir)) && (await fsp.readdir(dir)).length > 0) {
          throw new InputError(`--dir ${opts.dir ?? dir} exists and is not empty: pvpatch only writes a work tree into a new or empty directory`);
        }
        const m = await materialisePatch(ws, entry);
        const text = m.texts.get(entry.name) ?? '';
        await writeWorkTree(dir, m.tree);
        if (open && openDir !== dir) await fsp.rm(openDir as string, { recursive: true, force: true });
        const state: EditState = {
          version: 2,
          patch: entry.name,
          dir: shownDir(ws, dir),
          drop: m.drop,
          before: m.before.map((e) => e.name),
          base: baseDelta(m.dropFiles, m.base),
          tree: treeHashes(m.tree),
          patchSha256: sha256(text),
        };
        await writeEditState(ws, state);
        return { state, files: m.tree.size };
      });
      const { state } = result;
      if (opts.json) printJson({ patch: state.patch, dir: state.dir, drop: state.drop, before: state.before, files: result.files });
      else print(`editing ${state.patch} in ${state.dir}/ (drop ${state.drop} + ${state.before.length} patches before it, ${result.files} files)\nchange the files there (add or delete files as well), then run "pvpatch refresh"`);
    });
}
