import path from 'node:path';
import { createHash } from 'node:crypto';
import type { Command } from 'commander';
import { InputError } from '../core/errors.js';
import { planModules, renderDkmsConf, renderKbuild, renderMakefile, type ModuleSpec } from '../core/dkms.js';
import type { Manifest } from '../core/manifest.js';
import { writeFileAtomic } from '../io/fs.js';
import { selectDrop, type Workspace } from '../io/workspace.js';
import { exportMtime, gzipReproducible, tarArchive } from '../io/export.js';
import { applyInMemory, writeTree } from './apply.js';
import { print, printJson, openWorkspace, withWorkspace } from './common.js';

interface ExportOptions {
  tarball?: string;
  dkms?: boolean;
  dir?: string;
  drop?: string;
  name?: string;
  version?: string;
  json?: boolean;
}

/** Files pvpatch adds next to the tree; a tree that already has one of them at its top is refused. */
const GENERATED = ['Kbuild', 'Makefile', 'dkms.conf'];

export interface ExportTree {
  name: string;
  version: string;
  drop: string;
  /** Tree files plus Kbuild, Makefile and dkms.conf (not the manifest). */
  files: Map<string, string>;
  manifest: Manifest;
  modules: ModuleSpec[];
  /** Seconds since the epoch: SOURCE_DATE_EPOCH, else the drop's import date. */
  mtime: number;
}

/** `pvdrivers-1.2.tar.gz` → name pvdrivers, version 1.2 (the last '-' separates them). */
export function nameFromTarball(file: string): { name: string; version: string } | undefined {
  const m = /^(.+)-([^-]+)\.(tar\.gz|tgz)$/.exec(path.basename(file));
  return m ? { name: m[1] as string, version: m[2] as string } : undefined;
}

/** The annotated tree of a drop (applied in memory) with Kbuild, Makefile and dkms.conf. */
export async function buildExportTree(ws: Workspace, opts: { drop?: string; name: string; version?: string }): Promise<ExportTree> {
  const drop = selectDrop(ws, opts.drop);
  const mem = await applyInMemory(ws, { drop: drop.version });
  for (const g of GENERATED) {
    if (mem.files.has(g)) throw new InputError(`the tree has its own top-level ${g}; pvpatch export generates one and will not overwrite it`, { file: g });
  }
  const modules = planModules(mem.files);
  const version = opts.version ?? drop.version;
  const files = new Map(mem.files);
  files.set('Kbuild', renderKbuild(modules, { hasInclude: [...mem.files.keys()].some((f) => f.startsWith('include/')), header: `from drop ${drop.version}` }));
  files.set('Makefile', renderMakefile());
  files.set('dkms.conf', renderDkmsConf({
    name: opts.name,
    version,
    modules,
    kernels: ws.config.kernels.map((k) => k.version),
    origin: `drop ${drop.version}, ${mem.patches} patch${mem.patches === 1 ? '' : 'es'}`,
  }));
  const imported = Date.parse(drop.date);
  const mtime = exportMtime(process.env, Number.isNaN(imported) ? 0 : Math.floor(imported / 1000));
  return { name: opts.name, version, drop: drop.version, files, manifest: mem.manifest, modules, mtime };
}

/** The .tar.gz bytes of an export tree under `NAME-VERSION/`. */
export function exportTarball(t: ExportTree): Uint8Array {
  const entries = [...t.files].map(([p, text]) => ({ path: p, data: text }));
  entries.push({ path: '.pvpatch/manifest.json', data: JSON.stringify(t.manifest, null, 2) + '\n' });
  return gzipReproducible(tarArchive(`${t.name}-${t.version}`, entries, t.mtime));
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .description('ship the annotated tree: a reproducible tarball (--tarball) and/or a DKMS source tree (--dkms), with a generated Kbuild, Makefile and dkms.conf')
    .option('--tarball <file>', 'write NAME-VERSION.tar.gz (name and version taken from the file name, e.g. pvdrivers-1.0.tar.gz)')
    .option('--dkms', 'write a DKMS source tree (dkms.conf, Kbuild, Makefile, the tree)')
    .option('--dir <dir>', 'with --dkms: where (default: out/dkms/NAME-VERSION)')
    .option('--drop <version>', 'the drop to export (default: the current one)')
    .option('--name <name>', 'the package name (default: from --tarball, else pvdrivers)')
    .option('--version <version>', 'the package version (default: from --tarball, else the drop version)')
    .option('--json', 'machine-readable output')
    .addHelpText('after', [
      '',
      'The tarball is byte-reproducible: sorted entries, mtime = SOURCE_DATE_EPOCH or the drop\'s import date,',
      'owner/group 0/root, modes 0644/0755, gzip without a timestamp. Modules: one per .c file with',
      'module_init (or module_*_driver); a directory of helpers around one entry point is one composite module.',
    ].join('\n'))
    .action(async (opts: ExportOptions, cmd: Command) => {
      if (!opts.tarball && !opts.dkms) throw new InputError('nothing to export: give --tarball FILE and/or --dkms');
      if (opts.dir && !opts.dkms) throw new InputError('--dir goes with --dkms');
      const fromFile = opts.tarball ? nameFromTarball(opts.tarball) : undefined;
      if (opts.tarball && !fromFile && (!opts.name || !opts.version)) {
        throw new InputError(`cannot tell the package name and version from "${opts.tarball}": name it NAME-VERSION.tar.gz, or give --name and --version`);
      }
      const name = opts.name ?? fromFile?.name ?? 'pvdrivers';
      const version = opts.version ?? fromFile?.version;
      const run = async (ws: Workspace): Promise<Record<string, unknown>> => {
        const t = await buildExportTree(ws, { drop: opts.drop, name, version });
        const result: Record<string, unknown> = { name: t.name, version: t.version, drop: t.drop, mtime: t.mtime, modules: t.modules };
        if (opts.tarball) {
          const bytes = exportTarball(t);
          const target = path.resolve(opts.tarball);
          await writeFileAtomic(target, bytes);
          result.tarball = { path: target, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), files: t.files.size + 1 };
        }
        if (opts.dkms) {
          const dir = path.resolve(opts.dir ?? path.join(ws.root, 'out', 'dkms', `${t.name}-${t.version}`));
          await writeTree(dir, t.files, t.manifest);
          result.dkms = { dir };
        }
        return result;
      };
      // Only the DKMS tree writes into the workspace: take the lock for it.
      const result = opts.dkms ? await withWorkspace(cmd, 'export', run) : await run(await openWorkspace(cmd));
      if (opts.json) return printJson(result);
      const modules = (result.modules as ModuleSpec[]).map((m) => m.name).join(', ');
      const lines = [`exported ${name}-${String(result.version)} from drop ${String(result.drop)}: modules ${modules}`];
      const tb = result.tarball as { path: string; bytes: number; sha256: string } | undefined;
      if (tb) lines.push(`tarball: ${tb.path} (${tb.bytes} bytes, sha256 ${tb.sha256})`);
      const dk = result.dkms as { dir: string } | undefined;
      if (dk) lines.push(`DKMS tree: ${dk.dir} (dkms add ${dk.dir})`);
      print(lines.join('\n'));
    });
}
