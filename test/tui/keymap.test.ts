import type { Key } from 'ink';
import { describe, expect, it } from 'vitest';
import { bindingsFor, commandToAction, KEY_BINDINGS, matchKey, type Command } from '../../src/tui/keymap.js';
import { initReviewState, reviewReducer } from '../../src/tui/review-state.js';
import { sampleItems } from './fixtures.js';

function key(flags: Partial<Key> = {}): Key {
  return {
    upArrow: false,
    downArrow: false,
    leftArrow: false,
    rightArrow: false,
    pageDown: false,
    pageUp: false,
    home: false,
    end: false,
    return: false,
    escape: false,
    ctrl: false,
    shift: false,
    tab: false,
    backspace: false,
    delete: false,
    meta: false,
    super: false,
    hyper: false,
    capsLock: false,
    numLock: false,
    ...flags,
  };
}

describe('matchKey', () => {
  const cases: [string, Partial<Key>, Command][] = [
    ['j', {}, 'down'],
    ['', { downArrow: true }, 'down'],
    ['k', {}, 'up'],
    ['', { upArrow: true }, 'up'],
    ['', { pageDown: true }, 'page-down'],
    ['', { pageUp: true }, 'page-up'],
    ['', { return: true }, 'open'],
    ['', { escape: true, meta: true }, 'back'],
    ['', { backspace: true }, 'back'],
    ['', { delete: true }, 'back'],
    ['p', {}, 'keep-patch'],
    ['u', {}, 'take-upstream'],
    ['b', {}, 'keep-both'],
    ['e', {}, 'edit'],
    ['r', {}, 'mark-reviewed'],
    ['d', {}, 'drop'],
    ['z', {}, 'undo'],
    ['f', {}, 'filter-subsystem'],
    ['s', {}, 'filter-status'],
    ['q', {}, 'quit'],
    ['c', { ctrl: true }, 'quit'],
    ['?', {}, 'help'],
  ];
  it.each(cases)('%j %j on the list is %s', (input, flags, command) => {
    expect(matchKey(input, key(flags), 'list')).toBe(command);
  });

  it('binds keys per screen', () => {
    expect(matchKey('', key({ return: true }), 'confirm-continue')).toBe('confirm');
    expect(matchKey('y', key(), 'confirm-continue')).toBe('confirm');
    expect(matchKey('n', key(), 'confirm-continue')).toBe('decline');
    expect(matchKey('', key({ escape: true, meta: true }), 'confirm-continue')).toBe('decline');
    expect(matchKey('f', key(), 'detail')).toBeUndefined();
    expect(matchKey('', key({ return: true }), 'detail')).toBeUndefined();
    expect(matchKey('p', key(), 'confirm-continue')).toBeUndefined();
  });

  it('does not take c without Ctrl, or letters with Ctrl or Meta', () => {
    expect(matchKey('c', key(), 'list')).toBeUndefined();
    expect(matchKey('p', key({ ctrl: true }), 'list')).toBeUndefined();
    expect(matchKey('p', key({ meta: true }), 'list')).toBeUndefined();
    expect(matchKey('x', key(), 'list')).toBeUndefined();
  });

  it('has no key bound twice on one screen', () => {
    for (const screen of ['list', 'detail', 'confirm-continue'] as const) {
      const seen = new Set<string>();
      for (const binding of bindingsFor(screen)) {
        for (const spec of binding.keys) {
          const id = JSON.stringify(spec);
          expect(seen.has(id), `${id} twice on ${screen}`).toBe(false);
          seen.add(id);
        }
      }
    }
  });

  it('every binding has a description for help', () => {
    for (const binding of KEY_BINDINGS) expect(binding.description.length).toBeGreaterThan(0);
  });
});

describe('commandToAction', () => {
  const list = initReviewState(sampleItems(), { width: 100, height: 24 });
  const detail = reviewReducer(list, { type: 'open' });

  it('moves on the list and scrolls in the detail screen', () => {
    expect(commandToAction('down', list)).toEqual({ type: 'move', delta: 1 });
    expect(commandToAction('up', list)).toEqual({ type: 'move', delta: -1 });
    expect(commandToAction('down', detail)).toEqual({ type: 'scroll', delta: 1 });
    expect(commandToAction('up', detail)).toEqual({ type: 'scroll', delta: -1 });
    expect(commandToAction('page-down', detail)).toEqual({ type: 'page', direction: 1 });
  });

  it('decides for the selected item', () => {
    expect(commandToAction('keep-patch', list)).toEqual({ type: 'decide', id: 'c1', decision: { take: 'patch' } });
    expect(commandToAction('take-upstream', list)).toEqual({ type: 'decide', id: 'c1', decision: { take: 'upstream' } });
    expect(commandToAction('keep-both', detail)).toEqual({ type: 'decide', id: 'c1', decision: { take: 'both' } });
    expect(commandToAction('mark-reviewed', list)).toEqual({ type: 'decide', id: 'c1', decision: { take: 'reviewed' } });
    expect(commandToAction('drop', list)).toEqual({ type: 'decide', id: 'c1', decision: { take: 'drop' } });
    expect(commandToAction('edit', list)).toEqual({ type: 'editor-requested', id: 'c1' });
  });

  it('has nothing to decide without a selection', () => {
    const empty = initReviewState([], { width: 100, height: 24 });
    expect(commandToAction('keep-patch', empty)).toBeUndefined();
    expect(commandToAction('edit', empty)).toBeUndefined();
  });

  it('under help only help, back and quit act', () => {
    const help = reviewReducer(list, { type: 'toggle-help' });
    expect(commandToAction('keep-patch', help)).toBeUndefined();
    expect(commandToAction('help', help)).toEqual({ type: 'toggle-help' });
    expect(commandToAction('back', help)).toEqual({ type: 'back' });
    expect(commandToAction('quit', help)).toEqual({ type: 'quit' });
  });

  it('maps the remaining commands', () => {
    expect(commandToAction('open', list)).toEqual({ type: 'open' });
    expect(commandToAction('undo', list)).toEqual({ type: 'undo' });
    expect(commandToAction('filter-subsystem', list)).toEqual({ type: 'cycle-subsystem-filter' });
    expect(commandToAction('filter-status', list)).toEqual({ type: 'cycle-status-filter' });
    expect(commandToAction('confirm', list)).toEqual({ type: 'confirm-continue' });
    expect(commandToAction('decline', list)).toEqual({ type: 'decline-continue' });
  });
});
