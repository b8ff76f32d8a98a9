/**
 * Issue 8, the acceptance test of examples/linux-xen: run.sh does the whole job through pvpatch on
 * real Debian drops (linux-source-6.12) and real Debian kernel headers (6.1, 6.1-rt, 6.12), and this
 * test checks what it left behind, mostly with its own means (GNU patch, unifdef, jsdiff, pvpatch
 * re-run on the workspace) rather than trusting the script's verdicts.
 *
 * Needs the Debian mirror. Skipped, loudly, only when the mirror is unreachable or when
 * PVPATCH_SKIP_NETWORK=1. Downloads are cached by pvpatch (~/.cache/pvpatch): on 2 cores about
 * 3 min with a warm cache on a quiet machine, 5–6 min cold or under load (examples/linux-xen/README.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, promises as fsp, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { diffArrays } from 'diff';
import { CLI, REPO, pvpatch, readTree } from '../helpers/cli.js';
import { parsePatch } from '../../src/core/patch/parse.js';

const EXAMPLE = path.join(REPO, 'examples', 'linux-xen');
const RUN = path.join(EXAMPLE, 'run.sh');
// A directory of its own per run: a concurrent `npm test` must not wipe this one's workspace.
let OUT = '';
let WS = '';
const REQUIRED = ['drivers/block/xen-blkfront', 'drivers/net/xen-netfront', 'drivers/pci/xen-pcifront'];
const MODULES = [...REQUIRED, 'drivers/input/misc/xen-kbdfront', 'drivers/char/tpm/xen-tpmfront'];
const IDENTITY_KERNEL = 'debian-6.12';
const MINUTES = 60_000;

function banner(lines: string[]): void {
  const bar = '#'.repeat(88);
  console.warn(['', bar, ...lines.map((l) => `#  ${l}`), bar, ''].join('\n'));
}

/** Why the mirror cannot be used, or undefined when it answers (a 25 kB download the way apt does it). */
function mirrorProblem(): string | undefined {
  const madison = spawnSync('apt-cache', ['madison', 'linux-source-6.12'], { encoding: 'utf8' });
  if (madison.error) return `apt-cache is not available (${madison.error.message}): not a Debian machine`;
  if (madison.stdout.trim() === '') return 'apt-cache madison linux-source-6.12 is empty (bookworm-security is not in the sources or apt-get update never reached it)';
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pvpatch-probe-'));
  try {
    const r = spawnSync('apt-get', ['download', '-q', '-o', 'APT::Sandbox::User=root', 'linux-base'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) return `apt-get download linux-base failed: ${(r.stderr || r.error?.message || 'timed out').split('\n').find((l) => l && !l.startsWith('W:')) ?? ''}`;
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const skipReason = process.env.PVPATCH_SKIP_NETWORK === '1' ? 'PVPATCH_SKIP_NETWORK=1 was set' : mirrorProblem();
if (skipReason !== undefined) {
  banner([
    'SKIPPED: test/examples/linux-xen.test.ts (issue 8 acceptance) did NOT run.',
    skipReason,
    'Nothing of examples/linux-xen was checked: apply/build on Debian 6.1, 6.1-rt and 6.12,',
    'rebase 6.12.107 -> 6.12.117, view vs unifdef, check, objdump identity.',
  ]);
}

interface BuildJson {
  ok: boolean;
  kernels: { kernel: string; ok: boolean; units: { unit: string; ok: boolean }[]; firstErrors: string[] }[];
}
interface KernelJson {
  name: string;
  version: string;
  defines?: Record<string, string>;
}

const run = { code: -1, log: '', seconds: 0, old: '', new: '', oldDeb: '', newDeb: '' };
const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;
const kernels = (): KernelJson[] => readJson<{ kernels: KernelJson[] }>(path.join(EXAMPLE, 'kernels.json')).kernels;
const seriesOf = (dir: string): string[] => readFileSync(path.join(dir, 'series'), 'utf8').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));

/** Skip the rest loudly if run.sh itself found the mirror gone (exit 77) after the probe passed. */
let failed = false;
function ranOrSkip(ctx: { skip: (note?: string) => void; onTestFailed: (fn: () => void) => void }): void {
  ctx.onTestFailed(() => {
    failed = true;
  });
  if (run.code === 77) ctx.skip('run.sh: the Debian mirror became unreachable (exit 77)');
  expect(run.code, `run.sh failed; the end of its output:\n${run.log.split('\n').slice(-60).join('\n')}`).toBe(0);
}

/** GNU patch of `patches` (a series directory) onto a copy of `drop`: the reference tree. */
async function gnuPatched(drop: string, patches: string, into: string): Promise<Record<string, string>> {
  await fsp.rm(into, { recursive: true, force: true });
  await fsp.cp(drop, into, { recursive: true });
  for (const p of seriesOf(patches)) {
    const r = spawnSync('patch', ['-p1', '--fuzz=2', '--no-backup-if-mismatch', '-s', '-i', path.join(patches, p)], { cwd: into, encoding: 'utf8' });
    expect(r.status, `GNU patch of ${p}: ${r.stdout}${r.stderr}`).toBe(0);
  }
  return readTree(into);
}

/** The lines a change from `a` to `b` adds, per file, failing if it removes any (all these patches only add). */
function insertedLines(a: Record<string, string>, b: Record<string, string>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
  for (const [file, text] of Object.entries(a)) {
    const changes = diffArrays(text.split('\n'), (b[file] ?? '').split('\n'));
    expect(changes.filter((c) => c.removed).flatMap((c) => c.value), `${file}: lines removed`).toEqual([]);
    out[file] = changes.filter((c) => c.added).flatMap((c) => c.value);
  }
  return out;
}

describe.skipIf(skipReason !== undefined)('examples/linux-xen: the whole job through pvpatch (issue 8)', { timeout: 30 * MINUTES }, () => {
  beforeAll(async () => {
    OUT = await fsp.mkdtemp(path.join(os.tmpdir(), 'pvpatch-linux-xen-'));
    WS = path.join(OUT, 'ws');
    expect(existsSync(CLI), 'dist/cli.js is missing: npm run build').toBe(true);
    const started = Date.now();
    const child = spawn('bash', [RUN], { cwd: REPO, env: { ...process.env, PVPATCH_EXAMPLE_OUT: OUT, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.stderr.on('data', (d: Buffer) => chunks.push(d));
    run.code = await new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 128)));
    run.seconds = Math.round((Date.now() - started) / 1000);
    run.log = Buffer.concat(chunks).toString('utf8');
    await fsp.writeFile(path.join(OUT, 'run.log'), run.log);
    if (run.code === 77) {
      banner(['SKIPPED: examples/linux-xen/run.sh exited 77: the Debian mirror became unreachable.', 'Nothing of the acceptance was checked.', ...run.log.split('\n').filter((l) => l.startsWith('#  ')).map((l) => l.slice(3))]);
      return;
    }
    const m = (which: string): RegExpMatchArray | null => new RegExp(`^${which} drop: linux-source-6\\.12=(\\S+) \\((\\S+)\\)$`, 'm').exec(run.log);
    run.oldDeb = m('old')?.[1] ?? '';
    run.old = m('old')?.[2] ?? '';
    run.newDeb = m('new')?.[1] ?? '';
    run.new = m('new')?.[2] ?? '';
    console.log(`examples/linux-xen: run.sh exit ${run.code} in ${run.seconds}s; drops ${run.old} (${run.oldDeb}) -> ${run.new} (${run.newDeb}); output in ${OUT}`);
  }, 30 * MINUTES);

  afterAll(async () => {
    // Kept for inspection when something failed; removed otherwise.
    if (failed || run.code !== 0) console.warn(`examples/linux-xen: output kept in ${OUT}`);
    else if (OUT) await fsp.rm(OUT, { recursive: true, force: true });
  });

  it('run.sh exits 0 and says which drops and headers it used (the pinned ones, or the oldest/newest on the mirror)', (ctx) => {
    ranOrSkip(ctx);
    expect(run.old).toMatch(/^6\.12\.\d+$/);
    expect(run.new).toMatch(/^6\.12\.\d+$/);
    expect(run.old).not.toBe(run.new);
    const drops = readJson<{ drops: { version: string; source: string }[]; current: string }>(path.join(WS, 'upstream', 'drops.json'));
    expect(drops.drops.map((d) => [d.version, d.source])).toEqual([
      [run.old, `deb:linux-source-6.12=${run.oldDeb}`],
      [run.new, `deb:linux-source-6.12=${run.newDeb}`],
    ]);
    expect(drops.current).toBe(run.new);
    const headers = readFileSync(path.join(OUT, 'headers.txt'), 'utf8');
    for (const k of kernels()) expect(headers).toContain(`${k.name}: headers `);
    console.log(`headers used:\n${headers}`);
  });

  it('apply + build: xen-blkfront, xen-netfront and xen-pcifront build for every kernel, on the old drop and after the rebase', (ctx) => {
    ranOrSkip(ctx);
    for (const drop of [run.old, run.new]) {
      const b = readJson<BuildJson>(path.join(OUT, `build-${drop}.json`));
      expect(b.kernels.map((k) => k.kernel)).toEqual(kernels().map((k) => k.name));
      for (const k of b.kernels) {
        for (const m of REQUIRED) expect(k.units.find((u) => u.unit === `${m}.ko`), `${drop} ${k.kernel} ${m}.ko`).toEqual({ unit: `${m}.ko`, ok: true });
      }
      // every module of the example, not only the three the issue names
      expect(b.ok, `${drop}: ${JSON.stringify(b.kernels.filter((k) => !k.ok))}`).toBe(true);
    }
    // The matrix is not vacuous: without the patches blkfront and netfront do not build for 6.1.
    const upstream = readJson<BuildJson>(path.join(OUT, `build-upstream-${run.old}.json`));
    const cell = (kernel: string, unit: string): boolean | undefined => upstream.kernels.find((k) => k.kernel === kernel)?.units.find((u) => u.unit === `${unit}.ko`)?.ok;
    expect([cell('debian-6.1', 'drivers/block/xen-blkfront'), cell('debian-6.1', 'drivers/net/xen-netfront'), cell('debian-6.12', 'drivers/block/xen-blkfront')]).toEqual([false, false, true]);
  });

  it('rebase: every hunk carried, no conflict, and the result equals the same guards added to the new drop directly', async (ctx) => {
    ranOrSkip(ctx);
    const before = path.join(EXAMPLE, 'patches');
    const after = path.join(WS, 'patches');
    expect(seriesOf(after)).toEqual(seriesOf(before));
    // 1. Per patch: the same files, the same number of hunks, and each hunk adds the same lines
    //    (the guards and the compat code) and removes none.
    for (const name of seriesOf(before)) {
      const a = parsePatch(readFileSync(path.join(before, name), 'utf8'), name);
      const b = parsePatch(readFileSync(path.join(after, name), 'utf8'), name);
      expect(b.files.map((f) => f.newFileName)).toEqual(a.files.map((f) => f.newFileName));
      a.files.forEach((fa, i) => {
        const fb = b.files[i];
        expect(fb?.hunks.length, `${name}: hunks`).toBe(fa.hunks.length);
        fa.hunks.forEach((ha, j) => {
          const added = (lines: string[]): string[] => lines.filter((l) => l.startsWith('+'));
          expect(added(fb?.hunks[j]?.lines ?? []), `${name} hunk ${j + 1}`).toEqual(added(ha.lines));
          expect(fb?.hunks[j]?.lines.filter((l) => l.startsWith('-')), `${name} hunk ${j + 1} removes lines`).toEqual([]);
        });
      });
    }
    // 2. The same guards at the same places: GNU patch of the ORIGINAL series onto the new drop (an
    //    independent tool, fuzz 2 like quilt) gives byte for byte the tree pvpatch applies from the
    //    rebased series.
    const plain = path.join(OUT, 'test-rebased-plain');
    const r = pvpatch(['-C', WS, 'apply', '--drop', run.new, '--no-annotate', '--out', plain]);
    expect(r.code, r.stderr).toBe(0);
    const rebased = await readTree(plain, ['.pvpatch']);
    const direct = await gnuPatched(path.join(WS, 'upstream', run.new), before, path.join(OUT, 'test-gnu-new'));
    expect(rebased).toEqual(direct);
    // 3. And nothing else: new drop -> rebased tree only inserts, exactly the lines the original
    //    series inserts into the old drop, in the same order.
    const oldPatched = await gnuPatched(path.join(WS, 'upstream', run.old), before, path.join(OUT, 'test-gnu-old'));
    const oldDrop = await readTree(path.join(WS, 'upstream', run.old));
    const newDrop = await readTree(path.join(WS, 'upstream', run.new));
    expect(insertedLines(newDrop, rebased)).toEqual(insertedLines(oldDrop, oldPatched));
    // The rebase stopped only for stale guards (printed, then resolved as reviewed), never a conflict.
    if (existsSync(path.join(OUT, 'review.json'))) {
      const items = readJson<{ items: { kind: string; id: string; patch: string }[] }>(path.join(OUT, 'review.json')).items;
      expect(items.filter((i) => i.kind === 'conflict')).toEqual([]);
      console.log(`stale guards reviewed: ${items.map((i) => `${i.id} (${i.patch})`).join(', ')}`);
      expect(run.log).toContain('$ pvpatch review --json');
    }
  });

  it('view --kernel K of every file equals unifdef with KERNEL_VERSION() as numbers, and check reports no error', (ctx) => {
    ranOrSkip(ctx);
    const tree = path.join(WS, 'out');
    const names = spawnSync('find', ['.', '-path', './.pvpatch', '-prune', '-o', '-type', 'f', '-print'], { cwd: tree, encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map((f) => f.replace(/^\.\//, '')).sort();
    expect(names).toHaveLength(6);
    for (const k of kernels()) {
      const [a = 0, b = 0, c = 0] = k.version.split('.').map(Number);
      const code = a * 65536 + b * 256 + Math.min(c, 255);
      const defines = Object.entries(k.defines ?? {}).map(([n, v]) => `-D${n}=${v}`);
      for (const f of names) {
        const text = readFileSync(path.join(tree, f), 'utf8').replace(/KERNEL_VERSION\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*\)/g, (_m, x: string, y: string, z: string) => String(Number(x) * 65536 + Number(y) * 256 + Math.min(Number(z), 255)));
        const u = spawnSync('unifdef', [`-DLINUX_VERSION_CODE=${code}`, ...defines], { input: text, encoding: 'utf8', maxBuffer: 64 << 20 });
        expect(u.status === 0 || u.status === 1, `unifdef ${f}: ${u.stderr}`).toBe(true);
        const v = pvpatch(['-C', WS, 'view', '--kernel', k.name, '--tree', tree, f]);
        expect(v.code, v.stderr).toBe(0);
        expect(v.stdout, `view --kernel ${k.name} ${f}`).toBe(u.stdout);
      }
    }
    const check = pvpatch(['-C', WS, 'check', '--json']);
    expect(check.code, check.stderr).toBe(0);
    const report = JSON.parse(check.stdout) as { counts: { error: number }; findings: { severity: string }[] };
    expect(report.counts.error).toBe(0);
    expect(report.findings.filter((x) => x.severity === 'error')).toEqual([]);
  });

  it(`objdump identity: on ${IDENTITY_KERNEL} every module built from the patched tree disassembles like the unpatched upstream file`, (ctx) => {
    ranOrSkip(ctx);
    for (const drop of [run.old, run.new]) {
      for (const m of MODULES) {
        const name = path.basename(m);
        const patched = readFileSync(path.join(OUT, 'objdump', drop, `patched-${name}.txt`), 'utf8');
        const upstream = readFileSync(path.join(OUT, 'objdump', drop, `upstream-${name}.txt`), 'utf8');
        expect(patched).toMatch(/Disassembly of section \.text/);
        expect(patched.split('\n').length, `${drop} ${name}: a real listing`).toBeGreaterThan(500);
        expect(patched === upstream, `${drop} ${name}.ko: objdump -dr of the patched and the upstream build differ`).toBe(true);
      }
      // both sides were built by pvpatch build for the identity kernel
      for (const side of ['patched', 'upstream']) {
        const b = readJson<BuildJson>(path.join(OUT, `identity-${drop}-${side}.json`));
        expect(b.kernels.map((k) => [k.kernel, k.ok])).toEqual([[IDENTITY_KERNEL, true]]);
      }
    }
  });

  it('the README shows the matrix this run prints', (ctx) => {
    ranOrSkip(ctx);
    const readme = readFileSync(path.join(EXAMPLE, 'README.md'), 'utf8');
    const table = (file: string): string => readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('|')).join('\n');
    expect(readme).toContain(table(path.join(OUT, `matrix-${run.new}.md`)));
    expect(readme).toContain(table(path.join(OUT, `matrix-upstream-${run.old}.md`)));
  });
});
