import { describe, expect, it, beforeAll } from 'vitest';
import { promises as fsp, existsSync, readdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { copySampleWorkspace, pvpatch, readTree, tempDir, writeTree } from '../helpers/cli.js';

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

const have = (cmd: string, args: string[]): boolean => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
const hasTar = have('tar', ['--version']);
const hasBash = have('bash', ['--version']);

async function sha256(file: string): Promise<string> {
  return createHash('sha256').update(await fsp.readFile(file)).digest('hex');
}

describe('pvpatch export --tarball', () => {
  let ws: string;
  beforeAll(async () => {
    ws = await sampleWorkspace();
  });

  it('is byte-reproducible: two runs give the same sha256', async () => {
    const [a, b] = [await tempDir(), await tempDir()];
    const r1 = pvpatch(['export', '--tarball', path.join(a, 'pvdrivers-1.0.tar.gz'), '--json'], { cwd: ws, env: { SOURCE_DATE_EPOCH: '' } });
    expect(r1.stderr).toBe('');
    expect(r1.code).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const r2 = pvpatch(['export', '--tarball', path.join(b, 'pvdrivers-1.0.tar.gz')], { cwd: ws, env: { SOURCE_DATE_EPOCH: '' } });
    expect(r2.code).toBe(0);
    const [h1, h2] = [await sha256(path.join(a, 'pvdrivers-1.0.tar.gz')), await sha256(path.join(b, 'pvdrivers-1.0.tar.gz'))];
    expect(h1).toBe(h2);
    const out = JSON.parse(r1.stdout);
    expect(out.tarball.sha256).toBe(h1);
    expect(out).toMatchObject({ name: 'pvdrivers', version: '1.0', drop: '1.0' });
    expect(out.modules.map((m: { name: string }) => m.name)).toEqual(['blkfront', 'netfront', 'platform-pci', 'xenbus-mod']);
    expect(r2.stdout).toContain(`sha256 ${h1}`);
    // gzip without a timestamp or a name (gzip -n).
    const gz = await fsp.readFile(path.join(a, 'pvdrivers-1.0.tar.gz'));
    expect([...gz.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3]);
    // SOURCE_DATE_EPOCH sets the mtime, and so the bytes.
    const c = await tempDir();
    pvpatch(['export', '--tarball', path.join(c, 'pvdrivers-1.0.tar.gz')], { cwd: ws, env: { SOURCE_DATE_EPOCH: '1700000000' } });
    expect(await sha256(path.join(c, 'pvdrivers-1.0.tar.gz'))).not.toBe(h1);
  });

  it.skipIf(!hasTar)('holds the annotated tree, Kbuild, Makefile, dkms.conf and the manifest, sorted, 0/root, 0644/0755, fixed mtime', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'pvdrivers-2.0.tar.gz');
    expect(pvpatch(['export', '--tarball', file], { cwd: ws, env: { SOURCE_DATE_EPOCH: '1700000000' } }).code).toBe(0);
    const listing = execFileSync('tar', ['--numeric-owner', '--full-time', '-tvzf', file], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } }).trim().split('\n');
    for (const l of listing) expect(l).toMatch(/^(-rw-r--r-- 0\/0 .* 2023-11-14 22:13:20 pvdrivers-2\.0\/\S+[^/]|drwxr-xr-x 0\/0 .* 2023-11-14 22:13:20 pvdrivers-2\.0\/(\S+\/)?)$/);
    const names = listing.map((l) => l.slice(l.indexOf('pvdrivers-2.0/')));
    expect(names).toEqual([...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
    expect(names).toEqual(expect.arrayContaining(['pvdrivers-2.0/', 'pvdrivers-2.0/Kbuild', 'pvdrivers-2.0/Makefile', 'pvdrivers-2.0/dkms.conf', 'pvdrivers-2.0/.pvpatch/manifest.json', 'pvdrivers-2.0/blkfront/blkfront.c']));
    expect(execFileSync('tar', ['-tvzf', file], { encoding: 'utf8' })).toMatch(/^-rw-r--r-- root\/root /m);

    // The files are exactly what `pvpatch apply` writes, plus the generated ones.
    const x = await tempDir();
    execFileSync('tar', ['-xzf', file, '-C', x]);
    const exported = await readTree(path.join(x, 'pvdrivers-2.0'));
    expect(pvpatch(['apply'], { cwd: ws }).code).toBe(0);
    const applied = await readTree(path.join(ws, 'out'), ['.pvpatch/build']);
    for (const [rel, text] of Object.entries(applied)) expect([rel, exported[rel]]).toEqual([rel, text]);
    expect(Object.keys(exported).sort()).toEqual([...Object.keys(applied), 'Kbuild', 'Makefile', 'dkms.conf'].sort());
    expect(exported['blkfront/blkfront.c']).toContain('/* pvpatch: blkfront/elevator-noop */');
    expect(exported['Kbuild']).toContain('obj-m += xenbus/xenbus-mod.o\nxenbus/xenbus-mod-y := xenbus/xenbus.o xenbus/xenbus_probe.o\n');
    expect(exported['dkms.conf']).toContain('PACKAGE_VERSION="2.0"');
  });

  it('refuses what it cannot name and needs something to export (exit 2)', () => {
    for (const [args, message] of [
      [['export'], /nothing to export: give --tarball FILE and\/or --dkms/],
      [['export', '--tarball', '/tmp/drivers.tar.gz'], /cannot tell the package name and version from "\/tmp\/drivers\.tar\.gz"/],
      [['export', '--tarball', '/tmp/p-1.tar.gz', '--dir', '/tmp/x'], /--dir goes with --dkms/],
      [['export', '--tarball', '/tmp/p-1.tar.gz', '--drop', '9.9'], /unknown drop "9\.9"/],
    ] as const) {
      const r = pvpatch([...args], { cwd: ws });
      expect([args.join(' '), r.code]).toEqual([args.join(' '), 2]);
      expect(r.stderr).toMatch(message);
    }
  });
});

describe('pvpatch export --dkms', () => {
  it.skipIf(!hasBash)('writes a DKMS source tree whose dkms.conf bash sources into the expected fields', async () => {
    const ws = await sampleWorkspace();
    const r = pvpatch(['export', '--dkms', '--name', 'xen-pv', '--version', '1.0.3', '--json'], { cwd: ws });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const dir = JSON.parse(r.stdout).dkms.dir;
    expect(dir).toBe(path.join(ws, 'out/dkms/xen-pv-1.0.3'));
    const tree = await readTree(dir);
    expect(Object.keys(tree)).toEqual(expect.arrayContaining(['dkms.conf', 'Kbuild', 'Makefile', '.pvpatch/manifest.json', 'netfront/netfront.c']));
    const script = [
      'set -eu', 'kernel_source_dir=/usr/src/linux-headers-K', 'dkms_tree=/var/lib/dkms', 'source ./dkms.conf',
      'echo "$PACKAGE_NAME $PACKAGE_VERSION ${BUILT_MODULE_NAME[*]} | ${BUILT_MODULE_LOCATION[*]} | ${DEST_MODULE_LOCATION[0]} $AUTOINSTALL"',
      'echo "${MAKE[0]}"',
      'for r in 2.6.5-7.308-smp 2.6.9-89.ELsmp 2.6.18-398.el5 2.6.27 2.6.4 2.6.28 6.1.0-28-amd64; do [[ $r =~ $BUILD_EXCLUSIVE_KERNEL ]] && echo "$r in" || echo "$r out"; done',
    ].join('\n');
    const out = execFileSync('bash', ['-c', script], { cwd: dir, encoding: 'utf8' }).trim().split('\n');
    expect(out).toEqual([
      'xen-pv 1.0.3 blkfront netfront platform-pci xenbus-mod | blkfront/ netfront/ platform-pci/ xenbus/ | /updates/dkms yes',
      'make -C /usr/src/linux-headers-K M=/var/lib/dkms/xen-pv/1.0.3/build modules',
      '2.6.5-7.308-smp in', '2.6.9-89.ELsmp in', '2.6.18-398.el5 in', '2.6.27 in', '2.6.4 out', '2.6.28 out', '6.1.0-28-amd64 out',
    ]);
    // A second export replaces the tree it wrote; a foreign non-empty directory is refused.
    expect(pvpatch(['export', '--dkms', '--name', 'xen-pv', '--version', '1.0.3'], { cwd: ws }).code).toBe(0);
    const foreign = await tempDir();
    await fsp.writeFile(path.join(foreign, 'mine.txt'), 'x');
    const refused = pvpatch(['export', '--dkms', '--dir', foreign], { cwd: ws });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/refusing to replace .*: it is not empty and was not written by pvpatch/);
  });

  // Debian's real dkms against kernel headers the kbuild recipe cached (~/.cache/pvpatch/kernels/*):
  // only where both exist; the sample's drivers are miniatures, so a real (tiny) module is built.
  const cache = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'pvpatch');
  const headers = existsSync(path.join(cache, 'kernels'))
    ? readdirSync(path.join(cache, 'kernels')).flatMap((k) => {
      const src = path.join(cache, 'kernels', k, 'root/usr/src');
      return existsSync(src) ? readdirSync(src).filter((d) => /^linux-headers-.*-(amd64|arm64)$/.test(d)).map((d) => path.join(src, d)) : [];
    })
    : [];
  const hasDkms = have('dkms', ['--version']) && headers.length > 0 && have('make', ['--version']);

  it.skipIf(!hasDkms)('builds with Debian\'s dkms against every cached kernel', async () => {
    const root = await tempDir('pvpatch-dkms-');
    await writeTree(root, {
      'src/hello/hello.c': [
        '#include <linux/module.h>', '#include <linux/init.h>', '#include <linux/version.h>', '',
        'static int __init hello_init(void)', '{', '#if LINUX_VERSION_CODE < KERNEL_VERSION(6,5,0)', '\tpr_info("hello, older kernel\\n");', '#else',
        '\tpr_info("hello\\n");', '#endif', '\treturn 0;', '}', '', 'static void __exit hello_exit(void)', '{', '}', '',
        'module_init(hello_init);', 'module_exit(hello_exit);', 'MODULE_LICENSE("GPL");', '',
      ].join('\n'),
    });
    const ws = path.join(root, 'ws');
    pvpatch(['init', ws]);
    const releases = headers.map((h) => path.basename(h).replace(/^linux-headers-/, ''));
    const versions = releases.map((r) => (/^(\d+\.\d+)/.exec(r)?.[1] ?? '6.1') + '.0');
    await fsp.writeFile(path.join(ws, 'kernels.json'), JSON.stringify({ kernels: versions.map((v, i) => ({ name: `k${i}`, version: v, build: { kind: 'cc', include: [] } })) }));
    expect(pvpatch(['upstream', 'import', path.join(root, 'src'), '--version', '1.0'], { cwd: ws }).code).toBe(0);
    const sourceTree = path.join(root, 'usr-src');
    const dkmsTree = path.join(root, 'var-lib-dkms');
    await fsp.mkdir(dkmsTree);
    expect(pvpatch(['export', '--dkms', '--name', 'pvhello', '--dir', path.join(sourceTree, 'pvhello-1.0')], { cwd: ws }).code).toBe(0);
    const env = { ...process.env, PATH: `${path.join(cache, 'tools/root/usr/bin')}:${process.env.PATH ?? ''}` };
    const dkms = (args: string[]): { code: number; out: string } => {
      const r = spawnSync('dkms', [...args, '-m', 'pvhello', '-v', '1.0', '--sourcetree', sourceTree, '--dkmstree', dkmsTree], { env, encoding: 'utf8' });
      return { code: r.status ?? 128, out: r.stdout + r.stderr };
    };
    expect(dkms(['add']).code).toBe(0);
    headers.forEach((h, i) => {
      const r = dkms(['build', '-k', releases[i] as string, '--kernelsourcedir', h]);
      const log = path.join(dkmsTree, 'pvhello/1.0/build/make.log');
      expect([releases[i], r.code, r.code === 0 ? '' : r.out + (existsSync(log) ? execFileSync('tail', ['-20', log], { encoding: 'utf8' }) : '')]).toEqual([releases[i], 0, '']);
      expect(existsSync(path.join(dkmsTree, 'pvhello/1.0', releases[i] as string, os.arch() === 'arm64' ? 'aarch64' : 'x86_64', 'module/hello.ko'))).toBe(true);
    });
    // BUILD_EXCLUSIVE_KERNEL keeps it off kernels outside kernels.json.
    const outside = dkms(['build', '-k', '5.10.0-30-amd64', '--kernelsourcedir', headers[0] as string]);
    expect(outside.code).toBe(77);
    expect(outside.out).toMatch(/BUILD_EXCLUSIVE directive which does not match this kernel/);
  });
});
