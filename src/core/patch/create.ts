/**
 * Create a file diff from two texts: jsdiff computes the hunks, this module shapes them like
 * `git diff` / `diff -up`: -p1 `a/` `b/` names, no timestamps, `diff --git` header with
 * new/deleted file mode, and the function context after `@@` like GNU diff's `-p`.
 */
import { structuredPatch } from 'diff';
import type { FilePatch, Hunk, LineEnding } from './model.js';

export interface CreateOptions {
  /** Context lines around each change (default 3, as diff -u and git diff). */
  context?: number;
  /** Put the nearest preceding "function" line after `@@`, like `diff -p` (default true). */
  funcContext?: boolean;
  /** File mode written in `new file mode` / `deleted file mode` (default '100644'). */
  mode?: string;
}

/** GNU diff's default `-p` regex: a line starting with a letter, `_` or `$`. */
const FUNCTION_LINE = /^[A-Za-z_$]/;
/** GNU diff shows at most this many characters of the function line. */
const FUNCTION_WIDTH = 40;

/**
 * The file diff that turns `oldText` into `newText` for `path` (a tree path, without a/ b/).
 * null = the file does not exist on that side. Returns null when nothing changes (equal texts,
 * or both null).
 *
 * Edge cases: a new file has `--- /dev/null` and `new file mode`; a deleted one `+++ /dev/null`
 * and `deleted file mode`; creating or deleting an empty file gives a git-only diff without
 * hunks (as git does). CRLF lines are compared and written with their own endings; a last line
 * without newline gets `\ No newline at end of file`. The section after `@@` is the nearest line
 * above the hunk (in the old text) that starts with a letter, `_` or `$`, cut to 40 characters and
 * stripped of trailing white space (GNU diff -p); none if no such line.
 */
export function createFilePatch(path: string, oldText: string | null, newText: string | null, opts: CreateOptions = {}): FilePatch | null {
  if (oldText === newText || (oldText === null && newText === null)) return null;
  const context = opts.context ?? 3;
  const funcContext = opts.funcContext ?? true;
  const mode = opts.mode ?? '100644';
  const isNew = oldText === null;
  const isDeleted = newText === null;
  const gitHeader = [`diff --git a/${path} b/${path}`];
  if (isNew) gitHeader.push(`new file mode ${mode}`);
  if (isDeleted) gitHeader.push(`deleted file mode ${mode}`);
  const before = oldText ?? '';
  const after = newText ?? '';
  const hunks: Hunk[] = [];
  if (before !== after) {
    const sp = structuredPatch('a', 'b', before, after, undefined, undefined, { context });
    const oldLines = funcContext ? before.split('\n') : [];
    for (const jh of sp.hunks) {
      const h = convertHunk(jh.lines, jh.oldStart, jh.oldLines, jh.newStart, jh.newLines);
      if (funcContext) h.section = functionContext(oldLines, h);
      hunks.push(h);
    }
  }
  return {
    oldFileName: isNew ? '/dev/null' : `a/${path}`,
    newFileName: isDeleted ? '/dev/null' : `b/${path}`,
    oldHeader: undefined,
    newHeader: undefined,
    oldPath: isNew ? null : path,
    newPath: isDeleted ? null : path,
    gitHeader,
    isNew,
    isDeleted,
    hunks,
    preamble: '',
  };
}

/** jsdiff hunk lines ('\r' kept in content, `\` marker pseudo-lines) -> our lines + endings. */
function convertHunk(jsLines: string[], oldStart: number, oldCount: number, newStart: number, newCount: number): Hunk {
  const lines: string[] = [];
  const endings: LineEnding[] = [];
  for (const l of jsLines) {
    if (l.startsWith('\\')) {
      const k = endings.length - 1;
      // The line has no newline at all: a CR we took for part of CRLF is content.
      if (endings[k] === '\r\n') lines[k] += '\r';
      endings[k] = '';
      continue;
    }
    if (l.endsWith('\r')) {
      lines.push(l.slice(0, -1));
      endings.push('\r\n');
    } else {
      lines.push(l);
      endings.push('\n');
    }
  }
  // jsdiff numbers an empty range by the line it precedes; unified diffs by the line it follows.
  return {
    oldStart: oldCount === 0 ? oldStart - 1 : oldStart,
    oldLines: oldCount,
    newStart: newCount === 0 ? newStart - 1 : newStart,
    newLines: newCount,
    section: '',
    lines,
    endings,
  };
}

/** The `diff -p` section of a hunk: nearest function-like line before the hunk's first old line. */
function functionContext(oldLines: string[], h: Hunk): string {
  const firstLine = h.oldLines === 0 ? h.oldStart + 1 : h.oldStart;
  for (let i = firstLine - 2; i >= 0; i--) {
    const l = oldLines[i] ?? '';
    if (FUNCTION_LINE.test(l)) return l.slice(0, FUNCTION_WIDTH).replace(/\s+$/, '');
  }
  return '';
}
