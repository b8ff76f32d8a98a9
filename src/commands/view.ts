// `pvpatch view --kernel K [FILE…]`: the tree as kernel K's compiler sees it (unifdef-style).
import path from 'node:path';
import { promises as fsp } from 'node:fs';
import type { Command } from 'commander';
import { InputError } from '../core/errors.js';
import { findKernel, type KernelEntry, type KernelsConfig } from '../core/config.js';
import { formatKernelVersion } from '../core/kernel-version.js';
import { kernelEnv, type CppEnv } from '../core/cpp/env.js';
import { scanDirectives } from '../core/cpp/scan.js';
import { resolveConditionals } from '../core/cpp/resolve.js';
import { viewReport } from '../core/cpp/view.js';
import { analyzeGuards } from '../core/cpp/analyze.js';
import { isCSource } from '../core/check.js';
import type { Manifest } from '../core/manifest.js';
import { exists, listTree, readTextIfExists, readTextSync, replaceDirAtomic } from '../io/fs.js';
import { writeTreeFilesSync } from '../io/tree-writer.js';
import type { Workspace } from '../io/workspace.js';
import { openWorkspace, print, printJson, progress, progressDone } from './common.js';
import { applyInMemory } from './apply.js';

/** A tree to look at: the series applied in memory (annotated), or a directory such as out/. */
export interface TreeSource {
  files: Map<string, string>;
  /** "drop 1.0 + 21 patches (in memory)" or the directory. */
  describe: string;
  /** The directory, when the tree was read from one. */
  dir?: string;
  manifest?: Manifest;
}

/** The text files of a directory tree (binary files other than C sources left out), without its .pvpatch/ state, and its manifest if it has one. */
export async function readTreeDir(dir: string): Promise<TreeSource> {
  const shown = path.relative(process.cwd(), dir) || '.';
  if (!(await exists(dir))) throw new InputError(`${shown} does not exist (run "pvpatch apply" to write out/, or omit --tree to apply the series in memory)`);
  const names = await listTree(dir, { skip: (rel) => rel === '.pvpatch' });
  const files = new Map<string, string>();
  for (const rel of names) {
    try {
      files.set(rel, readTextSync(path.join(dir, rel), rel));
    } catch (err) {
      // A binary file (an object file, a firmware blob) has no view: leave it out, unless it claims to be C.
      if (isCSource(rel) || !(err instanceof InputError)) throw err;
    }
  }
  let manifest: Manifest | undefined;
  const manifestText = await readTextIfExists(path.join(dir, '.pvpatch', 'manifest.json'));
  if (manifestText !== undefined) {
    try {
      manifest = JSON.parse(manifestText) as Manifest;
    } catch (err) {
      throw new InputError(`bad manifest: ${(err as Error).message}`, { file: path.join(shown, '.pvpatch', 'manifest.json') });
    }
  }
  return { files, describe: `${shown}/`, dir, ...(manifest ? { manifest } : {}) };
}

/** The tree `--tree DIR` names, or the series applied in memory to `drop` (default: the current one). */
export async function loadTree(ws: Workspace, opts: { tree?: string; drop?: string }): Promise<TreeSource> {
  if (opts.tree !== undefined) {
    if (opts.drop !== undefined) throw new InputError('--tree and --drop do not go together: a tree on disk is already made from one drop');
    // Like apply --out and build --out: relative to the workspace (as git -C does).
    return readTreeDir(path.resolve(ws.root, opts.tree));
  }
  const mem = await applyInMemory(ws, { drop: opts.drop, annotate: true });
  return { files: mem.files, describe: `drop ${mem.drop} + ${mem.patches} patch${mem.patches === 1 ? '' : 'es'} (applied in memory)`, manifest: mem.manifest };
}

/**
 * The files FILE arguments name: tree-relative paths (a leading "./" or the --tree directory
 * as typed is accepted) or directories of the tree. Unknown names are an InputError.
 */
export function selectFiles(files: ReadonlyMap<string, string>, args: readonly string[], treeDir?: string): string[] {
  if (args.length === 0) return [...files.keys()];
  const prefixes = treeDir ? [path.relative(process.cwd(), treeDir), treeDir].filter((p) => p !== '' && p !== '.') : [];
  const out: string[] = [];
  for (const raw of args) {
    let rel = raw.replace(/^\.\//, '').replace(/\/+$/, '');
    for (const p of prefixes) {
      const full = p.replace(/\/+$/, '') + '/';
      if (rel.startsWith(full)) rel = rel.slice(full.length);
    }
    const hits = files.has(rel) ? [rel] : [...files.keys()].filter((f) => f.startsWith(rel + '/') || rel === '.' || rel === '');
    if (hits.length === 0) {
      const sample = [...files.keys()].slice(0, 6).join(', ');
      throw new InputError(`no file "${raw}" in the tree (it has ${files.size} files: ${sample}${files.size > 6 ? ', …' : ''})`);
    }
    for (const h of hits) if (!out.includes(h)) out.push(h);
  }
  return out;
}

export interface FileView {
  file: string;
  text: string;
  /** Lines in and out. */
  linesIn: number;
  linesOut: number;
  /** Conditionals resolved away for this kernel. */
  resolved: number;
  /** Conditionals kept because pvpatch cannot decide them (include guards excepted). */
  undecided: { line: number; directive: string }[];
}

function lineCount(text: string): number {
  if (text === '') return 0;
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

/** The view of one file for one kernel; files that are not C sources are passed through as they are. */
export function viewFile(file: string, text: string, env: CppEnv): FileView {
  if (!isCSource(file)) return { file, text, linesIn: lineCount(text), linesOut: lineCount(text), resolved: 0, undecided: [] };
  const report = scanDirectives(text, file);
  const res = resolveConditionals(report, env);
  const out = viewReport(report, env, res).map((l) => l.text).join('');
  const guards = analyzeGuards(report, [{ name: env.name, env }]);
  const undecided = report.groups
    .filter((g, i) => res[i]?.taken === 'unknown' && !guards[i]?.includeGuard)
    .map((g) => {
      const line = g.branches[0]?.directive.line ?? 0;
      return { line, directive: (report.lines[line - 1] ?? '').replace(/\r?\n$/, '').trim() };
    });
  const resolved = res.filter((r) => r.taken !== 'unknown' && r.taken !== 'unreached').length;
  return { file, text: out, linesIn: lineCount(text), linesOut: lineCount(out), resolved, undecided };
}

/** Every selected file as kernel `kernel` sees it. Throws CppError (exit 2, file:line) for an unbalanced file or a condition that fails. */
export function viewFiles(files: ReadonlyMap<string, string>, names: readonly string[], config: KernelsConfig, kernel: KernelEntry): FileView[] {
  const env = kernelEnv(config, kernel);
  return names.map((name) => viewFile(name, files.get(name) ?? '', env));
}

async function writeView(target: string, views: readonly FileView[], meta: { kernel: string; source: string }): Promise<void> {
  if (await exists(target)) {
    const ours = await exists(path.join(target, '.pvpatch', 'view.json'));
    const entries = await fsp.readdir(target);
    if (!ours && entries.length > 0) throw new InputError(`refusing to replace ${target}: it is not empty and was not written by pvpatch view`);
  }
  // A view is regenerable output (as apply's tree): swapped in atomically, not fsynced file by file.
  await replaceDirAtomic(target, async (tmp) => {
    writeTreeFilesSync(tmp, views.map((v) => [v.file, v.text] as const));
    await fsp.mkdir(path.join(tmp, '.pvpatch'), { recursive: true });
    await fsp.writeFile(path.join(tmp, '.pvpatch', 'view.json'), JSON.stringify({ tool: 'pvpatch', ...meta, files: views.map((v) => v.file) }, null, 2) + '\n');
  }, { durable: false });
}

interface ViewOptions {
  kernel: string;
  out?: string;
  tree?: string;
  drop?: string;
  json?: boolean;
}

export function registerView(program: Command): void {
  program
    .command('view [files...]')
    .description("the tree (or the given files) as one kernel's compiler sees it: the conditionals pvpatch can decide are removed, unifdef-style, every other line byte-identical")
    .requiredOption('-k, --kernel <name>', 'the kernel of kernels.json')
    .option('--tree <dir>', 'view this tree (e.g. out/) instead of applying the series in memory')
    .option('--drop <version>', 'apply the series to this drop (default: the current one)')
    .option('--out <dir>', 'write the viewed files under DIR instead of printing them')
    .option('--json', 'machine-readable output (the texts, lines in and out, conditionals kept)')
    .addHelpText('after', `
One file is printed as it is; several get a "==> FILE <==" header each (as head(1) does), or go
under --out DIR. Conditionals on symbols no kernel of kernels.json defines stay, with both
branches (pvpatch says which on stderr). An unbalanced #if or a condition the kernel's compiler
would reject is an error (exit 2) naming FILE:LINE.`)
    .action(async (args: string[], opts: ViewOptions, cmd: Command) => {
      const ws = await openWorkspace(cmd);
      const kernel = findKernel(ws.config, opts.kernel);
      const version = formatKernelVersion(kernel.version);
      let source: TreeSource;
      let views: FileView[];
      try {
        // The steps on a terminal (not with --json), cleared before anything is printed.
        progress(opts.tree !== undefined ? `reading ${opts.tree}` : `applying the series in memory (${ws.series.length} patches)`, opts.json);
        source = await loadTree(ws, { tree: opts.tree, drop: opts.drop });
        const names = selectFiles(source.files, args, source.dir);
        progress(`viewing ${names.length} file${names.length === 1 ? '' : 's'} as ${kernel.name}`, opts.json);
        views = viewFiles(source.files, names, ws.config, kernel);
        if (opts.out !== undefined) {
          progress(`writing ${views.length} file${views.length === 1 ? '' : 's'} to ${opts.out}`, opts.json);
          await writeView(path.resolve(ws.root, opts.out), views, { kernel: kernel.name, source: source.describe });
        }
      } finally {
        progressDone(opts.json);
      }
      if (opts.json) {
        printJson({
          kernel: kernel.name,
          version,
          source: source.describe,
          ...(opts.out !== undefined ? { out: path.resolve(ws.root, opts.out) } : {}),
          files: views.map((v) => ({ file: v.file, linesIn: v.linesIn, linesOut: v.linesOut, resolved: v.resolved, undecided: v.undecided, ...(opts.out === undefined ? { text: v.text } : {}) })),
        });
        return;
      }
      for (const v of views) {
        if (v.undecided.length > 0) {
          const lines = v.undecided.map((u) => u.line);
          process.stderr.write(`pvpatch: ${v.file}:${lines[0]}: note: ${v.undecided.length} conditional${v.undecided.length === 1 ? '' : 's'} kept: pvpatch cannot decide ${v.undecided.length === 1 ? 'it' : 'them'} for ${kernel.name}${lines.length > 1 ? ` (lines ${lines.join(', ')})` : ''}\n`);
        }
      }
      if (opts.out !== undefined) {
        const removed = views.reduce((n, v) => n + (v.linesIn - v.linesOut), 0);
        print(`${views.length} file${views.length === 1 ? '' : 's'} as ${kernel.name} (${version}) sees them, in ${path.relative(process.cwd(), path.resolve(ws.root, opts.out)) || '.'}/ (${removed} lines of other kernels removed; source: ${source.describe})`);
        return;
      }
      if (views.length === 1 && args.length > 0) {
        process.stdout.write((views[0] as FileView).text);
        return;
      }
      views.forEach((v, i) => {
        process.stdout.write(`${i > 0 ? '\n' : ''}==> ${v.file} <==\n${v.text}`);
      });
    });
}
