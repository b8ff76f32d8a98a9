// Shared plumbing for commands: global options, workspace context, JSON/text output.
import type { Command } from 'commander';
import { findWorkspaceRoot, loadWorkspace, type Workspace } from '../io/workspace.js';
import { withLock } from '../io/lock.js';

export interface GlobalOptions {
  workspace?: string;
}

/** The global options (e.g. -C) from any subcommand. */
export function globalOptions(cmd: Command): GlobalOptions {
  let root: Command = cmd;
  while (root.parent) root = root.parent;
  return root.opts<GlobalOptions>();
}

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

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

export function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : text + '\n');
}

/** Progress for long work: on stderr, only when it is a terminal and not in --json mode. */
export function progress(text: string, json = false): void {
  if (json || !process.stderr.isTTY) return;
  process.stderr.write(`\r\x1b[2K${text}`);
}

export function progressDone(json = false): void {
  if (json || !process.stderr.isTTY) return;
  process.stderr.write('\r\x1b[2K');
}

/** Render rows as an aligned text table. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** Set the exit code for a finished command (the CLI entry turns it into the process's). */
export function setExitCode(code: number): void {
  process.exitCode = code;
}
