// A repeated apply whose input files' stats changed but not what they hold (touched, checked out
// again, or read too soon after a change to be trusted by their stats): the workspace is read, and
// when the key of its inputs is the record's, the recorded tree is copied all the same
// (apply-copy.ts), and the record takes the stats they have now for the next apply's quick check.
import { dirsUnchanged, loadHunks, patchStatsOf, recordKey, rewriteRecord, type TreeRecord } from '../io/apply-record.js';
import { quickCheckOf, type QuickCheck } from '../io/apply-record-read.js';
import { dropDir, selectDrop, seriesShas, type Workspace } from '../io/workspace.js';
import type { PrefetchedCopy } from '../io/trusted-copy.js';
import { copyRecordedTree, recordedOutcome } from './apply-copy.js';
import type { ApplyOutcome, ApplyRunOptions } from './apply.js';

/**
 * The tree of the last apply, copied into `target` when this apply's inputs are the same (by their
 * key) and every file it came from (drop files, cached results, the manifest) has the lstat it was
 * recorded with; undefined (nothing written, `pre` discarded) when not.
 */
export async function replayApply(ws: Workspace, target: string, opts: ApplyRunOptions & { fuzz: number; allHunks: boolean }, rec: TreeRecord, pre: PrefetchedCopy | undefined): Promise<Omit<ApplyOutcome, 'out'> | undefined> {
  const drop = selectDrop(ws, opts.drop);
  // --json reports every hunk: without the record's own list of them, the tree is applied.
  const all = opts.allHunks ? loadHunks(ws.root, rec) : undefined;
  if (rec.drop !== drop.version || (opts.allHunks && !all)) {
    // Its temp directory goes while the tree is applied (settlePrefetch waits for that).
    void pre?.discard();
    return undefined;
  }
  const stats = new Map<string, string>();
  let shas: string[] = [];
  const same = async (): Promise<boolean> => {
    shas = await seriesShas(ws, patchStatsOf(rec), stats);
    const key = recordKey({ config: ws.config, drop, series: ws.series, patchShas: shas, fuzz: opts.fuzz, annotate: opts.annotate !== false });
    return key === rec.key && dirsUnchanged(dropDir(ws, drop.version), rec.dirs);
  };
  const placed = await copyRecordedTree(ws.root, target, rec, pre, same);
  if (!placed) return undefined;
  const quick = opts.inputs && ws.series.every((e) => stats.has(e.name)) ? quickCheckOf({ fuzz: opts.fuzz, annotate: opts.annotate !== false, current: ws.drops.current, inputs: opts.inputs }) : undefined;
  if (quick) rewriteRecord(ws.root, withStats(rec, ws, shas, stats, quick));
  return recordedOutcome(rec, all, false, placed);
}

/** The record `rec` with the series' patches trusted by the stats they have now, and the quick check `quick`. */
function withStats(rec: TreeRecord, ws: Workspace, shas: readonly string[], stats: ReadonlyMap<string, string>, quick: QuickCheck): TreeRecord {
  const patchStats = ws.series.map((e, i): [string, string, string] => [e.name, shas[i] as string, stats.get(e.name) as string]);
  return { ...rec, patchStats, quick };
}
