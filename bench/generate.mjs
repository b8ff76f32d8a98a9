// Seeded generator of a large, realistic pvpatch workspace for the benchmarks (bench/run.mjs).
//
//   generate({ dir, scale = 1, seed = 1 }) -> meta
//   node bench/generate.mjs --dir DIR [--scale S] [--seed N] [--check]
//
// At scale 1 it writes:
//   kernels.json                12 "cc" kernels, 2.6.5 … 2.6.27, each with a small stub include dir
//   kernels/<name>/include/     stub headers (linux/*.h, xen/*.h) that declare the driver API
//   upstream/1.0/               2,000 C files (~500 lines each, ~1M lines) in 10 subsystem dirs
//   upstream/1.1/               the next drop: offsets, edits next to hunks (fuzz), a few conflicts,
//                               guarded lines changed (stale), moved functions, new and removed
//                               files, patches that went upstream
//   upstream/drops.json         both drops (sha256 per file), current = 1.0
//   patches/series + patches/<subsystem>/NNNN-name.patch
//                               500 git-format-patch patches, 3,000 hunks, most of them
//                               `#if LINUX_VERSION_CODE < KERNEL_VERSION(a,b,c) … #else … #endif`
//   bench-meta.json             what was made (counts), for the report
//
// Patches are produced by editing in-memory copies of the files and writing the unified diff of
// each edit with an exact generator, so they apply exactly, in order, to 1.0. Every random choice
// comes from one seeded PRNG: the same seed and scale give the same bytes.
// Plain node:* only, so it runs without the project's dependencies.

import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const GENERATOR_VERSION = 4;

// ---------------------------------------------------------------------------------------------
// PRNG: mulberry32, seeded from any string through FNV-1a. fork(label) gives an independent
// stream, so one part of the generator can change without reshuffling every other part.

export function makeRng(seed) {
  let h = 2166136261 >>> 0;
  for (const ch of String(seed)) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 16777619) >>> 0;
  }
  let state = h || 0x9e3779b9;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const rng = {
    next,
    /** An integer in [lo, hi], both inclusive. */
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (arr) => arr[Math.floor(next() * arr.length)],
    chance: (p) => next() < p,
    shuffle: (arr) => {
      for (let i = arr.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [arr[i], arr[j]] = [arr[j], arr[i]];
      }
      return arr;
    },
    hex: (n) => {
      let s = '';
      while (s.length < n) s += Math.floor(next() * 16).toString(16);
      return s;
    },
    /** Pick by weight: [[value, weight], …]. */
    weighted: (pairs) => {
      const total = pairs.reduce((a, [, w]) => a + w, 0);
      let x = next() * total;
      for (const [v, w] of pairs) {
        if ((x -= w) < 0) return v;
      }
      return pairs[pairs.length - 1][0];
    },
    fork: (label) => makeRng(`${seed}/${label}`),
  };
  return rng;
}

// ---------------------------------------------------------------------------------------------
// The world: kernels, subsystems, the driver API with its old-kernel spellings.

const KERNELS = [
  { name: 'sles9-sp4', version: '2.6.5', defines: { SLE_VERSION_CODE: 'SLE_VERSION(9,4,0)', CONFIG_X86_64: '1' } },
  { name: 'rhel4-u8', version: '2.6.9', defines: { RHEL_RELEASE_CODE: 'RHEL_RELEASE_VERSION(4,8)', CONFIG_X86_64: '1' } },
  { name: 'fc4', version: '2.6.11', defines: {} },
  { name: 'suse10.0', version: '2.6.13', defines: { CONFIG_XEN_PVB_DEBUG: '1' } },
  { name: 'sles10-sp4', version: '2.6.16', defines: { SLE_VERSION_CODE: 'SLE_VERSION(10,4,0)', CONFIG_X86_64: '1' } },
  { name: 'rhel5-u11', version: '2.6.18', defines: { RHEL_RELEASE_CODE: 'RHEL_RELEASE_VERSION(5,11)', CONFIG_X86_64: '1' } },
  { name: 'vanilla-2.6.19', version: '2.6.19', defines: {} },
  { name: 'vanilla-2.6.20', version: '2.6.20', defines: { CONFIG_XEN_PVB_DEBUG: '1' } },
  { name: 'ubuntu-gutsy', version: '2.6.22', defines: { CONFIG_X86_64: '1' } },
  { name: 'fc8', version: '2.6.24', defines: {} },
  { name: 'sles11-beta', version: '2.6.25', defines: { SLE_VERSION_CODE: 'SLE_VERSION(11,0,0)' } },
  { name: 'ubuntu-intrepid', version: '2.6.27', defines: { CONFIG_X86_64: '1' } },
];

const SUBSYSTEMS = ['blkfront', 'netfront', 'xenbus', 'platform-pci', 'balloon', 'pcifront', 'scsifront', 'fbfront', 'kbdfront', 'evtchn'];

const NOUNS = ['ring', 'queue', 'grant', 'event', 'state', 'backend', 'frontend', 'ioctl', 'sysfs', 'debug', 'dma', 'irq', 'resume', 'probe', 'config', 'stats', 'cache', 'map', 'req', 'xfer'];
const VERBS = ['setup', 'teardown', 'connect', 'disconnect', 'resume', 'suspend', 'probe', 'remove', 'flush', 'refill', 'kick', 'poll', 'reset', 'init', 'update', 'check', 'alloc', 'free', 'map', 'unmap', 'attach', 'detach', 'start', 'stop'];
const OBJECTS = ['ring', 'queue', 'grants', 'irq', 'state', 'backend', 'pages', 'requests', 'features', 'stats', 'buffers', 'timer', 'device', 'watch', 'channel', 'segments'];
const PHRASES = [
  'the backend may not have answered yet, so this is retried from the watch',
  'callers hold no locks; the ring lock is taken here',
  'must not sleep: it runs from the interrupt path',
  'the grant references are released by the caller',
  'a suspended device keeps its state until resume',
  'the counters are only a hint for the debug output',
  'only called once the frontend is connected',
  'pages stay mapped until the request completes',
  'the feature flags come from xenstore',
  'this also covers the migration path',
  'the queue is stopped while the ring is full',
  'errors here leave the device closed',
  'no memory barrier needed: the lock orders the accesses',
  'the timer is re-armed by the completion path',
  'keep this in sync with the backend protocol',
];
const AUTHORS = [
  ['Ada Lindqvist', 'ada@pv-drivers.invalid'],
  ['Bram de Wit', 'bram@pv-drivers.invalid'],
  ['Chen Wei', 'chen.wei@pv-drivers.invalid'],
  ['Dana Okafor', 'dana@pv-drivers.invalid'],
  ['Emil Novak', 'emil.novak@pv-drivers.invalid'],
  ['Farah Haddad', 'farah@pv-drivers.invalid'],
];

// Each API: the new spelling (one line, a guard slot), the old spelling (1–3 lines, relative
// indentation), the first kernel with the new spelling. {P} = file prefix, {N} = a number.
const APIS = [
  { id: 'irqf-shared', v: [2, 6, 18], why: 'request_irq() takes SA_SHIRQ instead of IRQF_SHARED', fresh: 'ret = request_irq(info->irq, {P}_interrupt, IRQF_SHARED, "{P}", info);', old: ['ret = request_irq(info->irq, {P}_interrupt, SA_SHIRQ, "{P}", info);'] },
  { id: 'init-work', v: [2, 6, 20], why: 'INIT_WORK() takes a data argument', fresh: 'INIT_WORK(&info->work, {P}_work);', old: ['INIT_WORK(&info->work, {P}_work, info);'] },
  { id: 'kzalloc', v: [2, 6, 14], why: 'there is no kzalloc()', fresh: 'info->buf = kzalloc({N} * sizeof(*info->buf), GFP_KERNEL);', old: ['info->buf = kmalloc({N} * sizeof(*info->buf), GFP_KERNEL);', 'if (info->buf)', '\tmemset(info->buf, 0, {N} * sizeof(*info->buf));'] },
  { id: 'max-hw-sectors', v: [2, 6, 25], why: 'the queue limit is still called max_sectors', fresh: 'blk_queue_max_hw_sectors(info->rq, {N});', old: ['blk_queue_max_sectors(info->rq, {N});'] },
  { id: 'napi', v: [2, 6, 24], why: 'there is no NAPI context, polling goes through the net_device', fresh: 'napi_schedule(&info->napi);', old: ['netif_rx_schedule(info->netdev);'] },
  { id: 'switch-state', v: [2, 6, 16], why: 'xenbus_switch_state() takes a transaction', fresh: 'ret = xenbus_switch_state(info->xbdev, XenbusStateConnected);', old: ['ret = xenbus_switch_state(info->xbdev, XBT_NIL, XenbusStateConnected);'] },
  { id: 'sg-init-table', v: [2, 6, 24], why: 'scatterlists are plain arrays without chaining', fresh: 'sg_init_table(info->sg, {N});', old: ['memset(info->sg, 0, sizeof(info->sg));'] },
  { id: 'setup-timer', v: [2, 6, 15], why: 'there is no setup_timer()', fresh: 'setup_timer(&info->timer, {P}_timeout, (unsigned long)info);', old: ['init_timer(&info->timer);', 'info->timer.function = {P}_timeout;', 'info->timer.data = (unsigned long)info;'] },
  { id: 'netif-tx-lock', v: [2, 6, 18], why: 'the transmit lock is taken by hand', fresh: 'netif_tx_lock_bh(info->netdev);', old: ['spin_lock_bh(&info->netdev->xmit_lock);'] },
  { id: 'mutex', v: [2, 6, 16], why: 'there are no mutexes, only semaphores', fresh: 'mutex_lock(&info->mutex);', old: ['down(&info->sem);'] },
  { id: 'kmem-cache-dtor', v: [2, 6, 23], why: 'kmem_cache_create() still takes a destructor', fresh: 'info->cache = kmem_cache_create("{P}_{N}", {N} * 8, 0, 0, NULL);', old: ['info->cache = kmem_cache_create("{P}_{N}", {N} * 8, 0, 0, NULL, NULL);'] },
  { id: 'drvdata', v: [2, 6, 13], why: 'dev_set_drvdata() does not exist', fresh: 'dev_set_drvdata(&info->xbdev->dev, info);', old: ['info->xbdev->dev.driver_data = info;'] },
  { id: 'skb-network-header', v: [2, 6, 22], why: 'the network header is skb->nh.raw', fresh: 'skb_reset_network_header(info->skb);', old: ['info->skb->nh.raw = info->skb->data;'] },
  { id: 'bio-endio', v: [2, 6, 24], why: 'bio_endio() takes the byte count', fresh: 'bio_endio(info->bio, ret);', old: ['bio_endio(info->bio, info->bio->bi_size, ret);'] },
  { id: 'pm-message', v: [2, 6, 11], why: 'suspend takes a plain state number', fresh: 'ret = {P}_suspend_state(info, PMSG_SUSPEND);', old: ['ret = {P}_suspend_state(info, 3);'] },
  { id: 'pci-register', v: [2, 6, 10], why: 'drivers register with pci_module_init()', fresh: 'ret = pci_register_driver(&info->pdrv);', old: ['ret = pci_module_init(&info->pdrv);'] },
  { id: 'gnttab-end', v: [2, 6, 19], why: 'gnttab_end_foreign_access() takes no page', fresh: 'gnttab_end_foreign_access(info->ref, 0, (unsigned long)info->ring);', old: ['gnttab_end_foreign_access(info->ref, 0);', 'free_page((unsigned long)info->ring);'] },
  { id: 'unregister-irq', v: [2, 6, 18], why: 'the irq handler is unbound with unbind_evtchn_from_irqhandler()', fresh: 'unbind_from_irqhandler(info->irq, info);', old: ['unbind_evtchn_from_irqhandler(info->evtchn, info);'] },
];

// Compat blocks a patch may add after the #include lines ({k}: a number unique in the file).
const COMPAT_BLOCKS = [
  { v: [2, 6, 19], lines: ['#if LINUX_VERSION_CODE < KERNEL_VERSION({V})', 'typedef irqreturn_t (*{P}_handler{k}_t)(int, void *, struct pt_regs *);', '#else', 'typedef irqreturn_t (*{P}_handler{k}_t)(int, void *);', '#endif'] },
  { v: [2, 6, 16], lines: ['#if LINUX_VERSION_CODE < KERNEL_VERSION({V})', '#define {PU}_LOCK{k}(info) down(&(info)->sem)', '#else', '#define {PU}_LOCK{k}(info) mutex_lock(&(info)->mutex)', '#endif'] },
  { v: [2, 6, 14], lines: ['#if LINUX_VERSION_CODE < KERNEL_VERSION({V})', '#define {PU}_ALLOC{k}(n) kmalloc((n), GFP_KERNEL)', '#else', '#define {PU}_ALLOC{k}(n) kzalloc((n), GFP_KERNEL)', '#endif'] },
  { v: [2, 6, 24], lines: ['#if LINUX_VERSION_CODE < KERNEL_VERSION({V})', '#define {PU}_HAVE_NAPI{k} 0', '#else', '#define {PU}_HAVE_NAPI{k} 1', '#endif'] },
  { v: [2, 6, 22], lines: ['#if LINUX_VERSION_CODE >= KERNEL_VERSION({V})', '#define {PU}_SKB_HEADER{k}(skb) skb_network_header(skb)', '#else', '#define {PU}_SKB_HEADER{k}(skb) ((skb)->nh.raw)', '#endif'] },
];

const vstr = (v) => v.join(',');
const vdot = (v) => v.join('.');

function fill(template, vars) {
  return template.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}

// ---------------------------------------------------------------------------------------------
// C sources

/**
 * One synthetic driver file: ~target lines of kernel-style C. Returns the lines and what the patch
 * generator needs: guard slots (API call lines), message slots (printk lines in error paths), the
 * last #include line, and the function ranges (comment .. trailing blank line).
 */
function makeCFile(rng, sub, base, target) {
  const P = `${sub.replace(/-/g, '_')}_${base}`;
  const PU = P.toUpperCase();
  const L = [];
  const slots = [];
  const fns = [];
  const vars = { P, PU };
  const author = rng.pick(AUTHORS)[0];
  const y1 = rng.int(2003, 2006);
  L.push('/*', ` * ${sub}/${base}.c - ${rng.pick(OBJECTS)} handling for the Xen ${sub} paravirtual driver`, ' *');
  L.push(` * Copyright (C) ${y1}-2008 ${author}`, ' *');
  L.push(' * Synthetic code shaped like a Xen paravirtual frontend, made by pvpatch\'s benchmark');
  L.push(' * generator (bench/generate.mjs) so that patch, rebase and view timings run on');
  L.push(' * realistic input. It compiles against the stub headers of the benchmark kernels only.', ' *');
  L.push(' * This program is free software; you can redistribute it and/or modify it under the');
  L.push(' * terms of the GNU General Public License version 2.', ' */', '');
  const incs = rng.shuffle(['linux/kernel.h', 'linux/module.h', 'linux/slab.h', 'linux/spinlock.h', 'linux/interrupt.h', 'linux/workqueue.h', 'linux/timer.h', 'linux/mutex.h', 'linux/blkdev.h', 'linux/netdevice.h', 'linux/scatterlist.h', 'xen/xenbus.h', 'xen/grant_table.h', 'xen/events.h']).slice(0, rng.int(6, 10));
  incs.sort((a, b) => (a.startsWith('xen') === b.startsWith('xen') ? (a < b ? -1 : 1) : a.startsWith('xen') ? 1 : -1));
  for (const i of incs) L.push(`#include <${i}>`);
  const includeEnd = L.length - 1;
  L.push('');
  L.push(`#define ${PU}_RING_SIZE ${rng.pick([32, 64, 128, 256])}`, `#define ${PU}_MAX_SEGS ${rng.pick([8, 11, 16, 32])}`);
  L.push(`#define ${PU}_F_READY 0x1`, `#define ${PU}_F_SUSPENDED 0x2`, `#define ${PU}_F_ERROR 0x4`, '');
  L.push(`int ${P}_debug;`, '');
  L.push(`struct ${P}_info {`);
  const fields = [
    ['struct xenbus_device *xbdev;', 'the xenbus device we hang off'],
    ['struct net_device *netdev;', null],
    ['struct request_queue *rq;', null],
    ['struct napi_struct napi;', null],
    ['struct work_struct work;', 'deferred reconnect'],
    ['struct timer_list timer;', null],
    ['struct mutex mutex;', 'serialises state changes'],
    ['struct semaphore sem;', null],
    ['spinlock_t lock;', 'protects the ring and the counters'],
    ['struct scatterlist sg[32];', null],
    ['struct kmem_cache *cache;', null],
    ['struct sk_buff *skb;', null],
    ['struct bio *bio;', null],
    ['struct pci_driver pdrv;', null],
    ['u32 *buf;', null],
    ['void *ring;', 'shared ring page'],
    ['int ref;', 'grant reference of the ring'],
    ['unsigned int irq;', null],
    ['unsigned int evtchn;', null],
    ['unsigned int ring_size;', null],
    ['unsigned long flags;', null],
    ['int state;', null],
    ['u64 stats[8];', 'indexed by request type'],
  ];
  for (const [f, c] of fields) L.push(`\t${f}${c && rng.chance(0.7) ? `\t/* ${c} */` : ''}`);
  L.push('};', '');
  L.push(`irqreturn_t ${P}_interrupt(int irq, void *dev_id)`, '{', `\tstruct ${P}_info *info = dev_id;`, '', '\tinfo->stats[0]++;', '\treturn IRQ_HANDLED;', '}', '');
  L.push(`void ${P}_work(struct work_struct *work)`, '{', '\twork->data = 0;', '}', '');
  L.push(`void ${P}_timeout(unsigned long data)`, '{', `\tstruct ${P}_info *info = (struct ${P}_info *)data;`, '', '\tinfo->state = 0;', '}', '');
  L.push(`int ${P}_suspend_state(struct ${P}_info *info, int state)`, '{', '\tinfo->state = state;', '\treturn 0;', '}', '');

  // suspend_state is taken by the helper above.
  const used = new Set(['suspend_state']);
  const tailLines = 8;
  while (L.length < target - tailLines) {
    let verb, obj;
    do {
      verb = rng.pick(VERBS);
      obj = rng.pick(OBJECTS);
    } while (used.has(`${verb}_${obj}`) && used.size < VERBS.length * OBJECTS.length);
    used.add(`${verb}_${obj}`);
    const fname = `${P}_${verb}_${obj}`;
    const start = L.length;
    L.push('/*', ` * ${fname} - ${verb} the ${obj}`, ' * @info: the device', ` * @flags: ${PU}_F_* flags`, ' *');
    L.push(` * ${rng.pick(PHRASES)}.`, ' * Returns 0 or a negative errno.', ' */');
    L.push(`int ${fname}(struct ${P}_info *info, unsigned int flags)`, '{');
    const body = [];
    const bodySlots = [];
    let needFlags = false;
    let needI = false;
    const groups = rng.int(4, 7);
    const apiLine = () => {
      const api = rng.pick(APIS);
      const n = rng.pick([8, 11, 16, 32, 64, 128]);
      const text = '\t' + fill(api.fresh, { ...vars, N: n });
      bodySlots.push({ at: body.length, kind: 'api', api: api.id, n: 1, N: n });
      body.push(text);
      return api;
    };
    for (let g = 0; g < groups; g++) {
      if (g > 0) body.push('');
      const kind = rng.weighted([['api', 5], ['locked', 2], ['loop', 1.5], ['debug', 1], ['comment', 1.5]]);
      if (kind === 'api') {
        const k = rng.int(1, 3);
        let last;
        for (let j = 0; j < k; j++) last = apiLine();
        if (last.fresh.startsWith('ret = ')) {
          body.push('\tif (ret < 0) {');
          bodySlots.push({ at: body.length, kind: 'msg', n: 1 });
          body.push(`\t\tprintk(KERN_ERR "${P}: ${verb} ${obj}: ${last.id} failed: %d\\n", ret);`);
          body.push(`\t\tinfo->flags |= ${PU}_F_ERROR;`, '\t\treturn ret;', '\t}');
        }
      } else if (kind === 'locked') {
        needFlags = true;
        body.push('\tspin_lock_irqsave(&info->lock, irqflags);');
        if (rng.chance(0.5)) apiLine();
        body.push(`\tinfo->stats[${rng.int(0, 7)}]++;`);
        body.push(`\tinfo->flags ${rng.pick(['|= ', '&= ~'])}${PU}_F_${rng.pick(['READY', 'SUSPENDED'])};`);
        body.push('\tspin_unlock_irqrestore(&info->lock, irqflags);');
      } else if (kind === 'loop') {
        needI = true;
        body.push(`\tfor (i = 0; i < ${rng.pick(['info->ring_size', `${PU}_MAX_SEGS`, `${PU}_RING_SIZE`])}; i++) {`);
        body.push(`\t\tinfo->stats[i % 8] += ${rng.pick(['flags', '1', 'i'])};`);
        if (rng.chance(0.5)) body.push('\t\tif (info->stats[i % 8] > info->ring_size)', '\t\t\tbreak;');
        body.push('\t}');
      } else if (kind === 'debug') {
        body.push('#ifdef CONFIG_XEN_PVB_DEBUG', `\tif (${P}_debug)`, `\t\tprintk(KERN_DEBUG "${P}: ${verb} ${obj} state %d flags %u\\n", info->state, flags);`, '#endif');
      } else {
        body.push(`\t/* ${rng.pick(PHRASES)} */`);
        body.push(`\tinfo->state = ${rng.int(0, 6)};`);
      }
    }
    L.push('\tint ret = 0;');
    if (needFlags) L.push('\tunsigned long irqflags;');
    if (needI) L.push('\tunsigned int i;');
    L.push('');
    const bodyStart = L.length;
    for (const s of bodySlots) slots.push({ ...s, o: bodyStart + s.at, used: false });
    L.push(...body);
    L.push('\treturn ret;', '}', '');
    fns.push({ start, end: L.length, name: fname });
  }
  L.push(`int ${P}_module_init(void)`, '{', `\t${P}_debug = 0;`, '\treturn 0;', '}', '');
  L.push(`module_init(${P}_module_init);`, 'MODULE_LICENSE("GPL");');
  return { lines: L, slots, fns, includeEnd, P, PU };
}

/** A short new function for upstream 1.1 (inserted: shifts every following hunk). */
function makeNewFunction(rng, P, PU, tag) {
  const verb = rng.pick(VERBS);
  const obj = rng.pick(OBJECTS);
  const name = `${P}_${verb}_${obj}_${tag}`;
  const L = ['/*', ` * ${name} - ${verb} the ${obj} (new in 1.1)`, ` * ${rng.pick(PHRASES)}.`, ' */'];
  L.push(`int ${name}(struct ${P}_info *info)`, '{', '\tint ret = 0;', '');
  const n = rng.int(2, 8);
  for (let i = 0; i < n; i++) {
    L.push(rng.pick([`\tinfo->stats[${rng.int(0, 7)}]++;`, `\tinfo->flags |= ${PU}_F_READY;`, `\tinfo->state = ${rng.int(0, 6)};`, `\t/* ${rng.pick(PHRASES)} */`]));
  }
  L.push('\treturn ret;', '}', '');
  return L;
}

// ---------------------------------------------------------------------------------------------
// Unified diffs from edit operations

/**
 * Hunks (git style, 3 lines of context) for `ops` — sorted, non-overlapping {at, del, add[]} on
 * `old` (strings). Changes closer than 2×context lines share a hunk, as in diff(1).
 */
export function makeHunks(old, ops, ctx = 3) {
  const groups = [];
  for (const op of ops) {
    const g = groups[groups.length - 1];
    if (g && op.at - g.end <= 2 * ctx) {
      g.ops.push(op);
      g.end = op.at + op.del;
    } else groups.push({ ops: [op], start: op.at, end: op.at + op.del });
  }
  const hunks = [];
  let delta = 0;
  for (const g of groups) {
    const s = Math.max(0, g.start - ctx);
    const e = Math.min(old.length, g.end + ctx);
    const body = [];
    let i = s;
    let adds = 0;
    let dels = 0;
    for (const op of g.ops) {
      for (; i < op.at; i++) body.push(' ' + old[i]);
      for (let k = 0; k < op.del; k++) body.push('-' + old[i + k]);
      i += op.del;
      dels += op.del;
      for (const l of op.add) body.push('+' + l);
      adds += op.add.length;
    }
    for (; i < e; i++) body.push(' ' + old[i]);
    const oldCount = e - s;
    const newCount = oldCount - dels + adds;
    const range = (start, count) => (count === 1 ? `${start}` : `${start},${count}`);
    let fn = '';
    for (let j = s - 1; j >= 0; j--) {
      if (/^[A-Za-z_$]/.test(old[j])) {
        fn = ' ' + old[j].slice(0, 80).trimEnd();
        break;
      }
    }
    const header = `@@ -${range(oldCount === 0 ? s : s + 1, oldCount)} +${range(newCount === 0 ? s + delta : s + delta + 1, newCount)} @@${fn}`;
    hunks.push({ header, body, adds, dels, s, e });
    delta += adds - dels;
  }
  return hunks;
}

function applyOps(lines, ops) {
  const out = [];
  let i = 0;
  for (const op of ops) {
    while (i < op.at) out.push(lines[i++]);
    for (const t of op.add) out.push({ t, o: -1 });
    i += op.del;
  }
  while (i < lines.length) out.push(lines[i++]);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Patches

function rfc2822(d) {
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n) => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]}, ${d.getUTCDate()} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

function kernelsBelow(v) {
  const code = (x) => x[0] * 65536 + x[1] * 256 + x[2];
  return KERNELS.filter((k) => code(k.version.split('.').map(Number)) < code(v)).map((k) => k.name);
}

function wrap(text, width = 72) {
  const out = [];
  let line = '';
  for (const w of text.split(' ')) {
    if (line && line.length + 1 + w.length > width) {
      out.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) out.push(line);
  return out;
}

function distributeExact(total, parts, rng, lo, hi) {
  const out = new Array(parts).fill(lo);
  let left = total - lo * parts;
  while (left > 0) {
    const i = rng.int(0, parts - 1);
    if (out[i] < hi || out.every((x) => x >= hi)) {
      out[i]++;
      left--;
    }
  }
  return out;
}

/**
 * Edits one file for one patch: `want` hunks, each ≥ 8 unchanged lines from the others so that
 * each edit is exactly one hunk. Returns the edit list (possibly shorter when the file is full).
 */
function planFileEdits(rng, f, want) {
  const pos = new Int32Array(f.orig.length).fill(-1);
  f.cur.forEach((l, i) => {
    if (l.o >= 0) pos[l.o] = i;
  });
  const edits = [];
  const free = (a, b) => edits.every((e) => a >= e.end + 8 || b + 8 <= e.start);
  for (let k = 0; k < want; k++) {
    let kind = rng.weighted([['guard', 75], ['guard-only', 8], ['msg', 7], ['compat', 6], ['include', 4]]);
    if (kind === 'include' && f.hasVersionInclude) kind = 'compat';
    let edit = null;
    for (let attempt = 0; attempt < 3 && !edit; attempt++) {
      if (kind === 'include' || kind === 'compat') {
        // After the last #include line (which may be one a patch added).
        let at = -1;
        for (let i = 0; i < Math.min(f.cur.length, 60); i++) if (f.cur[i].t.startsWith('#include')) at = i + 1;
        if (at > 0 && free(at, at) && !edits.some((e) => e.top)) {
          if (kind === 'include') {
            edit = { kind, top: true, start: at, end: at, ops: [{ at, del: 0, add: ['#include <linux/version.h>'] }] };
            f.hasVersionInclude = true;
          } else {
            const block = rng.pick(COMPAT_BLOCKS);
            const k2 = ++f.compatCount;
            const add = block.lines.map((l) => fill(l, { P: f.P, PU: f.PU, k: k2, V: vstr(block.v) }));
            edit = { kind, top: true, start: at, end: at, ops: [{ at, del: 0, add }], v: block.v };
          }
        }
        if (!edit) kind = 'guard';
        continue;
      }
      const want2 = kind === 'msg' ? 'msg' : 'api';
      const cands = f.slots.filter((s) => !s.used && s.kind === want2);
      for (let tries = 0; tries < 12 && cands.length > 0 && !edit; tries++) {
        const s = rng.pick(cands);
        const a = pos[s.o];
        if (a < 0 || !free(a, a + s.n)) continue;
        const indent = f.cur[a].t.match(/^\t*/)[0];
        if (kind === 'msg') {
          const t = f.cur[a].t.replace(/failed: %d\\n", ret\)/, 'failed (flags %#x): %d\\n", flags, ret)');
          edit = { kind, slot: s, start: a, end: a + 1, ops: [{ at: a, del: 1, add: [t] }] };
        } else {
          const api = APIS.find((x) => x.id === s.api);
          const vars = { P: f.P, PU: f.PU, N: s.N };
          const guardOnly = kind === 'guard-only';
          const rhel = !guardOnly && rng.chance(0.04);
          const cond = guardOnly
            ? `#if LINUX_VERSION_CODE >= KERNEL_VERSION(${vstr(api.v)})`
            : rhel
              ? `#if LINUX_VERSION_CODE < KERNEL_VERSION(${vstr(api.v)}) && !(defined(RHEL_RELEASE_CODE) && RHEL_RELEASE_CODE >= RHEL_RELEASE_VERSION(5,4))`
              : `#if LINUX_VERSION_CODE < KERNEL_VERSION(${vstr(api.v)})`;
          const before = guardOnly ? [cond] : [cond, ...api.old.map((l) => indent + fill(l, vars)), '#else'];
          edit = { kind, slot: s, api, start: a, end: a + s.n, ops: [{ at: a, del: 0, add: before }, { at: a + s.n, del: 0, add: ['#endif'] }] };
        }
      }
      if (!edit) kind = rng.chance(0.5) ? 'compat' : 'msg';
    }
    if (edit) {
      if (edit.slot) edit.slot.used = true;
      edits.push(edit);
    }
  }
  return edits.sort((x, y) => x.start - y.start);
}

function makePatchText({ rng, index, sub, number, fileDiffs, edits, date }) {
  const [name, email] = rng.pick(AUTHORS);
  const guardEdits = edits.filter((e) => e.api || e.v);
  const first = edits.find((e) => e.api) ?? edits[0];
  let subject;
  let slug;
  let why;
  if (first.api) {
    const mentions = [...new Set(edits.filter((e) => e.api).map((e) => e.api.id))];
    subject = `${sub}: build before ${vdot(first.api.v)}: ${first.api.id.replace(/-/g, ' ')}${mentions.length > 1 ? ` and ${mentions.length - 1} more` : ''}`;
    slug = first.api.id;
    why = `Before ${vdot(first.api.v)} ${first.api.why}. Keep the upstream code for newer kernels and add the old spelling under a LINUX_VERSION_CODE guard, so the difference stays visible where it matters.`;
  } else if (first.kind === 'msg') {
    subject = `${sub}: say which flags were set when a request fails`;
    slug = 'error-flags';
    why = 'The error path did not say which flags were set, which made the reports from old distribution kernels hard to read.';
  } else {
    subject = `${sub}: compat definitions for older kernels`;
    slug = 'compat-defs';
    why = 'Add the compatibility definitions the later patches of this subsystem rely on.';
  }
  const versions = [...new Set(guardEdits.map((e) => vdot((e.api ?? e).v)))];
  const lines = [`From ${rng.hex(40)} Mon Sep 17 00:00:00 2001`, `From: ${name} <${email}>`, `Date: ${rfc2822(date)}`, `Subject: [PATCH] ${subject}`, ''];
  lines.push(...wrap(why), '');
  if (versions.length > 0) {
    const v0 = guardEdits[0].api?.v ?? guardEdits[0].v;
    const below = kernelsBelow(v0);
    lines.push(...wrap(`Kernels: < ${vdot(v0)} take the compat branch (${below.length ? below.join(', ') : 'none of kernels.json'}); ${vdot(v0)} and later keep upstream code.${versions.length > 1 ? ` Other guards here: ${versions.filter((x) => x !== vdot(v0)).join(', ')}.` : ''}`), '');
  }
  lines.push(`Patch-number: ${index + 1}`);
  lines.push('---');
  const width = Math.max(...fileDiffs.map((d) => d.path.length));
  let tAdd = 0;
  let tDel = 0;
  for (const d of fileDiffs) {
    const n = d.adds + d.dels;
    tAdd += d.adds;
    tDel += d.dels;
    lines.push(` ${d.path.padEnd(width)} | ${String(n).padStart(3)} ${'+'.repeat(Math.min(d.adds, 50))}${'-'.repeat(Math.min(d.dels, 10))}`);
  }
  lines.push(` ${fileDiffs.length} file${fileDiffs.length === 1 ? '' : 's'} changed, ${tAdd} insertion${tAdd === 1 ? '' : 's'}(+)${tDel ? `, ${tDel} deletion${tDel === 1 ? '' : 's'}(-)` : ''}`, '');
  for (const d of fileDiffs) {
    lines.push(`diff --git a/${d.path} b/${d.path}`, `--- a/${d.path}`, `+++ b/${d.path}`);
    for (const h of d.hunks) lines.push(h.header, ...h.body);
  }
  lines.push('-- ', '2.39.5', '');
  return { text: lines.join('\n') + '\n', name: `${sub}/${String(number).padStart(4, '0')}-${slug}.patch`, subject };
}

// ---------------------------------------------------------------------------------------------
// Upstream 1.1

/** Replace the trailing part of a line with an upstream-looking change (keeps it valid C). */
function touchLine(rng, t) {
  if (t.trim() === '') return `\t/* ${rng.pick(PHRASES)} */`;
  if (t.startsWith(' *')) return `${t} (updated)`;
  if (t.startsWith('#') || t.startsWith('/*')) return `${t} /* 1.1 */`;
  if (/^\t+\S.*;$/.test(t)) return `${t}\t/* ${rng.pick(['checked', 'see 1.1 changelog', 'audited', 'fixed in 1.1'])} */`;
  return `${t} /* 1.1 */`;
}

function makeUpstream11(rng, files, patchMeta, scale, counts) {
  const out = new Map();
  const byPath = new Map(files.map((f) => [f.path, f]));
  const reserved = new Set();
  // Patches that went upstream: every file of the patch is touched by that patch only.
  const containedWanted = Math.max(1, Math.round(2 * scale));
  const contained = [];
  for (const pm of rng.shuffle([...patchMeta])) {
    if (contained.length >= containedWanted) break;
    if (pm.files.every((p) => byPath.get(p).patches.size === 1)) {
      contained.push(pm.name);
      for (const p of pm.files) {
        out.set(p, byPath.get(p).cur.map((l) => l.t));
        reserved.add(p);
      }
    }
  }
  counts.containedUpstream = contained;
  const touched = files.filter((f) => f.patches.size > 0 && !reserved.has(f.path));
  const untouched = files.filter((f) => f.patches.size === 0);
  const plan = new Map(); // path -> { mod: Map(o -> text), ins: Map(o -> lines), move: {start,end} }
  const planOf = (f) => {
    let p = plan.get(f.path);
    if (!p) plan.set(f.path, (p = { mod: new Map(), ins: new Map(), move: null }));
    return p;
  };
  const protectedLine = (f, o) => f.guarded.has(o) || f.msgLines.has(o);

  // Moved functions: the last function holding hunks goes to the end of the file.
  let moves = 0;
  for (const f of rng.shuffle([...touched])) {
    if (moves >= Math.round(10 * scale)) break;
    const withHunks = f.fns.filter((fn) => f.hunks.some((h) => h.lo >= fn.start && h.hi < fn.end));
    const fn = withHunks[withHunks.length - 1];
    if (!fn || fn === f.fns[f.fns.length - 1] || f.hunks.some((h) => h.lo < fn.end && h.hi >= fn.end) || f.hunks.some((h) => h.lo < fn.start && h.hi >= fn.start)) continue;
    planOf(f).move = fn;
    moves++;
  }
  counts.movedFunctions = moves;

  // Conflicts: upstream rewrites a line a patch rewrites.
  let conflicts = 0;
  for (const f of rng.shuffle([...touched])) {
    if (conflicts >= Math.round(8 * scale)) break;
    const o = [...f.msgLines][0];
    if (o === undefined) continue;
    planOf(f).mod.set(o, f.orig[o].replace('printk(KERN_ERR "', 'printk(KERN_WARNING "').replace('failed: %d', 'failed, error %d'));
    conflicts++;
  }
  counts.conflictingEdits = conflicts;

  // Stale guards: upstream changes a line that a patch keeps inside a guard.
  let stale = 0;
  for (const f of rng.shuffle([...touched])) {
    if (stale >= Math.round(12 * scale)) break;
    const cands = [...f.guarded];
    if (cands.length === 0) continue;
    const o = rng.pick(cands);
    if (planOf(f).mod.has(o)) continue;
    planOf(f).mod.set(o, `${f.orig[o]}\t/* ${rng.pick(['checked', 'audited', 'see 1.1 changelog'])} */`);
    stale++;
  }
  counts.staleGuardEdits = stale;

  // Edits next to hunks: the first/last context line (fuzz 1) or the second one (fuzz 2).
  let fuzz = 0;
  const allHunks = touched.flatMap((f) => f.hunks.map((h) => [f, h]));
  for (const [f, h] of rng.shuffle(allHunks)) {
    if (fuzz >= Math.round(150 * scale)) break;
    const deep = rng.chance(0.3);
    const o = rng.chance(0.5) ? (deep ? h.ctx2 : h.ctx1) : (deep ? h.ctxN1 : h.ctxN);
    if (o === undefined || o < 0 || protectedLine(f, o) || planOf(f).mod.has(o)) continue;
    planOf(f).mod.set(o, touchLine(rng, f.orig[o]));
    fuzz++;
  }
  counts.editsNextToHunks = fuzz;

  // Offsets: new functions before the first one (and sometimes one in the middle), a removed
  // function without hunks, far from every hunk.
  let inserted = 0;
  let removedFns = 0;
  const farFromHunks = (f, o) => !f.hunks.some((h) => o >= h.lo - 4 && o <= h.hi + 4);
  for (const f of files) {
    if (reserved.has(f.path)) continue;
    const isTouched = f.patches.size > 0;
    if (!rng.chance(isTouched ? 0.45 : 0.3)) continue;
    const p = planOf(f);
    const firstFn = f.fns[0];
    if (firstFn && farFromHunks(f, firstFn.start)) {
      p.ins.set(firstFn.start, makeNewFunction(rng, f.P, f.PU, 'v11a'));
      inserted++;
    }
    if (rng.chance(0.3)) {
      const mid = f.fns[Math.floor(f.fns.length / 2)];
      if (mid && farFromHunks(f, mid.start) && !(p.move && mid.start >= p.move.start && mid.start < p.move.end)) {
        const prev = p.ins.get(mid.start) ?? [];
        p.ins.set(mid.start, [...prev, ...makeNewFunction(rng, f.P, f.PU, 'v11b')]);
        inserted++;
      }
    }
    if (rng.chance(0.15)) {
      const gone = f.fns.find((fn, i) => i > 1 && !f.hunks.some((h) => h.hi >= fn.start - 4 && h.lo < fn.end + 4) && !(p.move && p.move.start === fn.start) && ![...p.ins.keys()].some((o) => o >= fn.start && o <= fn.end));
      if (gone) {
        for (let o = gone.start; o < gone.end; o++) p.mod.set(o, null);
        removedFns++;
      }
    }
    // The copyright line moves on in every file upstream touched.
    const cr = f.orig.findIndex((t) => t.startsWith(' * Copyright (C) '));
    if (cr >= 0 && farFromHunks(f, cr)) p.mod.set(cr, f.orig[cr].replace('-2008 ', '-2009 '));
  }
  counts.insertedFunctions = inserted;
  counts.removedFunctions = removedFns;

  // Removed files (never patched) and new files.
  const removed = new Set(rng.shuffle([...untouched]).slice(0, Math.round(10 * scale)).map((f) => f.path));
  counts.removedFiles = removed.size;
  for (const f of files) {
    if (removed.has(f.path) || out.has(f.path)) continue;
    const p = plan.get(f.path);
    if (!p) {
      out.set(f.path, f.orig);
      continue;
    }
    const res = [];
    const moved = [];
    for (let o = 0; o <= f.orig.length; o++) {
      const inMove = p.move && o >= p.move.start && o < p.move.end;
      const sink = inMove ? moved : res;
      const ins = p.ins.get(o);
      if (ins) sink.push(...ins);
      if (o === f.orig.length) break;
      const m = p.mod.has(o) ? p.mod.get(o) : f.orig[o];
      if (m !== null) sink.push(m);
    }
    if (moved.length) res.push('', ...moved.slice(0, moved[moved.length - 1] === '' ? -1 : undefined));
    out.set(f.path, res);
  }
  const newCount = Math.round(20 * scale);
  for (let i = 0; i < newCount; i++) {
    const sub = SUBSYSTEMS[i % SUBSYSTEMS.length];
    const base = `new${String(i).padStart(3, '0')}`;
    out.set(`${sub}/${base}.c`, makeCFile(rng, sub, base, rng.int(200, 400)).lines);
  }
  counts.newFiles = newCount;
  counts.changedFiles = plan.size + contained.length;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Kernels: stub headers (written by us, declaring just what the generated code uses)

const API_HEADER = `/* Stub kernel API for the pvpatch benchmark kernels: declarations only, enough for
 * gcc -fsyntax-only on the generated drivers. Every call goes through two variadic helpers. */
#ifndef _PVB_API_H
#define _PVB_API_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef unsigned long size_t;
typedef unsigned int gfp_t;
typedef int irqreturn_t;
#define NULL ((void *)0)

long __pvb_call(const char *api, ...);
void *__pvb_ptr(const char *api, ...);
int printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define KERN_ERR "<3>"
#define KERN_WARNING "<4>"
#define KERN_INFO "<6>"
#define KERN_DEBUG "<7>"
#define IRQ_HANDLED 1
#define IRQF_SHARED 0x00000080
#define SA_SHIRQ 0x04000000
#define GFP_KERNEL 0xd0
#define GFP_ATOMIC 0x20
#define PMSG_SUSPEND 3
#define XBT_NIL 0

typedef struct { volatile int slock; } spinlock_t;
struct device { void *driver_data; const char *bus_id; };
struct xenbus_device { struct device dev; int otherend_id; const char *nodename; };
enum xenbus_state { XenbusStateUnknown, XenbusStateInitialising, XenbusStateInitWait,
	XenbusStateInitialised, XenbusStateConnected, XenbusStateClosing, XenbusStateClosed };
struct work_struct { unsigned long data; void (*func)(struct work_struct *); };
struct timer_list { unsigned long expires; void (*function)(unsigned long); unsigned long data; };
struct mutex { int count; };
struct semaphore { int count; };
struct napi_struct { int weight; };
struct net_device { char name[16]; spinlock_t xmit_lock; };
struct request_queue { unsigned int max_sectors; };
struct scatterlist { unsigned long page_link; unsigned int offset, length; };
struct pci_driver { const char *name; };
struct kmem_cache;
struct pt_regs;
struct sk_buff { unsigned char *data; union { unsigned char *raw; } nh; };
struct bio { unsigned int bi_size; };

#define request_irq(...) __pvb_call("request_irq", __VA_ARGS__)
#define INIT_WORK(...) __pvb_call("INIT_WORK", __VA_ARGS__)
#define kzalloc(...) __pvb_ptr("kzalloc", __VA_ARGS__)
#define kmalloc(...) __pvb_ptr("kmalloc", __VA_ARGS__)
#define memset(...) __pvb_ptr("memset", __VA_ARGS__)
#define blk_queue_max_hw_sectors(...) __pvb_call("blk_queue_max_hw_sectors", __VA_ARGS__)
#define blk_queue_max_sectors(...) __pvb_call("blk_queue_max_sectors", __VA_ARGS__)
#define napi_schedule(...) __pvb_call("napi_schedule", __VA_ARGS__)
#define netif_rx_schedule(...) __pvb_call("netif_rx_schedule", __VA_ARGS__)
#define xenbus_switch_state(...) __pvb_call("xenbus_switch_state", __VA_ARGS__)
#define sg_init_table(...) __pvb_call("sg_init_table", __VA_ARGS__)
#define setup_timer(...) __pvb_call("setup_timer", __VA_ARGS__)
#define init_timer(...) __pvb_call("init_timer", __VA_ARGS__)
#define netif_tx_lock_bh(...) __pvb_call("netif_tx_lock_bh", __VA_ARGS__)
#define spin_lock_bh(...) __pvb_call("spin_lock_bh", __VA_ARGS__)
#define mutex_lock(...) __pvb_call("mutex_lock", __VA_ARGS__)
#define down(...) __pvb_call("down", __VA_ARGS__)
#define kmem_cache_create(...) __pvb_ptr("kmem_cache_create", __VA_ARGS__)
#define dev_set_drvdata(...) __pvb_call("dev_set_drvdata", __VA_ARGS__)
#define skb_reset_network_header(...) __pvb_call("skb_reset_network_header", __VA_ARGS__)
#define skb_network_header(...) __pvb_ptr("skb_network_header", __VA_ARGS__)
#define bio_endio(...) __pvb_call("bio_endio", __VA_ARGS__)
#define pci_register_driver(...) __pvb_call("pci_register_driver", __VA_ARGS__)
#define pci_module_init(...) __pvb_call("pci_module_init", __VA_ARGS__)
#define gnttab_end_foreign_access(...) __pvb_call("gnttab_end_foreign_access", __VA_ARGS__)
#define free_page(...) __pvb_call("free_page", __VA_ARGS__)
#define unbind_from_irqhandler(...) __pvb_call("unbind_from_irqhandler", __VA_ARGS__)
#define unbind_evtchn_from_irqhandler(...) __pvb_call("unbind_evtchn_from_irqhandler", __VA_ARGS__)
#define spin_lock_irqsave(lock, flags) ((flags) = (unsigned long)__pvb_call("spin_lock_irqsave", (lock)))
#define spin_unlock_irqrestore(lock, flags) __pvb_call("spin_unlock_irqrestore", (lock), (flags))
#define module_init(fn) int (*__pvb_initcall_##fn)(void) = fn
#define MODULE_LICENSE(x) extern const char __pvb_license[]

#endif
`;

const STUB_HEADERS = ['linux/kernel.h', 'linux/module.h', 'linux/slab.h', 'linux/spinlock.h', 'linux/interrupt.h', 'linux/workqueue.h', 'linux/timer.h', 'linux/mutex.h', 'linux/blkdev.h', 'linux/netdevice.h', 'linux/scatterlist.h', 'xen/xenbus.h', 'xen/grant_table.h', 'xen/events.h'];

function kernelHeaders(k) {
  const files = new Map();
  files.set('linux/pvb_api.h', API_HEADER);
  for (const h of STUB_HEADERS) files.set(h, `/* ${h} for ${k.name} (${k.version}): stub */\n#include <linux/pvb_api.h>\n`);
  files.set('linux/version.h', `/* linux/version.h for ${k.name}: LINUX_VERSION_CODE comes from the command line */\n#ifndef KERNEL_VERSION\n#define KERNEL_VERSION(a,b,c) (((a) << 16) + ((b) << 8) + (c))\n#endif\n`);
  return files;
}

function kernelsJson() {
  const data = {
    macros: { 'RHEL_RELEASE_VERSION(a,b)': '(((a) << 8) + (b))', 'SLE_VERSION(a,b,c)': 'KERNEL_VERSION(a,b,c)' },
    kernels: KERNELS.map((k) => ({ name: k.name, version: k.version, defines: k.defines, build: { kind: 'cc', include: [`kernels/${k.name}/include`], cflags: [] } })),
  };
  return JSON.stringify(data, null, 2) + '\n';
}

// ---------------------------------------------------------------------------------------------
// The workspace

const sha256 = (s) => createHash('sha256').update(s).digest('hex');

async function writeAll(root, entries) {
  const dirs = new Set();
  for (const [rel] of entries) dirs.add(path.dirname(path.join(root, rel)));
  for (const d of [...dirs].sort()) await fsp.mkdir(d, { recursive: true });
  const list = [...entries];
  const width = 64;
  for (let i = 0; i < list.length; i += width) {
    await Promise.all(list.slice(i, i + width).map(([rel, text]) => fsp.writeFile(path.join(root, rel), text)));
  }
}

/**
 * Write a complete workspace into `dir` (which must not exist or be empty). Returns the meta data
 * also written to bench-meta.json. Deterministic in (scale, seed).
 */
export async function generate({ dir, scale = 1, seed = 1 }) {
  const rng = makeRng(`pvpatch-bench/${seed}/${scale}`);
  const nFiles = Math.max(SUBSYSTEMS.length, Math.round(2000 * scale));
  const nPatches = Math.max(SUBSYSTEMS.length, Math.round(500 * scale));
  const nHunks = Math.max(nPatches, Math.round(3000 * scale));

  // 1.0
  const files = [];
  const srcRng = rng.fork('sources');
  for (let i = 0; i < nFiles; i++) {
    const sub = SUBSYSTEMS[i % SUBSYSTEMS.length];
    const k = Math.floor(i / SUBSYSTEMS.length);
    const base = `${NOUNS[k % NOUNS.length]}${String(Math.floor(k / NOUNS.length)).padStart(2, '0')}`;
    const c = makeCFile(srcRng, sub, base, srcRng.int(440, 560));
    files.push({
      path: `${sub}/${base}.c`,
      sub,
      P: c.P,
      PU: c.PU,
      orig: c.lines,
      cur: c.lines.map((t, o) => ({ t, o })),
      slots: c.slots,
      fns: c.fns,
      hasVersionInclude: false,
      compatCount: 0,
      patches: new Set(),
      hunks: [],
      guarded: new Set(),
      msgLines: new Set(),
    });
  }

  // Patches, subsystem by subsystem, each on the "hot" 40% of its subsystem's files.
  const pRng = rng.fork('patches');
  const perSub = distributeExact(nPatches, SUBSYSTEMS.length, pRng, Math.floor(nPatches / SUBSYSTEMS.length), Math.ceil(nPatches / SUBSYSTEMS.length));
  const hunksPerPatch = distributeExact(nHunks, nPatches, pRng, 1, 14);
  const patchOut = [];
  const patchMeta = [];
  const kinds = { guard: 0, 'guard-only': 0, msg: 0, compat: 0, include: 0 };
  let made = 0;
  let deficit = 0;
  let p = 0;
  const baseDate = Date.UTC(2008, 0, 7, 9, 0, 0);
  for (let si = 0; si < SUBSYSTEMS.length; si++) {
    const sub = SUBSYSTEMS[si];
    const subFiles = files.filter((f) => f.sub === sub);
    const hot = pRng.shuffle([...subFiles]).slice(0, Math.max(1, Math.round(subFiles.length * 0.4)));
    for (let n = 1; n <= perSub[si]; n++, p++) {
      let want = hunksPerPatch[p] + deficit;
      const nf = Math.min(want <= 2 ? 1 : pRng.int(1, 3), hot.length);
      const chosen = pRng.shuffle([...hot]).slice(0, nf).sort((a, b) => (a.path < b.path ? -1 : 1));
      const split = distributeExact(want, nf, pRng, 1, 1000);
      const fileDiffs = [];
      const allEdits = [];
      chosen.forEach((f, i) => {
        const edits = planFileEdits(pRng, f, split[i]);
        if (edits.length === 0) return;
        const ops = edits.flatMap((e) => e.ops);
        const oldText = f.cur.map((l) => l.t);
        const hunks = makeHunks(oldText, ops);
        if (hunks.length !== edits.length) throw new Error(`generator bug: ${f.path}: ${edits.length} edits made ${hunks.length} hunks`);
        for (const [hi, h] of hunks.entries()) {
          const os = f.cur.slice(h.s, h.e).map((l) => l.o);
          const real = os.filter((o) => o >= 0);
          f.hunks.push({ patch: p, lo: Math.min(...real), hi: Math.max(...real), ctx1: os[0], ctx2: os[1], ctxN: os[os.length - 1], ctxN1: os[os.length - 2] });
          const e = edits[hi];
          kinds[e.kind]++;
          if (e.kind === 'guard' || e.kind === 'guard-only') for (let a = e.start; a < e.end; a++) f.guarded.add(f.cur[a].o);
          if (e.kind === 'msg') f.msgLines.add(f.cur[e.start].o);
        }
        f.cur = applyOps(f.cur, ops);
        f.patches.add(p);
        allEdits.push(...edits);
        fileDiffs.push({ path: f.path, hunks, adds: hunks.reduce((a, h) => a + h.adds, 0), dels: hunks.reduce((a, h) => a + h.dels, 0) });
      });
      made += allEdits.length;
      deficit = want - allEdits.length;
      if (fileDiffs.length === 0) throw new Error(`generator: patch ${p} of ${sub} got no hunks (files full?)`);
      const pt = makePatchText({ rng: pRng, index: p, sub, number: n, fileDiffs, edits: allEdits, date: new Date(baseDate + p * 7 * 3600 * 1000) });
      patchOut.push(pt);
      patchMeta.push({ name: pt.name, files: fileDiffs.map((d) => d.path) });
    }
  }

  // 1.1
  const counts = {};
  const v11 = makeUpstream11(rng.fork('upstream'), files, patchMeta, scale, counts);

  // Write everything.
  const entries = new Map();
  const drop10 = {};
  const drop11 = {};
  let lines10 = 0;
  for (const f of files) {
    const text = f.orig.join('\n') + '\n';
    lines10 += f.orig.length;
    entries.set(`upstream/1.0/${f.path}`, text);
    drop10[f.path] = sha256(text);
  }
  let lines11 = 0;
  for (const [rel, lines] of [...v11].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const text = lines.join('\n') + '\n';
    lines11 += lines.length;
    entries.set(`upstream/1.1/${rel}`, text);
    drop11[rel] = sha256(text);
  }
  const sorted = (o) => Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
  const drops = {
    paths: [],
    current: '1.0',
    drops: [
      { version: '1.0', source: `bench:generate seed=${seed} scale=${scale}`, date: '2008-06-02T00:00:00.000Z', files: sorted(drop10) },
      { version: '1.1', source: `bench:generate seed=${seed} scale=${scale}`, date: '2009-01-12T00:00:00.000Z', files: sorted(drop11) },
    ],
  };
  entries.set('upstream/drops.json', JSON.stringify(drops, null, 2) + '\n');
  entries.set('kernels.json', kernelsJson());
  for (const k of KERNELS) for (const [rel, text] of kernelHeaders(k)) entries.set(`kernels/${k.name}/include/${rel}`, text);
  for (const pt of patchOut) entries.set(`patches/${pt.name}`, pt.text);
  entries.set('patches/series', patchOut.map((pt) => pt.name).join('\n') + '\n');
  entries.set('.gitignore', 'out/\n.pvpatch/\n');
  const meta = {
    generator: GENERATOR_VERSION,
    seed,
    scale,
    files: nFiles,
    lines: lines10,
    bytes: [...entries].filter(([k]) => k.startsWith('upstream/1.0/')).reduce((a, [, t]) => a + t.length, 0),
    subsystems: SUBSYSTEMS.length,
    patches: patchOut.length,
    hunks: made,
    hunkKinds: kinds,
    guards: kinds.guard + kinds['guard-only'] + kinds.compat,
    kernels: KERNELS.length,
    drop11: { files: v11.size, lines: lines11, ...counts },
  };
  entries.set('bench-meta.json', JSON.stringify(meta, null, 2) + '\n');
  await fsp.mkdir(dir, { recursive: true });
  await writeAll(dir, entries);
  return meta;
}

// ---------------------------------------------------------------------------------------------
// CLI

async function main(argv) {
  const args = { scale: 1, seed: 1, dir: undefined, check: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--dir') args.dir = argv[++i];
    else if (a === '--scale') args.scale = Number(argv[++i]);
    else if (a === '--seed') args.seed = argv[++i];
    else if (a === '--check') args.check = true;
    else throw new Error(`unknown argument ${a} (usage: node bench/generate.mjs --dir DIR [--scale S] [--seed N] [--check])`);
  }
  if (!args.dir) throw new Error('--dir DIR is required');
  const started = Date.now();
  const meta = await generate(args);
  process.stdout.write(`${JSON.stringify(meta, null, 2)}\ngenerated in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
  if (args.check) {
    const { checkWorkspace } = await import('./run.mjs');
    await checkWorkspace(args.dir);
    process.stdout.write('git apply --check: ok\n');
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`generate: ${err.stack ?? err}\n`);
    process.exit(1);
  });
}
