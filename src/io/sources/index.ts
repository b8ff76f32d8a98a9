import { promises as fsp } from 'node:fs';
import { InputError } from '../../core/errors.js';
import { fetchFromDir } from './dir.js';
import { fetchFromTarball, TARBALL_RE } from './tar.js';
import type { FetchedDrop } from './types.js';

export type SourceKind = 'dir' | 'tar' | 'git' | 'deb';

/** Classify a source spec: `deb:PKG[=VER]`, `git:URL#REF` or `URL#REF`, a tarball, or a directory. */
export async function sourceKind(spec: string): Promise<SourceKind> {
  if (spec.startsWith('deb:')) return 'deb';
  if (spec.startsWith('git:') || /^[a-z]+:\/\//.test(spec) || spec.includes('#')) return 'git';
  if (spec.startsWith('dir:')) return 'dir';
  if (spec.startsWith('tar:') || TARBALL_RE.test(spec)) return 'tar';
  const st = await fsp.stat(spec).catch(() => undefined);
  if (st?.isDirectory()) return 'dir';
  if (!st) throw new InputError(`${spec}: no such directory or tarball (sources: DIR, FILE.tar.{gz,xz,bz2}, URL#REF, deb:PACKAGE=VERSION)`);
  throw new InputError(`${spec}: not a directory or a .tar.gz/.tar.xz/.tar.bz2 tarball`);
}

/** Fetch the tracked files (`globs`) of a drop from any source. */
export async function fetchDrop(spec: string, globs: readonly string[], options: { onProgress?: (msg: string) => void } = {}): Promise<FetchedDrop> {
  const kind = await sourceKind(spec);
  switch (kind) {
    case 'dir':
      return fetchFromDir(spec.replace(/^dir:/, ''), globs);
    case 'tar':
      return fetchFromTarball(spec.replace(/^tar:/, ''), globs);
    case 'git': {
      // simple-git is loaded only when a git source is used (it costs start-up time otherwise).
      const { fetchFromGit } = await import('./git.js');
      return fetchFromGit(spec, globs);
    }
    case 'deb': {
      const { fetchFromDeb } = await import('./deb.js');
      return fetchFromDeb(spec, globs, options.onProgress);
    }
  }
}
