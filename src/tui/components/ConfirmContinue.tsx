import { Box, Text } from 'ink';
import type { StatusCounts } from '../review-state.js';

export interface ConfirmContinueProps {
  counts: StatusCounts;
}

/** The offer to run `rebase --continue` once nothing is open. */
export function ConfirmContinue({ counts }: ConfirmContinueProps) {
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1}>
      <Text bold>
        {counts.total === 0 ? 'Nothing to review.' : `All ${counts.total} item${counts.total === 1 ? ' is' : 's are'} decided`}
        {counts.total === 0 ? '' : ` (${counts.resolved} resolved, ${counts.reviewed} reviewed, ${counts.dropped} dropped).`}
      </Text>
      <Text>
        Run <Text color="cyan">pvpatch rebase --continue</Text> now? <Text bold>y</Text>/Enter yes · <Text bold>n</Text>/Esc not
        now · <Text bold>z</Text> undo · <Text bold>q</Text> quit
      </Text>
    </Box>
  );
}
