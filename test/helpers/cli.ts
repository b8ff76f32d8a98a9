// Run the real pvpatch binary (dist/cli.js, built by `npm test`'s pretest) as a user would.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { promises as fsp } from 'node:fs';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = path.join(REPO, 'dist', 'cli.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function pvpatch(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? REPO,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    input: options.input,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status ?? 128, stdout: r.stdout, stderr: r.stderr };
}

/** A fresh temp directory, removed by the returned cleanup. */
export async function tempDir(prefix = 'pvpatch-test-'): Promise<string> {
  return fsp.mkdtemp(path.join(os.tmpdir(), prefix));
}

/** Write a tree given as { 'a/b.c': 'text' } under dir. */
export async function writeTree(dir: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(dir, rel);
    await fsp.mkdir(path.dirname(p), { recursive: true });
    await fsp.writeFile(p, content);
  }
}

/** Every file under dir (relative paths → content), skipping the given top-level names. */
export async function readTree(dir: string, skip: string[] = []): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  async function walk(rel: string): Promise<void> {
    for (const e of await fsp.readdir(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (skip.includes(r)) continue;
      if (e.isDirectory()) await walk(r);
      else out[r] = await fsp.readFile(path.join(dir, r), 'utf8');
    }
  }
  await walk('');
  return out;
}

/** Copy the repository's embedded sample workspace (kernels.json, kernels/, upstream/, patches/) to a temp dir. */
export async function copySampleWorkspace(): Promise<string> {
  const dir = await tempDir('pvpatch-ws-');
  for (const name of ['kernels.json', 'kernels', 'upstream', 'patches']) {
    await fsp.cp(path.join(REPO, name), path.join(dir, name), { recursive: true });
  }
  return dir;
}
