#!/usr/bin/env node
// The bin entry: the only place that calls process.exit (STYLE.md §3).
import { prefetchApply, settlePrefetch } from './commands/apply-prefetch.js';
import { PvpatchError, EXIT_INPUT } from './core/errors.js';

// Before anything else is loaded: a repeated apply's tree starts being copied (apply-prefetch.ts).
prefetchApply(process.argv);

async function main(): Promise<number> {
  const { createProgram } = await import('./program.js');
  const { CommanderError } = await import('commander');
  const program = await createProgram(process.argv);
  program.exitOverride();
  try {
    await program.parseAsync(process.argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
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
