/**
 * Patch model -> text. formatPatch(parsePatch(t)) === t for every t that parses (byte for byte):
 * parsed nodes carry their source text and re-emit it while unchanged. Edited or constructed
 * nodes are rendered canonically: standard -p1 `a/` `b/` unified diffs as `git diff` writes them.
 */
import type { FilePatch, Hunk, HunkState, PatchFile } from './model.js';

/** The standard no-newline marker line (without terminator). */
export const NO_NEWLINE_MARKER = '\\ No newline at end of file';

/**
 * The whole patch file: header, each file diff, trailer.
 * Edge cases: a PatchFile with no files renders header + trailer; nodes whose `source` key no
 * longer matches their fields (they were edited) are rendered canonically, the rest byte-exact.
 */
export function formatPatch(p: PatchFile): string {
  let out = p.header;
  for (const fp of p.files) out += formatFilePatch(fp);
  return out + p.trailer;
}

/**
 * One file diff: its preamble, its header (`diff --git` + extended headers, then `---`/`+++`
 * when it has hunks) and its hunks.
 * Canonical names: `/dev/null` for a missing side; `oldFileName`/`newFileName` when they still
 * name `oldPath`/`newPath` after stripping one component, else `a/<oldPath>` / `b/<newPath>`;
 * names with `"`, `\` or control characters are C-quoted like git; a name with a space and no
 * timestamp gets a trailing tab (as git does, so GNU patch reads the whole name).
 */
export function formatFilePatch(fp: FilePatch): string {
  let out = fp.preamble;
  out += fp.source !== undefined && fp.source.key === fileKey(fp) ? fp.source.text : renderFileHeader(fp);
  for (const h of fp.hunks) out += formatHunk(h);
  return out;
}

/**
 * One hunk: the `@@` line and its body. Counts of 1 are omitted (`@@ -5 +5,2 @@`) like GNU diff
 * and git; a line whose ending is '' is followed by `\ No newline at end of file`.
 */
export function formatHunk(h: Hunk): string {
  if (h.source !== undefined && sameState(h, h.source.was)) return h.source.text;
  let out = `@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@${h.section === '' ? '' : ' ' + h.section}\n`;
  h.lines.forEach((line, i) => {
    const ending = h.endings[i] ?? '\n';
    out += ending === '' ? `${line}\n${NO_NEWLINE_MARKER}\n` : line + ending;
  });
  return out;
}

function range(start: number, count: number): string {
  return count === 1 ? `${start}` : `${start},${count}`;
}

function renderFileHeader(fp: FilePatch): string {
  let out = '';
  for (const l of fp.gitHeader) out += l + '\n';
  if (fp.hunks.length === 0) return out;
  const oldName = fp.isNew || fp.oldPath === null ? '/dev/null' : pickName(fp.oldFileName, fp.oldPath, 'a/');
  const newName = fp.isDeleted || fp.newPath === null ? '/dev/null' : pickName(fp.newFileName, fp.newPath, 'b/');
  out += `--- ${renderName(oldName, fp.oldHeader)}\n`;
  out += `+++ ${renderName(newName, fp.newHeader)}\n`;
  return out;
}

function pickName(written: string, path: string, prefix: string): string {
  const slash = written.indexOf('/');
  if (written !== '/dev/null' && slash > 0 && written.slice(slash + 1) === path) return written;
  return prefix + path;
}

function renderName(name: string, header: string | undefined): string {
  const quoted = needsQuoting(name);
  const shown = quoted ? quotePath(name) : name;
  if (header !== undefined && header !== '') return `${shown}\t${header}`;
  return !quoted && name.includes(' ') ? `${shown}\t` : shown;
}

/** Whether git would C-quote this path (it contains `"`, `\` or a control character). */
export function needsQuoting(name: string): boolean {
  for (const ch of name) if (ch === '"' || ch === '\\' || ch < ' ' || ch === '\x7f') return true;
  return false;
}

const ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\v': '\\v' };

/** A path in git's C-quoted form: `"a/x\"y"`; other control characters as 3-digit octal escapes. */
export function quotePath(name: string): string {
  let out = '"';
  for (const ch of name) {
    const esc = ESCAPES[ch];
    if (esc !== undefined) out += esc;
    else if (ch < ' ' || ch === '\x7f') out += '\\' + ch.charCodeAt(0).toString(8).padStart(3, '0');
    else out += ch;
  }
  return out + '"';
}

/** The state of `h` now, to compare later (sameState). */
export function hunkState(h: Hunk): HunkState {
  return { oldStart: h.oldStart, oldLines: h.oldLines, newStart: h.newStart, newLines: h.newLines, section: h.section, lines: h.lines.slice(), endings: h.endings.slice() };
}

/** Is `h` as it was (every field and line the same)? */
export function sameState(h: Hunk, was: HunkState): boolean {
  if (h.oldStart !== was.oldStart || h.oldLines !== was.oldLines || h.newStart !== was.newStart || h.newLines !== was.newLines || h.section !== was.section) return false;
  return sameItems(h.lines, was.lines) && sameItems(h.endings, was.endings);
}

function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Semantic key of a hunk: its fields as one string (refresh compares hunks by it). */
export function hunkKey(h: Hunk): string {
  return JSON.stringify([h.oldStart, h.oldLines, h.newStart, h.newLines, h.section, h.lines, h.endings]);
}

/** Semantic key of a file header (paths, names, timestamps, git headers, flags, whether it has hunks). */
export function fileKey(fp: FilePatch): string {
  return JSON.stringify([
    fp.oldFileName, fp.newFileName, fp.oldHeader ?? null, fp.newHeader ?? null, fp.oldPath, fp.newPath,
    fp.gitHeader, fp.isNew, fp.isDeleted, fp.hunks.length > 0,
  ]);
}
