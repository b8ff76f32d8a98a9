/**
 * The directive scanner: finds the preprocessor directives of a C file the way cpp's translation
 * phases 1-4 see them (backslash-newline splices, comments as whitespace, string and character
 * literals, `#` only at the start of a logical line) and builds the conditional structure.
 */
import { CppError } from '../errors.js';
import { splitRecords } from '../merge/lines.js';

export type ConditionalKind = 'if' | 'ifdef' | 'ifndef' | 'elif' | 'elifdef' | 'elifndef' | 'else' | 'endif';
export type DirectiveKind = ConditionalKind | 'other';

const CONDITIONALS: ReadonlySet<string> = new Set(['if', 'ifdef', 'ifndef', 'elif', 'elifdef', 'elifndef', 'else', 'endif']);

/** One directive: a whole logical line starting with `#` (or `%:`), possibly several physical lines. */
export interface Directive {
  kind: DirectiveKind;
  /** The directive name as written after `#`: "if", "define", "" for a null directive, "123" for a line marker. */
  name: string;
  /** First physical line (1-based): where the logical line begins (before any leading comment). */
  line: number;
  /** Last physical line (1-based), after backslash-newlines and comments spanning lines. */
  endLine: number;
  /** What follows the name: splices removed, each comment character replaced by a space. */
  text: string;
  /** 1-based column of `text[0]` on `line` when the directive is one physical line; else undefined. */
  textColumn: number | undefined;
  /** Offsets of the name in the source text (`keywordEnd` is past any splice inside the name). */
  keywordStart: number;
  keywordEnd: number;
  /** For conditional directives: the group (index into ScanReport.groups) ... */
  group?: number;
  /** ... and the branch it opens (undefined for #endif). */
  branch?: number;
}

/** One branch of a conditional group: its directive and the body lines up to the next directive. */
export interface CondBranch {
  directive: Directive;
  /** Body: lines firstLine..lastLine (1-based, inclusive; empty when lastLine < firstLine). */
  firstLine: number;
  lastLine: number;
  /** Groups nested directly in this branch (indices into ScanReport.groups). */
  children: number[];
}

/** An #if/#ifdef/#ifndef ... #endif group. */
export interface CondGroup {
  /** Position in ScanReport.groups (document order of the opening directive). */
  index: number;
  /** The enclosing group and branch, or undefined at top level. */
  parent: number | undefined;
  parentBranch: number | undefined;
  /** 0 at top level. */
  depth: number;
  branches: CondBranch[];
  end: Directive;
}

export interface ScanReport {
  file: string;
  /** The scanned text. */
  text: string;
  /** Physical lines with their terminators ("\n", "\r\n", or "" for a last line without one). */
  lines: string[];
  /** Offset of each line's first character in `text`. */
  lineStarts: number[];
  /** Every directive, in order. */
  directives: Directive[];
  /** Every conditional group, in document order (a parent comes before its children). */
  groups: CondGroup[];
  /** Top-level groups. */
  roots: number[];
}

/** The characters after which scanning code must look again; everything else is skipped at once. */
const CODE_STOP = /[\n/"'\\]/g;

function isBlank(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\f' || c === '\v' || c === '\r';
}

function isWordCode(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 36;
}

/** In a directive's line: a character that makes its text more than the slice up to the newline. */
const DIRECTIVE_STOP = /[/"'\\\r\n]/g;

/**
 * Scan `text` for preprocessor directives and build its conditional structure.
 * Handles backslash-newline anywhere (also "\\ \n" with blanks in between, as gcc does, and
 * "\\\r\n"), `/* *\/` comments across lines (a directive may follow a comment that started at
 * the start of its line, and a comment inside a directive extends it over the following lines),
 * `//` comments, string and character literals (an unterminated one ends at the end of its line,
 * as in gcc), `#  if` spacing and `%:` digraphs. Only "\n" ends a line; a "\r" before it is kept
 * in the line's terminator. An unterminated comment runs to the end of the file.
 * Throws CppError with {file, line} for: a stray #elif/#else/#endif ("#endif without #if"),
 * "#elif after #else", "#else after #else", an unterminated conditional (the innermost one).
 * Never throws anything else, whatever the input.
 */
export function scanDirectives(text: string, file: string): ScanReport {
  const n = text.length;
  const lineStarts: number[] = [];
  if (n > 0) {
    let s = 0;
    for (;;) {
      lineStarts.push(s);
      const nl = text.indexOf('\n', s);
      if (nl < 0 || nl === n - 1) break;
      s = nl + 1;
    }
  }
  const lineOf = (offset: number): number => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((lineStarts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };

  /** Skip backslash-newline splices at `i`: the position of the next real character. */
  const norm = (i: number): number => {
    while (text[i] === '\\') {
      let j = i + 1;
      while (isBlank(text[j]) && text[j] !== '\r') j++;
      if (text[j] === '\r' && text[j + 1] === '\n') j += 2;
      else if (text[j] === '\n') j += 1;
      else break;
      i = j;
    }
    return i;
  };
  // The next backslash at or after a position (scanning only moves forward): where a splice may be.
  let nextBackslash = -1;
  const backslashFrom = (i: number): number => {
    if (nextBackslash < i && nextBackslash !== n) {
      nextBackslash = text.indexOf('\\', i);
      if (nextBackslash < 0) nextBackslash = n;
    }
    return nextBackslash;
  };
  /** After a block comment's opening at `i` (just past the star): the position past its end. */
  const skipBlockComment = (i: number, onChar?: (c: string) => void): number => {
    if (!onChar) {
      // No splice before the first "*/": it ends the comment (one search instead of a walk).
      const end = text.indexOf('*/', i);
      if (end >= 0 && backslashFrom(i) > end + 1) return norm(end + 2);
      if (end < 0 && backslashFrom(i) === n) return n;
    }
    while (i < n) {
      const c = text[i] as string;
      onChar?.(c);
      const j = norm(i + 1);
      if (c === '*' && text[j] === '/') {
        onChar?.('/');
        return norm(j + 1);
      }
      i = j;
    }
    return n;
  };
  /** From just past an opening quote at `i`: the position past the literal, or at the newline. */
  const skipLiteral = (i: number, quote: string, onChar?: (c: string) => void): number => {
    while (i < n) {
      const c = text[i] as string;
      if (c === '\n') return i;
      onChar?.(c);
      i = norm(i + 1);
      if (c === quote) return i;
      if (c === '\\' && i < n && text[i] !== '\n') {
        onChar?.(text[i] as string);
        i = norm(i + 1);
      }
    }
    return n;
  };

  const directives: Directive[] = [];

  /** A directive whose `#` (or `%:`) is at `i`, on the logical line beginning at `begin`. */
  const readDirective = (i: number, begin: number): number => {
    if (text[i] === '%') i = norm(i + 1);
    i = norm(i + 1);
    // Blanks and comments between '#' and the name.
    for (;;) {
      if (isBlank(text[i])) i = norm(i + 1);
      else if (text[i] === '/' && text[norm(i + 1)] === '*') i = skipBlockComment(norm(norm(i + 1) + 1));
      else break;
    }
    const keywordStart = i;
    let name = '';
    while (isWordCode(text.charCodeAt(i))) {
      const from = i;
      while (isWordCode(text.charCodeAt(i))) i++;
      name += text.slice(from, i);
      i = norm(i);
    }
    const keywordEnd = i;
    const textStart = i;
    let body = '';
    const add = (c: string): void => {
      body += c === '\n' || c === '\r' ? ' ' : c;
    };
    const addSpace = (c: string): void => {
      body += c === '\t' ? '\t' : ' ';
    };
    while (i < n) {
      // Plain text up to the next character that may matter is taken as one slice.
      DIRECTIVE_STOP.lastIndex = i;
      const stop = DIRECTIVE_STOP.test(text) ? DIRECTIVE_STOP.lastIndex - 1 : n;
      if (stop > i) body += text.slice(i, stop);
      i = stop;
      if (i >= n || text.charCodeAt(i) === 10) break;
      const c = text[i] as string;
      // A splice: skipped; a backslash that is not one is text like any other character.
      const spliced = c === '\\' ? norm(i) : i;
      if (spliced !== i) {
        i = spliced;
        continue;
      }
      const j = norm(i + 1);
      if (c === '/' && text[j] === '*') {
        // A comment with no splice before its end: each of its characters is a blank (tabs kept).
        const end = text.indexOf('*/', j + 1);
        if (end >= 0 && backslashFrom(i) > end + 1) {
          body += text.slice(i, end + 2).replace(/[^\t]/g, ' ');
          i = norm(end + 2);
        } else {
          body += '  ';
          i = skipBlockComment(norm(j + 1), addSpace);
        }
      } else if (c === '/' && text[j] === '/') {
        while (i < n && text[i] !== '\n') i = norm(i + 1);
      } else if (c === '"' || c === "'") {
        add(c);
        i = skipLiteral(j, c, add);
      } else {
        if (!(c === '\r' && text[i + 1] === '\n')) add(c);
        i = j;
      }
    }
    const line = lineOf(begin);
    const endLine = lineOf(i >= n ? n - 1 : i);
    directives.push({
      kind: CONDITIONALS.has(name) ? (name as ConditionalKind) : 'other',
      name,
      line,
      endLine,
      text: body,
      textColumn: line === endLine ? textStart - (lineStarts[line - 1] as number) + 1 : undefined,
      keywordStart,
      keywordEnd,
    });
    return i;
  };

  // The main loop reads char codes (no one-character strings) and looks for a splice only where
  // a backslash is: most of a file is ordinary code skipped by one regex search per line.
  const next = (i: number): number => (text.charCodeAt(i) === 92 ? norm(i) : i);
  let i = norm(0);
  let lineStart = true;
  let begin = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      lineStart = true;
      begin = i + 1;
      i = next(i + 1);
      continue;
    }
    // Blanks: space, tab, form feed, vertical tab, carriage return.
    if (c === 32 || c === 9 || c === 12 || c === 11 || c === 13) {
      i = next(i + 1);
      continue;
    }
    const j = next(i + 1);
    if (c === 47) {
      const d = text.charCodeAt(j);
      if (d === 42) {
        i = skipBlockComment(norm(j + 1));
        continue;
      }
      if (d === 47) {
        while (i < n && text.charCodeAt(i) !== 10) i = next(i + 1);
        continue;
      }
    }
    if (lineStart && (c === 35 || (c === 37 && text.charCodeAt(j) === 58))) {
      i = readDirective(i, begin);
      continue;
    }
    lineStart = false;
    if (c === 34 || c === 39) {
      i = skipLiteral(j, c === 34 ? '"' : "'");
      continue;
    }
    // An ordinary character in code: jump to the next one that can matter (line end, comment,
    // literal, backslash splice) instead of walking every character of the line.
    CODE_STOP.lastIndex = j;
    i = CODE_STOP.test(text) ? next(CODE_STOP.lastIndex - 1) : n;
  }

  const { groups, roots } = buildGroups(directives, file);
  return new Report(file, text, lineStarts, directives, groups, roots);
}

/** A ScanReport whose `lines` are split when first read (building a manifest reads few, if any). */
class Report implements ScanReport {
  #lines: string[] | undefined;
  constructor(
    readonly file: string,
    readonly text: string,
    readonly lineStarts: number[],
    readonly directives: Directive[],
    readonly groups: CondGroup[],
    readonly roots: number[],
  ) {}

  get lines(): string[] {
    return (this.#lines ??= splitRecords(this.text));
  }
}

interface DraftGroup extends Omit<CondGroup, 'end'> {
  end: Directive | undefined;
}

function buildGroups(directives: Directive[], file: string): { groups: CondGroup[]; roots: number[] } {
  const groups: DraftGroup[] = [];
  const roots: number[] = [];
  const stack: DraftGroup[] = [];
  const fail = (message: string, d: Directive): never => {
    throw new CppError(message, { file, line: d.line });
  };
  for (const d of directives) {
    const top = stack[stack.length - 1];
    switch (d.kind) {
      case 'if':
      case 'ifdef':
      case 'ifndef': {
        const parentBranch = top ? top.branches.length - 1 : undefined;
        const g: DraftGroup = {
          index: groups.length,
          parent: top?.index,
          parentBranch,
          depth: stack.length,
          branches: [{ directive: d, firstLine: d.endLine + 1, lastLine: d.endLine, children: [] }],
          end: undefined,
        };
        if (top) top.branches[top.branches.length - 1]?.children.push(g.index);
        else roots.push(g.index);
        d.group = g.index;
        d.branch = 0;
        groups.push(g);
        stack.push(g);
        break;
      }
      case 'elif':
      case 'elifdef':
      case 'elifndef':
      case 'else': {
        if (!top) return fail(`#${d.name} without #if`, d);
        const last = top.branches[top.branches.length - 1] as CondBranch;
        if (last.directive.kind === 'else') {
          return fail(`#${d.name} after #else (the #else is at line ${last.directive.line})`, d);
        }
        last.lastLine = d.line - 1;
        d.group = top.index;
        d.branch = top.branches.length;
        top.branches.push({ directive: d, firstLine: d.endLine + 1, lastLine: d.endLine, children: [] });
        break;
      }
      case 'endif': {
        if (!top) return fail('#endif without #if', d);
        const last = top.branches[top.branches.length - 1] as CondBranch;
        last.lastLine = d.line - 1;
        top.end = d;
        d.group = top.index;
        stack.pop();
        break;
      }
      case 'other':
        break;
    }
  }
  const open = stack[stack.length - 1];
  if (open) {
    const d = (open.branches[0] as CondBranch).directive;
    fail(`unterminated #${d.name}`, d);
  }
  return { groups: groups as CondGroup[], roots };
}
