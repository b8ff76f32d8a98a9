// Reproducible release tarballs: a POSIX ustar archive written here (sorted entries, fixed
// mtime, owner/group 0/root, modes 0644/0755), gzip-compressed without a timestamp — the same
// files always give the same bytes, whatever the machine, the umask or the clock.
import { gzipSync, constants as zc } from 'node:zlib';
import { InputError } from '../core/errors.js';

const BLOCK = 512;
/** GNU tar's default record: 20 blocks; archives are padded to a whole record like tar does. */
const RECORD = BLOCK * 20;

export interface TarFile {
  /** Path inside the archive, '/'-separated, without a leading '/'. */
  path: string;
  /** The bytes, or a text (written as UTF-8 straight into the archive, without a copy of its own). */
  data: Uint8Array | string;
  /** Default 0o644. */
  mode?: number;
}

function octal(value: number, width: number): string {
  // width - 1 octal digits, then NUL (as GNU tar writes numeric fields).
  const s = value.toString(8);
  if (s.length > width - 1) throw new RangeError(`tar: ${value} does not fit a ${width}-byte field`);
  return s.padStart(width - 1, '0') + '\0';
}

function put(header: Uint8Array, offset: number, width: number, text: string): void {
  const bytes = new TextEncoder().encode(text);
  if (bytes.length > width) throw new RangeError(`tar: "${text}" does not fit a ${width}-byte field`);
  header.set(bytes, offset);
}

/** Split a path into ustar's prefix (≤155 bytes) and name (≤100 bytes) at a '/'. */
function splitName(p: string): { prefix: string; name: string } {
  const len = (s: string): number => new TextEncoder().encode(s).length;
  if (len(p) <= 100) return { prefix: '', name: p };
  for (let i = p.indexOf('/'); i >= 0; i = p.indexOf('/', i + 1)) {
    const prefix = p.slice(0, i);
    const name = p.slice(i + 1);
    if (len(prefix) <= 155 && len(name) <= 100 && name !== '') return { prefix, name };
  }
  throw new InputError(`path too long for a ustar archive: ${p}`);
}

function header(p: string, size: number, mode: number, mtime: number, type: '0' | '5'): Uint8Array {
  const h = new Uint8Array(BLOCK);
  const { prefix, name } = splitName(p);
  put(h, 0, 100, name);
  put(h, 100, 8, octal(mode, 8));
  put(h, 108, 8, octal(0, 8));
  put(h, 116, 8, octal(0, 8));
  put(h, 124, 12, octal(size, 12));
  put(h, 136, 12, octal(mtime, 12));
  put(h, 148, 8, '        ');
  put(h, 156, 1, type);
  put(h, 257, 6, 'ustar\0');
  put(h, 263, 2, '00');
  put(h, 265, 32, 'root');
  put(h, 297, 32, 'root');
  put(h, 329, 8, octal(0, 8));
  put(h, 337, 8, octal(0, 8));
  put(h, 345, 155, prefix);
  let sum = 0;
  for (const b of h) sum += b;
  put(h, 148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
  return h;
}

/**
 * A ustar archive of `files` under the top directory `top` (e.g. "pvdrivers-1.0"): a directory
 * entry (0755) for every directory, then files (their mode, default 0644), all sorted by path
 * (bytewise), all with owner and group 0/root and mtime `mtime` (seconds since the epoch),
 * padded to a whole 10 KiB record. InputError for an empty, absolute or `..` path.
 */
export function tarArchive(top: string, files: readonly TarFile[], mtime: number): Uint8Array {
  const entries = new Map<string, { data?: Uint8Array | string; size: number; mode: number }>();
  const addDirs = (p: string): void => {
    for (let i = p.indexOf('/'); i >= 0; i = p.indexOf('/', i + 1)) entries.set(`${p.slice(0, i)}/`, { size: 0, mode: 0o755 });
  };
  for (const f of files) {
    if (f.path === '' || f.path.startsWith('/') || f.path.split('/').includes('..')) throw new InputError(`bad path for the archive: "${f.path}"`);
    const full = `${top}/${f.path}`;
    addDirs(full);
    entries.set(full, { data: f.data, size: typeof f.data === 'string' ? Buffer.byteLength(f.data, 'utf8') : f.data.length, mode: f.mode ?? 0o644 });
  }
  const cmp = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));
  const order = [...entries.keys()].sort(cmp);
  // The whole archive is sized first and written into one buffer: no chunk is held twice.
  let size = 2 * BLOCK;
  for (const p of order) {
    const e = entries.get(p) as { size: number };
    size += BLOCK + Math.ceil(e.size / BLOCK) * BLOCK;
  }
  const out = Buffer.alloc(Math.ceil(size / RECORD) * RECORD);
  let at = 0;
  for (const p of order) {
    const e = entries.get(p) as { data?: Uint8Array | string; size: number; mode: number };
    out.set(header(p, e.size, e.mode, mtime, e.data === undefined ? '5' : '0'), at);
    at += BLOCK;
    if (e.data === undefined) continue;
    if (typeof e.data === 'string') out.write(e.data, at, 'utf8');
    else out.set(e.data, at);
    // The padding to a whole block is already zero.
    at += Math.ceil(e.size / BLOCK) * BLOCK;
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/**
 * gzip as `gzip -n -9`: no name, no timestamp (MTIME 0), and the OS byte fixed to 3 (Unix) so
 * the bytes do not depend on the platform zlib was built for.
 */
export function gzipReproducible(data: Uint8Array): Uint8Array {
  const gz = gzipSync(data, { level: zc.Z_BEST_COMPRESSION });
  gz[4] = 0;
  gz[5] = 0;
  gz[6] = 0;
  gz[7] = 0;
  gz[9] = 3;
  return gz;
}

/** The mtime for an export: SOURCE_DATE_EPOCH when set (an integer), else `fallback` (seconds). */
export function exportMtime(env: NodeJS.ProcessEnv, fallback: number): number {
  const s = env.SOURCE_DATE_EPOCH;
  if (s === undefined || s === '') return fallback;
  if (!/^\d+$/.test(s)) throw new InputError(`SOURCE_DATE_EPOCH must be seconds since the epoch, not "${s}"`);
  return Number(s);
}
