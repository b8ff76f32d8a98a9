// Helpers of the security and crash tests: whole-tree snapshots (to prove nothing changed on disk),
// stray temp files, the real CLI with a private TMPDIR, peak memory of a run.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { CLI, REPO } from '../helpers/cli.js';

/** Every entry under `dir`: 'd' for a directory, 'l:<target>' for a symlink, 'f:<mode>:<sha256>' for a file. */
export async function snapshot(dir: string, options: { skip?: (rel: string) => boolean } = {}): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  async function walk(rel: string): Promise<void> {
    const abs = rel ? path.join(dir, rel) : dir;
    const st = await fsp.lstat(abs);
    if (st.isSymbolicLink()) {
      out.set(rel, `l:${await fsp.readlink(abs)}`);
    } else if (st.isDirectory()) {
      out.set(rel, 'd');
      for (const name of (await fsp.readdir(abs)).sort()) {
        const r = rel ? `${rel}/${name}` : name;
        if (!options.skip?.(r)) await walk(r);
      }
    } else {
      out.set(rel, `f:${(st.mode & 0o777).toString(8)}:${createHash('sha256').update(await fsp.readFile(abs)).digest('hex')}`);
    }
  }
  if (existsSync(dir)) await walk('');
  return out;
}

/** The differences of two snapshots, as readable lines (empty when equal). */
export function diffSnapshots(a: Map<string, string>, b: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [k, v] of a) if (b.get(k) !== v) out.push(`${b.has(k) ? 'changed' : 'removed'}: ${k || '.'}`);
  for (const k of b.keys()) if (!a.has(k)) out.push(`added: ${k || '.'}`);
  return out;
}

/** Names of temp files and dirs of pvpatch's atomic writes anywhere under `dir`. */
export async function strayTemps(dir: string): Promise<string[]> {
  const found: string[] = [];
  const snap = await snapshot(dir, { skip: (rel) => rel === '.git' || rel.startsWith('.git/') });
  for (const rel of snap.keys()) if (/\.pvpatch-(tmp|new|old|del)-/.test(path.basename(rel))) found.push(rel);
  return found;
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The real CLI, with its own TMPDIR (so that what it leaves in the temp dir can be checked). */
export function cli(args: string[], options: { cwd: string; tmp?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Run {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: '1', ...(options.tmp ? { TMPDIR: options.tmp } : {}), ...options.env },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: options.timeoutMs ?? 60_000,
  });
  return { code: r.status ?? 128, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/**
 * Run the CLI asynchronously (so that several run at once, or one can be killed). It runs in a
 * process group of its own: `killAfterMs` SIGKILLs the whole group (pvpatch and the tar or git it runs).
 */
export function cliAsync(args: string[], options: { cwd: string; tmp?: string; env?: NodeJS.ProcessEnv; killAfterMs?: number }): Promise<Run & { killed: boolean; ms: number }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd,
      env: { ...process.env, NO_COLOR: '1', ...(options.tmp ? { TMPDIR: options.tmp } : {}), ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    let killed = false;
    const timer = options.killAfterMs === undefined ? undefined : setTimeout(() => {
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
        killed = true;
      } catch {
        // Already gone.
      }
    }, options.killAfterMs);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code: code ?? 128, stdout, stderr, killed: killed && signal === 'SIGKILL', ms: Date.now() - started });
    });
  });
}

/** Peak RSS (KiB) of the CLI on `args`, from GNU time -v when installed, else from the child itself. */
export function peakRss(args: string[], options: { cwd: string; tmp?: string }): Run & { maxRssKiB: number; how: string } {
  const env = { ...process.env, NO_COLOR: '1', ...(options.tmp ? { TMPDIR: options.tmp } : {}) };
  if (existsSync('/usr/bin/time')) {
    const r = spawnSync('/usr/bin/time', ['-v', process.execPath, CLI, ...args], { cwd: options.cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
    return { code: r.status ?? 128, stdout: r.stdout, stderr: r.stderr.replace(/\n?\tCommand being timed:[\s\S]*$/, ''), maxRssKiB: Number(m?.[1] ?? -1), how: '/usr/bin/time -v' };
  }
  // process.resourceUsage().maxRSS of a child that imports the CLI and reports at exit.
  const probe = `process.on('exit', () => process.stderr.write('\\nMAXRSS ' + process.resourceUsage().maxRSS + '\\n')); process.argv = [process.argv[0], ${JSON.stringify(CLI)}, ...${JSON.stringify(args)}]; await import(${JSON.stringify('file://' + CLI)});`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { cwd: options.cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const m = /MAXRSS (\d+)/.exec(r.stderr);
  return { code: r.status ?? 128, stdout: r.stdout, stderr: r.stderr.replace(/\nMAXRSS \d+\n$/, ''), maxRssKiB: Number(m?.[1] ?? -1), how: 'process.resourceUsage()' };
}

export { REPO };
