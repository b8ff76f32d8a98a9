import { Box, Text } from 'ink';
import type { ReviewItem } from '../../core/review/model.js';
import { listViewportRows, windowStart } from '../layout.js';
import type { ItemGroup } from '../review-state.js';
import { STATUS_COLOR } from './status-style.js';

export interface ItemListProps {
  /** The visible groups, filters already applied. */
  groups: readonly ItemGroup[];
  selectedId: string | null;
  /** How many items the review has in all (for the title). */
  total: number;
  width: number;
  height: number;
}

type Row = { kind: 'group'; group: ItemGroup } | { kind: 'item'; item: ReviewItem };

function groupSummary(group: ItemGroup): string {
  const open = group.items.filter((item) => item.status === 'open').length;
  return `${group.items.length} item${group.items.length === 1 ? '' : 's'}, ${open} open`;
}

/** Conflicts and stale guards grouped by subsystem; a window of rows that keeps the cursor in view. */
export function ItemList(props: ItemListProps) {
  const rows: Row[] = props.groups.flatMap((group) => [
    { kind: 'group', group } as const,
    ...group.items.map((item) => ({ kind: 'item', item }) as const),
  ]);
  const selectedRow = rows.findIndex((row) => row.kind === 'item' && row.item.id === props.selectedId);
  const viewport = listViewportRows(props.height);
  const start = windowStart(rows.length, selectedRow, viewport);
  const shown = rows.slice(start, start + viewport);
  const patchWidth = Math.max(0, ...props.groups.flatMap((group) => group.items.map((item) => item.patch.length)));
  return (
    <Box flexDirection="column" width={props.width}>
      <Text bold wrap="truncate-end">
        pvpatch review — {props.total} item{props.total === 1 ? '' : 's'} of the rebase in progress
      </Text>
      {rows.length === 0 ? <Text dimColor>no items match the filters (Esc clears them)</Text> : null}
      {shown.map((row) =>
        row.kind === 'group' ? (
          <Text key={`g:${row.group.subsystem}`} bold wrap="truncate-end">
            {row.group.subsystem} <Text dimColor>({groupSummary(row.group)})</Text>
          </Text>
        ) : (
          <ItemRow key={row.item.id} item={row.item} selected={row.item.id === props.selectedId} patchWidth={patchWidth} />
        ),
      )}
    </Box>
  );
}

function statusText(item: ReviewItem): string {
  if (item.decision === undefined || item.status === 'dropped' || item.status === 'reviewed') return item.status;
  return `${item.status} (${item.decision.take})`;
}

/** Width of the status column: the longest is "resolved (upstream)". */
const STATUS_WIDTH = 19;

function ItemRow({ item, selected, patchWidth }: { item: ReviewItem; selected: boolean; patchWidth: number }) {
  return (
    <Text wrap="truncate-end" inverse={selected}>
      {selected ? '▸ ' : '  '}
      {item.id.padEnd(4)} {item.kind.padEnd(8)} <Text color={STATUS_COLOR[item.status]}>{statusText(item).padEnd(STATUS_WIDTH)}</Text>{' '}
      {item.patch.padEnd(patchWidth)}  <Text dimColor>{`${item.file}:${item.line}`}</Text>
    </Text>
  );
}
