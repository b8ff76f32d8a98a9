// Writing the tree of the last apply as its record names it (src/io/apply-record.ts), for both ways
// an apply finds that it may: by the stats of its inputs (apply-command.ts, without reading the
// workspace) or by the key of what it read (apply-replay.ts). Loads only what the copy needs.
import fs from 'node:fs';
import { makeJobDirs, MANIFEST_IN_TREE, recordJobs, type TreeRecord } from '../io/apply-record-read.js';
import type { HunkOutcome } from '../core/apply-series.js';
import { replaceDirAtomic } from '../io/fs.js';
import { writtenMode } from '../io/verified.js';
import { checkTreeParent, checkTreeTarget } from '../io/tree-target.js';
import { linkedTreeInPlace } from '../io/linked-prefetch.js';
import { startTrustedCopy, type PrefetchedCopy } from '../io/trusted-copy.js';
import type { ApplyOutcome } from './apply.js';

/** Thrown inside the tree's fill when a source is not as recorded: the temp tree is removed, nothing else changes. */
class NotAsRecorded extends Error {}

/** How copyRecordedTree put the tree in place: written, or found there already (nothing written). */
export type Placed = 'written' | 'in place';

/**
 * Copy the tree `rec` names into `target`: how, or undefined (nothing written) when `stillSame`
 * (run while the copy starts) says the inputs are not those of the record or a source is not as
 * recorded. `pre`, the copy cli.ts started (apply-prefetch.ts), is joined or discarded. A target that
 * is that tree already, linked from the record's store by an earlier apply, is left as it is: its
 * files keep their inodes and times (so make sees nothing to rebuild).
 */
export async function copyRecordedTree(root: string, target: string, rec: TreeRecord, pre: PrefetchedCopy | undefined, stillSame: () => Promise<boolean>): Promise<Placed | undefined> {
  const jobs = recordJobs(root, rec);
  const mode = writtenMode();
  // cli.ts starts no copy for a target that exists (apply-prefetch.ts): it may be in place already.
  let same = false;
  if (!pre && fs.lstatSync(target, { throwIfNoEntry: false })?.isDirectory()) {
    if (!(await stillSame())) return undefined;
    same = true;
    await checkTreeParent(target, root);
    if (linkedTreeInPlace(target, jobs, mode)) return 'in place';
  }
  // Else the copy thread starts now: its start-up overlaps with what is still checked.
  const copy = pre ? pre.join(jobs, rec.id) : startTrustedCopy(jobs, mode);
  try {
    if (!same && !(await stillSame())) {
      await copy.cancel();
      void pre?.discard();
      return undefined;
    }
    await checkTreeTarget(target, root);
    await replaceDirAtomic(target, async (tmp) => {
      makeJobDirs(tmp, jobs);
      const r = await copy.run(tmp);
      if (!r.ok) throw new NotAsRecorded(`${r.file}: ${r.why}`);
    }, { durable: false, ...(pre ? { tmp: pre.tmp } : {}) });
    return 'written';
  } catch (err) {
    await copy.cancel();
    void pre?.discard();
    if (err instanceof NotAsRecorded) return undefined;
    throw err;
  }
}

/** What an apply that copied the tree of `rec` did (`all`: every hunk's outcome, for --json; `quick`: by the quick check). */
export function recordedOutcome(rec: TreeRecord, all: HunkOutcome[] | undefined, quick: boolean, placed: Placed): Omit<ApplyOutcome, 'out'> {
  const fileCount = rec.files.filter(([, dst]) => dst !== null && dst !== MANIFEST_IN_TREE).length;
  return { drop: rec.drop, patches: rec.patches, hunks: all ?? rec.notable, hunkCount: rec.hunkCount, regions: rec.regions, fileCount, cache: { tree: true, quick, ...(placed === 'in place' ? { inPlace: true } : {}), files: 0, applied: 0 } };
}
