import { describe, expect, it } from 'vitest';
import type { ReviewItem } from '../../src/core/review/model.js';
import { maxDetailScroll } from '../../src/tui/layout.js';
import {
  countStatuses,
  groupItems,
  initReviewState,
  reviewReducer,
  selectedItem,
  visibleItems,
  type ReviewAction,
  type ReviewState,
} from '../../src/tui/review-state.js';
import { probeStale, sampleItems } from './fixtures.js';

const SIZE = { width: 100, height: 24 };

function start(items: ReviewItem[] = sampleItems(), size = SIZE): ReviewState {
  return initReviewState(items, size);
}

function run(state: ReviewState, ...actions: ReviewAction[]): ReviewState {
  return actions.reduce(reviewReducer, state);
}

function item(state: ReviewState, id: string): ReviewItem {
  const found = state.items.find((candidate) => candidate.id === id);
  if (!found) throw new Error(`no item ${id}`);
  return found;
}

const ids = (items: readonly ReviewItem[]) => items.map((candidate) => candidate.id);

describe('initial state and selectors', () => {
  it('groups by subsystem in order of first appearance', () => {
    const groups = groupItems(sampleItems());
    expect(groups.map((group) => [group.subsystem, ids(group.items)])).toEqual([
      ['blkfront', ['c1', 'c2']],
      ['netfront', ['s1', 'c3']],
      ['xenbus', ['s2']],
    ]);
  });

  it('starts on the list with the cursor on the first open item', () => {
    const items = sampleItems().map((candidate) =>
      candidate.id === 'c1' ? { ...candidate, status: 'resolved' as const, decision: { take: 'patch' as const } } : candidate,
    );
    const state = start(items);
    expect(state.screen).toBe('list');
    expect(state.selectedId).toBe('c2');
    expect(state.effects).toEqual([]);
  });

  it('derives counts from the items', () => {
    expect(countStatuses(start().items)).toEqual({ open: 4, resolved: 1, reviewed: 0, dropped: 0, total: 5 });
  });

  it('offers continue at once when nothing is open (resumed review)', () => {
    const items = sampleItems().map((candidate) => ({ ...candidate, status: 'dropped' as const, decision: { take: 'drop' as const } }));
    expect(start(items).screen).toBe('confirm-continue');
    expect(start([]).screen).toBe('confirm-continue');
    expect(start([]).selectedId).toBeNull();
  });
});

describe('moving', () => {
  it('moves through the grouped order and clamps at the ends', () => {
    let state = start();
    state = run(state, { type: 'move', delta: 1 });
    expect(state.selectedId).toBe('c2');
    state = run(state, { type: 'move', delta: 1 }, { type: 'move', delta: 1 });
    expect(state.selectedId).toBe('c3');
    state = run(state, { type: 'move', delta: 10 });
    expect(state.selectedId).toBe('s2');
    state = run(state, { type: 'move', delta: -99 });
    expect(state.selectedId).toBe('c1');
  });

  it('returns the same state when the cursor cannot move', () => {
    const state = start();
    expect(reviewReducer(state, { type: 'move', delta: -1 })).toBe(state);
  });

  it('pages by the list viewport', () => {
    const many = Array.from({ length: 50 }, (_, i) => ({ ...probeStale, id: `s${i}` }));
    let state = start(many, { width: 100, height: 14 });
    state = run(state, { type: 'page', direction: 1 });
    // 14 rows - title - 3 footer = 10 visible rows; a page moves 9.
    expect(state.selectedId).toBe('s9');
    state = run(state, { type: 'page', direction: 1 }, { type: 'page', direction: -1 });
    expect(state.selectedId).toBe('s9');
  });
});

describe('opening, scrolling and going back', () => {
  it('opens the selected item and goes back', () => {
    let state = run(start(), { type: 'move', delta: 1 }, { type: 'open' });
    expect(state.screen).toBe('detail');
    expect(selectedItem(state)?.id).toBe('c2');
    state = run(state, { type: 'back' });
    expect(state.screen).toBe('list');
    expect(state.selectedId).toBe('c2');
  });

  it('ignores list moves in the detail screen and scrolls within bounds', () => {
    const state = run(start([probeStale]), { type: 'open' });
    expect(run(state, { type: 'move', delta: 1 })).toBe(state);
    const max = maxDetailScroll(probeStale, SIZE.width, SIZE.height);
    expect(max).toBeGreaterThan(0);
    expect(run(state, { type: 'scroll', delta: 3 }).scroll).toBe(3);
    expect(run(state, { type: 'scroll', delta: 1000 }).scroll).toBe(max);
    expect(run(state, { type: 'scroll', delta: -5 })).toBe(state);
  });

  it('pages the detail body', () => {
    const state = run(start([probeStale]), { type: 'open' }, { type: 'page', direction: 1 });
    expect(state.scroll).toBeGreaterThan(1);
    expect(run(state, { type: 'page', direction: -1 }).scroll).toBe(0);
  });

  it('scroll does nothing on the list', () => {
    const state = start();
    expect(reviewReducer(state, { type: 'scroll', delta: 1 })).toBe(state);
  });

  it('resets the scroll when another item is opened', () => {
    let state = run(start([probeStale, { ...probeStale, id: 's9' }]), { type: 'open' }, { type: 'scroll', delta: 4 });
    state = run(state, { type: 'back' }, { type: 'move', delta: 1 }, { type: 'open' });
    expect(state.scroll).toBe(0);
  });

  it('back on the list clears filters', () => {
    let state = run(start(), { type: 'cycle-status-filter' }, { type: 'cycle-subsystem-filter' });
    state = run(state, { type: 'back' });
    expect(state.statusFilter).toBe('all');
    expect(state.subsystemFilter).toBeNull();
    expect(state.message?.text).toBe('filters cleared');
  });
});

describe('filters', () => {
  it('cycles the subsystem filter through the groups and back to all', () => {
    let state = start();
    const seen: (string | null)[] = [];
    for (let i = 0; i < 4; i++) {
      state = run(state, { type: 'cycle-subsystem-filter' });
      seen.push(state.subsystemFilter);
    }
    expect(seen).toEqual(['blkfront', 'netfront', 'xenbus', null]);
  });

  it('cycles the status filter', () => {
    let state = start();
    const seen: string[] = [];
    for (let i = 0; i < 5; i++) {
      state = run(state, { type: 'cycle-status-filter' });
      seen.push(state.statusFilter);
    }
    expect(seen).toEqual(['open', 'resolved', 'reviewed', 'dropped', 'all']);
  });

  it('keeps the selection on a visible item when filters change', () => {
    // Cursor on c2 (blkfront); filter to netfront: the next visible item after c2 is s1.
    let state = run(start(), { type: 'move', delta: 1 }, { type: 'cycle-subsystem-filter' }, { type: 'cycle-subsystem-filter' });
    expect(state.subsystemFilter).toBe('netfront');
    expect(ids(visibleItems(state))).toEqual(['s1', 'c3']);
    expect(state.selectedId).toBe('s1');
    // Now status=open: c3 (resolved) disappears; cursor on c3 must move back to s1.
    state = run(state, { type: 'move', delta: 1 });
    expect(state.selectedId).toBe('c3');
    state = run(state, { type: 'cycle-status-filter' });
    expect(ids(visibleItems(state))).toEqual(['s1']);
    expect(state.selectedId).toBe('s1');
  });

  it('selects nothing when no item is visible, and recovers', () => {
    let state = run(start(), { type: 'cycle-status-filter' }, { type: 'cycle-status-filter' }, { type: 'cycle-status-filter' });
    expect(state.statusFilter).toBe('reviewed');
    expect(visibleItems(state)).toEqual([]);
    expect(state.selectedId).toBeNull();
    expect(run(state, { type: 'open' })).toBe(state);
    state = run(state, { type: 'cycle-status-filter' }, { type: 'cycle-status-filter' });
    expect(state.statusFilter).toBe('all');
    expect(state.selectedId).toBe('c1');
  });

  it('moves the cursor off an item a decision hides', () => {
    let state = run(start(), { type: 'cycle-status-filter' });
    expect(state.statusFilter).toBe('open');
    state = run(state, { type: 'decide', id: 'c1', decision: { take: 'patch' } });
    expect(state.selectedId).toBe('c2');
  });

  it('filters only on the list', () => {
    const state = run(start(), { type: 'open' });
    expect(run(state, { type: 'cycle-status-filter' })).toBe(state);
    expect(run(state, { type: 'cycle-subsystem-filter' })).toBe(state);
  });
});

describe('decisions', () => {
  it('records the decision, the status and one save effect', () => {
    const state = run(start(), { type: 'decide', id: 'c1', decision: { take: 'both' } });
    expect(item(state, 'c1')).toMatchObject({ status: 'resolved', decision: { take: 'both' } });
    expect(state.effects).toEqual([{ seq: 1, kind: 'save', id: 'c1', decision: { take: 'both' } }]);
    expect(state.undoStack).toEqual([{ id: 'c1', status: 'open', decision: undefined }]);
  });

  it('maps drop and reviewed to their statuses', () => {
    const state = run(
      start(),
      { type: 'decide', id: 'c2', decision: { take: 'drop' } },
      { type: 'decide', id: 's1', decision: { take: 'reviewed' } },
    );
    expect(item(state, 'c2').status).toBe('dropped');
    expect(item(state, 's1').status).toBe('reviewed');
    expect(state.effects.map((effect) => effect.seq)).toEqual([1, 2]);
  });

  it('refuses to mark a conflict reviewed', () => {
    const state = run(start(), { type: 'decide', id: 'c1', decision: { take: 'reviewed' } });
    expect(item(state, 'c1').status).toBe('open');
    expect(state.effects).toEqual([]);
    expect(state.message?.tone).toBe('error');
  });

  it('says so when the decision is already in place, without saving', () => {
    const state = run(start(), { type: 'decide', id: 'c3', decision: { take: 'both' } });
    expect(state.effects).toEqual([]);
    expect(state.undoStack).toEqual([]);
    expect(state.message?.text).toMatch(/already/);
  });

  it('ignores unknown ids', () => {
    const state = start();
    expect(run(state, { type: 'decide', id: 'nope', decision: { take: 'patch' } })).toBe(state);
  });

  it('stays in the detail screen after deciding there', () => {
    const state = run(start(), { type: 'open' }, { type: 'decide', id: 'c1', decision: { take: 'upstream' } });
    expect(state.screen).toBe('detail');
    expect(state.selectedId).toBe('c1');
  });
});

describe('undo', () => {
  it('restores the previous decision and saves the restored state', () => {
    let state = run(
      start(),
      { type: 'decide', id: 'c1', decision: { take: 'patch' } },
      { type: 'decide', id: 'c1', decision: { take: 'upstream' } },
      { type: 'effects-taken', through: 2 },
      { type: 'undo' },
    );
    expect(item(state, 'c1')).toMatchObject({ status: 'resolved', decision: { take: 'patch' } });
    expect(state.effects).toEqual([{ seq: 3, kind: 'save', id: 'c1', decision: { take: 'patch' } }]);
    state = run(state, { type: 'undo' });
    expect(item(state, 'c1').status).toBe('open');
    expect(item(state, 'c1').decision).toBeUndefined();
    expect('decision' in item(state, 'c1')).toBe(false);
    expect(state.effects[state.effects.length - 1]).toEqual({ seq: 4, kind: 'save', id: 'c1', decision: null });
  });

  it('restores a decision made in an earlier session', () => {
    const state = run(start(), { type: 'decide', id: 'c3', decision: { take: 'upstream' } }, { type: 'undo' });
    expect(item(state, 'c3')).toMatchObject({ status: 'resolved', decision: { take: 'both' } });
    expect(state.effects[1]).toEqual({ seq: 2, kind: 'save', id: 'c3', decision: { take: 'both' } });
  });

  it('moves the cursor to the undone item', () => {
    const state = run(start(), { type: 'decide', id: 's2', decision: { take: 'reviewed' } }, { type: 'undo' });
    expect(state.selectedId).toBe('s2');
  });

  it('says when there is nothing to undo', () => {
    const state = run(start(), { type: 'undo' });
    expect(state.effects).toEqual([]);
    expect(state.message?.text).toBe('nothing to undo');
  });

  it('leaves the continue offer and reopens the item', () => {
    let state = start(sampleItems().filter((candidate) => candidate.id === 'c1'));
    state = run(state, { type: 'decide', id: 'c1', decision: { take: 'both' } });
    expect(state.screen).toBe('confirm-continue');
    state = run(state, { type: 'undo' });
    expect(state.screen).toBe('list');
    expect(item(state, 'c1').status).toBe('open');
  });
});

describe('editor', () => {
  it('asks the shell to open the editor and ignores keys until it returns', () => {
    let state = run(start(), { type: 'editor-requested', id: 'c1' });
    expect(state.editing).toBe('c1');
    expect(state.effects).toEqual([{ seq: 1, kind: 'open-editor', id: 'c1' }]);
    expect(run(state, { type: 'move', delta: 1 })).toBe(state);
    state = run(state, { type: 'editor-finished', id: 'c1', lines: ['\televator_init(rq, "noop");'] });
    expect(state.editing).toBeNull();
    expect(item(state, 'c1')).toMatchObject({ status: 'resolved', decision: { take: 'lines', lines: ['\televator_init(rq, "noop");'] } });
    expect(state.effects[1]).toMatchObject({ kind: 'save', id: 'c1', decision: { take: 'lines' } });
  });

  it('keeps the item as it was when markers remain', () => {
    const state = run(start(), { type: 'editor-requested', id: 'c1' }, { type: 'editor-finished', id: 'c1', lines: null });
    expect(state.editing).toBeNull();
    expect(item(state, 'c1').status).toBe('open');
    expect(state.message?.tone).toBe('error');
  });

  it('treats returned lines that still hold markers as unresolved', () => {
    const state = run(
      start(),
      { type: 'editor-requested', id: 'c1' },
      { type: 'editor-finished', id: 'c1', lines: ['<<<<<<< ours', 'a', '=======', 'b', '>>>>>>> theirs'] },
    );
    expect(item(state, 'c1').status).toBe('open');
    expect(state.effects).toHaveLength(1);
  });

  it('reports an editor failure', () => {
    const state = run(start(), { type: 'editor-requested', id: 'c1' }, { type: 'editor-failed', id: 'c1', message: 'ENOENT vi' });
    expect(state.editing).toBeNull();
    expect(state.message).toEqual({ tone: 'error', text: 'c1: editor failed: ENOENT vi' });
  });

  it('ignores a result for another item', () => {
    const state = run(start(), { type: 'editor-requested', id: 'c1' });
    expect(run(state, { type: 'editor-finished', id: 'c2', lines: [] })).toBe(state);
  });
});

describe('continue', () => {
  const decideAll: ReviewAction[] = [
    { type: 'decide', id: 'c1', decision: { take: 'both' } },
    { type: 'decide', id: 's1', decision: { take: 'reviewed' } },
    { type: 'decide', id: 'c2', decision: { take: 'upstream' } },
  ];

  it('offers continue when the last open item is decided', () => {
    let state = run(start(), ...decideAll);
    expect(state.screen).toBe('list');
    state = run(state, { type: 'decide', id: 's2', decision: { take: 'drop' } });
    expect(state.screen).toBe('confirm-continue');
    expect(state.confirmReturn).toBe('list');
  });

  it('confirming emits continue and stops taking keys', () => {
    let state = run(start(), ...decideAll, { type: 'decide', id: 's2', decision: { take: 'drop' } }, { type: 'confirm-continue' });
    expect(state.effects[state.effects.length - 1]).toMatchObject({ kind: 'continue' });
    expect(state.exiting).toBe(true);
    const frozen = state;
    state = run(state, { type: 'undo' }, { type: 'move', delta: 1 });
    expect(state).toBe(frozen);
  });

  it('declining returns to the screen the last decision was made on', () => {
    let state = run(start(), ...decideAll, { type: 'move', delta: 99 }, { type: 'open' });
    state = run(state, { type: 'decide', id: 's2', decision: { take: 'reviewed' } });
    expect(state.screen).toBe('confirm-continue');
    expect(state.confirmReturn).toBe('detail');
    state = run(state, { type: 'decline-continue' });
    expect(state.screen).toBe('detail');
    expect(state.effects.some((effect) => effect.kind === 'continue')).toBe(false);
  });

  it('back on the offer declines', () => {
    const state = run(start(), ...decideAll, { type: 'decide', id: 's2', decision: { take: 'drop' } }, { type: 'back' });
    expect(state.screen).toBe('list');
  });

  it('confirm and decline do nothing elsewhere', () => {
    const state = start();
    expect(run(state, { type: 'confirm-continue' })).toBe(state);
    expect(run(state, { type: 'decline-continue' })).toBe(state);
  });
});

describe('quit, help, resize and bookkeeping', () => {
  it('quit emits exit once and freezes the screen', () => {
    const state = run(start(), { type: 'quit' });
    expect(state.exiting).toBe(true);
    expect(state.effects).toEqual([{ seq: 1, kind: 'exit' }]);
    expect(run(state, { type: 'quit' })).toBe(state);
  });

  it('quit works while the editor is open', () => {
    const state = run(start(), { type: 'editor-requested', id: 'c1' }, { type: 'quit' });
    expect(state.effects.map((effect) => effect.kind)).toEqual(['open-editor', 'exit']);
  });

  it('toggles help; back closes it; moves are ignored under it', () => {
    let state = run(start(), { type: 'toggle-help' });
    expect(state.help).toBe(true);
    expect(run(state, { type: 'move', delta: 1 })).toBe(state);
    state = run(state, { type: 'back' });
    expect(state.help).toBe(false);
  });

  it('resize stores the size and clamps the detail scroll', () => {
    let state = run(start([probeStale], { width: 100, height: 20 }), { type: 'open' }, { type: 'scroll', delta: 1000 });
    const deep = state.scroll;
    state = run(state, { type: 'resize', width: 140, height: 60 });
    expect(state.width).toBe(140);
    expect(state.scroll).toBeLessThan(deep);
    expect(state.scroll).toBe(maxDetailScroll(probeStale, 140, 60));
    expect(run(state, { type: 'resize', width: 140, height: 60 })).toBe(state);
  });

  it('effects-taken drops taken effects and keeps the message', () => {
    let state = run(start(), { type: 'decide', id: 'c1', decision: { take: 'patch' } }, { type: 'decide', id: 'c2', decision: { take: 'patch' } });
    state = run(state, { type: 'effects-taken', through: 1 });
    expect(state.effects.map((effect) => effect.seq)).toEqual([2]);
    expect(state.message?.text).toMatch(/^c2:/);
    expect(run(state, { type: 'effects-taken', through: 1 })).toBe(state);
  });

  it('save-failed shows an error', () => {
    const state = run(start(), { type: 'save-failed', id: 'c1', message: 'EACCES' });
    expect(state.message).toEqual({ tone: 'error', text: 'c1: could not save the decision: EACCES' });
  });

  it('a key clears the previous message', () => {
    const state = run(start(), { type: 'undo' }, { type: 'move', delta: 1 });
    expect(state.message).toBeNull();
  });

  it('never mutates the state it is given', () => {
    const state = start();
    const snapshot = structuredClone(state);
    run(state, { type: 'decide', id: 'c1', decision: { take: 'patch' } }, { type: 'undo' }, { type: 'cycle-status-filter' });
    expect(state).toEqual(snapshot);
  });
});
