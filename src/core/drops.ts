import { ConfigError } from './errors.js';
import { parseJsonText } from './json.js';

export interface Drop {
  version: string;
  /** Where it came from: "dir:/path", "tar:/path/x.tar.gz", "git:URL#REF", "deb:linux-source-6.12=…". */
  source: string;
  /** ISO date of the import. */
  date: string;
  /** sha256 (hex) of every file of the drop, by tree-relative path. */
  files: Record<string, string>;
}

export interface DropsFile {
  /** Globs of the tracked paths (empty: everything). */
  paths: string[];
  /** The drop the patches are based on (the one `apply` uses by default). */
  current: string;
  /** Oldest first. */
  drops: Drop[];
}

const VERSION_RE = /^[A-Za-z0-9][A-Za-z0-9._+~-]*$/;

/** Is `v` usable as a drop version (and so as a directory name under upstream/)? */
export function isDropVersion(v: string): boolean {
  return VERSION_RE.test(v) && v !== 'drops.json';
}

/** Parse upstream/drops.json; errors name the file (and line:column for bad JSON). */
export function parseDropsFile(text: string, file = 'upstream/drops.json'): DropsFile {
  const data = parseJsonText(text, file) as Partial<DropsFile> | null;
  if (!data || typeof data !== 'object' || !Array.isArray(data.drops)) {
    throw new ConfigError('expected { "paths": [...], "current": "...", "drops": [...] }', { file });
  }
  const paths = Array.isArray(data.paths) ? data.paths.filter((p): p is string => typeof p === 'string') : [];
  const drops: Drop[] = [];
  const seen = new Set<string>();
  for (const d of data.drops as unknown[]) {
    const o = d as Partial<Drop> | null;
    if (!o || typeof o.version !== 'string' || !isDropVersion(o.version)) {
      throw new ConfigError(`drop with a missing or bad "version": ${JSON.stringify(o?.version)}`, { file });
    }
    if (seen.has(o.version)) throw new ConfigError(`drop ${o.version} is listed twice`, { file });
    seen.add(o.version);
    if (typeof o.files !== 'object' || o.files === null) throw new ConfigError(`drop ${o.version}: "files" must map paths to sha256`, { file });
    drops.push({ version: o.version, source: String(o.source ?? ''), date: String(o.date ?? ''), files: { ...o.files } });
  }
  const current = typeof data.current === 'string' ? data.current : drops[drops.length - 1]?.version ?? '';
  if (drops.length > 0 && !seen.has(current)) throw new ConfigError(`"current" names drop ${current}, which is not listed`, { file });
  return { paths, current, drops };
}

export function formatDropsFile(d: DropsFile): string {
  const sorted = (files: Record<string, string>): Record<string, string> =>
    Object.fromEntries(Object.keys(files).sort().map((k) => [k, files[k] as string]));
  return JSON.stringify({ paths: d.paths, current: d.current, drops: d.drops.map((x) => ({ ...x, files: sorted(x.files) })) }, null, 2) + '\n';
}

/** Does `path` match one of the globs? `*` within a component, `**` across components, `?` one char. */
export function matchesGlobs(path: string, globs: readonly string[]): boolean {
  if (globs.length === 0) return true;
  return globs.some((g) => globToRegExp(g).test(path));
}

export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        i++;
        if (glob[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  // A glob naming a directory takes everything below it.
  return new RegExp(`^${re}(?:/.*)?$`);
}
