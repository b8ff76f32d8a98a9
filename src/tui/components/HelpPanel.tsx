import { Box, Text } from 'ink';
import { bindingsFor } from '../keymap.js';
import type { Screen } from '../review-state.js';

export interface HelpPanelProps {
  screen: Screen;
}

/** Every binding active on the screen, straight from the keymap table. */
export function HelpPanel({ screen }: HelpPanelProps) {
  const bindings = bindingsFor(screen);
  const width = Math.max(...bindings.map((binding) => binding.label.length));
  return (
    <Box flexDirection="column">
      <Text bold>keys ({screen}) — ? or Esc closes</Text>
      {bindings.map((binding) => (
        <Text key={binding.command} wrap="truncate-end">
          <Text bold>{binding.label.padEnd(width)}</Text> {binding.description}
        </Text>
      ))}
    </Box>
  );
}
