/**
 * The patch model: jsdiff's structured patch shape (STYLE.md, "one internal patch model"),
 * extended with what a curated, git-format-patch style patch file needs:
 *
 *   PatchFile  = header (From/Subject/description/---/diffstat, byte-exact)
 *                + files (one FilePatch per `diff --git` / `---`+`+++` block)
 *                + trailer (text after the last hunk, e.g. the `-- \n2.39.0\n` signature)
 *   FilePatch  = jsdiff's StructuredPatch + -p1 paths, git extended headers, new/deleted flags
 *   Hunk       = jsdiff's StructuredPatchHunk + section (function context) + per-line endings
 *
 * Line content never contains the line terminator: `lines[i]` is the prefix (' ', '-', '+')
 * followed by the content, and `endings[i]` is the terminator the line had ('\n' or '\r\n'),
 * or '' when the line is the last line of its file and has no newline — the patch text then
 * carries a `\ No newline at end of file` marker after it. So a hunk is shape-compatible with
 * jsdiff, but the no-newline information lives in `endings`, not as a `\` pseudo-line in `lines`.
 *
 * `source` fields hold the exact text a node was parsed from, together with a key of its
 * semantic fields at parse time: formatPatch() re-emits the source text byte for byte while the
 * node is unchanged, and renders it canonically as soon as any semantic field was edited.
 */
import type { StructuredPatch, StructuredPatchHunk } from 'diff';

/** A line terminator. '' = no newline at end of file (only on the last line of a side). */
export type LineEnding = '\n' | '\r\n' | '';

/** The exact text a node was parsed from, valid while `key` still equals the node's key. */
export interface Source {
  text: string;
  key: string;
}

/** A hunk's fields as parsed (the arrays copied): what formatHunk compares to reuse the hunk's text. */
export interface HunkState {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  section: string;
  lines: readonly string[];
  endings: readonly LineEnding[];
}

/** A hunk's text as read, and its state then (kept by copying two arrays, not by serialising them). */
export interface HunkSource {
  text: string;
  was: HunkState;
}

export interface Hunk extends StructuredPatchHunk {
  /** As written in the `@@` header: for an empty range (count 0) the line *after which* the hunk applies. */
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  /** Text after the closing `@@` without the one separating space, e.g. `static int blkif_open(...)`; '' if none. */
  section: string;
  /** ' ', '-' or '+' followed by the line content (no terminator). */
  lines: string[];
  /** Terminator of each line (same length as `lines`); '' = `\ No newline at end of file` after it. */
  endings: LineEnding[];
  source?: HunkSource;
}

export interface FilePatch extends StructuredPatch {
  /** The old name as written in `---` (unquoted, timestamp removed), e.g. `a/blkfront.c`, or `/dev/null`. */
  oldFileName: string;
  /** The new name as written in `+++`, e.g. `b/blkfront.c`, or `/dev/null`. */
  newFileName: string;
  /** Text after the tab that ends the old name (a timestamp), or undefined. */
  oldHeader: string | undefined;
  newHeader: string | undefined;
  /** Path inside the tree (one leading component stripped, -p1); null for /dev/null (new file). */
  oldPath: string | null;
  /** Path inside the tree; null for /dev/null (deleted file). */
  newPath: string | null;
  /** `diff --git` and the extended header lines after it (index, new file mode, rename from...), no terminators. */
  gitHeader: string[];
  isNew: boolean;
  isDeleted: boolean;
  hunks: Hunk[];
  /** Raw text between the previous file diff and this one (e.g. `Index:` or `diff -up` lines); '' usually. */
  preamble: string;
  /** Exact text of the file header (gitHeader, `---`, `+++` lines), see the module comment. */
  source?: Source;
}

export interface PatchFile {
  /** Everything before the first file diff, byte-exact: mail headers, description, `---`, diffstat. */
  header: string;
  files: FilePatch[];
  /** Everything after the last hunk of the last file, byte-exact (e.g. `-- \n2.39.0\n`). */
  trailer: string;
}

/** One line of one side of a hunk. */
export interface SideLine {
  content: string;
  ending: LineEnding;
}

/** The lines a hunk expects in the old file (context and '-' lines), in order. */
export function oldSide(h: Hunk): SideLine[] {
  return side(h, '-');
}

/** The lines a hunk leaves in the new file (context and '+' lines), in order. */
export function newSide(h: Hunk): SideLine[] {
  return side(h, '+');
}

function side(h: Hunk, own: '-' | '+'): SideLine[] {
  const out: SideLine[] = [];
  h.lines.forEach((line, i) => {
    const op = line[0];
    if (op === ' ' || op === own) out.push({ content: line.slice(1), ending: h.endings[i] ?? '\n' });
  });
  return out;
}

/** What a file diff does, derived from paths and git headers. */
export type FileOperation = 'modify' | 'create' | 'delete' | 'rename' | 'copy';

/**
 * The operation of a file diff: create (`--- /dev/null` or `new file mode`), delete
 * (`+++ /dev/null` or `deleted file mode`), rename / copy (git `rename from` / `copy from`
 * headers, or old and new paths that differ), else modify.
 */
export function fileOperation(fp: FilePatch): FileOperation {
  if (fp.isNew || fp.oldPath === null) return 'create';
  if (fp.isDeleted || fp.newPath === null) return 'delete';
  if (fp.gitHeader.some((l) => l.startsWith('copy from '))) return 'copy';
  if (fp.gitHeader.some((l) => l.startsWith('rename from ')) || fp.oldPath !== fp.newPath) return 'rename';
  return 'modify';
}

/** The path a file diff is about: the new path, or the old one for a deletion. */
export function filePatchPath(fp: FilePatch): string {
  return fp.newPath ?? fp.oldPath ?? '';
}

/** The parts of a git-format-patch header. */
export interface PatchDescription {
  /** `From:` author, if present. */
  author?: string;
  /** `Date:`, if present. */
  date?: string;
  /** Subject without `[PATCH n/m]` prefix; unfolded (continuation lines joined with one space). */
  subject: string;
  /** The description between the subject and the `---` separator, trimmed of blank lines at both ends. */
  body: string;
}

/**
 * Subject and description of a patch header.
 * - git-format-patch / mbox headers: the `Subject:` header (folded lines unfolded, a leading
 *   `[PATCH ...]` tag removed), the body is what follows the blank line after the mail headers,
 *   up to the `---` line that precedes the diffstat.
 * - a plain text header (quilt style): the first non-blank line is the subject, the rest
 *   (up to `---` or the end) the body.
 * - CRLF headers are read like LF ones. An empty header gives subject '' and body ''.
 */
export function describePatch(header: string): PatchDescription {
  const lines = header.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  let i = 0;
  const desc: PatchDescription = { subject: '', body: '' };
  if (lines[0]?.startsWith('From ') && !lines[0].startsWith('From: ')) i++;
  // Mail headers start with From:/Subject:/Date: (a quilt subject like "netfront: fix rx" is not one).
  if (i > 0 || /^(?:From|Subject|Date): /i.test(lines[i] ?? '')) {
    while (i < lines.length && lines[i] !== '') {
      const l = lines[i] ?? '';
      let value = l.slice(l.indexOf(':') + 1).trim();
      const name = l.slice(0, l.indexOf(':')).toLowerCase();
      i++;
      while (i < lines.length && /^[ \t]/.test(lines[i] ?? '')) {
        value += ' ' + (lines[i] ?? '').trim();
        i++;
      }
      if (name === 'subject') desc.subject = value.replace(/^\[PATCH[^\]]*\]\s*/i, '');
      else if (name === 'from') desc.author = value;
      else if (name === 'date') desc.date = value;
    }
  } else {
    while (i < lines.length && (lines[i] ?? '').trim() === '') i++;
    if (i < lines.length && lines[i] !== '---') desc.subject = (lines[i++] ?? '').trim();
  }
  const body: string[] = [];
  for (; i < lines.length && lines[i] !== '---'; i++) body.push(lines[i] ?? '');
  while (body.length > 0 && (body[0] ?? '').trim() === '') body.shift();
  while (body.length > 0 && (body[body.length - 1] ?? '').trim() === '') body.pop();
  desc.body = body.join('\n');
  return desc;
}
