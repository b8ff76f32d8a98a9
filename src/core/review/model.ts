/**
 * The items a maintainer reviews during a rebase: conflicts and stale guards.
 * Shared by the rebase engine (which creates and persists them under .pvpatch/rebase/),
 * `pvpatch review` (the ink TUI) and `pvpatch resolve` (the scriptable form).
 */
export type ReviewKind = 'conflict' | 'stale';

/** open: needs a decision; resolved: a conflict decided; reviewed: a stale guard confirmed; dropped: hunk removed. */
export type ReviewStatus = 'open' | 'resolved' | 'reviewed' | 'dropped';

/** What the maintainer decided. `file`: the lines come from an edited file (markers removed). */
export type Decision =
  | { take: 'patch' }
  | { take: 'upstream' }
  | { take: 'both' }
  | { take: 'lines'; lines: string[] }
  | { take: 'drop' }
  | { take: 'reviewed' };

export interface BranchKernels {
  /** e.g. "#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)" or "#else" */
  branch: string;
  kernels: string[];
}

export interface ReviewItem {
  /** Stable id, unique within the rebase, e.g. "c3" or "s1"; used by `resolve ID`. */
  id: string;
  kind: ReviewKind;
  /** Series entry, e.g. "blkfront/elevator-noop.patch". */
  patch: string;
  subsystem: string;
  /** Path inside the tree, e.g. "blkfront/blkfront.c". */
  file: string;
  /** 1-based line in the merged file where the region starts (for orientation). */
  line: number;
  /** The region in the old drop, in the patch (ours) and in the new drop (theirs). */
  base: string[];
  ours: string[];
  theirs: string[];
  /** The guard's condition when the region is a guard, e.g. "LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)". */
  condition?: string;
  branches?: BranchKernels[];
  /** For a stale guard: the upstream change (unified diff lines) that touched the guarded lines. */
  upstreamChange?: string[];
  status: ReviewStatus;
  decision?: Decision;
}
