/**
 * Keybindings of the review TUI as data, a matcher from ink's `(input, key)` to a command,
 * and the translation of a command into a reducer action for the current state.
 */
import type { Key } from 'ink';
import { selectedItem, type ReviewAction, type ReviewState, type Screen } from './review-state.js';

export type Command =
  | 'down'
  | 'up'
  | 'page-down'
  | 'page-up'
  | 'open'
  | 'back'
  | 'keep-patch'
  | 'take-upstream'
  | 'keep-both'
  | 'edit'
  | 'mark-reviewed'
  | 'drop'
  | 'undo'
  | 'filter-subsystem'
  | 'filter-status'
  | 'confirm'
  | 'decline'
  | 'help'
  | 'quit';

/** Boolean flags of ink's `Key` that name a special key. */
export type SpecialKey =
  | 'upArrow'
  | 'downArrow'
  | 'pageUp'
  | 'pageDown'
  | 'return'
  | 'escape'
  | 'backspace'
  | 'delete';

/** One way to type a command: a printable character (optionally with Ctrl) or a special key. */
export type KeySpec = { input: string; ctrl?: boolean } | { key: SpecialKey };

export interface KeyBinding {
  command: Command;
  keys: readonly KeySpec[];
  /** How the keys are shown in help, e.g. "j/↓". */
  label: string;
  description: string;
  /** Short footer hint, e.g. "p patch"; bindings without one appear only in help. */
  hint?: string;
  /** Screens where the binding is active. */
  screens: readonly Screen[];
}

const BROWSE: readonly Screen[] = ['list', 'detail'];
// Most terminals send DEL (0x7f) for Backspace, which ink reports as `delete`; both mean back.
const EVERYWHERE: readonly Screen[] = ['list', 'detail', 'confirm-continue'];

export const KEY_BINDINGS: readonly KeyBinding[] = [
  { command: 'down', keys: [{ input: 'j' }, { key: 'downArrow' }], label: 'j/↓', description: 'next item / scroll down', screens: BROWSE },
  { command: 'up', keys: [{ input: 'k' }, { key: 'upArrow' }], label: 'k/↑', description: 'previous item / scroll up', screens: BROWSE },
  { command: 'page-down', keys: [{ key: 'pageDown' }], label: 'PgDn', description: 'page down', screens: BROWSE },
  { command: 'page-up', keys: [{ key: 'pageUp' }], label: 'PgUp', description: 'page up', screens: BROWSE },
  { command: 'open', keys: [{ key: 'return' }], label: 'Enter', description: 'open the item', hint: 'Enter open', screens: ['list'] },
  { command: 'back', keys: [{ key: 'escape' }, { key: 'backspace' }, { key: 'delete' }], label: 'Esc', description: 'back to the list / clear filters', hint: 'Esc back', screens: BROWSE },
  { command: 'keep-patch', keys: [{ input: 'p' }], label: 'p', description: "keep the patch's version", hint: 'p patch', screens: BROWSE },
  { command: 'take-upstream', keys: [{ input: 'u' }], label: 'u', description: "take upstream's version", hint: 'u upstream', screens: BROWSE },
  { command: 'keep-both', keys: [{ input: 'b' }], label: 'b', description: 'keep both: compat code under the guard, upstream in #else', hint: 'b both', screens: BROWSE },
  { command: 'edit', keys: [{ input: 'e' }], label: 'e', description: 'edit in $EDITOR (resolved when the markers are gone)', hint: 'e edit', screens: BROWSE },
  { command: 'mark-reviewed', keys: [{ input: 'r' }], label: 'r', description: 'mark a stale guard reviewed', hint: 'r reviewed', screens: BROWSE },
  { command: 'drop', keys: [{ input: 'd' }], label: 'd', description: 'drop the hunk (upstream code stays)', hint: 'd drop', screens: BROWSE },
  { command: 'undo', keys: [{ input: 'z' }], label: 'z', description: 'undo the last decision', hint: 'z undo', screens: EVERYWHERE },
  { command: 'filter-subsystem', keys: [{ input: 'f' }], label: 'f', description: 'filter by subsystem (cycle)', hint: 'f subsystem', screens: ['list'] },
  { command: 'filter-status', keys: [{ input: 's' }], label: 's', description: 'filter by status (cycle)', hint: 's status', screens: ['list'] },
  { command: 'confirm', keys: [{ input: 'y' }, { key: 'return' }], label: 'y/Enter', description: 'run rebase --continue', hint: 'y continue', screens: ['confirm-continue'] },
  { command: 'decline', keys: [{ input: 'n' }, { key: 'escape' }], label: 'n/Esc', description: 'not now', hint: 'n not now', screens: ['confirm-continue'] },
  { command: 'help', keys: [{ input: '?' }], label: '?', description: 'show or hide this help', hint: '? help', screens: BROWSE },
  { command: 'quit', keys: [{ input: 'q' }, { input: 'c', ctrl: true }], label: 'q', description: 'quit (every decision is already saved)', hint: 'q quit', screens: EVERYWHERE },
];

function matches(spec: KeySpec, input: string, key: Key): boolean {
  if ('key' in spec) return key[spec.key];
  return input === spec.input && (spec.ctrl ?? false) === key.ctrl && !key.meta;
}

/** The command bound to a keypress on a screen, or `undefined` when the key is not bound there. */
export function matchKey(input: string, key: Key, screen: Screen, bindings: readonly KeyBinding[] = KEY_BINDINGS): Command | undefined {
  for (const binding of bindings) {
    if (binding.screens.includes(screen) && binding.keys.some((spec) => matches(spec, input, key))) {
      return binding.command;
    }
  }
  return undefined;
}

/** The bindings shown on a screen, in table order. */
export function bindingsFor(screen: Screen, bindings: readonly KeyBinding[] = KEY_BINDINGS): KeyBinding[] {
  return bindings.filter((binding) => binding.screens.includes(screen));
}

/**
 * The action a command means in the current state: movement keys scroll in the detail screen,
 * decisions apply to the selected item, and while help is shown only help, back and quit act.
 * `undefined` when the command has nothing to act on.
 */
export function commandToAction(command: Command, state: ReviewState): ReviewAction | undefined {
  if (state.help && command !== 'help' && command !== 'back' && command !== 'quit') return undefined;
  const item = selectedItem(state);
  const detail = state.screen === 'detail';
  switch (command) {
    case 'down':
      return detail ? { type: 'scroll', delta: 1 } : { type: 'move', delta: 1 };
    case 'up':
      return detail ? { type: 'scroll', delta: -1 } : { type: 'move', delta: -1 };
    case 'page-down':
      return { type: 'page', direction: 1 };
    case 'page-up':
      return { type: 'page', direction: -1 };
    case 'open':
      return { type: 'open' };
    case 'back':
      return { type: 'back' };
    case 'keep-patch':
      return item && { type: 'decide', id: item.id, decision: { take: 'patch' } };
    case 'take-upstream':
      return item && { type: 'decide', id: item.id, decision: { take: 'upstream' } };
    case 'keep-both':
      return item && { type: 'decide', id: item.id, decision: { take: 'both' } };
    case 'mark-reviewed':
      return item && { type: 'decide', id: item.id, decision: { take: 'reviewed' } };
    case 'drop':
      return item && { type: 'decide', id: item.id, decision: { take: 'drop' } };
    case 'edit':
      return item && { type: 'editor-requested', id: item.id };
    case 'undo':
      return { type: 'undo' };
    case 'filter-subsystem':
      return { type: 'cycle-subsystem-filter' };
    case 'filter-status':
      return { type: 'cycle-status-filter' };
    case 'confirm':
      return { type: 'confirm-continue' };
    case 'decline':
      return { type: 'decline-continue' };
    case 'help':
      return { type: 'toggle-help' };
    case 'quit':
      return { type: 'quit' };
  }
}

