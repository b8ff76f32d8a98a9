/**
 * The state of `pvpatch review` as a pure reducer over a discriminated action union.
 *
 * The reducer never performs I/O. What the outside world must do — persist a decision, open
 * `$EDITOR`, run `rebase --continue`, exit — is queued in `state.effects`; the shell
 * (ReviewApp) runs each effect once, in order, and acknowledges with `effects-taken`.
 * Grouping, visibility and counts are derived by the selectors below, never stored.
 */
import type { Decision, ReviewItem, ReviewStatus } from '../core/review/model.js';
import { hasConflictMarkers, statusForDecision } from '../core/review/resolve.js';
import { DEFAULT_SIZE, detailViewportRows, listViewportRows, maxDetailScroll } from './layout.js';

export type Screen = 'list' | 'detail' | 'confirm-continue';
export type StatusFilter = 'all' | ReviewStatus;
/** The order `cycle-status-filter` steps through. */
export const STATUS_FILTERS: readonly StatusFilter[] = ['all', 'open', 'resolved', 'reviewed', 'dropped'];

export type ReviewEffect =
  /** Persist the item's decision at once; `null` means back to open (after undo). */
  | { seq: number; kind: 'save'; id: string; decision: Decision | null }
  | { seq: number; kind: 'open-editor'; id: string }
  | { seq: number; kind: 'continue' }
  | { seq: number; kind: 'exit' };

/** An effect before the reducer numbers it (Omit distributed over the union). */
type NewEffect = ReviewEffect extends infer E ? (E extends unknown ? Omit<E, 'seq'> : never) : never;

export interface UndoEntry {
  id: string;
  /** The item's status and decision before the decision being undone. */
  status: ReviewStatus;
  decision: Decision | undefined;
}

export interface Message {
  tone: 'info' | 'error';
  text: string;
}

export interface ReviewState {
  readonly items: readonly ReviewItem[];
  readonly screen: Screen;
  /** The item under the cursor in the list, and the item shown in the detail screen. */
  readonly selectedId: string | null;
  /** `null` shows every subsystem. */
  readonly subsystemFilter: string | null;
  readonly statusFilter: StatusFilter;
  /** First body row shown by the detail screen. */
  readonly scroll: number;
  readonly undoStack: readonly UndoEntry[];
  /** Effects not yet taken by the shell, oldest first. */
  readonly effects: readonly ReviewEffect[];
  readonly nextSeq: number;
  readonly width: number;
  readonly height: number;
  readonly help: boolean;
  /** Id of the item open in `$EDITOR`; input is ignored until the editor returns. */
  readonly editing: string | null;
  /** Where declining `rebase --continue` returns to. */
  readonly confirmReturn: 'list' | 'detail';
  /** Quit or continue was chosen: only bookkeeping actions are accepted any more. */
  readonly exiting: boolean;
  /** One line of feedback for the last action (cleared by the next key). */
  readonly message: Message | null;
}

export type ReviewAction =
  | { type: 'move'; delta: number }
  | { type: 'page'; direction: 1 | -1 }
  | { type: 'open' }
  | { type: 'back' }
  | { type: 'cycle-subsystem-filter' }
  | { type: 'cycle-status-filter' }
  | { type: 'scroll'; delta: number }
  | { type: 'decide'; id: string; decision: Decision }
  | { type: 'undo' }
  | { type: 'editor-requested'; id: string }
  /** `lines`: the edited region without markers; `null`: markers remain, the item stays as it was. */
  | { type: 'editor-finished'; id: string; lines: string[] | null }
  | { type: 'editor-failed'; id: string; message: string }
  | { type: 'confirm-continue' }
  | { type: 'decline-continue' }
  | { type: 'toggle-help' }
  | { type: 'quit' }
  | { type: 'resize'; width: number; height: number }
  /** The shell has taken every effect with `seq <= through`. */
  | { type: 'effects-taken'; through: number }
  | { type: 'save-failed'; id: string; message: string };

// ---------------------------------------------------------------------------------------------
// Selectors

export interface ItemGroup {
  subsystem: string;
  items: ReviewItem[];
}

/** Items grouped by subsystem; groups in order of first appearance, items in input order. */
export function groupItems(items: readonly ReviewItem[]): ItemGroup[] {
  const groups = new Map<string, ReviewItem[]>();
  for (const item of items) {
    const group = groups.get(item.subsystem);
    if (group) group.push(item);
    else groups.set(item.subsystem, [item]);
  }
  return [...groups].map(([subsystem, members]) => ({ subsystem, items: members }));
}

/** The subsystems in group order. */
export function subsystemsOf(items: readonly ReviewItem[]): string[] {
  return groupItems(items).map((group) => group.subsystem);
}

/** All items in display order (grouped), ignoring filters. */
export function orderedItems(items: readonly ReviewItem[]): ReviewItem[] {
  return groupItems(items).flatMap((group) => group.items);
}

function passes(state: Pick<ReviewState, 'subsystemFilter' | 'statusFilter'>, item: ReviewItem): boolean {
  return (
    (state.subsystemFilter === null || item.subsystem === state.subsystemFilter) &&
    (state.statusFilter === 'all' || item.status === state.statusFilter)
  );
}

/** The groups the list shows: filters applied, empty groups left out. */
export function visibleGroups(state: ReviewState): ItemGroup[] {
  return groupItems(state.items.filter((item) => passes(state, item)));
}

/** The items the list shows, in display order. */
export function visibleItems(state: ReviewState): ReviewItem[] {
  return visibleGroups(state).flatMap((group) => group.items);
}

export function selectedItem(state: ReviewState): ReviewItem | undefined {
  return state.selectedId === null ? undefined : state.items.find((item) => item.id === state.selectedId);
}

export type StatusCounts = Record<ReviewStatus, number> & { total: number };

export function countStatuses(items: readonly ReviewItem[]): StatusCounts {
  const counts: StatusCounts = { open: 0, resolved: 0, reviewed: 0, dropped: 0, total: items.length };
  for (const item of items) counts[item.status]++;
  return counts;
}

/** True when nothing is open any more, so `rebase --continue` can run. */
export function allDecided(state: ReviewState): boolean {
  return countStatuses(state.items).open === 0;
}

// ---------------------------------------------------------------------------------------------
// Construction

/**
 * The state `review` starts in: the cursor on the first open item in display order (so a
 * resumed review continues where it stopped), or straight to the continue offer when nothing
 * is open.
 */
export function initReviewState(
  items: readonly ReviewItem[],
  size: { width: number; height: number } = DEFAULT_SIZE,
): ReviewState {
  const ordered = orderedItems(items);
  const first = ordered.find((item) => item.status === 'open') ?? ordered[0];
  const noneOpen = countStatuses(items).open === 0;
  return {
    items,
    screen: noneOpen ? 'confirm-continue' : 'list',
    selectedId: first?.id ?? null,
    subsystemFilter: null,
    statusFilter: 'all',
    scroll: 0,
    undoStack: [],
    effects: [],
    nextSeq: 1,
    width: size.width,
    height: size.height,
    help: false,
    editing: null,
    confirmReturn: 'list',
    exiting: false,
    message: null,
  };
}

// ---------------------------------------------------------------------------------------------
// Helpers

function withEffects(state: ReviewState, ...effects: NewEffect[]): ReviewState {
  let seq = state.nextSeq;
  const numbered = effects.map((effect) => ({ ...effect, seq: seq++ }) as ReviewEffect);
  return { ...state, effects: [...state.effects, ...numbered], nextSeq: seq };
}

function info(text: string): Message {
  return { tone: 'info', text };
}

function error(text: string): Message {
  return { tone: 'error', text };
}

/**
 * Keeps the list cursor on a visible item. When the selected item is filtered out, the cursor
 * moves to the next visible item in display order, else the previous one, else nowhere.
 */
function normalizeSelection(state: ReviewState): ReviewState {
  const visible = visibleItems(state);
  if (state.selectedId !== null && visible.some((item) => item.id === state.selectedId)) return state;
  if (visible.length === 0) return state.selectedId === null ? state : { ...state, selectedId: null };
  const ordered = orderedItems(state.items);
  const from = ordered.findIndex((item) => item.id === state.selectedId);
  const isVisible = (item: ReviewItem) => passes(state, item);
  const next = from < 0 ? undefined : ordered.slice(from + 1).find(isVisible);
  const previous = from < 0 ? undefined : ordered.slice(0, from).reverse().find(isVisible);
  const target = next ?? previous ?? visible[0];
  return { ...state, selectedId: target?.id ?? null };
}

function moveSelection(state: ReviewState, delta: number): ReviewState {
  const visible = visibleItems(state);
  if (visible.length === 0) return state;
  const at = visible.findIndex((item) => item.id === state.selectedId);
  const target = Math.min(visible.length - 1, Math.max(0, (at < 0 ? 0 : at) + delta));
  const id = visible[target]?.id ?? null;
  return id === state.selectedId ? state : { ...state, selectedId: id };
}

function clampScroll(state: ReviewState, scroll: number): number {
  const item = selectedItem(state);
  if (!item) return 0;
  return Math.min(Math.max(0, scroll), maxDetailScroll(item, state.width, state.height));
}

/** The value after `current` in `values`, wrapping around (`values` is never empty here). */
function cycle<T>(values: readonly T[], current: T): T {
  const next = (values.indexOf(current) + 1) % values.length;
  // Not `??`: null is a legitimate value (no subsystem filter).
  return next < values.length ? (values[next] as T) : current;
}

const DESCRIBE: Record<Decision['take'], string> = {
  patch: "kept the patch's version",
  upstream: "took upstream's version",
  both: 'kept both (compat code under the guard, upstream in #else)',
  lines: 'took the edited lines',
  drop: 'dropped the hunk',
  reviewed: 'marked the stale guard reviewed',
};

function sameDecision(a: Decision | undefined, b: Decision): boolean {
  if (a === undefined || a.take !== b.take) return false;
  if (a.take === 'lines' && b.take === 'lines') {
    return a.lines.length === b.lines.length && a.lines.every((line, i) => line === b.lines[i]);
  }
  return true;
}

function applyDecision(state: ReviewState, id: string, decision: Decision): ReviewState {
  const item = state.items.find((candidate) => candidate.id === id);
  if (!item) return state;
  if (decision.take === 'reviewed' && item.kind !== 'stale') {
    return { ...state, message: error(`${id} is a conflict, not a stale guard: resolve it with p, u, b, e or d`) };
  }
  if (item.status === statusForDecision(decision) && sameDecision(item.decision, decision)) {
    return { ...state, message: info(`${id}: already ${DESCRIBE[decision.take]}`) };
  }
  const wasOpen = countStatuses(state.items).open;
  const updated: ReviewItem = { ...item, status: statusForDecision(decision), decision };
  const items = state.items.map((candidate) => (candidate.id === id ? updated : candidate));
  let next: ReviewState = {
    ...state,
    items,
    undoStack: [...state.undoStack, { id, status: item.status, decision: item.decision }],
    message: info(`${id}: ${DESCRIBE[decision.take]}`),
  };
  next = withEffects(next, { kind: 'save', id, decision });
  if (wasOpen > 0 && countStatuses(items).open === 0 && next.screen !== 'confirm-continue') {
    next = { ...next, confirmReturn: next.screen === 'detail' ? 'detail' : 'list', screen: 'confirm-continue' };
  }
  return next.screen === 'list' ? normalizeSelection(next) : next;
}

function undo(state: ReviewState): ReviewState {
  const entry = state.undoStack[state.undoStack.length - 1];
  if (!entry) return { ...state, message: info('nothing to undo') };
  const items = state.items.map((item) => {
    if (item.id !== entry.id) return item;
    const restored: ReviewItem = { ...item, status: entry.status };
    if (entry.decision === undefined) delete restored.decision;
    else restored.decision = entry.decision;
    return restored;
  });
  const screen = state.screen === 'confirm-continue' ? state.confirmReturn : state.screen;
  let next: ReviewState = {
    ...state,
    items,
    screen,
    selectedId: screen === 'detail' ? state.selectedId : entry.id,
    undoStack: state.undoStack.slice(0, -1),
    message: info(`${entry.id}: undone, back to ${entry.status}`),
  };
  next = withEffects(next, { kind: 'save', id: entry.id, decision: entry.decision ?? null });
  return screen === 'list' ? normalizeSelection(next) : { ...next, scroll: clampScroll(next, next.scroll) };
}

/** Actions still accepted once quitting, or while `$EDITOR` is open. */
const BOOKKEEPING = new Set<ReviewAction['type']>(['effects-taken', 'save-failed', 'resize']);

// ---------------------------------------------------------------------------------------------
// The reducer

export function reviewReducer(state: ReviewState, action: ReviewAction): ReviewState {
  if (state.exiting && !BOOKKEEPING.has(action.type)) return state;
  if (
    state.editing !== null &&
    !BOOKKEEPING.has(action.type) &&
    action.type !== 'editor-finished' &&
    action.type !== 'editor-failed' &&
    action.type !== 'quit'
  ) {
    return state;
  }
  // A key clears the previous action's feedback; bookkeeping keeps it on screen. When the
  // message is already clear `s` is `state`, so a key that changes nothing returns `state`
  // itself and costs no render.
  const s: ReviewState = BOOKKEEPING.has(action.type) || state.message === null ? state : { ...state, message: null };

  switch (action.type) {
    case 'move':
      if (s.screen !== 'list' || s.help) return state;
      return moveSelection(s, action.delta);

    case 'page': {
      if (s.help) return state;
      if (s.screen === 'list') {
        const step = Math.max(1, listViewportRows(s.height) - 1);
        return moveSelection(s, action.direction * step);
      }
      if (s.screen === 'detail') {
        const item = selectedItem(s);
        if (!item) return state;
        const step = Math.max(1, detailViewportRows(item, s.height) - 1);
        return scrollTo(s, s.scroll + action.direction * step);
      }
      return state;
    }

    case 'scroll':
      if (s.screen !== 'detail' || s.help) return state;
      return scrollTo(s, s.scroll + action.delta);

    case 'open':
      if (s.screen !== 'list' || s.help || selectedItem(s) === undefined) return state;
      return { ...s, screen: 'detail', scroll: 0 };

    case 'back':
      if (s.help) return { ...s, help: false };
      if (s.screen === 'detail') return normalizeSelection({ ...s, screen: 'list', scroll: 0 });
      if (s.screen === 'confirm-continue') return reviewReducer(state, { type: 'decline-continue' });
      if (s.subsystemFilter !== null || s.statusFilter !== 'all') {
        return { ...s, subsystemFilter: null, statusFilter: 'all', message: info('filters cleared') };
      }
      return s;

    case 'cycle-subsystem-filter': {
      if (s.screen !== 'list') return state;
      const choices: (string | null)[] = [null, ...subsystemsOf(s.items)];
      return normalizeSelection({ ...s, subsystemFilter: cycle(choices, s.subsystemFilter) });
    }

    case 'cycle-status-filter':
      if (s.screen !== 'list') return state;
      return normalizeSelection({ ...s, statusFilter: cycle(STATUS_FILTERS, s.statusFilter) });

    case 'decide':
      return applyDecision(s, action.id, action.decision);

    case 'undo':
      return undo(s);

    case 'editor-requested': {
      if (!s.items.some((item) => item.id === action.id)) return state;
      return withEffects({ ...s, editing: action.id, help: false }, { kind: 'open-editor', id: action.id });
    }

    case 'editor-finished': {
      if (s.editing !== action.id) return state;
      const done: ReviewState = { ...s, editing: null };
      if (action.lines === null || hasConflictMarkers(action.lines)) {
        return { ...done, message: error(`${action.id}: conflict markers remain, the item is unchanged`) };
      }
      return applyDecision(done, action.id, { take: 'lines', lines: action.lines });
    }

    case 'editor-failed':
      if (s.editing !== action.id) return state;
      return { ...s, editing: null, message: error(`${action.id}: editor failed: ${action.message}`) };

    case 'confirm-continue':
      if (s.screen !== 'confirm-continue') return state;
      if (!allDecided(s)) return { ...s, screen: 'list', message: error('some items are still open') };
      return withEffects({ ...s, exiting: true }, { kind: 'continue' });

    case 'decline-continue':
      if (s.screen !== 'confirm-continue') return state;
      return normalizeSelection({
        ...s,
        screen: s.confirmReturn === 'detail' && selectedItem(s) ? 'detail' : 'list',
        message: info('run `pvpatch rebase --continue` when ready'),
      });

    case 'toggle-help':
      if (s.screen === 'confirm-continue') return state;
      return { ...s, help: !s.help };

    case 'quit':
      return withEffects({ ...s, exiting: true, help: false }, { kind: 'exit' });

    case 'resize': {
      if (action.width === s.width && action.height === s.height) return state;
      const resized = { ...s, width: action.width, height: action.height };
      return { ...resized, scroll: clampScroll(resized, resized.scroll) };
    }

    case 'effects-taken': {
      const effects = s.effects.filter((effect) => effect.seq > action.through);
      return effects.length === s.effects.length ? state : { ...s, effects };
    }

    case 'save-failed':
      return { ...s, message: error(`${action.id}: could not save the decision: ${action.message}`) };
  }
}

function scrollTo(state: ReviewState, scroll: number): ReviewState {
  const clamped = clampScroll(state, scroll);
  return clamped === state.scroll ? state : { ...state, scroll: clamped };
}

