/** Test helper: run `git merge-file -p --diff3` on temp files, as the reference merge. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface GitMerge {
  clean: boolean;
  conflicts: number;
  text: string;
}

export function gitMergeFile(base: string, ours: string, theirs: string, labels: [string, string, string] = ['ours', 'base', 'theirs']): GitMerge {
  const dir = mkdtempSync(join(tmpdir(), 'pvpatch-merge-'));
  try {
    writeFileSync(join(dir, 'ours'), ours);
    writeFileSync(join(dir, 'base'), base);
    writeFileSync(join(dir, 'theirs'), theirs);
    const r = spawnSync('git', ['merge-file', '-p', '--diff3', '-L', labels[0], '-L', labels[1], '-L', labels[2], 'ours', 'base', 'theirs'], { cwd: dir, encoding: 'utf8' });
    if (r.status === null || r.status < 0 || r.status > 127) throw new Error(`git merge-file failed: ${r.stderr}`);
    return { clean: r.status === 0, conflicts: r.status, text: r.stdout };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
