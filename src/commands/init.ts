import path from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../core/errors.js';
import { exists, writeFileAtomic } from '../io/fs.js';
import { KERNELS_JSON, SERIES } from '../io/workspace.js';
import { print, printJson } from './common.js';

const KERNELS_TEMPLATE = `{
  "macros": {
    "RHEL_RELEASE_VERSION(a,b)": "(((a) << 8) + (b))",
    "SLE_VERSION(a,b,c)": "KERNEL_VERSION(a,b,c)"
  },
  "kernels": [
    {
      "name": "host",
      "version": "6.1.0",
      "description": "edit me: one entry per supported kernel",
      "defines": {},
      "build": { "kind": "cc", "include": [] }
    }
  ]
}
`;

export function registerInit(program: Command): void {
  program
    .command('init [dir]')
    .description('create a new workspace: kernels.json, patches/series, .gitignore')
    .option('--json', 'machine-readable output')
    .action(async (dir: string | undefined, opts: { json?: boolean }) => {
      const root = path.resolve(dir ?? '.');
      if (await exists(path.join(root, KERNELS_JSON))) throw new InputError(`${root} is already a pvpatch workspace (kernels.json exists)`);
      const created = [KERNELS_JSON, SERIES, '.gitignore'];
      await writeFileAtomic(path.join(root, KERNELS_JSON), KERNELS_TEMPLATE);
      if (!(await exists(path.join(root, SERIES)))) await writeFileAtomic(path.join(root, SERIES), '');
      if (!(await exists(path.join(root, '.gitignore')))) await writeFileAtomic(path.join(root, '.gitignore'), 'out/\n.pvpatch/\n');
      if (opts.json) printJson({ root, created });
      else print(`initialised a pvpatch workspace in ${root}\nnext: edit kernels.json, then "pvpatch upstream import DIR --version V"`);
    });
}
