// Shared plumbing for commands: global options, workspace context, JSON/text output.
import type { Command } from 'commander';
import { findWorkspaceRoot, loadWorkspace, type Workspace } from '../io/workspace.js';
import { withLock } from '../io/lock.js';
import { globalOptions } from './output.js';

export { globalOptions, print, printJson, progress, progressDone, table, type GlobalOptions } from './output.js';

export async function openWorkspace(cmd: Command): Promise<Workspace> {
  const root = await findWorkspaceRoot(globalOptions(cmd).workspace);
  return loadWorkspace(root);
}

/** Open the workspace holding its lock for the duration of `fn` (for commands that change it). */
export async function withWorkspace<T>(cmd: Command, name: string, fn: (ws: Workspace) => Promise<T>): Promise<T> {
  return withWorkspaceAt(globalOptions(cmd).workspace, name, fn);
}

/** withWorkspace for the workspace given by -C (`workspace`; undefined: found from the current directory). */
export async function withWorkspaceAt<T>(workspace: string | undefined, name: string, fn: (ws: Workspace) => Promise<T>): Promise<T> {
  const root = await findWorkspaceRoot(workspace);
  return withLock(root, name, async () => fn(await loadWorkspace(root)));
}

/** Set the exit code for a finished command (the CLI entry turns it into the process's). */
export function setExitCode(code: number): void {
  process.exitCode = code;
}
