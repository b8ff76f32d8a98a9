// Apply's per-file results, kept between runs (.pvpatch/cache/apply/, machine-local, never
// committed), the way ccache keeps compiler output: a touched file's annotated text, its manifest
// regions and its hunk outcomes are a function of the drop file's sha256, the patches that touch
// it (their names, the sha256 of their texts, which file diff of each), --fuzz, --no-annotate,
// kernels.json and this cache's format. The key hashes all of them, so an entry is only ever
// reused for the same inputs: edit one patch, and only the files it touches are applied again.
// An entry's text is checked against its sha256 when it is copied into the tree.
import fs from 'node:fs';
import path from 'node:path';
import type { PatchTouches, PlacedOutcome } from '../core/apply-series.js';
import type { ManifestRegion } from '../core/manifest.js';
import { sha256 } from './hash.js';
import { DAMAGED, replaceFileSync, type TreeContent } from './tree-writer-core.js';
import { pidAlive } from './fs.js';
import { APPLY_CACHE_FORMAT } from '../version.js';

// Bumped whenever what apply produces for the same inputs changes (in version.ts: the record of the
// last tree names it, and reading that record loads little).
export { APPLY_CACHE_FORMAT };

/** How many applies' entries are kept (the rest are pruned). */
const KEEP_RUNS = 8;

export interface CacheEntry {
  format: number;
  file: string;
  /** The file is deleted by the series (no text). */
  deleted: boolean;
  /** sha256 of the text (the `.out` file). */
  sha: string;
  regions: ManifestRegion[];
  /** Outcomes by the file's step (its index among the file's diffs), without the series places. */
  outcomes: { step: number; outcome: PlacedOutcome['outcome'] }[];
}

export interface CacheHit {
  key: string;
  entry: CacheEntry;
  /** The entry's text file (absent for a deleted file). */
  text: string;
}

/** A file diff's place in a series: the patch's index, the diff's index in that patch. */
export interface Place {
  patch: number;
  nth: number;
}

/** How many patch texts' touches are kept beyond the current series'. */
const KEEP_TOUCHES = 4000;

function touchFile(root: string): string {
  return path.join(cacheDir(root), 'touches.json');
}

/**
 * What each patch text (by sha256) touches, as its parse found: a patch whose text was parsed before
 * need not be parsed again when all the files it touches are taken from the cache.
 */
export function loadTouches(root: string): Map<string, PatchTouches> {
  try {
    const parsed = JSON.parse(fs.readFileSync(touchFile(root), 'utf8')) as unknown;
    if (parsed && typeof parsed === 'object' && (parsed as { format?: unknown }).format === APPLY_CACHE_FORMAT) {
      return new Map(Object.entries((parsed as { touches: Record<string, PatchTouches> }).touches ?? {}));
    }
  } catch {
    // Missing or unreadable: every patch is parsed.
  }
  return new Map();
}

/** Save the touches, the current series' first (`current`: its patches' sha256), older ones while there is room. */
export function saveTouches(root: string, touches: ReadonlyMap<string, PatchTouches>, current: readonly string[]): void {
  const keep: Record<string, PatchTouches> = {};
  let older = 0;
  for (const sha of current) {
    const t = touches.get(sha);
    if (t) keep[sha] = t;
  }
  for (const [sha, t] of touches) {
    if (keep[sha] || older++ >= KEEP_TOUCHES) continue;
    keep[sha] = t;
  }
  fs.mkdirSync(cacheDir(root), { recursive: true });
  replaceFileSync(touchFile(root), JSON.stringify({ format: APPLY_CACHE_FORMAT, touches: keep }));
}

export function cacheDir(root: string): string {
  return path.join(root, '.pvpatch', 'cache', 'apply');
}

/** The key of a file's result (see the file comment). */
export function entryKey(inputs: { file: string; dropSha: string | null; steps: readonly Place[]; names: readonly string[]; patchShas: readonly string[]; fuzz: number; annotate: boolean; configSha: string; version: string }): string {
  const steps = inputs.steps.map((s) => [inputs.names[s.patch], inputs.patchShas[s.patch], s.nth]);
  return sha256(JSON.stringify([APPLY_CACHE_FORMAT, inputs.version, inputs.file, inputs.dropSha, inputs.fuzz, inputs.annotate, inputs.configSha, steps]));
}

/**
 * The cache as one apply reads it: the names in its directory (listed once) and the index of the
 * entries the last apply used (one file read instead of one per entry; see pruneCache).
 */
export interface CacheView {
  root: string;
  names: Set<string>;
  index: Map<string, CacheEntry>;
}

const INDEX = 'index.json';

export function openCache(root: string): CacheView {
  const dir = cacheDir(root);
  let names: string[] = [];
  try {
    names = fs.readdirSync(dir);
  } catch {
    // No cache yet.
  }
  const index = new Map<string, CacheEntry>();
  if (names.includes(INDEX)) {
    try {
      const parsed = JSON.parse(fs.readFileSync(path.join(dir, INDEX), 'utf8')) as unknown;
      if (parsed && typeof parsed === 'object' && (parsed as { format?: unknown }).format === APPLY_CACHE_FORMAT) {
        for (const [key, entry] of Object.entries((parsed as { entries: Record<string, CacheEntry> }).entries ?? {})) index.set(key, entry);
      }
    } catch {
      // Unreadable index: its entries are not found (their files are applied again).
    }
  }
  return { root, names: new Set(names), index };
}

/**
 * The entry for `key`, if there is a complete one: its JSON in the index (the entries the last
 * apply used) or in a file of its own (an older apply's, see pruneCache) and, unless the file is
 * deleted, its text file. A text damaged or removed after this check fails its copy (DAMAGED), and
 * the file is applied again.
 */
export function lookup(cache: CacheView, key: string): CacheHit | undefined {
  let entry = cache.index.get(key);
  if (!entry) {
    if (!cache.names.has(`${key}.json`)) return undefined;
    try {
      entry = JSON.parse(fs.readFileSync(path.join(cacheDir(cache.root), `${key}.json`), 'utf8')) as CacheEntry;
    } catch {
      return undefined;
    }
  }
  if (!entry || entry.format !== APPLY_CACHE_FORMAT || !Array.isArray(entry.regions) || !Array.isArray(entry.outcomes)) return undefined;
  if (!entry.deleted && !cache.names.has(`${key}.out`)) return undefined;
  return { key, entry, text: entryTextPath(cache.root, key) };
}

/** Where the text of the entry `key` is kept. */
export function entryTextPath(root: string, key: string): string {
  return path.join(cacheDir(root), `${key}.out`);
}

/** entryTextPath relative to the workspace, with '/' (as a tree's record names its sources). */
export function entryTextRel(key: string): string {
  return `.pvpatch/cache/apply/${key}.out`;
}

/** The outcomes of a hit placed in the current series (the file's steps give the places). */
export function placeOutcomes(entry: CacheEntry, steps: readonly Place[]): PlacedOutcome[] | undefined {
  const out: PlacedOutcome[] = [];
  for (const { step, outcome } of entry.outcomes) {
    const s = steps[step];
    if (!s) return undefined;
    out.push({ patch: s.patch, nth: s.nth, outcome });
  }
  return out;
}

/**
 * The file of an entry (see Replace): its text, written through a temp name (none for a deleted
 * file). Its JSON goes in the index (pruneCache), written once the tree is: until then, a reader
 * has no entry (lookup needs both), so either thread may write the text (TreeWriter.help).
 */
export function entryFiles(root: string, key: string, text: string | null): Array<[string, TreeContent]> {
  if (text === null) return [];
  fs.mkdirSync(cacheDir(root), { recursive: true });
  return [[entryTextPath(root, key), { replace: text }]];
}

/**
 * When `message` (a tree writer's failure) says that an entry's text did not match its sha256,
 * remove that entry and return true.
 */
export function dropDamagedEntry(root: string, message: string): boolean {
  const at = message.indexOf(DAMAGED);
  if (at < 0) return false;
  const m = /([0-9a-f]{64})\.out$/.exec(message.slice(at + DAMAGED.length).trim());
  if (!m) return false;
  for (const ext of ['json', 'out']) fs.rmSync(path.join(cacheDir(root), `${m[1]}.${ext}`), { force: true });
  return true;
}

/**
 * Remember the entries this apply used (by key), and remove the entries no recent apply used (and
 * parts left by a process that died while writing one). The index holds the JSON of the entries this
 * apply used (one file written, and read by the next apply, instead of one per entry); an entry of
 * the last index that a recent apply used but this one did not gets its JSON in a file of its own,
 * so that it stays whole once the new index replaces the old. The index and the list of recent
 * applies are rewritten only when this apply used other entries than the last one.
 */
export function pruneCache(cache: CacheView, used: ReadonlyMap<string, CacheEntry>): void {
  const dir = cacheDir(cache.root);
  const recentFile = path.join(dir, 'recent.json');
  let recent: string[][] = [];
  try {
    const parsed = JSON.parse(fs.readFileSync(recentFile, 'utf8')) as unknown;
    if (Array.isArray(parsed)) recent = parsed.filter((r): r is string[] => Array.isArray(r));
  } catch {
    recent = [];
  }
  const keys = [...used.keys()].sort();
  const same = recent[0] !== undefined && recent[0].length === keys.length && recent[0].every((k, i) => k === keys[i]) && cache.index.size === keys.length && keys.every((k) => cache.index.has(k));
  if (same) return;
  recent = [keys, ...recent].slice(0, KEEP_RUNS);
  const keep = new Set(recent.flat());
  fs.mkdirSync(dir, { recursive: true });
  for (const [key, entry] of cache.index) {
    if (!used.has(key) && keep.has(key) && !cache.names.has(`${key}.json`)) replaceFileSync(path.join(dir, `${key}.json`), JSON.stringify(entry));
  }
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = /^([0-9a-f]{64})\.(json|out)$/.exec(name);
    const stale = m ? !keep.has(m[1] as string) : /\.part-\d+-[0-9a-f]+$/.test(name) && !pidAlive(Number(/\.part-(\d+)-/.exec(name)?.[1]));
    if (stale) fs.rmSync(path.join(dir, name), { force: true });
  }
  replaceFileSync(path.join(dir, INDEX), JSON.stringify({ format: APPLY_CACHE_FORMAT, entries: Object.fromEntries(used) }));
  replaceFileSync(recentFile, JSON.stringify(recent));
}
