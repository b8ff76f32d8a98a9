import { describe, expect, it } from 'vitest';
import {
  classifyHeadersDepends,
  fixHeadersMakefile,
  judgeKbuild,
  kbuildArgs,
  kbuildFileText,
  packageGlobToRegExp,
  packageStamp,
  parseControlStanza,
  parseDepends,
  parseKbuildLog,
  parseKernelVariables,
  pickNewestName,
  satisfies,
} from '../../src/io/build/kbuild.js';

// `apt-cache show linux-headers-6.1.0-56-amd64=6.1.192-2` (abridged).
const SHOW_61 = `Package: linux-headers-6.1.0-56-amd64
Source: linux (6.1.192-2)
Version: 6.1.192-2
Depends: linux-headers-6.1.0-56-common (= 6.1.192-2), linux-kbuild-6.1 (>= 6.1.192-2), linux-compiler-gcc-12-x86
Description: Header files for Linux 6.1.0-56-amd64
 This package provides the architecture-specific kernel header files
 for Linux kernel 6.1.0-56-amd64.

Package: linux-headers-6.1.0-56-amd64
Version: 6.1.176-1
`;
const DEPENDS_612 =
  'linux-base (>= 4.12~), linux-headers-6.12.117+deb12-common (= 6.12.117-1~deb12u1), linux-image-6.12.117+deb12-amd64 (= 6.12.117-1~deb12u1) | linux-image-6.12.117+deb12-amd64-unsigned (= 6.12.117-1~deb12u1), linux-kbuild-6.12.117+deb12, gcc-12';

describe('apt metadata', () => {
  it('reads the first stanza, joining continuation lines', () => {
    const f = parseControlStanza(SHOW_61);
    expect(f.Version).toBe('6.1.192-2');
    expect(f.Description).toBe('Header files for Linux 6.1.0-56-amd64\nThis package provides the architecture-specific kernel header files\nfor Linux kernel 6.1.0-56-amd64.');
  });
  it('parses Depends into alternatives with constraints', () => {
    const d = parseDepends(DEPENDS_612);
    expect(d).toHaveLength(5);
    expect(d[1]).toEqual([{ name: 'linux-headers-6.12.117+deb12-common', op: '=', version: '6.12.117-1~deb12u1' }]);
    expect(d[2]?.map((x) => x.name)).toEqual(['linux-image-6.12.117+deb12-amd64', 'linux-image-6.12.117+deb12-amd64-unsigned']);
    expect(d[4]).toEqual([{ name: 'gcc-12' }]);
    expect(parseDepends('pahole:any (>= 1.16), libc6')).toEqual([[{ name: 'pahole', op: '>=', version: '1.16' }], [{ name: 'libc6' }]]);
  });
  it('sorts a flavour package\'s dependencies into common headers, kbuild and compiler', () => {
    const d61 = classifyHeadersDepends(parseDepends(parseControlStanza(SHOW_61).Depends ?? ''));
    expect(d61.common.map((c) => c.name)).toEqual(['linux-headers-6.1.0-56-common']);
    expect(d61.kbuild).toEqual({ name: 'linux-kbuild-6.1', op: '>=', version: '6.1.192-2' });
    expect(d61.compiler).toBe('gcc-12');
    const d612 = classifyHeadersDepends(parseDepends(DEPENDS_612));
    expect(d612.common.map((c) => c.name)).toEqual(['linux-headers-6.12.117+deb12-common']);
    expect(d612.kbuild?.name).toBe('linux-kbuild-6.12.117+deb12');
    expect(d612.compiler).toBe('gcc-12');
    expect(classifyHeadersDepends(parseDepends('linux-headers-6.1.0-56-common-rt (= 6.1.192-2)')).common[0]?.name).toBe('linux-headers-6.1.0-56-common-rt');
  });
  it('checks Debian version constraints', () => {
    expect(satisfies('6.1.192-2', { name: 'k', op: '>=', version: '6.1.192-2' })).toBe(true);
    expect(satisfies('6.1.176-1', { name: 'k', op: '>=', version: '6.1.192-2' })).toBe(false);
    expect(satisfies('6.12.117-1~deb12u1', { name: 'k', op: '=', version: '6.12.117-1~deb12u1' })).toBe(true);
    expect(satisfies('1.0~rc1', { name: 'k', op: '<<', version: '1.0' })).toBe(true);
    expect(satisfies('anything', { name: 'k' })).toBe(true);
  });
});

describe('headers package names', () => {
  const names = ['linux-headers-6.1.0-9-amd64', 'linux-headers-6.1.0-56-amd64', 'linux-headers-6.1.0-56-rt-amd64', 'linux-headers-6.1.0-56-cloud-amd64', 'linux-headers-6.1.0-47-amd64', 'linux-headers-6.1.0-56-common'];
  it('lets * stand for one dash-free part, so flavours do not leak into each other', () => {
    expect(packageGlobToRegExp('linux-headers-6.1.0-*-amd64').test('linux-headers-6.1.0-56-rt-amd64')).toBe(false);
    expect(packageGlobToRegExp('linux-headers-6.12.*+deb12-amd64').test('linux-headers-6.12.117+deb12-amd64')).toBe(true);
    expect(packageGlobToRegExp('linux-headers-6.12.*+deb12-amd64').test('linux-headers-6.12.117+deb12-rt-amd64')).toBe(false);
  });
  it('picks the newest ABI numerically, and keeps plain names', () => {
    expect(pickNewestName('linux-headers-6.1.0-*-amd64', names)).toBe('linux-headers-6.1.0-56-amd64');
    expect(pickNewestName('linux-headers-6.1.0-*-rt-amd64', names)).toBe('linux-headers-6.1.0-56-rt-amd64');
    expect(pickNewestName('linux-headers-6.2.0-*-amd64', names)).toBeUndefined();
    expect(pickNewestName('linux-headers-6.1.0-47-amd64', [])).toBe('linux-headers-6.1.0-47-amd64');
  });
});

describe('unpacked headers', () => {
  it('points the flavour Makefile\'s absolute include into the cache root', () => {
    expect(fixHeadersMakefile('include /usr/src/linux-headers-6.1.0-56-common/Makefile\n', '/c/kernels/debian-6.1/root')).toBe(
      'include /c/kernels/debian-6.1/root/usr/src/linux-headers-6.1.0-56-common/Makefile\n',
    );
    const done = 'include /c/root/usr/src/linux-headers-6.1.0-56-common/Makefile\n';
    expect(fixHeadersMakefile(done, '/c/root')).toBe(done);
  });
  it('reads KERNELRELEASE and the compiler from .kernelvariables', () => {
    const text = `override ARCH = x86
override KERNELRELEASE = 6.12.117+deb12-amd64
CCACHE = ccache
CC = $(if $(DEBIAN_KERNEL_USE_CCACHE),$(CCACHE)) $(CROSS_COMPILE)gcc-12
DEB_BUILD_ARCH ?= $(shell dpkg --print-architecture)
override CROSS_COMPILE = x86_64-linux-gnu-
`;
    expect(parseKernelVariables(text)).toEqual({ release: '6.12.117+deb12-amd64', compiler: 'gcc-12' });
    expect(parseKernelVariables('')).toEqual({});
  });
});

describe('make invocation', () => {
  it('writes one obj-m line per module source', () => {
    expect(kbuildFileText(['drivers/block/xen-blkfront.c', 'drivers/net/xen-netfront.o'])).toBe('obj-m += drivers/block/xen-blkfront.o\nobj-m += drivers/net/xen-netfront.o\n');
  });
  it('passes M=, -j, -k and the cflags through ccflags-y (-Werror by default)', () => {
    expect(kbuildArgs('/h', '/t')).toEqual(['-C', '/h', 'M=/t', 'modules', 'ccflags-y=-Werror']);
    expect(kbuildArgs('/h', '/t', { jobs: 2, keepGoing: true, cflags: ['-Werror', '-DX=1'] })).toEqual(['-C', '/h', 'M=/t', '-j2', '-k', 'modules', 'ccflags-y=-Werror -DX=1']);
    expect(kbuildArgs('/h', '/t', { cflags: [] })).toEqual(['-C', '/h', 'M=/t', 'modules']);
  });
});

// Real lines from builds of the upstream 6.12 drivers against Debian 6.1 headers.
const FAILED_LOG = `make: Entering directory '/c/usr/src/linux-headers-6.1.0-56-amd64'
  CC [M]  /w/t/drivers/block/xen-blkfront.o
/w/t/drivers/block/xen-blkfront.c:512:51: error: unknown type name 'blk_mode_t'; did you mean 'blk_opf_t'?
  512 | static int blkif_ioctl(struct block_device *bdev, blk_mode_t mode,
/w/t/drivers/block/xen-blkfront.c:1615:33: error: implicit declaration of function 'blk_queue_disable_discard' [-Werror=implicit-function-declaration]
cc1: some warnings being treated as errors
make[2]: *** [/c/usr/src/linux-headers-6.1.0-56-common/scripts/Makefile.build:250: /w/t/drivers/block/xen-blkfront.o] Error 1
/w/t/drivers/net/xen-netfront.c:48:10: fatal error: net/page_pool/types.h: No such file or directory
make: *** [/c/usr/src/linux-headers-6.1.0-56-common/Makefile:2037: /w/t] Error 2
`;
const UNDEFINED_LOG = `  MODPOST /w/t/Module.symvers
WARNING: modpost: "blk_queue_disable_discard" [/w/t/drivers/block/xen-blkfront.ko] undefined!
  LD [M]  /w/t/drivers/block/xen-blkfront.ko
Skipping BTF generation for /w/t/drivers/block/xen-blkfront.ko due to unavailability of vmlinux
`;
const CLEAN_LOG = `  CC [M]  /w/t/drivers/pci/xen-pcifront.o
  MODPOST /w/t/Module.symvers
  LD [M]  /w/t/drivers/pci/xen-pcifront.ko
  BTF [M] /w/t/drivers/pci/xen-pcifront.ko
Skipping BTF generation for /w/t/drivers/pci/xen-pcifront.ko due to unavailability of vmlinux
`;

describe('parseKbuildLog / judgeKbuild', () => {
  it('collects compiler, fatal and make errors with tree-relative paths', () => {
    const d = parseKbuildLog(FAILED_LOG, '/w/t');
    expect(d.errors[0]).toBe("drivers/block/xen-blkfront.c:512:51: error: unknown type name 'blk_mode_t'; did you mean 'blk_opf_t'?");
    expect(d.errors.some((e) => e.startsWith('drivers/net/xen-netfront.c:48:10: fatal error'))).toBe(true);
    expect(d.undefinedSymbols).toEqual([]);
    const j = judgeKbuild(2, FAILED_LOG, '/w/t/');
    expect(j.ok).toBe(false);
    expect(j.firstErrors[0]).toMatch(/^drivers\/block\/xen-blkfront\.c:512:51: error/);
    expect(j.firstErrors.at(-1)).toMatch(/^make(\[2\])?: \*\*\*/);
  });
  it('fails on modpost undefined symbols even when make exits 0', () => {
    expect(parseKbuildLog(UNDEFINED_LOG, '/w/t').undefinedSymbols).toEqual(['blk_queue_disable_discard (drivers/block/xen-blkfront.ko)']);
    expect(judgeKbuild(0, UNDEFINED_LOG, '/w/t')).toEqual({ ok: false, firstErrors: ['modpost: undefined symbol blk_queue_disable_discard (drivers/block/xen-blkfront.ko)'] });
  });
  it('fails on any remaining warning line, passes a clean log', () => {
    expect(judgeKbuild(0, 'drivers/x.o: warning: objtool: foo() falls through to next function\n').ok).toBe(false);
    expect(judgeKbuild(0, CLEAN_LOG, '/w/t')).toEqual({ ok: true, firstErrors: [] });
    expect(judgeKbuild(2, '', '/w/t')).toEqual({ ok: false, firstErrors: ['make exited with 2'] });
  });
});

describe('packageStamp', () => {
  it('writes one package=version line per unpacked package, like run.sh', () => {
    expect(packageStamp([{ package: 'linux-headers-6.1.0-56-amd64', version: '6.1.192-2' }, { package: 'linux-kbuild-6.1', version: '6.1.192-2' }])).toBe(
      'linux-headers-6.1.0-56-amd64=6.1.192-2\nlinux-kbuild-6.1=6.1.192-2\n',
    );
  });
});
