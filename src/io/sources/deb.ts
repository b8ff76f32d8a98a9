// Debian source packages as drop sources: `apt-cache madison` to list versions, `apt-get download`
// into a cache, then only the tracked paths out of the linux-source tarball inside the .deb.
import path from 'node:path';
import os from 'node:os';
import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import { InputError, IoError } from '../../core/errors.js';
import { matchesGlobs } from '../../core/drops.js';
import { listTree, makeTempDir } from '../fs.js';
import { runProgram, type RunResult } from '../build/run.js';
import type { FetchedDrop } from './types.js';

/** One line of `apt-cache madison`: `pkg | version | url suite/component arch Packages`. */
export interface MadisonEntry {
  package: string;
  version: string;
  /** Where it comes from, e.g. "http://deb.debian.org/debian-security bookworm-security/main amd64 Packages". */
  origin: string;
}

/** Which version of a package to take. */
export type VersionRequest =
  | { kind: 'exact'; version: string }
  /** An upstream version such as 6.12.107: the newest Debian revision of it. */
  | { kind: 'upstream'; upstream: string }
  | { kind: 'oldest' }
  | { kind: 'newest' };

export interface DebSpec {
  package: string;
  request: VersionRequest;
}

/** The cache root: $PVPATCH_CACHE, else $XDG_CACHE_HOME/pvpatch, else ~/.cache/pvpatch. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PVPATCH_CACHE) return path.resolve(env.PVPATCH_CACHE);
  const base = env.XDG_CACHE_HOME ? path.resolve(env.XDG_CACHE_HOME) : path.join(os.homedir(), '.cache');
  return path.join(base, 'pvpatch');
}

const PKG_RE = /^[a-z0-9][a-z0-9+.-]+$/;
const DEB_VERSION_RE = /^(?:\d+:)?[0-9][A-Za-z0-9.+~:-]*$/;

/**
 * Parse `deb:PACKAGE[=VERSION]`. VERSION is a full Debian version (`6.12.107-1~deb12u1`), an upstream
 * version without revision (`6.12.107`: newest revision of it), `oldest` or `newest` (the default).
 */
export function parseDebSpec(spec: string): DebSpec {
  const body = spec.replace(/^deb:/, '');
  const eq = body.indexOf('=');
  const pkg = eq < 0 ? body : body.slice(0, eq);
  const ver = eq < 0 ? 'newest' : body.slice(eq + 1);
  if (!PKG_RE.test(pkg)) throw new InputError(`"${spec}": "${pkg}" is not a Debian package name (expected deb:PACKAGE[=VERSION])`);
  if (ver === 'newest' || ver === '') return { package: pkg, request: { kind: 'newest' } };
  if (ver === 'oldest') return { package: pkg, request: { kind: 'oldest' } };
  if (!DEB_VERSION_RE.test(ver)) throw new InputError(`"${spec}": "${ver}" is not a Debian version, "oldest" or "newest"`);
  const revisionless = !ver.includes('-') && !ver.includes(':');
  return { package: pkg, request: revisionless ? { kind: 'upstream', upstream: ver } : { kind: 'exact', version: ver } };
}

/** Parse `apt-cache madison` output; lines that do not have three `|`-separated fields are skipped. */
export function parseMadison(text: string): MadisonEntry[] {
  const out: MadisonEntry[] = [];
  for (const line of text.split('\n')) {
    const parts = line.split('|').map((p) => p.trim());
    if (parts.length !== 3 || !parts[0] || !parts[1]) continue;
    // madison also lists source entries ("... Sources"); only binary packages can be downloaded.
    if (/\bSources$/.test(parts[2] ?? '')) continue;
    out.push({ package: parts[0], version: parts[1], origin: parts[2] ?? '' });
  }
  return out;
}

// Debian version comparison (deb-version(7)): epoch, then upstream and revision compared with the
// lexical rule where letters sort before non-letters and `~` sorts before everything, even the end.
function charOrder(c: string | undefined): number {
  if (c === undefined) return 0;
  if (c === '~') return -1;
  if (/[A-Za-z]/.test(c)) return c.charCodeAt(0);
  return c.charCodeAt(0) + 256;
}

function comparePart(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !/\d/.test(a[i] as string)) || (j < b.length && !/\d/.test(b[j] as string))) {
      const ca = i < a.length && !/\d/.test(a[i] as string) ? a[i] : undefined;
      const cb = j < b.length && !/\d/.test(b[j] as string) ? b[j] : undefined;
      const d = charOrder(ca) - charOrder(cb);
      if (d !== 0) return d;
      if (ca !== undefined) i++;
      if (cb !== undefined) j++;
    }
    let na = '';
    let nb = '';
    while (i < a.length && /\d/.test(a[i] as string)) na += a[i++];
    while (j < b.length && /\d/.test(b[j] as string)) nb += b[j++];
    const d = Number(na || '0') - Number(nb || '0');
    if (d !== 0) return d;
  }
  return 0;
}

function splitVersion(v: string): { epoch: number; upstream: string; revision: string } {
  const colon = v.indexOf(':');
  const epoch = colon > 0 ? Number(v.slice(0, colon)) : 0;
  const rest = colon > 0 ? v.slice(colon + 1) : v;
  const dash = rest.lastIndexOf('-');
  return dash < 0 ? { epoch, upstream: rest, revision: '' } : { epoch, upstream: rest.slice(0, dash), revision: rest.slice(dash + 1) };
}

/** Order two Debian versions like `dpkg --compare-versions` (negative, 0, positive). */
export function compareDebVersions(a: string, b: string): number {
  const x = splitVersion(a);
  const y = splitVersion(b);
  if (x.epoch !== y.epoch) return x.epoch - y.epoch;
  return comparePart(x.upstream, y.upstream) || comparePart(x.revision, y.revision);
}

/** The upstream part of a Debian version: `6.12.107-1~deb12u1` -> `6.12.107`. */
export function upstreamOf(version: string): string {
  return splitVersion(version).upstream;
}

/** The versions of `pkg` in `entries`, oldest first, without duplicates. */
export function versionsOf(pkg: string, entries: readonly MadisonEntry[]): string[] {
  const set = new Set(entries.filter((e) => e.package === pkg).map((e) => e.version));
  return [...set].sort(compareDebVersions);
}

/**
 * Pick the version of `pkg` that `request` names from madison entries. Throws an InputError naming the
 * missing version and the ones the mirror has (or that the package is unknown to apt).
 */
export function pickVersion(pkg: string, entries: readonly MadisonEntry[], request: VersionRequest): string {
  const versions = versionsOf(pkg, entries);
  if (versions.length === 0) {
    throw new InputError(`${pkg}: apt knows no version of this package (is it in the sources, and has \`apt-get update\` run?)`);
  }
  const available = `the mirror has: ${[...versions].reverse().join(', ')}`;
  switch (request.kind) {
    case 'newest':
      return versions[versions.length - 1] as string;
    case 'oldest':
      return versions[0] as string;
    case 'exact':
      if (versions.includes(request.version)) return request.version;
      throw new InputError(`${pkg}=${request.version} is not on the mirror (any more); ${available}`);
    case 'upstream': {
      const match = versions.filter((v) => upstreamOf(v) === request.upstream);
      if (match.length > 0) return match[match.length - 1] as string;
      throw new InputError(`${pkg}: no version ${request.upstream} on the mirror (any more); ${available}`);
    }
  }
}

/** `apt-cache madison PKG…` (needs no root; reads the lists of the last `apt-get update`). */
export async function listVersions(packages: readonly string[]): Promise<MadisonEntry[]> {
  const r = await runProgram('apt-cache', ['madison', ...packages]);
  if (r.code === 127) throw new IoError('apt-cache not found: Debian package sources need apt (a Debian or Ubuntu machine)');
  if (r.code !== 0) throw new IoError(`apt-cache madison ${packages.join(' ')} failed: ${firstLine(r.stderr)}`);
  return parseMadison(r.stdout);
}

function firstLine(text: string): string {
  return text.split('\n').map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('W:')) ?? '';
}

/** The file name `apt-get download` gives `pkg=version` (the epoch colon is written as %3a). */
export function debFileName(pkg: string, version: string, arch: string): string {
  return `${pkg}_${version.replace(/:/g, '%3a')}_${arch}.deb`;
}

/** Arguments for `apt-get download PKG=VER…`. The sandbox user would not be able to write to a private cache. */
export function aptDownloadArgs(specs: readonly { package: string; version: string }[]): string[] {
  return ['-q', '-o', 'APT::Sandbox::User=root', 'download', ...specs.map((s) => `${s.package}=${s.version}`)];
}

async function findCachedDeb(dir: string, pkg: string, version: string): Promise<string | undefined> {
  const prefix = `${pkg}_${version.replace(/:/g, '%3a')}_`;
  const names = await fsp.readdir(dir).catch(() => [] as string[]);
  const hit = names.find((n) => n.startsWith(prefix) && n.endsWith('.deb'));
  return hit === undefined ? undefined : path.join(dir, hit);
}

/**
 * The .deb of `pkg=version` in `<cacheDir>/debs`, downloaded with `apt-get download` unless already
 * there. A failed download is an IoError carrying apt's message (e.g. the mirror is unreachable).
 */
export async function downloadDeb(pkg: string, version: string, cacheDir = defaultCacheDir()): Promise<{ file: string; cached: boolean }> {
  const dir = path.join(cacheDir, 'debs');
  await fsp.mkdir(dir, { recursive: true });
  const cached = await findCachedDeb(dir, pkg, version);
  if (cached) return { file: cached, cached: true };
  const r = await runProgram('apt-get', aptDownloadArgs([{ package: pkg, version }]), { cwd: dir });
  if (r.code === 127) throw new IoError('apt-get not found: Debian package sources need apt');
  if (r.code !== 0) throw new IoError(`apt-get download ${pkg}=${version} failed: ${firstLine(r.stderr) || firstLine(r.stdout)}`);
  const file = await findCachedDeb(dir, pkg, version);
  if (!file) throw new IoError(`apt-get download ${pkg}=${version} reported success but left no .deb in ${dir}`);
  return { file, cached: false };
}

/** Run `a | b` without a shell; the result is b's, with a's stderr and a failure of a folded in. */
export function runPipe(a: { cmd: string; args: readonly string[] }, b: { cmd: string; args: readonly string[] }, cwd?: string): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const left = spawn(a.cmd, a.args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const right = spawn(b.cmd, b.args, { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let leftCode: number | null = null;
    let leftDone = false;
    let rightCode: number | null = null;
    let rightDone = false;
    const finish = (): void => {
      if (!leftDone || !rightDone) return;
      const code = rightCode !== 0 ? (rightCode ?? 1) : leftCode !== 0 ? (leftCode ?? 1) : 0;
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), durationMs: Date.now() - started });
    };
    left.stdout.pipe(right.stdin);
    // The reader may stop early (tar -O of one member); a broken pipe on the writer is expected then.
    right.stdin.on('error', () => undefined);
    left.stderr.on('data', (d: Buffer) => err.push(d));
    right.stdout.on('data', (d: Buffer) => out.push(d));
    right.stderr.on('data', (d: Buffer) => err.push(d));
    left.on('error', (e) => {
      err.push(Buffer.from(`${a.cmd}: ${e.message}\n`));
      leftCode = 127;
      leftDone = true;
      right.stdin.end();
      finish();
    });
    right.on('error', (e) => {
      err.push(Buffer.from(`${b.cmd}: ${e.message}\n`));
      rightCode = 127;
      rightDone = true;
      finish();
    });
    left.on('close', (code, signal) => {
      if (leftDone) return;
      // SIGPIPE after the reader finished is not a failure of the pipeline.
      leftCode = signal === 'SIGPIPE' ? 0 : (code ?? 1);
      leftDone = true;
      finish();
    });
    right.on('close', (code) => {
      if (rightDone) return;
      rightCode = code ?? 1;
      rightDone = true;
      finish();
    });
  });
}

/** The linux-source tarball member inside a `linux-source-X.Y` .deb, from a `dpkg-deb -c` listing. */
export function findSourceTarball(listing: string): string | undefined {
  for (const line of listing.split('\n')) {
    const name = line.trim().split(/\s+/).pop() ?? '';
    if (/^(?:\.\/)?usr\/src\/[^/]+\.tar\.(?:xz|bz2|gz)$/.test(name)) return name;
  }
  return undefined;
}

/** `tar` arguments that extract the members matching `globs` under `top/` (tar wildcards, `**` -> `*`). */
export function tarExtractArgs(tarball: string, top: string, globs: readonly string[], outDir: string): string[] {
  const decompress = tarball.endsWith('.xz') ? ['-I', 'xz -T0'] : tarball.endsWith('.bz2') ? ['-j'] : ['-z'];
  const patterns = globs.map((g) => `${top}/${g.replace(/\*\*\/\*?/g, '*').replace(/\*\*/g, '*')}`);
  return [...decompress, '-x', '-f', tarball, '-C', outDir, '--strip-components=1', '--no-same-owner', '--no-same-permissions', '--wildcards', ...patterns];
}

/**
 * Extract the files matching `globs` (paths relative to the kernel tree root) from the linux-source
 * tarball inside the .deb `debFile` into `outDir`. Returns the extracted tree-relative paths.
 * No glob matching anything is an InputError naming the globs.
 */
export async function extractFromSourceDeb(debFile: string, globs: readonly string[], outDir: string): Promise<string[]> {
  if (globs.length === 0) throw new InputError('a Debian linux-source drop needs --paths: the whole kernel tree is not a drop');
  const listing = await runProgram('dpkg-deb', ['-c', debFile]);
  if (listing.code !== 0) throw new IoError(`dpkg-deb -c ${path.basename(debFile)} failed: ${firstLine(listing.stderr)}`);
  const member = findSourceTarball(listing.stdout);
  if (!member) throw new InputError(`${path.basename(debFile)} holds no usr/src/*.tar.xz: not a linux-source package`);
  const tmp = await makeTempDir('deb');
  try {
    const tarball = path.join(tmp, path.basename(member));
    const inner = await runPipe({ cmd: 'dpkg-deb', args: ['--fsys-tarfile', debFile] }, { cmd: 'tar', args: ['-x', '-C', tmp, `--strip-components=${member.split('/').length - 1}`, member] });
    if (inner.code !== 0) throw new IoError(`cannot take ${member} out of ${path.basename(debFile)}: ${firstLine(inner.stderr)}`);
    const top = path.basename(member).replace(/\.tar\.(xz|bz2|gz)$/, '');
    const x = path.join(tmp, 'x');
    await fsp.mkdir(x);
    const r = await runProgram('tar', tarExtractArgs(tarball, top, globs, x));
    // tar exits 2 when a pattern matched nothing; that is reported below with the globs, not as an I/O error.
    if (r.code !== 0 && !/Not found in archive/.test(r.stderr)) throw new IoError(`tar failed on ${path.basename(member)}: ${firstLine(r.stderr)}`);
    const files = (await listTree(x)).filter((f) => matchesGlobs(f, globs));
    if (files.length === 0) throw new InputError(`no file of ${top} matches --paths ${globs.join(' ')}`);
    const unmatched = globs.filter((g) => !files.some((f) => matchesGlobs(f, [g])));
    if (unmatched.length > 0) throw new InputError(`${top} has no file matching ${unmatched.join(', ')}`);
    for (const f of files) {
      await fsp.mkdir(path.dirname(path.join(outDir, f)), { recursive: true });
      await fsp.copyFile(path.join(x, f), path.join(outDir, f));
    }
    return files;
  } finally {
    await fsp.rm(tmp, { recursive: true, force: true });
  }
}

/** What fetchFromDeb resolved, for the user and for drops.json. */
export interface DebResolution {
  package: string;
  version: string;
  upstream: string;
  file: string;
  cached: boolean;
}

/** Resolve `deb:PKG[=VER]` against the mirror (madison) to one version. */
export async function resolveDebSpec(spec: string): Promise<{ package: string; version: string }> {
  const { package: pkg, request } = parseDebSpec(spec);
  const entries = await listVersions([pkg]);
  return { package: pkg, version: pickVersion(pkg, entries, request) };
}

/**
 * The drop source for `deb:PKG[=VER]`: resolve the version (madison), download the .deb into the cache
 * (reused when present), and read the tracked files out of its linux-source tarball.
 */
export async function fetchFromDeb(spec: string, globs: readonly string[], onProgress?: (msg: string) => void, cacheDir = defaultCacheDir()): Promise<FetchedDrop & { resolved: DebResolution }> {
  const { package: pkg, version } = await resolveDebSpec(spec);
  onProgress?.(`${pkg}=${version}: ${(await findCachedDeb(path.join(cacheDir, 'debs'), pkg, version)) ? 'in the cache' : 'downloading'}`);
  const { file, cached } = await downloadDeb(pkg, version, cacheDir);
  onProgress?.(`extracting ${globs.length} path(s) from ${path.basename(file)}`);
  const tmp = await makeTempDir('debx');
  try {
    const rels = await extractFromSourceDeb(file, globs, tmp);
    const files = new Map<string, Buffer>();
    for (const rel of rels) files.set(rel, await fsp.readFile(path.join(tmp, rel)));
    return { files, source: `deb:${pkg}=${version}`, resolved: { package: pkg, version, upstream: upstreamOf(version), file, cached } };
  } finally {
    await fsp.rm(tmp, { recursive: true, force: true });
  }
}
