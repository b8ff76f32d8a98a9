import { Box, useApp, useInput, useStdout } from 'ink';
import { useEffect, useReducer, useRef } from 'react';
import type { Decision, ReviewItem } from '../../core/review/model.js';
import { commandToAction, matchKey } from '../keymap.js';
import { DEFAULT_SIZE } from '../layout.js';
import {
  countStatuses,
  initReviewState,
  reviewReducer,
  selectedItem,
  visibleGroups,
  type ReviewEffect,
  type ReviewState,
} from '../review-state.js';
import { ConfirmContinue } from './ConfirmContinue.js';
import { Footer } from './Footer.js';
import { HelpPanel } from './HelpPanel.js';
import { ItemDetail } from './ItemDetail.js';
import { ItemList } from './ItemList.js';

export interface ReviewAppProps {
  /** The conflicts and stale guards of the rebase in progress, with their saved status. Read once, at mount. */
  items: readonly ReviewItem[];
  /**
   * Persist a decision. Called at once, for every decision, in order; `null` means the item is
   * open again (an undo of its first decision). A rejected promise or a throw is shown as an error.
   */
  onDecision: (id: string, decision: Decision | null) => Promise<void> | void;
  /**
   * Open the item's file (with conflict markers) in `$EDITOR`. Resolves to the region's lines
   * without markers, or `null` when markers remain. Keys are ignored (and raw mode is off)
   * until it settles.
   */
  onEdit: (item: ReviewItem) => Promise<string[] | null>;
  /** The user accepted `rebase --continue`; called after every save has settled, then the app exits. */
  onContinue: () => void;
  /** The user quit (q or Ctrl-C); called after every save has settled, then the app exits. */
  onExit: () => void;
  /** Every new state, after it rendered (tests, debugging). */
  onStateChange?: (state: ReviewState) => void;
}

type Stdout = ReturnType<typeof useStdout>['stdout'];

function terminalSize(stdout: Stdout): { width: number; height: number } {
  return { width: stdout.columns || DEFAULT_SIZE.width, height: stdout.rows || DEFAULT_SIZE.height };
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The review screen. Owns the reducer; keys go through the keymap to actions; the effects the
 * reducer queues run here, each exactly once, through the callbacks.
 */
export function ReviewApp(props: ReviewAppProps) {
  const { stdout } = useStdout();
  const { exit } = useApp();
  const [state, dispatch] = useReducer(reviewReducer, props.items, (items) =>
    initReviewState(items, terminalSize(stdout)),
  );
  // Handlers read the latest state and callbacks through refs, so they never act on a stale render.
  const stateRef = useRef(state);
  stateRef.current = state;
  const propsRef = useRef(props);
  propsRef.current = props;
  const takenThrough = useRef(0);
  const pendingSaves = useRef(new Set<Promise<void>>());

  useEffect(() => {
    propsRef.current.onStateChange?.(state);
  }, [state]);

  useEffect(() => {
    const onResize = () => dispatch({ type: 'resize', ...terminalSize(stdout) });
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);

  useEffect(() => {
    const fresh = state.effects.filter((effect) => effect.seq > takenThrough.current);
    const newest = fresh[fresh.length - 1];
    if (newest === undefined) return;
    // Mark them taken before running them: a re-render must never run an effect twice.
    takenThrough.current = newest.seq;
    dispatch({ type: 'effects-taken', through: newest.seq });
    for (const effect of fresh) runEffect(effect);
  }, [state.effects]);

  function settleSaves(): Promise<unknown> {
    return Promise.allSettled([...pendingSaves.current]);
  }

  function runEffect(effect: ReviewEffect): void {
    const callbacks = propsRef.current;
    switch (effect.kind) {
      case 'save': {
        const failed = (error: unknown) => dispatch({ type: 'save-failed', id: effect.id, message: reason(error) });
        try {
          const result = callbacks.onDecision(effect.id, effect.decision);
          if (result !== undefined) {
            const pending = Promise.resolve(result).catch(failed);
            pendingSaves.current.add(pending);
            void pending.finally(() => pendingSaves.current.delete(pending));
          }
        } catch (error) {
          failed(error);
        }
        return;
      }
      case 'open-editor': {
        const item = stateRef.current.items.find((candidate) => candidate.id === effect.id);
        if (!item) return;
        const failed = (error: unknown) => dispatch({ type: 'editor-failed', id: effect.id, message: reason(error) });
        try {
          callbacks.onEdit(item).then((lines) => dispatch({ type: 'editor-finished', id: effect.id, lines }), failed);
        } catch (error) {
          failed(error);
        }
        return;
      }
      case 'continue':
        void settleSaves().then(() => {
          propsRef.current.onContinue();
          exit();
        });
        return;
      case 'exit':
        void settleSaves().then(() => {
          propsRef.current.onExit();
          exit();
        });
        return;
    }
  }

  useInput(
    (input, key) => {
      const current = stateRef.current;
      const command = matchKey(input, key, current.screen);
      const action = command === undefined ? undefined : commandToAction(command, current);
      if (action) dispatch(action);
    },
    { isActive: state.editing === null && !state.exiting },
  );

  const counts = countStatuses(state.items);
  const item = selectedItem(state);
  let body;
  if (state.help) {
    body = <HelpPanel screen={state.screen} />;
  } else if (state.screen === 'detail' && item) {
    body = <ItemDetail item={item} width={state.width} height={state.height} scroll={state.scroll} />;
  } else if (state.screen === 'confirm-continue') {
    body = <ConfirmContinue counts={counts} />;
  } else {
    body = (
      <ItemList
        groups={visibleGroups(state)}
        selectedId={state.selectedId}
        total={counts.total}
        width={state.width}
        height={state.height}
      />
    );
  }
  return (
    <Box flexDirection="column" width={state.width}>
      {body}
      <Footer
        counts={counts}
        screen={state.screen}
        subsystemFilter={state.subsystemFilter}
        statusFilter={state.statusFilter}
        message={state.message}
        editing={state.editing}
      />
    </Box>
  );
}
