// The hashes pvpatch records: sha256 of drop files, git blob ids for Pvpatch-Base, sha1 for rerere keys.
import { createHash } from 'node:crypto';

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function sha1(data: string | Uint8Array): string {
  return createHash('sha1').update(data).digest('hex');
}

/** git's blob id of a text (`git hash-object`): sha1 of "blob <bytes>\0<bytes>". */
export function gitBlobHash(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}
