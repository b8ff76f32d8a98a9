/**
 * Realistic review items of a rebase of the Xen PV drivers onto a new drop. Input order mixes
 * subsystems on purpose: the list groups them (blkfront, netfront, xenbus).
 */
import type { ReviewItem } from '../../src/core/review/model.js';

const OLD_KERNELS = '#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)';

/** blkfront: upstream rewrote the elevator_init call the patch guards for 2.6.5/2.6.9. */
export const elevatorConflict: ReviewItem = {
  id: 'c1',
  kind: 'conflict',
  patch: 'blkfront/elevator-noop.patch',
  subsystem: 'blkfront',
  file: 'blkfront/blkfront.c',
  line: 412,
  base: ['\televator_init(rq, "noop");'],
  ours: [
    `${OLD_KERNELS}  /* pvpatch: blkfront/elevator-noop */`,
    '\televator_init(rq, &elevator_noop);',
    '#else',
    '\televator_init(rq, "noop");',
    '#endif',
  ],
  theirs: ['\tif (elevator_init(rq, "noop"))', '\t\tpr_warn("blkfront: noop elevator unavailable\\n");'],
  condition: 'LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)',
  branches: [
    { branch: OLD_KERNELS, kernels: ['sles9-x86_64', 'rhel4-x86_64'] },
    { branch: '#else', kernels: ['sles10-x86_64', 'rhel5-x86_64'] },
  ],
  status: 'open',
};

/** netfront: CHECKSUM_HW became CHECKSUM_PARTIAL in 2.6.19; upstream now sets csum_start inside the guarded lines. */
export const checksumStale: ReviewItem = {
  id: 's1',
  kind: 'stale',
  patch: 'netfront/checksum-hw.patch',
  subsystem: 'netfront',
  file: 'netfront/netfront.c',
  line: 1187,
  base: ['\tskb->ip_summed = CHECKSUM_PARTIAL;'],
  ours: [
    '#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,19)',
    '\tskb->ip_summed = CHECKSUM_HW;',
    '#else',
    '\tskb->ip_summed = CHECKSUM_PARTIAL;',
    '\tskb->csum_start = skb_headroom(skb) + rx->offset;',
    '#endif',
  ],
  theirs: ['\tskb->ip_summed = CHECKSUM_PARTIAL;', '\tskb->csum_start = skb_headroom(skb) + rx->offset;'],
  condition: 'LINUX_VERSION_CODE < KERNEL_VERSION(2,6,19)',
  branches: [
    { branch: '#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,19)', kernels: ['sles9-x86_64', 'rhel4-x86_64', 'sles10-x86_64', 'rhel5-x86_64'] },
    { branch: '#else', kernels: ['debian12-amd64'] },
  ],
  upstreamChange: [
    '@@ -1185,3 +1185,4 @@ static int xennet_poll(struct napi_struct *napi, int budget)',
    ' \tif (rx->flags & XEN_NETRXF_csum_blank) {',
    ' \t\tskb->ip_summed = CHECKSUM_PARTIAL;',
    '+\t\tskb->csum_start = skb_headroom(skb) + rx->offset;',
  ],
  status: 'open',
};

/** blkfront: the barrier API changed both in the patch and upstream. */
export const barrierConflict: ReviewItem = {
  id: 'c2',
  kind: 'conflict',
  patch: 'blkfront/barrier.patch',
  subsystem: 'blkfront',
  file: 'blkfront/blkfront.c',
  line: 733,
  base: ['\tblk_queue_ordered(rq, QUEUE_ORDERED_DRAIN, NULL);'],
  ours: [
    '#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,16)',
    '\tblk_queue_ordered(rq, QUEUE_ORDERED_DRAIN);',
    '#else',
    '\tblk_queue_ordered(rq, QUEUE_ORDERED_DRAIN, NULL);',
    '#endif',
  ],
  theirs: ['\tblk_queue_write_cache(rq, true, true);'],
  condition: 'LINUX_VERSION_CODE < KERNEL_VERSION(2,6,16)',
  branches: [
    { branch: '#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,16)', kernels: ['sles9-x86_64', 'rhel4-x86_64'] },
    { branch: '#else', kernels: ['sles10-x86_64', 'rhel5-x86_64'] },
  ],
  status: 'open',
};

/** xenbus: a long stale region (for scrolling) around the probe thread. */
export const probeStale: ReviewItem = {
  id: 's2',
  kind: 'stale',
  patch: 'xenbus/probe-kthread.patch',
  subsystem: 'xenbus',
  file: 'xenbus/xenbus_probe.c',
  line: 96,
  base: Array.from({ length: 30 }, (_, i) => `\tprobe_step_${i}(dev);`),
  ours: [
    '#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,16)',
    '\tkernel_thread(xenwatch_thread, NULL, CLONE_FS | CLONE_FILES);',
    '#else',
    ...Array.from({ length: 30 }, (_, i) => `\tprobe_step_${i}(dev);`),
    '#endif',
  ],
  theirs: Array.from({ length: 30 }, (_, i) => (i === 17 ? '\tprobe_step_17(dev, XS_PROBE_ASYNC);' : `\tprobe_step_${i}(dev);`)),
  condition: 'LINUX_VERSION_CODE < KERNEL_VERSION(2,6,16)',
  branches: [
    { branch: '#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,16)', kernels: ['sles9-x86_64', 'rhel4-x86_64'] },
    { branch: '#else', kernels: ['sles10-x86_64', 'rhel5-x86_64'] },
  ],
  upstreamChange: [
    '@@ -113,1 +113,1 @@ static int xenbus_probe_thread(void *unused)',
    '-\tprobe_step_17(dev);',
    '+\tprobe_step_17(dev, XS_PROBE_ASYNC);',
  ],
  status: 'open',
};

/** netfront: a conflict already resolved in an earlier session (resume). */
export const rxCopyResolved: ReviewItem = {
  id: 'c3',
  kind: 'conflict',
  patch: 'netfront/rx-copy.patch',
  subsystem: 'netfront',
  file: 'netfront/netfront.c',
  line: 640,
  base: ['\tnp->copying_receiver = 1;'],
  ours: ['#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,18)', '\tnp->copying_receiver = 0;', '#else', '\tnp->copying_receiver = 1;', '#endif'],
  theirs: ['\t/* rx copy is the only mode left */'],
  condition: 'LINUX_VERSION_CODE < KERNEL_VERSION(2,6,18)',
  status: 'resolved',
  decision: { take: 'both' },
};

/** Input order as the rebase engine would list them (series order, not grouped). */
export function sampleItems(): ReviewItem[] {
  return structuredClone([elevatorConflict, checksumStale, barrierConflict, probeStale, rxCopyResolved]);
}
