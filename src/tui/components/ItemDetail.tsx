import { Box, Text } from 'ink';
import type { Decision, ReviewItem } from '../../core/review/model.js';
import {
  detailLayout,
  detailRows,
  detailViewportRows,
  type DetailRow,
  type NumberedLine,
} from '../layout.js';
import { STATUS_COLOR } from './status-style.js';

export interface ItemDetailProps {
  item: ReviewItem;
  width: number;
  height: number;
  /** First body row to show (the reducer keeps it in range). */
  scroll: number;
}

/** Between the columns of the side-by-side layout. */
const SEPARATOR = ' │ ';

function describeDecision(decision: Decision | undefined): string {
  if (decision === undefined) return '';
  return decision.take === 'lines' ? ` (edited, ${decision.lines.length} lines)` : ` (${decision.take})`;
}

/** The guard's own `#if` is printed in full just above, so its branch is shown as plain `#if`. */
function branchLabel(branch: string, condition: string | undefined): string {
  const compact = branch.replace(/\s+/g, ' ').trim();
  return condition !== undefined && compact === `#if ${condition.replace(/\s+/g, ' ').trim()}` ? '#if' : branch;
}

function changeColor(text: string): string | undefined {
  if (text.startsWith('+')) return 'green';
  if (text.startsWith('-')) return 'red';
  if (text.startsWith('@@')) return 'cyan';
  return undefined;
}

/**
 * One conflict or stale guard: a header (id, status, location, the guard's condition and the
 * kernels that take each branch) and a scrolling window over base, ours and theirs — side by
 * side from WIDE_MIN_COLUMNS on, stacked below — followed by the upstream change of a stale guard.
 */
export function ItemDetail({ item, width, height, scroll }: ItemDetailProps) {
  const layout = detailLayout(width);
  const rows = detailRows(item, layout);
  const viewport = detailViewportRows(item, height);
  const shown = rows.slice(scroll, scroll + viewport);
  const last = Math.max(...[item.base, item.ours, item.theirs].map((side) => item.line + side.length - 1), item.line);
  const gutter = String(last).length;
  const columnWidth = Math.max(10, Math.floor((width - 2 * SEPARATOR.length) / 3));
  const range = rows.length === 0 ? 'empty' : `rows ${scroll + 1}–${scroll + shown.length} of ${rows.length}`;

  return (
    <Box flexDirection="column" width={width}>
      <Text bold wrap="truncate-end">
        {item.id} · {item.kind === 'stale' ? 'stale guard' : 'conflict'} ·{' '}
        <Text color={STATUS_COLOR[item.status]}>
          {item.status}
          {describeDecision(item.decision)}
        </Text>{' '}
        — {item.patch}
      </Text>
      <Text wrap="truncate-end">
        {item.file}:{item.line} <Text dimColor>  {range} · {layout}</Text>
      </Text>
      {item.condition === undefined ? null : (
        <Text wrap="truncate-end">
          guard: <Text color="magenta">#if {item.condition}</Text>
        </Text>
      )}
      {(item.branches ?? []).map((branch, i) => (
        <Text key={`b${i}`} wrap="truncate-end">
          {'  '}
          <Text color="magenta">{branchLabel(branch.branch, item.condition)}</Text> →{' '}
          {branch.kernels.length > 0 ? branch.kernels.join(', ') : 'no kernel'}
        </Text>
      ))}
      {shown.map((row, i) => (
        <DetailRowView key={scroll + i} row={row} gutter={gutter} columnWidth={columnWidth} />
      ))}
    </Box>
  );
}

function numberedText(line: NumberedLine | null, gutter: number): string {
  return line === null ? '' : `${String(line.number).padStart(gutter)} ${line.text}`;
}

function DetailRowView({ row, gutter, columnWidth }: { row: DetailRow; gutter: number; columnWidth: number }) {
  switch (row.kind) {
    case 'titles':
    case 'triple': {
      const cells = row.kind === 'titles' ? row.titles : row.cells.map((cell) => numberedText(cell, gutter));
      return (
        <Box flexDirection="row" height={1}>
          {cells.map((text, c) => (
            <Box key={c} width={columnWidth + (c < 2 ? SEPARATOR.length : 0)} flexShrink={0}>
              <Box width={columnWidth} flexShrink={0}>
                <Text wrap="truncate-end" bold={row.kind === 'titles'}>
                  {text}
                </Text>
              </Box>
              {c < 2 ? <Text dimColor>{SEPARATOR}</Text> : null}
            </Box>
          ))}
        </Box>
      );
    }
    case 'heading':
      return (
        <Text bold wrap="truncate-end">
          {row.text}
        </Text>
      );
    case 'line':
      return <Text wrap="truncate-end">{numberedText(row.line, gutter)}</Text>;
    case 'empty':
      return <Text dimColor>(empty)</Text>;
    case 'change':
      return (
        <Text wrap="truncate-end" color={changeColor(row.text)}>
          {row.text === '' ? ' ' : row.text}
        </Text>
      );
    case 'blank':
      return <Text> </Text>;
  }
}
