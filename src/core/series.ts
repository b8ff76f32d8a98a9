import { ConfigError } from './errors.js';

/** One line of patches/series. */
export interface SeriesEntry {
  /** Path relative to patches/, e.g. "blkfront/elevator-noop.patch". */
  name: string;
  /** The first path component ("blkfront"), or "" for a patch at the top level. */
  subsystem: string;
  /** 1-based line in the series file. */
  line: number;
}

const NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9._+-]*(\/[A-Za-z0-9_][A-Za-z0-9._+-]*)*$/;

/** The subsystem of a series name: its first directory, or "" when it has none. */
export function subsystemOf(name: string): string {
  const i = name.indexOf('/');
  return i < 0 ? '' : name.slice(0, i);
}

/**
 * Parse a quilt series file: one patch per line, `#` comments, blank lines, an optional `-p1`
 * (the only strip level pvpatch writes; any other -pN is refused). Names must stay inside
 * patches/ (no `..`, no absolute paths) and appear once.
 */
export function parseSeries(text: string, file = 'patches/series'): SeriesEntry[] {
  const entries: SeriesEntry[] = [];
  const seen = new Map<string, number>();
  text.split('\n').forEach((raw, i) => {
    const line = i + 1;
    const content = raw.replace(/\r$/, '').replace(/(^|\s)#.*$/, '').trim();
    if (content === '') return;
    const [name, ...opts] = content.split(/\s+/);
    if (name === undefined) return;
    for (const o of opts) {
      if (o !== '-p1') throw new ConfigError(`unsupported option "${o}" for ${name} (pvpatch patches are -p1)`, { file, line });
    }
    if (!NAME_RE.test(name) || name.split('/').some((p) => p === '..' || p === '.')) {
      throw new ConfigError(`bad patch name "${name}" (expected subsystem/name.patch inside patches/)`, { file, line });
    }
    const prev = seen.get(name);
    if (prev !== undefined) throw new ConfigError(`${name} is listed twice (first at line ${prev})`, { file, line });
    seen.set(name, line);
    entries.push({ name, subsystem: subsystemOf(name), line });
  });
  return entries;
}

/** The series file text for a list of names (one per line, trailing newline). */
export function formatSeries(names: readonly string[]): string {
  return names.map((n) => `${n}\n`).join('');
}
