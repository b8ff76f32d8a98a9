import { describe, expect, it, beforeAll } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { CLI, pvpatch, readTree, tempDir, writeTree } from '../helpers/cli.js';
import { addGuards, cFile, rng } from '../helpers/gen.js';
import { RACY_NS } from '../../src/io/verified.js';

const KERNELS = JSON.stringify({
  macros: { 'RHEL_RELEASE_VERSION(a,b)': '(((a) << 8) + (b))' },
  kernels: [
    { name: 'old', version: '2.6.9', build: { kind: 'cc', include: [] } },
    { name: 'new', version: '2.6.27', build: { kind: 'cc', include: [] } },
  ],
}, null, 2);

/** git diff --no-index between two texts, as a -p1 patch of `rel`. */
function diffOf(rel: string, before: string, after: string, dir: string): string {
  const a = path.join(dir, 'a', rel);
  const b = path.join(dir, 'b', rel);
  execFileSync('mkdir', ['-p', path.dirname(a), path.dirname(b)]);
  require_write(a, before);
  require_write(b, after);
  const r = spawnSync('git', ['diff', '--no-index', '--no-prefix', '--', `a/${rel}`, `b/${rel}`], { cwd: dir, encoding: 'utf8' });
  return r.stdout;
}
function require_write(p: string, t: string): void {
  execFileSync('sh', ['-c', 'cat > "$1"', 'sh', p], { input: t });
}

interface Case {
  ws: string;
  drop: Record<string, string>;
  patches: { name: string; text: string }[];
}

/** A workspace with a generated drop and a series of guard patches (made with git diff). */
async function makeCase(seed: number, opts: { files?: number; patches?: number; shift?: number } = {}): Promise<Case> {
  const r = rng(seed);
  const ws = await tempDir();
  const scratch = await tempDir();
  const drop: Record<string, string> = {};
  for (let i = 0; i < (opts.files ?? 3); i++) drop[`sub${i % 2}/f${i}.c`] = cFile(r, `f${i}`, 6 + Math.floor(r() * 6));
  const current = { ...drop };
  const patches: { name: string; text: string }[] = [];
  for (let p = 0; p < (opts.patches ?? 4); p++) {
    const file = Object.keys(current)[Math.floor(r() * Object.keys(current).length)] as string;
    const before = current[file] as string;
    const after = addGuards(r, before, 1 + Math.floor(r() * 3));
    current[file] = after;
    const name = `${file.split('/')[0]}/p${p}.patch`;
    patches.push({ name, text: `From: t <t@example.org>\nSubject: [PATCH] p${p}\n\nwhy\n---\n${diffOf(file, before, after, path.join(scratch, String(p)))}` });
  }
  // Shift the drop (lines inserted at the top of each file) so hunks land at an offset.
  const shifted = Object.fromEntries(Object.entries(drop).map(([k, v]) => [k, '/* upstream header */\n'.repeat(opts.shift ?? 0) + v]));
  await writeTree(path.join(ws, 'src'), shifted);
  await writeTree(ws, { 'kernels.json': KERNELS, 'patches/series': patches.map((p) => p.name).join('\n') + '\n' });
  for (const p of patches) await writeTree(ws, { [`patches/${p.name}`]: p.text });
  const imp = pvpatch(['upstream', 'import', 'src', '--version', '1.0'], { cwd: ws });
  expect(imp.code, imp.stderr).toBe(0);
  return { ws, drop: shifted, patches };
}

/** The drop with the series applied by GNU patch -p1, one patch after the other. */
async function gnuPatch(c: Case): Promise<{ tree: Record<string, string>; log: string }> {
  const dir = await tempDir();
  await writeTree(dir, c.drop);
  let log = '';
  for (const p of c.patches) {
    log += execFileSync('patch', ['-p1', '--no-backup-if-mismatch'], { cwd: dir, input: p.text, encoding: 'utf8' });
  }
  return { tree: await readTree(dir), log };
}

async function gitApply(c: Case): Promise<Record<string, string>> {
  const dir = await tempDir();
  await writeTree(dir, c.drop);
  execFileSync('git', ['init', '-q'], { cwd: dir });
  const all = c.patches.map((p) => p.text).join('\n');
  await fsp.writeFile(path.join(dir, '.series.patch'), all);
  for (const p of c.patches) execFileSync('git', ['apply', '-p1', '-'], { cwd: dir, input: p.text });
  await fsp.rm(path.join(dir, '.git'), { recursive: true });
  await fsp.rm(path.join(dir, '.series.patch'));
  return readTree(dir);
}

describe('pvpatch apply', () => {
  beforeAll(() => {
    expect(spawnSync('patch', ['--version']).status).toBe(0);
  });

  it('equals GNU patch -p1 and git apply byte for byte (exact, generated cases)', async () => {
    for (let seed = 1; seed <= 8; seed++) {
      const c = await makeCase(seed);
      const r = pvpatch(['apply', '--no-annotate'], { cwd: c.ws });
      expect(r.code, r.stderr).toBe(0);
      const ours = await readTree(path.join(c.ws, 'out'), ['.pvpatch']);
      expect(ours).toEqual((await gnuPatch(c)).tree);
      expect(ours).toEqual(await gitApply(c));
    }
  });

  it('equals GNU patch on offset cases and reports the offset per hunk', async () => {
    for (let seed = 20; seed <= 25; seed++) {
      const c = await makeCase(seed, { shift: 7 });
      const r = pvpatch(['apply', '--no-annotate', '--json'], { cwd: c.ws });
      expect(r.code, r.stderr).toBe(0);
      const report = JSON.parse(r.stdout) as { hunks: { status: string; offset: number }[] };
      const gnu = await gnuPatch(c);
      expect(await readTree(path.join(c.ws, 'out'), ['.pvpatch'])).toEqual(gnu.tree);
      const gnuOffsets = [...gnu.log.matchAll(/offset (-?\d+) lines?/g)].map((m) => Number(m[1]));
      expect(report.hunks.filter((h) => h.status === 'offset').map((h) => h.offset)).toEqual(gnuOffsets);
      expect(gnuOffsets.length).toBeGreaterThan(0);
    }
  });

  it('annotates every directive a patch introduces and writes the manifest', async () => {
    const c = await makeCase(3);
    const r = pvpatch(['apply'], { cwd: c.ws });
    expect(r.code, r.stderr).toBe(0);
    const out = await readTree(path.join(c.ws, 'out'));
    const annotated = Object.values(out).join('').split('\n').filter((l) => /^#(if|else|endif)/.test(l));
    expect(annotated.length).toBeGreaterThan(0);
    for (const l of annotated) expect(l).toMatch(/ \/\* pvpatch: sub[01]\/p\d \*\/$/);
    const manifest = JSON.parse(out['.pvpatch/manifest.json'] as string) as { regions: { patch: string; condition: string; branches: { kernels: string[] }[] }[] };
    expect(manifest.regions.length).toBe(annotated.filter((l) => l.startsWith('#if')).length);
    // Stripping the annotations gives GNU patch's output.
    const stripped = Object.fromEntries(Object.entries(out).filter(([k]) => !k.startsWith('.pvpatch')).map(([k, v]) => [k, v.replace(/ \/\* pvpatch: [^*]+ \*\//g, '')]));
    expect(stripped).toEqual((await gnuPatch(c)).tree);
  });

  // util-linux script(1) gives the CLI a terminal, as a maintainer's shell does.
  it.skipIf(!existsSync('/usr/bin/script'))('shows its steps on a terminal while it applies, none when it copies the last tree, with --json or through a pipe', async () => {
    const c = await makeCase(4);
    // Files changed less than RACY_NS ago are not recorded: the inputs age past that, so the third apply copies the tree.
    await new Promise((resolve) => setTimeout(resolve, Number(RACY_NS / 1_000_000n) + 200));
    const onTty = (args: string): string => execFileSync('/usr/bin/script', ['-qec', `node ${CLI} apply ${args}`, '/dev/null'], { cwd: c.ws, encoding: 'utf8', input: '' });
    const applied = onTty('--no-cache');
    const files = Object.keys(c.drop).length;
    const touched = new Set(c.patches.flatMap((p) => [...p.text.matchAll(/^\+\+\+ b\/(\S+)/gm)].map((m) => m[1]))).size;
    expect(applied).toContain(`\r\x1b[2Kreading the series and drop 1.0 (${files} files)`);
    expect(applied).toContain(`\r\x1b[2Kapplying the series: 1/${touched} files`);
    // The line is cleared before the report is printed.
    expect(applied).toContain(`\r\x1b[2Kwriting the tree (${files} files)\r\x1b[2Kapplied ${c.patches.length} patches`);
    expect(onTty('')).toContain('\r\x1b[2Kapplying the series');
    const copied = onTty('');
    expect(copied).toContain('the same inputs as the last apply');
    expect(copied).not.toContain('\x1b[2K');
    expect(onTty('--no-cache --json')).not.toContain('\x1b[2K');
    const piped = pvpatch(['apply', '--no-cache'], { cwd: c.ws });
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stderr).toBe('');
  });

  it('stops on a hunk that does not apply, names patch, hunk, file and the closest place, and writes nothing', async () => {
    const c = await makeCase(5);
    expect(pvpatch(['apply'], { cwd: c.ws }).code).toBe(0);
    const before = await readTree(path.join(c.ws, 'out'));
    // Break the first hunk: every context line of it is replaced (counts stay right).
    const first = c.patches[0] as { name: string; text: string };
    const file = /^\+\+\+ b\/(\S+)/m.exec(first.text)?.[1] as string;
    let n = 0;
    let inFirst = 0;
    const broken = first.text.split('\n').map((l) => {
      if (l.startsWith('@@')) inFirst++;
      return inFirst === 1 && l.startsWith(' ') && n < 3 ? ` \tnothing_like_this_${n++}();` : l;
    }).join('\n');
    await fsp.writeFile(path.join(c.ws, 'patches', first.name), broken);
    const r = pvpatch(['apply'], { cwd: c.ws });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^pvpatch: patches/${first.name}: hunk #1 \\(@@ -\\d+,\\d+ \\+\\d+,\\d+ @@.*\\) of ${first.name} does not apply to ${file}: .*closest match at line \\d+ \\(\\d+ of \\d+ lines match\\)`));
    expect(await readTree(path.join(c.ws, 'out'))).toEqual(before);
    const nested = pvpatch(['apply', '--out', 'new/tree'], { cwd: c.ws });
    expect(nested.code).toBe(1);
    expect(await fsp.stat(path.join(c.ws, 'new')).catch(() => null)).toBeNull();
  });

  it('reports a missing patch file with the series line (exit 2)', async () => {
    const c = await makeCase(6);
    await fsp.appendFile(path.join(c.ws, 'patches', 'series'), 'sub0/missing.patch\n');
    const r = pvpatch(['apply'], { cwd: c.ws });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`pvpatch: patches/series:${c.patches.length + 1}: patch sub0/missing.patch is in the series but patches/sub0/missing.patch does not exist\n`);
    expect(await fsp.stat(path.join(c.ws, 'out')).catch(() => null)).toBeNull();
  });

  it('reports bad kernels.json with line and column, without a stack trace', async () => {
    const c = await makeCase(7);
    await fsp.writeFile(path.join(c.ws, 'kernels.json'), '{\n  "kernels": [\n    { "name": "x", }\n  ]\n}\n');
    const r = pvpatch(['apply'], { cwd: c.ws });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^pvpatch: kernels\.json:3:20: invalid JSON/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses a malformed patch naming the patch file and line', async () => {
    const c = await makeCase(8);
    const first = c.patches[0] as { name: string; text: string };
    await fsp.writeFile(path.join(c.ws, 'patches', first.name), first.text.replace(/^@@ -(\d+),(\d+)/m, (_m, a: string, b: string) => `@@ -${a},${Number(b) + 3}`));
    const r = pvpatch(['apply'], { cwd: c.ws });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^pvpatch: patches/${first.name}:\\d+: `));
    // Into a directory that does not exist yet: not even that directory is left behind.
    const nested = pvpatch(['apply', '--out', 'new/tree'], { cwd: c.ws });
    expect(nested.code).toBe(2);
    expect(await fsp.stat(path.join(c.ws, 'new')).catch(() => null)).toBeNull();
  });

  it('keeps CRLF files CRLF', async () => {
    const ws = await tempDir();
    await writeTree(ws, {
      'kernels.json': KERNELS,
      'src/d/x.c': 'int a;\r\nint b;\r\nint c;\r\n',
      'patches/series': 'd/g.patch\n',
      'patches/d/g.patch': 'Subject: g\n---\n--- a/d/x.c\n+++ b/d/x.c\n@@ -1,3 +1,5 @@\n int a;\r\n+#ifdef X\r\n int b;\r\n+#endif\r\n int c;\r\n',
    });
    expect(pvpatch(['upstream', 'import', 'src', '--version', '1'], { cwd: ws }).code).toBe(0);
    const r = pvpatch(['apply', '--no-annotate'], { cwd: ws });
    expect(r.code, r.stderr).toBe(0);
    expect(await fsp.readFile(path.join(ws, 'out/d/x.c'), 'utf8')).toBe('int a;\r\n#ifdef X\r\nint b;\r\n#endif\r\nint c;\r\n');
  });

  it('refuses to run while another live process holds the workspace lock', async () => {
    const c = await makeCase(9);
    await writeTree(c.ws, { '.pvpatch/lock': JSON.stringify({ pid: process.pid, command: 'rebase' }) });
    const r = pvpatch(['apply'], { cwd: c.ws });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`locked by pvpatch process ${process.pid} (rebase)`);
    // A stale lock (dead pid) is recovered.
    await writeTree(c.ws, { '.pvpatch/lock': JSON.stringify({ pid: 999999, command: 'apply' }) });
    expect(pvpatch(['apply'], { cwd: c.ws }).code).toBe(0);
  });
});

describe('header-only patches', () => {
  it('are applied as no-ops (as quilt does), so a patch just made by `pvpatch new` does not break apply', async () => {
    const ws = await tempDir();
    await writeTree(ws, {
      'kernels.json': KERNELS,
      'src/d/x.c': 'int a;\n',
      'patches/series': 'd/empty.patch\n',
      'patches/d/empty.patch': 'From: t <t@example.org>\nSubject: [PATCH] d: to be written\n\nWhy: …\n---\n',
    });
    expect(pvpatch(['upstream', 'import', 'src', '--version', '1'], { cwd: ws }).code).toBe(0);
    const r = pvpatch(['apply', '--json'], { cwd: ws });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).patches).toBe(1);
    expect(await fsp.readFile(path.join(ws, 'out/d/x.c'), 'utf8')).toBe('int a;\n');
  });
});

describe('usage errors', () => {
  it('exit 2 for unknown options and missing required options of subcommands', () => {
    const bad = pvpatch(['apply', '--bogus']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^pvpatch: unknown option '--bogus'/);
    expect(pvpatch(['upstream', 'import', 'x']).code).toBe(2);
    expect(pvpatch(['no-such-command']).code).toBe(2);
    expect(pvpatch(['apply', '--help']).code).toBe(0);
  });
});
