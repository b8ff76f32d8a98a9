import path from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../core/errors.js';
import { annotationOf } from '../core/annotate.js';
import { scanDirectives, type CondGroup, type ScanReport } from '../core/cpp/scan.js';
import { branchOracle } from '../core/kernel-branches.js';
import type { Manifest, ManifestRegion } from '../core/manifest.js';
import { parsePvpatchBase } from '../core/merge/pvpatch-base.js';
import { describePatch } from '../core/patch/model.js';
import type { KernelsConfig } from '../core/config.js';
import { readTextIfExists, resolveInside } from '../io/fs.js';
import { print, printJson, openWorkspace } from './common.js';

export interface BlameBranch {
  directive: string;
  /** Lines of the directive and of its body's end (1-based). */
  line: number;
  lastLine: number;
  kernels: string[];
}

export interface Blame {
  file: string;
  line: number;
  /** The guard a patch put there, or null when no pvpatch guard encloses the line. */
  guard: null | {
    patch: string;
    subsystem: string;
    startLine: number;
    endLine: number;
    condition: string;
    /** Index of the branch the line is in (-1: on the #endif line). */
    branch: number;
    branches: BlameBranch[];
    undecided: string[];
    /** Nesting: how many conditionals enclose the line inside this guard. */
    nestedIn: number;
  };
  /** The drop the tree was made from (the manifest's). */
  drop: string | null;
  /** The patch's subject and the drop its Pvpatch-Base: names, from patches/. */
  patchSubject: string | null;
  patchBase: string | null;
}

/** The groups enclosing `line` (1-based), innermost first. */
function enclosing(report: ScanReport, line: number): CondGroup[] {
  return report.groups
    .filter((g) => (g.branches[0]?.directive.line ?? Infinity) <= line && line <= g.end.endLine)
    .sort((a, b) => b.depth - a.depth);
}

function directiveText(report: ScanReport, line: number): string {
  return (report.lines[line - 1] ?? '').replace(/\r?\n$/, '').replace(/\/\* pvpatch: [^*]*\*\/$/, '').trim();
}

/**
 * Blame one line of an annotated tree: the innermost enclosing conditional whose opening
 * directive carries a `/* pvpatch: PATCH *\/` annotation (or is a region of the manifest), the
 * branch the line is in, and the kernels that take each branch (from the manifest, or from
 * the cpp engine when the manifest has no such region).
 */
export function blameLine(text: string, file: string, line: number, manifest: Manifest | undefined, config: KernelsConfig): Blame {
  const report = scanDirectives(text, file);
  const groups = enclosing(report, line);
  const regions = (manifest?.regions ?? []).filter((r) => r.file === file);
  let found: { group: CondGroup; label: string; region: ManifestRegion | undefined } | undefined;
  for (const g of groups) {
    const open = g.branches[0]?.directive;
    if (!open) continue;
    const region = regions.find((r) => r.startLine === open.line);
    const label = annotationOf(report.lines[open.line - 1] ?? '') ?? region?.patch;
    if (label) {
      found = { group: g, label, region };
      break;
    }
  }
  const blame: Blame = { file, line, guard: null, drop: manifest?.drop ?? null, patchSubject: null, patchBase: null };
  if (!found) return blame;
  const { group, label, region } = found;
  const oracle = branchOracle(config);
  const taken = new Map(config.kernels.map((k) => [k.name, region ? undefined : oracle(report, group, k.name)]));
  const branches: BlameBranch[] = group.branches.map((b, i) => ({
    directive: directiveText(report, b.directive.line),
    line: b.directive.line,
    lastLine: b.lastLine,
    kernels: region?.branches[i]?.kernels ?? [...taken].filter(([, t]) => t === i).map(([k]) => k),
  }));
  let branch = -1;
  group.branches.forEach((b, i) => {
    if (b.directive.line <= line && line < group.end.line) branch = i;
  });
  const open = group.branches[0]?.directive;
  blame.guard = {
    patch: label,
    subsystem: label.includes('/') ? label.slice(0, label.indexOf('/')) : '',
    startLine: open?.line ?? line,
    endLine: group.end.line,
    condition: region?.condition ?? directiveText(report, open?.line ?? line).replace(/^#\s*(if|ifdef|ifndef)\s*/, ''),
    branch,
    branches,
    undecided: region?.undecided ?? [...taken].filter(([, t]) => t === undefined).map(([k]) => k),
    nestedIn: groups.indexOf(group),
  };
  return blame;
}

function renderBlame(b: Blame): string {
  if (!b.guard) return `${b.file}:${b.line} is not inside a guard a patch put there (upstream code, or a patch's unguarded change)`;
  const g = b.guard;
  const where = g.branch < 0 ? 'on the #endif' : `in the ${g.branch === 0 ? '#if' : (g.branches[g.branch]?.directive.split(/\s/)[0] ?? '')} branch`;
  const lines = [
    `${b.file}:${b.line} is ${where} of a guard from ${g.patch} (lines ${g.startLine}-${g.endLine}${g.nestedIn > 0 ? `, ${g.nestedIn} conditional${g.nestedIn === 1 ? '' : 's'} deeper` : ''})`,
    `  patch:   patches/${g.patch}.patch${b.patchSubject ? ` — ${b.patchSubject}` : ''}`,
    `  drop:    tree made from ${b.drop ?? '?'}${b.patchBase ? `; the patch was refreshed on ${b.patchBase} (Pvpatch-Base)` : ''}`,
    '  branches:',
  ];
  g.branches.forEach((br, i) => {
    lines.push(`  ${i === g.branch ? '>' : ' '} ${br.directive}  (line ${br.line}): ${br.kernels.length ? br.kernels.join(', ') : 'no kernel'}`);
  });
  if (g.undecided.length) lines.push(`    undecided: ${g.undecided.join(', ')}`);
  const here = g.branches[g.branch];
  if (here) lines.push(`  kernels compiling line ${b.line}: ${here.kernels.length ? here.kernels.join(', ') : 'none'}`);
  return lines.join('\n');
}

export function registerBlame(program: Command): void {
  program
    .command('blame <location>')
    .description('FILE:LINE of the annotated tree (out/): which patch put the enclosing guard there, which drop, which kernels take the branch')
    .option('--out <dir>', 'the annotated tree (default: out/)')
    .option('--json', 'machine-readable output')
    .action(async (location: string, opts: { out?: string; json?: boolean }, cmd: Command) => {
      const m = /^(.+):(\d+)$/.exec(location);
      if (!m) throw new InputError(`expected FILE:LINE (e.g. blkfront/blkfront.c:120), not "${location}"`);
      const file = (m[1] as string).replace(/^\.\//, '').replace(/^out\//, '');
      const line = Number(m[2]);
      const ws = await openWorkspace(cmd);
      const tree = path.resolve(ws.root, opts.out ?? 'out');
      const manifestText = await readTextIfExists(path.join(tree, '.pvpatch', 'manifest.json'));
      if (manifestText === undefined) throw new InputError(`${path.relative(process.cwd(), tree) || tree} is not an annotated tree (no .pvpatch/manifest.json): run "pvpatch apply" first`);
      let manifest: Manifest;
      try {
        manifest = JSON.parse(manifestText) as Manifest;
      } catch (err) {
        throw new InputError(`bad manifest: ${(err as Error).message}`, { file: path.join(tree, '.pvpatch', 'manifest.json') });
      }
      const full = resolveInside(tree, file);
      const text = await readTextIfExists(full, file);
      if (text === undefined) throw new InputError(`${file} is not in the annotated tree ${path.relative(ws.root, tree) || tree}/`);
      const count = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
      if (line < 1 || line > count) throw new InputError(`line ${line} is outside the file (${count} lines)`, { file, line });
      const blame = blameLine(text, file, line, manifest, ws.config);
      if (blame.guard) {
        const patchText = await readTextIfExists(path.join(ws.root, 'patches', `${blame.guard.patch}.patch`));
        if (patchText !== undefined) {
          blame.patchSubject = describePatch(patchText.split(/^diff --git /m)[0] ?? '').subject || null;
          try {
            blame.patchBase = parsePvpatchBase(patchText)?.version ?? null;
          } catch {
            blame.patchBase = null;
          }
        }
      }
      if (opts.json) printJson(blame);
      else print(renderBlame(blame));
    });
}
