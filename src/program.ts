// Commander wiring only: each command lives in src/commands/ and registers itself here.
import { Command } from 'commander';
import { registerCommands } from './commands/index.js';

export const VERSION = '0.1.0';

export function createProgram(): Command {
  const program = new Command();
  program
    .name('pvpatch')
    .description('Carry curated #if LINUX_VERSION_CODE hunks of out-of-tree drivers across upstream drops and kernels')
    .version(VERSION)
    .enablePositionalOptions()
    .option('-C, --workspace <dir>', 'the workspace directory (default: the nearest directory with kernels.json)')
    .showHelpAfterError('(run with --help for usage)')
    // Before the subcommands exist, so that they inherit it: usage errors become exit 2 in cli.ts.
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(`pvpatch: ${str.replace(/^error: /, '')}`) });
  registerCommands(program);
  return program;
}
