import path from 'node:path';
import { promises as fsp } from 'node:fs';
import { simpleGit } from 'simple-git';
import { InputError, IoError } from '../../core/errors.js';
import { matchesGlobs } from '../../core/drops.js';
import { assertTextSize, makeTempDir } from '../fs.js';
import type { FetchedDrop } from './types.js';

/** Split "URL#REF" (REF defaults to HEAD). */
export function parseGitSpec(spec: string): { url: string; ref: string } {
  const s = spec.replace(/^git:/, '');
  const i = s.lastIndexOf('#');
  return i < 0 ? { url: s, ref: 'HEAD' } : { url: s.slice(0, i), ref: s.slice(i + 1) || 'HEAD' };
}

/**
 * Take the tracked paths of a git repository at REF through simple-git: a bare, blob-less
 * fetch into a temp dir, then `ls-tree` and `cat-file` for tracked regular files only.
 * Symlinks (mode 120000) and submodules among tracked paths are refused.
 */
export async function fetchFromGit(spec: string, globs: readonly string[]): Promise<FetchedDrop> {
  const { url, ref } = parseGitSpec(spec);
  // Neither may pass for an option of git (`--upload-pack=…`: the argument-injection class of CVE-2017-1000117).
  if (url.startsWith('-')) throw new InputError(`refusing git URL "${url}": it starts with "-"`);
  if (ref.startsWith('-')) throw new InputError(`refusing git ref "${ref}": it starts with "-"`);
  const isLocal = !/^[a-z]+:\/\//.test(url) && !/^[^/]+@[^:]+:/.test(url);
  const repoUrl = isLocal ? path.resolve(url) : url;
  const tmp = await makeTempDir('git');
  try {
    // Only real transports, not ext:: (it runs a command) nor fd:: (GIT_ALLOW_PROTOCOL is a whitelist
    // git reads; a user who set it keeps theirs). Set here, as simple-git guards a custom environment.
    process.env.GIT_ALLOW_PROTOCOL ??= 'file:git:http:https:ssh';
    const git = simpleGit({ baseDir: tmp });
    try {
      await git.raw(['init', '--bare', '-q', '.']);
      // `--`: the options end before the URL.
      await git.raw(['fetch', '-q', '--depth', '1', '--', repoUrl, ref]);
    } catch (err) {
      throw new InputError(`cannot fetch ${ref} from ${url}: ${(err as Error).message.split('\n')[0] ?? ''}`);
    }
    const commit = (await git.raw(['rev-parse', 'FETCH_HEAD^{commit}'])).trim();
    const tree = await git.raw(['ls-tree', '-r', '-z', '-l', '--full-tree', commit]);
    const files = new Map<string, Buffer>();
    for (const entry of tree.split('\0')) {
      if (!entry) continue;
      const m = /^(\d+) (\w+) ([0-9a-f]+) +(-|\d+)\t(.*)$/s.exec(entry);
      if (!m) throw new IoError(`cannot read git ls-tree output ${JSON.stringify(entry.slice(0, 80))}`);
      const [, mode, type, oid, size, name] = m as unknown as [string, string, string, string, string, string];
      if (name.startsWith('/') || name.split('/').includes('..')) throw new InputError(`refusing git path "${name}": it leaves the tree`, { file: `${url}#${ref}` });
      if (!matchesGlobs(name, globs)) continue;
      if (mode === '120000') throw new InputError(`refusing tracked symlink "${name}" in ${url}#${ref}`);
      if (type !== 'blob') continue;
      assertTextSize(Number(size), `${url}#${ref}: ${name}`);
      const content = await new Promise<Buffer>((resolve, reject) => {
        git.binaryCatFile(['blob', oid], (err, data) => (err ? reject(err) : resolve(data as Buffer)));
      }).catch((err: unknown) => {
        throw new IoError(`cannot read ${name} at ${ref}: ${(err as Error).message}`);
      });
      files.set(name, content);
    }
    return { files, source: `git:${url}#${ref} (commit ${commit.slice(0, 12)})` };
  } finally {
    await fsp.rm(tmp, { recursive: true, force: true });
  }
}
