/**
 * The `Pvpatch-Base:` header of a patch: the drop the patch was last refreshed on, and the git
 * blob hash of each file it touches in that drop, so a rebase can always three-way merge against
 * the patch's true base:
 *
 *     Pvpatch-Base: 6.1.0 drivers/block/xen-blkfront.c=1f2e…40hex drivers/xen/xenbus.c=9a0b…
 *
 * A long list continues on further `Pvpatch-Base:` lines with the same version. The hashes are
 * input here (the shell computes them); this module only parses and formats the lines.
 */
import { PatchParseError } from '../errors.js';
import { splitRecords, stripEol } from './lines.js';

export const PVPATCH_BASE_TAG = 'Pvpatch-Base';

export interface PvpatchBase {
  /** The drop's version as upstream/drops.json names it, e.g. "6.1.0" or "2.6.18-xen". */
  version: string;
  /** Path inside the tree → hex blob hash of that file in the drop. */
  blobs: Record<string, string>;
}

const LINE_RE = /^Pvpatch-Base:[ \t]*(.*)$/i;
const HASH_RE = /^[0-9a-f]{4,64}$/;
/** Lines are wrapped before this width (the tag and version repeat on every line). */
const WRAP = 100;

/**
 * Read the `Pvpatch-Base:` line(s) of a patch's header text (everything before the diff; a whole
 * patch works too — the search stops at the first `diff --git`, `--- ` or `Index: ` line).
 * Returns undefined when there is none. Throws PatchParseError (at `file:line`) for a line
 * without a version, an entry that is not `path=hash`, a hash that is not 4-64 lower-case hex
 * digits, lines naming different versions, or one path given two different hashes.
 * The tag matches case-insensitively; entries may repeat identically.
 */
export function parsePvpatchBase(header: string, file = '<patch>'): PvpatchBase | undefined {
  let version: string | undefined;
  // A Map, not an object: a path such as "__proto__" must stay an ordinary key.
  const blobs = new Map<string, string>();
  const lines = splitRecords(header).map(stripEol);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (/^(diff --git |--- |Index: )/.test(line)) break;
    const m = LINE_RE.exec(line);
    if (!m) continue;
    const where = { file, line: i + 1 };
    const words = (m[1] ?? '').trim().split(/\s+/).filter((w) => w !== '');
    const first = words[0];
    if (first === undefined) throw new PatchParseError(`${PVPATCH_BASE_TAG}: missing drop version`, where);
    if (first.includes('=')) throw new PatchParseError(`${PVPATCH_BASE_TAG}: expected "<version> <path>=<hash> …", got "${first}" first`, where);
    if (version !== undefined && version !== first) {
      throw new PatchParseError(`${PVPATCH_BASE_TAG}: version "${first}" differs from "${version}" on an earlier line`, where);
    }
    version = first;
    for (const w of words.slice(1)) {
      const eq = w.lastIndexOf('=');
      const path = w.slice(0, eq);
      const hash = w.slice(eq + 1);
      if (eq <= 0 || !HASH_RE.test(hash)) throw new PatchParseError(`${PVPATCH_BASE_TAG}: bad entry "${w}" (expected <path>=<hex blob hash>)`, where);
      const known = blobs.get(path);
      if (known !== undefined && known !== hash) throw new PatchParseError(`${PVPATCH_BASE_TAG}: ${path} given twice with different hashes`, where);
      blobs.set(path, hash);
    }
  }
  return version === undefined ? undefined : { version, blobs: Object.fromEntries(blobs) };
}

/**
 * The `Pvpatch-Base:` line(s) for a base: paths sorted, wrapped before 100 columns (an entry
 * longer than that gets a line of its own). Throws InputError-kind PatchParseError for what
 * could not be read back: an empty or whitespace-containing version or path, a path with `=` in
 * the version, or a hash that is not 4-64 lower-case hex digits. No blobs: one line with the
 * version only.
 */
export function formatPvpatchBase(base: PvpatchBase): string[] {
  if (base.version === '' || /\s|=/.test(base.version)) throw new PatchParseError(`${PVPATCH_BASE_TAG}: bad version "${base.version}"`);
  const head = `${PVPATCH_BASE_TAG}: ${base.version}`;
  const entries = Object.keys(base.blobs)
    .sort()
    .map((path) => {
      const hash = base.blobs[path] ?? '';
      if (path === '' || /\s/.test(path)) throw new PatchParseError(`${PVPATCH_BASE_TAG}: path "${path}" cannot be written (empty or with whitespace)`);
      if (!HASH_RE.test(hash)) throw new PatchParseError(`${PVPATCH_BASE_TAG}: bad hash "${hash}" for ${path}`);
      return `${path}=${hash}`;
    });
  const lines: string[] = [];
  let cur = head;
  for (const e of entries) {
    if (cur !== head && cur.length + 1 + e.length > WRAP) {
      lines.push(cur);
      cur = head;
    }
    cur += ` ${e}`;
  }
  lines.push(cur);
  return lines;
}

/**
 * The header text with its `Pvpatch-Base:` line(s) replaced by those of `base` (at the place of
 * the first old one), or — when it has none — added as a trailer at the end of the message:
 * before the `---` line that starts git-format-patch's diffstat (or the first diff line), after a
 * blank line unless the message body already ends with trailer-like `Key: value` lines. Keeps the
 * header's line terminator (CRLF stays CRLF). `base` undefined removes the lines.
 */
export function setPvpatchBase(header: string, base: PvpatchBase | undefined): string {
  const records = splitRecords(header);
  const eol = records.some((r) => r.endsWith('\r\n')) ? '\r\n' : '\n';
  const newLines = base ? formatPvpatchBase(base).map((x) => x + eol) : [];
  let end = records.findIndex((r) => /^(---\s*$|--- |diff --git |Index: )/.test(stripEol(r)));
  if (end < 0) end = records.length;
  const isBase = (r: string): boolean => LINE_RE.test(stripEol(r));
  const first = records.findIndex((r, i) => i < end && isBase(r));
  if (first >= 0) {
    const kept = records.filter((r, i) => i >= end || !isBase(r));
    kept.splice(first, 0, ...newLines);
    return kept.join('');
  }
  if (newLines.length === 0) return header;
  let at = end;
  while (at > 0 && stripEol(records[at - 1] ?? '').trim() === '') at--;
  const before = records.slice(0, at);
  const last = before[before.length - 1];
  if (last !== undefined && !last.endsWith('\n')) before[before.length - 1] = last + eol;
  // Trailer-like `Key: value` lines only count in the message body (after the mail headers).
  const inBody = before.some((r) => stripEol(r).trim() === '');
  const trailerLike = inBody && last !== undefined && /^[A-Za-z][\w-]*:\s/.test(stripEol(last));
  const sep = before.length === 0 || trailerLike ? [] : [eol];
  const after = records.slice(at);
  return [...before, ...sep, ...newLines, ...after].join('');
}
