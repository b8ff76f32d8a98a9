import path from 'node:path';
import type { Command } from 'commander';
import { formatKernelVersion } from '../core/kernel-version.js';
import { exists } from '../io/fs.js';
import { openWorkspace, print, printJson, table } from './common.js';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('drops, patches per subsystem, kernels, and any rebase in progress')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const ws = await openWorkspace(cmd);
      const bySubsystem = new Map<string, string[]>();
      for (const e of ws.series) bySubsystem.set(e.subsystem || '(top)', [...(bySubsystem.get(e.subsystem || '(top)') ?? []), e.name]);
      const rebasing = await exists(path.join(ws.root, '.pvpatch', 'rebase', 'state.json'));
      const data = {
        root: ws.root,
        current: ws.drops.current || null,
        drops: ws.drops.drops.map((d) => d.version),
        patches: ws.series.length,
        subsystems: Object.fromEntries([...bySubsystem].map(([k, v]) => [k, v.length])),
        kernels: ws.config.kernels.map((k) => ({ name: k.name, version: formatKernelVersion(k.version), recipe: k.build.kind })),
        rebaseInProgress: rebasing,
      };
      if (opts.json) return printJson(data);
      const lines = [
        `workspace: ${ws.root}`,
        `drops: ${data.drops.length ? data.drops.map((d) => (d === data.current ? `${d} (current)` : d)).join(', ') : 'none'}`,
        `patches: ${data.patches} in ${bySubsystem.size} subsystems (${[...bySubsystem].map(([k, v]) => `${k} ${v.length}`).join(', ')})`,
        '',
        table(['kernel', 'version', 'recipe'], data.kernels.map((k) => [k.name, k.version, k.recipe])),
      ];
      if (rebasing) lines.push('', 'a rebase is in progress: "pvpatch review", then "pvpatch rebase --continue" (or --abort)');
      print(lines.join('\n'));
    });
}
