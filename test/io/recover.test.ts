// Recovery from a process that died while changing a workspace, at chosen points: a child process
// journals a sequence of writes (src/io/undo.ts through src/io/fs.ts) and SIGKILLs itself after
// step N; recoverWorkspace must give the workspace exactly as it was. Also the states only a kill
// inside a step leaves (a directory swap between its renames, a journal marked committed), and
// journals that try to make recovery touch what it must not.
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO, readTree, tempDir, writeTree } from '../helpers/cli.js';
import { recoverWorkspace, needsRecovery } from '../../src/io/recover.js';
import { withLock } from '../../src/io/lock.js';
import { makeTempDir, removeTree, replaceDirAtomic, writeFileAtomic } from '../../src/io/fs.js';

const dist = (rel: string): string => pathToFileURL(path.join(REPO, 'dist', rel)).href;

/** A pid that surely belongs to no process any more. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

const START = {
  'kernels.json': '{"kernels": "old"}\n',
  'upstream/drops.json': '{"drops": "old"}\n',
  'patches/series': 'a.patch\n',
  'patches/a.patch': 'old patch\n',
  '.pvpatch/rebase/state.json': '{"state": "old"}\n',
  '.pvpatch/rebase/items/c-1.json': '{"decision": "kept"}\n',
};

async function workspace(): Promise<string> {
  const root = await tempDir('pvpatch-recover-');
  await writeTree(root, START);
  return root;
}

/** Run the step sequence of a command in a child that kills itself after `stopAfter` steps. */
function crashAfter(root: string, stopAfter: number): void {
  const script = `
    const { beginUndo } = await import(${JSON.stringify(dist('io/undo.js'))});
    const { writeFileAtomic, replaceDirAtomic, removeTree } = await import(${JSON.stringify(dist('io/fs.js'))});
    const fs = await import('node:fs/promises');
    const root = ${JSON.stringify(root)};
    beginUndo(root, 'test command');
    const steps = [
      () => writeFileAtomic(root + '/kernels.json', '{"kernels": "new"}\\n'),
      () => replaceDirAtomic(root + '/patches', async (tmp) => { await fs.writeFile(tmp + '/series', 'b.patch\\n'); await fs.writeFile(tmp + '/b.patch', 'new patch\\n'); }),
      () => writeFileAtomic(root + '/upstream/drops.json', '{"drops": "new"}\\n'),
      () => writeFileAtomic(root + '/upstream/drops.json', '{"drops": "newer"}\\n'),
      () => replaceDirAtomic(root + '/upstream/1.2', async (tmp) => { await fs.mkdir(tmp + '/d'); await fs.writeFile(tmp + '/d/x.c', 'int x;\\n'); }),
      () => writeFileAtomic(root + '/.pvpatch/rebase/items/c-1.json', '{"decision": "changed"}\\n'),
      () => writeFileAtomic(root + '/.pvpatch/reports/deep/report.md', 'report\\n'),
      () => removeTree(root + '/.pvpatch/rebase'),
    ];
    for (let i = 0; i < steps.length; i++) {
      if (i === ${stopAfter}) process.kill(process.pid, 'SIGKILL');
      await steps[i]();
    }
    process.kill(process.pid, 'SIGKILL');
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(r.signal, r.stderr).toBe('SIGKILL');
}

describe('recoverWorkspace after a kill between two steps of a command', () => {
  for (let stop = 0; stop <= 8; stop++) {
    it(`after ${stop} step(s): everything back as it was, the decision saved meanwhile kept`, async () => {
      const root = await workspace();
      crashAfter(root, stop);
      expect(await needsRecovery(root)).toBe(stop > 0);
      if (stop > 0) expect(await readTree(root)).not.toEqual(START);
      await recoverWorkspace(root);
      const expected = { ...START, ...(stop > 5 ? { '.pvpatch/rebase/items/c-1.json': '{"decision": "changed"}\n' } : {}) };
      expect(await readTree(root)).toEqual(expected);
      // No empty directory was left behind either (upstream/1.2, .pvpatch/reports).
      expect((await fsp.readdir(path.join(root, 'upstream'))).sort()).toEqual(['drops.json']);
      expect((await fsp.readdir(path.join(root, '.pvpatch'))).sort()).toEqual(['rebase']);
      expect(await needsRecovery(root)).toBe(false);
    });
  }
});

describe('recoverWorkspace on the states a kill inside a step leaves', () => {
  it('renames back a directory swapped out by a replaceDirAtomic that died between its renames (no journal)', async () => {
    const root = await workspace();
    const pid = deadPid();
    await fsp.rename(path.join(root, 'patches'), path.join(root, `.patches.pvpatch-old-${pid}-0badcafe`));
    await writeTree(root, { [`.patches.pvpatch-new-${pid}-12345678/series`]: 'new\n' });
    expect(await needsRecovery(root)).toBe(true);
    await recoverWorkspace(root);
    expect(await readTree(root)).toEqual(START);
  });

  it('removes the old copies of a finished swap and temp files, but not those of a live process', async () => {
    const root = await workspace();
    const pid = deadPid();
    const live = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const mine = `patches/.a.patch.pvpatch-tmp-${live.pid}-00000003`;
      await writeTree(root, {
        [`.patches.pvpatch-old-${pid}-0badcafe/series`]: 'older\n',
        [`upstream/.drops.json.pvpatch-tmp-${pid}-00000001`]: 'half',
        [`.pvpatch/rebase/.state.json.pvpatch-tmp-${pid}-00000002`]: '{',
        [mine]: 'being written',
      });
      await recoverWorkspace(root);
      expect(await readTree(root)).toEqual({ ...START, [mine]: 'being written' });
      // Only a live process's temp sibling left: nothing to recover (asked before every command).
      expect(await needsRecovery(root)).toBe(false);
    } finally {
      live.kill('SIGKILL');
    }
  });

  it('removes the temp dirs of dead processes in the system temp dir, as does the next temp dir made', async () => {
    const root = await workspace();
    const dead = (): Promise<string> => {
      const dir = path.join(os.tmpdir(), `pvpatch-tar-${deadPid()}-AbC123`);
      return fsp.mkdir(dir).then(() => fsp.writeFile(path.join(dir, 'member'), 'left by a killed import\n')).then(() => dir);
    };
    let made: string | undefined;
    const left = [await dead()];
    try {
      // Not the workspace's to recover, but swept before the next command.
      expect(await needsRecovery(root)).toBe(false);
      await recoverWorkspace(root);
      await expect(fsp.access(left[0] as string)).rejects.toThrow();
      left.push(await dead());
      made = await makeTempDir('test');
      await expect(fsp.access(left[1] as string)).rejects.toThrow();
      await expect(fsp.access(made)).resolves.toBeUndefined();
    } finally {
      for (const d of left) await fsp.rm(d, { recursive: true, force: true });
      if (made) await fsp.rm(made, { recursive: true, force: true });
    }
  });

  it('finishes a commit that died while removing the old copies (journal marked committed)', async () => {
    const root = await workspace();
    const pid = deadPid();
    await writeTree(root, { 'kernels.json': '{"kernels": "new"}\n', [`.kernels.json.pvpatch-old-${pid}-0000000a`]: '{"kernels": "old"}\n' });
    await writeTree(root, { '.pvpatch/undo.json': JSON.stringify({ pid, command: 'x', committed: true, entries: [{ target: 'kernels.json', old: `.kernels.json.pvpatch-old-${pid}-0000000a` }] }) });
    await recoverWorkspace(root);
    expect(await readTree(root)).toEqual({ ...START, 'kernels.json': '{"kernels": "new"}\n' });
  });

  it('removes a .pvpatch/rebase/ that has no state.json (a rebase --onto that died before it started)', async () => {
    const root = await workspace();
    await fsp.rm(path.join(root, '.pvpatch/rebase/state.json'));
    await recoverWorkspace(root);
    expect(await fsp.readdir(path.join(root, '.pvpatch'))).toEqual([]);
  });
});

describe('a hostile undo journal', () => {
  it('cannot make recovery remove or replace anything outside the workspace, or through a symlink', async () => {
    const root = await workspace();
    const outside = await tempDir('pvpatch-outside-');
    await writeTree(outside, { 'keep.txt': 'keep\n', 'sub/keep.txt': 'keep\n' });
    await fsp.symlink(outside, path.join(root, 'link'));
    const pid = deadPid();
    await writeTree(root, { [`.kernels.json.pvpatch-old-${pid + 1}-0000000b`]: 'evil\n' });
    const entries = [
      { target: path.join(outside, 'keep.txt'), old: null },
      { target: '../' + path.basename(outside), old: null },
      { target: 'link/keep.txt', old: null },
      { target: 'link/sub', old: null },
      { target: 'kernels.json', old: path.join(outside, 'keep.txt') },
      { target: 'kernels.json', old: `.kernels.json.pvpatch-old-${pid + 1}-0000000b` },
      { target: 'patches/a.patch', old: '../../etc/passwd' },
      { target: '', old: null },
    ];
    await writeTree(root, { '.pvpatch/undo.json': JSON.stringify({ pid, command: 'evil', entries }) });
    await recoverWorkspace(root);
    expect(await readTree(outside)).toEqual({ 'keep.txt': 'keep\n', 'sub/keep.txt': 'keep\n' });
    const tree = await readTree(root, ['link']);
    expect(tree['kernels.json']).toBe(START['kernels.json']);
    expect(tree['patches/a.patch']).toBe(START['patches/a.patch']);
    await expect(fsp.access(path.join(root, '.pvpatch/undo.json'))).rejects.toThrow();
  });
});

describe('withLock', () => {
  it('commits what the command wrote, also when it fails with an error, and leaves no journal', async () => {
    const root = await workspace();
    await withLock(root, 'ok', async () => {
      await writeFileAtomic(path.join(root, 'kernels.json'), 'new\n');
      await replaceDirAtomic(path.join(root, 'patches'), async (tmp) => fsp.writeFile(path.join(tmp, 'series'), ''));
    });
    await expect(withLock(root, 'fails', async () => {
      await writeFileAtomic(path.join(root, 'upstream/drops.json'), 'new\n');
      await removeTree(path.join(root, '.pvpatch/rebase'));
      throw new Error('failed');
    })).rejects.toThrow('failed');
    expect(await readTree(root)).toEqual({ 'kernels.json': 'new\n', 'patches/series': '', 'upstream/drops.json': 'new\n' });
    expect(await needsRecovery(root)).toBe(false);
  });
});
