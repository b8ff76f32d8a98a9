// Copying the last apply's tree while the CLI starts. Most of a repeated `pvpatch apply` is the
// copy of the tree its record names (src/io/apply-record.ts), and node takes as long to load the
// command's code as the copy takes: so cli.ts, before it loads anything else, looks whether its
// arguments are a plain `apply` and, if so, starts making that tree in a temp sibling of the target:
// `cp -RPl` of the record's store when there is one (linked-prefetch.ts), else a worker that reads
// the record and copies the tree (trusted-copy.ts). Nothing is decided there: the command later checks the
// record against its inputs as it always does, joins the copy if they are the same, and otherwise
// the temp directory is removed unused. This module loads only node's own modules (and the copy's).
import fs from 'node:fs';
import path from 'node:path';
import { startPrefetchedCopy, type PrefetchedCopy } from '../io/trusted-copy.js';
import { keepTemp } from '../io/live-temps.js';
import { RECORD, recordDir, STORE } from '../io/apply-record-read.js';
import { startLinkedPrefetch } from '../io/linked-prefetch.js';
import { randomHex, tempSibling } from '../io/temp-names.js';
import { locateWorkspace } from '../io/workspace-root.js';
import { writtenMode } from '../io/verified.js';
import type { ApplyOptions } from './apply-command.js';
import { relInside } from '../io/paths.js';

interface Pending {
  target: string;
  copy: PrefetchedCopy;
  taken: boolean;
}

let pending: Pending | undefined;

/** A plain `apply` command line: the program's -C and the command's options, as commander gives them. */
export interface PlainApply {
  workspace?: string;
  opts: ApplyOptions;
}

const VALUE_OPTIONS = new Set(['--out', '--drop', '--fuzz']);
const FLAGS = new Set(['--no-annotate', '--json', '--build']);

/**
 * `argv` (process.argv) when it is a plain `apply`: only -C/--workspace before the command, only
 * --out, --drop, --fuzz (a value each), --no-annotate, --json, --build after it (no --no-cache, no
 * --help, nothing else, nothing missing); undefined for anything else, which commander parses.
 */
export function plainApplyCommand(argv: readonly string[]): PlainApply | undefined {
  const args = argv.slice(2);
  const got: PlainApply = { opts: { annotate: true, cache: true } };
  let i = 0;
  for (; i < args.length && args[i] !== 'apply'; i++) {
    const a = args[i] as string;
    if ((a === '-C' || a === '--workspace') && i + 1 < args.length) got.workspace = args[++i];
    else if (a.startsWith('--workspace=')) got.workspace = a.slice('--workspace='.length);
    else return undefined;
  }
  if (i >= args.length) return undefined;
  for (i++; i < args.length; i++) {
    const a = args[i] as string;
    const eq = a.indexOf('=');
    const [name, inline] = a.startsWith('--') && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    if (FLAGS.has(name) && inline === undefined) {
      if (name === '--no-annotate') got.opts.annotate = false;
      else if (name === '--json') got.opts.json = true;
      else got.opts.build = true;
      continue;
    }
    if (!VALUE_OPTIONS.has(name)) return undefined;
    const value = inline ?? args[++i];
    if (value === undefined) return undefined;
    got.opts[name.slice(2) as 'out' | 'drop' | 'fuzz'] = value;
  }
  return got;
}

/** Is `parent` a directory reached without a symlink from `root` when it lies inside it (as checkTreeTarget requires)? */
function plainParent(root: string, parent: string): boolean {
  const rel = path.relative(root, parent);
  const inside = relInside(rel);
  // Every directory from the root down to the parent (which is the last), or only the parent.
  const chain = inside && rel !== '' ? rel.split(path.sep).map((_, k, all) => path.join(root, ...all.slice(0, k + 1))) : [parent];
  for (const p of chain) {
    const st = fs.lstatSync(p, { throwIfNoEntry: false });
    if (!st || !st.isDirectory()) return false;
  }
  return true;
}

/**
 * For a plain apply (see plainApplyCommand) of a workspace with a record, start copying the
 * recorded tree next to the target. Never throws: anything unexpected means no prefetch, and the
 * command does what it always does.
 */
export function prefetchApply(plain: PlainApply | undefined, cwd: string = process.cwd()): void {
  try {
    if (!plain) return;
    const root = locateWorkspace(plain.workspace, cwd);
    if (root === undefined || !fs.existsSync(path.join(recordDir(root), RECORD))) return;
    const target = path.resolve(root, plain.opts.out ?? 'out');
    const parent = path.dirname(target);
    // A target that exists may be the tree already (copyRecordedTree leaves it then): nothing to start.
    if (!plainParent(root, parent) || fs.lstatSync(target, { throwIfNoEntry: false }) !== undefined) return;
    // The temp sibling replaceDirAtomic would make.
    const tmp = tempSibling(target, 'new', randomHex());
    fs.mkdirSync(tmp);
    keepTemp(tmp);
    const mode = writtenMode();
    // With a store, its links are made by cp; else the files are copied on a worker thread.
    const store = path.join(recordDir(root), STORE);
    const copy = (fs.lstatSync(store, { throwIfNoEntry: false })?.isDirectory() && startLinkedPrefetch(store, tmp, mode)) || startPrefetchedCopy(root, tmp, plain.opts.drop, mode);
    if (!copy) {
      fs.rmdirSync(tmp);
      return;
    }
    pending = { target, copy, taken: false };
  } catch {
    pending = undefined;
  }
}

/**
 * The copy started for `target`, if there is one, for the command to join. Whatever it does with
 * it, settlePrefetch discards what is left: a temp directory moved into place is no longer there.
 */
export function takePrefetch(target: string): PrefetchedCopy | undefined {
  if (!pending || pending.taken || pending.target !== target) return undefined;
  pending.taken = true;
  return pending.copy;
}

/** At the end of the command: the copy is stopped (if it still runs) and its temp directory, unless moved into place, removed. */
export async function settlePrefetch(): Promise<void> {
  const p = pending;
  pending = undefined;
  await p?.copy.discard();
}
