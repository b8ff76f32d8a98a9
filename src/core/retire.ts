/**
 * Retiring kernels (pure): which guards become constant once some kernels leave kernels.json,
 * and the series rewritten without them.
 *
 * The series is applied one patch at a time (T_i = the drop with patches 1..i). S_i is T_i with
 * every guard the patches introduced simplified where the remaining kernels all agree: the
 * dead branches dropped, the taken one unwrapped. Patch i is then rewritten as the diff from
 * S_{i-1} to S_i, so the new series rebuilds S_n exactly, patch by patch. A patch whose diff
 * did not change is kept byte for byte; one that only moved keeps its hunks with new line
 * numbers; one with nothing left is dropped. The plan is verified before it is returned: the
 * new series applies exactly to the drop, and every remaining kernel sees the same code in
 * the old tree and the new one (blank lines aside).
 *
 * Also here: the kernels.json text edits of `kernels add` / `kernels retire`, which keep the
 * file's own layout.
 */
import type { KernelsConfig } from './config.js';
import { findKernel } from './config.js';
import { CheckFailed, CppError, InputError } from './errors.js';
import { applySeries, describeFailure, type SeriesPatch } from './apply-series.js';
import { patchLabel, splitLinesKeepEnds } from './annotate.js';
import { carryOrigins } from './origins.js';
import { parsePatch } from './patch/parse.js';
import { applyFilePatch } from './patch/apply.js';
import { createFilePatch } from './patch/create.js';
import { formatPatch } from './patch/format.js';
import { fileOperation, type FilePatch, type Hunk, type PatchFile } from './patch/model.js';
import { kernelEnv, type CppEnv } from './cpp/env.js';
import { resolveConditionals } from './cpp/resolve.js';
import { scanDirectives, type CondGroup, type ScanReport } from './cpp/scan.js';
import { viewReport } from './cpp/view.js';
import { isCSource } from './check.js';
import { parseJsonText } from './json.js';

/** A remaining kernel: its name and the environment its guards are evaluated in. */
export interface RemainingKernel {
  name: string;
  env: CppEnv;
}

export interface SimplifiedGuard {
  file: string;
  /** The opening directive's line in the tree the whole old series makes (what out/ shows). */
  line: number;
  /** The directive as written, e.g. "#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)". */
  directive: string;
  /** 'unwrapped': a branch kept without its directives; 'removed': no branch is taken, all of it goes. */
  action: 'unwrapped' | 'removed';
  /** The branch kept: "#if" (or "#ifdef"…), "#else", or the "#elif …" line; undefined when removed. */
  kept?: string;
  /** The remaining kernels that reach the guard (all of them take `kept`). */
  kernels: string[];
}

export interface UndecidedGuard {
  file: string;
  line: number;
  directive: string;
  patch: string;
  /** Remaining kernels for which the guard's branch cannot be told (unknown symbols, failing conditions). */
  kernels: string[];
}

export type RewriteStatus = 'unchanged' | 'described' | 'refreshed' | 'rewritten' | 'emptied';

export interface PatchRewrite {
  /** Series name, e.g. "blkfront/elevator-noop.patch". */
  patch: string;
  /**
   * unchanged: byte for byte; described: only the description's `Kernels:` line lost retired kernels;
   * refreshed: only hunk line numbers moved (and that line); rewritten; emptied: nothing left.
   */
  status: RewriteStatus;
  oldText: string;
  /** null when emptied. */
  newText: string | null;
  guards: SimplifiedGuard[];
  /** What is left of a rewritten patch: hunks, lines added and removed. */
  left?: { hunks: number; insertions: number; deletions: number };
}

export interface RetirePlan {
  retired: string[];
  remaining: string[];
  config: KernelsConfig;
  patches: PatchRewrite[];
  /** The new series (emptied patches left out), in order. */
  series: string[];
  /** The emptied patches, in series order. */
  dropped: string[];
  undecided: UndecidedGuard[];
  /** What the verification compared. */
  verified: { files: number; kernels: string[] };
}

/** A patch text with no file diff yet (a `pvpatch new` header before its first refresh). */
function hasNoDiff(text: string): boolean {
  return !/^diff --git /m.test(text) && !/^--- [^\n]*\r?\n\+\+\+ /m.test(text);
}

function directiveSource(lines: readonly string[], line: number): string {
  return (lines[line - 1] ?? '').replace(/\r?\n$/, '').replace(/\/\* pvpatch: [^*]*\*\/$/, '').trim();
}

/** What the remaining kernels do with one group: the branch they all take, or why not. */
type Decision =
  | { decided: true; taken: number | 'none'; kernels: string[] }
  | { decided: false; undecided: string[] };

function decide(taken: readonly (number | 'none' | 'unknown' | 'unreached')[], failing: readonly boolean[], names: readonly string[]): Decision {
  const undecided = names.filter((_n, i) => taken[i] === 'unknown' || failing[i]);
  if (undecided.length > 0) return { decided: false, undecided };
  const reaching = names.filter((_n, i) => taken[i] !== 'unreached');
  const first = taken.find((t) => t !== 'unreached');
  if (first === undefined || first === 'unknown') return { decided: false, undecided: [] };
  if (!taken.every((t) => t === 'unreached' || t === first)) return { decided: false, undecided: [] };
  return { decided: true, taken: first, kernels: reaching };
}

export interface SimplifiedFile {
  text: string;
  /** Groups simplified (line = opening directive in the input text), with the patch that opened them. */
  guards: (Omit<SimplifiedGuard, 'file'> & { patch: string; ordinal: number })[];
  undecided: (Omit<UndecidedGuard, 'file'> & { ordinal: number })[];
}

/**
 * Simplify the guards patches introduced in one file (`origins[i]`: the series name of the patch
 * that introduced line i+1, null for upstream lines) for `kernels`: a group whose opening line
 * came from a patch, and whose branch every kernel reaching it takes alike (no unknown, no
 * failing condition), loses its directives and the branches nobody takes. When nothing of such
 * a group is left, one blank line next to it that the same patch added goes too. Upstream's own
 * conditionals are never touched. Throws CppError for an unbalanced file.
 */
export function simplifyGuards(text: string, file: string, origins: readonly (string | null)[], kernels: readonly RemainingKernel[]): SimplifiedFile {
  const report = scanDirectives(text, file);
  const names = kernels.map((k) => k.name);
  const perKernel = kernels.map((k) => resolveConditionals(report, k.env));
  const keep = report.lines.map(() => true);
  const drop = (from: number, to: number): void => {
    for (let l = from; l <= to; l++) keep[l - 1] = false;
  };
  const guards: SimplifiedFile['guards'] = [];
  const undecided: SimplifiedFile['undecided'] = [];
  // The n-th group of its patch with this directive: how the guard is found again in a later tree.
  const ordinals = new Map<string, number>();
  for (const g of report.groups) {
    const open = g.branches[0]?.directive;
    if (!open) continue;
    const origin = origins[open.line - 1];
    if (!origin) continue;
    const key = `${origin}\0${directiveSource(report.lines, open.line)}`;
    const ordinal = ordinals.get(key) ?? 0;
    ordinals.set(key, ordinal + 1);
    const taken = perKernel.map((res) => res[g.index]?.taken ?? 'unknown');
    const failing = perKernel.map((res) => (res[g.index]?.branches ?? []).some((b) => b.error !== undefined));
    const d = decide(taken, failing, names);
    const directive = directiveSource(report.lines, open.line);
    if (!d.decided) {
      if (d.undecided.length > 0) undecided.push({ line: open.line, directive, patch: origin, kernels: d.undecided, ordinal });
      continue;
    }
    for (const b of g.branches) drop(b.directive.line, b.directive.endLine);
    drop(g.end.line, g.end.endLine);
    g.branches.forEach((b, i) => {
      if (i !== d.taken) drop(b.firstLine, b.lastLine);
    });
    const keptBranch = typeof d.taken === 'number' ? (g.branches[d.taken] as CondGroup['branches'][number]) : undefined;
    if (!keptBranch || keptBranch.lastLine < keptBranch.firstLine) dropOwnBlank(report.lines, origins, keep, g, origin);
    guards.push({
      line: open.line,
      directive,
      action: keptBranch ? 'unwrapped' : 'removed',
      ...(keptBranch ? { kept: d.taken === 0 ? `#${open.name}` : directiveSource(report.lines, keptBranch.directive.line) } : {}),
      kernels: d.kernels,
      patch: origin,
      ordinal,
    });
  }
  return { text: report.lines.filter((_l, i) => keep[i]).join(''), guards, undecided };
}

/** After a group vanishes entirely: drop the blank line after it (else before it) if its patch added that line too. */
function dropOwnBlank(lines: readonly string[], origins: readonly (string | null)[], keep: boolean[], g: CondGroup, origin: string): void {
  const blank = (l: number): boolean => l >= 1 && l <= lines.length && keep[l - 1] === true && (lines[l - 1] ?? '').trim() === '' && origins[l - 1] === origin;
  const after = g.end.endLine + 1;
  const before = (g.branches[0]?.directive.line ?? 1) - 1;
  if (blank(after)) keep[after - 1] = false;
  else if (blank(before)) keep[before - 1] = false;
}

/** A copy of `fp` whose hunks say where they really apply in `oldText` (exact there), or undefined. */
function relocate(fp: FilePatch, oldText: string | null, newText: string | null): FilePatch | undefined {
  const placed = applyFilePatch(oldText, fp, { maxFuzz: 0 });
  if (!placed.ok || placed.text !== newText) return undefined;
  if (placed.hunks.every((h) => h.status === 'exact')) return fp;
  const hunks = fp.hunks.map((h, i): Hunk => {
    const rep = placed.hunks.find((r) => r.index === i);
    if (!rep) return h;
    const delta = rep.inputLine - (h.oldLines === 0 ? h.oldStart + 1 : h.oldStart);
    const { source: _source, ...rest } = h;
    return { ...rest, oldStart: h.oldStart + delta, newStart: h.newStart + delta };
  });
  const moved: FilePatch = { ...fp, hunks };
  const check = applyFilePatch(oldText, moved, { maxFuzz: 0 });
  if (!check.ok || check.text !== newText || !check.hunks.every((h) => h.status === 'exact')) return undefined;
  return moved;
}

/**
 * The patch text with `retired` kernels taken out of its description's `Kernels:` lines (as
 * `pvpatch new` writes them: "Kernels: sles9 (2.6.5), rhel4 (2.6.9)"); only the header before the
 * first diff is looked at. A list left empty says which kernels were retired.
 */
export function retireFromDescription(text: string, retired: readonly string[]): string {
  const diffStart = /^(diff --git |--- |Index: )/m.exec(text);
  const headerEnd = diffStart ? diffStart.index : text.length;
  const gone = new Set(retired);
  const header = text.slice(0, headerEnd).replace(/^(Kernels:[ \t]*)([^\r\n]*)/gm, (line, label: string, list: string) => {
    const items = list.split(',').map((i) => i.trim()).filter(Boolean);
    const left = items.filter((i) => !gone.has(/^[^\s(]+/.exec(i)?.[0] ?? i));
    if (left.length === items.length) return line;
    return left.length > 0 ? `${label}${left.join(', ')}` : `${label}none left (retired: ${items.join(', ')})`;
  });
  return header + text.slice(headerEnd);
}

/** Patch `parsed` rewritten to take `before` to `after`: kept where it still does exactly that. */
function rewritePatch(name: string, text: string, parsed: PatchFile, before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): { status: RewriteStatus; text: string | null; left?: PatchRewrite['left'] } {
  const files: FilePatch[] = [];
  let changed = false;
  let moved = false;
  for (const fp of parsed.files) {
    const oldText = fp.oldPath === null ? null : (before.get(fp.oldPath) ?? null);
    const newText = fp.newPath === null ? null : (after.get(fp.newPath) ?? null);
    const kept = relocate(fp, oldText, newText);
    if (kept) {
      files.push(kept);
      if (kept !== fp) moved = true;
      continue;
    }
    const op = fileOperation(fp);
    if (op === 'rename' || op === 'copy') {
      throw new InputError(`cannot rewrite ${name}: it ${op === 'rename' ? 'renames' : 'copies'} ${fp.oldPath ?? ''} to ${fp.newPath ?? ''}, and pvpatch only rewrites patches that change files in place (simplify it by hand, then retire)`, { file: `patches/${name}` });
    }
    changed = true;
    const fresh = createFilePatch((fp.newPath ?? fp.oldPath) as string, oldText, newText);
    if (fresh) files.push(fresh);
  }
  if (files.length === 0) return { status: 'emptied', text: null };
  if (!changed && !moved) return { status: 'unchanged', text };
  const header = changed ? refreshDiffstat(parsed.header, parsed.files, files) : parsed.header;
  const counts = files.map(changeCounts);
  const left = { hunks: files.reduce((n, f) => n + f.hunks.length, 0), insertions: counts.reduce((n, c) => n + c.ins, 0), deletions: counts.reduce((n, c) => n + c.del, 0) };
  return { status: changed ? 'rewritten' : 'refreshed', text: formatPatch({ header, files, trailer: parsed.trailer }), ...(changed ? { left } : {}) };
}

const STAT_LINE = /^( (.*?) +\|)( *)(\d+)( ?)([+-]*)$/;
const STAT_SUMMARY = /^ \d+ files? changed(?:, \d+ insertions?\(\+\))?(?:, \d+ deletions?\(-\))?$/;

function changeCounts(fp: FilePatch): { ins: number; del: number } {
  let ins = 0;
  let del = 0;
  for (const h of fp.hunks) for (const l of h.lines) {
    if (l.startsWith('+')) ins++;
    else if (l.startsWith('-')) del++;
  }
  return { ins, del };
}

/**
 * The header with its git-format-patch diffstat (the ` path | N +-` lines and the summary after
 * `---`) brought up to date with `files`; lines of files no longer in the patch go. Left as it is
 * when there is no diffstat, or one pvpatch cannot read back exactly (scaled bars, names it
 * cannot match): a stale diffstat is better than a wrong one.
 */
export function refreshDiffstat(header: string, oldFiles: readonly FilePatch[], files: readonly FilePatch[]): string {
  const lines = header.split('\n');
  const sep = lines.indexOf('---');
  if (sep < 0) return header;
  const pathOf = (fp: FilePatch): string => fp.newPath ?? fp.oldPath ?? '';
  const matches = (name: string, file: string): boolean => name === file || (name.startsWith('...') && file.endsWith(name.slice(3)));
  const out = lines.slice(0, sep + 1);
  let i = sep + 1;
  let ins = 0;
  let del = 0;
  let seen = 0;
  for (; i < lines.length; i++) {
    const m = STAT_LINE.exec(lines[i] as string);
    if (!m) break;
    const [, prefix = '', name = '', pad = '', count = '', space = '', bar = ''] = m;
    if (bar.length !== Number(count)) return header;
    const fp = files.find((f) => matches(name.trim(), pathOf(f)));
    if (!fp) {
      if (oldFiles.some((f) => matches(name.trim(), pathOf(f)))) continue;
      return header;
    }
    seen++;
    const c = changeCounts(fp);
    ins += c.ins;
    del += c.del;
    const n = String(c.ins + c.del);
    out.push(`${prefix}${(pad + count).length > n.length ? ' '.repeat((pad + count).length - n.length) : ''}${n}${space || ' '}${'+'.repeat(c.ins)}${'-'.repeat(c.del)}`);
  }
  if (seen === 0 || !STAT_SUMMARY.test(lines[i] ?? '')) return header;
  const plural = (k: number, word: string): string => `${k} ${word}${k === 1 ? '' : 's'}`;
  let summary = ` ${plural(seen, 'file')} changed`;
  if (ins > 0 || del === 0) summary += `, ${plural(ins, 'insertion')}(+)`;
  if (del > 0) summary += `, ${plural(del, 'deletion')}(-)`;
  out.push(summary, ...lines.slice(i + 1));
  return out.join('\n');
}

/** The kernels named, checked: each must exist, and at least one kernel must remain. */
export function validateRetire(config: KernelsConfig, names: readonly string[]): { retired: string[]; remaining: KernelsConfig } {
  if (names.length === 0) throw new InputError('name the kernel(s) to retire');
  for (const n of names) findKernel(config, n);
  const retired = config.kernels.filter((k) => names.includes(k.name)).map((k) => k.name);
  const left = config.kernels.filter((k) => !names.includes(k.name));
  if (left.length === 0) {
    throw new InputError(`refusing to retire ${retired.length === 1 ? 'the last kernel' : 'every kernel'} (${retired.join(', ')}): kernels.json must keep at least one`);
  }
  return { retired, remaining: { macros: config.macros, kernels: left } };
}

/** Line-by-line tracking of where a (patch, directive) group of an intermediate tree sits in the final one. */
function finalLine(finalTexts: ReadonlyMap<string, string>, finalOrigins: ReadonlyMap<string, readonly (string | null)[]>, file: string, patch: string, directive: string, ordinal: number): number | undefined {
  const text = finalTexts.get(file);
  const origins = finalOrigins.get(file);
  if (text === undefined || !origins) return undefined;
  let report;
  try {
    report = scanDirectives(text, file);
  } catch {
    return undefined;
  }
  const matches = report.groups
    .map((g) => g.branches[0]?.directive.line ?? 0)
    .filter((line) => origins[line - 1] === patch && directiveSource(report.lines, line) === directive);
  return matches[ordinal];
}

/** `text` without its blank lines, the others without their "\n" or "\r\n", joined by "\n" (one pass). */
export function withoutBlankLines(text: string): string {
  const kept: string[] = [];
  let pos = 0;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    const end = nl < 0 ? text.length : nl;
    // A "\r" is part of the terminator only before the "\n".
    const line = text.slice(pos, nl > pos && text.charCodeAt(nl - 1) === 13 ? nl - 1 : end);
    if (/\S/.test(line)) kept.push(line);
    pos = end + 1;
  }
  return kept.join('\n');
}

/**
 * The view of `text` for each kernel, blank lines dropped (a failing view compares by its
 * message): the file is scanned once for all of them.
 */
function fileViews(text: string, file: string, kernels: readonly RemainingKernel[]): string[] {
  let report: ScanReport;
  try {
    report = scanDirectives(text, file);
  } catch (err) {
    if (!(err instanceof CppError)) throw err;
    return kernels.map(() => `error: ${err.message}`);
  }
  return kernels.map((k) => {
    try {
      return withoutBlankLines(viewReport(report, k.env).map((l) => l.text).join(''));
    } catch (err) {
      if (!(err instanceof CppError)) throw err;
      return `error: ${err.message}`;
    }
  });
}

/**
 * Plan the retirement of `names` from `config`: the new kernels config, every patch of the
 * series unchanged / refreshed / rewritten / emptied, the guards simplified and those left
 * because pvpatch cannot decide them. The remaining kernels are evaluated with every name the
 * old kernels.json defined still known (a distro macro only retired kernels defined is now
 * undefined, i.e. 0, not unknown). Throws ConfigError for an unknown kernel, InputError when no
 * kernel would remain, CheckFailed when the series does not apply to the drop (as `apply`),
 * CppError for an unbalanced file; a plan that fails its own verification is a bug (Error).
 */
export function planRetire(config: KernelsConfig, names: readonly string[], drop: ReadonlyMap<string, string>, series: readonly SeriesPatch[], opts: { maxFuzz?: number } = {}): RetirePlan {
  const { retired, remaining } = validateRetire(config, names);
  const wasKnown = config.kernels.flatMap((k) => Object.keys(k.defines)).filter((n) => /^[A-Za-z_]\w*$/.test(n));
  const kernels: RemainingKernel[] = remaining.kernels.map((k) => ({ name: k.name, env: kernelEnv(remaining, k, { undefinedSymbols: wasKnown }) }));
  const tree = new Map(drop);
  const simple = new Map(drop);
  const origins = new Map<string, (string | null)[]>();
  const rewrites: PatchRewrite[] = [];
  const pending: { rewrite: PatchRewrite; file: string; patch: string; directive: string; ordinal: number; stageLine: number; guard: Omit<SimplifiedGuard, 'file' | 'line'> }[] = [];
  const pendingUndecided: (UndecidedGuard & { ordinal: number })[] = [];
  for (const sp of series) {
    const name = sp.entry.name;
    if (hasNoDiff(sp.text)) {
      rewrites.push({ patch: name, status: 'unchanged', oldText: sp.text, newText: sp.text, guards: [] });
      continue;
    }
    const parsed = parsePatch(sp.text, `patches/${name}`);
    // Only the files this patch names are applied and compared (not a copy of the whole tree per
    // patch): `tree` and `simple` are updated in place, their old texts kept for these files.
    const paths = new Set<string>();
    for (const fp of parsed.files) for (const p of [fp.oldPath, fp.newPath]) if (p !== null) paths.add(p);
    const only = (m: ReadonlyMap<string, string>): Map<string, string> => new Map([...paths].flatMap((p): [string, string][] => (m.has(p) ? [[p, m.get(p) as string]] : [])));
    const treeBefore = only(tree);
    const simpleBefore = only(simple);
    const r = applySeries(treeBefore, [sp], { maxFuzz: opts.maxFuzz ?? 2, trackOrigins: false });
    if (!r.ok) throw new CheckFailed(describeFailure(r.failure), { file: `patches/${r.failure.patch}` });
    const rewrite: PatchRewrite = { patch: name, status: 'unchanged', oldText: sp.text, newText: sp.text, guards: [] };
    for (const fp of parsed.files) {
      const target = (fp.newPath ?? fp.oldPath) as string;
      const from = fp.oldPath ?? target;
      const before = treeBefore.get(from);
      const after = r.files.get(target);
      const prev = origins.get(from) ?? splitLinesKeepEnds(before ?? '').map(() => null);
      if (from !== target) {
        origins.delete(from);
        simple.delete(from);
      }
      if (after === undefined) {
        origins.delete(target);
        simple.delete(target);
        continue;
      }
      const o = carryOrigins(splitLinesKeepEnds(before ?? ''), splitLinesKeepEnds(after), prev, name);
      origins.set(target, o);
      const s = simplifyGuards(after, target, o, kernels);
      simple.set(target, s.text);
      for (const g of s.guards) {
        if (g.patch !== name) continue;
        const { patch: _p, line, ordinal, ...guard } = g;
        pending.push({ rewrite, file: target, patch: name, directive: g.directive, ordinal, stageLine: line, guard });
      }
      for (const u of s.undecided) if (u.patch === name) pendingUndecided.push({ file: target, ...u });
    }
    const out = rewritePatch(name, sp.text, parsed, simpleBefore, simple);
    rewrite.status = out.status;
    rewrite.newText = out.text;
    if (out.left) rewrite.left = out.left;
    rewrites.push(rewrite);
    for (const p of paths) {
      const v = r.files.get(p);
      if (v === undefined) tree.delete(p);
      else tree.set(p, v);
    }
  }
  // Name guards by where out/ shows them (the whole old series applied), not where they were mid-series.
  for (const p of pending) {
    const line = finalLine(tree, origins, p.file, p.patch, p.directive, p.ordinal) ?? p.stageLine;
    p.rewrite.guards.push({ file: p.file, line, ...p.guard });
  }
  const undecided: UndecidedGuard[] = pendingUndecided.map(({ ordinal, ...u }) => ({
    ...u,
    line: finalLine(tree, origins, u.file, u.patch, u.directive, ordinal) ?? u.line,
    patch: patchLabel(u.patch),
  }));
  for (const rw of rewrites) {
    if (rw.newText === null) continue;
    const described = retireFromDescription(rw.newText, retired);
    if (described === rw.newText) continue;
    rw.newText = described;
    if (rw.status === 'unchanged') rw.status = 'described';
  }
  const kept = rewrites.filter((p) => p.newText !== null);
  const plan: RetirePlan = {
    retired,
    remaining: remaining.kernels.map((k) => k.name),
    config: remaining,
    patches: rewrites,
    series: kept.map((p) => p.patch),
    dropped: rewrites.filter((p) => p.newText === null).map((p) => p.patch),
    undecided,
    verified: { files: 0, kernels: kernels.map((k) => k.name) },
  };
  plan.verified.files = verifyPlan(plan, drop, series, tree, simple, kernels);
  return plan;
}

/** The new series rebuilds the simplified tree exactly, and no remaining kernel's view changed. Returns the files compared. */
function verifyPlan(plan: RetirePlan, drop: ReadonlyMap<string, string>, series: readonly SeriesPatch[], oldTree: ReadonlyMap<string, string>, simple: ReadonlyMap<string, string>, kernels: readonly RemainingKernel[]): number {
  const entries = new Map(series.map((s) => [s.entry.name, s.entry]));
  const patches = plan.patches
    .filter((p) => p.newText !== null && !hasNoDiff(p.newText))
    .map((p) => ({ entry: entries.get(p.patch) as SeriesPatch['entry'], text: p.newText as string }));
  const r = applySeries(drop, patches, { maxFuzz: 0, trackOrigins: false });
  if (!r.ok) throw new Error(`retire plan does not apply (a bug in pvpatch): ${describeFailure(r.failure)}`);
  const inexact = r.hunks.find((h) => h.status !== 'exact');
  if (inexact) throw new Error(`retire plan: hunk #${inexact.hunk} of ${inexact.patch} lands with an offset (a bug in pvpatch)`);
  for (const [file, text] of simple) {
    if (r.files.get(file) !== text) throw new Error(`retire plan: the new series does not rebuild ${file} (a bug in pvpatch)`);
  }
  if (r.files.size !== simple.size) throw new Error('retire plan: the new series makes a different set of files (a bug in pvpatch)');
  // File by file, so that only one file's views are held at once; a file the plan left as it was
  // is seen alike by every kernel, before and after.
  for (const [file, text] of oldTree) {
    if (!isCSource(file)) continue;
    const now = simple.get(file);
    if (now === text) continue;
    const before = fileViews(text, file, kernels);
    const after = now === undefined ? undefined : fileViews(now, file, kernels);
    const changed = kernels.findIndex((_k, i) => after?.[i] !== before[i]);
    if (changed >= 0) throw new Error(`retire plan: ${kernels[changed]?.name ?? '?'} would see different code in ${file} (a bug in pvpatch)`);
  }
  return [...oldTree.keys()].filter(isCSource).length;
}

// ---- kernels.json text edits -----------------------------------------------------------------

interface Span {
  start: number;
  end: number;
}

function skipBlank(text: string, i: number): number {
  while (i < text.length && /\s/.test(text[i] as string)) i++;
  return i;
}

/** From an opening quote: the offset past the closing one. */
function skipString(text: string, i: number): number {
  for (i++; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i + 1;
  }
  return text.length;
}

/** From the first character of a JSON value: the offset past it. */
function skipValue(text: string, i: number): number {
  const c = text[i];
  if (c === '"') return skipString(text, i);
  if (c !== '{' && c !== '[') {
    while (i < text.length && !/[\s,}\]]/.test(text[i] as string)) i++;
    return i;
  }
  let depth = 0;
  for (; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') i = skipString(text, i) - 1;
    else if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return text.length;
}

/** The spans of the elements of the top-level "kernels" array (text already known to be valid JSON). */
function kernelSpans(text: string): Span[] | undefined {
  let i = skipBlank(text, 0);
  if (text[i] !== '{') return undefined;
  i = skipBlank(text, i + 1);
  while (i < text.length && text[i] === '"') {
    const keyEnd = skipString(text, i);
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    i = skipBlank(text, keyEnd);
    if (text[i] !== ':') return undefined;
    i = skipBlank(text, i + 1);
    if (key === 'kernels' && text[i] === '[') {
      const spans: Span[] = [];
      i = skipBlank(text, i + 1);
      while (i < text.length && text[i] !== ']') {
        const end = skipValue(text, i);
        spans.push({ start: i, end });
        i = skipBlank(text, end);
        if (text[i] === ',') i = skipBlank(text, i + 1);
      }
      return spans;
    }
    i = skipBlank(text, skipValue(text, i));
    if (text[i] === ',') i = skipBlank(text, i + 1);
  }
  return undefined;
}

function nameAt(text: string, span: Span): string | undefined {
  const v = JSON.parse(text.slice(span.start, span.end)) as unknown;
  return typeof v === 'object' && v !== null && typeof (v as { name?: unknown }).name === 'string' ? (v as { name: string }).name : undefined;
}

/**
 * kernels.json without the entries of `names`, the rest of the text (layout, comments-free JSON
 * formatting, other keys) unchanged. Falls back to a 2-space re-serialisation when the text's
 * "kernels" array cannot be located. Throws ConfigError for invalid JSON.
 */
export function removeKernelsFromText(text: string, names: readonly string[], file = 'kernels.json'): string {
  parseJsonText(text, file);
  let out = text;
  for (const name of names) {
    const spans = kernelSpans(out);
    const k = spans?.findIndex((s) => nameAt(out, s) === name) ?? -1;
    if (!spans || k < 0) return reserialise(out, file, (kernels) => kernels.filter((e) => (e as { name?: unknown }).name !== name));
    const span = spans[k] as Span;
    const next = spans[k + 1];
    const prev = spans[k - 1];
    if (next) out = out.slice(0, span.start) + out.slice(next.start);
    else if (prev) out = out.slice(0, prev.end) + out.slice(span.end);
    else out = out.slice(0, span.start) + out.slice(span.end);
  }
  return out;
}

function reserialise(text: string, file: string, edit: (kernels: unknown[]) => unknown[]): string {
  const data = parseJsonText(text, file) as Record<string, unknown>;
  const kernels = Array.isArray(data.kernels) ? (data.kernels as unknown[]) : [];
  return JSON.stringify({ ...data, kernels: edit(kernels) }, null, 2) + '\n';
}

/** A JSON value on one line with a space inside braces: { "a": "b" }, ["x", "y"]. */
function compact(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(compact).join(', ')}]`;
  if (typeof v === 'object' && v !== null) {
    const entries = Object.entries(v);
    return entries.length === 0 ? '{}' : `{ ${entries.map(([k, x]) => `${JSON.stringify(k)}: ${compact(x)}`).join(', ')} }`;
  }
  return JSON.stringify(v);
}

/**
 * kernels.json with `entry` appended to "kernels", written like the entries before it: the
 * first keys on the line of the opening brace, "defines" and "build" on lines of their own.
 */
export function appendKernelToText(text: string, entry: Record<string, unknown>, file = 'kernels.json'): string {
  parseJsonText(text, file);
  const spans = kernelSpans(text);
  const last = spans?.[spans.length - 1];
  if (!spans || !last) return reserialise(text, file, (kernels) => [...kernels, entry]);
  const lineStart = text.lastIndexOf('\n', last.start - 1) + 1;
  const lead = text.slice(lineStart, last.start);
  const indent = /^\s*$/.test(lead) ? lead : '';
  const head = Object.entries(entry).filter(([k]) => k !== 'defines' && k !== 'build');
  const tail = Object.entries(entry).filter(([k]) => k === 'defines' || k === 'build');
  let rendered = `{ ${head.map(([k, v]) => `${JSON.stringify(k)}: ${compact(v)}`).join(', ')}`;
  for (const [k, v] of tail) rendered += `,\n${indent}  ${JSON.stringify(k)}: ${compact(v)}`;
  rendered += ' }';
  return text.slice(0, last.end) + `,\n${indent}${rendered}` + text.slice(last.end);
}
