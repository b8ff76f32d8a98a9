// What every command prints with, and its global options: apart from common.ts (which opens the
// workspace) so that a repeated apply, which does not read the workspace, loads only this.
import type { Command } from 'commander';

export interface GlobalOptions {
  workspace?: string;
}

/** The global options (e.g. -C) from any subcommand. */
export function globalOptions(cmd: Command): GlobalOptions {
  let root: Command = cmd;
  while (root.parent) root = root.parent;
  return root.opts<GlobalOptions>();
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

export function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : text + '\n');
}

/** Render rows as an aligned text table. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
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
