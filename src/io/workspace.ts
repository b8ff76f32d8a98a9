// Loading a workspace: kernels.json, upstream/drops.json, patches/series and the patch files.
import path from 'node:path';
import { isUtf8 } from 'node:buffer';
import fs, { promises as fsp } from 'node:fs';
import { ConfigError, InputError } from '../core/errors.js';
import { parseKernelsConfig, type KernelsConfig } from '../core/config.js';
import { parseDropsFile, type DropsFile, type Drop } from '../core/drops.js';
import { parseSeries, type SeriesEntry } from '../core/series.js';
import { sha256 } from './hash.js';
import { DROPS_JSON, KERNELS_JSON, SERIES } from './workspace-root.js';
import { assertTextSize, decodeUtf8, listTreeSync, readBoundedStatSync, readText, readTextIfExists, readTextSync, resolveInside } from './fs.js';
import { replaceFileSync } from './tree-writer-core.js';
import { isRacy, loadVerified, matches, nowNs, recordOf, recordPath, statKey, writtenMode, type StatRecord } from './verified.js';
import { acquireLock, holdsLock, lockState } from './lock.js';
import { needsRecovery, recoverWorkspace } from './recover.js';

export interface Workspace {
  root: string;
  kernelsFile: string;
  config: KernelsConfig;
  drops: DropsFile;
  series: SeriesEntry[];
}

export { DROPS_JSON, findWorkspaceRoot, KERNELS_JSON, SERIES } from './workspace-root.js';

/** The workspace root: `explicit` if given (must hold kernels.json), else the nearest ancestor of cwd that has one. */

/**
 * When a pvpatch process died while changing the workspace, put it back in order before reading it
 * (with the lock; when another process holds it, that one is at work and the workspace is read as is).
 */
async function recoverBeforeReading(root: string): Promise<void> {
  if (holdsLock(root)) return;
  const lock = await lockState(root);
  if (lock === 'live' || (lock === 'none' && !(await needsRecovery(root)))) return;
  let held;
  try {
    held = await acquireLock(root, 'recover');
  } catch {
    return;
  }
  try {
    await recoverWorkspace(root);
  } finally {
    await held.release();
  }
}

/** Load and validate the workspace's config files (not the patches themselves). */
export async function loadWorkspace(root: string): Promise<Workspace> {
  await recoverBeforeReading(root);
  const kernelsFile = path.join(root, KERNELS_JSON);
  const config = parseKernelsConfig(await readText(kernelsFile, KERNELS_JSON), KERNELS_JSON);
  const dropsText = await readTextIfExists(path.join(root, DROPS_JSON), DROPS_JSON);
  const drops: DropsFile = dropsText === undefined ? { paths: [], current: '', drops: [] } : parseDropsFile(dropsText, DROPS_JSON);
  const seriesText = await readTextIfExists(path.join(root, SERIES), SERIES);
  const series = seriesText === undefined ? [] : parseSeries(seriesText, SERIES);
  return { root, kernelsFile, config, drops, series };
}

/** The drop named `version` (default: the current one), or an InputError listing the drops. */
export function selectDrop(ws: Workspace, version?: string): Drop {
  if (ws.drops.drops.length === 0) {
    throw new InputError('the workspace has no upstream drop yet; import one with "pvpatch upstream import DIR --version V"');
  }
  const want = version ?? ws.drops.current;
  const d = ws.drops.drops.find((x) => x.version === want);
  if (!d) throw new InputError(`unknown drop "${want}" (drops: ${ws.drops.drops.map((x) => x.version).join(', ')})`);
  return d;
}

export function dropDir(ws: Workspace, version: string): string {
  return path.join(ws.root, 'upstream', version);
}

/**
 * Read the text of every patch in the series; a missing file names the series line. Synchronous
 * reads: a series of hundreds of small patches costs a fraction of fs/promises' round trips. With
 * `stats`, each patch's stat key (lstat before it was read) is put there, but for a patch changed
 * too recently to be trusted by it later (isRacy).
 */
export async function readSeriesPatches(ws: Workspace, entries: readonly SeriesEntry[] = ws.series, stats?: Map<string, string>): Promise<Map<string, string>> {
  return readSeriesPatchesSync(ws, entries, stats);
}

/** readSeriesPatches for a caller that cannot wait (it reads synchronously all the same). */
export function readSeriesPatchesSync(ws: Workspace, entries: readonly SeriesEntry[] = ws.series, stats?: Map<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  const patchesDir = path.join(ws.root, 'patches');
  const now = nowNs();
  for (const e of entries) {
    const file = resolveInside(patchesDir, e.name, { file: SERIES, line: e.line });
    let st: fs.BigIntStats | undefined;
    try {
      st = fs.lstatSync(file, { bigint: true });
    } catch {
      st = undefined;
    }
    if (st?.isSymbolicLink()) throw new InputError(`refusing the symlink patches/${e.name}: pvpatch never follows symlinks in a workspace`, { file: SERIES, line: e.line });
    if (!st) throw new ConfigError(`patch ${e.name} is in the series but patches/${e.name} does not exist`, { file: SERIES, line: e.line });
    assertTextSize(Number(st.size), `patches/${e.name}`, 'the patch');
    out.set(e.name, readTextSync(file, `patches/${e.name}`));
    if (stats && st.isFile() && !isRacy(st, now)) stats.set(e.name, statKey(st).join());
  }
  return out;
}

/**
 * The sha256 of each patch of the series, in order: a patch whose lstat is the stat key `known`
 * has for it (with its sha256) is not read again, the others are read (and checked) as
 * readSeriesPatches reads them. With `stats`, each patch's stat key is put there (as
 * readSeriesPatches does: not for a patch changed too recently to be trusted by it later). With
 * `texts`, the text of each patch read is put there.
 */
export async function seriesShas(ws: Workspace, known: ReadonlyMap<string, readonly [string, string]>, stats?: Map<string, string>, texts?: Map<string, string>): Promise<string[]> {
  const patchesDir = path.join(ws.root, 'patches');
  const shas: string[] = [];
  for (const e of ws.series) {
    const k = known.get(e.name);
    if (k) {
      try {
        const st = fs.lstatSync(path.join(patchesDir, e.name), { bigint: true });
        if (st.isFile() && statKey(st).join() === k[1]) {
          shas.push(k[0]);
          stats?.set(e.name, k[1]);
          continue;
        }
      } catch {
        // Gone: readSeriesPatches says so, naming the series line.
      }
    }
    const text = (await readSeriesPatches(ws, [e], stats)).get(e.name) as string;
    texts?.set(e.name, text);
    shas.push(sha256(text));
  }
  return shas;
}

/** A drop as apply reads it: the bytes it needs, and the files trusted by their stats instead. */
export interface DropRead {
  /** Verified bytes (sha256, no NUL, UTF-8) by path, in path order. */
  bytes: Map<string, Buffer>;
  /**
   * Files not read: not needed, and their lstat is the one recorded when their bytes last matched
   * drops.json (src/io/verified.ts). Path → [absolute path, the stat key to find again after a copy].
   */
  trusted: Map<string, { abs: string; stat: string[] }>;
  /** The stat record of each file read or trusted here ([sha256, ...stat key]), but for files changed too recently to be trusted by it. */
  stats: Record<string, StatRecord>;
  /** Save what was verified (for the next run), once the command that read the drop succeeded. */
  remember: () => Promise<void>;
}

/**
 * The files of a drop (as listed in drops.json), each checked against its recorded sha256 and
 * refused when it holds a NUL byte or is not UTF-8. A file `need` says no to is not read when its
 * lstat is the one recorded under .pvpatch/cache when it was last verified (it goes to `trusted`);
 * with `need`, `remember` brings the record up to date for the files read here (without, the record
 * is not used). `onVerified` hears of each file as soon as it is trusted or read and checked.
 */
export async function readDrop(ws: Workspace, drop: Drop, need?: (rel: string) => boolean, onVerified?: (rel: string, content: Buffer | { abs: string; stat: string[] }) => void, only?: ReadonlySet<string>): Promise<DropRead> {
  const dir = dropDir(ws, drop.version);
  const bytes = new Map<string, Buffer>();
  const trusted = new Map<string, { abs: string; stat: string[] }>();
  const names = Object.keys(drop.files).filter((rel) => !only || only.has(rel)).sort();
  // A symlink anywhere in the drop (also a directory on the way to a file) is refused, never followed.
  const dirSt = await fsp.lstat(dir).catch(() => undefined);
  if (dirSt?.isSymbolicLink()) throw new InputError(`refusing the symlink upstream/${drop.version}: pvpatch never follows symlinks in a workspace`, { file: DROPS_JSON });
  let listed = new Set<string>();
  if (dirSt?.isDirectory()) {
    try {
      listed = new Set(listTreeSync(dir));
    } catch (err) {
      if (err instanceof InputError) throw new InputError(`${err.message} (in upstream/${drop.version})`, { file: DROPS_JSON });
      throw err;
    }
  }
  const record = need ? loadVerified(ws.root) : { drops: {} };
  const known = record.drops[drop.version] ?? {};
  const fresh: Record<string, StatRecord> = {};
  const now = nowNs();
  const written = need ? BigInt(writtenMode()) : 0n;
  // Synchronous reads: for thousands of small files they cost a fraction of fs/promises' round trips.
  for (const rel of names) {
    const full = resolveInside(dir, rel, { file: DROPS_JSON });
    const display = `upstream/${drop.version}/${rel}`;
    // listTreeSync refused any symlink in the drop; a name it did not list is missing (or not a file).
    if (!listed.has(rel)) throw new ConfigError(`drop ${drop.version} lists ${rel} but ${display} is missing`, { file: DROPS_JSON });
    const sha = drop.files[rel] as string;
    if (need && !need(rel)) {
      const st = fs.lstatSync(full, { bigint: true });
      // A copy takes its source's mode: only a file with the mode a written one gets is copied.
      if (st.isFile() && (st.mode & 0o777n) === written && matches(known[rel], sha, st)) {
        const t = { abs: full, stat: statKey(st) };
        trusted.set(rel, t);
        onVerified?.(rel, t);
        fresh[rel] = known[rel] as StatRecord;
        continue;
      }
    }
    const { bytes: data, stat } = readBoundedStatSync(full, display, 'the drop file');
    if (sha256(data) !== sha) {
      throw new InputError(`${display} differs from the sha256 recorded at import: drops are read-only (re-import it with "pvpatch upstream import … --version ${drop.version} --force")`, { file: display });
    }
    // Text only, also when drops.json was edited to match tampered bytes: native checks, no decoding.
    if (data.indexOf(0) >= 0 || !isUtf8(data)) dropText(drop, rel, data);
    bytes.set(rel, data);
    onVerified?.(rel, data);
    const rec = recordOf(sha, stat, now);
    if (rec) fresh[rel] = rec;
  }
  const remember = async (): Promise<void> => {
    const same = Object.keys(known).length === Object.keys(fresh).length && Object.entries(fresh).every(([rel, rec]) => known[rel]?.join() === rec.join());
    if (!need || same) return;
    // Drops no longer in drops.json are forgotten.
    record.drops = Object.fromEntries([...Object.entries(record.drops).filter(([v]) => v !== drop.version && ws.drops.drops.some((d) => d.version === v)), [drop.version, fresh]]);
    // A cache: renamed into place, not fsynced (a fsync here would wait for the whole tree just written).
    fs.mkdirSync(path.dirname(recordPath(ws.root)), { recursive: true });
    replaceFileSync(recordPath(ws.root), JSON.stringify(record) + '\n');
  };
  return { bytes, trusted, stats: fresh, remember };
}

/** The bytes of every file of a drop, each verified (see readDrop). */
export async function readDropBytes(ws: Workspace, drop: Drop): Promise<Map<string, Buffer>> {
  return (await readDrop(ws, drop)).bytes;
}

/** A drop file's verified bytes as text (NUL bytes and non-UTF-8 refused, naming the file and line). */
export function dropText(drop: Drop, rel: string, bytes: Uint8Array): string {
  const display = `upstream/${drop.version}/${rel}`;
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw new InputError('NUL byte: pvpatch tracks text sources only', { file: display, line: Buffer.from(bytes.subarray(0, nul)).toString('latin1').split('\n').length });
  return decodeUtf8(bytes, display);
}

/**
 * Read every file of a drop (as listed in drops.json; with `only`, those of them it names) into
 * memory as text, each checked against its recorded sha256.
 */
export async function readDropFiles(ws: Workspace, drop: Drop, only?: ReadonlySet<string>): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const [rel, bytes] of (await readDrop(ws, drop, undefined, undefined, only)).bytes) files.set(rel, dropText(drop, rel, bytes));
  return files;
}
