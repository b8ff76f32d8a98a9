// The review screen in a real pseudo-terminal: tmux runs `pvpatch rebase --onto`, which stops on a
// conflict and opens the ink screen; keystrokes resolve it and accept `rebase --continue`.
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { CLI, pvpatch, tempDir, writeTree } from '../helpers/cli.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;

function startInTmux(ws: string, command: string): { socket: string; session: string; done: string } {
  const socket = `pvpatch-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const session = 'review';
  const done = path.join(ws, 'exit-code');
  execFileSync('tmux', ['-L', socket, '-f', '/dev/null', 'new-session', '-d', '-s', session, '-x', '150', '-y', '45',
    // CI=true on purpose: ink draws nothing live "in CI", and the screen must be drawn on a terminal anyway.
    `cd '${ws}' && CI=true '${process.execPath}' '${CLI}' ${command}; echo $? > '${done}'; sleep 60`]);
  return { socket, session, done };
}

async function waitForScreen(socket: string, session: string, want: RegExp, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let screen = '';
  while (Date.now() < deadline) {
    screen = execFileSync('tmux', ['-L', socket, 'capture-pane', '-p', '-t', session], { encoding: 'utf8' });
    if (want.test(screen)) return screen;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${want} on the screen:\n${screen}`);
}

async function conflictWorkspace(): Promise<string> {
  const ws = await tempDir();
  const v10 = 'int f(void)\n{\n\tint rq = 0;\n\tif (rq == 0)\n\t\treturn -1;\n\n\televator_init(rq, "noop");\n\n\treturn 0;\n}\n';
  const v11 = 'int f(void)\n{\n\tint rq = 0;\n\tif (!rq)\n\t\treturn -ENOMEM;\n\televator_init(rq, "deadline");\n\n\treturn 0;\n}\n';
  await writeTree(ws, {
    'kernels.json': JSON.stringify({ kernels: [{ name: 'old', version: '2.6.9', build: { kind: 'cc', include: [] } }, { name: 'new', version: '2.6.27', build: { kind: 'cc', include: [] } }] }),
    'd10/blk/b.c': v10,
    'd11/blk/b.c': v11,
    'patches/series': 'blk/e.patch\n',
    'patches/blk/e.patch': 'Subject: [PATCH] blk: elevator\n\n---\n--- a/blk/b.c\n+++ b/blk/b.c\n@@ -4,7 +4,11 @@ int f(void)\n \tif (rq == 0)\n \t\treturn -1;\n \n+#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)\n+\televator_init(rq, &elevator_noop);\n+#else\n \televator_init(rq, "noop");\n+#endif\n \n \treturn 0;\n }\n',
  });
  expect(pvpatch(['upstream', 'import', 'd10', '--version', '1.0'], { cwd: ws }).code).toBe(0);
  expect(pvpatch(['upstream', 'import', 'd11', '--version', '1.1'], { cwd: ws }).code).toBe(0);
  return ws;
}

describe.skipIf(!hasTmux)('review TUI in tmux', () => {
  it('resolves a conflict by keystrokes and completes the rebase', async () => {
    const ws = await conflictWorkspace();
    const { socket, session, done } = startInTmux(ws, 'rebase --onto 1.1');
    try {
      await waitForScreen(socket, session, /c-[0-9a-f]{8}\s+conflict\s+open\s+blk\/e\.patch/);
      const keys = (k: string): void => void execFileSync('tmux', ['-L', socket, 'send-keys', '-t', session, k]);
      // A key sent before ink has put the terminal in raw mode is lost: repeat until the detail shows.
      let detail = '';
      for (let attempt = 0; attempt < 10 && !detail; attempt++) {
        keys('Enter');
        detail = await waitForScreen(socket, session, /upstream \(theirs\)/, 1_500).catch(() => '');
      }
      expect(detail).toMatch(/#if → old/);
      expect(detail).toMatch(/#else → new/);
      keys('b');
      await waitForScreen(socket, session, /Run pvpatch rebase --continue now\?/);
      keys('y');
      await waitForScreen(socket, session, /rebase complete: patches\/ now based on drop 1\.1/);
      await waitForScreen(socket, session, /rebase complete[\s\S]*\$ ?$|rebase complete/);
      const deadline = Date.now() + 10_000;
      while (!(await fsp.stat(done).catch(() => null)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect((await fsp.readFile(done, 'utf8')).trim()).toBe('0');
    } finally {
      spawnSync('tmux', ['-L', socket, 'kill-server']);
    }
    const patch = await fsp.readFile(path.join(ws, 'patches/blk/e.patch'), 'utf8');
    expect(patch).toContain('+#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,10)\n+\televator_init(rq, &elevator_noop);\n+#else\n');
    expect(patch).toMatch(/Pvpatch-Base: 1\.1 blk\/b\.c=[0-9a-f]{40}/);
    expect(JSON.parse(await fsp.readFile(path.join(ws, 'upstream/drops.json'), 'utf8')).current).toBe('1.1');
    expect(pvpatch(['apply'], { cwd: ws }).code).toBe(0);
  });
  it('pvpatch review resumes a stopped rebase: take upstream, then continue from the screen', async () => {
    const ws = await conflictWorkspace();
    const stopped = pvpatch(['rebase', '--onto', '1.1', '--no-review'], { cwd: ws });
    expect(stopped.code).toBe(1);
    const { socket, session, done } = startInTmux(ws, 'review');
    try {
      await waitForScreen(socket, session, /c-[0-9a-f]{8}\s+conflict\s+open/);
      const keys = (k: string): void => void execFileSync('tmux', ['-L', socket, 'send-keys', '-t', session, k]);
      let offered = '';
      for (let attempt = 0; attempt < 10 && !offered; attempt++) {
        keys('u');
        offered = await waitForScreen(socket, session, /Run pvpatch rebase --continue now\?/, 1_500).catch(() => '');
      }
      keys('y');
      await waitForScreen(socket, session, /rebase complete: patches\/ now based on drop 1\.1/);
      const deadline = Date.now() + 10_000;
      while (!(await fsp.stat(done).catch(() => null)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect((await fsp.readFile(done, 'utf8')).trim()).toBe('0');
    } finally {
      spawnSync('tmux', ['-L', socket, 'kill-server']);
    }
    // Taking upstream's side drops the patch's change there: the patch no longer has a guard.
    expect(JSON.parse(await fsp.readFile(path.join(ws, 'upstream/drops.json'), 'utf8')).current).toBe('1.1');
    expect(await fsp.stat(path.join(ws, '.pvpatch', 'rebase')).catch(() => null)).toBeNull();
  });
});
