/**
 * The session report a finished rebase leaves behind (markdown): per patch what happened and
 * why, the review items (conflicts and stale guards) with their decisions, and a suggested
 * commit message. Pure and deterministic: no clock, no environment — the same input gives the
 * same text.
 */
import type { Decision, ReviewItem } from './review/model.js';

export interface SessionPatch {
  /** Series entry, e.g. "blkfront/elevator-noop.patch". */
  patch: string;
  /** The rebase outcome: clean, offset, fuzz, merged, conflict, already-upstream, stale, dropped (others are shown as given). */
  status: string;
  /** How its hunks were carried (e.g. ["offset", "fuzz", "merged"]). */
  kinds: string[];
  /** Why: one or more sentences from the rebase engine (may be ''). */
  detail: string;
  /** Ids of this patch's review items (in `items`). */
  items: string[];
}

export interface SessionReportInput {
  from: string;
  onto: string;
  patches: SessionPatch[];
  items: ReviewItem[];
}

const STATUS_TEXT: Readonly<Record<string, string>> = {
  clean: 'applied cleanly',
  offset: 'applied at an offset',
  fuzz: 'applied with fuzz',
  merged: 'three-way merged',
  conflict: 'had conflicts',
  'already-upstream': 'dropped: already contained upstream',
  stale: 'applied; guarded lines changed upstream',
  dropped: 'dropped',
};

function statusText(status: string): string {
  return STATUS_TEXT[status] ?? status;
}

/** Inline code that survives backticks in the text. */
function code(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** A table cell: no newlines, pipes escaped. */
function cell(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}

function label(patch: string): string {
  return patch.replace(/\.(patch|diff)$/, '');
}

function decisionText(d: Decision | undefined, status: ReviewItem['status']): string {
  if (status === 'open' || d === undefined) {
    return status === 'dropped' ? 'hunk dropped' : status === 'reviewed' ? 'reviewed' : status === 'resolved' ? 'resolved' : '**still open**';
  }
  switch (d.take) {
    case 'patch':
      return "resolved: kept the patch's side";
    case 'upstream':
      return 'resolved: took the upstream side';
    case 'both':
      return 'resolved: kept both sides';
    case 'lines':
      return `resolved by hand (${d.lines.length} line${d.lines.length === 1 ? '' : 's'})`;
    case 'drop':
      return 'resolved: dropped the hunk';
    case 'reviewed':
      return 'reviewed: guard kept as it is';
  }
}

function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

function countBy<T>(xs: readonly T[], key: (x: T) => string): [string, number][] {
  const m = new Map<string, number>();
  for (const x of xs) m.set(key(x), (m.get(key(x)) ?? 0) + 1);
  return [...m];
}

/** The review items of a patch: those it names, then any other item that names the patch. */
function itemsOf(p: SessionPatch, items: readonly ReviewItem[]): ReviewItem[] {
  const byId = new Map(items.map((i) => [i.id, i]));
  const out = p.items.map((id) => byId.get(id)).filter((i): i is ReviewItem => i !== undefined);
  for (const i of items) if (i.patch === p.patch && !out.includes(i)) out.push(i);
  return out;
}

function renderItem(item: ReviewItem): string[] {
  const what = item.kind === 'conflict' ? 'conflict' : 'stale guard';
  const lines = [`- **${item.id}** ${what} in ${code(item.file)} at line ${item.line}: ${decisionText(item.decision, item.status)}`];
  if (item.condition) lines.push(`  - condition: ${code(item.condition)}`);
  for (const b of item.branches ?? []) {
    lines.push(`  - ${code(b.branch)}: ${b.kernels.length ? b.kernels.join(', ') : 'no kernel'}`);
  }
  const change = item.upstreamChange ?? [];
  if (change.length > 0) {
    const shown = change.slice(0, 20);
    lines.push('  - upstream change:', '', '    ```diff', ...shown.map((l) => `    ${l}`), '    ```');
    if (change.length > shown.length) lines.push(`    (${change.length - shown.length} more lines)`);
    lines.push('');
  }
  return lines;
}

function itemSummary(items: readonly ReviewItem[]): string {
  if (items.length === 0) return 'no review items';
  const conflicts = items.filter((i) => i.kind === 'conflict');
  const stale = items.filter((i) => i.kind === 'stale');
  const open = items.filter((i) => i.status === 'open').length;
  const parts: string[] = [];
  if (conflicts.length) parts.push(`${plural(conflicts.length, 'conflict')} (${conflicts.filter((i) => i.status !== 'open').length} resolved)`);
  if (stale.length) parts.push(`${plural(stale.length, 'stale guard')} (${stale.filter((i) => i.status !== 'open').length} reviewed)`);
  return parts.join(', ') + (open ? `; ${open} still open` : '');
}

/**
 * The markdown report of a rebase session: a summary line, a table of every patch (result, how
 * its hunks were carried, review items), a section per patch that did not simply apply (its
 * detail and its items with their decisions, conditions and the kernels per branch), and a
 * suggested commit message. Review items are attached to a patch by the patch's `items` ids and
 * by their own `patch` field; items of no listed patch get a section of their own. Open items
 * are marked **still open**. An empty series gives a report that says so.
 */
export function renderSessionReport(input: SessionReportInput): string {
  const { from, onto, patches, items } = input;
  const out: string[] = [`# pvpatch rebase: ${from} → ${onto}`, ''];
  if (patches.length === 0) {
    out.push('The series is empty: nothing was carried.', '');
  } else {
    const counts = countBy(patches, (p) => p.status).map(([s, n]) => `${n} ${s}`);
    out.push(`${plural(patches.length, 'patch', 'patches')}: ${counts.join(', ')}. Review: ${itemSummary(items)}.`, '');
    out.push('| # | patch | result | carried by | review items |', '|---|---|---|---|---|');
    patches.forEach((p, i) => {
      const ids = itemsOf(p, items).map((x) => x.id);
      out.push(`| ${i + 1} | ${cell(p.patch)} | ${cell(statusText(p.status))} | ${cell(p.kinds.join(', ') || '-')} | ${cell(ids.join(', ') || '-')} |`);
    });
    out.push('');
  }
  for (const p of patches) {
    const own = itemsOf(p, items);
    if (p.status === 'clean' && own.length === 0 && p.detail.trim() === '') continue;
    out.push(`## ${label(p.patch)}: ${statusText(p.status)}`, '');
    if (p.detail.trim() !== '') out.push(p.detail.trim(), '');
    if (p.kinds.length > 0) out.push(`Carried by: ${p.kinds.join(', ')}.`, '');
    if (own.length > 0) out.push(...own.flatMap(renderItem), '');
  }
  const listed = new Set(patches.flatMap((p) => itemsOf(p, items).map((i) => i.id)));
  const orphans = items.filter((i) => !listed.has(i.id));
  if (orphans.length > 0) out.push('## Other review items', '', ...orphans.flatMap(renderItem), '');
  out.push('## Suggested commit message', '', '```text', ...commitMessage(input), '```', '');
  return out.join('\n').replace(/\n{3,}/g, '\n\n');
}

/** The suggested commit message: a subject line, then one line per patch that needed more than a clean apply. */
function commitMessage({ from, onto, patches, items }: SessionReportInput): string[] {
  const lines = [`Rebase the pvpatch series onto upstream ${onto} (from ${from})`, ''];
  const clean = patches.filter((p) => p.status === 'clean' && itemsOf(p, items).length === 0);
  const rest = patches.filter((p) => !clean.includes(p));
  if (clean.length > 0) lines.push(`${plural(clean.length, 'patch', 'patches')} applied cleanly.`);
  if (rest.length > 0) {
    if (clean.length > 0) lines.push('');
    for (const p of rest) {
      const own = itemsOf(p, items);
      const conflicts = own.filter((i) => i.kind === 'conflict' && i.status !== 'open').length;
      const stale = own.filter((i) => i.kind === 'stale' && i.status !== 'open').length;
      const notes: string[] = [];
      if (conflicts) notes.push(`${plural(conflicts, 'conflict')} resolved`);
      if (stale) notes.push(`${plural(stale, 'stale guard')} reviewed`);
      const open = own.filter((i) => i.status === 'open').length;
      if (open) notes.push(`${open} still open`);
      lines.push(`- ${label(p.patch)}: ${statusText(p.status)}${notes.length ? ` (${notes.join(', ')})` : ''}`);
    }
  }
  if (patches.length === 0) lines.push('The series is empty.');
  return lines;
}
