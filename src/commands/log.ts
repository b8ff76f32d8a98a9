import path from 'node:path';
import type { Command } from 'commander';
import type { SimpleGit } from 'simple-git';
import { InputError, IoError } from '../core/errors.js';
import { parsePvpatchBase } from '../core/merge/pvpatch-base.js';
import { describePatch } from '../core/patch/model.js';
import { exists } from '../io/fs.js';
import { print, printJson, table, openWorkspace } from './common.js';
import { normalisePatchName } from './patch-ref.js';
import { DROPPED_DIR } from './series.js';

export interface PatchCommit {
  hash: string;
  date: string;
  author: string;
  subject: string;
  /** A = added, M = modified, D = deleted, R = renamed (git's name-status letter). */
  change: string;
  /** The patch's path at that commit (repository-relative). */
  path: string;
  /** The drop its Pvpatch-Base: line named at that commit (null: none, or the patch was deleted). */
  base: string | null;
  /** The patch's own subject at that commit. */
  patchSubject: string | null;
}

const RS = '\x1e';
const US = '\x1f';

/** Parse `git log --format=RS%H US %aI US %an US %s --name-status` output. */
export function parseLogRecords(out: string): Omit<PatchCommit, 'base' | 'patchSubject'>[] {
  const commits: Omit<PatchCommit, 'base' | 'patchSubject'>[] = [];
  for (const rec of out.split(RS).slice(1)) {
    const [head = '', ...rest] = rec.split('\n');
    const [hash = '', date = '', author = '', subject = ''] = head.split(US);
    const status = rest.map((l) => l.trim()).find((l) => /^[ACDMRT]\d*\t/.test(l)) ?? '';
    const parts = status.split('\t');
    commits.push({ hash, date, author, subject, change: (parts[0] ?? '').charAt(0), path: parts[parts.length - 1] ?? '' });
  }
  return commits;
}

async function gitFor(root: string): Promise<SimpleGit> {
  const { simpleGit } = await import('simple-git');
  const git = simpleGit(root);
  let isRepo: boolean;
  try {
    isRepo = await git.checkIsRepo();
  } catch (err) {
    throw new IoError(`cannot run git: ${(err as Error).message}`, undefined, err);
  }
  if (!isRepo) {
    throw new InputError(`${root} is not in a git repository: a patch's history comes from git ("git init", then commit patches/ and upstream/drops.json after each change)`);
  }
  return git;
}

/** The history of one patch file across commits (following renames, e.g. into patches/.dropped/). */
export async function patchHistory(root: string, name: string, withDiffs: boolean): Promise<{ path: string; commits: PatchCommit[]; diffs: Map<string, string> }> {
  const git = await gitFor(root);
  const live = `patches/${name}`;
  const dropped = `${DROPPED_DIR}/${name}`;
  const rel = !(await exists(path.join(root, live))) && (await exists(path.join(root, dropped))) ? dropped : live;
  const raw = await git.raw(['log', '--follow', `--format=${RS}%H${US}%aI${US}%an${US}%s`, '--name-status', '--', rel]);
  const commits: PatchCommit[] = [];
  for (const c of parseLogRecords(raw)) {
    let base: string | null = null;
    let patchSubject: string | null = null;
    if (c.change !== 'D' && c.path !== '') {
      try {
        const text = await git.raw(['show', `${c.hash}:${c.path}`]);
        try {
          base = parsePvpatchBase(text, c.path)?.version ?? null;
        } catch {
          base = '(invalid Pvpatch-Base)';
        }
        patchSubject = describePatch(text.split(/^diff --git /m)[0] ?? '').subject || null;
      } catch {
        // The file is not readable at that commit (e.g. a path outside the sparse checkout).
      }
    }
    commits.push({ ...c, base, patchSubject });
  }
  const diffs = new Map<string, string>();
  if (withDiffs && commits.length > 0) {
    const out = await git.raw(['log', '--follow', '-p', `--format=${RS}%H`, '--', rel]);
    for (const rec of out.split(RS).slice(1)) {
      const nl = rec.indexOf('\n');
      diffs.set(rec.slice(0, nl), rec.slice(nl + 1).replace(/^\n+/, ''));
    }
  }
  return { path: rel, commits, diffs };
}

export function registerLog(program: Command): void {
  program
    .command('log <patch>')
    .description('the history of one patch across drops, from git: commits, dates, and the drop its Pvpatch-Base named')
    .option('-p, --patch', 'show each change of the patch file as well')
    .option('--json', 'machine-readable output')
    .action(async (arg: string, opts: { patch?: boolean; json?: boolean }, cmd: Command) => {
      const ws = await openWorkspace(cmd);
      const name = normalisePatchName(arg);
      const h = await patchHistory(ws.root, name, Boolean(opts.patch));
      if (opts.json) {
        printJson({ patch: name, path: h.path, commits: h.commits.map((c) => (opts.patch ? { ...c, diff: h.diffs.get(c.hash) ?? '' } : c)) });
        return;
      }
      if (h.commits.length === 0) {
        print(`no commit touches ${h.path} (is it committed?)`);
        return;
      }
      const rows = h.commits.map((c) => [c.date.slice(0, 10), c.hash.slice(0, 10), c.change, c.base ?? '-', c.subject]);
      if (!opts.patch) {
        print(`history of ${name} (${h.commits.length} commit${h.commits.length === 1 ? '' : 's'}, newest first)\n\n${table(['date', 'commit', '', 'base drop', 'subject'], rows)}`);
        return;
      }
      for (const c of h.commits) {
        print(`commit ${c.hash}\nDate:   ${c.date}\nAuthor: ${c.author}\nBase:   ${c.base ?? '-'} (${c.path})\n\n    ${c.subject}\n`);
        const diff = h.diffs.get(c.hash);
        if (diff) print(diff);
      }
    });
}
