// The "kbuild" recipe as a column of the build matrix: headers prepared into the cache, the tree
// copied to out/.pvpatch/build/<kernel>/tree with a Kbuild file, then `make -C headers M=… modules`.
import path from 'node:path';
import { promises as fsp } from 'node:fs';
import type { KernelEntry } from '../../core/config.js';
import type { Workspace } from '../workspace.js';
import { listTree } from '../fs.js';
import { kbuildFileText, prepareKernelHeaders, runKbuild } from './kbuild.js';
import type { KernelBuildResult } from './cc.js';

const MODULE_RE = /^\s*(module_init|module_\w+_driver|module_xenbus_frontend)\s*\(/m;

/** The module sources of a tree: every .c that declares a module entry point. */
export async function moduleSources(tree: string): Promise<string[]> {
  const out: string[] = [];
  for (const rel of await listTree(tree, { skip: (r) => r === '.pvpatch' })) {
    if (!rel.endsWith('.c')) continue;
    if (MODULE_RE.test(await fsp.readFile(path.join(tree, rel), 'utf8'))) out.push(rel);
  }
  return out;
}

export async function buildKbuild(ws: Workspace, tree: string, kernel: KernelEntry, onProgress?: (msg: string) => void): Promise<KernelBuildResult> {
  if (kernel.build.kind !== 'kbuild') throw new Error('buildKbuild on a non-kbuild kernel');
  const started = Date.now();
  const prepared = await prepareKernelHeaders(kernel.name, kernel.build.headers, { extraPackages: kernel.build.packages, onProgress });
  const dir = path.join(tree, '.pvpatch', 'build', kernel.name, 'tree');
  await fsp.rm(dir, { recursive: true, force: true });
  await fsp.mkdir(dir, { recursive: true });
  for (const rel of await listTree(tree, { skip: (r) => r === '.pvpatch' })) {
    await fsp.mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await fsp.copyFile(path.join(tree, rel), path.join(dir, rel));
  }
  const modules = await moduleSources(dir);
  const hasKbuild = (await fsp.stat(path.join(dir, 'Kbuild')).catch(() => undefined)) !== undefined;
  if (!hasKbuild) await fsp.writeFile(path.join(dir, 'Kbuild'), kbuildFileText(modules));
  const cflags = kernel.build.cflags.length > 0 ? kernel.build.cflags : ['-Werror'];
  const r = await runKbuild(prepared, dir, { cflags });
  const built = new Set(r.artifacts.map((a) => a.replace(/\.ko$/, '')));
  let units = modules.map((m) => ({ unit: m.replace(/\.c$/, '.ko'), ok: r.ok && built.has(m.replace(/\.c$/, '')) }));
  let log = r.log;
  // One failing module stops kbuild before modpost, so no .ko is linked at all: build each module
  // alone to tell which ones fail (a generated Kbuild only; a tree's own Kbuild is left alone).
  if (!r.ok && !hasKbuild && modules.length > 1) {
    units = [];
    for (const m of modules) {
      await fsp.writeFile(path.join(dir, 'Kbuild'), kbuildFileText([m]));
      const one = await runKbuild(prepared, dir, { cflags });
      units.push({ unit: m.replace(/\.c$/, '.ko'), ok: one.ok && one.artifacts.includes(m.replace(/\.c$/, '.ko')) });
      log += `\n# ${m} alone: ${one.ok ? 'ok' : 'FAILED'}\n${one.log}`;
    }
    await fsp.writeFile(path.join(dir, 'Kbuild'), kbuildFileText(modules));
  }
  const header = `# kernel ${kernel.name}: headers ${prepared.release} (${prepared.packages.map((p) => `${p.package}=${p.version}`).join(', ')}), compiler ${prepared.compiler}\n`;
  return {
    kernel: kernel.name,
    ok: r.ok && units.every((u) => u.ok),
    units,
    firstErrors: r.ok && modules.length === 0 ? ['no module sources (module_init) in the tree'] : r.firstErrors,
    log: header + log,
    durationMs: Date.now() - started,
  };
}
