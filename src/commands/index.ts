import type { Command } from 'commander';

type Registrar = (program: Command) => void;

/**
 * Every command file exports a register function; the order here is the order in --help. Modules
 * are loaded on demand: a run of one command loads only that command's code (node's module loader
 * is a good part of a short command's time), --help and unknown commands load them all.
 */
export const COMMANDS: ReadonlyArray<readonly [string[], () => Promise<Registrar>]> = [
  [['init'], async () => (await import('./init.js')).registerInit],
  [['status'], async () => (await import('./status.js')).registerStatus],
  [['upstream'], async () => (await import('./upstream.js')).registerUpstream],
  [['apply'], async () => (await import('./apply-command.js')).registerApply],
  [['build'], async () => (await import('./build.js')).registerBuild],
  [['view'], async () => (await import('./view.js')).registerView],
  [['check'], async () => (await import('./check.js')).registerCheck],
  [['kernels'], async () => (await import('./kernels.js')).registerKernels],
  [['rebase'], async () => (await import('./rebase.js')).registerRebase],
  [['review', 'resolve'], async () => (await import('./review.js')).registerReview],
  [['new'], async () => (await import('./new.js')).registerNew],
  [['edit'], async () => (await import('./edit.js')).registerEdit],
  [['refresh'], async () => (await import('./refresh.js')).registerRefresh],
  [['guard'], async () => (await import('./guard.js')).registerGuard],
  [['series'], async () => (await import('./series.js')).registerSeries],
  [['log'], async () => (await import('./log.js')).registerLog],
  [['blame'], async () => (await import('./blame.js')).registerBlame],
  [['export'], async () => (await import('./export.js')).registerExport],
];

/** Register the command module that defines `only` (a command name) when there is one, else every command. */
export async function registerCommands(program: Command, only?: string): Promise<void> {
  const wanted = COMMANDS.filter(([names]) => only !== undefined && names.includes(only));
  for (const [, load] of wanted.length > 0 ? wanted : COMMANDS) (await load())(program);
}
