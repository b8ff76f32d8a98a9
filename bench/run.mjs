// pvpatch benchmarks, side by side with the tools maintainers use today (`npm run bench`).
//
//   node bench/run.mjs [--reps N] [--quick] [--seed N] [--scale S] [--no-scaling]
//                      [--build-files N] [--only apply,view,rebase,build,commands,scaling] [--no-profile]
//
// Generates (or reuses, keyed by seed, scale and the generator's hash) a large workspace under
// bench/work/, then times every pvpatch command and its peer on the same input, N times each,
// interleaved, and quotes medians. Peers run in their own temp copies; only the command itself is
// timed, never its set-up. Peak memory comes from /usr/bin/time -v. Prints a table and writes it,
// with the machine and the tool versions, to bench/results.md. Then CPU profiles (node --cpu-prof)
// of startup, apply, view and rebase, summarised by function (--no-profile skips them).

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, promises as fsp, readFileSync, statfsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate, GENERATOR_VERSION } from './generate.mjs';
import { summarizeProfile } from './profile.mjs';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(BENCH);
const WORK = path.join(BENCH, 'work');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const VIEW_KERNEL = 'rhel5-u11';

// Every child runs with git unable to find the project's own repository above bench/work/ (a
// `git apply` there would otherwise take paths relative to the project root), in the C locale,
// with fixed identities and no user configuration.
const ENV = {
  ...process.env,
  GIT_CEILING_DIRECTORIES: WORK,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'bench',
  GIT_AUTHOR_EMAIL: 'bench@pvpatch.invalid',
  GIT_COMMITTER_NAME: 'bench',
  GIT_COMMITTER_EMAIL: 'bench@pvpatch.invalid',
  GIT_COMMITTER_DATE: '2009-01-12T00:00:00Z',
  LC_ALL: 'C',
  NO_COLOR: '1',
};

// ---------------------------------------------------------------------------------------------
// Options

function parseArgs(argv) {
  const o = { reps: undefined, quick: false, seed: '1', scale: undefined, scaling: true, buildFiles: undefined, only: null, profile: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--reps') o.reps = Number(val());
    else if (a === '--quick') o.quick = true;
    else if (a === '--seed') o.seed = val();
    else if (a === '--scale') o.scale = Number(val());
    else if (a === '--no-scaling') o.scaling = false;
    else if (a === '--build-files') o.buildFiles = Number(val());
    else if (a === '--only') o.only = new Set(val().split(','));
    else if (a === '--profile') o.profile = true;
    else if (a === '--no-profile') o.profile = false;
    else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: node bench/run.mjs [--reps N] [--quick] [--seed N] [--scale S] [--no-scaling] [--build-files N] [--only apply,view,rebase,build,commands,scaling] [--no-profile]\n');
      process.exit(0);
    } else throw new Error(`unknown argument "${a}" (try --help)`);
  }
  o.reps ??= o.quick ? 3 : 5;
  o.scale ??= o.quick ? 0.25 : 1;
  o.buildFiles ??= o.quick ? 20 : 30;
  if (!Number.isInteger(o.reps) || o.reps < 1) throw new Error('--reps must be a positive integer');
  if (!(o.scale > 0)) throw new Error('--scale must be positive');
  // Scaling rows: 1x, 2x, 4x of the base size (--quick: 1x and 2x).
  o.factors = o.quick ? [1, 2] : [1, 2, 4];
  return o;
}

// ---------------------------------------------------------------------------------------------
// Processes

function log(msg) {
  process.stderr.write(`bench: ${msg}\n`);
}

/** Run a set-up step; throw with its output when it fails. */
function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, env: { ...ENV, ...opts.env }, input: opts.input, encoding: 'utf8', maxBuffer: 1 << 30, stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  if (r.error) throw r.error;
  if (r.status !== 0 && !(opts.ok ?? [0]).includes(r.status)) {
    throw new Error(`${cmd} ${args.join(' ').slice(0, 300)} (in ${opts.cwd ?? '.'}) exited ${r.status}:\n${(r.stderr || r.stdout).slice(0, 3000)}`);
  }
  return r;
}

const have = (bin) => spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;

let timeBin = '/usr/bin/time';

/**
 * One timed run: wall time (hrtime around the process) and peak RSS (from /usr/bin/time -v, in
 * KiB). `ok` lists the exit codes that count as success.
 */
function timed(cmd, args, opts = {}) {
  const vfile = path.join(WORK, `.time-${process.pid}`);
  const useTime = existsSync(timeBin);
  const [c, a] = useTime ? [timeBin, ['-v', '-o', vfile, cmd, ...args]] : [cmd, args];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(c, a, { cwd: opts.cwd, env: { ...ENV, ...opts.env }, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 28 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  let rssKb = null;
  if (useTime && existsSync(vfile)) {
    const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(readFileSync(vfile, 'utf8'));
    if (m) rssKb = Number(m[1]);
  }
  const ok = r.status !== null && (opts.ok ?? [0]).includes(r.status);
  return { ms, rssKb, status: r.status, ok, stderr: r.stderr ? r.stderr.toString().slice(0, 2000) : '' };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function rmrf(p) {
  await fsp.rm(p, { recursive: true, force: true });
}

function cpR(src, dst) {
  sh('cp', ['-r', src, dst]);
}

// ---------------------------------------------------------------------------------------------
// Peers and tools

function ensureTools() {
  const wanted = [
    ['quilt', 'quilt'],
    ['unifdef', 'unifdef'],
    ['/usr/bin/time', 'time'],
    ['patch', 'patch'],
  ];
  const missing = wanted.filter(([bin]) => (bin.startsWith('/') ? !existsSync(bin) : !have(bin)));
  if (missing.length === 0) return;
  const pkgs = missing.map(([, p]) => p);
  if (process.getuid?.() !== 0 || !have('apt-get')) {
    log(`missing ${pkgs.join(', ')} and cannot apt-get them here; their rows will say "not available"`);
    return;
  }
  log(`installing ${pkgs.join(', ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...pkgs], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) {
    spawnSync('apt-get', ['update', '-q'], { env, stdio: 'ignore' });
    r = spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...pkgs], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  }
  if (r.status !== 0) log(`apt-get install ${pkgs.join(' ')} failed: ${String(r.stderr).slice(0, 500)}`);
}

function toolVersion(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: ENV });
  if (r.error || r.status === null) return 'not installed';
  return `${r.stdout || ''}${r.stderr || ''}`.split('\n').find((l) => l.trim() !== '')?.trim() ?? '?';
}

function pvAvailable(cmd) {
  if (!existsSync(CLI)) return false;
  const r = spawnSync(process.execPath, [CLI, cmd, '--help'], { stdio: 'ignore', env: ENV });
  return r.status === 0;
}

function pv(ws, ...args) {
  return [process.execPath, [CLI, '-C', ws, ...args]];
}

// ---------------------------------------------------------------------------------------------
// Workspaces

function generatorHash() {
  return createHash('sha256').update(readFileSync(path.join(BENCH, 'generate.mjs'))).digest('hex').slice(0, 16);
}

/** `git apply --check` of the whole series, concatenated, against drop 1.0 (no repository needed). */
export async function checkWorkspace(ws) {
  const all = await concatSeries(ws);
  sh('git', ['apply', '--check', all], { cwd: path.join(ws, 'upstream', '1.0') });
}

async function concatSeries(ws) {
  const out = path.join(ws, '.bench', 'series.patch');
  if (existsSync(out)) return out;
  const names = readFileSync(path.join(ws, 'patches', 'series'), 'utf8').split('\n').filter(Boolean);
  const texts = await Promise.all(names.map((n) => fsp.readFile(path.join(ws, 'patches', n), 'utf8')));
  await fsp.mkdir(path.dirname(out), { recursive: true });
  await fsp.writeFile(out, texts.join(''));
  return out;
}

/** The workspace for (seed, scale): reused when its generator hash matches, else made anew. */
async function workspace(seed, scale) {
  const ws = path.join(WORK, `ws-s${seed}-x${scale}`);
  const stamp = path.join(ws, '.bench', 'complete.json');
  const key = { generator: GENERATOR_VERSION, hash: generatorHash(), seed: String(seed), scale };
  if (existsSync(stamp)) {
    try {
      if (JSON.stringify(JSON.parse(readFileSync(stamp, 'utf8')).key) === JSON.stringify(key)) return { ws, meta: JSON.parse(readFileSync(path.join(ws, 'bench-meta.json'), 'utf8')), reused: true };
    } catch {
      // regenerate below
    }
  }
  log(`generating the workspace seed=${seed} scale=${scale} in ${path.relative(ROOT, ws)}/`);
  await rmrf(ws);
  const t0 = Date.now();
  const meta = await generate({ dir: ws, scale, seed });
  const genMs = Date.now() - t0;
  await checkWorkspace(ws);
  await fsp.writeFile(stamp, JSON.stringify({ key, genMs }, null, 2) + '\n');
  log(`  ${meta.files} files, ${meta.lines} lines, ${meta.patches} patches, ${meta.hunks} hunks in ${(genMs / 1000).toFixed(1)}s; git apply --check ok`);
  return { ws, meta, reused: false, genMs };
}

// ---------------------------------------------------------------------------------------------
// Measurement

/**
 * Time `subjects` (each { name, cmd, args, cwd?, env?, ok?, prep?() }) `reps` times, interleaved
 * (a, b, a, b…), after `warm` untimed warm-up runs of each (none for `heavy` subjects, whose
 * inputs were just copied and are in the page cache anyway). Returns per subject
 * { name, ms: [..], rssKb: max, failed?: text }.
 */
async function measure(subjects, reps, warm = 1) {
  const res = subjects.map((s) => ({ name: s.name, ms: [], rssKb: 0, failed: null }));
  for (let r = -warm; r < reps; r++) {
    for (const [i, s] of subjects.entries()) {
      const out = res[i];
      if (out.failed || (r < 0 && s.heavy)) continue;
      if (s.prep) await s.prep();
      const t = timed(s.cmd, s.args, s);
      if (!t.ok) {
        out.failed = `exit ${t.status}: ${t.stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 300)}`;
        log(`  ${s.name} failed: ${out.failed}`);
        continue;
      }
      if (s.after) await s.after();
      if (r < 0) continue;
      out.ms.push(t.ms);
      if (t.rssKb !== null) out.rssKb = Math.max(out.rssKb, t.rssKb);
    }
  }
  for (const o of res) {
    o.median = o.ms.length ? median(o.ms) : null;
    rawRuns.push(o);
    if (!o.failed) log(`  ${o.name}: median ${fmtMs(o.median)} (${o.ms.map((x) => fmtMs(x)).join(', ')}), peak ${fmtMb(o.rssKb)}`);
  }
  return res;
}

function fmtMs(ms) {
  if (ms === null || ms === undefined) return '—';
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
}

function fmtMb(kb) {
  return kb ? `${(kb / 1024).toFixed(0)} MB` : '—';
}

const rows = [];
const notes = [];
const rawRuns = [];

/** A row: pvpatch vs peer times; `target` = the most ratio (pvpatch/peer) that meets it. */
function timeRow(command, peer, a, b, target, targetText) {
  const ok = a && b && !a.failed && !b.failed && a.median !== null && b.median !== null;
  const ratio = ok ? a.median / b.median : null;
  rows.push({
    command,
    peer,
    pv: a ? (a.failed ? `failed (${a.failed.slice(0, 60)})` : fmtMs(a.median)) : 'not available',
    peerV: b ? (b.failed ? `failed (${b.failed.slice(0, 60)})` : fmtMs(b.median)) : 'not available',
    ratio: ratio === null ? '—' : `${ratio.toFixed(2)}x`,
    target: targetText ?? (target === null ? '—' : `≤ ${target}x`),
    met: ratio === null || target === null ? (a === null || b === null ? 'n/a' : target === null ? '—' : 'no') : ratio <= target ? 'yes' : 'no',
  });
}

function naRow(command, peer, why, targetText) {
  rows.push({ command, peer, pv: why, peerV: '—', ratio: '—', target: targetText, met: 'n/a' });
}

function memRow(command, a, peerName, b, factor = null) {
  const mb = a && !a.failed && a.rssKb ? a.rssKb / 1024 : null;
  const peerOk = b && !b.failed && b.rssKb;
  // At 1x the target is absolute; a scaled run must stay linear in its 1x peak.
  const limit = factor === null ? 300 : peerOk ? (1.25 * factor * b.rssKb) / 1024 : null;
  rows.push({
    command: `${command} peak RSS`,
    peer: peerName,
    pv: mb === null ? (a ? 'failed' : 'not available') : `${mb.toFixed(0)} MB`,
    peerV: peerOk ? `${(b.rssKb / 1024).toFixed(0)} MB` : '—',
    ratio: mb !== null && peerOk ? `${(a.rssKb / b.rssKb).toFixed(1)}x` : '—',
    target: factor === null ? '< 300 MB' : `≤ ${(1.25 * factor).toFixed(2)}x of 1x (linear)`,
    met: mb === null || limit === null ? 'n/a' : mb <= limit ? 'yes' : 'no',
  });
}

// ---------------------------------------------------------------------------------------------
// Sections

async function benchApply(ctx, { ws, meta }) {
  const tmp = path.join(WORK, 'tmp', 'apply');
  await rmrf(tmp);
  await fsp.mkdir(tmp, { recursive: true });
  const drop = path.join(ws, 'upstream', '1.0');
  const series = await concatSeries(ws);
  const patchesDir = path.join(ws, 'patches');
  const out = path.join(tmp, 'pv-out');
  const outPlain = path.join(tmp, 'pv-out-plain');

  // git apply: a git work tree of the drop, reset before every run.
  const gdir = path.join(tmp, 'git');
  cpR(drop, gdir);
  sh('git', ['init', '-q'], { cwd: gdir });
  sh('git', ['add', '-A'], { cwd: gdir });
  sh('git', ['commit', '-q', '-m', 'upstream 1.0'], { cwd: gdir });
  const gitReset = () => {
    sh('git', ['reset', '-q', '--hard'], { cwd: gdir });
    sh('git', ['clean', '-q', '-fdx'], { cwd: gdir });
  };
  const freshCopy = (dir) => async () => {
    await rmrf(dir);
    cpR(drop, dir);
  };
  const qdir = path.join(tmp, 'quilt');
  const pdir = path.join(tmp, 'patch');
  const cdir = path.join(tmp, 'cp');
  const outNoCache = path.join(tmp, 'pv-out-nocache');
  const outKept = path.join(tmp, 'pv-out-kept');
  const outFirst = path.join(tmp, 'pv-out-first');
  const cacheDir = path.join(ws, '.pvpatch', 'cache');
  const subjects = [
    // The default: the per-file results of the previous run (the warm-up's) are in .pvpatch/cache.
    { name: 'pvpatch apply', cmd: pv(ws, 'apply', '--out', out)[0], args: pv(ws, 'apply', '--out', out)[1], prep: () => rmrf(out) },
    // Into the tree it wrote: made current by an untimed apply first (the first-run row below
    // replaces the record), then found in place, nothing written.
    { name: 'pvpatch apply (tree in place)', cmd: process.execPath, args: [CLI, '-C', ws, 'apply', '--out', outKept], prep: () => sh(process.execPath, [CLI, '-C', ws, 'apply', '--out', outKept]) },
    // Every touched file applied again (the drop's verified-stat record is used).
    { name: 'pvpatch apply --no-cache', cmd: process.execPath, args: [CLI, '-C', ws, 'apply', '--no-cache', '--out', outNoCache], prep: () => rmrf(outNoCache) },
    // A first apply in this workspace: no cache, no record (every drop file read and hashed, results stored).
    { name: 'pvpatch apply (first run)', cmd: process.execPath, args: [CLI, '-C', ws, 'apply', '--out', outFirst], prep: async () => { await rmrf(outFirst); await rmrf(cacheDir); } },
    { name: 'git apply', cmd: 'git', args: ['apply', series], cwd: gdir, prep: gitReset },
    { name: 'pvpatch apply --no-annotate', cmd: process.execPath, args: [CLI, '-C', ws, 'apply', '--no-annotate', '--no-cache', '--out', outPlain], prep: () => rmrf(outPlain) },
    { name: 'patch -p1 loop', cmd: 'bash', args: ['-c', 'while read -r p; do patch -p1 -s -i "$PD/$p" || exit 1; done < "$PD/series"'], cwd: pdir, env: { PD: patchesDir }, prep: freshCopy(pdir) },
    { name: 'cp -r', cmd: 'cp', args: ['-r', drop, cdir], prep: () => rmrf(cdir) },
    { name: 'pvpatch --version', cmd: process.execPath, args: [CLI, '--version'] },
    { name: 'node -e 0', cmd: process.execPath, args: ['-e', '0'] },
  ];
  if (have('quilt')) subjects.push({ name: 'quilt push -a', cmd: 'quilt', args: ['--quiltrc', '-', 'push', '-a', '-q'], cwd: qdir, env: { QUILT_PATCHES: patchesDir }, prep: freshCopy(qdir), heavy: true });
  log(`apply: ${meta.patches} patches, ${meta.hunks} hunks onto ${meta.files} files (${ctx.reps} reps)`);
  const r = Object.fromEntries((await measure(subjects, ctx.reps)).map((x) => [x.name, x]));
  const a = r['pvpatch apply'];
  timeRow('apply (cache warm)', 'git apply (one call)', a, r['git apply'], 1.5);
  timeRow('apply (tree already in place)', 'git apply (one call)', r['pvpatch apply (tree in place)'], r['git apply'], null);
  timeRow('apply --no-cache', 'git apply (one call)', r['pvpatch apply --no-cache'], r['git apply'], 1.5);
  timeRow('apply (first run: no cache, no record)', 'git apply (one call)', r['pvpatch apply (first run)'], r['git apply'], 1.5);
  timeRow('apply (cache warm)', 'quilt push -a', a, r['quilt push -a'] ?? null, 0.2, '≤ 0.2x (5x faster)');
  timeRow('apply (cache warm)', 'patch -p1 loop', a, r['patch -p1 loop'], null);
  timeRow('apply (cache warm)', 'cp -r of the drop (I/O floor)', a, r['cp -r'], 3);
  timeRow('apply --no-cache', 'cp -r of the drop (I/O floor)', r['pvpatch apply --no-cache'], r['cp -r'], 3);
  timeRow('apply (first run: no cache, no record)', 'quilt push -a', r['pvpatch apply (first run)'], r['quilt push -a'] ?? null, 0.2, '≤ 0.2x (5x faster)');
  timeRow('apply --no-annotate --no-cache', 'git apply (one call)', r['pvpatch apply --no-annotate'], r['git apply'], 1.5);
  timeRow('startup: --version (fixed cost)', 'node -e 0', r['pvpatch --version'], r['node -e 0'], null);
  ctx.mem.apply = [a, 'git apply', r['git apply']];

  // The maintainer's loop: one patch edited since the last apply, in a private copy of the workspace
  // (its record and caches are its own). Its text changes before every run, so the files it touches
  // are applied again and the rest of the tree is linked from the last tree's store.
  const editWs = path.join(tmp, 'ws-edit');
  await rebaseCopy(ws, editWs);
  const firstPatch = (await fsp.readFile(path.join(editWs, 'patches', 'series'), 'utf8')).split('\n').find((l) => l.trim() !== '' && !l.startsWith('#'))?.trim().split(/\s+/)[0];
  const edited = path.join(editWs, 'patches', firstPatch ?? '');
  const original = await fsp.readFile(edited, 'utf8');
  const outEdit = path.join(tmp, 'pv-out-edit');
  let edits = 0;
  const e = Object.fromEntries((await measure([
    { name: 'pvpatch apply (one patch edited)', cmd: process.execPath, args: [CLI, '-C', editWs, 'apply', '--out', outEdit], prep: async () => {
      await rmrf(outEdit);
      await fsp.writeFile(edited, `Edit ${++edits} of the description.\n${original}`);
    } },
    { name: 'git apply (edit row)', cmd: 'git', args: ['apply', series], cwd: gdir, prep: gitReset },
  ], ctx.reps)).map((x) => [x.name, x]));
  timeRow('apply (one patch edited since the last apply)', 'git apply (one call)', e['pvpatch apply (one patch edited)'], e['git apply (edit row)'], null);
  notes.push(`apply (one patch edited): ${firstPatch} gets a new description line before each run, so the files it touches are applied again (its text is part of their cache keys) and the other files are linked from the store of the last tree.`);

  // Same result? (pvpatch without annotations vs git apply; quilt and patch agree with git.)
  if (!r['pvpatch apply --no-annotate'].failed && !r['git apply'].failed) {
    gitReset();
    sh('git', ['apply', series], { cwd: gdir });
    const d = spawnSync('diff', ['-rq', '-x', '.git', '-x', '.pvpatch', outPlain, gdir], { encoding: 'utf8' });
    notes.push(d.status === 0 ? '`pvpatch apply --no-annotate` and `git apply` produce identical trees.' : `pvpatch apply --no-annotate and git apply differ: ${d.stdout.split('\n').slice(0, 5).join('; ')}`);
  }
  if (!a.failed) {
    const j = spawnSync(process.execPath, [CLI, '-C', ws, 'apply', '--json', '--out', out], { encoding: 'utf8', env: ENV, maxBuffer: 1 << 30 });
    try {
      const data = JSON.parse(j.stdout);
      const by = {};
      for (const h of data.hunks ?? []) by[h.status] = (by[h.status] ?? 0) + 1;
      notes.push(`apply on drop 1.0: ${data.patches} patches, ${(data.hunks ?? []).length} hunks (${Object.entries(by).map(([k, v]) => `${v} ${k}`).join(', ')}), ${data.regions} guarded regions in the manifest.`);
    } catch {
      // the table already has the timing; the summary is a nicety
    }
    ctx.appliedTree = out;
  }
}

async function benchView(ctx, { ws }) {
  if (!pvAvailable('view')) {
    naRow('view --kernel', 'unifdef loop', 'not available', '< 1x');
    naRow('view --kernel', 'unifdef (one call)', 'not available', '≤ 3x');
    return;
  }
  const tmp = path.join(WORK, 'tmp', 'view');
  await rmrf(tmp);
  await fsp.mkdir(tmp, { recursive: true });
  // The input: the annotated tree apply wrote (make it if the apply section did not run).
  const tree = path.join(tmp, 'tree');
  const made = spawnSync(process.execPath, [CLI, '-C', ws, 'apply', '--out', tree], { env: ENV, encoding: 'utf8' });
  if (made.status !== 0) {
    naRow('view --kernel', 'unifdef loop', `failed: apply exit ${made.status}`, '< 1x');
    return;
  }
  const kernels = JSON.parse(readFileSync(path.join(ws, 'kernels.json'), 'utf8')).kernels;
  const k = kernels.find((x) => x.name === VIEW_KERNEL) ?? kernels[0];
  const [ma, mi, pa] = k.version.split('.').map(Number);
  const code = ma * 65536 + mi * 256 + pa;
  // unifdef knows no function-like macros: give it a copy with KERNEL_VERSION(a,b,c) and the
  // distro macros replaced by their numbers, and -D/-U for every symbol kernels.json mentions.
  const evalMacro = (v) =>
    v
      .replace(/RHEL_RELEASE_VERSION\((\d+),\s*(\d+)\)/g, (_, a, b) => String((Number(a) << 8) + Number(b)))
      .replace(/SLE_VERSION\((\d+),\s*(\d+),\s*(\d+)\)/g, (_, a, b, c) => String(Number(a) * 65536 + Number(b) * 256 + Number(c)))
      .replace(/KERNEL_VERSION\((\d+),\s*(\d+),\s*(\d+)\)/g, (_, a, b, c) => String(Number(a) * 65536 + Number(b) * 256 + Number(c)));
  const syms = new Set(kernels.flatMap((x) => Object.keys(x.defines)));
  const defs = [`-DLINUX_VERSION_CODE=${code}`, ...[...syms].map((s) => (s in k.defines ? `-D${s}=${evalMacro(k.defines[s])}` : `-U${s}`))];
  const udIn = path.join(tmp, 'unifdef-in');
  const names = (await listFiles(tree)).filter((f) => f.endsWith('.c') || f.endsWith('.h'));
  for (const n of names) {
    const text = await fsp.readFile(path.join(tree, n), 'utf8');
    await fsp.mkdir(path.dirname(path.join(udIn, n)), { recursive: true });
    await fsp.writeFile(path.join(udIn, n), evalMacro(text));
  }
  await fsp.writeFile(path.join(tmp, 'files.txt'), names.join('\n') + '\n');
  const loopOut = path.join(tmp, 'unifdef-loop');
  const oneDir = path.join(tmp, 'unifdef-one');
  const vout = path.join(tmp, 'pv-view');
  const dirs = [...new Set(names.map((n) => path.dirname(n)))];
  const subjects = [
    { name: 'pvpatch view', cmd: process.execPath, args: [CLI, '-C', ws, 'view', '--kernel', k.name, '--tree', tree, '--out', vout], prep: () => rmrf(vout) },
    {
      name: 'unifdef loop',
      cmd: 'bash',
      args: ['-c', 'while read -r f; do unifdef -k "$@" -o "$OUT/$f" "$f"; [ $? -le 1 ] || exit 2; done < "$LIST"', 'unifdef-loop', ...defs],
      cwd: udIn,
      env: { OUT: loopOut, LIST: path.join(tmp, 'files.txt') },
      prep: async () => {
        await rmrf(loopOut);
        for (const d of dirs) await fsp.mkdir(path.join(loopOut, d), { recursive: true });
      },
    },
    {
      name: 'unifdef one call',
      cmd: 'unifdef',
      args: ['-k', '-m', ...defs, ...names],
      cwd: oneDir,
      ok: [0, 1],
      prep: async () => {
        await rmrf(oneDir);
        cpR(udIn, oneDir);
      },
    },
  ];
  if (!have('unifdef')) subjects.splice(1, 2);
  log(`view --kernel ${k.name}: ${names.length} files (${ctx.reps} reps)`);
  const r = Object.fromEntries((await measure(subjects, ctx.reps)).map((x) => [x.name, x]));
  timeRow(`view --kernel ${k.name}`, 'unifdef, one process per file', r['pvpatch view'], r['unifdef loop'] ?? null, 1, '< 1x (faster)');
  timeRow(`view --kernel ${k.name}`, 'unifdef, one call over all files', r['pvpatch view'], r['unifdef one call'] ?? null, 3);
  ctx.mem.view = [r['pvpatch view'], 'unifdef (one call)', r['unifdef one call']];
  // Same text? (unifdef's output has numbers where the tree has KERNEL_VERSION(), so compare
  // after the same replacement.)
  if (r['pvpatch view'] && !r['pvpatch view'].failed && r['unifdef one call'] && !r['unifdef one call'].failed) {
    let differ = 0;
    for (const n of names) {
      const a = evalMacro(await fsp.readFile(path.join(vout, n), 'utf8'));
      const b = await fsp.readFile(path.join(oneDir, n), 'utf8');
      if (a !== b) differ++;
    }
    notes.push(differ === 0 ? `\`pvpatch view --kernel ${k.name}\` and \`unifdef -k\` agree on all ${names.length} files.` : `pvpatch view and unifdef -k differ on ${differ} of ${names.length} files (pvpatch keeps conditionals it cannot decide; unifdef decides what its -D/-U say).`);
  }
}

async function listFiles(dir, rel = '') {
  const out = [];
  for (const e of await fsp.readdir(path.join(dir, rel), { withFileTypes: true })) {
    if (e.name === '.pvpatch' || e.name === '.git' || e.name === '.pc') continue;
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(dir, r)));
    else out.push(r);
  }
  return out.sort();
}

/** A private copy of the workspace that a rebase may change (the drops are hard links). */
const TMPFS_MAGIC = 0x01021994;

/**
 * The warm and --no-cache apply rows again with everything in memory: the workspace, the trees,
 * git's work tree and cp's copy on tmpfs (/dev/shm), where writing a file costs no disk
 * allocation, so that the table shows both where a workspace lives (the rows above) and what is
 * left when the file system costs nothing.
 */
async function benchApplyInMemory(ctx, { ws }) {
  const shm = '/dev/shm';
  let tmpfs = false;
  try {
    tmpfs = statfsSync(shm).type === TMPFS_MAGIC;
  } catch {
    tmpfs = false;
  }
  if (!tmpfs) {
    naRow('apply (cache warm), in memory', 'git apply (one call), in memory', `${shm} is not a tmpfs here`, '≤ 1.5x');
    return;
  }
  const root = await fsp.mkdtemp(path.join(shm, 'pvpatch-bench-'));
  try {
    const mws = path.join(root, 'ws');
    await fsp.mkdir(path.join(mws, 'upstream'), { recursive: true });
    for (const f of ['kernels.json', '.gitignore']) await fsp.copyFile(path.join(ws, f), path.join(mws, f));
    await fsp.copyFile(path.join(ws, 'upstream', 'drops.json'), path.join(mws, 'upstream', 'drops.json'));
    for (const d of ['patches', 'kernels', 'upstream/1.0', 'upstream/1.1']) cpR(path.join(ws, d), path.join(mws, d));
    const series = await concatSeries(mws);
    const drop = path.join(mws, 'upstream', '1.0');
    const gdir = path.join(root, 'git');
    cpR(drop, gdir);
    sh('git', ['init', '-q'], { cwd: gdir });
    sh('git', ['add', '-A'], { cwd: gdir });
    sh('git', ['commit', '-q', '-m', 'upstream 1.0'], { cwd: gdir });
    const out = path.join(root, 'pv-out');
    const outNoCache = path.join(root, 'pv-out-nocache');
    const cdir = path.join(root, 'cp');
    log(`apply in memory (${shm}, ${ctx.reps} reps)`);
    const r = Object.fromEntries((await measure([
      { name: 'pvpatch apply (in memory)', cmd: process.execPath, args: [CLI, '-C', mws, 'apply', '--out', out], prep: () => rmrf(out) },
      { name: 'pvpatch apply --no-cache (in memory)', cmd: process.execPath, args: [CLI, '-C', mws, 'apply', '--no-cache', '--out', outNoCache], prep: () => rmrf(outNoCache) },
      { name: 'git apply (in memory)', cmd: 'git', args: ['apply', series], cwd: gdir, prep: () => {
        sh('git', ['reset', '-q', '--hard'], { cwd: gdir });
        sh('git', ['clean', '-q', '-fdx'], { cwd: gdir });
      } },
      { name: 'cp -r (in memory)', cmd: 'cp', args: ['-r', drop, cdir], prep: () => rmrf(cdir) },
    ], ctx.reps)).map((x) => [x.name, x]));
    timeRow('apply (cache warm), in memory', 'git apply (one call), in memory', r['pvpatch apply (in memory)'], r['git apply (in memory)'], 1.5);
    timeRow('apply (cache warm), in memory', 'cp -r of the drop, in memory', r['pvpatch apply (in memory)'], r['cp -r (in memory)'], 3);
    timeRow('apply --no-cache, in memory', 'git apply (one call), in memory', r['pvpatch apply --no-cache (in memory)'], r['git apply (in memory)'], 1.5);
    notes.push(`in memory: the same workspace, trees and peers on ${shm} (tmpfs), where creating a file costs no disk allocation; the other apply rows run where the workspace lives (${path.relative(process.cwd(), WORK) || WORK}).`);
  } finally {
    await rmrf(root);
  }
}

async function rebaseCopy(ws, dst) {
  await rmrf(dst);
  await fsp.mkdir(path.join(dst, 'upstream'), { recursive: true });
  for (const f of ['kernels.json', '.gitignore']) await fsp.copyFile(path.join(ws, f), path.join(dst, f));
  await fsp.copyFile(path.join(ws, 'upstream', 'drops.json'), path.join(dst, 'upstream', 'drops.json'));
  cpR(path.join(ws, 'patches'), path.join(dst, 'patches'));
  cpR(path.join(ws, 'kernels'), path.join(dst, 'kernels'));
  for (const v of ['1.0', '1.1']) sh('cp', ['-al', path.join(ws, 'upstream', v), path.join(dst, 'upstream', v)]);
}

function rebaseSubject(ws, dir, name = 'pvpatch rebase') {
  return { name, cmd: process.execPath, args: [CLI, '-C', dir, 'rebase', '--onto', '1.1', '--no-review'], ok: [0, 1], prep: () => rebaseCopy(ws, dir) };
}

/** The git-buildpackage way: upstream commits 1.0 and 1.1, the patches as commits on 1.0. */
async function gitPatchQueue(ws, dir) {
  await rmrf(dir);
  await fsp.mkdir(dir, { recursive: true });
  const git = (...args) => sh('git', ['-c', 'gc.auto=0', ...args], { cwd: dir });
  git('init', '-q', '-b', 'upstream');
  for (const v of ['1.0', '1.1']) {
    for (const e of await fsp.readdir(dir)) if (e !== '.git') await rmrf(path.join(dir, e));
    sh('cp', ['-r', `${path.join(ws, 'upstream', v)}/.`, dir]);
    git('add', '-A');
    git('commit', '-q', '-m', `upstream ${v}`);
    git('tag', `v${v}`);
  }
  git('checkout', '-q', '-b', 'patch-queue', 'v1.0');
  const names = readFileSync(path.join(ws, 'patches', 'series'), 'utf8').split('\n').filter(Boolean);
  // git am takes them as mailboxes (they are git-format-patch files); batches keep argv short.
  for (let i = 0; i < names.length; i += 200) git('am', '-q', '--committer-date-is-author-date', ...names.slice(i, i + 200).map((n) => path.join(ws, 'patches', n)));
  git('tag', 'pq-orig');
}

async function benchRebase(ctx, { ws, meta }) {
  if (!pvAvailable('rebase')) {
    naRow('rebase --onto 1.1', 'git rebase (patches as commits)', 'not available', '< 1x');
    return;
  }
  const tmp = path.join(WORK, 'tmp', 'rebase');
  await rmrf(tmp);
  await fsp.mkdir(tmp, { recursive: true });
  const gdir = path.join(tmp, 'git');
  log('rebase: setting up the patch-queue repository (git am of the series; not timed)');
  const t0 = Date.now();
  await gitPatchQueue(ws, gdir);
  log(`  done in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  const git = ['-c', 'gc.auto=0', '-c', 'rerere.enabled=false'];
  const subjects = [
    rebaseSubject(ws, path.join(tmp, 'pv')),
    {
      name: 'git rebase',
      cmd: 'git',
      args: [...git, 'rebase', '-q', '-X', 'theirs', 'v1.1'],
      cwd: gdir,
      heavy: true,
      prep: () => {
        spawnSync('git', ['rebase', '--abort'], { cwd: gdir, env: ENV, stdio: 'ignore' });
        sh('git', ['checkout', '-q', '-f', '-B', 'patch-queue', 'pq-orig'], { cwd: gdir });
        sh('git', ['clean', '-q', '-fdx'], { cwd: gdir });
      },
    },
  ];
  log(`rebase onto 1.1: ${meta.patches} patches (${ctx.reps} reps)`);
  const r = Object.fromEntries((await measure(subjects, ctx.reps)).map((x) => [x.name, x]));
  timeRow('rebase --onto 1.1', 'git rebase -X theirs (patches as commits)', r['pvpatch rebase'], r['git rebase'], 1, '< 1x (faster)');
  ctx.mem.rebase = [r['pvpatch rebase'], 'git rebase', r['git rebase']];
  // What the rebase found (one more run, with --json).
  const dir = path.join(tmp, 'pv-json');
  await rebaseCopy(ws, dir);
  const j = spawnSync(process.execPath, [CLI, '-C', dir, 'rebase', '--onto', '1.1', '--no-review', '--json'], { encoding: 'utf8', env: ENV, maxBuffer: 1 << 30 });
  notes.push(`rebase onto 1.1 (exit ${j.status}): ${summarizeRebase(j.stdout)}. The generator put in ${meta.drop11.conflictingEdits} conflicting edits, ${meta.drop11.staleGuardEdits} changed guarded lines, ${meta.drop11.editsNextToHunks} edits next to hunks, ${meta.drop11.movedFunctions} moved functions, ${meta.drop11.insertedFunctions} inserted and ${meta.drop11.removedFunctions} removed functions, ${meta.drop11.containedUpstream.length} patches taken upstream.`);
  const g = spawnSync('git', ['rev-list', '--count', 'v1.1..HEAD'], { cwd: gdir, encoding: 'utf8', env: ENV });
  notes.push(`git rebase -X theirs kept ${g.stdout.trim()} of ${meta.patches} commits (-X theirs resolves every conflict in favour of the patch, so it runs to the end without stopping; without it git stops at the first conflict).`);
}

function summarizeRebase(stdout) {
  try {
    const d = JSON.parse(stdout);
    const parts = [];
    const count = (xs, key) => {
      const by = {};
      for (const x of xs ?? []) by[x[key]] = (by[x[key]] ?? 0) + 1;
      return Object.entries(by).map(([k, v]) => `${v} ${k}`).join(', ');
    };
    if (Array.isArray(d.patches)) parts.push(`patches: ${count(d.patches, 'status')}`);
    if (Array.isArray(d.items)) parts.push(`review items: ${count(d.items, 'kind')}`);
    for (const k of ['openConflicts', 'conflicts', 'stale', 'dropped', 'completed']) if (d[k] !== undefined && typeof d[k] !== 'object') parts.push(`${k} ${d[k]}`);
    return parts.join('; ') || Object.keys(d).join(', ');
  } catch {
    return 'no JSON summary';
  }
}

async function benchBuild(ctx, { ws }) {
  if (!pvAvailable('build')) {
    naRow('build -j 2', 'build -j 1', 'not available', '≤ 0.67x');
    return;
  }
  const tmp = path.join(WORK, 'tmp', 'build');
  await rmrf(tmp);
  await fsp.mkdir(tmp, { recursive: true });
  const full = path.join(tmp, 'full');
  const made = spawnSync(process.execPath, [CLI, '-C', ws, 'apply', '--out', full], { env: ENV, encoding: 'utf8' });
  if (made.status !== 0) {
    naRow('build -j 2', 'build -j 1', `failed: apply exit ${made.status}`, '≤ 0.67x');
    return;
  }
  // The whole tree is 2,000 files x 12 kernels = 24,000 compiles (~15 min on 2 cores): build a
  // subset instead, the patched files first, spread over the subsystems.
  const all = (await listFiles(full)).filter((f) => f.endsWith('.c'));
  const patched = [];
  for (const f of all) if ((await fsp.readFile(path.join(full, f), 'utf8')).includes('LINUX_VERSION_CODE')) patched.push(f);
  const bySub = new Map();
  for (const f of patched) bySub.set(f.split('/')[0], [...(bySub.get(f.split('/')[0]) ?? []), f]);
  const pick = [];
  for (let i = 0; pick.length < ctx.buildFiles && i < 1000; i++) for (const fs of bySub.values()) if (fs[i] && pick.length < ctx.buildFiles) pick.push(fs[i]);
  const tree = path.join(tmp, 'subset');
  for (const f of pick) {
    await fsp.mkdir(path.dirname(path.join(tree, f)), { recursive: true });
    await fsp.copyFile(path.join(full, f), path.join(tree, f));
  }
  const kernels = JSON.parse(readFileSync(path.join(ws, 'kernels.json'), 'utf8')).kernels.length;
  const jobs = Math.max(2, os.availableParallelism());
  const reps = ctx.reps;
  const subjects = [
    { name: `pvpatch build -j ${jobs}`, cmd: process.execPath, args: [CLI, '-C', ws, 'build', '--out', tree, '-j', String(jobs)], prep: () => rmrf(path.join(tree, '.pvpatch')) },
    { name: 'pvpatch build -j 1', cmd: process.execPath, args: [CLI, '-C', ws, 'build', '--out', tree, '-j', '1'], prep: () => rmrf(path.join(tree, '.pvpatch')) },
  ];
  log(`build: ${kernels} kernels x ${pick.length} files (${reps} reps)`);
  const r = await measure(subjects, reps, 0);
  const ratio = r[0].median && r[1].median ? r[1].median / r[0].median : null;
  timeRow(`build -j ${jobs} (${kernels} kernels × ${pick.length} files)`, 'build -j 1 (kernels one after another)', r[0], r[1], 0.67, `≤ 0.67x (≥ 1.5x speedup)${ratio ? `; speedup ${ratio.toFixed(2)}x` : ''}`);
  ctx.mem.build = [r[0], '—', null];
  notes.push(`build: a subset of ${pick.length} patched files (${bySub.size} subsystems) × ${kernels} kernels = ${pick.length * kernels} gcc -fsyntax-only runs per build; the full tree would be ${all.length * kernels}.`);
}

/** A row of a pvpatch command without a peer: its median time (the memory row follows with the others). */
function soloRow(command, a) {
  rows.push({ command, peer: '—', pv: a ? (a.failed ? `failed (${a.failed.slice(0, 60)})` : fmtMs(a.median)) : 'not available', peerV: '—', ratio: '—', target: '—', met: '—' });
}

/**
 * The other commands a maintainer runs on a tree this size, for their time and peak memory (the
 * 300 MB target is for every command): check (the series applied in memory, every guard linted
 * for 12 kernels), kernels retire --dry-run (the oldest kernel, the plan verified view by view),
 * export --tarball, upstream diff across the drops, and edit + refresh of the first patch in a
 * private copy of the workspace (refresh after one line of its work tree was changed).
 */
async function benchCommands(ctx, { ws }) {
  const tmp = path.join(WORK, 'tmp', 'commands');
  await rmrf(tmp);
  await fsp.mkdir(tmp, { recursive: true });
  const kernels = JSON.parse(readFileSync(path.join(ws, 'kernels.json'), 'utf8')).kernels;
  const oldest = [...kernels].sort((a, b) => versionCode(a.version) - versionCode(b.version))[0].name;
  const first = readFileSync(path.join(ws, 'patches', 'series'), 'utf8').split('\n').find((l) => l.trim() !== '' && !l.startsWith('#'));
  // edit and refresh write into the workspace: a private copy (no cache, no out/ needed there).
  const ews = path.join(tmp, 'ws');
  await fsp.mkdir(path.join(ews, 'upstream'), { recursive: true });
  for (const f of ['kernels.json', '.gitignore']) await fsp.copyFile(path.join(ws, f), path.join(ews, f));
  await fsp.copyFile(path.join(ws, 'upstream', 'drops.json'), path.join(ews, 'upstream', 'drops.json'));
  for (const d of ['patches', 'kernels', 'upstream/1.0', 'upstream/1.1']) cpR(path.join(ws, d), path.join(ews, d));
  const edited = path.join(ews, '.pvpatch', 'edit', 'tree');
  const tarball = path.join(tmp, 'pvdrivers-1.0.tar.gz');
  const pvc = (name, args, extra = {}) => ({ name, cmd: process.execPath, args: [CLI, '-C', ws, ...args], ...extra });
  const subjects = [
    pvc('pvpatch check', ['check']),
    pvc(`pvpatch kernels retire ${oldest} --dry-run`, ['kernels', 'retire', oldest, '--dry-run']),
    pvc('pvpatch export --tarball', ['export', '--tarball', tarball], { prep: () => rmrf(tarball) }),
    pvc('pvpatch upstream diff 1.0 1.1', ['upstream', 'diff', '1.0', '1.1']),
    {
      name: `pvpatch edit ${first}`,
      cmd: process.execPath,
      args: [CLI, '-C', ews, 'edit', first],
      prep: () => spawnSync(process.execPath, [CLI, '-C', ews, 'edit', '--close', '--force'], { env: ENV, stdio: 'ignore' }),
    },
    {
      name: 'pvpatch refresh --dry-run',
      cmd: process.execPath,
      args: [CLI, '-C', ews, 'refresh', '--dry-run'],
      // The edit the row before opened, with one line added to its first file.
      prep: async () => {
        const rel = (await listFiles(edited)).find((f) => f.endsWith('.c'));
        await fsp.appendFile(path.join(edited, rel), '/* bench: one more line */\n');
      },
    },
  ];
  log(`commands: check, kernels retire, export, upstream diff, edit, refresh (${ctx.reps} reps)`);
  const r = await measure(subjects, ctx.reps);
  for (const x of r) {
    const label = x.name.replace(/^pvpatch /, '');
    soloRow(label, x);
    ctx.mem[label] = [x, '—', null];
    ctx.memExtra = [...(ctx.memExtra ?? []), label];
  }
  notes.push(`commands: check, \`kernels retire ${oldest} --dry-run\` (the oldest kernel), \`export --tarball\`, \`upstream diff 1.0 1.1\` on the bench workspace; \`edit ${first}\` and \`refresh --dry-run\` (one line added to a file of the work tree before each run) in a private copy of it. No peer: the rows give the time and the peak memory (target: under 300 MB, as for every command).`);
}

/** KERNEL_VERSION(a,b,c) of "a.b.c". */
function versionCode(v) {
  const [a = 0, b = 0, c = 0] = v.split('.').map(Number);
  return a * 65536 + b * 256 + c;
}

async function benchScaling(ctx) {
  const base = ctx.scale;
  const results = { apply: {}, rebase: {} };
  const hasRebase = pvAvailable('rebase');
  // Every size measured in one interleaved loop (1x included, after a warm-up that records the
  // drops' verified stats): the disk of a shared machine changes speed from minute to minute, and
  // sizes measured minutes apart would compare the disk, not pvpatch.
  const subjects = [];
  const tmps = [];
  for (const f of ctx.factors) {
    const w = f === 1 ? ctx.base : await workspace(ctx.seed, base * f);
    const tmp = path.join(WORK, 'tmp', `scale-${f}`);
    await rmrf(tmp);
    await fsp.mkdir(tmp, { recursive: true });
    tmps.push(tmp);
    const out = path.join(tmp, 'out');
    subjects.push({ name: `apply @${f}x`, factor: f, cmd: process.execPath, args: [CLI, '-C', w.ws, 'apply', '--no-cache', '--out', out], prep: () => rmrf(out) });
    if (hasRebase) subjects.push({ ...rebaseSubject(w.ws, path.join(tmp, 'rebase'), `rebase @${f}x`), factor: f });
    log(`scaling @${f}x: ${w.meta.files} files, ${w.meta.patches} patches, ${w.meta.hunks} hunks`);
  }
  const reps = Math.min(ctx.reps, 3);
  log(`scaling: ${ctx.factors.join('x, ')}x interleaved (${reps} reps, 1 warm-up)`);
  const measured = await measure(subjects, reps, 1);
  measured.forEach((m, i) => {
    const sub = subjects[i];
    results[sub.name.startsWith('apply') ? 'apply' : 'rebase'][sub.factor] = m;
  });
  for (const tmp of tmps) await rmrf(tmp);
  for (const cmd of ['apply', 'rebase']) {
    const one = results[cmd][1];
    for (const f of ctx.factors.slice(1)) {
      const target = +(f * 1.25).toFixed(2);
      if (!results[cmd][f] || !one) {
        naRow(`${cmd} @${f}x size`, `${cmd} @1x`, 'not available', `≤ ${target}x (linear)`);
        continue;
      }
      timeRow(`${cmd} @${f}x size`, `${cmd} @1x`, results[cmd][f], one, target, `≤ ${target}x (linear)`);
      ctx.mem[`${cmd} @${f}x`] = [results[cmd][f], `${cmd} @1x`, one, f];
    }
  }
}

async function profileApply(ctx, { ws }) {
  const dir = path.join(WORK, 'tmp', 'profile');
  await rmrf(dir);
  await fsp.mkdir(dir, { recursive: true });
  const out = path.join(dir, 'out');
  const runs = [
    ['startup (--version)', ['--version']],
    ['apply', ['apply', '--out', out]],
  ];
  if (pvAvailable('view')) {
    spawnSync(process.execPath, [CLI, '-C', ws, 'apply', '--out', path.join(dir, 'tree')], { env: ENV, stdio: 'ignore' });
    runs.push(['view', ['view', '--kernel', VIEW_KERNEL, '--tree', path.join(dir, 'tree'), '--out', path.join(dir, 'view')]]);
  }
  if (pvAvailable('rebase')) {
    await rebaseCopy(ws, path.join(dir, 'rb'));
    runs.push(['rebase', ['rebase', '--onto', '1.1', '--no-review']]);
  }
  for (const [name, args] of runs) {
    const pdir = path.join(dir, `prof-${name}`);
    const target = name === 'rebase' ? path.join(dir, 'rb') : ws;
    spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', pdir, CLI, '-C', target, ...args], { env: ENV, stdio: 'ignore' });
    const files = existsSync(pdir) ? (await fsp.readdir(pdir)).filter((f) => f.endsWith('.cpuprofile')) : [];
    if (files.length === 0) continue;
    const text = summarizeProfile(JSON.parse(readFileSync(path.join(pdir, files[0]), 'utf8')), { root: ROOT, top: 12 });
    ctx.profiles.push({ name, text });
  }
}

// ---------------------------------------------------------------------------------------------
// Report

function renderTable(rs) {
  const head = ['command', 'peer', 'pvpatch median', 'peer median', 'ratio', 'target', 'met?'];
  const cells = rs.map((r) => [r.command, r.peer, r.pv, r.peerV, r.ratio, r.target, r.met]);
  const w = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c) => c.map((x, i) => x.padEnd(w[i])).join('  ').trimEnd();
  return [line(head), line(w.map((n) => '-'.repeat(n))), ...cells.map(line)].join('\n');
}

function renderMarkdown(rs) {
  const esc = (s) => s.replace(/\|/g, '\\|');
  const head = '| command | peer | pvpatch median | peer median | ratio | target | met? |\n|---|---|---:|---:|---:|---|---|';
  return [head, ...rs.map((r) => `| ${[r.command, r.peer, r.pv, r.peerV, r.ratio, r.target, r.met].map(esc).join(' | ')} |`)].join('\n');
}

/**
 * How long this file system takes to create 2,000 empty files in a new directory (ms). The files
 * are kept (removing them would slow the creates that follow: see results.md) until removeProbes.
 */
function createProbe(tag) {
  const dir = path.join(WORK, `probe-${process.pid}-${tag}`);
  mkdirSync(dir, { recursive: true });
  const t0 = performance.now();
  for (let i = 0; i < 2000; i++) writeFileSync(path.join(dir, `f${i}`), '');
  return performance.now() - t0;
}

async function removeProbes() {
  for (const n of await fsp.readdir(WORK)) if (n.startsWith('probe-')) await rmrf(path.join(WORK, n));
}

/** The heading of results.md's notes written by hand: a run keeps them (up to the next heading it writes). */
const KEPT_NOTES = '## Notes written by hand (kept when the bench rewrites this file)';

/** The hand-written notes of the results file `file`, from KEPT_NOTES up to "## How each row is measured"; '' when none. */
function keptNotes(file) {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return '';
  }
  const start = text.indexOf(KEPT_NOTES);
  if (start < 0) return '';
  const end = text.indexOf('\n## How each row is measured', start);
  return (end < 0 ? text.slice(start) : text.slice(start, end)).trimEnd();
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const loadBefore = os.loadavg();
  if (loadBefore[0] > os.availableParallelism()) log(`warning: load average ${loadBefore[0].toFixed(1)} on ${os.availableParallelism()} cores: other work is running, times will be noisy`);
  await fsp.mkdir(WORK, { recursive: true });
  const createBefore = createProbe('start');
  ensureTools();
  if (!existsSync(timeBin)) timeBin = '/nonexistent';
  if (!existsSync(CLI)) throw new Error(`${path.relative(process.cwd(), CLI)} is missing: run "npm run build" first (npm run bench does)`);
  const want = (s) => !opts.only || opts.only.has(s);
  const base = await workspace(opts.seed, opts.scale);
  const ctx = { ...opts, base, mem: {}, profiles: [] };
  if (want('apply')) await benchApply(ctx, base);
  if (want('apply')) await benchApplyInMemory(ctx, base);
  if (want('view')) await benchView(ctx, base);
  if (want('rebase')) await benchRebase(ctx, base);
  if (want('build')) await benchBuild(ctx, base);
  if (want('commands')) await benchCommands(ctx, base);
  if (want('scaling') && opts.scaling) await benchScaling(ctx);
  const memOrder = ['apply', 'view', 'rebase', 'build', ...(ctx.memExtra ?? []), ...Object.keys(ctx.mem).filter((k) => k.includes('@'))];
  for (const k of memOrder) if (ctx.mem[k]) memRow(k, ctx.mem[k][0], ctx.mem[k][1], ctx.mem[k][2], ctx.mem[k][3] ?? null);
  if (opts.profile) await profileApply(ctx, base);
  const createAfter = createProbe('end');
  await rmrf(path.join(WORK, 'tmp'));
  await removeProbes();

  const elapsed = (Date.now() - started) / 1000;
  const loadAfter = os.loadavg();
  const m = base.meta;
  const cpu = os.cpus()[0]?.model ?? '?';
  const header = [
    `# pvpatch benchmarks`,
    '',
    `Date: ${new Date().toISOString()} · machine: ${os.availableParallelism()} cores (${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB · ${os.type()} ${os.release()} · node ${process.version}`,
    '',
    `Peers: ${toolVersion('git', ['--version'])} · ${toolVersion('quilt', ['--version']).replace(/^/, 'quilt ')} · ${toolVersion('patch', ['--version'])} · unifdef ${toolVersion('unifdef', ['-V']).replace(/^.*unifdef-/, '')} · ${toolVersion('gcc', ['--version'])} · ${toolVersion('cp', ['--version'])}`,
    '',
    `Workspace (seed ${m.seed}, scale ${m.scale}): drop 1.0 = ${m.files} C files, ${m.lines.toLocaleString('en')} lines (${(m.bytes / 2 ** 20).toFixed(1)} MiB) in ${m.subsystems} subsystems; ${m.patches} patches with ${m.hunks} hunks, ${m.guards} of them adding \`#if LINUX_VERSION_CODE\` guards (${m.hunkKinds.guard} #if/#else/#endif around upstream lines, ${m.hunkKinds['guard-only']} #if/#endif, ${m.hunkKinds.compat} compat blocks after the includes), the rest ${m.hunkKinds.msg} plain line edits and ${m.hunkKinds.include} added #include lines; ${m.kernels} kernels; drop 1.1 = ${m.drop11.files} files, ${m.drop11.changedFiles} changed.`,
    '',
    `Load average (1 min) at the start ${loadBefore[0].toFixed(1)}, at the end ${loadAfter[0].toFixed(1)}${Math.max(loadBefore[0], loadAfter[0]) > os.availableParallelism() ? ' — above the core count: other work shared the machine, so absolute times (and the build speedup) are pessimistic' : ''}. Creating 2,000 empty files in a new directory of the work dir took ${fmtMs(createBefore)} at the start and ${fmtMs(createAfter)} at the end (the rows that write trees, \`cp -r\` among them, move with it).`,
    '',
    `Each time is the median of ${opts.reps} runs, pvpatch and its peer interleaved, after one untimed warm-up (none for quilt and git rebase, whose inputs are freshly copied); ratio = pvpatch / peer (below 1 = pvpatch faster). Scaling rows: ${Math.min(opts.reps, 3)} runs of every size interleaved in one loop (1x measured there again, with apply --no-cache), after one warm-up. Peak RSS is the largest "Maximum resident set size" of /usr/bin/time -v over the runs. Whole run: ${elapsed.toFixed(0)} s${opts.quick ? ' (--quick)' : ''}.`,
  ].join('\n');
  const table = renderTable(rows);
  process.stdout.write(`\n${table}\n\n`);
  for (const n of notes) process.stdout.write(`- ${n}\n`);
  const method = [
    '## How each row is measured',
    '',
    '- **apply**: `node dist/cli.js -C WS apply --out DIR` (annotated tree + manifest) into a removed DIR (or a kept one), in four states of the workspace\'s `.pvpatch/cache`: *cache warm* (the default after an earlier apply of the same inputs: the tree is made as that apply recorded it in `.pvpatch/cache/apply-tree`: hard links to the files of its store, made by `cp -RPl` started while the CLI loads, then every entry checked, every file by the lstat of the store\'s file and every drop file by the lstat it had then, and so are kernels.json, drops.json, the series and the patches, so that the workspace is not even read; nothing is applied, no patch is read, no file\'s bytes are read or written), *tree in place* (the same, into the tree an untimed apply just made: found to be that tree, nothing written), *--no-cache* (every hunk applied, annotated and described again; only the drop\'s verified-stat record is used), and *first run* (the cache directory removed before each run: every drop file read and hashed, every hunk applied, the results stored). *One patch edited* runs in a private copy of the workspace, the first patch of the series given a new description line before every run (untimed), so that the files it touches are applied again and the rest is linked from the last tree\'s store (its own `git apply` runs are interleaved with it). Peers on the same drop and series: `git apply` of the whole series concatenated into one file, in a git work tree of drop 1.0 (reset between runs); `quilt push -a -q` with QUILT_PATCHES pointing at the series, in a fresh copy; a `patch -p1 -s` loop over the series in a fresh copy; `cp -r` of the drop (the I/O floor). *In memory*: the warm and the --no-cache apply, `git apply` and `cp -r` again, with a copy of the workspace, the trees and the git work tree on tmpfs (`/dev/shm`), where creating a file costs no disk allocation.',
    `- **view**: \`view --kernel ${VIEW_KERNEL} --tree OUT --out DIR\` over the annotated tree apply wrote. Peers on a copy of that tree where \`KERNEL_VERSION(a,b,c)\`, \`RHEL_RELEASE_VERSION\` and \`SLE_VERSION\` are replaced by numbers: \`unifdef -k -DLINUX_VERSION_CODE=N -D/-U…\` once per file (a shell loop), and once with \`-m\` over all files.`,
    '- **rebase**: `rebase --onto 1.1 --no-review` in a private copy of the workspace (exit 1 = stopped for review, which is expected: the drop has conflicts and changed guarded lines). Peer: the git-buildpackage way — upstream 1.0 and 1.1 as commits, the series as commits on 1.0 (`git am`, not timed), then only `git rebase -X theirs v1.1` is timed.',
    '- **build**: `build --out SUBSET -j N` vs `-j 1` (kernels one after another) on a subset of the patched files (see notes).',
    '- **commands**: `check`, `kernels retire OLDEST --dry-run`, `export --tarball`, `upstream diff 1.0 1.1` on the workspace, `edit FIRST` (the open edit closed with --force before each run) and `refresh --dry-run` (after one line was added to a .c file of its work tree) in a private copy of it; no peer: time and peak memory only.',
    `- **scaling**: apply and rebase on workspaces generated at ${opts.factors.map((f) => `${f}x`).join(', ')} the base size; linear growth means a ratio near the size factor (target: at most 1.25 × the factor).`,
  ].join('\n');
  const raw = ['## All runs', '', ...rawRuns.map((o) => `- ${o.name}: ${o.failed ? `failed (${o.failed})` : `${o.ms.map((x) => fmtMs(x)).join(', ')} (median ${fmtMs(o.median)}, peak ${fmtMb(o.rssKb)})`}`)].join('\n');
  const prof = ctx.profiles.map((p) => `### ${p.name}\n\n\`\`\`\n${p.text}\n\`\`\``).join('\n\n');
  const kept = keptNotes(path.join(BENCH, 'results.md'));
  const md = `${header}\n\n${renderMarkdown(rows)}\n\n${notes.map((n) => `- ${n}`).join('\n')}\n\n${kept ? `${kept}\n\n` : ''}${method}\n\n${raw}\n${prof ? `\n## CPU profiles (node --cpu-prof)\n\n${prof}\n` : ''}`;
  writeFileSync(path.join(BENCH, 'results.md'), md);
  process.stdout.write(`\nwritten to bench/results.md (${elapsed.toFixed(0)} s)\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    process.stderr.write(`bench: ${err.stack ?? err}\n`);
    process.exit(1);
  });
}
