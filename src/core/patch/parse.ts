/**
 * Patch text -> model. Only unified diffs (plain or git style) are accepted; everything GNU patch
 * would otherwise guess at is refused with a PatchParseError that says file:line:
 * binary patches, ed scripts, normal and context diffs, paths that leave the tree, NUL bytes,
 * hunks whose counts do not match their header, stray hunk lines, and patches without any file.
 */
import { PatchParseError } from '../errors.js';
import { fileKey, hunkState } from './format.js';
import type { FilePatch, Hunk, LineEnding, PatchFile } from './model.js';

interface RawLine {
  /** The line without its terminator. */
  text: string;
  /** '\n', '\r\n', or '' for a last line without newline. */
  end: LineEnding;
}

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(.*)$/s;
const ED_OR_NORMAL = /^\d+(?:,\d+)?[acd](?:\d+(?:,\d+)?)?$/;
const CONTEXT_RANGE = /^\*\*\* \d+(?:,\d+)? \*\*\*\*\s*$/;
const CONTEXT_SEPARATOR = /^\*{15}(?:\s.*)?$/;
const BINARY_FILES = /^Binary files .* differ$/s;
const GIT_EXTENDED = [
  /^(?:old|new) mode [0-7]+$/,
  /^(?:deleted|new) file mode [0-7]+$/,
  /^(?:copy|rename) (?:from|to) /,
  /^rename (?:old|new) /,
  /^(?:dis)?similarity index \d+%$/,
  /^index [0-9a-fA-F]+\.\.[0-9a-fA-F]+(?: [0-7]+)?$/,
];

/**
 * Parse a patch file (`file` is only used in error locations).
 *
 * Accepts: a git-format-patch / quilt header, any number of file diffs (`diff --git` with
 * extended headers, or plain `---`/`+++`), `@@ -a,b +c,d @@ section` hunks (counts of 1 may
 * be omitted), `\ No newline at end of file` after the last line of either side, CRLF lines
 * (the `\r` is recorded as the line's ending, not content), empty lines inside a hunk as empty
 * context lines (mailers strip the space), new (`--- /dev/null`) and deleted files, git-only
 * diffs without hunks (renames, mode changes, empty new files), junk between files (kept as the
 * next file's preamble) and text after the last hunk (kept as the trailer, e.g. `-- \n2.39.0`).
 * Names lose a trailing tab + timestamp and exactly one leading component (-p1); C-quoted git
 * names are unquoted.
 *
 * Throws PatchParseError({file, line}) for: NUL bytes; `GIT binary patch` / `Binary files ...
 * differ`; ed scripts and normal diffs (`1,3c`, `5a6`); context diffs (`*** 1,5 ****`,
 * `***************`); absolute names or any `..` component (in ---/+++, `diff --git`, rename /
 * copy headers); a name without a component to strip; a malformed `@@` line; a hunk whose lines
 * do not add up to its counts (too few, too many, or the patch ends inside it); an invalid line
 * inside a hunk; a hunk without changes; a hunk without a file header; a file header without
 * hunks (unless it is a git diff); and a patch with no file diff at all.
 */
export function parsePatch(text: string, file: string): PatchFile {
  return new Parser(text, file).parse();
}

class Parser {
  private readonly lines: RawLine[];
  private i = 0;

  constructor(text: string, private readonly file: string) {
    this.lines = splitRaw(text);
    const nul = text.indexOf('\0');
    if (nul >= 0) {
      const line = text.slice(0, nul).split('\n').length;
      this.fail(line, 'NUL byte in patch (binary data is not supported)');
    }
  }

  parse(): PatchFile {
    const files: FilePatch[] = [];
    let header = '';
    let junkStart = 0;
    while (this.i < this.lines.length) {
      if (this.fileStartsHere()) {
        const junk = this.raw(junkStart, this.i);
        if (files.length === 0) header = junk;
        files.push(this.parseFile(files.length === 0 ? '' : junk));
        junkStart = this.i;
        continue;
      }
      this.checkJunk();
      this.i++;
    }
    if (files.length === 0) this.fail(1, 'no file diffs found (expected a unified diff: ---/+++ lines and @@ hunks)');
    return { header, files, trailer: this.raw(junkStart, this.lines.length) };
  }

  private fileStartsHere(): boolean {
    const t = this.text(this.i);
    if (t.startsWith('diff --git ')) return true;
    return t.startsWith('--- ') && this.text(this.i + 1).startsWith('+++ ');
  }

  /** A line outside any file diff: refuse what GNU patch would read as another kind of diff. */
  private checkJunk(): void {
    const reason = foreignDiffReason(this.text(this.i), this.text(this.i + 1), this.text(this.i + 2));
    if (reason !== undefined) this.fail(this.i + 1, reason);
  }

  private parseFile(preamble: string): FilePatch {
    const start = this.i;
    const gitHeader: string[] = [];
    let gitNames: { a: string; b: string } | null = null;
    if (this.text(this.i).startsWith('diff --git ')) {
      gitHeader.push(this.text(this.i));
      gitNames = this.parseGitLine(this.text(this.i), this.i + 1);
      this.i++;
      for (; this.i < this.lines.length; this.i++) {
        const t = this.text(this.i);
        if (t === 'GIT binary patch' || BINARY_FILES.test(t)) this.fail(this.i + 1, `binary patches are not supported: ${t}`);
        if (!GIT_EXTENDED.some((re) => re.test(t))) break;
        gitHeader.push(t);
      }
    }
    const ext = new Map<string, string>();
    gitHeader.slice(1).forEach((l, k) => {
      const m = /^(rename from|rename to|copy from|copy to|rename old|rename new) (.*)$/s.exec(l);
      if (m) ext.set(m[1] ?? '', this.checkPath(unquoteMaybe(m[2] ?? ''), start + k + 2));
      else if (l.startsWith('new file mode')) ext.set('new', '');
      else if (l.startsWith('deleted file mode')) ext.set('deleted', '');
    });

    let oldName: string | undefined;
    let newName: string | undefined;
    let oldHeader: string | undefined;
    let newHeader: string | undefined;
    const hasNameLines = this.text(this.i).startsWith('--- ') && this.text(this.i + 1).startsWith('+++ ');
    if (hasNameLines) {
      [oldName, oldHeader] = splitName(this.text(this.i).slice(4));
      [newName, newHeader] = splitName(this.text(this.i + 1).slice(4));
      this.i += 2;
    }
    const headerEnd = this.i;
    const isNew = oldName === '/dev/null' || ext.has('new');
    const isDeleted = newName === '/dev/null' || ext.has('deleted');
    let oldPath: string | null;
    let newPath: string | null;
    if (hasNameLines && oldName !== undefined && newName !== undefined) {
      oldPath = isNew ? null : this.stripP1(oldName, headerEnd - 1);
      newPath = isDeleted ? null : this.stripP1(newName, headerEnd);
    } else {
      const from = ext.get('rename from') ?? ext.get('rename old') ?? ext.get('copy from') ?? gitNames?.a;
      const to = ext.get('rename to') ?? ext.get('rename new') ?? ext.get('copy to') ?? gitNames?.b;
      if ((!isNew && from === undefined) || (!isDeleted && to === undefined)) {
        this.fail(start + 1, `cannot tell the file names from "${this.text(start)}"`);
      }
      oldPath = isNew ? null : (from ?? null);
      newPath = isDeleted ? null : (to ?? null);
      oldName = oldPath === null ? '/dev/null' : `a/${oldPath}`;
      newName = newPath === null ? '/dev/null' : `b/${newPath}`;
    }

    const fp: FilePatch = {
      oldFileName: oldName, newFileName: newName, oldHeader, newHeader, oldPath, newPath,
      gitHeader, isNew, isDeleted, hunks: [], preamble,
    };
    while (this.text(this.i).startsWith('@@ ') || this.text(this.i) === '@@') {
      if (!hasNameLines) this.fail(this.i + 1, 'hunk without a file header (--- and +++ lines)');
      fp.hunks.push(this.parseHunk());
    }
    if (fp.hunks.length === 0 && gitHeader.length === 0) {
      this.fail(headerEnd, `file header for ${newPath ?? oldPath ?? '?'} is not followed by a hunk`);
    }
    fp.source = { text: this.raw(start, headerEnd), key: fileKey(fp) };
    return fp;
  }

  private parseHunk(): Hunk {
    const headerIdx = this.i;
    const no = headerIdx + 1;
    const header = this.text(headerIdx);
    const m = HUNK_HEADER.exec(header);
    if (!m) this.fail(no, `malformed hunk header: ${header}`);
    const oldStart = Number(m[1]);
    const oldLines = m[2] === undefined ? 1 : Number(m[2]);
    const newStart = Number(m[3]);
    const newLines = m[4] === undefined ? 1 : Number(m[4]);
    const rest = m[5] ?? '';
    if (oldStart === 0 && oldLines !== 0) this.fail(no, `hunk at line ${no}: old range starts at line 0 but has ${oldLines} lines`);
    if (newStart === 0 && newLines !== 0) this.fail(no, `hunk at line ${no}: new range starts at line 0 but has ${newLines} lines`);
    const h: Hunk = {
      oldStart, oldLines, newStart, newLines,
      section: rest.startsWith(' ') ? rest.slice(1) : rest,
      lines: [], endings: [],
    };
    this.i++;
    let seenOld = 0;
    let seenNew = 0;
    let oldEnded = false;
    let newEnded = false;
    const mismatch = (at: number): never => {
      const [o, n] = this.countHunkBody(headerIdx + 1);
      const what = o !== oldLines ? `expected ${oldLines} old lines, found ${o}` : n !== newLines ? `expected ${newLines} new lines, found ${n}` : `expected ${oldLines} old and ${newLines} new lines`;
      return this.fail(at, `hunk at line ${no}: ${what}`);
    };
    while (seenOld < oldLines || seenNew < newLines) {
      if (this.i >= this.lines.length) {
        const what = seenOld < oldLines ? `expected ${oldLines} old lines, found ${seenOld}` : `expected ${newLines} new lines, found ${seenNew}`;
        this.fail(this.lines.length, `truncated hunk at line ${no}: ${what} before the end of the patch`);
      }
      const line = this.lines[this.i] as RawLine;
      const t = line.text;
      const op = t === '' ? ' ' : t[0];
      // A git signature ("-- ") inside a short hunk: report the counts, unless it completes the hunk.
      const completes = seenOld + 1 === oldLines && seenNew === newLines;
      if (t === '-- ' && !completes && !/^[ +\-\\]/.test(this.text(this.i + 1))) mismatch(this.i + 1);
      if (op === '\\') {
        this.attachMarker(h, no);
        const last = h.lines[h.lines.length - 1]?.[0];
        if (last !== '+') oldEnded = true;
        if (last !== '-') newEnded = true;
        this.i++;
        continue;
      }
      if (op !== ' ' && op !== '-' && op !== '+') {
        if (looksStructural(t)) mismatch(this.i + 1);
        this.fail(this.i + 1, `hunk at line ${no} contains an invalid line: ${JSON.stringify(t.length > 60 ? t.slice(0, 60) + '…' : t)}`);
      }
      if (op !== '+') {
        if (seenOld >= oldLines) mismatch(this.i + 1);
        if (oldEnded) this.fail(this.i + 1, `hunk at line ${no}: old line after "\\ No newline at end of file"`);
        seenOld++;
      }
      if (op !== '-') {
        if (seenNew >= newLines) mismatch(this.i + 1);
        if (newEnded) this.fail(this.i + 1, `hunk at line ${no}: new line after "\\ No newline at end of file"`);
        seenNew++;
      }
      h.lines.push(op + t.slice(1));
      h.endings.push(line.end === '' ? '\n' : line.end);
      this.i++;
    }
    if (this.text(this.i).startsWith('\\')) {
      this.attachMarker(h, no);
      this.i++;
    }
    // Hunk lines right after a complete hunk (or after one blank line, a context line whose space
    // a mailer ate) mean the counts in the header are wrong.
    if (this.looksLikeHunkLine(this.i)) mismatch(this.i + 1);
    if (this.i < this.lines.length && this.text(this.i) === '' && this.looksLikeHunkLine(this.i + 1)) mismatch(this.i + 1);
    if (!h.lines.some((l) => l[0] !== ' ')) this.fail(no, `hunk at line ${no} changes nothing (no - or + lines)`);
    h.source = { text: this.raw(headerIdx, this.i), was: hunkState(h) };
    return h;
  }

  /** A ' ', '+' or '-' line that is neither a `---`/`+++` file header nor a `-- ` signature. */
  private looksLikeHunkLine(i: number): boolean {
    if (i >= this.lines.length) return false;
    const t = this.text(i);
    if (t.startsWith(' ') || t.startsWith('+')) return true;
    return t.startsWith('-') && t !== '--' && t !== '-- ' && !(t.startsWith('--- ') && this.text(i + 1).startsWith('+++ '));
  }

  /** `\ No newline at end of file`: the previous line has no terminator in its file. */
  private attachMarker(h: Hunk, no: number): void {
    const k = h.lines.length - 1;
    const prev = this.lines[this.i - 1];
    if (k < 0 || h.endings[k] === '' || prev === undefined || prev.text.startsWith('\\')) {
      this.fail(this.i + 1, `hunk at line ${no}: misplaced "${this.text(this.i)}"`);
    }
    // The marker says the line had no newline at all, so a CR before the patch's LF is content.
    if (prev.end === '\r\n') h.lines[k] += '\r';
    h.endings[k] = '';
  }

  /** Old and new line counts of the body starting at `from`, as far as it looks like a hunk body. */
  private countHunkBody(from: number): [number, number] {
    let o = 0;
    let n = 0;
    for (let j = from; j < this.lines.length; j++) {
      const t = this.text(j);
      if (t.startsWith('@@') || t.startsWith('diff ') || (t.startsWith('--- ') && this.text(j + 1).startsWith('+++ ')) || t === '-- ' || t === '--') break;
      const op = t === '' ? ' ' : t[0];
      if (op === '\\') continue;
      if (op !== ' ' && op !== '-' && op !== '+') break;
      if (t === '' && j + 1 < this.lines.length && !/^[ +\-\\]/.test(this.text(j + 1))) break;
      if (op !== '+') o++;
      if (op !== '-') n++;
    }
    return [o, n];
  }

  /** `diff --git A B` -> the two -p1 paths, or null when the split is ambiguous (names with spaces). */
  private parseGitLine(line: string, no: number): { a: string; b: string } | null {
    const rest = line.slice('diff --git '.length);
    let a: string | undefined;
    let b: string | undefined;
    if (rest.startsWith('"')) {
      const q = parseQuoted(rest, 0);
      if (q && rest[q.end] === ' ') {
        a = q.value;
        const tail = rest.slice(q.end + 1);
        b = tail.startsWith('"') ? parseQuoted(tail, 0)?.value : tail;
      }
    } else if (rest.includes(' "')) {
      const k = rest.indexOf(' "');
      a = rest.slice(0, k);
      b = parseQuoted(rest, k + 1)?.value;
    } else {
      // Unquoted names may contain spaces: take the split where both sides name the same path.
      for (let k = rest.indexOf(' '); k >= 0; k = rest.indexOf(' ', k + 1)) {
        const x = rest.slice(0, k);
        const y = rest.slice(k + 1);
        if (afterFirstSlash(x) === afterFirstSlash(y)) {
          a = x;
          b = y;
          break;
        }
      }
    }
    if (a === undefined || b === undefined) return null;
    return { a: this.stripP1(a, no), b: this.stripP1(b, no) };
  }

  /** Remove exactly one leading component (-p1) and check that the rest stays inside the tree. */
  private stripP1(name: string, no: number): string {
    if (name.startsWith('/')) this.fail(no, `absolute path ${JSON.stringify(name)} is refused`);
    const slash = name.indexOf('/');
    if (slash < 0) this.fail(no, `cannot strip one leading component (-p1) from ${JSON.stringify(name)}`);
    return this.checkPath(name.slice(slash + 1), no, name);
  }

  /** A path inside the tree: relative, non-empty, without `..` components. */
  private checkPath(path: string, no: number, shown = path): string {
    if (path.startsWith('/')) this.fail(no, `absolute path ${JSON.stringify(shown)} is refused`);
    if (path === '' || path.endsWith('/')) this.fail(no, `invalid file name ${JSON.stringify(shown)}`);
    if (path.split('/').includes('..')) this.fail(no, `path ${JSON.stringify(shown)} leaves the tree`);
    return path;
  }

  private text(i: number): string {
    return this.lines[i]?.text ?? '';
  }

  private raw(from: number, to: number): string {
    let s = '';
    for (let j = from; j < to; j++) {
      const l = this.lines[j] as RawLine;
      s += l.text + l.end;
    }
    return s;
  }

  private fail(line: number, message: string): never {
    throw new PatchParseError(message, { file: this.file, line });
  }
}

/**
 * Why a line outside any file diff is refused, or undefined: what GNU patch would read as another
 * kind of diff (binary, ed script or normal diff, context, combined) or a hunk without file header.
 * `next` and `next2` are the following lines.
 */
function foreignDiffReason(t: string, next: string, next2: string): string | undefined {
  if (t === 'GIT binary patch' || BINARY_FILES.test(t)) return `binary patches are not supported: ${t}`;
  if (ED_OR_NORMAL.test(t)) return `ed scripts and normal diffs are refused ("${t}"): only unified diffs are supported`;
  if (CONTEXT_RANGE.test(t) || CONTEXT_SEPARATOR.test(t) || (t.startsWith('*** ') && next.startsWith('--- ') && !next2.startsWith('+++ '))) {
    return `context diffs are refused ("${t}"): only unified diffs are supported`;
  }
  if (t.startsWith('diff --cc ') || t.startsWith('diff --combined ') || t.startsWith('@@@ ')) {
    return `combined diffs are refused ("${t}"): only unified diffs are supported`;
  }
  if (t.startsWith('@@ ')) return HUNK_HEADER.test(t) ? 'hunk without a file header (--- and +++ lines)' : `malformed hunk header: ${t}`;
  return undefined;
}

/**
 * Does text without any unified file diff still hold something parsePatch refuses (another kind
 * of diff, a stray hunk, a NUL byte)? Then it is not a header-only patch: parsePatch says why.
 */
export function hasForeignDiff(text: string): boolean {
  if (text.includes('\0')) return true;
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  return lines.some((t, k) => foreignDiffReason(t, lines[k + 1] ?? '', lines[k + 2] ?? '') !== undefined);
}

function splitRaw(text: string): RawLine[] {
  const out: RawLine[] = [];
  let pos = 0;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    if (nl < 0) {
      out.push({ text: text.slice(pos), end: '' });
      break;
    }
    if (nl > pos && text.charCodeAt(nl - 1) === 13) out.push({ text: text.slice(pos, nl - 1), end: '\r\n' });
    else out.push({ text: text.slice(pos, nl), end: '\n' });
    pos = nl + 1;
  }
  return out;
}

/** Lines that end a hunk rather than belong to it. */
function looksStructural(t: string): boolean {
  return t.startsWith('@@') || t.startsWith('diff ') || t.startsWith('Index: ') || t.startsWith('=====');
}

/** `a/x.c\t2024-01-01 ...` -> ['a/x.c', '2024-01-01 ...']; `"a/x\ty"` is unquoted; an empty timestamp is undefined. */
function splitName(field: string): [string, string | undefined] {
  if (field.startsWith('"')) {
    const q = parseQuoted(field, 0);
    if (q) {
      const tail = field.slice(q.end);
      const header = tail.startsWith('\t') ? tail.slice(1) : undefined;
      return [q.value, header === '' ? undefined : header];
    }
  }
  const tab = field.indexOf('\t');
  if (tab < 0) return [field, undefined];
  const header = field.slice(tab + 1);
  return [field.slice(0, tab), header === '' ? undefined : header];
}

function afterFirstSlash(name: string): string {
  const k = name.indexOf('/');
  return k < 0 ? '\0' + name : name.slice(k + 1);
}

function unquoteMaybe(s: string): string {
  if (!s.startsWith('"')) return s;
  const q = parseQuoted(s, 0);
  return q && q.end === s.length ? q.value : s;
}

const SIMPLE_ESCAPES: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '"': 34, '\\': 92 };

/** A C-quoted git name starting at `at` (the opening quote): its value and the index after the closing quote. */
function parseQuoted(s: string, at: number): { value: string; end: number } | null {
  const bytes: number[] = [];
  let i = at + 1;
  while (i < s.length) {
    const ch = s[i] as string;
    if (ch === '"') return { value: decodeUtf8(bytes), end: i + 1 };
    if (ch === '\\') {
      const e = s[i + 1] ?? '';
      const simple = SIMPLE_ESCAPES[e];
      if (simple !== undefined) {
        bytes.push(simple);
        i += 2;
      } else if (/^[0-3][0-7][0-7]$/.test(s.slice(i + 1, i + 4))) {
        bytes.push(parseInt(s.slice(i + 1, i + 4), 8));
        i += 4;
      } else {
        return null;
      }
      continue;
    }
    const code = ch.codePointAt(0) ?? 0;
    for (const b of encodeURIComponent(String.fromCodePoint(code)).match(/%[0-9A-F]{2}|[^%]/g) ?? []) {
      bytes.push(b.startsWith('%') ? parseInt(b.slice(1), 16) : b.charCodeAt(0));
    }
    i += code > 0xffff ? 2 : 1;
  }
  return null;
}

/** UTF-8 bytes -> string; invalid sequences fall back to one character per byte (Latin-1). */
function decodeUtf8(bytes: number[]): string {
  try {
    return decodeURIComponent(bytes.map((b) => '%' + b.toString(16).padStart(2, '0')).join(''));
  } catch {
    return bytes.map((b) => String.fromCharCode(b)).join('');
  }
}
