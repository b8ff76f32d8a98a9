// Recorded resolutions on disk: .pvpatch/rr-cache/<key>/{preimage,postimage}, like git rerere.
import path from 'node:path';
import { promises as fsp } from 'node:fs';
import type { RecordedResolution } from '../core/merge/rerere.js';
import { writeFileAtomic } from './fs.js';

export function rrCacheDir(root: string): string {
  return path.join(root, '.pvpatch', 'rr-cache');
}

export async function loadResolutions(root: string): Promise<Map<string, RecordedResolution>> {
  const dir = rrCacheDir(root);
  const keys = await fsp.readdir(dir).catch(() => [] as string[]);
  const out = new Map<string, RecordedResolution>();
  await Promise.all(
    keys.map(async (key) => {
      try {
        const [preimage, postimage] = await Promise.all([
          fsp.readFile(path.join(dir, key, 'preimage'), 'utf8'),
          fsp.readFile(path.join(dir, key, 'postimage'), 'utf8'),
        ]);
        out.set(key, { preimage, postimage });
      } catch {
        // An entry being written (no postimage yet) or broken: ignore it, as git rerere does.
      }
    }),
  );
  return out;
}

/** Persist one resolution; postimage last, so a reader never sees a postimage without its preimage. */
export async function saveResolution(root: string, key: string, r: RecordedResolution): Promise<void> {
  if (!/^[0-9a-f]{8,64}$/.test(key)) throw new Error(`bad rr-cache key ${key}`);
  await writeFileAtomic(path.join(rrCacheDir(root), key, 'preimage'), r.preimage);
  await writeFileAtomic(path.join(rrCacheDir(root), key, 'postimage'), r.postimage);
}
