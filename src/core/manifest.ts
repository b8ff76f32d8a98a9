import type { KernelsConfig } from './config.js';
import { scanDirectives, type CondGroup, type ScanReport } from './cpp/scan.js';
import { patchLabel } from './annotate.js';
import { subsystemOf } from './series.js';
import { appendAll } from './merge/lines.js';

export interface ManifestBranch {
  /** The directive as written, e.g. "#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)" or "#else". */
  directive: string;
  /** Body lines (1-based, inclusive; lastLine < firstLine when empty). */
  firstLine: number;
  lastLine: number;
  /** Kernels whose compiler takes this branch. */
  kernels: string[];
}

export interface ManifestRegion {
  file: string;
  /** Lines of the #if and of its #endif (1-based). */
  startLine: number;
  endLine: number;
  patch: string;
  subsystem: string;
  /** The condition of the opening directive (`defined(X)` / `!defined(X)` for #ifdef / #ifndef). */
  condition: string;
  branches: ManifestBranch[];
  /** Kernels for which the guard could not be decided (a symbol no kernel defines). */
  undecided: string[];
}

export interface Manifest {
  tool: 'pvpatch';
  drop: string;
  series: string[];
  kernels: string[];
  regions: ManifestRegion[];
}

/**
 * Decides, for one kernel, which branch of a group its compiler takes: an index into
 * group.branches, -1 for none (all false, no #else), or undefined when it cannot be decided.
 */
export type BranchOracle = (report: ScanReport, group: CondGroup, kernel: string) => number | undefined;

function conditionOf(report: ScanReport, group: CondGroup): string {
  const d = group.branches[0]?.directive;
  if (!d) return '';
  const text = d.text.replace(/\s+/g, ' ').trim();
  if (d.kind === 'ifdef') return `defined(${text})`;
  if (d.kind === 'ifndef') return `!defined(${text})`;
  return text;
}

function directiveSource(report: ScanReport, line: number): string {
  // One line of the text, without splitting the whole file into lines.
  const start = report.lineStarts[line - 1];
  if (start === undefined) return '';
  const end = report.lineStarts[line] ?? report.text.length;
  return report.text.slice(start, end).replace(/\r?\n$/, '').replace(/\/\* pvpatch: [^*]*\*\/$/, '').trim();
}

/**
 * The regions of one file of an applied tree: every conditional group whose opening directive a
 * patch introduced (by `lineOrigins`, per 0-based line), with its condition, its branches and,
 * through `oracle`, the kernels that take each branch.
 */
export function fileRegions(file: string, text: string, lineOrigins: readonly (string | null)[], config: KernelsConfig, oracle?: BranchOracle): ManifestRegion[] {
  const regions: ManifestRegion[] = [];
  if (!lineOrigins.some((o) => o !== null)) return regions;
  const report = scanDirectives(text, file);
  for (const group of report.groups) {
    const open = group.branches[0]?.directive;
    if (!open) continue;
    const origin = lineOrigins[open.line - 1];
    if (!origin) continue;
    const taken = new Map<string, number | undefined>();
    for (const k of config.kernels) taken.set(k.name, oracle ? oracle(report, group, k.name) : undefined);
    regions.push({
      file,
      startLine: open.line,
      endLine: group.end.line,
      patch: patchLabel(origin),
      subsystem: subsystemOf(origin),
      condition: conditionOf(report, group),
      branches: group.branches.map((b, i) => ({
        directive: directiveSource(report, b.directive.line),
        firstLine: b.firstLine,
        lastLine: b.lastLine,
        kernels: [...taken].filter(([, t]) => t === i).map(([k]) => k),
      })),
      undecided: [...taken].filter(([, t]) => t === undefined).map(([k]) => k),
    });
  }
  return regions;
}

/** The manifest holding `regions` (of any files, in any order: sorted here by file and line). */
export function assembleManifest(regions: ManifestRegion[], config: KernelsConfig, meta: { drop: string; series: string[] }): Manifest {
  regions.sort((a, b) => (a.file === b.file ? a.startLine - b.startLine : a.file < b.file ? -1 : 1));
  return { tool: 'pvpatch', drop: meta.drop, series: meta.series, kernels: config.kernels.map((k) => k.name), regions };
}

/** The manifest of an applied tree (see fileRegions), over every file with origins. */
export function buildManifest(
  files: ReadonlyMap<string, string | Uint8Array>,
  origins: ReadonlyMap<string, readonly (string | null)[]>,
  config: KernelsConfig,
  meta: { drop: string; series: string[] },
  oracle?: BranchOracle,
): Manifest {
  const regions: ManifestRegion[] = [];
  for (const [file, lineOrigins] of origins) {
    const text = files.get(file);
    if (typeof text === 'string') appendAll(regions, fileRegions(file, text, lineOrigins, config, oracle));
  }
  return assembleManifest(regions, config, meta);
}
