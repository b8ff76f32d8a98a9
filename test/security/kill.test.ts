// Crashes and concurrency. pvpatch is SIGKILLed (with the tar/git it runs: its process group) at a
// random point of `apply`, `rebase --onto`, `rebase --continue` (the run that completes the rebase),
// `kernels retire` and `upstream import`, PVPATCH_KILL_RUNS times each (default 50), on copies of the
// sample workspace in a git repository. After each kill:
//   - the next pvpatch command (here `status`, which only reads) finds the workspace byte for byte
//     as before the command or as after it (reference states computed once; ISO dates normalized):
//     a command that died is rolled back (src/io/undo.ts), interrupted atomic writes are undone;
//   - no temp file is left anywhere, and `git status` is that of the before or the after state;
//   - the next command is not blocked by the dead process's lock (stale lock recovery) and works:
//     the killed command run again gives the after state; `rebase --abort` and `--continue` work;
//   - nothing of the run is left in its TMPDIR.
// The kill delay is random in [0, 1.1 D], D the command's measured duration, denser towards D (where
// the writes are: node itself takes about the first half to start).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { REPO, tempDir } from '../helpers/cli.js';
import { cli, cliAsync, snapshot, strayTemps, type Run } from './helpers.js';

const RUNS = Number(process.env.PVPATCH_KILL_RUNS ?? 50);
const PARALLEL = Number(process.env.PVPATCH_KILL_PARALLEL ?? 2);

let base: string;
beforeAll(async () => {
  base = await tempDir('pvpatch-kill-');
});
afterAll(async () => {
  await fsp.rm(base, { recursive: true, force: true });
});

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.email=t@example.org', '-c', 'user.name=t', ...args], { cwd: dir, encoding: 'utf8' });
}

/**
 * The state compared: every file (not directories, not .git, not the lock, not .pvpatch/cache: what
 * apply verified of a drop, which any run may or may not record, depending on the files' age), ISO
 * dates normalized.
 */
async function state(ws: string): Promise<Map<string, string>> {
  const snap = await snapshot(ws, { skip: (rel) => rel === '.git' || rel === '.pvpatch/lock' || rel === '.pvpatch/cache' });
  const out = new Map<string, string>();
  for (const [rel, entry] of snap) {
    if (entry === 'd') continue;
    if (/\.(json|md)$/.test(rel)) {
      const text = (await fsp.readFile(path.join(ws, rel), 'utf8')).replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, 'DATE');
      out.set(rel, `json:${createHash('sha256').update(text).digest('hex')}`);
    } else out.set(rel, entry);
  }
  return out;
}

function same(a: Map<string, string>, b: Map<string, string>): boolean {
  return a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
}

function differences(a: Map<string, string>, b: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [k, v] of a) if (b.get(k) !== v) out.push(`${b.has(k) ? '~' : '-'}${k}`);
  for (const k of b.keys()) if (!a.has(k)) out.push(`+${k}`);
  return out.slice(0, 12);
}

function gitStatus(ws: string): string {
  return git(ws, 'status', '--porcelain', '--untracked-files=all');
}

/** Copy a directory with everything in it (cp -a keeps .git and modes). */
function copy(from: string, to: string): void {
  execFileSync('cp', ['-a', from, to]);
}

/** A git repository holding the sample workspace (as committed: kernels.json, kernels/, upstream/, patches/). */
async function sampleRepo(dir: string): Promise<void> {
  await fsp.mkdir(dir, { recursive: true });
  for (const name of ['kernels.json', 'kernels', 'upstream', 'patches']) await fsp.cp(path.join(REPO, name), path.join(dir, name), { recursive: true });
  await fsp.writeFile(path.join(dir, '.gitignore'), 'out/\n.pvpatch/\n');
  git(dir, 'init', '-q');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'sample');
}

/** Decide every open review item (conflicts: both sides; stale guards: reviewed) and --continue until the last run is next. */
async function resolveAll(ws: string, tmp: string): Promise<void> {
  for (let round = 0; round < 6; round++) {
    const items = JSON.parse(cli(['review', '--json'], { cwd: ws, tmp }).stdout) as { items: { id: string; kind: string; status: string }[] };
    for (const i of items.items.filter((x) => x.status === 'open')) {
      const r = cli(['resolve', i.id, ...(i.kind === 'conflict' ? ['--take', 'both'] : ['--reviewed'])], { cwd: ws, tmp });
      expect(r.code, r.stderr).toBe(0);
    }
    // Would the next --continue complete? Try it on a copy.
    const probe = `${ws}.probe`;
    copy(ws, probe);
    const r = cli(['rebase', '--continue', '--no-review'], { cwd: probe, tmp });
    await fsp.rm(probe, { recursive: true, force: true });
    if (r.code === 0) return;
    expect(r.code, r.stderr).toBe(1);
    expect(cli(['rebase', '--continue', '--no-review'], { cwd: ws, tmp }).code).toBe(1);
  }
  throw new Error('the sample rebase did not complete after 6 rounds of decisions');
}

interface Scenario {
  name: string;
  args: string[];
  /** Exit code of the command when it runs to the end. */
  code: number;
  /** Bring a fresh sample repository into the state the command starts from. */
  prepare?: (ws: string, tmp: string) => Promise<void>;
}

const scenarios: Scenario[] = [
  { name: 'apply', args: ['apply'], code: 0 },
  { name: 'rebase --onto', args: ['rebase', '--onto', '1.1', '--no-review'], code: 1 },
  {
    name: 'rebase --continue',
    args: ['rebase', '--continue', '--no-review'],
    code: 0,
    prepare: async (ws, tmp) => {
      expect(cli(['rebase', '--onto', '1.1', '--no-review'], { cwd: ws, tmp }).code).toBe(1);
      await resolveAll(ws, tmp);
    },
  },
  { name: 'kernels retire', args: ['kernels', 'retire', 'sles9'], code: 0 },
  {
    name: 'upstream import',
    args: ['upstream', 'import', 'SOURCE', '--version', '1.2'],
    code: 0,
  },
];

interface Outcome {
  killed: number;
  finished: number;
  before: number;
  after: number;
  /** Runs where the workspace right after the kill was neither state (the next command put it right). */
  recovered: number;
}

describe('SIGKILL at random points', () => {
  const report: string[] = [];
  afterAll(() => {
    process.stdout.write(`\nkill runs (${RUNS} per command):\n${report.join('\n')}\n`);
  });

  for (const sc of scenarios) {
    it(`${sc.name}: the workspace is as before or as after, and the next command works`, async () => {
      const dir = path.join(base, sc.name.replace(/\W+/g, '-'));
      const tmp = path.join(dir, 'tmp');
      await fsp.mkdir(tmp, { recursive: true });
      const template = path.join(dir, 'template');
      await sampleRepo(template);
      let args = sc.args;
      if (sc.name === 'upstream import') {
        // A tarball of drop 1.1 with one change: the import goes through tar and the temp dir.
        const src = path.join(dir, 'src', 'xen-1.2');
        await fsp.cp(path.join(template, 'upstream', '1.1'), src, { recursive: true });
        const files = (await fsp.readdir(src, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
        const first = files[0];
        if (!first) throw new Error('drop 1.1 is empty');
        await fsp.appendFile(path.join(first.parentPath, first.name), '/* 1.2 */\n');
        const tarball = path.join(dir, 'xen-1.2.tar.gz');
        execFileSync('tar', ['-czf', tarball, '-C', path.dirname(src), 'xen-1.2']);
        args = args.map((a) => (a === 'SOURCE' ? tarball : a));
      }
      await sc.prepare?.(template, tmp);
      const before = await state(template);
      const beforeGit = gitStatus(template);

      // The after state, and the command's duration: the median of 2 x PARALLEL runs, PARALLEL at a
      // time (as the killed runs go).
      const durations: number[] = [];
      let after: Map<string, string> | undefined;
      let afterGit = '';
      for (let k = 0; k < 2 * PARALLEL; k += PARALLEL) {
        await Promise.all(Array.from({ length: PARALLEL }, async (_, j) => {
          const ws = path.join(dir, `ref${k + j}`);
          copy(template, ws);
          const r = await cliAsync(args, { cwd: ws, tmp });
          expect(r.code, r.stderr).toBe(sc.code);
          durations.push(r.ms);
          const st = await state(ws);
          if (after === undefined) {
            after = st;
            afterGit = gitStatus(ws);
          } else expect(differences(after, st)).toEqual([]);
          await fsp.rm(ws, { recursive: true, force: true });
        }));
      }
      if (after === undefined) throw new Error('no reference run');
      const afterState = after;
      expect(same(before, afterState)).toBe(false);
      const D = [...durations].sort((a, b) => a - b)[Math.floor(durations.length / 2)] as number;

      const outcome: Outcome = { killed: 0, finished: 0, before: 0, after: 0, recovered: 0 };
      const one = async (i: number): Promise<void> => {
        const ws = path.join(dir, `run${i}`);
        copy(template, ws);
        // Up to a little past D, so that some runs end first (or are killed while they clean up).
        const delay = Math.round(1.1 * D * Math.sqrt(Math.random()));
        const r = await cliAsync(args, { cwd: ws, tmp, killAfterMs: delay });
        if (r.killed) outcome.killed++;
        else {
          outcome.finished++;
          expect(r.code, r.stderr).toBe(sc.code);
        }
        const right = await state(ws);
        const where = `${sc.name} run ${i} (killed at ${delay} of ${D} ms)`;
        // The next command (one that only reads) recovers what needs recovering.
        const status = await cliAsync(['status', '--json'], { cwd: ws, tmp });
        expect(status.code, `${where}: ${status.stderr}`).toBe(0);
        const now = await state(ws);
        const isBefore = same(now, before);
        const isAfter = same(now, afterState);
        expect(isBefore || isAfter, `${where}: neither before (${differences(before, now).join(' ')}) nor after (${differences(afterState, now).join(' ')})`).toBe(true);
        if (isBefore) outcome.before++;
        else outcome.after++;
        if (!same(right, now)) outcome.recovered++;
        expect(await strayTemps(ws), where).toEqual([]);
        expect(gitStatus(ws), where).toBe(isBefore ? beforeGit : afterGit);

        // The next command is not blocked by the dead process's lock, and works.
        const next = async (a: string[], code: number): Promise<Run> => {
          const n = await cliAsync(a, { cwd: ws, tmp });
          expect(n.stderr, `${where}: ${a.join(' ')}`).not.toMatch(/locked by|internal error/);
          expect(n.code, `${where}: ${a.join(' ')}: ${n.stderr}`).toBe(code);
          return n;
        };
        // The killed command run again gets to the after state (every third run, to keep the file
        // fast; `rebase --continue` always).
        if (isBefore && (sc.name === 'rebase --continue' || i % 3 === 0)) {
          await next(args, sc.code);
          expect(differences(afterState, await state(ws)), where).toEqual([]);
        }
        if (sc.name === 'rebase --onto' && (isAfter || i % 3 === 0)) {
          await next(['rebase', '--abort'], 0);
          expect(differences(before, await state(ws)), where).toEqual([]);
          expect(gitStatus(ws), where).toBe(beforeGit);
        } else if (sc.name === 'apply' && isAfter && i % 3 === 0) {
          await next(['apply'], 0);
        }
        expect(await fsp.stat(path.join(ws, '.pvpatch', 'lock')).catch(() => null), `${where}: lock left`).toBeNull();
        expect(await strayTemps(ws), where).toEqual([]);
        await fsp.rm(ws, { recursive: true, force: true });
      };
      for (let i = 0; i < RUNS; i += PARALLEL) {
        await Promise.all(Array.from({ length: Math.min(PARALLEL, RUNS - i) }, (_, k) => one(i + k)));
      }
      expect(await fsp.readdir(tmp), `${sc.name}: left in TMPDIR`).toEqual([]);
      expect(outcome.killed + outcome.finished).toBe(RUNS);
      report.push(`  ${sc.name.padEnd(18)} D=${D} ms: ${outcome.killed} killed, ${outcome.finished} finished first; then ${outcome.before} as before, ${outcome.after} as after; ${outcome.recovered} put right by the next command`);
    }, 600_000);
  }
});

describe('the workspace lock', () => {
  async function sample(): Promise<{ ws: string; tmp: string }> {
    const dir = await fsp.mkdtemp(path.join(base, 'lock-'));
    const ws = path.join(dir, 'ws');
    const tmp = path.join(dir, 'tmp');
    await fsp.mkdir(tmp);
    await sampleRepo(ws);
    return { ws, tmp };
  }

  it('stops a second process while the first holds it, naming the holder\'s pid; a dead holder\'s lock is taken over', async () => {
    const { ws, tmp } = await sample();
    await fsp.mkdir(path.join(ws, '.pvpatch'));
    const holder = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      await fsp.writeFile(path.join(ws, '.pvpatch', 'lock'), JSON.stringify({ pid: holder.pid, command: 'rebase' }) + '\n');
      const before = await state(ws);
      const r = cli(['apply'], { cwd: ws, tmp });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`the workspace is locked by pvpatch process ${holder.pid} \\(rebase\\)`));
      expect(differences(before, await state(ws))).toEqual([]);
    } finally {
      holder.kill('SIGKILL');
      await new Promise((resolve) => holder.once('exit', resolve));
    }
    const r = cli(['apply'], { cwd: ws, tmp });
    expect(r.code, r.stderr).toBe(0);
    await expect(fsp.access(path.join(ws, '.pvpatch', 'lock'))).rejects.toThrow();
  });

  it('takes over an empty (torn) lock, and one whose pid now belongs to a later process', async () => {
    const { ws, tmp } = await sample();
    await fsp.mkdir(path.join(ws, '.pvpatch'));
    await fsp.writeFile(path.join(ws, '.pvpatch', 'lock'), '');
    expect(cli(['apply'], { cwd: ws, tmp }).code).toBe(0);
    // The test runner is alive, but it did not start at the time the lock says.
    await fsp.writeFile(path.join(ws, '.pvpatch', 'lock'), JSON.stringify({ pid: process.pid, start: '1', command: 'apply' }) + '\n');
    const r = cli(['apply'], { cwd: ws, tmp });
    expect(r.code, r.stderr).toBe(0);
  });

  it('never lets two processes hold it when several take over the same stale lock at once', async () => {
    const dir = await fsp.mkdtemp(path.join(base, 'race-'));
    await fsp.mkdir(path.join(dir, '.pvpatch'));
    const log = path.join(dir, 'holders.log');
    // Each contender waits for the same instant, takes the lock, logs "in", holds it briefly, logs "out".
    const script = [
      `import { acquireLock } from ${JSON.stringify(path.join(REPO, 'dist', 'io', 'lock.js'))};`,
      "import { appendFileSync } from 'node:fs';",
      'const [root, log, go] = process.argv.slice(2);',
      'while (Date.now() < Number(go)) {}',
      'try {',
      "  const lock = await acquireLock(root, 'race');",
      '  appendFileSync(log, `in ${process.pid}\\n`);',
      '  await new Promise((r) => setTimeout(r, 30));',
      '  appendFileSync(log, `out ${process.pid}\\n`);',
      '  await lock.release();',
      "} catch (err) { if (!/locked by pvpatch process/.test(String(err.message))) throw err; }",
    ].join('\n');
    const file = path.join(dir, 'contender.mjs');
    await fsp.writeFile(file, script);
    let rounds = 0;
    for (let round = 0; round < 15; round++) {
      // A stale lock: a pid that is not running.
      await fsp.writeFile(path.join(dir, '.pvpatch', 'lock'), JSON.stringify({ pid: 2 ** 22 + 12345, command: 'dead' }) + '\n');
      await fsp.rm(log, { force: true });
      const go = String(Date.now() + 400);
      const codes = await Promise.all(Array.from({ length: 6 }, () => new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, [file, dir, log, go], { stdio: ['ignore', 'ignore', 'inherit'] });
        child.on('exit', resolve);
      })));
      expect(codes.every((c) => c === 0)).toBe(true);
      const events = (await fsp.readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean);
      expect(events.length).toBeGreaterThan(0);
      // Strictly one holder at a time: "in A", "out A", "in B", "out B", ...
      for (let i = 0; i < events.length; i += 2) {
        const pid = (events[i] as string).split(' ')[1];
        expect([events[i], events[i + 1]], events.join(', ')).toEqual([`in ${pid}`, `out ${pid}`]);
      }
      await expect(fsp.access(path.join(dir, '.pvpatch', 'lock'))).rejects.toThrow();
      await expect(fsp.access(path.join(dir, '.pvpatch', 'lock.break'))).rejects.toThrow();
      rounds++;
    }
    expect(rounds).toBe(15);
  });

  it('lets concurrent commands run one at a time: each works or says who holds the lock', async () => {
    const { ws, tmp } = await sample();
    let imported = 0;
    for (let k = 0; k < 8; k++) {
      const [a, b] = await Promise.all([cliAsync(['apply'], { cwd: ws, tmp }), cliAsync(['upstream', 'import', path.join(ws, 'upstream', '1.1'), '--version', `9.${k}`], { cwd: ws, tmp })]);
      for (const r of [a, b]) {
        if (r.code !== 0) expect(r.stderr).toMatch(/the workspace is locked by pvpatch process \d+ \((apply|upstream import)\)/);
      }
      if (b.code === 0) imported++;
      expect(await strayTemps(ws)).toEqual([]);
    }
    // Every import that ran is recorded, and its tree is complete.
    const list = JSON.parse(cli(['upstream', 'list', '--json'], { cwd: ws, tmp }).stdout) as { drops: { version: string }[] };
    expect(list.drops.length).toBe(2 + imported);
    for (const d of list.drops) expect((await fsp.readdir(path.join(ws, 'upstream', d.version))).length).toBeGreaterThan(0);
  });
});
