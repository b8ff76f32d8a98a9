#!/usr/bin/env node
// The bin entry: the only place that calls process.exit (STYLE.md §3).
import { plainApplyCommand, prefetchApply, settlePrefetch } from './commands/apply-prefetch.js';
import { PvpatchError, EXIT_INPUT } from './core/errors.js';

// Before anything else is loaded: a repeated apply's tree starts being copied (apply-prefetch.ts).
const plain = plainApplyCommand(process.argv);
prefetchApply(plain);

async function main(): Promise<number> {
  try {
    if (plain) {
      // A plain apply needs no command-line parser (nor its load time): its options are known.
      const { runApply } = await import('./commands/apply-command.js');
      await runApply(plain.opts, plain.workspace);
      return typeof process.exitCode === 'number' ? process.exitCode : 0;
    }
    const { createProgram } = await import('./program.js');
    const program = await createProgram(process.argv);
    program.exitOverride();
    await program.parseAsync(process.argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    const { CommanderError } = await import('commander');
    if (err instanceof CommanderError) {
      // help and version exit 0; usage errors were already printed by commander.
      return err.exitCode === 0 ? 0 : EXIT_INPUT;
    }
    if (err instanceof PvpatchError) {
      process.stderr.write(`pvpatch: ${err.describe()}\n`);
      return err.exitCode;
    }
    const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.stderr.write(`pvpatch: internal error (this is a bug, please report it):\n${detail}\n`);
    return 3;
  }
}

try {
  process.exitCode = await main();
} finally {
  await settlePrefetch();
}
