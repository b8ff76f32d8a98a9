/**
 * The one way TUI tests drive ReviewApp: `renderReview` mounts it at a fixed terminal size with
 * recording callbacks, `press(stdin, key)` types a key and waits until the app has rendered
 * the result and run the effects it queued. No fixed sleeps anywhere.
 */
import { render } from 'ink-testing-library';
import { vi } from 'vitest';
import type { Decision, ReviewItem } from '../../src/core/review/model.js';
import { ReviewApp, type ReviewAppProps } from '../../src/tui/components/ReviewApp.js';
import type { ReviewState } from '../../src/tui/review-state.js';

type Stdin = ReturnType<typeof render>['stdin'];

/** Named keys as a terminal sends them; anything else is typed as is. */
const SEQUENCES: Record<string, string> = {
  up: '\u001B[A',
  down: '\u001B[B',
  pageup: '\u001B[5~',
  pagedown: '\u001B[6~',
  enter: '\r',
  escape: '\u001B',
  backspace: '\u007F',
  'ctrl-c': '\u0003',
};

interface Probe {
  frames: string[];
  states: ReviewState[];
  /** onExit or onContinue ran: the app unmounts and renders no more. */
  finished: () => boolean;
}

/** How `press` finds the frames and states of the app a stdin belongs to. */
const probes = new WeakMap<Stdin, Probe>();

function settled(probe: Probe, framesBefore: number, statesBefore: number): void {
  const latest = probe.states[probe.states.length - 1];
  if (probe.frames.length <= framesBefore || probe.states.length <= statesBefore || latest === undefined) {
    throw new Error('no new frame yet');
  }
  if (latest.effects.length > 0 && !probe.finished()) throw new Error('effects not taken yet');
}

/**
 * Types `key` and waits for the next frame and for the queued effects to be handed to the
 * callbacks (or for the app to finish: after onExit/onContinue it unmounts). A key that changes nothing produces no frame, so pressing it fails: tests only
 * press keys that do something.
 */
export async function press(stdin: Stdin, key: string): Promise<void> {
  const probe = probes.get(stdin);
  if (!probe) throw new Error('press: stdin does not belong to renderReview()');
  const frames = probe.frames.length;
  const states = probe.states.length;
  stdin.write(SEQUENCES[key] ?? key);
  await vi.waitFor(() => settled(probe, frames, states), { timeout: 2000, interval: 1 });
}

export interface RenderOptions {
  columns?: number;
  rows?: number;
  onDecision?: ReviewAppProps['onDecision'];
  onEdit?: ReviewAppProps['onEdit'];
}

/** Mounts ReviewApp on a `columns` × `rows` terminal and waits until it runs at that size. */
export async function renderReview(items: ReviewItem[], options: RenderOptions = {}) {
  const states: ReviewState[] = [];
  const onDecision = vi.fn<(id: string, decision: Decision | null) => Promise<void> | void>(options.onDecision);
  const onEdit = vi.fn<(item: ReviewItem) => Promise<string[] | null>>(options.onEdit ?? (() => Promise.resolve(null)));
  const onContinue = vi.fn<() => void>();
  const onExit = vi.fn<() => void>();
  const app = render(
    <ReviewApp
      items={items}
      onDecision={onDecision}
      onEdit={onEdit}
      onContinue={onContinue}
      onExit={onExit}
      onStateChange={(state) => states.push(state)}
    />,
  );
  probes.set(app.stdin, {
    frames: app.frames,
    states,
    finished: () => onExit.mock.calls.length + onContinue.mock.calls.length > 0,
  });
  // ink-testing-library's stdout reports 100 columns and no rows; give it a fixed size.
  const columns = options.columns ?? 100;
  const rows = options.rows ?? 24;
  Object.defineProperty(app.stdout, 'columns', { value: columns, configurable: true });
  Object.defineProperty(app.stdout, 'rows', { value: rows, configurable: true });
  app.stdout.emit('resize');
  await vi.waitFor(() => {
    const latest = states[states.length - 1];
    if (latest?.width !== columns || latest.height !== rows) throw new Error('not resized yet');
  });
  return {
    ...app,
    onDecision,
    onEdit,
    onContinue,
    onExit,
    /** The reducer state of the last render. */
    state(): ReviewState {
      const latest = states[states.length - 1];
      if (!latest) throw new Error('no state yet');
      return latest;
    },
    frame(): string {
      return app.lastFrame() ?? '';
    },
  };
}
