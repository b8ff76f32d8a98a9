import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { patchStatus, rebaseFile, type FileRebaseInput, type FileRebaseResult } from '../../../src/core/merge/rebase-file.js';
import { mergeTexts } from '../../../src/core/merge/diff3.js';
import { conflictKey, recordResolution } from '../../../src/core/merge/rerere.js';
import { resolvedLines } from '../../../src/core/review/resolve.js';
import { gitMergeFile } from './git-merge-file.js';
import { guardCase } from './gen.js';
import { scanGuards } from '../../../src/core/merge/guards.js';

const L = (...lines: string[]): string => lines.map((l) => `${l}\n`).join('');
const PATCH = 'blkfront/elevator-noop.patch';
const rebase = (x: Omit<FileRebaseInput, 'patch' | 'path'> & Partial<FileRebaseInput>): FileRebaseResult => rebaseFile({ patch: PATCH, path: 'drivers/block/xen-blkfront.c', ...x });

// A realistic blkfront excerpt: the old drop, the old drop with the elevator guard, upstream's next drop.
const OLD = L(
  'static int xlvbd_init_blk_queue(struct gendisk *gd, u16 sector_size)',
  '{',
  '\tstruct request_queue *rq;',
  '',
  '\trq = blk_init_queue(do_blkif_request, &blkif_io_lock);',
  '\tif (rq == NULL)',
  '\t\treturn -1;',
  '',
  '\televator_init(rq, "noop");',
  '',
  '\t/* Hard sector size and max sectors impersonate the equiv. hardware. */',
  '\tblk_queue_logical_block_size(rq, sector_size);',
  '\tblk_queue_max_hw_sectors(rq, 512);',
  '',
  '\tgd->queue = rq;',
  '\treturn 0;',
  '}',
);
const GUARD = ['#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)', '\televator_init(rq, &elevator_noop);', '#else', '\televator_init(rq, "noop");', '#endif'];
const OURS = OLD.replace('\televator_init(rq, "noop");\n', L(...GUARD));

describe('rebaseFile: exact, offset, fuzz', () => {
  it('gives ours back on an unchanged drop', () => {
    expect(rebase({ prev: OLD, ours: OURS, theirs: OLD })).toMatchObject({ status: 'clean', text: OURS, items: [] });
  });
  it('reports offset when upstream added lines far above', () => {
    const theirs = L('/* SPDX-License-Identifier: GPL-2.0 */', '#include <linux/module.h>', '', '') + OLD;
    const r = rebase({ prev: OLD, ours: OURS, theirs });
    expect(r.status).toBe('offset');
    expect(r.text).toBe(L('/* SPDX-License-Identifier: GPL-2.0 */', '#include <linux/module.h>', '', '') + OURS);
    expect(r.items).toEqual([]);
  });
  it('reports fuzz, and a stale guard, when upstream changed the outer context', () => {
    const theirs = OLD.replace('\t\treturn -1;', '\t\treturn -ENOMEM;');
    const r = rebase({ prev: OLD, ours: OURS, theirs });
    expect(r.status).toBe('fuzz');
    expect(r.text).toBe(OURS.replace('\t\treturn -1;', '\t\treturn -ENOMEM;'));
    expect(r.items.map((i) => [i.kind, i.line])).toEqual([['stale', 9]]);
  });
  it('uses the patch file\'s own hunks when given, and the applyPatch hook when given', () => {
    const theirs = OLD.replace('sector_size);', 'sector_size); /* moved */');
    let seen = '';
    const r = rebase({ prev: OLD, ours: OURS, theirs, applyPatch: (t) => ((seen = t), { status: 'offset', text: 'X' }) });
    expect(seen).toBe(theirs);
    expect(r).toMatchObject({ status: 'offset', text: 'X' });
  });
});

describe('rebaseFile: branch-aware guards', () => {
  it('upstream edits the #else line: merges with the new line in #else, flagged stale (git conflicts)', () => {
    const theirs = OLD.replace('\televator_init(rq, "noop");', '\televator_init(rq, "noop", GFP_KERNEL);');
    expect(gitMergeFile(OLD, OURS, theirs).clean).toBe(false);
    const r = rebase({ prev: OLD, ours: OURS, theirs });
    expect(r.status).toBe('merged');
    expect(r.text).toBe(OURS.replace('\televator_init(rq, "noop");', '\televator_init(rq, "noop", GFP_KERNEL);'));
    expect(r.items).toHaveLength(1);
    const s = r.items[0]!;
    expect(s).toMatchObject({
      kind: 'stale',
      patch: PATCH,
      subsystem: 'blkfront',
      file: 'drivers/block/xen-blkfront.c',
      line: 9,
      base: ['\televator_init(rq, "noop");'],
      theirs: ['\televator_init(rq, "noop", GFP_KERNEL);'],
      condition: 'LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)',
      status: 'open',
    });
    expect(s.ours).toEqual([...GUARD.slice(0, 3), '\televator_init(rq, "noop", GFP_KERNEL);', '#endif']);
    expect(s.id).toMatch(/^s-[0-9a-f]{8}$/);
    expect(s.upstreamChange).toEqual([
      '@@ -6,7 +6,7 @@',
      '\tif (rq == NULL)'.replace(/^/, ' '),
      ' \t\treturn -1;',
      ' ',
      '-\televator_init(rq, "noop");',
      '+\televator_init(rq, "noop", GFP_KERNEL);',
      ' ',
      ' \t/* Hard sector size and max sectors impersonate the equiv. hardware. */',
      ' \tblk_queue_logical_block_size(rq, sector_size);',
    ]);
    // "reviewed" keeps the merged guard; "upstream" drops the guard for upstream's line
    expect(resolvedLines(s, { take: 'reviewed' })).toEqual(s.ours);
    expect(resolvedLines(s, { take: 'upstream' })).toEqual(['\televator_init(rq, "noop", GFP_KERNEL);']);
  });

  it('upstream edits right next to the guard on both sides: merges, stale', () => {
    const theirs = OLD.replace('\televator_init(rq, "noop");\n', '\tblk_queue_flag_set(QUEUE_FLAG_NOMERGES, rq);\n\televator_init(rq, "noop");\n\tblk_queue_flag_set(QUEUE_FLAG_VIRT, rq);\n');
    const r = rebase({ prev: OLD, ours: OURS, theirs });
    expect(r.status).toBe('merged');
    // insertions at the wrapped lines' edges go into the upstream branch
    expect(r.text).toContain(L('#else', '\tblk_queue_flag_set(QUEUE_FLAG_NOMERGES, rq);', '\televator_init(rq, "noop");', '\tblk_queue_flag_set(QUEUE_FLAG_VIRT, rq);', '#endif'));
    expect(r.items.map((i) => i.kind)).toEqual(['stale']);
  });

  it('pt_regs IRQ handler (#if NEW upstream #else compat): upstream renames a local two lines below', () => {
    const prev = L('static irqreturn_t blkif_interrupt(int irq, void *dev_id)', '{', '\tstruct blkfront_info *info = (struct blkfront_info *)dev_id;', '\tunsigned long flags;', '', '\tspin_lock_irqsave(&info->io_lock, flags);', '\treturn IRQ_HANDLED;', '}');
    const ours = L(
      '#if LINUX_VERSION_CODE >= KERNEL_VERSION(2,6,19)',
      'static irqreturn_t blkif_interrupt(int irq, void *dev_id)',
      '#else',
      'static irqreturn_t blkif_interrupt(int irq, void *dev_id, struct pt_regs *ptregs)',
      '#endif',
      ...prev.split('\n').slice(1, -1),
    );
    const theirs = prev.replace('static irqreturn_t blkif_interrupt(int irq, void *dev_id)', 'static irqreturn_t blkif_interrupt(int irq, void *dev_id_)').replace(/\binfo\b/g, 'rinfo');
    const r = rebase({ patch: 'blkfront/irq-ptregs.patch', prev, ours, theirs });
    expect(r.status).toBe('merged');
    expect(r.text.split('\n').slice(0, 6)).toEqual([
      '#if LINUX_VERSION_CODE >= KERNEL_VERSION(2,6,19)',
      'static irqreturn_t blkif_interrupt(int irq, void *dev_id_)',
      '#else',
      'static irqreturn_t blkif_interrupt(int irq, void *dev_id, struct pt_regs *ptregs)',
      '#endif',
      '{',
    ]);
    expect(r.text).toContain('spin_lock_irqsave(&rinfo->io_lock, flags);');
    expect(r.items).toHaveLength(1);
    expect(r.items[0]).toMatchObject({ kind: 'stale', line: 1, condition: 'LINUX_VERSION_CODE >= KERNEL_VERSION(2,6,19)' });
  });

  it('upstream edits the compat branch\'s context (compat-only guard): conflict with an id and the condition', () => {
    const prev = L('static void blkif_restart_queue(struct work_struct *work)', '{', '\tstruct blkfront_info *info = container_of(work, struct blkfront_info, work);', '', '\tspin_lock_irq(&info->io_lock);');
    const ours = L(
      'static void blkif_restart_queue(struct work_struct *work)',
      '{',
      '#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,20)',
      '\tstruct blkfront_info *info = (struct blkfront_info *)arg;',
      '#else',
      '\tstruct blkfront_info *info = container_of(work, struct blkfront_info, work);',
      '#endif',
      '',
      '\tspin_lock_irq(&info->io_lock);',
    ).replace('#else\n\tstruct blkfront_info *info = container_of(work, struct blkfront_info, work);\n#endif\n', '#endif\n');
    // the compat-only guard sits before the upstream line; upstream rewrites that very line
    const theirs = prev.replace('container_of(work, struct blkfront_info, work)', 'container_of(work, struct blkfront_info, restart_work)');
    const r = rebase({ patch: 'blkfront/init-work.patch', prev, ours, theirs });
    expect(r.status).toBe('conflict');
    expect(r.items).toHaveLength(1);
    const c = r.items[0]!;
    expect(c).toMatchObject({ kind: 'conflict', line: 3, condition: 'LINUX_VERSION_CODE < KERNEL_VERSION(2,6,20)', status: 'open' });
    expect(c.id).toMatch(/^c-[0-9a-f]{8}$/);
    expect(c.base).toEqual(['\tstruct blkfront_info *info = container_of(work, struct blkfront_info, work);']);
    expect(c.theirs).toEqual(['\tstruct blkfront_info *info = container_of(work, struct blkfront_info, restart_work);']);
    expect(c.ours).toContain('\tstruct blkfront_info *info = (struct blkfront_info *)arg;');
    expect(r.text.split('\n')[c.line - 1]).toBe('<<<<<<< ours');
    expect(r.text).toContain('||||||| base\n');
  });

  it('upstream deletes the wrapped lines: the compat branch conflicts', () => {
    const theirs = OLD.replace('\televator_init(rq, "noop");\n', '');
    const r = rebase({ prev: OLD, ours: OURS, theirs });
    expect(r.status).toBe('conflict');
    expect(r.items.map((i) => [i.kind, i.condition])).toEqual([['conflict', 'LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)']]);
    expect(r.items[0]?.theirs).toEqual([]);
  });

  it('a non-guard hunk conflicts like a plain three-way merge', () => {
    const prev = L('a', 'b', '\tkmem_cache_create("blkif", size, 0, 0, NULL);', 'd', 'e');
    const ours = prev.replace('0, 0, NULL)', '0, SLAB_HWCACHE_ALIGN, NULL)');
    const theirs = prev.replace('0, 0, NULL)', '0, 0, ctor)');
    const r = rebase({ patch: 'blkfront/slab.patch', prev, ours, theirs });
    expect(r.status).toBe('conflict');
    expect(r.text).toBe(mergeTexts(prev, ours, theirs).text);
    expect(r.items[0]?.condition).toBeUndefined();
  });

  it('keeps CRLF files CRLF', () => {
    const crlf = (s: string): string => s.replace(/\n/g, '\r\n');
    const theirs = crlf(OLD.replace('\televator_init(rq, "noop");', '\televator_init(rq, "none");'));
    const r = rebase({ prev: crlf(OLD), ours: crlf(OURS), theirs });
    expect(r.status).toBe('merged');
    expect(r.text).toBe(crlf(OURS.replace('\televator_init(rq, "noop");', '\televator_init(rq, "none");')));
  });

  it('two guards next to each other each take their own upstream lines', () => {
    const prev = L('x0', 'x1', 'x2', '\tINIT_WORK(&info->work, blkif_restart_queue);', '\tcache = kmem_cache_create("blkif", size, 0, 0, NULL);', 'y0', 'y1', 'y2');
    const ours = L(
      'x0', 'x1', 'x2',
      '#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,20)', '\tINIT_WORK(&info->work, blkif_restart_queue, (void *)info);', '#else', '\tINIT_WORK(&info->work, blkif_restart_queue);', '#endif',
      '#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,23)', '\tcache = kmem_cache_create("blkif", size, 0, 0, NULL, NULL);', '#else', '\tcache = kmem_cache_create("blkif", size, 0, 0, NULL);', '#endif',
      'y0', 'y1', 'y2',
    );
    const theirs = prev.replace('blkif_restart_queue);', 'blkif_restart_queue_fn);').replace('0, 0, NULL);', '0, SLAB_ACCOUNT, NULL);');
    const r = rebase({ patch: 'blkfront/compat.patch', prev, ours, theirs });
    expect(r.status).toBe('merged');
    expect(r.text).toBe(ours.replace('blkif_restart_queue);', 'blkif_restart_queue_fn);').replace('0, 0, NULL);', '0, SLAB_ACCOUNT, NULL);'));
    expect(r.items.map((i) => [i.kind, i.line, i.condition])).toEqual([
      ['stale', 4, 'LINUX_VERSION_CODE < KERNEL_VERSION(2,6,20)'],
      ['stale', 9, 'LINUX_VERSION_CODE < KERNEL_VERSION(2,6,23)'],
    ]);
  });

  it('gives the same ids on every run, different ones for another patch', () => {
    const theirs = OLD.replace('\televator_init(rq, "noop");\n', '');
    const a = rebase({ prev: OLD, ours: OURS, theirs });
    const b = rebase({ prev: OLD, ours: OURS, theirs });
    const c = rebase({ patch: 'blkfront/other.patch', prev: OLD, ours: OURS, theirs });
    expect(a.items.map((i) => i.id)).toEqual(b.items.map((i) => i.id));
    expect(a.items[0]?.id).not.toBe(c.items[0]?.id);
    const sha = (t: string): string => `${t.length.toString(16).padStart(8, '0')}ffffffff`;
    expect(rebase({ prev: OLD, ours: OURS, theirs, hash: sha }).items[0]?.id).toMatch(/^c-[0-9a-f]{8}$/);
  });
});

describe('rebaseFile: already upstream', () => {
  it('when the new drop is the patched file', () => {
    expect(rebase({ prev: OLD, ours: OURS, theirs: OURS })).toMatchObject({ status: 'already-upstream', text: OURS, items: [] });
  });
  it('when the new drop has the change among other changes', () => {
    const theirs = OURS.replace('\tif (rq == NULL)', '\tif (!rq)').replace('\tgd->queue = rq;', '\tgd->queue = rq;\n\tblk_queue_write_cache(rq, true, true);');
    expect(rebase({ prev: OLD, ours: OURS, theirs })).toMatchObject({ status: 'already-upstream', text: theirs });
  });
  it('when only the reverse of the patch applies', () => {
    const prev = L('a', 'b', 'c', 'd', 'e', 'f', 'g');
    const ours = L('a', 'b', 'c', 'NEW', 'd', 'e', 'f', 'g');
    // upstream took the line and also changed a line further down, and the merge trips on a tie
    const theirs = L('a', 'b', 'c', 'NEW', 'd', 'e', 'F', 'g');
    expect(rebase({ prev, ours, theirs })).toMatchObject({ status: 'already-upstream' });
  });
  it('a patch that does not change the file leaves theirs as it is', () => {
    expect(rebase({ prev: OLD, ours: OLD, theirs: OURS })).toMatchObject({ status: 'clean', text: OURS });
  });
});

describe('rebaseFile: recorded resolutions', () => {
  it('resolves a conflict that comes back the way it was resolved, with the same id', () => {
    const theirs = OLD.replace('\televator_init(rq, "noop");\n', '');
    const first = rebase({ prev: OLD, ours: OURS, theirs });
    const c = first.items[0]!;
    const lines = ['#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)', '\televator_init(rq, &elevator_noop);', '#endif'];
    const cache = recordResolution(new Map(), conflictKey(c), c, lines);
    const again = rebase({ prev: OLD, ours: OURS, theirs, resolutions: cache });
    expect(again.status).toBe('merged');
    expect(again.items).toEqual([]);
    expect(again.resolved).toEqual([{ id: c.id, key: conflictKey(c), line: c.line }]);
    expect(again.text).toBe(OLD.replace('\televator_init(rq, "noop");\n', L(...lines)));
    // a different conflict is not touched
    const other = rebase({ prev: OLD, ours: OURS, theirs: OLD.replace('\televator_init(rq, "noop");\n\n', ''), resolutions: cache });
    expect(other.status).toBe('conflict');
  });
});

describe('patchStatus', () => {
  const f = (status: FileRebaseResult['status'], stale = false): FileRebaseResult => ({
    path: 'x',
    status,
    text: '',
    items: stale ? [{ id: 's', kind: 'stale', patch: 'p', subsystem: 's', file: 'x', line: 1, base: [], ours: [], theirs: [], status: 'open' }] : [],
    resolved: [],
    guards: [],
  });
  it('summarises a patch over its files', () => {
    expect(patchStatus([f('clean'), f('conflict'), f('merged', true)])).toBe('conflict');
    expect(patchStatus([f('already-upstream'), f('already-upstream')])).toBe('already-upstream');
    expect(patchStatus([f('fuzz', true), f('clean')])).toBe('stale');
    expect(patchStatus([f('offset'), f('fuzz'), f('already-upstream')])).toBe('fuzz');
    expect(patchStatus([f('offset'), f('merged')])).toBe('merged');
    expect(patchStatus([])).toBe('clean');
  });
});

describe('rebaseFile properties', () => {
  /**
   * A file of unique C-like lines; guards (three forms) around some of them; upstream edits some
   * lines, wrapped or not. Expected: ours with every edited line replaced, wherever it is.
   */
  const scenario = fc
    .record({
      n: fc.integer({ min: 4, max: 30 }),
      wrap: fc.uniqueArray(fc.nat(29), { maxLength: 5 }),
      form: fc.array(fc.constantFrom('else', 'if-new', 'no-else'), { minLength: 30, maxLength: 30 }),
      edit: fc.array(fc.boolean(), { minLength: 30, maxLength: 30 }),
      editRate: fc.constantFrom(0, 0.1, 0.3),
      crlf: fc.boolean(),
    })
    .map(({ n, wrap, form, edit, editRate, crlf }) => {
      const eol = crlf ? '\r\n' : '\n';
      const base = Array.from({ length: n }, (_, i) => `\tcall_${i}(info, ${i});`);
      const wrapped = [...new Set(wrap.filter((w) => w < n))].sort((a, b) => a - b);
      // wrapped lines are edited per `edit`; other lines only at editRate (derived from edit, deterministic)
      const edited = base.map((_, i) => (wrapped.includes(i) ? (edit[i] ?? false) : (edit[i] ?? false) && (i * 7919) % 10 < editRate * 10));
      const ours: string[] = [];
      const expected: string[] = [];
      const theirs: string[] = [];
      base.forEach((line, i) => {
        const up = edited[i] ? line.replace(');', ', GFP_KERNEL);') : line;
        theirs.push(up);
        if (!wrapped.includes(i)) {
          ours.push(line);
          expected.push(up);
          return;
        }
        const cond = `LINUX_VERSION_CODE < KERNEL_VERSION(2,6,${10 + i})`;
        const f = form[i];
        const guard = (u: string): string[] =>
          f === 'else' ? [`#if ${cond}`, `\told_call_${i}(info);`, '#else', u, '#endif'] : f === 'if-new' ? [`#if !(${cond})`, u, '#else', `\told_call_${i}(info);`, '#endif'] : [`#if !(${cond})`, u, '#endif'];
        ours.push(...guard(line));
        expected.push(...guard(up));
      });
      const stale = wrapped.filter((w) => edited.some((e, j) => e && Math.abs(j - w) <= 3)).length;
      const j = (ls: string[]): string => ls.map((l) => l + eol).join('');
      return { prev: j(base), ours: j(ours), theirs: j(theirs), expected: j(expected), stale };
    });

  it('rebasing onto an unchanged drop gives the same text back', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const r = rebase({ prev: s.prev, ours: s.ours, theirs: s.prev });
        expect(r.text).toBe(s.ours);
        expect(r.items).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('upstream edits of wrapped lines (and lines around) always merge, never conflict; stale exactly within 3 lines', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const r = rebase({ prev: s.prev, ours: s.ours, theirs: s.theirs });
        expect(r.text).toBe(s.expected);
        expect(r.items.filter((i) => i.kind === 'conflict')).toEqual([]);
        // stale: exactly the guards with an upstream edit within 3 lines
        expect(r.items.length).toBe(s.stale);
        for (const i of r.items) {
          expect(r.text.split(/\r?\n/).slice(i.line - 1, i.line - 1 + i.ours.length)).toEqual(i.ours);
          expect(i.ours[0]).toMatch(/^#if /);
          expect(i.upstreamChange?.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('the branch-aware merge without guards is the plain three-way merge', () => {
    const line = fc.constantFrom('a', 'b', 'c', '}', '', 'return 0;');
    fc.assert(
      fc.property(fc.array(line, { maxLength: 10 }), fc.array(line, { maxLength: 10 }), fc.array(line, { maxLength: 10 }), (p, o, t) => {
        const [prev, ours, theirs] = [p, o, t].map((ls) => L(...ls)) as [string, string, string];
        const r = rebase({ prev, ours, theirs, applyPatch: () => undefined });
        if (r.status === 'merged' || r.status === 'conflict') expect(r.text).toBe(mergeTexts(prev, ours, theirs).text);
      }),
      { numRuns: 300 },
    );
  });
});

/** The text with each generated guard replaced by its upstream (#else) branch. */
function unguard(text: string): string {
  const lines = text.split('\n');
  const blocks = scanGuards(lines).filter((b) => b.depth === 0 && b.condition.startsWith('LINUX_VERSION_CODE < KERNEL_VERSION(2,6,1'));
  for (const b of blocks.reverse()) {
    const upstream = b.branches[1];
    lines.splice(b.start, b.end - b.start, ...(upstream ? lines.slice(upstream.bodyStart, upstream.bodyEnd) : []));
  }
  return lines.join('\n');
}

/**
 * Differential test of the branch-aware merge against git merge-file on generated guard cases
 * (seeds 1-500: 255 clean in both and identical, 117 clean only branch-aware — the guard noise
 * git conflicts on —, 128 conflicting in both, 0 clean in git only, 0 different; and for 323
 * clean results, removing the guards gives git's merge of the patch without its guards).
 */
describe('rebaseFile against git merge-file', () => {
  it('where git merges cleanly, the branch-aware merge gives the same bytes; where only it does, the upstream branch is upstream\'s', () => {
    const stats = { same: 0, different: 0, gitOnlyClean: 0, branchAwareOnlyClean: 0, bothConflict: 0, upstreamBranchChecked: 0 };
    const different: number[] = [];
    const unguardedDiffers: number[] = [];
    for (let seed = 1; seed <= 500; seed++) {
      const c = guardCase(seed);
      const git = gitMergeFile(c.base, c.ours, c.theirs);
      const r = rebaseFile({ patch: 'p', path: 'f.c', prev: c.base, ours: c.ours, theirs: c.theirs, applyPatch: () => undefined });
      if (r.status === 'already-upstream') continue;
      const clean = r.status !== 'conflict';
      if (git.clean && clean) {
        if (git.text === r.text) stats.same++;
        else {
          stats.different++;
          different.push(seed);
        }
      } else if (git.clean) stats.gitOnlyClean++;
      else if (clean) stats.branchAwareOnlyClean++;
      else stats.bothConflict++;
      // Without the guards, the result is git's merge of the patch without its guards.
      if (clean && !c.theirsAddsDirectives) {
        const plain = gitMergeFile(c.base, unguard(c.ours), c.theirs);
        if (plain.clean) {
          stats.upstreamBranchChecked++;
          if (plain.text !== unguard(r.text)) unguardedDiffers.push(seed);
        }
      }
    }
    console.log('rebaseFile vs git merge-file, 500 guard cases:', stats);
    expect(different).toEqual([]);
    expect(stats.gitOnlyClean).toBe(0);
    expect(unguardedDiffers).toEqual([]);
    expect(stats.branchAwareOnlyClean).toBeGreaterThan(50);
    expect(stats.upstreamBranchChecked).toBeGreaterThan(300);
  });
});
