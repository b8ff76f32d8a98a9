import { describe, expect, it } from 'vitest';
import { promises as fsp } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { copySampleWorkspace, pvpatch, tempDir } from '../helpers/cli.js';

/** The sample workspace with drop 1.0 imported (older checkouts ship upstream/1.0 without drops.json). */
async function sampleWorkspace(): Promise<string> {
  const ws = await copySampleWorkspace();
  try {
    await fsp.access(path.join(ws, 'upstream', 'drops.json'));
  } catch {
    const src = await tempDir('pvpatch-drop-');
    await fsp.rename(path.join(ws, 'upstream', '1.0'), path.join(src, '1.0'));
    const r = pvpatch(['upstream', 'import', path.join(src, '1.0'), '--version', '1.0'], { cwd: ws });
    if (r.code !== 0) throw new Error(r.stderr);
  }
  return ws;
}

const hasGit = spawnSync('git', ['--version'], { stdio: 'ignore' }).status === 0;

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Pat Maintainer', GIT_AUTHOR_EMAIL: 'pat@example.org', GIT_COMMITTER_NAME: 'Pat Maintainer', GIT_COMMITTER_EMAIL: 'pat@example.org',
  GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null',
};

function git(ws: string, args: string[], date: string): void {
  execFileSync('git', args, { cwd: ws, env: { ...process.env, ...GIT_ENV, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date }, stdio: 'pipe' });
}

describe('pvpatch log', () => {
  it('says clearly that it needs git when the workspace is not a repository', async () => {
    const ws = await sampleWorkspace();
    const r = pvpatch(['log', 'blkfront/elevator-noop'], { cwd: ws, env: { GIT_CEILING_DIRECTORIES: path.dirname(ws) } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^pvpatch: .* is not in a git repository: a patch's history comes from git/);
  });

  it.skipIf(!hasGit)('lists the commits of one patch, following it into patches/.dropped/, with the drop its Pvpatch-Base named', async () => {
    const ws = await sampleWorkspace();
    const env = { ...GIT_ENV, GIT_CEILING_DIRECTORIES: path.dirname(ws) };
    git(ws, ['init', '-q', '-b', 'main'], '2025-01-01T10:00:00Z');
    git(ws, ['add', '-A'], '2025-01-01T10:00:00Z');
    git(ws, ['commit', '-q', '-m', 'sample workspace'], '2025-01-01T10:00:00Z');

    expect(pvpatch(['edit', 'netfront/setup-timer'], { cwd: ws, env }).code).toBe(0);
    await fsp.appendFile(path.join(ws, '.pvpatch/edit/tree/netfront/netfront.c'), '/* refreshed */\n');
    expect(pvpatch(['refresh'], { cwd: ws, env }).code).toBe(0);
    expect(pvpatch(['edit', '--close'], { cwd: ws, env }).code).toBe(0);
    git(ws, ['commit', '-q', '-am', 'netfront/setup-timer: refresh on 1.0'], '2025-02-01T10:00:00Z');

    expect(pvpatch(['series', '--drop', 'netfront/setup-timer'], { cwd: ws, env }).code).toBe(0);
    git(ws, ['add', '-A', 'patches'], '2025-03-01T10:00:00Z');
    git(ws, ['commit', '-q', '-m', 'drop netfront/setup-timer: upstream has it'], '2025-03-01T10:00:00Z');

    const r = pvpatch(['log', 'netfront/setup-timer', '--json'], { cwd: ws, env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const h = JSON.parse(r.stdout);
    expect(h.path).toBe('patches/.dropped/netfront/setup-timer.patch');
    expect(h.commits.map((c: { date: string; subject: string; change: string; base: string | null; path: string }) => [c.date.slice(0, 10), c.subject, c.change, c.base, c.path])).toEqual([
      ['2025-03-01', 'drop netfront/setup-timer: upstream has it', 'R', '1.0', 'patches/.dropped/netfront/setup-timer.patch'],
      ['2025-02-01', 'netfront/setup-timer: refresh on 1.0', 'M', '1.0', 'patches/netfront/setup-timer.patch'],
      ['2025-01-01', 'sample workspace', 'A', null, 'patches/netfront/setup-timer.patch'],
    ]);
    expect(h.commits[0].author).toBe('Pat Maintainer');

    const text = pvpatch(['log', 'netfront/setup-timer'], { cwd: ws, env });
    expect(text.stdout).toMatch(/^history of netfront\/setup-timer\.patch \(3 commits, newest first\)\n\ndate\s+commit\s+base drop\s+subject\n2025-03-01\s+[0-9a-f]{10}\s+R\s+1\.0\s+drop netfront/);
    const withDiffs = pvpatch(['log', 'netfront/setup-timer', '-p'], { cwd: ws, env });
    expect(withDiffs.stdout).toContain('+Pvpatch-Base: 1.0 netfront/netfront.c=');
    expect(withDiffs.stdout).toContain('Base:   - (patches/netfront/setup-timer.patch)');

    const none = pvpatch(['log', 'netfront/never'], { cwd: ws, env });
    expect(none.code).toBe(0);
    expect(none.stdout).toBe('no commit touches patches/netfront/never.patch (is it committed?)\n');
  });
});
