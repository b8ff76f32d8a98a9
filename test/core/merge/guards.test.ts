import { describe, expect, it } from 'vitest';
import { alignRecords, findPatchGuards, scanDirective, scanGuards } from '../../../src/core/merge/guards.js';
import { splitRecords, stripEol } from '../../../src/core/merge/lines.js';

const L = (...lines: string[]): string => lines.map((l) => `${l}\n`).join('');

describe('scanDirective', () => {
  it('recognises conditional directives with any spacing and comments', () => {
    expect(scanDirective('#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)  /* pvpatch: blkfront/elevator-noop */')).toEqual({
      kind: 'if',
      argument: 'LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)',
    });
    expect(scanDirective('  #  ifndef KMEM_CACHE')).toEqual({ kind: 'ifndef', argument: 'KMEM_CACHE' });
    expect(scanDirective('#else /* >= 2.6.19 */')).toEqual({ kind: 'else', argument: '' });
    expect(scanDirective('#endif // CONFIG_XEN')).toEqual({ kind: 'endif', argument: '' });
    expect(scanDirective('#elifdef CONFIG_X86_64')).toEqual({ kind: 'elif', argument: 'defined(CONFIG_X86_64)' });
  });
  it('ignores other directives and ordinary lines', () => {
    expect(scanDirective('#define KMEM_CACHE(x) 1')).toBeUndefined();
    expect(scanDirective('#include <linux/version.h>')).toBeUndefined();
    expect(scanDirective('#ifxyz')).toBeUndefined();
    expect(scanDirective('\tif (rq == NULL)')).toBeUndefined();
  });
});

describe('scanGuards', () => {
  it('finds nested blocks with their branches', () => {
    const lines = [
      '#ifdef CONFIG_XEN', //0
      'int a;', //1
      '#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,19)', //2
      'old();', //3
      '#elif LINUX_VERSION_CODE < KERNEL_VERSION(2,6,23)', //4
      'mid();', //5
      '#else', //6
      'new();', //7
      '#endif', //8
      '#endif', //9
    ];
    const blocks = scanGuards(lines);
    expect(blocks.map((b) => [b.start, b.end, b.depth, b.condition])).toEqual([
      [0, 10, 0, 'defined(CONFIG_XEN)'],
      [2, 9, 1, 'LINUX_VERSION_CODE < KERNEL_VERSION(2,6,19)'],
    ]);
    expect(blocks[1]?.branches.map((b) => [b.kind, b.bodyStart, b.bodyEnd])).toEqual([
      ['if', 3, 4],
      ['elif', 5, 6],
      ['else', 7, 8],
    ]);
  });
  it('joins backslash-continued conditions and does not count continuation lines as body', () => {
    const blocks = scanGuards(['#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,16) && \\', '    !defined(RHEL_MAJOR)', 'x();', '#endif']);
    expect(blocks[0]?.condition).toBe('LINUX_VERSION_CODE < KERNEL_VERSION(2,6,16) && !defined(RHEL_MAJOR)');
    expect(blocks[0]?.branches[0]).toMatchObject({ bodyStart: 2, bodyEnd: 3 });
  });
  it('is lenient: stray #endif ignored, unclosed #if left out', () => {
    expect(scanGuards(['#endif', '#else', 'x'])).toEqual([]);
    expect(scanGuards(['#if A', 'x'])).toEqual([]);
    expect(scanGuards(['#if A', '#if B', '#endif'])).toHaveLength(1);
  });
});

describe('alignRecords', () => {
  it('maps kept lines both ways and marks new/removed ones -1', () => {
    const { aToB, bToA } = alignRecords(['a\n', 'b\n', 'c\n'], ['a\n', 'x\n', 'c\n', 'd\n']);
    expect(aToB).toEqual([0, -1, 2]);
    expect(bToA).toEqual([0, -1, 2, -1]);
  });
});

const ELEVATOR_BEFORE = L('static int xlvbd_init_blk_queue(struct gendisk *gd)', '{', '\tstruct request_queue *rq;', '', '\televator_init(rq, "noop");', '\treturn 0;', '}');

describe('findPatchGuards', () => {
  it('#if OLD compat #else upstream #endif: the #else branch wraps the upstream line', () => {
    const after = L(
      'static int xlvbd_init_blk_queue(struct gendisk *gd)',
      '{',
      '\tstruct request_queue *rq;',
      '',
      '#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)',
      '\televator_init(rq, &elevator_noop);',
      '#else',
      '\televator_init(rq, "noop");',
      '#endif',
      '\treturn 0;',
      '}',
    );
    const [g, ...rest] = findPatchGuards(ELEVATOR_BEFORE, after);
    expect(rest).toEqual([]);
    expect(g).toMatchObject({
      condition: 'LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)',
      start: 4,
      end: 9,
      compat: ['\televator_init(rq, &elevator_noop);'],
      upstream: { start: 7, end: 8, baseStart: 4, baseEnd: 5, lines: ['\televator_init(rq, "noop");'] },
      baseStart: 4,
      baseEnd: 5,
    });
    expect(g?.branches.map((b) => [b.kind, b.role, b.directive])).toEqual([
      ['if', 'compat', '#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)'],
      ['else', 'upstream', '#else'],
    ]);
  });

  it('#if NEW upstream #else compat #endif (pt_regs IRQ handler): the first branch is upstream', () => {
    const before = L('static irqreturn_t blkif_int(int irq, void *dev_id)', '{', '\treturn IRQ_HANDLED;', '}');
    const after = L(
      '#if LINUX_VERSION_CODE >= KERNEL_VERSION(2,6,19)',
      'static irqreturn_t blkif_int(int irq, void *dev_id)',
      '#else',
      'static irqreturn_t blkif_int(int irq, void *dev_id, struct pt_regs *ptregs)',
      '#endif',
      '{',
      '\treturn IRQ_HANDLED;',
      '}',
    );
    const [g] = findPatchGuards(before, after);
    expect(g?.branches.map((b) => b.role)).toEqual(['upstream', 'compat']);
    expect(g?.upstream).toMatchObject({ start: 1, end: 2, baseStart: 0, baseEnd: 1 });
    expect(g?.compat).toEqual(['static irqreturn_t blkif_int(int irq, void *dev_id, struct pt_regs *ptregs)']);
  });

  it('#if NEW upstream #endif (no #else): the lines between are upstream, there is no compat', () => {
    const before = L('\tINIT_WORK(&info->work, blkif_restart_queue);', '\tinfo->ready = 1;');
    const after = L('#if LINUX_VERSION_CODE >= KERNEL_VERSION(2,6,20)', '\tINIT_WORK(&info->work, blkif_restart_queue);', '#endif', '\tinfo->ready = 1;');
    const [g] = findPatchGuards(before, after);
    expect(g?.upstream).toMatchObject({ start: 1, end: 2, baseStart: 0, baseEnd: 1 });
    expect(g?.compat).toEqual([]);
  });

  it('#ifndef compat-only guard: no upstream lines, base range empty at the insertion point', () => {
    const before = L('#include <linux/slab.h>', '', 'static struct kmem_cache *blkif_cache;');
    const after = L('#include <linux/slab.h>', '#ifndef KMEM_CACHE', '#define KMEM_CACHE(s, f) kmem_cache_create(#s, sizeof(struct s), 0, f, NULL, NULL)', '#endif', '', 'static struct kmem_cache *blkif_cache;');
    const [g] = findPatchGuards(before, after);
    expect(g).toMatchObject({ condition: '!defined(KMEM_CACHE)', start: 1, end: 4, upstream: undefined, baseStart: 1, baseEnd: 1 });
    expect(g?.compat).toEqual(['#define KMEM_CACHE(s, f) kmem_cache_create(#s, sizeof(struct s), 0, f, NULL, NULL)']);
  });

  it('leaves out guards that were already there and guards nested in an added guard', () => {
    const before = L('#ifdef CONFIG_XEN', '\tx();', '#endif', '\ty();');
    const after = L(
      '#ifdef CONFIG_XEN',
      '\tx();',
      '#endif',
      '#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,16)',
      '#ifdef CONFIG_X86',
      '\told_y();',
      '#endif',
      '#else',
      '\ty();',
      '#endif',
    );
    const guards = findPatchGuards(before, after);
    expect(guards.map((g) => [g.start, g.end, g.condition])).toEqual([[3, 10, 'LINUX_VERSION_CODE < KERNEL_VERSION(2,6,16)']]);
    expect(guards[0]?.compat).toEqual(['#ifdef CONFIG_X86', '\told_y();', '#endif']);
  });

  it('an upstream branch the patch also edited is not a wrapped upstream branch', () => {
    const before = L('\tcache = kmem_cache_create("blkif", size, 0, 0, NULL);', '\treturn 0;');
    const after = L(
      '#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,23)',
      '\tcache = kmem_cache_create("blkif", size, 0, 0, NULL, NULL);',
      '#else',
      '\tcache = kmem_cache_create("blkif", size, 0, 0, NULL);',
      '\tWARN_ON(!cache);',
      '#endif',
      '\treturn 0;',
    );
    const [g] = findPatchGuards(before, after);
    expect(g?.upstream).toBeUndefined();
    expect(g).toMatchObject({ baseStart: 0, baseEnd: 1 });
    expect(g?.branches.map((b) => b.role)).toEqual(['compat', 'compat']);
  });

  it('works on CRLF texts', () => {
    const crlf = (s: string): string => s.replace(/\n/g, '\r\n');
    const after = L('#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,20)', '\tINIT_WORK(&w, f, d);', '#else', '\tINIT_WORK(&w, f);', '#endif');
    const [g] = findPatchGuards(crlf(L('\tINIT_WORK(&w, f);')), crlf(after));
    expect(g?.upstream?.lines).toEqual(['\tINIT_WORK(&w, f);']);
    expect(g?.lines[0]).toBe('#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,20)');
  });
});

describe('splitRecords / stripEol', () => {
  it('keep each terminator with its line', () => {
    expect(splitRecords('')).toEqual([]);
    expect(splitRecords('a')).toEqual(['a']);
    expect(splitRecords('a\r\nb\n\nc')).toEqual(['a\r\n', 'b\n', '\n', 'c']);
    expect(['a\r\n', 'b\n', 'c'].map(stripEol)).toEqual(['a', 'b', 'c']);
  });
});
