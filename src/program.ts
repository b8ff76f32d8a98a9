// Commander wiring only: each command lives in src/commands/ and registers itself here.
import { Command } from 'commander';
import { registerCommands } from './commands/index.js';
import { VERSION } from './version.js';

export { VERSION } from './version.js';

/**
 * The command a command line runs: the first word after the program options (`-C DIR`,
 * `--workspace DIR`, `--workspace=DIR`); undefined when there is none (help, version).
 */
export function commandOf(argv: readonly string[]): string | undefined {
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '-C' || a === '--workspace') i++;
    else if (!a.startsWith('-')) return a;
  }
  return undefined;
}

/** The program for `argv`: only the module of the command it runs is loaded (all for help). */
export async function createProgram(argv: readonly string[] = process.argv): Promise<Command> {
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
  const command = commandOf(argv);
  // `pvpatch --version` needs no command at all; help (and a mistyped command) needs every one.
  const versionOnly = command === undefined && argv.slice(2).some((a) => a === '-V' || a === '--version');
  if (!versionOnly) await registerCommands(program, command);
  return program;
}
