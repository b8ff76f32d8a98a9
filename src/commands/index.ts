import type { Command } from 'commander';

/** Every command file exports a register function; the order here is the order in --help. */
export function registerCommands(program: Command): void {
  void program;
}
