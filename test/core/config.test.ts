import { describe, expect, it } from 'vitest';
import { parseKernelsConfig, findKernel } from '../../src/core/config.js';
import { ConfigError } from '../../src/core/errors.js';

const good = `{
  "macros": { "RHEL_RELEASE_VERSION(a,b)": "(((a) << 8) + (b))", "PV_FLAG": "1" },
  "kernels": [
    { "name": "sles9", "version": "2.6.5", "defines": { "SLE_VERSION_CODE": "SLE_VERSION(9,3,0)" },
      "build": { "kind": "cc", "include": ["kernels/sles9/include"] } },
    { "name": "rhel4", "version": "2.6.9",
      "build": { "kind": "cc", "include": [] } }
  ]
}`;

function errorOf(f: () => unknown): ConfigError {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('parseKernelsConfig', () => {
  it('reads macros and kernels', () => {
    const c = parseKernelsConfig(good);
    expect(c.macros).toEqual([
      { name: 'RHEL_RELEASE_VERSION', params: ['a', 'b'], body: '(((a) << 8) + (b))' },
      { name: 'PV_FLAG', params: [], body: '1' },
    ]);
    expect(c.kernels.map((k) => [k.name, k.code])).toEqual([['sles9', 0x020605], ['rhel4', 0x020609]]);
    expect(findKernel(c, 'rhel4').defines).toEqual({});
  });
  it('names the line of a bad version', () => {
    const e = errorOf(() => parseKernelsConfig(good.replace('"2.6.9"', '"2.6.x"')));
    expect(e.describe()).toBe('kernels.json:6: bad kernel version "2.6.x" (expected a.b or a.b.c, e.g. 2.6.18)');
  });
  it('names the line of a duplicate kernel', () => {
    const e = errorOf(() => parseKernelsConfig(good.replace('"rhel4"', '"sles9"')));
    expect(e.message).toMatch(/duplicate kernel "sles9" \(first defined at line 4\)/);
  });
  it('gives line and column of bad JSON', () => {
    const e = errorOf(() => parseKernelsConfig('{\n  "kernels": [\n    { "name": "a", }\n  ]\n}'));
    expect(e.location).toEqual({ file: 'kernels.json', line: 3, column: 20 });
    expect(e.describe()).toMatch(/^kernels\.json:3:20: invalid JSON/);
  });
  it('rejects unknown build kinds and bad macro keys', () => {
    expect(errorOf(() => parseKernelsConfig(good.replace('"kind": "cc", "include": []', '"kind": "ninja"'))).message).toMatch(/unknown build kind "ninja"/);
    expect(errorOf(() => parseKernelsConfig(good.replace('RHEL_RELEASE_VERSION(a,b)', 'RHEL RELEASE(a,b)'))).message).toMatch(/expected NAME/);
  });
  it('reports an unknown kernel with the known ones', () => {
    expect(() => findKernel(parseKernelsConfig(good), 'rhel9')).toThrow('unknown kernel "rhel9" (kernels.json has: sles9, rhel4)');
  });
});

describe('__has_include declarations', () => {
  it('accepts __has_include(<x.h>) keys in defines', () => {
    const c = parseKernelsConfig('{"kernels":[{"name":"k","version":"6.1","defines":{"__has_include(<net/page_pool/types.h>)":"0"},"build":{"kind":"cc"}}]}');
    expect(c.kernels[0]?.defines).toEqual({ '__has_include(<net/page_pool/types.h>)': '0' });
  });
});
