import path from 'node:path';
import { promises as fsp } from 'node:fs';
import { InputError, IoError } from '../../core/errors.js';
import { matchesGlobs } from '../../core/drops.js';
import { runProgram } from '../build/run.js';
import { listTree, makeTempDir, readBounded } from '../fs.js';
import type { FetchedDrop } from './types.js';

export const TARBALL_RE = /\.(tar\.gz|tgz|tar\.xz|txz|tar\.bz2|tbz2|tar)$/;

function decompressFlag(file: string): string[] {
  if (/\.(tar\.gz|tgz)$/.test(file)) return ['-z'];
  if (/\.(tar\.xz|txz)$/.test(file)) return ['-I', 'xz -T0'];
  if (/\.(tar\.bz2|tbz2)$/.test(file)) return ['-j'];
  return [];
}

interface Member {
  type: string;
  name: string;
  linkTarget?: string;
}

/**
 * Parse `tar -tv` lines: the type is the first char of the mode, the name is after the time.
 * A line that does not parse is returned as a member of type '?' (the caller refuses it: what
 * cannot be checked is not extracted).
 */
export function parseTarListing(text: string): Member[] {
  const out: Member[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    // The size column is "major,minor" for device nodes.
    const m = /^(\S)\S*\s+\S+\s+[\d,]+\s+\d{4,}-\d\d-\d\d\s+\d\d:\d\d(?::\d\d)?\s+(.*)$/.exec(line);
    if (!m) {
      out.push({ type: '?', name: line });
      continue;
    }
    const type = m[1] as string;
    let name = m[2] as string;
    let linkTarget: string | undefined;
    const arrow = type === 'l' ? name.indexOf(' -> ') : type === 'h' ? name.indexOf(' link to ') : -1;
    if (arrow >= 0) {
      linkTarget = name.slice(arrow + (type === 'l' ? 4 : 9));
      name = name.slice(0, arrow);
    }
    out.push({ type, name, linkTarget });
  }
  return out;
}

function checkMemberName(name: string, tarball: string): void {
  const n = name.replace(/^\.\//, '');
  if (name.startsWith('/') || n.split('/').includes('..')) {
    throw new InputError(`refusing tarball member "${name}": it leaves the tree (path traversal)`, { file: tarball });
  }
}

/**
 * Take the tracked files of a tarball. Members are checked before anything is extracted:
 * absolute or `..` names are refused; symlinks and hard links among tracked files are refused.
 * A single top-level directory (e.g. `driver-1.1/`) is stripped.
 */
export async function fetchFromTarball(tarball: string, globs: readonly string[]): Promise<FetchedDrop> {
  const abs = path.resolve(tarball);
  if (!(await fsp.stat(abs).catch(() => undefined))?.isFile()) throw new InputError(`${tarball}: no such tarball`);
  const listing = await runProgram('tar', [...decompressFlag(abs), '-tvf', abs]);
  if (listing.code !== 0) throw new InputError(`cannot read the tarball: ${listing.stderr.trim().split('\n')[0] ?? ''}`, { file: tarball });
  const members = parseTarListing(listing.stdout);
  for (const m of members) {
    if (m.type === '?') throw new InputError(`cannot read the tarball's listing line ${JSON.stringify(m.name)}: refusing what cannot be checked`, { file: tarball });
    checkMemberName(m.name, tarball);
  }
  const names = members.map((m) => m.name.replace(/^\.\//, '')).filter((n) => n !== '' && n !== '.');
  const tops = new Set(names.map((n) => n.split('/')[0]));
  const strip = tops.size === 1 && names.some((n) => n.includes('/')) ? 1 : 0;
  const rel = (n: string): string => n.replace(/^\.\//, '').split('/').slice(strip).join('/').replace(/\/$/, '');
  const wanted = members.filter((m) => m.type !== 'd' && rel(m.name) !== '' && matchesGlobs(rel(m.name), globs));
  for (const m of wanted) {
    if (m.type === 'l' || m.type === 'h') {
      throw new InputError(`refusing tarball member "${m.name}": a ${m.type === 'l' ? 'symlink' : 'hard link'} to "${m.linkTarget ?? '?'}"`, { file: tarball });
    }
    if (m.type !== '-') throw new InputError(`refusing tarball member "${m.name}": not a regular file (type ${m.type})`, { file: tarball });
    // tar -tv shows unusual characters as escapes, which -T would not find: refuse such names.
    if (m.name.includes('\\')) throw new InputError(`refusing tarball member "${m.name}": unusual characters in its name`, { file: tarball });
  }
  const tmp = await makeTempDir('tar');
  try {
    const listFile = path.join(tmp, '.members');
    await fsp.writeFile(listFile, wanted.map((m) => m.name).join('\n') + '\n');
    const outDir = path.join(tmp, 'x');
    await fsp.mkdir(outDir);
    if (wanted.length > 0) {
      const r = await runProgram('tar', [...decompressFlag(abs), '-xf', abs, '-C', outDir, '--no-same-owner', '--no-same-permissions', '--verbatim-files-from', '-T', listFile]);
      if (r.code !== 0) throw new IoError(`tar failed: ${r.stderr.trim().split('\n')[0] ?? ''}`, { file: tarball });
    }
    const files = new Map<string, Buffer>();
    const base = strip ? path.join(outDir, [...tops][0] as string) : outDir;
    if (wanted.length > 0) {
      for (const f of await listTree(base)) files.set(f, await readBounded(path.join(base, f), `${tarball}: ${f}`, 'the member'));
    }
    return { files, source: `tar:${abs}` };
  } finally {
    await fsp.rm(tmp, { recursive: true, force: true });
  }
}
