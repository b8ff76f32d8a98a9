import { describe, expect, it } from 'vitest';
import { parseKernelVersion, versionCode } from '../../src/core/kernel-version.js';
import { ConfigError } from '../../src/core/errors.js';

describe('parseKernelVersion', () => {
  it('computes LINUX_VERSION_CODE like KERNEL_VERSION(a,b,c)', () => {
    expect(versionCode(parseKernelVersion('2.6.18'))).toBe((2 << 16) + (6 << 8) + 18);
    expect(versionCode(parseKernelVersion('6.1'))).toBe((6 << 16) + (1 << 8));
  });
  it('rejects 2.6.x with the location', () => {
    expect(() => parseKernelVersion('2.6.x', { file: 'kernels.json', line: 4 })).toThrow(ConfigError);
    try {
      parseKernelVersion('2.6.x', { file: 'kernels.json', line: 4 });
    } catch (e) {
      expect((e as ConfigError).describe()).toBe('kernels.json:4: bad kernel version "2.6.x" (expected a.b or a.b.c, e.g. 2.6.18)');
    }
  });
  it('rejects fields over 255', () => {
    expect(() => parseKernelVersion('2.6.300')).toThrow(/at most 255/);
  });
});
