// The hashes pvpatch records: sha256 of drop files, git blob ids for Pvpatch-Base, sha1 for rerere keys.
import { createHash, hash } from 'node:crypto';

// crypto.hash (Node 20.12+) hashes in one call, without a Hash object's set-up (a third of the cost
// for the thousands of small texts apply hashes).
export function sha256(data: string | Uint8Array): string {
  return hash('sha256', data, 'hex');
}

export function sha1(data: string | Uint8Array): string {
  return hash('sha1', data, 'hex');
}

/** git's blob id of a text (`git hash-object`): sha1 of "blob <bytes>\0<bytes>". */
export function gitBlobHash(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}
