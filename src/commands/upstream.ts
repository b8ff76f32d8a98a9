import path from 'node:path';
import { promises as fsp } from 'node:fs';
import type { Command } from 'commander';
import { InputError } from '../core/errors.js';
import { formatDropsFile, isDropVersion, type Drop, type DropsFile } from '../core/drops.js';
import { createFilePatch } from '../core/patch/create.js';
import { formatPatch } from '../core/patch/format.js';
import { assertTextSize, decodeUtf8, replaceDirAtomic, resolveInside, writeFileAtomic } from '../io/fs.js';
import { fetchDrop } from '../io/sources/index.js';
import { sha256 } from '../io/hash.js';
import { DROPS_JSON, dropDir, readDropFiles, selectDrop, type Workspace } from '../io/workspace.js';
import { openWorkspace, print, printJson, progress, progressDone, table, withWorkspace } from './common.js';

interface ImportOptions {
  version: string;
  paths?: string[];
  force?: boolean;
  current?: boolean;
  json?: boolean;
}

/** Import a drop: fetch, check, write upstream/<V>/ atomically, then record it in drops.json. */
export async function importDrop(ws: Workspace, spec: string, opts: ImportOptions): Promise<Drop> {
  const version = opts.version;
  if (!isDropVersion(version)) throw new InputError(`bad drop version "${version}" (letters, digits, . _ + ~ -)`);
  const existing = ws.drops.drops.find((d) => d.version === version);
  if (existing && !opts.force) {
    throw new InputError(`drop ${version} already exists (imported ${existing.date} from ${existing.source}); use --force to replace it`);
  }
  const globs = opts.paths && opts.paths.length > 0 ? opts.paths : ws.drops.paths;
  progress(`importing ${spec} …`, opts.json);
  const fetched = await fetchDrop(spec, globs, { onProgress: (m) => progress(m, opts.json) });
  progressDone(opts.json);
  if (fetched.files.size === 0) {
    throw new InputError(`no files of ${spec} match the tracked paths${globs.length ? ` (${globs.join(', ')})` : ''}`);
  }
  const files: Record<string, string> = {};
  for (const [rel, bytes] of fetched.files) {
    resolveInside(dropDir(ws, version), rel, { file: spec });
    assertTextSize(bytes.length, `${spec}: ${rel}`);
    const nul = bytes.indexOf(0);
    if (nul >= 0) throw new InputError(`NUL byte in ${rel}: pvpatch tracks text sources only`, { file: `${spec}: ${rel}`, line: bytes.subarray(0, nul).toString('latin1').split('\n').length });
    decodeUtf8(bytes, `${spec}: ${rel}`);
    files[rel] = sha256(bytes);
  }
  await replaceDirAtomic(dropDir(ws, version), async (tmp) => {
    for (const [rel, bytes] of fetched.files) {
      const dest = path.join(tmp, rel);
      await fsp.mkdir(path.dirname(dest), { recursive: true });
      await fsp.writeFile(dest, bytes);
    }
  });
  // A directory inside the workspace is recorded relative to it, so the workspace stays portable.
  const source = fetched.source.startsWith(`dir:${ws.root}/`) ? `dir:${fetched.source.slice(ws.root.length + 5)}` : fetched.source;
  const drop: Drop = { version, source, date: new Date().toISOString(), files };
  const drops: DropsFile = {
    paths: opts.paths && opts.paths.length > 0 ? opts.paths : ws.drops.paths,
    current: ws.drops.current === '' || opts.current ? version : ws.drops.current,
    drops: [...ws.drops.drops.filter((d) => d.version !== version), drop],
  };
  await writeFileAtomic(path.join(ws.root, DROPS_JSON), formatDropsFile(drops));
  ws.drops = drops;
  return drop;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((s) => s.trim()).filter(Boolean)];
}

export function registerUpstream(program: Command): void {
  const upstream = program.command('upstream').description('track upstream drops (import, list, diff)');

  upstream
    .command('import <source>')
    .description('import a new drop from a directory, a tarball (.tar.gz/.tar.xz/.tar.bz2), a git URL#REF or deb:PACKAGE=VERSION')
    .requiredOption('--version <v>', 'the version of this drop, e.g. 1.1 or 6.12.117')
    .option('--paths <globs>', 'tracked paths (globs, comma-separated or repeated); remembered in drops.json', collect)
    .option('--force', 'replace an existing drop of the same version')
    .option('--current', 'make this the drop the patches are based on (default only for the first drop)')
    .option('--json', 'machine-readable output')
    .action(async (source: string, opts: ImportOptions, cmd: Command) => {
      const drop = await withWorkspace(cmd, 'upstream import', (ws) => importDrop(ws, source, opts));
      if (opts.json) printJson({ version: drop.version, source: drop.source, date: drop.date, files: drop.files });
      else print(`imported drop ${drop.version}: ${Object.keys(drop.files).length} files from ${drop.source}`);
    });

  upstream
    .command('list')
    .description('list the drops, oldest first (* marks the current one)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const ws = await openWorkspace(cmd);
      if (opts.json) {
        printJson({ current: ws.drops.current, paths: ws.drops.paths, drops: ws.drops.drops.map((d) => ({ ...d, fileCount: Object.keys(d.files).length })) });
        return;
      }
      if (ws.drops.drops.length === 0) return print('no drops yet');
      print(table(['', 'version', 'files', 'date', 'source'], ws.drops.drops.map((d) => [d.version === ws.drops.current ? '*' : '', d.version, String(Object.keys(d.files).length), d.date.slice(0, 10), d.source])));
    });

  upstream
    .command('diff <a> <b>')
    .description('the unified diff between two drops')
    .option('--json', 'machine-readable output (per file: added, removed, changed)')
    .action(async (a: string, b: string, opts: { json?: boolean }, cmd: Command) => {
      const ws = await openWorkspace(cmd);
      const [da, db] = [selectDrop(ws, a), selectDrop(ws, b)];
      const [fa, fb] = await Promise.all([readDropFiles(ws, da), readDropFiles(ws, db)]);
      const names = [...new Set([...fa.keys(), ...fb.keys()])].sort();
      const changes: { file: string; change: 'added' | 'removed' | 'changed' }[] = [];
      let out = '';
      for (const n of names) {
        const x = fa.get(n) ?? null;
        const y = fb.get(n) ?? null;
        if (x === y) continue;
        changes.push({ file: n, change: x === null ? 'added' : y === null ? 'removed' : 'changed' });
        const fp = createFilePatch(n, x, y);
        if (fp) out += formatPatch({ header: '', files: [fp], trailer: '' });
      }
      if (opts.json) printJson({ from: a, to: b, files: changes });
      else process.stdout.write(out);
    });
}
