/**
 * What a review decision puts into the merged file, and how a decision maps to a status.
 * Pure: text in, text out. Used by the review TUI (to preview), `pvpatch resolve` and the
 * rebase engine (to write the merged region).
 */
import type { Decision, ReviewItem, ReviewStatus } from './model.js';

/** Matches an opening conditional directive: `#if`, `#ifdef`, `#ifndef` (any spacing after `#`). */
const OPEN_DIRECTIVE = /^\s*#\s*if(?:n?def)?\b/;
/** Matches a directive that ends the first branch of a conditional at the same depth. */
const BRANCH_DIRECTIVE = /^\s*#\s*(?:else|elif|endif)\b/;
const CLOSE_DIRECTIVE = /^\s*#\s*endif\b/;

/**
 * The lines of `ours` under its first `#if` (up to the matching `#else`, `#elif` or `#endif`),
 * or `undefined` when `ours` has no complete guard structure (no opening directive, or the
 * opening directive is never closed). Nested conditionals inside the branch are kept whole.
 */
export function guardedBranch(ours: readonly string[]): string[] | undefined {
  const start = ours.findIndex((line) => OPEN_DIRECTIVE.test(line));
  if (start < 0) return undefined;
  let depth = 0;
  for (let i = start + 1; i < ours.length; i++) {
    const line = ours[i] ?? '';
    if (OPEN_DIRECTIVE.test(line)) {
      depth++;
    } else if (depth > 0) {
      if (CLOSE_DIRECTIVE.test(line)) depth--;
    } else if (BRANCH_DIRECTIVE.test(line)) {
      return ours.slice(start + 1, i);
    }
  }
  return undefined;
}

/**
 * The lines a decision puts in the merged file for the item's region.
 *
 * - `patch` and `reviewed`: the patch's side (`ours`).
 * - `upstream` and `drop`: upstream's side (`theirs`) — dropping the hunk leaves upstream's code.
 * - `lines`: the given lines, as they are.
 * - `both`: with a guard `condition` and a guard structure in `ours`:
 *   `#if <condition>`, the compat lines (ours' branch under its `#if`), `#else`, `theirs`, `#endif`.
 *   Without a condition, or when `ours` has no complete guard structure, `ours` followed by `theirs`.
 *
 * Always returns a fresh array; the item is never modified.
 */
export function resolvedLines(item: ReviewItem, decision: Decision): string[] {
  switch (decision.take) {
    case 'patch':
    case 'reviewed':
      return [...item.ours];
    case 'upstream':
    case 'drop':
      return [...item.theirs];
    case 'lines':
      return [...decision.lines];
    case 'both': {
      const compat = item.condition === undefined ? undefined : guardedBranch(item.ours);
      // A compat-only guard (#if … #endif, no #else) wraps no upstream code: keep it, then upstream's lines.
      if (item.condition === undefined || compat === undefined || !hasElseBranch(item.ours)) {
        return [...item.ours, ...item.theirs];
      }
      return [`#if ${item.condition}`, ...compat, '#else', ...item.theirs, '#endif'];
    }
  }
}

/** Does the first guard of `ours` have an #else/#elif branch (i.e. does it wrap upstream code)? */
function hasElseBranch(ours: readonly string[]): boolean {
  const start = ours.findIndex((line) => OPEN_DIRECTIVE.test(line));
  let depth = 0;
  for (let i = start + 1; start >= 0 && i < ours.length; i++) {
    const line = ours[i] ?? '';
    if (OPEN_DIRECTIVE.test(line)) depth++;
    else if (depth > 0 && CLOSE_DIRECTIVE.test(line)) depth--;
    else if (depth === 0 && BRANCH_DIRECTIVE.test(line)) return !CLOSE_DIRECTIVE.test(line);
  }
  return false;
}

/** Git/diff3 conflict markers: 7 of `<`, `|` or `>` alone or before a label; 7 `=` alone. */
const MARKER = /^(?:(?:<{7}|\|{7}|>{7})(?:[ \t].*)?|={7})$/;

/**
 * True when any line is a conflict marker (`<<<<<<< ours`, `|||||||`, `=======`, `>>>>>>> theirs`).
 * Only whole markers count: a line of eight `=` or a `<<<<<<<x` is ordinary text.
 */
export function hasConflictMarkers(lines: readonly string[]): boolean {
  return lines.some((line) => MARKER.test(line.replace(/\r$/, '')));
}

/**
 * The status an item has after a decision; `null` (no decision, e.g. after undo) means `open`.
 * `drop` → dropped, `reviewed` → reviewed, every other decision → resolved.
 */
export function statusForDecision(decision: Decision | null | undefined): ReviewStatus {
  if (decision === null || decision === undefined) return 'open';
  switch (decision.take) {
    case 'drop':
      return 'dropped';
    case 'reviewed':
      return 'reviewed';
    default:
      return 'resolved';
  }
}
