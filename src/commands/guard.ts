import path from 'node:path';
import os from 'node:os';
import { promises as fsp } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { InputError, IoError } from '../core/errors.js';
import {
  cppConditionOracle, guardCondition, guardSpecOracle, kernelBranches, parseFileRange, parseGuardSpec, wrapInGuard,
  type ConditionOracle, type GuardSpec, type KernelBranch, type WrapResult,
} from '../core/guard.js';
import type { SeriesEntry } from '../core/series.js';
import { readText, writeFileAtomic } from '../io/fs.js';
import { KERNELS_JSON, type Workspace } from '../io/workspace.js';
import { editTreeDir, loadEditBase, materialisePatch, readEditState } from '../io/edit-state.js';
import { print, printJson, table, withWorkspace } from './common.js';
import { findSeriesEntry } from './patch-ref.js';
import { failOnLater, loadOpenEdit, recordRefreshed, refreshInWorkspace, renderRefresh, type RefreshOutcome } from './refresh.js';

interface GuardOptions {
  below?: string;
  rhel?: string;
  sles?: string;
  compat?: string;
  patch?: string;
  yes?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

/**
 * Which kernels take which branch: the cpp engine evaluates the condition in each kernel's
 * environment; where it cannot decide, the structural reading of the guard (guardSpecOracle) may.
 */
export function guardOracle(ws: Workspace, spec: GuardSpec): ConditionOracle {
  const cpp = cppConditionOracle(ws.config);
  const structural = guardSpecOracle(spec);
  return (condition, kernel) => cpp(condition, kernel) ?? structural(condition, kernel);
}

const COMMENT = '//pvpatch:';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The compat code: --compat FILE (or - for stdin), else $VISUAL/$EDITOR on a temp file that starts with the upstream lines. */
async function compatCode(opts: GuardOptions, upstream: string, condition: string, file: string): Promise<string> {
  if (opts.compat === '-') return readStdin();
  if (opts.compat !== undefined) return readText(path.resolve(opts.compat), opts.compat);
  const editor = process.env.VISUAL || process.env.EDITOR;
  if (!editor) throw new InputError('give the compat code with --compat FILE (or --compat - for stdin), or set $EDITOR to write it');
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'pvpatch-guard-'));
  const tmp = path.join(dir, `compat-${path.basename(file)}`);
  try {
    const intro = [
      `${COMMENT} Write the code for kernels where #if ${condition} holds.`,
      `${COMMENT} It goes in the #if branch; the upstream lines below go, unchanged, in #else.`,
      `${COMMENT} Lines starting with ${COMMENT} are removed; an empty file gives an empty #if branch.`,
    ].join('\n');
    await fsp.writeFile(tmp, `${intro}\n${upstream}`);
    const r = spawnSync('sh', ['-c', `${editor} "$1"`, 'sh', tmp], { stdio: 'inherit' });
    if (r.status !== 0) throw new IoError(`the editor (${editor}) failed${r.status === null ? '' : ` with exit code ${r.status}`}; nothing changed`);
    const text = await fsp.readFile(tmp, 'utf8');
    return text.split('\n').filter((l) => !l.startsWith(COMMENT)).join('\n');
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

function renderBranches(condition: string, branches: KernelBranch[]): string {
  const label = { compat: '#if (compat code)', upstream: '#else (upstream code)', unknown: 'unknown (cannot evaluate)' } as const;
  return `#if ${condition}\n\n${table(['kernel', 'version', 'takes'], branches.map((b) => [b.kernel, b.version, label[b.takes]]))}`;
}

/** Lines around the new guard, numbered, for the preview. */
function snippet(w: WrapResult, text: string): string {
  const lines = text.split('\n');
  const from = Math.max(1, w.ifLine - 2);
  const to = Math.min(lines.length, w.endifLine + 2);
  const width = String(to).length;
  const out: string[] = [];
  for (let n = from; n <= to; n++) out.push(`${String(n).padStart(width)}${n >= w.ifLine && n <= w.endifLine ? ' |' : '  '} ${(lines[n - 1] ?? '').replace(/\r$/, '')}`);
  return out.join('\n');
}

interface GuardPlan {
  entry: SeriesEntry;
  file: string;
  start: number;
  end: number;
  condition: string;
  branches: KernelBranch[];
  wrap: WrapResult;
  /** The open edit's work tree, when the guard goes there. */
  editDir?: string;
}

export function registerGuard(program: Command): void {
  program
    .command('guard <range>')
    .description('wrap upstream lines FILE:START-END in "#if <older kernels> compat #else upstream #endif" and refresh the patch')
    .option('--below <version>', 'required: kernels older than this take the compat branch, e.g. 2.6.16')
    .option('--rhel <release>', 'except RHEL kernels from this release on (they backported it), e.g. 5.4; needs RHEL_RELEASE_VERSION in kernels.json "macros"')
    .option('--sles <release>', 'except SLES kernels from this release on, e.g. 10.2; needs SLE_VERSION in kernels.json "macros"')
    .option('--compat <file>', 'the compat code for the #if branch (- for stdin; default: $EDITOR)')
    .option('--patch <patch>', 'the patch that carries the guard (default: the patch open in "pvpatch edit")')
    .option('--yes', 'do not ask before writing (asked only on a terminal)')
    .option('--dry-run', 'show the condition, which kernels take which branch and the result; write nothing')
    .option('--json', 'machine-readable output')
    .addHelpText('after', [
      '',
      'START-END are lines of FILE in the patch\'s tree: the current drop with the series applied up to and',
      'including the patch (what "pvpatch edit PATCH" shows; the open work tree when that patch is being edited).',
      'Example: pvpatch guard blkfront/blkfront.c:120-122 --below 2.6.16 --rhel 5.4 --compat old.c --patch blkfront/queue',
    ].join('\n'))
    .action(async (range: string, opts: GuardOptions, cmd: Command) => {
      if (opts.below === undefined) throw new InputError('--below VERSION is required: kernels older than it take the compat branch');
      const below = opts.below;
      const { file, start, end } = parseFileRange(range);
      const interactive = Boolean(process.stdin.isTTY && process.stderr.isTTY) && !opts.yes && !opts.dryRun && !opts.json && opts.compat !== '-';
      const result = await withWorkspace(cmd, 'guard', async (ws) => {
        const spec = parseGuardSpec({ ...opts, below }, ws.config, KERNELS_JSON);
        const condition = guardCondition(spec);
        const open = await readEditState(ws);
        let entry: SeriesEntry;
        if (opts.patch !== undefined) {
          entry = findSeriesEntry(ws, opts.patch);
          if (open && open.patch !== entry.name) {
            throw new InputError(`${open.patch} is open for editing: refresh and close it ("pvpatch edit --close") before guarding in ${entry.name}`);
          }
        } else {
          if (!open) throw new InputError('--patch SUBSYS/NAME is required when no patch is open for editing');
          entry = findSeriesEntry(ws, open.patch);
        }
        let base: ReadonlyMap<string, string>;
        let tree: Map<string, string>;
        let editDir: string | undefined;
        let dropVersion: string;
        let dropFiles: ReadonlyMap<string, string>;
        if (open) {
          const loaded = await loadOpenEdit(ws, {});
          ({ base, dropFiles } = await loadEditBase(ws, loaded.state));
          tree = loaded.tree;
          editDir = editTreeDir(ws, loaded.state);
          dropVersion = loaded.state.drop;
        } else {
          const m = await materialisePatch(ws, entry);
          base = m.base;
          tree = new Map(m.tree);
          dropVersion = m.drop;
          dropFiles = m.dropFiles;
        }
        const text = tree.get(file);
        if (text === undefined) {
          const near = [...tree.keys()].filter((k) => k.endsWith(path.basename(file)));
          throw new InputError(`${file} is not in the tree of ${entry.name}${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}`);
        }
        const lines = text.split('\n');
        if (end > lines.length - (text.endsWith('\n') ? 1 : 0)) {
          throw new InputError(`line ${end} is past the end of the file (${lines.length - (text.endsWith('\n') ? 1 : 0)} lines)`, { file });
        }
        const upstream = lines.slice(start - 1, end).map((l) => `${l}\n`).join('');
        const compat = opts.dryRun && opts.compat === undefined ? '' : await compatCode(opts, upstream, condition, file);
        const wrap = wrapInGuard(text, file, start, end, condition, compat);
        const branches = kernelBranches(condition, ws.config, guardOracle(ws, spec));
        const plan: GuardPlan = { entry, file, start, end, condition, branches, wrap, editDir };
        if (!opts.json) {
          print(`guard ${file}:${start}-${end} in ${entry.name}${editDir ? ` (open in ${path.relative(ws.root, editDir) || editDir}/)` : ''}\n\n${renderBranches(condition, branches)}\n\n${snippet(wrap, wrap.text)}`);
          const taken = new Set(branches.map((b) => b.takes));
          if (taken.size === 1 && !taken.has('unknown')) {
            process.stderr.write(`pvpatch: warning: every kernel of kernels.json takes the ${branches[0]?.takes === 'compat' ? '#if' : '#else'} branch: the guard is constant for this build matrix\n`);
          }
        }
        if (opts.dryRun) return { plan, refreshed: undefined as RefreshOutcome | undefined };
        if (interactive && !(await confirm(`\nwrite the guard into ${entry.name}? [y/N] `))) throw new InputError('not confirmed: nothing changed');
        tree.set(file, wrap.text);
        // The work tree first: if the refresh fails, "pvpatch refresh" can finish the job.
        if (editDir) await writeFileAtomic(path.join(editDir, file), wrap.text);
        const o = await refreshInWorkspace(ws, entry, base, tree, { dropVersion, dropFiles });
        if (open) await recordRefreshed(ws, open, o.text, tree);
        return { plan, refreshed: o as RefreshOutcome };
      });
      const { plan, refreshed } = result;
      if (opts.json) {
        printJson({
          patch: plan.entry.name, file: plan.file, lines: [plan.start, plan.end], condition: plan.condition,
          directives: { if: plan.wrap.ifLine, else: plan.wrap.elseLine, endif: plan.wrap.endifLine },
          branches: plan.branches, dryRun: Boolean(opts.dryRun),
          ...(refreshed ? { written: refreshed.written, files: refreshed.files, later: refreshed.later } : {}),
        });
      } else if (refreshed) {
        print(`\n${renderRefresh(refreshed)}`);
      } else print('\n(dry run: nothing written)');
      if (refreshed) failOnLater(refreshed, opts.json);
    });
}
