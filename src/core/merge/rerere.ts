/**
 * Recorded resolutions, like git rerere: a conflict resolved once is resolved the same way when
 * it comes back. Pure: the cache is a plain map from a conflict's key to its preimage (the
 * conflict as markers show it) and postimage (the lines that resolved it); the shell persists it
 * as `.pvpatch/rr-cache/<key>/{preimage,postimage}` and passes it back in.
 */
import { appendAll, splitRecords, stripEol } from './lines.js';
import { MARKER_SIZE } from './diff3.js';

/** The three sides of a conflict (lines without terminators). */
export interface ConflictSides {
  base: readonly string[];
  ours: readonly string[];
  theirs: readonly string[];
}

/** A function from text to a hex digest, e.g. the shell's sha1 from node:crypto. */
export type Hasher = (text: string) => string;

/**
 * A small pure 64-bit string hash (two FNV-1a lanes over UTF-16 code units, finalised with a
 * murmur-style mix), as 16 hex digits. Not cryptographic: enough to key a cache whose entries
 * are checked against their preimage. "" hashes fine.
 */
export function hashText(text: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0xcbf29ce4;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 13;
  }
  const fin = (h: number, seed: number): number => {
    let x = (h ^ seed) >>> 0;
    x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
    x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
    return (x ^ (x >>> 16)) >>> 0;
  };
  const a = fin(h1 ^ Math.imul(h2, 0x27d4eb2f), text.length);
  const b = fin(h2 ^ Math.imul(h1, 0x165667b1), ~text.length);
  return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
}

/** Lines as a conflict key sees them: no terminator, no trailing blanks. */
function normalize(lines: readonly string[]): string[] {
  return lines.map((x) => x.replace(/\s+$/, ''));
}

/**
 * The conflict as a preimage file shows it: markers without labels (labels vary from run to
 * run, the conflict does not), normalized lines, "\n" terminators.
 */
export function preimageText(c: ConflictSides): string {
  const m = (ch: string): string => ch.repeat(MARKER_SIZE);
  return [m('<'), ...normalize(c.ours), m('|'), ...normalize(c.base), m('='), ...normalize(c.theirs), m('>')].join('\n') + '\n';
}

/**
 * The stable key of a conflict: the hash of its preimage text. Trailing whitespace and line
 * terminators do not change the key (a CRLF copy of a conflict is the same conflict); which side
 * is ours does (the patch is always ours). Pass the shell's sha1 as `hash` for git-like keys.
 */
export function conflictKey(c: ConflictSides, hash: Hasher = hashText): string {
  return hash(preimageText(c));
}

/** What the cache holds for one key: the files of `.pvpatch/rr-cache/<key>/`. */
export interface RecordedResolution {
  /** preimageText of the conflict. */
  preimage: string;
  /** The resolving lines, "\n"-terminated ("" for a resolution that removes the region). */
  postimage: string;
}

export type ResolutionCache = ReadonlyMap<string, RecordedResolution>;

/**
 * A copy of `cache` with the resolution of conflict `c` (under `key`, see conflictKey) set to
 * `lines`; an earlier resolution of the same key is replaced. `cache` itself is not changed.
 */
export function recordResolution(cache: ResolutionCache, key: string, c: ConflictSides, lines: readonly string[]): Map<string, RecordedResolution> {
  const next = new Map(cache);
  next.set(key, { preimage: preimageText(c), postimage: lines.map((x) => `${x}\n`).join('') });
  return next;
}

/**
 * The recorded resolving lines for `key`, or undefined. With `c`, the entry must also have been
 * recorded for that very conflict (its preimage must match), so a key collision — or a hand-edited
 * cache — never resolves the wrong conflict.
 */
export function lookupResolution(cache: ResolutionCache, key: string, c?: ConflictSides): string[] | undefined {
  const entry = cache.get(key);
  if (!entry) return undefined;
  if (c && entry.preimage !== preimageText(c)) return undefined;
  return splitRecords(entry.postimage).map(stripEol);
}

/** A conflict found in a text by its markers. */
export interface MarkedConflict extends ConflictSides {
  /** 0-based line of the `<<<<<<<` marker and one past the `>>>>>>>` marker. */
  start: number;
  end: number;
}

const OPEN = /^<{7}(?:[ \t].*)?$/;
const BASE = /^\|{7}(?:[ \t].*)?$/;
const SEP = /^={7}$/;
const CLOSE = /^>{7}(?:[ \t].*)?$/;

/**
 * The conflicts marked in a text: diff3 style (`<<<<<<<`, `|||||||`, `=======`, `>>>>>>>`) or
 * merge style (no `|||||||` section: base is []). Markers may carry labels and CRLF; an
 * unterminated or malformed marker block is not a conflict (its lines stay ordinary text).
 */
export function findConflicts(text: string): MarkedConflict[] {
  const lines = splitRecords(text).map(stripEol);
  const out: MarkedConflict[] = [];
  let i = 0;
  while (i < lines.length) {
    if (!OPEN.test(lines[i] ?? '')) {
      i++;
      continue;
    }
    const parsed = parseBlock(lines, i);
    if (parsed) {
      out.push(parsed);
      i = parsed.end;
    } else {
      i++;
    }
  }
  return out;
}

function parseBlock(lines: readonly string[], start: number): MarkedConflict | undefined {
  const ours: string[] = [];
  const base: string[] = [];
  const theirs: string[] = [];
  let part: 'ours' | 'base' | 'theirs' = 'ours';
  for (let k = start + 1; k < lines.length; k++) {
    const line = lines[k] ?? '';
    if (OPEN.test(line)) return undefined;
    if (part === 'ours' && BASE.test(line)) {
      part = 'base';
    } else if ((part === 'ours' || part === 'base') && SEP.test(line)) {
      part = 'theirs';
    } else if (part === 'theirs' && CLOSE.test(line)) {
      return { start, end: k + 1, ours, base, theirs };
    } else {
      (part === 'ours' ? ours : part === 'base' ? base : theirs).push(line);
    }
  }
  return undefined;
}

export interface AppliedResolutions {
  text: string;
  /** The conflicts replaced, with the key and the 1-based line where the resolution starts. */
  resolved: { key: string; line: number }[];
  /** The conflicts left with markers (positions in the returned text). */
  remaining: MarkedConflict[];
}

/**
 * Replace every marked conflict of `text` that has a recorded resolution (key and preimage
 * match) by its resolving lines, terminated like the block's `<<<<<<<` line. Conflicts without
 * one keep their markers. A text without markers comes back unchanged.
 */
export function applyResolutions(text: string, cache: ResolutionCache, hash: Hasher = hashText): AppliedResolutions {
  const records = splitRecords(text);
  const out: string[] = [];
  const resolved: { key: string; line: number }[] = [];
  let pos = 0;
  for (const c of findConflicts(text)) {
    for (; pos < c.start; pos++) out.push(records[pos] ?? '');
    const key = conflictKey(c, hash);
    const lines = lookupResolution(cache, key, c);
    if (lines) {
      const eol = (records[c.start] ?? '').endsWith('\r\n') ? '\r\n' : '\n';
      resolved.push({ key, line: out.length + 1 });
      appendAll(out, lines.map((x) => x + eol));
    } else {
      for (let k = c.start; k < c.end; k++) out.push(records[k] ?? '');
    }
    pos = c.end;
  }
  for (; pos < records.length; pos++) out.push(records[pos] ?? '');
  const result = out.join('');
  return { text: result, resolved, remaining: findConflicts(result) };
}
