/**
 * Pure application of parsed patches to file texts, with GNU patch's placement rules:
 * exact, then offset (nearest first), then fuzz 1..maxFuzz (context lines dropped at the ends).
 *
 * Line endings (our documented choice):
 * - Matching compares line contents; '\n' and '\r\n' terminators are equivalent, but a last
 *   line without newline only matches a patch line marked `\ No newline at end of file` (and
 *   vice versa), as in GNU patch and git apply.
 * - Lines the hunk keeps (context, including fuzzed-away context) and all lines outside hunks
 *   keep the file's own bytes, so a CRLF file stays CRLF wherever the patch does not touch it.
 * - Added lines take the patch's own endings, as GNU patch and git apply do; except when the
 *   target file uses one style throughout and the file diff uses the other style throughout
 *   (an LF patch on a CRLF file, or a patch transported with CRLF onto an LF file): then added
 *   lines take the file's style (jsdiff's autoConvertLineEndings idea), so the file stays uniform.
 * - A line without newline that ends up followed by other lines gets '\n' (GNU patch does so when
 *   it copies file lines, but glues an added line to a last file line without newline; we do not).
 */
import type { FilePatch, Hunk, LineEnding, PatchFile, SideLine } from './model.js';
import { fileOperation } from './model.js';

export interface ApplyOptions {
  /** Most context lines GNU-style fuzz may ignore at each end of a hunk (default 2, as GNU patch). */
  maxFuzz?: number;
}

export type HunkStatus = 'exact' | 'offset' | 'fuzz';

export interface HunkReport {
  /** 0-based index into `FilePatch.hunks` (GNU patch's "Hunk #n" is index + 1). */
  index: number;
  status: HunkStatus;
  /** Lines between where the hunk header says and where it landed, as GNU patch's "(offset N lines)". */
  offset: number;
  /** Context lines ignored at each end, as GNU patch's "with fuzz N". */
  fuzz: number;
  /** 1-based line in the result where the hunk's first line landed, as GNU patch's "succeeded at N". */
  line: number;
  /** 1-based line in the input text where the hunk's first old line matched. */
  inputLine: number;
}

/** The window that matched best when a hunk does not apply. */
export interface ClosestMatch {
  /** 1-based line in the input text where the window starts. */
  line: number;
  matchingLines: number;
  ofLines: number;
}

export interface Applied {
  ok: true;
  /** The new text; null when the patch deletes the file. */
  text: string | null;
  hunks: HunkReport[];
  /**
   * For each line of the new text: the 0-based input line it was copied from, or -1 for a line the
   * patch added (empty when the file is deleted). Origin tracking uses it instead of re-diffing.
   */
  sources: number[];
}

/**
 * hunk: a hunk matches nowhere (or would change lines before the previous hunk's changes);
 * missing: the file does not exist and the patch does not create it;
 * exists: the patch creates the file but it exists and is not empty;
 * not-empty: the patch deletes the file but lines remain after its hunks.
 */
export type RejectReason = 'hunk' | 'missing' | 'exists' | 'not-empty';

export interface Rejected {
  ok: false;
  reason: RejectReason;
  /** 0-based index of the hunk that failed (0 for missing/exists, the last hunk for not-empty). */
  failedHunk: number;
  /** Reports of the hunks applied before the failure. */
  hunks: HunkReport[];
  /** Best window for the failed hunk (most equal lines, then nearest to the expected place); null if none. */
  closest: ClosestMatch | null;
  /** One-line explanation, e.g. "no place matches its context, even with fuzz 2". */
  message: string;
}

export type ApplyResult = Applied | Rejected;

/** A line of a file or of a hunk side: content without terminator, and the terminator. */
type Line = SideLine;

/**
 * Apply one file diff to a file's text (null = the file does not exist).
 *
 * Hunks are applied in order, like GNU patch 2.7: each is tried where its header says, shifted
 * by the offset of the previous hunk; then at increasing distances (the later place first at the
 * same distance); then with fuzz 1..maxFuzz, ignoring that many context lines at each end (a hunk
 * with fewer leading than trailing context lines, i.e. at the start of the file, may only match at
 * line 1; one with fewer trailing lines only at the end of the file). A hunk's window must start
 * after the last line the previous hunk changed (it may overlap that hunk's trailing context), as
 * in GNU patch 2.7.6.
 * A hunk without old lines (an insertion with no context) applies where its header says, shifted.
 *
 * Edge cases: a creation patch applies to null or ''; a deletion must leave nothing, and then
 * the result text is null; a file diff without hunks (rename, mode change) returns the text
 * unchanged (or '' for an empty new file). Never throws for a non-matching patch: returns
 * Rejected with the closest window.
 */
export function applyFilePatch(text: string | null, fp: FilePatch, opts: ApplyOptions = {}): ApplyResult {
  const r = applyFileLines(text === null ? null : splitLines(text), fp, opts);
  if (!r.ok) return r;
  return { ok: true, text: r.lines === null ? null : joinLines(r.lines), hunks: r.hunks, sources: r.sources };
}

/** applyFilePatch on a text already split into lines (a series keeps them between patches). */
export type LinesApplied = Omit<Applied, 'text'> & { lines: SideLine[] | null };

/** applyFilePatch over lines (null = the file does not exist); the result's lines, null when deleted. */
export function applyFileLines(input: SideLine[] | null, fp: FilePatch, opts: ApplyOptions = {}): LinesApplied | Rejected {
  const maxFuzz = opts.maxFuzz ?? 2;
  const creates = fp.isNew || fp.oldPath === null;
  const deletes = fp.isDeleted || fp.newPath === null;
  if (input === null && !creates) {
    return { ok: false, reason: 'missing', failedHunk: 0, hunks: [], closest: null, message: `${fp.oldPath ?? 'the file'} does not exist` };
  }
  if (creates && input !== null && input.length > 0) {
    return { ok: false, reason: 'exists', failedHunk: 0, hunks: [], closest: null, message: `the patch creates ${fp.newPath ?? 'the file'}, which already exists` };
  }
  input ??= [];
  const convert = endingConversion(input, fp);
  const out: Line[] = [];
  const sources: number[] = [];
  const reports: HunkReport[] = [];
  let frozen = 0; // input lines already copied or deleted (1-based count)
  let inOffset = 0;
  let outOffset = 0;
  /** Copy input lines up to and including `last`; false if they were already passed. */
  const copyTill = (last: number): boolean => {
    if (frozen > last) return false;
    while (frozen < last) {
      const l = input[frozen++];
      if (l !== undefined) {
        out.push(l);
        sources.push(frozen - 1);
      }
    }
    return true;
  };

  for (let index = 0; index < fp.hunks.length; index++) {
    const h = fp.hunks[index] as Hunk;
    const shape = hunkShape(h);
    const context = Math.max(shape.prefix, shape.suffix);
    const fuzzLimit = Math.min(maxFuzz, context);
    let where = 0;
    let fuzz = 0;
    for (; fuzz <= fuzzLimit; fuzz++) {
      const found = locate(input, shape, fuzz, inOffset, frozen);
      if (found !== 0) {
        where = found;
        break;
      }
    }
    const reject = (message: string): Rejected => ({
      ok: false, reason: 'hunk', failedHunk: index, hunks: reports,
      closest: closestMatch(input, shape, shape.first + inOffset), message,
    });
    if (where === 0) return reject(`no place matches its context${fuzzLimit > 0 ? `, even with fuzz ${fuzzLimit}` : ''}`);
    inOffset = where - shape.first;
    // Walk the hunk as GNU patch's apply_hunk: deletions first within a change, then additions.
    let oldIdx = 1; // 1-based index of the next old line in the hunk
    let ok = true;
    const pendingAdds: Line[] = [];
    const flushAdds = (): void => {
      if (pendingAdds.length === 0) return;
      if (!copyTill(where + oldIdx - 2)) ok = false;
      // One by one: a spread of a huge hunk's lines would overflow the stack.
      for (const l of pendingAdds) {
        out.push(l);
        sources.push(-1);
      }
      pendingAdds.length = 0;
    };
    h.lines.forEach((line, i) => {
      const op = line[0];
      const ending = h.endings[i] ?? '\n';
      if (op === '+') {
        pendingAdds.push({ content: line.slice(1), ending: convert(ending) });
      } else if (op === '-') {
        if (!copyTill(where + oldIdx - 2)) ok = false;
        frozen++;
        oldIdx++;
      } else {
        flushAdds();
        oldIdx++;
      }
    });
    flushAdds();
    if (!ok) return reject('it would change lines before the previous hunk (misordered hunks)');
    reports.push({
      index, status: fuzz > 0 ? 'fuzz' : inOffset !== 0 ? 'offset' : 'exact', offset: inOffset, fuzz,
      line: where + outOffset, inputLine: where,
    });
    outOffset += h.newLines - h.oldLines;
  }
  copyTill(input.length);
  if (deletes) {
    if (out.length > 0) {
      return {
        ok: false, reason: 'not-empty', failedHunk: Math.max(0, fp.hunks.length - 1), hunks: reports, closest: null,
        message: `the patch deletes ${fp.oldPath ?? 'the file'}, but ${out.length} line(s) remain after its hunks`,
      };
    }
    return { ok: true, lines: null, hunks: reports, sources: [] };
  }
  // As joinLines writes it: a line without newline followed by others gets one.
  for (let i = 0; i < out.length - 1; i++) {
    const l = out[i] as Line;
    if (l.ending === '') out[i] = { content: l.content, ending: '\n' };
  }
  return { ok: true, lines: out, hunks: reports, sources };
}

interface HunkShape {
  /** Old side of the hunk: the pattern to find. */
  pattern: Line[];
  /** Leading and trailing context lines. */
  prefix: number;
  suffix: number;
  /** GNU patch's first line: oldStart, or oldStart + 1 for an empty old range (insert after). */
  first: number;
}

function hunkShape(h: Hunk): HunkShape {
  const pattern: Line[] = [];
  let prefix = -1;
  let run = 0;
  h.lines.forEach((line, i) => {
    const op = line[0];
    if (op !== '+') pattern.push({ content: line.slice(1), ending: h.endings[i] ?? '\n' });
    if (op === ' ') {
      run++;
    } else {
      if (prefix < 0) prefix = run;
      run = 0;
    }
  });
  if (prefix < 0) prefix = run; // no change at all (not produced by the parser)
  return { pattern, prefix, suffix: run, first: pattern.length === 0 ? h.oldStart + 1 : h.oldStart };
}

/**
 * GNU patch's locate_hunk: the 1-based input line where the pattern matches with `fuzz`, or 0.
 * `frozen` input lines are already committed; the changed lines must come after them.
 */
function locate(input: Line[], s: HunkShape, fuzz: number, inOffset: number, frozen: number): number {
  const n = input.length;
  const patLines = s.pattern.length;
  const firstGuess = s.first + inOffset;
  if (patLines === 0) return firstGuess;
  const context = Math.max(s.prefix, s.suffix);
  let prefixFuzz = fuzz + s.prefix - context;
  const suffixFuzz = fuzz + s.suffix - context;
  const maxWhere = n - (patLines - suffixFuzz) + 1;
  const minWhere = frozen + 1;
  const maxPos = maxWhere - firstGuess;
  let maxNeg = firstGuess - minWhere;
  const maxOffset = Math.max(maxPos, maxNeg);
  if (firstGuess <= maxNeg) maxNeg = firstGuess - 1;

  if (prefixFuzz < 0 && s.first <= 1) {
    // Fewer leading than trailing context lines: the hunk is anchored at the start of the file.
    if (suffixFuzz < 0 && (patLines !== n || s.prefix < frozen)) return 0;
    const offset = 1 - firstGuess;
    return frozen <= s.prefix && offset <= maxPos && matches(input, s.pattern, 1, 0, suffixFuzz) ? 1 : 0;
  }
  if (prefixFuzz < 0) prefixFuzz = 0;
  if (suffixFuzz < 0) {
    // Fewer trailing than leading context lines: the hunk is anchored at the end of the file.
    const where = n - patLines + 1;
    return firstGuess - where <= maxNeg && matches(input, s.pattern, where, prefixFuzz, 0) ? where : 0;
  }
  const minOffset = maxPos < 0 ? firstGuess - maxWhere : maxNeg < 0 ? firstGuess - minWhere : 0;
  for (let offset = minOffset; offset <= maxOffset; offset++) {
    if (offset <= maxPos && matches(input, s.pattern, firstGuess + offset, prefixFuzz, suffixFuzz)) return firstGuess + offset;
    if (offset <= maxNeg && matches(input, s.pattern, firstGuess - offset, prefixFuzz, suffixFuzz)) return firstGuess - offset;
  }
  return 0;
}

/** Whether pattern lines (prefixFuzz, len - suffixFuzz] equal the input lines from `where` on. */
function matches(input: Line[], pattern: Line[], where: number, prefixFuzz: number, suffixFuzz: number): boolean {
  const end = pattern.length - Math.max(0, suffixFuzz);
  for (let p = prefixFuzz; p < end; p++) {
    const fileLine = input[where + p - 1];
    const patLine = pattern[p];
    if (fileLine === undefined || patLine === undefined || !sameLine(fileLine, patLine)) return false;
  }
  return true;
}

function sameLine(a: Line, b: Line): boolean {
  return a.content === b.content && (a.ending === '') === (b.ending === '');
}

/** The window with the most lines equal to the pattern; ties go to the one nearest `expected`. */
function closestMatch(input: Line[], s: HunkShape, expected: number): ClosestMatch | null {
  const len = s.pattern.length;
  if (len === 0 || input.length === 0) return null;
  let best: ClosestMatch | null = null;
  let bestDistance = Infinity;
  const last = Math.max(1, input.length - len + 1);
  for (let where = 1; where <= last; where++) {
    let count = 0;
    for (let p = 0; p < len; p++) {
      const fileLine = input[where + p - 1];
      const patLine = s.pattern[p];
      if (fileLine !== undefined && patLine !== undefined && sameLine(fileLine, patLine)) count++;
    }
    const distance = Math.abs(where - expected);
    if (best === null || count > best.matchingLines || (count === best.matchingLines && distance < bestDistance)) {
      best = { line: where, matchingLines: count, ofLines: len };
      bestDistance = distance;
    }
  }
  return best !== null && best.matchingLines > 0 ? best : null;
}

/** How added lines' endings are adapted to the file (see the module comment). */
const same = (e: LineEnding): LineEnding => e;

function endingConversion(input: Line[], fp: FilePatch): (e: LineEnding) => LineEnding {
  // Walked in place (no array of every line's ending): this runs for each file diff applied.
  let fileStyle: Style = null;
  for (const l of input) {
    fileStyle = withEnding(fileStyle, l.ending);
    if (fileStyle === MIXED) return same;
  }
  let patchStyle: Style = null;
  for (const h of fp.hunks) {
    for (const e of h.endings) {
      patchStyle = withEnding(patchStyle, e);
      if (patchStyle === MIXED) return same;
    }
  }
  if (fileStyle === null || patchStyle === null || fileStyle === patchStyle) return same;
  const style: LineEnding = fileStyle;
  return (e) => (e === '' ? e : style);
}

/** Returned by withEnding once two different endings were seen. */
const MIXED = 'mixed' as const;

/** The one line ending seen so far (null: none yet), or MIXED. */
type Style = '\n' | '\r\n' | null | typeof MIXED;

/** The style after seeing `e` ('' counts for none). */
function withEnding(style: Style, e: LineEnding): Style {
  if (e === '') return style;
  if (style === null) return e;
  return style === e ? style : MIXED;
}

/**
 * Split a text into lines with their terminators: '\r\n', '\n', or '' for a last line without
 * newline (whose content keeps a trailing '\r' if it has one). '' gives no lines; joining
 * content + ending of every line gives the text back.
 */
export function splitLines(text: string): SideLine[] {
  const out: Line[] = [];
  let pos = 0;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    if (nl < 0) {
      out.push({ content: text.slice(pos), ending: '' });
      break;
    }
    if (nl > pos && text.charCodeAt(nl - 1) === 13) out.push({ content: text.slice(pos, nl - 1), ending: '\r\n' });
    else out.push({ content: text.slice(pos, nl), ending: '\n' });
    pos = nl + 1;
  }
  return out;
}

export function joinLines(lines: readonly SideLine[]): string {
  let s = '';
  lines.forEach((l, i) => {
    s += l.content + (l.ending === '' && i < lines.length - 1 ? '\n' : l.ending);
  });
  return s;
}

/**
 * The inverse file diff: old and new sides swapped (paths, names, timestamps, hunk ranges,
 * '-' <-> '+', new <-> deleted, git `rename from/to`, `old/new mode`, `index a..b`), with each
 * change's '-' lines put before its '+' lines again. Applying it to the patched text gives the
 * original back. Edge cases: the `section` is kept; a copy reverses into a modification of the
 * copy (the copy itself is not removed); the result has no `source`, so it formats canonically.
 */
export function reverseFilePatch(fp: FilePatch): FilePatch {
  const swapLine = (l: string): string => {
    const pairs: [string, string][] = [
      ['new file mode ', 'deleted file mode '], ['old mode ', 'new mode '], ['rename from ', 'rename to '],
      ['rename old ', 'rename new '], ['copy from ', 'copy to '],
    ];
    for (const [a, b] of pairs) {
      if (l.startsWith(a)) return b + l.slice(a.length);
      if (l.startsWith(b)) return a + l.slice(b.length);
    }
    const idx = /^index ([0-9a-fA-F]+)\.\.([0-9a-fA-F]+)(.*)$/.exec(l);
    if (idx) return `index ${idx[2] ?? ''}..${idx[1] ?? ''}${idx[3] ?? ''}`;
    return l;
  };
  const gitHeader = fp.gitHeader.map((l, i) => {
    if (i === 0 && l.startsWith('diff --git ') && fp.oldPath !== fp.newPath && fp.oldPath !== null && fp.newPath !== null) {
      return `diff --git a/${fp.newPath} b/${fp.oldPath}`;
    }
    return swapLine(l);
  });
  // Keep the usual order of extended headers: old mode before new mode, from before to.
  for (let i = 1; i + 1 < gitHeader.length; i++) {
    const a = gitHeader[i] ?? '';
    const b = gitHeader[i + 1] ?? '';
    const order = (l: string): number => (/^(old mode|rename from|rename old|copy from)/.test(l) ? 0 : /^(new mode|rename to|rename new|copy to)/.test(l) ? 1 : -1);
    if (order(a) === 1 && order(b) === 0) {
      gitHeader[i] = b;
      gitHeader[i + 1] = a;
    }
  }
  return {
    oldFileName: fp.newPath === null ? '/dev/null' : `a/${fp.newPath}`,
    newFileName: fp.oldPath === null ? '/dev/null' : `b/${fp.oldPath}`,
    oldHeader: fp.newHeader,
    newHeader: fp.oldHeader,
    oldPath: fp.newPath,
    newPath: fp.oldPath,
    gitHeader,
    isNew: fp.isDeleted,
    isDeleted: fp.isNew,
    hunks: fp.hunks.map(reverseHunk),
    preamble: fp.preamble,
  };
}

function reverseHunk(h: Hunk): Hunk {
  const lines: string[] = [];
  const endings: LineEnding[] = [];
  let minus: number[] = [];
  let plus: number[] = [];
  const flush = (): void => {
    for (const k of [...minus, ...plus]) {
      lines.push(h.lines[k] ?? ' ');
      endings.push(h.endings[k] ?? '\n');
    }
    minus = [];
    plus = [];
  };
  h.lines.forEach((line, i) => {
    const op = line[0];
    if (op === '+') minus.push(i);
    else if (op === '-') plus.push(i);
    else {
      flush();
      lines.push(line);
      endings.push(h.endings[i] ?? '\n');
    }
  });
  flush();
  const swapped = lines.map((l) => (l[0] === '+' ? '-' + l.slice(1) : l[0] === '-' ? '+' + l.slice(1) : l));
  return {
    oldStart: h.newStart, oldLines: h.newLines, newStart: h.oldStart, newLines: h.oldLines,
    section: h.section, lines: swapped, endings,
  };
}

/** Outcome of one file diff within applyPatch. */
export interface FileApplyReport {
  oldPath: string | null;
  newPath: string | null;
  hunks: HunkReport[];
}

export type PatchApplyResult =
  | {
    ok: true;
    /** path -> new text, or null for a file the patch deletes (or renames away). */
    files: Map<string, string | null>;
    reports: FileApplyReport[];
  }
  | {
    ok: false;
    /** The path the failing file diff is about (new path, or old path for a deletion). */
    file: string;
    /** Index of the failing file diff in `patch.files`. */
    fileIndex: number;
    failure: Rejected;
    /** Results of the file diffs before the failing one. */
    files: Map<string, string | null>;
    reports: FileApplyReport[];
  };

/**
 * Apply every file diff of a patch. `read(path)` gives a file's current text (null or undefined:
 * it does not exist); a file touched by an earlier file diff of the same patch is read from the
 * result instead. Renames map the old path to null and the new path to the text; copies keep the
 * old path. Stops at the first failure and returns it with its file and hunk; on success every
 * touched path is in `files`.
 */
export function applyPatch(read: (path: string) => string | null | undefined, patch: PatchFile, opts: ApplyOptions = {}): PatchApplyResult {
  const files = new Map<string, string | null>();
  const reports: FileApplyReport[] = [];
  const current = (path: string): string | null => (files.has(path) ? (files.get(path) ?? null) : (read(path) ?? null));
  for (let fileIndex = 0; fileIndex < patch.files.length; fileIndex++) {
    const fp = patch.files[fileIndex] as FilePatch;
    const op = fileOperation(fp);
    const target = fp.newPath ?? fp.oldPath ?? '';
    let before: string | null;
    if (fp.oldPath === null) {
      before = current(target);
    } else {
      before = current(fp.oldPath);
    }
    const r = applyFilePatch(before, fp, opts);
    if (!r.ok) return { ok: false, file: target, fileIndex, failure: r, files, reports };
    reports.push({ oldPath: fp.oldPath, newPath: fp.newPath, hunks: r.hunks });
    if (op === 'rename' && fp.oldPath !== null) files.set(fp.oldPath, null);
    if (fp.newPath !== null) files.set(fp.newPath, r.text);
    else if (fp.oldPath !== null) files.set(fp.oldPath, null);
  }
  return { ok: true, files, reports };
}
