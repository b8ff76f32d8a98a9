import { describe, expect, it } from 'vitest';
import type { ReviewItem } from '../../../src/core/review/model.js';
import { guardedBranch, hasConflictMarkers, resolvedLines, statusForDecision } from '../../../src/core/review/resolve.js';

const elevator: ReviewItem = {
  id: 'c1',
  kind: 'conflict',
  patch: 'blkfront/elevator-noop.patch',
  subsystem: 'blkfront',
  file: 'blkfront/blkfront.c',
  line: 412,
  base: ['\televator_init(rq, "noop");'],
  ours: [
    '#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)',
    '\televator_init(rq, &elevator_noop);',
    '#else',
    '\televator_init(rq, "noop");',
    '#endif',
  ],
  theirs: ['\tif (elevator_init(rq, "noop"))', '\t\tpr_warn("blkfront: noop elevator unavailable\\n");'],
  condition: 'LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)',
  status: 'open',
};

describe('resolvedLines', () => {
  it('patch and reviewed keep ours', () => {
    expect(resolvedLines(elevator, { take: 'patch' })).toEqual(elevator.ours);
    expect(resolvedLines(elevator, { take: 'reviewed' })).toEqual(elevator.ours);
  });

  it('upstream and drop leave theirs', () => {
    expect(resolvedLines(elevator, { take: 'upstream' })).toEqual(elevator.theirs);
    expect(resolvedLines(elevator, { take: 'drop' })).toEqual(elevator.theirs);
  });

  it('lines are taken as given', () => {
    const lines = ['#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)', '\televator_init(rq, &elevator_noop);', '#endif'];
    expect(resolvedLines(elevator, { take: 'lines', lines })).toEqual(lines);
  });

  it('both puts the compat branch under the guard and upstream in #else', () => {
    expect(resolvedLines(elevator, { take: 'both' })).toEqual([
      '#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)',
      '\televator_init(rq, &elevator_noop);',
      '#else',
      '\tif (elevator_init(rq, "noop"))',
      '\t\tpr_warn("blkfront: noop elevator unavailable\\n");',
      '#endif',
    ]);
  });

  it('both keeps nested conditionals of the compat branch whole', () => {
    const item: ReviewItem = {
      ...elevator,
      ours: ['#if V < 10', '#ifdef CONFIG_X86_64', 'a();', '#else', 'b();', '#endif', 'c();', '#elif V < 12', 'd();', '#endif'],
      condition: 'V < 10',
      theirs: ['e();'],
    };
    expect(resolvedLines(item, { take: 'both' })).toEqual([
      '#if V < 10',
      '#ifdef CONFIG_X86_64',
      'a();',
      '#else',
      'b();',
      '#endif',
      'c();',
      '#else',
      'e();',
      '#endif',
    ]);
  });

  it('both is ours then theirs when ours has no guard structure', () => {
    const item: ReviewItem = { ...elevator, ours: ['\televator_init(rq, &elevator_noop);'] };
    expect(resolvedLines(item, { take: 'both' })).toEqual([...item.ours, ...item.theirs]);
  });

  it('both is ours then theirs when ours never closes its guard', () => {
    const item: ReviewItem = { ...elevator, ours: ['#if V < 10', 'a();'] };
    expect(resolvedLines(item, { take: 'both' })).toEqual(['#if V < 10', 'a();', ...item.theirs]);
  });

  it('both is ours then theirs without a condition', () => {
    const item: ReviewItem = { ...elevator };
    delete item.condition;
    expect(resolvedLines(item, { take: 'both' })).toEqual([...elevator.ours, ...elevator.theirs]);
  });

  it('returns a fresh array and leaves the item alone', () => {
    const before = structuredClone(elevator);
    const lines = resolvedLines(elevator, { take: 'patch' });
    lines.push('x');
    expect(elevator).toEqual(before);
  });
});

describe('guardedBranch', () => {
  it('accepts #ifdef and spaced directives', () => {
    expect(guardedBranch(['# ifdef CONFIG_XEN', 'x();', '#  endif'])).toEqual(['x();']);
    expect(guardedBranch(['#ifndef HAVE_X', 'y();', '#else', 'z();', '#endif'])).toEqual(['y();']);
  });

  it('is undefined without an #if', () => {
    expect(guardedBranch(['x();'])).toBeUndefined();
  });
});

describe('hasConflictMarkers', () => {
  it('finds git and diff3 markers', () => {
    expect(hasConflictMarkers(['a', '<<<<<<< ours', 'b', '=======', 'c', '>>>>>>> theirs'])).toBe(true);
    expect(hasConflictMarkers(['||||||| base'])).toBe(true);
    expect(hasConflictMarkers(['<<<<<<<'])).toBe(true);
    expect(hasConflictMarkers(['=======\r'])).toBe(true);
  });

  it('ignores look-alikes', () => {
    expect(hasConflictMarkers(['/* ======== */', '========', '<<<<<<<<', 'a <<<<<<< b', '  ======='])).toBe(false);
    expect(hasConflictMarkers([])).toBe(false);
  });
});

describe('statusForDecision', () => {
  it('maps decisions to statuses', () => {
    expect(statusForDecision(null)).toBe('open');
    expect(statusForDecision(undefined)).toBe('open');
    expect(statusForDecision({ take: 'patch' })).toBe('resolved');
    expect(statusForDecision({ take: 'upstream' })).toBe('resolved');
    expect(statusForDecision({ take: 'both' })).toBe('resolved');
    expect(statusForDecision({ take: 'lines', lines: [] })).toBe('resolved');
    expect(statusForDecision({ take: 'drop' })).toBe('dropped');
    expect(statusForDecision({ take: 'reviewed' })).toBe('reviewed');
  });
});
