/**
 * The guard structure a patch introduces: a small local scanner for conditional directives
 * (`#if/#ifdef/#ifndef/#elif/#else/#endif`) and the classification of each guard the patch
 * added into its compat branch(es) — lines the patch wrote — and the upstream lines it wraps —
 * lines of the text the patch applies to, kept as they were.
 *
 * Structure only: no expression evaluation (that is src/core/cpp's job).
 */
import { diffHunks } from './hunks.js';
import { splitRecords, stripEol } from './lines.js';

export type OpenKind = 'if' | 'ifdef' | 'ifndef';
export type BranchKind = OpenKind | 'elif' | 'else';
export type DirectiveKind = BranchKind | 'endif';

export interface Directive {
  kind: DirectiveKind;
  /** The directive's argument without comments, e.g. "LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)". */
  argument: string;
}

const DIRECTIVE_RE = /^\s*#\s*(ifdef|ifndef|if|elifdef|elifndef|elif|else|endif)\b(.*)$/;

/** Remove C comments (block and line) from a directive's argument and trim it. */
function stripComments(text: string): string {
  return text
    .replace(/\/\*.*?(?:\*\/|$)/g, ' ')
    .replace(/\/\/.*$/, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The conditional directive on a line, if any: `#if`, `# ifdef`, `#elif`, `#else /* x *\/`,
 * `#endif`… (`#elifdef X`/`#elifndef X` count as `#elif` with "defined(X)"/"!defined(X)").
 * Other directives (`#define`, `#include`, `#ifxyz`) and ordinary lines give undefined.
 */
export function scanDirective(line: string): Directive | undefined {
  const m = DIRECTIVE_RE.exec(line);
  if (!m) return undefined;
  const word = m[1] ?? '';
  const argument = stripComments(m[2] ?? '');
  switch (word) {
    case 'elifdef':
      return { kind: 'elif', argument: `defined(${argument})` };
    case 'elifndef':
      return { kind: 'elif', argument: `!defined(${argument})` };
    default:
      return { kind: word as DirectiveKind, argument };
  }
}

/**
 * The condition a branch's directive states, in `#if` form: `#ifdef X` → "defined(X)",
 * `#ifndef X` → "!defined(X)", `#if E`/`#elif E` → "E", `#else` → "".
 */
export function branchCondition(d: Directive): string {
  if (d.kind === 'ifdef') return `defined(${d.argument})`;
  if (d.kind === 'ifndef') return `!defined(${d.argument})`;
  if (d.kind === 'else' || d.kind === 'endif') return '';
  return d.argument;
}

/** One branch of a conditional block; line numbers are 0-based indexes into the scanned lines. */
export interface GuardBranch {
  kind: BranchKind;
  /** The branch's condition ("" for `#else`), see branchCondition. */
  condition: string;
  /** The directive's first line; with backslash continuations it runs to bodyStart - 1. */
  directiveLine: number;
  /** The branch body: [bodyStart, bodyEnd), up to the next directive of the same block. */
  bodyStart: number;
  bodyEnd: number;
}

/** A complete `#if … #endif` block. */
export interface GuardBlock {
  /** [start, end): from the opening directive's line through the `#endif` line. */
  start: number;
  end: number;
  /** The opening directive's condition, e.g. "LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)". */
  condition: string;
  branches: GuardBranch[];
  /** 0 for a top-level block, 1 inside another block, … */
  depth: number;
}

/**
 * Every complete conditional block of a text (given as lines), outer blocks before the blocks
 * nested in them, in order of their opening line.
 *
 * Lenient, as a structure finder should be: an `#endif`/`#else` without an open block is
 * ignored, and a block never closed is left out (the cpp checker reports both). A directive
 * continued with a trailing backslash spans the following lines; those are not body lines.
 */
export function scanGuards(lines: readonly string[]): GuardBlock[] {
  const done: GuardBlock[] = [];
  const open: GuardBlock[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? '';
    const d = scanDirective(line);
    let next = i + 1;
    if (d) {
      let text = line;
      while (text.endsWith('\\') && next < lines.length) {
        text = lines[next] ?? '';
        next++;
      }
      const top = open[open.length - 1];
      if (d.kind === 'if' || d.kind === 'ifdef' || d.kind === 'ifndef') {
        const argument = d.argument.endsWith('\\') ? joinContinued(lines, i, next) : d.argument;
        const full: Directive = { kind: d.kind, argument };
        open.push({
          start: i,
          end: -1,
          condition: branchCondition(full),
          branches: [{ kind: d.kind, condition: branchCondition(full), directiveLine: i, bodyStart: next, bodyEnd: -1 }],
          depth: open.length,
        });
      } else if (top) {
        const last = top.branches[top.branches.length - 1];
        if (last) last.bodyEnd = i;
        if (d.kind === 'endif') {
          top.end = next;
          open.pop();
          done.push(top);
        } else {
          const argument = d.argument.endsWith('\\') ? joinContinued(lines, i, next) : d.argument;
          top.branches.push({ kind: d.kind, condition: branchCondition({ kind: d.kind, argument }), directiveLine: i, bodyStart: next, bodyEnd: -1 });
        }
      }
    }
    i = next;
  }
  return done.sort((a, b) => a.start - b.start);
}

/** The argument of a directive continued over lines [from, to) with backslashes, joined. */
function joinContinued(lines: readonly string[], from: number, to: number): string {
  const parts: string[] = [];
  for (let k = from; k < to; k++) parts.push((lines[k] ?? '').replace(/\\$/, ''));
  const d = scanDirective(parts.join(' '));
  return d ? d.argument : '';
}

/** A branch of a guard the patch added, with its role. */
export interface PatchGuardBranch {
  kind: BranchKind;
  condition: string;
  /** The directive line as written in the patched text, e.g. "#if LINUX_VERSION_CODE < …". */
  directive: string;
  /** 'upstream': the body is the wrapped upstream lines; 'compat': lines the patch wrote. */
  role: 'compat' | 'upstream';
  /** Body range in the patched text, [start, end), 0-based. */
  start: number;
  end: number;
  lines: string[];
}

/** The upstream lines a guard wraps. */
export interface WrappedUpstream {
  /** Range of the wrapped lines in the patched text, [start, end), 0-based. */
  start: number;
  end: number;
  /** Range of the same lines in the text the patch applies to, [baseStart, baseEnd). */
  baseStart: number;
  baseEnd: number;
  lines: string[];
}

/** A guard (a complete `#if … #endif` block) that a patch added. */
export interface PatchGuard {
  /** The opening condition, e.g. "LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)". */
  condition: string;
  /** The block in the patched text: [start, end), opening directive through `#endif`. */
  start: number;
  end: number;
  /** The block's lines as the patched text has them. */
  lines: string[];
  branches: PatchGuardBranch[];
  /** The lines of all compat branches, in order (directives excluded). */
  compat: string[];
  /** The wrapped upstream branch, when one branch consists of unchanged base lines only. */
  upstream: WrappedUpstream | undefined;
  /**
   * Where the guard sits in the base text: the wrapped lines' range, or an empty range at the
   * insertion point for a guard that only adds compat code.
   */
  baseStart: number;
  baseEnd: number;
}

/**
 * Line alignment of two record arrays (diffHunks: node-diff3's LCS between sync points): for each line of `a` the index of the
 * same line in `b`, or -1 when the line was removed; and the reverse map.
 */
export function alignRecords(a: readonly string[], b: readonly string[]): { aToB: number[]; bToA: number[] } {
  const aToB = new Array<number>(a.length).fill(-2);
  const bToA = new Array<number>(b.length).fill(-2);
  for (const h of diffHunks(a, b)) {
    for (let k = h.aStart; k < h.aEnd; k++) aToB[k] = -1;
    for (let k = h.bStart; k < h.bEnd; k++) bToA[k] = -1;
  }
  let j = 0;
  for (let i = 0; i < a.length; i++) {
    if (aToB[i] === -1) continue;
    while (j < b.length && bToA[j] === -1) j++;
    aToB[i] = j;
    bToA[j] = i;
    j++;
  }
  return { aToB, bToA };
}

/**
 * The guards a patch added: the complete conditional blocks of `patched` whose directive lines
 * are all new (not in `before`), outermost only (a guard nested in an added guard is part of its
 * branch). Both texts are whole files; CRLF and a missing final newline are fine.
 *
 * A branch is the *upstream* branch when its body is a non-empty run of lines that the patch
 * kept from `before` — contiguous there too — and every other line of the block is new; then
 * `upstream` gives the wrapped lines and their base range. This covers
 * `#if OLD … #else <upstream> #endif`, `#if NEW <upstream> #else … #endif` and
 * `#if NEW <upstream> #endif`. A guard without kept lines only adds compat code (`upstream`
 * undefined; base range empty at the insertion point). A guard whose kept lines are mixed with
 * new ones, split over branches or not contiguous gets `upstream` undefined too, and its base
 * range covers the kept lines: the rebase treats it as ordinary patch text.
 */
export function findPatchGuards(before: string, patched: string): PatchGuard[] {
  const beforeRecs = splitRecords(before);
  const patchedRecs = splitRecords(patched);
  const lines = patchedRecs.map(stripEol);
  const { bToA } = alignRecords(beforeRecs, patchedRecs);
  const isNew = (k: number): boolean => (bToA[k] ?? -1) < 0;
  /** Number of base lines aligned before patched line k: the base position of an insertion at k. */
  const basePosAt = (k: number): number => {
    for (let q = k - 1; q >= 0; q--) {
      const p = bToA[q] ?? -1;
      if (p >= 0) return p + 1;
    }
    return 0;
  };

  const out: PatchGuard[] = [];
  let coveredTo = -1;
  for (const block of scanGuards(lines)) {
    if (block.start < coveredTo) continue; // nested in an added guard
    const directiveLines = directiveLineIndexes(block);
    if (!directiveLines.every(isNew)) continue;
    coveredTo = block.end;

    const kept: number[] = [];
    for (let k = block.start; k < block.end; k++) if (!isNew(k)) kept.push(k);
    const branches: PatchGuardBranch[] = block.branches.map((br) => ({
      kind: br.kind,
      condition: br.condition,
      directive: lines[br.directiveLine] ?? '',
      role: 'compat',
      start: br.bodyStart,
      end: br.bodyEnd,
      lines: lines.slice(br.bodyStart, br.bodyEnd),
    }));
    let upstream: WrappedUpstream | undefined;
    let baseStart = basePosAt(block.start);
    let baseEnd = baseStart;
    const first = kept[0];
    const last = kept[kept.length - 1];
    if (first !== undefined && last !== undefined) {
      const bFirst = bToA[first] ?? 0;
      const bLast = bToA[last] ?? 0;
      baseStart = bFirst;
      baseEnd = bLast + 1;
      const contiguous = last - first + 1 === kept.length && bLast - bFirst === last - first;
      const owner = branches.find((br) => br.start === first && br.end === last + 1);
      if (contiguous && owner) {
        owner.role = 'upstream';
        upstream = { start: first, end: last + 1, baseStart: bFirst, baseEnd: bLast + 1, lines: lines.slice(first, last + 1) };
      }
    }
    out.push({
      condition: block.condition,
      start: block.start,
      end: block.end,
      lines: lines.slice(block.start, block.end),
      branches,
      compat: branches.filter((br) => br.role === 'compat').flatMap((br) => br.lines),
      upstream,
      baseStart,
      baseEnd,
    });
  }
  return out;
}

/** The line indexes of a block's own directives (with continuation lines), `#endif` included. */
function directiveLineIndexes(block: GuardBlock): number[] {
  const out: number[] = [];
  for (const br of block.branches) for (let k = br.directiveLine; k < br.bodyStart; k++) out.push(k);
  const lastBody = block.branches[block.branches.length - 1]?.bodyEnd ?? block.end - 1;
  for (let k = lastBody; k < block.end; k++) out.push(k);
  return out;
}
