// pvpatch view through the real CLI, on temp copies of the embedded sample; the sample's views
// compared with Debian's unifdef once every function-like macro is replaced by its number.
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { CLI, copySampleWorkspace, pvpatch, readTree } from '../helpers/cli.js';

const UNIFDEF = '/usr/bin/unifdef';

interface ViewJson {
  kernel: string;
  version: string;
  source: string;
  files: { file: string; text?: string; linesIn: number; linesOut: number; resolved: number; undecided: { line: number; directive: string }[] }[];
}

interface SampleKernel {
  name: string;
  version: string;
  defines?: Record<string, string>;
}

/** KERNEL_VERSION(a,b,c), SLE_VERSION(a,b,c) and RHEL_RELEASE_VERSION(a,b) replaced by their numbers (unifdef 2.10 has no function-like macros). */
function numbers(text: string): string {
  return text
    .replace(/\b(?:KERNEL_VERSION|SLE_VERSION)\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*\)/g, (_m, a: string, b: string, c: string) => String(Number(a) * 65536 + Number(b) * 256 + Number(c)))
    .replace(/\bRHEL_RELEASE_VERSION\(\s*(\d+)\s*,\s*(\d+)\s*\)/g, (_m, a: string, b: string) => String(Number(a) * 256 + Number(b)));
}

function code(version: string): number {
  const [a = 0, b = 0, c = 0] = version.split('.').map(Number);
  return a * 65536 + b * 256 + c;
}

/** unifdef -k with the kernel's symbols: LINUX_VERSION_CODE and its defines as numbers, the other kernels' defines -U. */
function unifdef(text: string, kernel: SampleKernel, all: readonly SampleKernel[]): string {
  const args = ['-k', `-DLINUX_VERSION_CODE=${code(kernel.version)}`];
  const mine = kernel.defines ?? {};
  for (const [name, value] of Object.entries(mine)) args.push(`-D${name}=${numbers(value)}`);
  const others = new Set(all.flatMap((k) => Object.keys(k.defines ?? {})));
  for (const name of others) if (!(name in mine)) args.push(`-U${name}`);
  const r = spawnSync(UNIFDEF, args, { input: numbers(text), encoding: 'utf8' });
  if (r.status !== 0 && r.status !== 1) throw new Error(`unifdef failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

describe('pvpatch view', () => {
  let ws: string;
  beforeAll(async () => {
    ws = await copySampleWorkspace();
    expect(pvpatch(['apply'], { cwd: ws }).code).toBe(0);
  });

  it('prints one file raw, as the kernel sees it: resolved guards gone, everything else byte-identical', async () => {
    const r = pvpatch(['view', '--kernel', 'rhel4', 'blkfront/blkfront.c'], { cwd: ws });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('elevator_init(rq, &elevator_noop);');
    expect(r.stdout).not.toContain('elevator_init(rq, "noop");');
    expect(r.stdout).not.toMatch(/^#\s*(if|else|endif)\b.*KERNEL_VERSION/m);
    const up = pvpatch(['view', '--kernel', 'upstream', 'blkfront/blkfront.c'], { cwd: ws });
    expect(up.stdout).toContain('elevator_init(rq, "noop");');
    expect(up.stdout).not.toContain('&elevator_noop');
    // Every line of the view is a line of the annotated tree, in order.
    const source = (await fsp.readFile(path.join(ws, 'out', 'blkfront', 'blkfront.c'), 'utf8')).split('\n');
    let at = 0;
    for (const line of up.stdout.split('\n').slice(0, -1)) {
      while (at < source.length && source[at] !== line) at++;
      expect(at, line).toBeLessThan(source.length);
      at++;
    }
  });

  it('views the in-memory series and a tree on disk (--tree out) alike, and names files relative to either', () => {
    const mem = pvpatch(['view', '-k', 'sles10', 'netfront/netfront.c'], { cwd: ws });
    const disk = pvpatch(['view', '-k', 'sles10', '--tree', 'out', 'out/netfront/netfront.c'], { cwd: ws });
    expect(mem.code).toBe(0);
    expect(disk.code).toBe(0);
    expect(disk.stdout).toBe(mem.stdout);
  });

  it('gives several files a "==> FILE <==" header each, like head(1); a directory names its files', () => {
    const r = pvpatch(['view', '--kernel', 'sles9', 'xenbus'], { cwd: ws });
    expect(r.code).toBe(0);
    expect(r.stdout.match(/^==> .* <==$/gm)).toEqual(['==> xenbus/xenbus.c <==', '==> xenbus/xenbus_probe.c <==']);
    expect(r.stdout).toMatch(/^\n==> xenbus\/xenbus_probe\.c <==$/m);
    const one = pvpatch(['view', '--kernel', 'sles9', 'xenbus/xenbus.c'], { cwd: ws });
    expect(r.stdout.startsWith(`==> xenbus/xenbus.c <==\n${one.stdout}\n==> `)).toBe(true);
  });

  it('writes the whole view under --out DIR, and replaces only a directory it wrote', async () => {
    const r = pvpatch(['view', '--kernel', 'rhel5', '--out', 'view-rhel5'], { cwd: ws });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^14 files as rhel5 \(2\.6\.18\) sees them, in view-rhel5\//);
    const tree = await readTree(path.join(ws, 'view-rhel5'), ['.pvpatch']);
    expect(Object.keys(tree)).toHaveLength(14);
    const single = pvpatch(['view', '--kernel', 'rhel5', 'include/xen/xenbus.h'], { cwd: ws });
    expect(tree['include/xen/xenbus.h']).toBe(single.stdout);
    // rhel5 has bool (RHEL 5.4 backport): the compat typedef is not in its view.
    expect(tree['include/xen/xenbus.h']).not.toContain('typedef _Bool bool;');
    expect(JSON.parse(await fsp.readFile(path.join(ws, 'view-rhel5', '.pvpatch', 'view.json'), 'utf8'))).toMatchObject({ tool: 'pvpatch', kernel: 'rhel5' });
    expect(pvpatch(['view', '--kernel', 'sles9', '--out', 'view-rhel5'], { cwd: ws }).code).toBe(0);
    const refused = pvpatch(['view', '--kernel', 'sles9', '--out', 'patches'], { cwd: ws });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/refusing to replace .*patches: it is not empty and was not written by pvpatch view/);
  });

  it('--json: texts, lines in and out, conditionals resolved and kept', () => {
    const r = pvpatch(['view', '--kernel', 'upstream', '--json', 'include/xen/xenbus.h'], { cwd: ws });
    expect(r.code).toBe(0);
    const data = JSON.parse(r.stdout) as ViewJson;
    expect(data).toMatchObject({ kernel: 'upstream', version: '2.6.27' });
    expect(data.source).toMatch(/^drop 1\.0 \+ 21 patches/);
    const [f] = data.files;
    expect(f?.file).toBe('include/xen/xenbus.h');
    expect(f?.resolved).toBe(2);
    expect(f?.undecided).toEqual([]);
    expect((f?.linesIn ?? 0) - (f?.linesOut ?? 0)).toBe(20);
    expect(f?.text).not.toContain('kzalloc');
  });

  it('keeps conditionals it cannot decide, with both branches, and says so on stderr', async () => {
    const file = path.join(ws, 'out', 'drv.c');
    await fsp.writeFile(file, '#ifdef CONFIG_XEN_COMPAT\nint a;\n#else\nint b;\n#endif\n#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,16)\nint c;\n#endif\n');
    const r = pvpatch(['view', '--kernel', 'sles9', '--tree', 'out', 'drv.c'], { cwd: ws });
    await fsp.rm(file);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('#ifdef CONFIG_XEN_COMPAT\nint a;\n#else\nint b;\n#endif\nint c;\n');
    expect(r.stderr).toBe('pvpatch: drv.c:1: note: 1 conditional kept: pvpatch cannot decide it for sles9\n');
  });

  it('refuses an unknown kernel (listing the known ones), an unknown file and an unbalanced #if (exit 2, FILE:LINE)', async () => {
    const k = pvpatch(['view', '--kernel', 'rhel6', 'blkfront/blkfront.c'], { cwd: ws });
    expect(k.code).toBe(2);
    expect(k.stderr).toBe('pvpatch: unknown kernel "rhel6" (kernels.json has: sles9, rhel4, sles10, rhel5, upstream)\n');
    const f = pvpatch(['view', '--kernel', 'rhel5', 'blkfront/nope.c'], { cwd: ws });
    expect(f.code).toBe(2);
    expect(f.stderr).toMatch(/^pvpatch: no file "blkfront\/nope\.c" in the tree/);
    const missing = pvpatch(['view', 'blkfront/blkfront.c'], { cwd: ws });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--kernel/);
    const bad = await copySampleWorkspace();
    const patch = path.join(bad, 'patches', 'blkfront', 'elevator-noop.patch');
    const text = await fsp.readFile(patch, 'utf8');
    // The patch loses its #endif (and the hunk its count): blkfront.c is left with an open #if.
    await fsp.writeFile(patch, text.replace('+#endif\n', '').replace('@@ -223,7 +223,11 @@', '@@ -223,7 +223,10 @@'));
    const u = pvpatch(['view', '--kernel', 'rhel5', 'blkfront/blkfront.c'], { cwd: bad });
    expect(u.code).toBe(2);
    expect(u.stderr).toBe('pvpatch: blkfront/blkfront.c:248: unterminated #if\n');
    expect(u.stdout).toBe('');
  });

  // util-linux script(1) gives the CLI a terminal, as a maintainer's shell does.
  it.skipIf(!existsSync('/usr/bin/script'))('shows its steps on a terminal, cleared before the report; none with --json', () => {
    const onTty = (args: string): string => execFileSync('/usr/bin/script', ['-qec', `node ${CLI} view --kernel rhel4 ${args}`, '/dev/null'], { cwd: ws, encoding: 'utf8', input: '' });
    const files = Object.keys(JSON.parse(pvpatch(['view', '--kernel', 'rhel4', '--json'], { cwd: ws }).stdout).files).length;
    const shown = onTty('--out view-tty');
    expect(shown).toContain(`\r\x1b[2Kapplying the series in memory (`);
    expect(shown).toContain(`\r\x1b[2Kviewing ${files} files as rhel4\r\x1b[2Kwriting ${files} files to view-tty\r\x1b[2K${files} files as rhel4 `);
    expect(onTty('--tree out --out view-tty')).toContain('\r\x1b[2Kreading out\r\x1b[2K');
    expect(onTty('--json')).not.toContain('\x1b[2K');
  });

  it('has --help', () => {
    const r = pvpatch(['view', '--help'], { cwd: ws });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--kernel <name>/);
    expect(r.stdout).toMatch(/==> FILE <==/);
  });

  it.skipIf(!existsSync(UNIFDEF))('equals unifdef -k for every file of the sample and every kernel (function-like macros replaced by numbers)', async () => {
    const kernels = (JSON.parse(await fsp.readFile(path.join(ws, 'kernels.json'), 'utf8')) as { kernels: SampleKernel[] }).kernels;
    const tree = await readTree(path.join(ws, 'out'), ['.pvpatch']);
    let compared = 0;
    let removed = 0;
    let resolved = 0;
    for (const kernel of kernels) {
      const r = pvpatch(['view', '--kernel', kernel.name, '--tree', 'out', '--json'], { cwd: ws });
      expect(r.code, r.stderr).toBe(0);
      const data = JSON.parse(r.stdout) as ViewJson;
      expect(data.files.map((f) => f.file).sort()).toEqual(Object.keys(tree).sort());
      for (const f of data.files) {
        const theirs = unifdef(tree[f.file] as string, kernel, kernels);
        expect(numbers(f.text as string), `${kernel.name} ${f.file}`).toBe(theirs);
        compared++;
        removed += f.linesIn - f.linesOut;
        resolved += f.resolved;
      }
    }
    expect(compared).toBe(14 * 5);
    // Every guard of the 21 patches is resolved for every kernel (45 regions x 5 kernels, some nested away).
    expect(resolved).toBeGreaterThan(200);
    expect(removed).toBeGreaterThan(1000);
  });
});
