import { Box, Text } from 'ink';
import { bindingsFor, type Command } from '../keymap.js';
import type { Message, Screen, StatusCounts, StatusFilter } from '../review-state.js';

const PINNED = new Set<Command>(['help', 'quit']);

export interface FooterProps {
  counts: StatusCounts;
  screen: Screen;
  subsystemFilter: string | null;
  statusFilter: StatusFilter;
  message: Message | null;
  /** Shown instead of the key hints while `$EDITOR` is open. */
  editing: string | null;
}

/** Three rows (FOOTER_ROWS): counts and filters, key hints for the screen, feedback. */
export function Footer(props: FooterProps) {
  const { counts } = props;
  const filters: string[] = [];
  if (props.subsystemFilter !== null) filters.push(`subsystem=${props.subsystemFilter}`);
  if (props.statusFilter !== 'all') filters.push(`status=${props.statusFilter}`);
  // Help and quit come first so a narrow terminal never cuts them off.
  const bindings = bindingsFor(props.screen);
  const pinned = bindings.filter((binding) => PINNED.has(binding.command));
  const hints = [...pinned, ...bindings.filter((binding) => !PINNED.has(binding.command))]
    .flatMap((binding) => (binding.hint === undefined ? [] : [binding.hint]))
    .join('  ');
  return (
    <Box flexDirection="column">
      <Box height={1}>
        <Text wrap="truncate-end">
          <Text color="yellow">{counts.open} open</Text>
          {' · '}
          <Text color="green">{counts.resolved} resolved</Text>
          {' · '}
          <Text color="cyan">{counts.reviewed} reviewed</Text>
          {' · '}
          <Text dimColor>{counts.dropped} dropped</Text>
          {` · ${counts.total} items`}
          {filters.length > 0 ? `   filter: ${filters.join(' ')}` : ''}
        </Text>
      </Box>
      <Box height={1}>
        <Text wrap="truncate-end" dimColor>
          {props.editing === null ? hints : `editing ${props.editing} in $EDITOR…`}
        </Text>
      </Box>
      <Box height={1}>
        <Text wrap="truncate-end" color={props.message?.tone === 'error' ? 'red' : undefined}>
          {props.message?.text ?? ''}
        </Text>
      </Box>
    </Box>
  );
}
