/**
 * Screen geometry of the review TUI, as pure functions of the item and the terminal size.
 * The reducer uses them to clamp scrolling and size pages; the components use them to render
 * exactly the rows the reducer reasoned about.
 */
import type { ReviewItem } from '../core/review/model.js';

/** From this width on, the detail screen shows base, ours and theirs side by side. */
export const WIDE_MIN_COLUMNS = 120;
/** Rows the footer always takes: counts and filters, key hints, message line. */
export const FOOTER_ROWS = 3;
/** Rows above the list: the title. */
export const LIST_TITLE_ROWS = 1;
/** Display width of a tab in code lines (ink cannot measure tabs). */
export const TAB_WIDTH = 4;
/** Terminal size used when the output stream does not report one (piped, tests). */
export const DEFAULT_SIZE = { width: 80, height: 24 } as const;

export type DetailLayout = 'side-by-side' | 'stacked';

export function detailLayout(width: number): DetailLayout {
  return width >= WIDE_MIN_COLUMNS ? 'side-by-side' : 'stacked';
}

/** A code line with its number, counted from the item's `line` for every side. */
export interface NumberedLine {
  number: number;
  text: string;
}

export type DetailRow =
  | { kind: 'titles'; titles: readonly [string, string, string] }
  | { kind: 'triple'; cells: readonly [NumberedLine | null, NumberedLine | null, NumberedLine | null] }
  | { kind: 'heading'; text: string }
  | { kind: 'line'; line: NumberedLine }
  | { kind: 'empty' }
  | { kind: 'change'; text: string }
  | { kind: 'blank' };

export const SIDE_TITLES = ['base (old drop)', 'patch (ours)', 'upstream (theirs)'] as const;
export const CHANGE_TITLE = 'upstream change that made this guard stale';

function numbered(lines: readonly string[], first: number): NumberedLine[] {
  return lines.map((text, i) => ({ number: first + i, text: expandTabs(text) }));
}

/**
 * The scrollable body of the detail screen: the three sides (one row per line index when
 * side by side, one section per side when stacked), then the upstream change of a stale guard.
 */
export function detailRows(item: ReviewItem, layout: DetailLayout): DetailRow[] {
  const sides = [item.base, item.ours, item.theirs].map((lines) => numbered(lines, item.line));
  const rows: DetailRow[] = [];
  if (layout === 'side-by-side') {
    rows.push({ kind: 'titles', titles: SIDE_TITLES });
    const length = Math.max(...sides.map((side) => side.length));
    for (let i = 0; i < length; i++) {
      rows.push({ kind: 'triple', cells: [sides[0]?.[i] ?? null, sides[1]?.[i] ?? null, sides[2]?.[i] ?? null] });
    }
  } else {
    SIDE_TITLES.forEach((title, s) => {
      if (s > 0) rows.push({ kind: 'blank' });
      rows.push({ kind: 'heading', text: title });
      const side = sides[s] ?? [];
      if (side.length === 0) rows.push({ kind: 'empty' });
      for (const line of side) rows.push({ kind: 'line', line });
    });
  }
  if (item.upstreamChange !== undefined && item.upstreamChange.length > 0) {
    rows.push({ kind: 'blank' }, { kind: 'heading', text: CHANGE_TITLE });
    for (const text of item.upstreamChange) rows.push({ kind: 'change', text: expandDiffLine(text) });
  }
  return rows;
}

/** Rows of the detail header (see ItemDetail): title, location, guard condition, one per branch. */
export function detailHeaderRows(item: ReviewItem): number {
  return 2 + (item.condition === undefined ? 0 : 1) + (item.branches?.length ?? 0);
}

/** How many body rows fit between the detail header and the footer (at least 1). */
export function detailViewportRows(item: ReviewItem, height: number): number {
  return Math.max(1, height - detailHeaderRows(item) - FOOTER_ROWS);
}

/** The largest useful scroll offset of the detail body (0 when it all fits). */
export function maxDetailScroll(item: ReviewItem, width: number, height: number): number {
  const total = detailRows(item, detailLayout(width)).length;
  return Math.max(0, total - detailViewportRows(item, height));
}

/** How many list rows (group headings and items) fit between the title and the footer. */
export function listViewportRows(height: number): number {
  return Math.max(1, height - LIST_TITLE_ROWS - FOOTER_ROWS);
}

/**
 * The first row to show so that `selected` is visible, kept near the middle of the window
 * and never leaving blank rows at the bottom when there is enough content.
 */
export function windowStart(total: number, selected: number, viewport: number): number {
  if (total <= viewport || selected < 0) return 0;
  const centred = selected - Math.floor(viewport / 2);
  return Math.min(Math.max(0, centred), total - viewport);
}

/** Expands tabs after a diff line's prefix, so the code lines up with the sides above. */
export function expandDiffLine(text: string): string {
  return /^[ +-]/.test(text) ? text.charAt(0) + expandTabs(text.slice(1)) : expandTabs(text);
}

/** Replaces tabs with spaces up to the next TAB_WIDTH stop (ink measures tabs as one column). */
export function expandTabs(text: string, width: number = TAB_WIDTH): string {
  if (!text.includes('\t')) return text;
  let out = '';
  for (const ch of text) {
    if (ch === '\t') out += ' '.repeat(width - (out.length % width));
    else out += ch;
  }
  return out;
}
