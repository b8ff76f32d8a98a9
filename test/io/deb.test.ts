import { describe, expect, it } from 'vitest';
import {
  aptDownloadArgs,
  compareDebVersions,
  debFileName,
  defaultCacheDir,
  findSourceTarball,
  parseDebSpec,
  parseMadison,
  pickVersion,
  tarExtractArgs,
  upstreamOf,
  versionsOf,
} from '../../src/io/sources/deb.js';
import { InputError } from '../../src/core/errors.js';

// `apt-cache madison linux-source-6.12 linux-source-6.1` on Debian 12, November 2026.
const MADISON = `linux-source-6.12 | 6.12.117-1~deb12u1 | http://deb.debian.org/debian-security bookworm-security/main amd64 Packages
linux-source-6.12 | 6.12.115-2~deb12u1 | http://deb.debian.org/debian-security bookworm-security/main amd64 Packages
linux-source-6.12 | 6.12.113-1~deb12u1 | http://deb.debian.org/debian-security bookworm-security/main amd64 Packages
linux-source-6.12 | 6.12.111-1~deb12u1 | http://deb.debian.org/debian-security bookworm-security/main amd64 Packages
linux-source-6.12 | 6.12.107-1~deb12u1 | http://deb.debian.org/debian-security bookworm-security/main amd64 Packages
linux-source-6.1 |  6.1.192-2 | http://deb.debian.org/debian-security bookworm-security/main amd64 Packages
linux-source-6.1 |  6.1.192-1 | http://deb.debian.org/debian-security bookworm-security/main amd64 Packages
linux-source-6.1 |  6.1.176-1 | http://deb.debian.org/debian bookworm/main amd64 Packages
     linux | 6.1.176-1 | http://deb.debian.org/debian bookworm/main Sources
`;

describe('parseDebSpec', () => {
  it('reads exact versions, upstream versions, oldest/newest and the default', () => {
    expect(parseDebSpec('deb:linux-source-6.12=6.12.107-1~deb12u1')).toEqual({ package: 'linux-source-6.12', request: { kind: 'exact', version: '6.12.107-1~deb12u1' } });
    expect(parseDebSpec('deb:linux-source-6.12=6.12.107')).toEqual({ package: 'linux-source-6.12', request: { kind: 'upstream', upstream: '6.12.107' } });
    expect(parseDebSpec('deb:linux-source-6.12=oldest').request).toEqual({ kind: 'oldest' });
    expect(parseDebSpec('deb:linux-source-6.12').request).toEqual({ kind: 'newest' });
    expect(parseDebSpec('linux-source-6.12=newest').request).toEqual({ kind: 'newest' });
  });
  it('refuses names and versions apt would not take', () => {
    expect(() => parseDebSpec('deb:Linux Source')).toThrow(InputError);
    expect(() => parseDebSpec('deb:linux-source-6.12=latest!')).toThrow(/not a Debian version/);
  });
});

describe('parseMadison', () => {
  it('keeps binary entries, trims the columns and skips source lines', () => {
    const e = parseMadison(MADISON);
    expect(e).toHaveLength(8);
    expect(e[5]).toEqual({ package: 'linux-source-6.1', version: '6.1.192-2', origin: 'http://deb.debian.org/debian-security bookworm-security/main amd64 Packages' });
    expect(e.some((x) => x.package === 'linux')).toBe(false);
  });
  it('gives nothing for apt\'s "N: Unable to locate" chatter', () => {
    expect(parseMadison('N: Unable to locate package nosuch\n')).toEqual([]);
  });
});

describe('compareDebVersions', () => {
  it('orders like dpkg: numbers numerically, ~ before everything, epochs first', () => {
    const sorted = ['6.12.9-1', '6.12.107-1~deb12u1', '6.12.107-1', '6.12.107-1~deb12u2', '1:1.0-1', '6.12.115-2~deb12u1'].sort(compareDebVersions);
    expect(sorted).toEqual(['6.12.9-1', '6.12.107-1~deb12u1', '6.12.107-1~deb12u2', '6.12.107-1', '6.12.115-2~deb12u1', '1:1.0-1']);
    expect(compareDebVersions('1.0~rc1', '1.0')).toBeLessThan(0);
    expect(compareDebVersions('1.0a', '1.0+')).toBeLessThan(0);
    expect(compareDebVersions('6.1.192-2', '6.1.192-2')).toBe(0);
  });
  it('splits off the revision at the last dash', () => {
    expect(upstreamOf('6.12.107-1~deb12u1')).toBe('6.12.107');
    expect(upstreamOf('1:2.3-4-5')).toBe('2.3-4');
    expect(upstreamOf('6.1.192')).toBe('6.1.192');
  });
});

describe('pickVersion', () => {
  const entries = parseMadison(MADISON);
  it('picks oldest and newest by Debian order, not by madison order', () => {
    expect(versionsOf('linux-source-6.12', entries)[0]).toBe('6.12.107-1~deb12u1');
    expect(pickVersion('linux-source-6.12', entries, { kind: 'oldest' })).toBe('6.12.107-1~deb12u1');
    expect(pickVersion('linux-source-6.12', entries, { kind: 'newest' })).toBe('6.12.117-1~deb12u1');
  });
  it('takes an exact version, or the newest revision of an upstream version', () => {
    expect(pickVersion('linux-source-6.12', entries, { kind: 'exact', version: '6.12.113-1~deb12u1' })).toBe('6.12.113-1~deb12u1');
    expect(pickVersion('linux-source-6.1', entries, { kind: 'upstream', upstream: '6.1.192' })).toBe('6.1.192-2');
  });
  it('names the missing version and lists what the mirror has, newest first', () => {
    expect(() => pickVersion('linux-source-6.12', entries, { kind: 'exact', version: '6.12.99-1~deb12u1' })).toThrow(
      'linux-source-6.12=6.12.99-1~deb12u1 is not on the mirror (any more); the mirror has: 6.12.117-1~deb12u1, 6.12.115-2~deb12u1, 6.12.113-1~deb12u1, 6.12.111-1~deb12u1, 6.12.107-1~deb12u1',
    );
    expect(() => pickVersion('linux-source-6.12', entries, { kind: 'upstream', upstream: '6.12.120' })).toThrow(/no version 6\.12\.120 on the mirror.*6\.12\.117-1~deb12u1/);
    expect(() => pickVersion('linux-source-7.0', entries, { kind: 'newest' })).toThrow(/apt knows no version/);
  });
});

describe('apt and tar arguments', () => {
  it('names .deb files like apt-get download', () => {
    expect(debFileName('linux-source-6.12', '6.12.107-1~deb12u1', 'all')).toBe('linux-source-6.12_6.12.107-1~deb12u1_all.deb');
    expect(debFileName('foo', '2:1.0-1', 'amd64')).toBe('foo_2%3a1.0-1_amd64.deb');
    expect(aptDownloadArgs([{ package: 'pahole', version: '1.24-4.1' }])).toEqual(['-q', '-o', 'APT::Sandbox::User=root', 'download', 'pahole=1.24-4.1']);
  });
  it('finds the source tarball in a dpkg-deb -c listing', () => {
    const listing = `drwxr-xr-x root/root         0 2026-09-10 14:48 ./usr/src/
-rw-r--r-- root/root     11761 2025-06-27 14:27 ./usr/share/doc/linux-source-6.12/copyright
-rw-r--r-- root/root 151405560 2026-09-10 14:48 ./usr/src/linux-source-6.12.tar.xz
`;
    expect(findSourceTarball(listing)).toBe('./usr/src/linux-source-6.12.tar.xz');
    expect(findSourceTarball('-rw-r--r-- root/root 1 2026-01-01 00:00 ./usr/share/doc/x\n')).toBeUndefined();
  });
  it('extracts only the tracked paths under the tarball top directory, threaded xz', () => {
    expect(tarExtractArgs('/t/linux-source-6.12.tar.xz', 'linux-source-6.12', ['drivers/block/xen-blkfront.c', 'drivers/char/tpm/**/*.h'], '/out')).toEqual([
      '-I', 'xz -T0', '-x', '-f', '/t/linux-source-6.12.tar.xz', '-C', '/out', '--strip-components=1', '--no-same-owner', '--no-same-permissions', '--wildcards',
      'linux-source-6.12/drivers/block/xen-blkfront.c', 'linux-source-6.12/drivers/char/tpm/*.h',
    ]);
  });
  it('puts the cache under PVPATCH_CACHE, XDG_CACHE_HOME or ~/.cache', () => {
    expect(defaultCacheDir({ PVPATCH_CACHE: '/c' })).toBe('/c');
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/pvpatch');
    expect(defaultCacheDir({})).toMatch(/\.cache\/pvpatch$/);
  });
});
