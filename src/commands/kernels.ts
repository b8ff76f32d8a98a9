// `pvpatch kernels list|add|retire`: the build matrix in kernels.json, and retiring a kernel
// with the guards that became constant simplified out of the patches.
import path from 'node:path';
import { promises as fsp } from 'node:fs';
import type { Command } from 'commander';
import { CheckFailed, InputError } from '../core/errors.js';
import { parseKernelsConfig, type KernelEntry } from '../core/config.js';
import { formatKernelVersion, parseKernelVersion } from '../core/kernel-version.js';
import { identicalKernels, kernelList } from '../core/check.js';
import { appendKernelToText, planRetire, removeKernelsFromText, validateRetire, type PatchRewrite, type RetirePlan } from '../core/retire.js';
import { exists, listTree, readText, writeFileAtomic, replaceDirAtomic } from '../io/fs.js';
import { KERNELS_JSON, readDropFiles, readSeriesPatches, selectDrop, SERIES, type Workspace } from '../io/workspace.js';
import { rebaseInProgress } from '../io/rebase-store.js';
import { readEditState } from '../io/edit-state.js';
import { openWorkspace, print, printJson, table, withWorkspace } from './common.js';
import { applyInMemory } from './apply.js';
import { DROPPED_DIR, removeSeriesLine } from './series.js';

function recipe(k: KernelEntry): string {
  return k.build.kind === 'cc' ? `cc ${k.build.include.join(' ')}`.trim() : `kbuild ${k.build.headers}`;
}

function kernelJson(k: KernelEntry): Record<string, unknown> {
  return { name: k.name, version: formatKernelVersion(k.version), code: k.code, defines: k.defines, build: k.build, ...(k.description ? { description: k.description } : {}) };
}

// ---- add -------------------------------------------------------------------------------------

interface AddOptions {
  version: string;
  define?: string[];
  include?: string[];
  headers?: string;
  description?: string;
  json?: boolean;
}

/** The raw kernels.json entry `kernels add` appends (validated afterwards by parsing the whole file). */
function newEntry(name: string, opts: AddOptions): Record<string, unknown> {
  parseKernelVersion(opts.version);
  const defines: Record<string, string> = {};
  for (const d of opts.define ?? []) {
    const eq = d.indexOf('=');
    const key = (eq < 0 ? d : d.slice(0, eq)).trim();
    if (key === '') throw new InputError(`--define needs NAME=VALUE (or NAME for 1), not "${d}"`);
    defines[key] = eq < 0 ? '1' : d.slice(eq + 1);
  }
  if (opts.headers !== undefined && (opts.include ?? []).length > 0) throw new InputError('--include is for the cc recipe, --headers for kbuild: give one of them');
  const build = opts.headers !== undefined ? { kind: 'kbuild', headers: opts.headers, packages: [] } : { kind: 'cc', include: opts.include ?? [] };
  return {
    name,
    version: opts.version,
    ...(opts.description !== undefined ? { description: opts.description } : {}),
    ...(Object.keys(defines).length > 0 ? { defines } : {}),
    build,
  };
}

async function addKernel(ws: Workspace, name: string, opts: AddOptions): Promise<KernelEntry> {
  if (ws.config.kernels.some((k) => k.name === name)) throw new InputError(`kernel "${name}" is in kernels.json already`, { file: KERNELS_JSON });
  const entry = newEntry(name, opts);
  for (const inc of opts.include ?? []) {
    if (!(await exists(path.resolve(ws.root, inc)))) throw new InputError(`--include ${inc}: no such directory in the workspace`);
  }
  const text = await readText(ws.kernelsFile, KERNELS_JSON);
  const next = appendKernelToText(text, entry, KERNELS_JSON);
  const config = parseKernelsConfig(next, KERNELS_JSON);
  await writeFileAtomic(ws.kernelsFile, next);
  return config.kernels.find((k) => k.name === name) as KernelEntry;
}

/** The kernels that see exactly what `name` sees (the tree applied in memory), when the series applies. */
async function sameViewAs(ws: Workspace, name: string): Promise<string[] | undefined> {
  try {
    const mem = await applyInMemory(ws, {});
    return identicalKernels(mem.files, ws.config).find((c) => c.kernels.includes(name))?.kernels.filter((k) => k !== name) ?? [];
  } catch (err) {
    if (err instanceof CheckFailed || err instanceof InputError) return undefined;
    throw err;
  }
}

// ---- retire ----------------------------------------------------------------------------------

interface RetireOptions {
  dryRun?: boolean;
  json?: boolean;
}

/** A free name under patches/.dropped/ for `name` (name.patch, else name.2.patch, …). */
async function droppedName(root: string, name: string, taken: Set<string>): Promise<string> {
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? name : name.replace(/(\.(patch|diff))?$/, `.${n}$1`);
    if (!taken.has(candidate) && !(await exists(path.join(root, DROPPED_DIR, candidate)))) {
      taken.add(candidate);
      return candidate;
    }
  }
}

/** Write the plan: patches/ replaced as a whole (atomically), then kernels.json. */
async function writeRetire(ws: Workspace, plan: RetirePlan, kernelsText: string): Promise<Map<string, string>> {
  const patchesDir = path.join(ws.root, 'patches');
  const seriesText = await readText(path.join(ws.root, SERIES), SERIES);
  let nextSeries = seriesText;
  const gone = ws.series.filter((e) => plan.dropped.includes(e.name)).sort((a, b) => b.line - a.line);
  for (const e of gone) nextSeries = removeSeriesLine(nextSeries, e);
  const droppedTo = new Map<string, string>();
  const taken = new Set<string>();
  for (const name of plan.dropped) droppedTo.set(name, await droppedName(ws.root, name, taken));
  const changed = new Map(plan.patches.filter((p) => p.status !== 'unchanged').map((p) => [p.patch, p]));
  const existing = (await exists(patchesDir)) ? await listTree(patchesDir) : [];
  await replaceDirAtomic(patchesDir, async (tmp) => {
    const put = async (rel: string, data: string | Buffer): Promise<void> => {
      await fsp.mkdir(path.dirname(path.join(tmp, rel)), { recursive: true });
      await fsp.writeFile(path.join(tmp, rel), data);
    };
    for (const rel of existing) {
      if (rel === 'series' || changed.has(rel)) continue;
      await put(rel, await fsp.readFile(path.join(patchesDir, rel)));
    }
    for (const p of changed.values()) {
      if (p.newText !== null) await put(p.patch, p.newText);
      else await put(path.posix.join('.dropped', droppedTo.get(p.patch) as string), p.oldText);
    }
    await put('series', nextSeries);
  });
  // After patches/: a crash in between leaves simplified patches with the old kernel list, and
  // running the same retire again finishes the job (nothing more to simplify, kernels.json written).
  await writeFileAtomic(ws.kernelsFile, kernelsText);
  return droppedTo;
}

const STATUS_TEXT: Record<PatchRewrite['status'], string> = {
  unchanged: 'unchanged',
  described: 'description updated (Kernels: line only)',
  refreshed: 'refreshed (hunk line numbers only)',
  rewritten: 'rewritten',
  emptied: 'empty: dropped from the series',
};

function renderPlan(plan: RetirePlan, drop: string, droppedTo: Map<string, string> | undefined, dryRun: boolean): string {
  const remaining = plan.config.kernels;
  const versions = remaining.map((k) => k.code);
  const oldest = remaining.find((k) => k.code === Math.min(...versions)) as KernelEntry;
  const newest = remaining.find((k) => k.code === Math.max(...versions)) as KernelEntry;
  const lines = [`retire ${plan.retired.join(', ')}: kernels.json keeps ${plan.remaining.join(', ')} (${formatKernelVersion(oldest.version)} to ${formatKernelVersion(newest.version)})`, ''];
  const touched = plan.patches.filter((p) => p.status !== 'unchanged' || p.guards.length > 0);
  if (touched.length === 0) lines.push('no guard becomes constant: every patch stays as it is');
  for (const p of touched) {
    const where = p.status === 'emptied' ? ` → ${DROPPED_DIR}/${droppedTo?.get(p.patch) ?? p.patch}` : '';
    const left = p.left ? ` (${p.left.hunks} hunk${p.left.hunks === 1 ? '' : 's'} left: +${p.left.insertions} -${p.left.deletions})` : '';
    lines.push(`${p.patch}: ${STATUS_TEXT[p.status]}${left}${where}`);
    for (const g of p.guards) {
      const what = g.action === 'removed'
        ? `removed: ${g.kernels.length === 1 ? `${g.kernels[0] ?? ''} does not take it` : `none of ${kernelList(g.kernels)} takes it`}`
        : `unwrapped ${g.kept ?? ''}: ${g.kernels.length === 1 ? `${g.kernels[0] ?? ''} takes it` : `${kernelList(g.kernels)} all take it`}`;
      lines.push(`    ${g.file}:${g.line}: ${g.directive}  ${what}`);
    }
  }
  const unchanged = plan.patches.filter((p) => p.status === 'unchanged' && p.guards.length === 0).length;
  if (touched.length > 0 && unchanged > 0) lines.push(`${unchanged} other patch${unchanged === 1 ? '' : 'es'} unchanged`);
  if (plan.undecided.length > 0) {
    lines.push('', `left as they are, because pvpatch cannot decide them for every remaining kernel:`);
    for (const u of plan.undecided) lines.push(`    ${u.file}:${u.line}: ${u.directive}  (undecided for ${kernelList(u.kernels)}) [${u.patch}]`);
  }
  lines.push('', `verified: the new series applies exactly to drop ${drop}, and ${kernelList(plan.verified.kernels)} ${plan.verified.kernels.length === 1 ? 'sees' : 'see'} the same code as before in all ${plan.verified.files} C files (blank lines aside)`);
  const rewritten = plan.patches.filter((p) => p.status === 'rewritten' || p.status === 'refreshed' || p.status === 'described').length;
  if (dryRun) lines.push(`dry run: nothing written (without --dry-run: ${rewritten} patch${rewritten === 1 ? '' : 'es'} rewritten, ${plan.dropped.length} dropped, ${plan.retired.length} kernel${plan.retired.length === 1 ? '' : 's'} out of kernels.json)`);
  else lines.push(`wrote patches/ (${rewritten} rewritten, ${plan.dropped.length} moved to ${DROPPED_DIR}/) and kernels.json; "pvpatch apply --build" rebuilds out/ for the remaining kernels`);
  return lines.join('\n');
}

async function retire(ws: Workspace, names: string[], opts: RetireOptions): Promise<{ plan: RetirePlan; drop: string; droppedTo?: Map<string, string> }> {
  if (await rebaseInProgress(ws.root)) throw new InputError('a rebase is in progress: finish it ("pvpatch rebase --continue") or abort it before retiring a kernel');
  const open = await readEditState(ws);
  if (open) throw new InputError(`${open.patch} is open for editing: refresh it and close the edit ("pvpatch edit --close") before retiring a kernel`);
  validateRetire(ws.config, names);
  const drop = selectDrop(ws);
  const [files, texts] = await Promise.all([readDropFiles(ws, drop), readSeriesPatches(ws)]);
  const plan = planRetire(ws.config, names, files, ws.series.map((entry) => ({ entry, text: texts.get(entry.name) as string })));
  const kernelsText = removeKernelsFromText(await readText(ws.kernelsFile, KERNELS_JSON), plan.retired, KERNELS_JSON);
  parseKernelsConfig(kernelsText, KERNELS_JSON);
  if (opts.dryRun) return { plan, drop: drop.version };
  const droppedTo = await writeRetire(ws, plan, kernelsText);
  return { plan, drop: drop.version, droppedTo };
}

// ---- wiring ----------------------------------------------------------------------------------

export function registerKernels(program: Command): void {
  const kernels = program
    .command('kernels')
    .description('the supported kernels (kernels.json, the build matrix): list, add, retire');

  kernels
    .command('list', { isDefault: true })
    .description('the kernels of kernels.json: version, recipe, defines')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const ws = await openWorkspace(cmd);
      if (opts.json) return printJson({ kernels: ws.config.kernels.map(kernelJson), macros: ws.config.macros });
      print(table(['kernel', 'version', 'recipe', 'defines', 'description'], ws.config.kernels.map((k) => [
        k.name,
        formatKernelVersion(k.version),
        recipe(k),
        Object.entries(k.defines).map(([n, v]) => `${n}=${v}`).join(' ') || '-',
        k.description ?? '',
      ])));
    });

  kernels
    .command('add <name>')
    .description('append a kernel to kernels.json (validated, written atomically)')
    .requiredOption('--version <v>', 'its LINUX_VERSION_CODE as a.b.c, e.g. 2.6.32')
    .option('-D, --define <name=value...>', 'macros it defines, e.g. RHEL_RELEASE_CODE="RHEL_RELEASE_VERSION(6,1)" (NAME alone means 1)')
    .option('-I, --include <dir...>', 'cc recipe: the API headers it compiles against (workspace-relative)')
    .option('--headers <pkg-or-dir>', 'kbuild recipe instead: the installed kernel headers (a package glob or a directory)')
    .option('--description <text>', 'what the kernel is')
    .option('--json', 'machine-readable output')
    .action(async (name: string, opts: AddOptions, cmd: Command) => {
      const entry = await withWorkspace(cmd, 'kernels add', (ws) => addKernel(ws, name, opts));
      const after = await openWorkspace(cmd);
      const same = await sameViewAs(after, name);
      if (opts.json) return printJson({ added: kernelJson(entry), kernels: after.config.kernels.map((k) => k.name), sameViewAs: same ?? null });
      print(`added ${entry.name} (${formatKernelVersion(entry.version)}, ${recipe(entry)}) to kernels.json: now ${after.config.kernels.length} kernels`);
      if (entry.build.kind === 'cc' && entry.build.include.length === 0) print('note: no --include: the cc recipe compiles against the tree\'s own include/ only');
      if (same && same.length > 0) print(`note: ${entry.name} sees exactly the code ${kernelList(same)} ${same.length === 1 ? 'sees' : 'see'}: no guard tells them apart (yet)`);
      print(`"pvpatch build --kernel ${entry.name}" builds out/ for it; "pvpatch check" lints the guards against the new matrix`);
    });

  kernels
    .command('retire <names...>')
    .description('take kernels out of kernels.json and simplify every guard that became constant: dead branches dropped, always-taken ones unwrapped, patches left empty moved to patches/.dropped/')
    .option('-n, --dry-run', 'show the plan, write nothing')
    .option('--json', 'machine-readable output')
    .addHelpText('after', `
Only guards every remaining kernel decides alike are simplified; a guard on a symbol no kernel
defines is left as it is and listed. Before anything is written the plan is verified: the new
series applies exactly to the current drop, and every remaining kernel sees the same code as
before. patches/ is replaced atomically, then kernels.json.`)
    .action(async (names: string[], opts: RetireOptions, cmd: Command) => {
      // A dry run writes nothing, so it does not need the workspace lock.
      const { plan, drop, droppedTo } = opts.dryRun
        ? await retire(await openWorkspace(cmd), names, opts)
        : await withWorkspace(cmd, 'kernels retire', (ws) => retire(ws, names, opts));
      if (opts.json) {
        printJson({
          dryRun: opts.dryRun === true,
          retired: plan.retired,
          remaining: plan.remaining,
          drop,
          patches: plan.patches.map((p) => ({ patch: p.patch, status: p.status, guards: p.guards, ...(p.left ? { left: p.left } : {}), ...(p.status === 'emptied' ? { droppedTo: `${DROPPED_DIR}/${droppedTo?.get(p.patch) ?? p.patch}` } : {}) })),
          series: plan.series,
          dropped: plan.dropped,
          undecided: plan.undecided,
          verified: plan.verified,
        });
        return;
      }
      print(renderPlan(plan, drop, droppedTo, opts.dryRun === true));
    });
}
