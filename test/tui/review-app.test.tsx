import { cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ReviewItem } from '../../src/core/review/model.js';
import { checksumStale, elevatorConflict, probeStale, sampleItems } from './fixtures.js';
import { press, renderReview } from './harness.js';

afterEach(() => {
  cleanup();
});

function item(items: readonly ReviewItem[], id: string): ReviewItem | undefined {
  return items.find((candidate) => candidate.id === id);
}

/** A promise the test settles by hand (a slow save). */
function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

describe('list screen', () => {
  it('shows the items grouped by subsystem, with counts in the footer', async () => {
    const app = await renderReview(sampleItems());
    const frame = app.frame();
    const order = ['blkfront', 'c1', 'c2', 'netfront', 's1', 'c3', 'xenbus', 's2'].map((text) => frame.indexOf(text));
    expect(order.every((at) => at >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(frame).toContain('4 open · 1 resolved · 0 reviewed · 0 dropped · 5 items');
    expect(frame).toContain('▸ c1');
  });

  it('moves with j/k and the arrows', async () => {
    const app = await renderReview(sampleItems());
    await press(app.stdin, 'j');
    expect(app.state().selectedId).toBe('c2');
    await press(app.stdin, 'down');
    expect(app.state().selectedId).toBe('s1');
    await press(app.stdin, 'up');
    await press(app.stdin, 'k');
    expect(app.state().selectedId).toBe('c1');
  });

  it('filters by subsystem and status', async () => {
    const app = await renderReview(sampleItems());
    await press(app.stdin, 'f');
    await press(app.stdin, 'f');
    expect(app.state().subsystemFilter).toBe('netfront');
    expect(app.state().selectedId).toBe('s1');
    await press(app.stdin, 's');
    expect(app.state().statusFilter).toBe('open');
    expect(app.frame()).toContain('filter: subsystem=netfront status=open');
    expect(app.frame()).not.toContain('c3');
    await press(app.stdin, 'escape');
    expect(app.state().statusFilter).toBe('all');
    expect(app.state().subsystemFilter).toBeNull();
  });

  it('decides from the list and saves each decision at once', async () => {
    const app = await renderReview(sampleItems());
    await press(app.stdin, 'p');
    expect(app.onDecision).toHaveBeenLastCalledWith('c1', { take: 'patch' });
    await press(app.stdin, 'j');
    await press(app.stdin, 'u');
    expect(app.onDecision).toHaveBeenLastCalledWith('c2', { take: 'upstream' });
    await press(app.stdin, 'j');
    await press(app.stdin, 'r');
    expect(app.onDecision).toHaveBeenLastCalledWith('s1', { take: 'reviewed' });
    expect(app.onDecision).toHaveBeenCalledTimes(3);
    expect(item(app.state().items, 's1')?.status).toBe('reviewed');
    expect(app.frame()).toContain('1 open · 3 resolved · 1 reviewed · 0 dropped');
  });

  it('undo saves the restored state', async () => {
    const app = await renderReview(sampleItems());
    await press(app.stdin, 'd');
    expect(app.onDecision).toHaveBeenLastCalledWith('c1', { take: 'drop' });
    await press(app.stdin, 'z');
    expect(app.onDecision).toHaveBeenLastCalledWith('c1', null);
    expect(item(app.state().items, 'c1')?.status).toBe('open');
  });

  it('shows a failed save', async () => {
    const app = await renderReview(sampleItems(), { onDecision: () => Promise.reject(new Error('EACCES .pvpatch/rebase')) });
    await press(app.stdin, 'p');
    await vi.waitFor(() => expect(app.frame()).toContain('c1: could not save the decision: EACCES .pvpatch/rebase'));
  });

  it('shows help from the keymap', async () => {
    const app = await renderReview(sampleItems());
    await press(app.stdin, '?');
    expect(app.frame()).toContain('keep both: compat code under the guard, upstream in #else');
    await press(app.stdin, 'escape');
    expect(app.state().help).toBe(false);
  });
});

describe('detail screen', () => {
  it('is side by side on a wide terminal', async () => {
    const app = await renderReview(sampleItems(), { columns: 140, rows: 30 });
    await press(app.stdin, 'enter');
    expect(app.state().screen).toBe('detail');
    const lines = app.frame().split('\n');
    const titles = lines.find((line) => line.includes('base (old drop)'));
    expect(titles).toContain('patch (ours)');
    expect(titles).toContain('upstream (theirs)');
    const firstCode = lines.find((line) => line.includes('412     elevator_init(rq, "noop");'));
    // Each column is (140 - 2 separators) / 3 wide: the long guard line is cut at its edge.
    expect(firstCode).toContain('412 #if LINUX_VERSION_CODE < KERNEL_VERSION…');
    expect(firstCode).toContain('412     if (elevator_init(rq, "noop"))');
    expect(lines.every((line) => line.length <= 140)).toBe(true);
  });

  it('is stacked on a narrow terminal', async () => {
    const app = await renderReview(sampleItems(), { columns: 90, rows: 30 });
    await press(app.stdin, 'enter');
    const lines = app.frame().split('\n');
    const base = lines.findIndex((line) => line.startsWith('base (old drop)'));
    const ours = lines.findIndex((line) => line.startsWith('patch (ours)'));
    const theirs = lines.findIndex((line) => line.startsWith('upstream (theirs)'));
    expect(base).toBeGreaterThan(0);
    expect(ours).toBeGreaterThan(base);
    expect(theirs).toBeGreaterThan(ours);
    expect(lines.every((line) => line.length <= 90)).toBe(true);
  });

  it('switches layout when the terminal is resized', async () => {
    const app = await renderReview(sampleItems(), { columns: 90, rows: 30 });
    await press(app.stdin, 'enter');
    Object.defineProperty(app.stdout, 'columns', { value: 150, configurable: true });
    app.stdout.emit('resize');
    await vi.waitFor(() => expect(app.state().width).toBe(150));
    expect(app.frame()).toContain('side-by-side');
  });

  it('shows the guard, the kernels of each branch and the upstream change of a stale guard', async () => {
    const app = await renderReview([checksumStale], { columns: 100, rows: 40 });
    await press(app.stdin, 'enter');
    const frame = app.frame();
    expect(frame).toContain('s1 · stale guard · open');
    expect(frame).toContain('guard: #if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,19)');
    expect(frame).toContain('  #if → sles9-x86_64, rhel4-x86_64, sles10-x86_64, rhel5-x86_64');
    expect(frame).toContain('#else → debian12-amd64');
    expect(frame).toContain('upstream change that made this guard stale');
    expect(frame).toContain('+        skb->csum_start = skb_headroom(skb) + rx->offset;');
  });

  it('scrolls long hunks with j/k and PgDn/PgUp', async () => {
    const app = await renderReview([probeStale], { columns: 100, rows: 20 });
    await press(app.stdin, 'enter');
    expect(app.frame()).not.toContain('probe_step_17(dev, XS_PROBE_ASYNC)');
    await press(app.stdin, 'j');
    await press(app.stdin, 'down');
    expect(app.state().scroll).toBe(2);
    await press(app.stdin, 'k');
    expect(app.state().scroll).toBe(1);
    // 20 rows: 5 header + 3 footer leave 12 body rows of 104; a page is 11 rows.
    for (let i = 0; i < 9; i++) await press(app.stdin, 'pagedown');
    expect(app.state().scroll).toBe(104 - 12);
    expect(app.frame()).toContain('+    probe_step_17(dev, XS_PROBE_ASYNC);');
    expect(app.frame()).toContain('rows 93–104 of 104');
    await press(app.stdin, 'pageup');
    expect(app.state().scroll).toBe(104 - 12 - 11);
  });

  it('decides, undoes and goes back', async () => {
    const app = await renderReview(sampleItems());
    await press(app.stdin, 'enter');
    await press(app.stdin, 'b');
    expect(app.onDecision).toHaveBeenLastCalledWith('c1', { take: 'both' });
    expect(app.frame()).toContain('c1 · conflict · resolved (both)');
    await press(app.stdin, 'z');
    expect(app.onDecision).toHaveBeenLastCalledWith('c1', null);
    await press(app.stdin, 'backspace');
    expect(app.state().screen).toBe('list');
  });
});

describe('editing', () => {
  it('takes the edited lines when the markers are gone', async () => {
    const edited = ['#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)', '\televator_init(rq, &elevator_noop);', '#else', '\tif (elevator_init(rq, "noop"))', '\t\tpr_warn("noop?\\n");', '#endif'];
    const app = await renderReview(sampleItems(), { onEdit: () => Promise.resolve(edited) });
    await press(app.stdin, 'e');
    expect(app.onEdit).toHaveBeenCalledWith(expect.objectContaining({ id: 'c1' }));
    await vi.waitFor(() => expect(app.onDecision).toHaveBeenCalledWith('c1', { take: 'lines', lines: edited }));
    await vi.waitFor(() => expect(app.state().editing).toBeNull());
    expect(item(app.state().items, 'c1')?.status).toBe('resolved');
  });

  it('leaves the item open when markers remain', async () => {
    const app = await renderReview(sampleItems(), { onEdit: () => Promise.resolve(null) });
    await press(app.stdin, 'e');
    await vi.waitFor(() => expect(app.frame()).toContain('c1: conflict markers remain, the item is unchanged'));
    expect(app.onDecision).not.toHaveBeenCalled();
  });
});

describe('leaving', () => {
  it('offers rebase --continue when all are resolved, and runs it after the saves', async () => {
    const slow = deferred();
    const app = await renderReview([structuredClone(elevatorConflict)], { onDecision: () => slow.promise });
    await press(app.stdin, 'p');
    expect(app.state().screen).toBe('confirm-continue');
    expect(app.frame()).toContain('Run pvpatch rebase --continue now?');
    await press(app.stdin, 'y');
    expect(app.onContinue).not.toHaveBeenCalled();
    slow.resolve();
    await vi.waitFor(() => expect(app.onContinue).toHaveBeenCalledTimes(1));
    expect(app.onExit).not.toHaveBeenCalled();
  });

  it('declining the offer goes back', async () => {
    const app = await renderReview([structuredClone(elevatorConflict)]);
    await press(app.stdin, 'u');
    await press(app.stdin, 'n');
    expect(app.state().screen).toBe('list');
    expect(app.onContinue).not.toHaveBeenCalled();
  });

  it('q exits once the pending saves settle', async () => {
    const slow = deferred();
    const app = await renderReview(sampleItems(), { onDecision: () => slow.promise });
    await press(app.stdin, 'p');
    await press(app.stdin, 'q');
    expect(app.onExit).not.toHaveBeenCalled();
    slow.resolve();
    await vi.waitFor(() => expect(app.onExit).toHaveBeenCalledTimes(1));
  });

  it('Ctrl-C exits', async () => {
    const app = await renderReview(sampleItems());
    await press(app.stdin, 'ctrl-c');
    await vi.waitFor(() => expect(app.onExit).toHaveBeenCalledTimes(1));
    expect(app.onDecision).not.toHaveBeenCalled();
  });

  it('resumes at the first open item', async () => {
    const items = sampleItems().map((candidate) =>
      candidate.id === 'c1' || candidate.id === 'c2' ? { ...candidate, status: 'dropped' as const, decision: { take: 'drop' as const } } : candidate,
    );
    const app = await renderReview(items);
    expect(app.state().selectedId).toBe('s1');
    expect(app.frame()).toContain('▸ s1');
  });
});
