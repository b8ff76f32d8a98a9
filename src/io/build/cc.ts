// The "cc" recipe: gcc -fsyntax-only of every .c file of the tree against a kernel's API headers.
import path from 'node:path';
import type { KernelEntry, KernelsConfig } from '../../core/config.js';
import { listTree } from '../fs.js';
import { pool, runProgram } from './run.js';

export const KERNEL_VERSION_MACRO = 'KERNEL_VERSION(a,b,c)=(((a) << 16) + ((b) << 8) + (c))';

export interface KernelBuildResult {
  kernel: string;
  ok: boolean;
  /** Per compiled unit (file or module). */
  units: { unit: string; ok: boolean }[];
  /** The first error lines, for the matrix. */
  firstErrors: string[];
  log: string;
  durationMs: number;
}

/** The gcc arguments of the cc recipe for one file (exported for tests and for `build --print`). */
export function ccArgs(root: string, tree: string, file: string, config: KernelsConfig, kernel: KernelEntry): string[] {
  if (kernel.build.kind !== 'cc') throw new Error('ccArgs on a non-cc kernel');
  const args = ['-fsyntax-only', '-std=gnu11', '-Wall', '-Werror', '-nostdinc'];
  args.push(`-I${path.dirname(path.join(tree, file))}`, `-I${path.join(tree, 'include')}`);
  for (const inc of kernel.build.include) args.push(`-I${path.resolve(root, inc)}`);
  args.push(`-DLINUX_VERSION_CODE=${kernel.code}`, `-D${KERNEL_VERSION_MACRO}`);
  for (const m of config.macros) {
    args.push(m.params.length > 0 || /\(/.test(m.name) ? `-D${m.name}(${m.params.join(',')})=${m.body}` : `-D${m.name}=${m.body}`);
  }
  // __has_include answers are for pvpatch's own evaluation; gcc asks the real headers.
  for (const [k, v] of Object.entries(kernel.defines)) if (!k.startsWith('__has_include')) args.push(`-D${k}=${v}`);
  args.push(...kernel.build.cflags, path.join(tree, file));
  return args;
}

/** Lines of gcc output that say what failed (errors first), at most `max`. */
export function firstErrorLines(output: string, max = 3): string[] {
  const lines = output.split('\n').filter((l) => l.trim() !== '');
  const errors = lines.filter((l) => /\berror\b|undefined!|\bfatal\b/i.test(l));
  return (errors.length > 0 ? errors : lines).slice(0, max);
}

/** Compile every .c file under `tree` for `kernel` with the cc recipe. */
export async function buildCc(root: string, tree: string, config: KernelsConfig, kernel: KernelEntry, options: { jobs?: number; cc?: string } = {}): Promise<KernelBuildResult> {
  const started = Date.now();
  const files = (await listTree(tree, { skip: (r) => r === '.pvpatch' })).filter((f) => f.endsWith('.c'));
  const cc = options.cc ?? process.env.CC ?? 'gcc';
  const results = await pool(files, options.jobs ?? 1, async (file) => {
    const r = await runProgram(cc, ccArgs(root, tree, file, config, kernel), { cwd: tree });
    return { file, ok: r.code === 0, output: r.stderr + r.stdout, cmd: `${cc} ${ccArgs(root, tree, file, config, kernel).join(' ')}` };
  });
  const log = results.map((r) => `$ ${r.cmd}\n${r.output}${r.ok ? '' : `(failed)\n`}`).join('\n');
  const failed = results.filter((r) => !r.ok);
  const firstErrors = failed.flatMap((r) => firstErrorLines(r.output.split(tree + '/').join(''), 2)).slice(0, 4);
  return {
    kernel: kernel.name,
    ok: files.length > 0 && failed.length === 0,
    units: results.map((r) => ({ unit: r.file, ok: r.ok })),
    firstErrors: files.length === 0 ? ['no .c files in the tree'] : firstErrors,
    log,
    durationMs: Date.now() - started,
  };
}
