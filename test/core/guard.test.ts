import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseKernelsConfig, type KernelsConfig } from '../../src/core/config.js';
import { InputError } from '../../src/core/errors.js';
import {
  cppConditionOracle, guardCondition, guardSpecOracle, kernelBranches, parseFileRange, parseGuardSpec, wrapInGuard,
} from '../../src/core/guard.js';
import { REPO } from '../helpers/cli.js';

const sample: KernelsConfig = parseKernelsConfig(readFileSync(path.join(REPO, 'kernels.json'), 'utf8'));
const bare = parseKernelsConfig(JSON.stringify({ kernels: [{ name: 'k', version: '2.6.9', build: { kind: 'cc' } }] }));

function thrown(fn: () => unknown): InputError {
  try {
    fn();
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  throw new Error('expected an InputError');
}

describe('guard conditions', () => {
  it('builds the plain version test', () => {
    expect(guardCondition(parseGuardSpec({ below: '2.6.16' }, sample))).toBe('LINUX_VERSION_CODE < KERNEL_VERSION(2,6,16)');
    expect(guardCondition(parseGuardSpec({ below: '6.1' }, sample))).toBe('LINUX_VERSION_CODE < KERNEL_VERSION(6,1,0)');
  });

  it('adds the distro backport clauses with the declared macros', () => {
    expect(guardCondition(parseGuardSpec({ below: '2.6.16', rhel: '5.4' }, sample))).toBe(
      'LINUX_VERSION_CODE < KERNEL_VERSION(2,6,16) && !(defined(RHEL_RELEASE_CODE) && RHEL_RELEASE_CODE >= RHEL_RELEASE_VERSION(5,4))',
    );
    expect(guardCondition(parseGuardSpec({ below: '2.6.19', sles: '10.2' }, sample))).toBe(
      'LINUX_VERSION_CODE < KERNEL_VERSION(2,6,19) && !(defined(SLE_VERSION_CODE) && SLE_VERSION_CODE >= SLE_VERSION(10,2,0))',
    );
    expect(guardCondition(parseGuardSpec({ below: '2.6.19', rhel: '5', sles: '10.2.1' }, sample))).toBe(
      'LINUX_VERSION_CODE < KERNEL_VERSION(2,6,19) && !(defined(RHEL_RELEASE_CODE) && RHEL_RELEASE_CODE >= RHEL_RELEASE_VERSION(5,0))'
        + ' && !(defined(SLE_VERSION_CODE) && SLE_VERSION_CODE >= SLE_VERSION(10,2,1))',
    );
  });

  it('refuses distro clauses whose macro kernels.json does not declare, naming kernels.json', () => {
    const e = thrown(() => parseGuardSpec({ below: '2.6.16', rhel: '5.4' }, bare));
    expect(e.message).toMatch(/RHEL_RELEASE_VERSION.*declared in the "macros" of kernels.json.*declares none/);
    expect(e.describe()).toMatch(/^kernels\.json: /);
    expect(thrown(() => parseGuardSpec({ below: '2.6.16', sles: '10.2' }, bare)).message).toMatch(/SLE_VERSION/);
  });

  it('refuses bad versions and releases with too many parts', () => {
    expect(thrown(() => parseGuardSpec({ below: '2.6.x' }, sample)).message).toMatch(/--below wants a kernel version/);
    expect(thrown(() => parseGuardSpec({ below: '2.6.16', rhel: '5.4.1' }, sample)).message).toMatch(/RHEL_RELEASE_VERSION takes 2 numbers/);
    expect(thrown(() => parseGuardSpec({ below: '2.6.16', sles: 'SP2' }, sample)).message).toMatch(/--sles wants a release like 10.2/);
  });

  it('tells which sample kernels take which branch, and the cpp engine agrees with the structural oracle', () => {
    const specs = [
      { below: '2.6.10' }, { below: '2.6.16' }, { below: '2.6.19', rhel: '5.4' }, { below: '2.6.19', sles: '10.2' },
      { below: '2.6.19', rhel: '5.5', sles: '10.3' }, { below: '2.6.19', rhel: '4.8' }, { below: '3.0' }, { below: '2.6.5' },
    ];
    const cpp = cppConditionOracle(sample);
    for (const s of specs) {
      const spec = parseGuardSpec(s, sample);
      const cond = guardCondition(spec);
      const structural = guardSpecOracle(spec);
      for (const k of sample.kernels) expect([s, k.name, cpp(cond, k)]).toEqual([s, k.name, structural(cond, k)]);
    }
    const branches = kernelBranches(guardCondition(parseGuardSpec({ below: '2.6.19', rhel: '5.4' }, sample)), sample, cpp);
    expect(Object.fromEntries(branches.map((b) => [b.kernel, b.takes]))).toEqual({
      sles9: 'compat', rhel4: 'compat', sles10: 'compat', rhel5: 'upstream', upstream: 'upstream',
    });
  });

  it('the structural oracle says unknown for a distro code it cannot read', () => {
    const cfg = parseKernelsConfig(JSON.stringify({
      macros: { 'RHEL_RELEASE_VERSION(a,b)': '(((a) << 8) + (b))' },
      kernels: [{ name: 'odd', version: '2.6.18', defines: { RHEL_RELEASE_CODE: '1284' }, build: { kind: 'cc' } }],
    }));
    const spec = parseGuardSpec({ below: '2.6.19', rhel: '5.4' }, cfg);
    const k = cfg.kernels[0]!;
    expect(guardSpecOracle(spec)('', k)).toBeUndefined();
    expect(cppConditionOracle(cfg)(guardCondition(spec), k)).toBe(false); // 1284 = (5 << 8) + 4
  });
});

describe('wrapInGuard', () => {
  const text = 'a\nb\nc\nd\n';

  it('wraps lines with the compat code in #if and the upstream lines in #else', () => {
    const w = wrapInGuard(text, 'f.c', 2, 3, 'X', 'new\n');
    expect(w.text).toBe('a\n#if X\nnew\n#else\nb\nc\n#endif\nd\n');
    expect([w.ifLine, w.elseLine, w.endifLine]).toEqual([2, 4, 7]);
  });

  it('accepts empty compat code and compat code without a final newline', () => {
    expect(wrapInGuard(text, 'f.c', 1, 1, 'X', '').text).toBe('#if X\n#else\na\n#endif\nb\nc\nd\n');
    expect(wrapInGuard(text, 'f.c', 4, 4, 'X', 'p\nq').text).toBe('a\nb\nc\n#if X\np\nq\n#else\nd\n#endif\n');
  });

  it('keeps CRLF files CRLF and a file without final newline without one', () => {
    expect(wrapInGuard('a\r\nb\r\n', 'f.c', 2, 2, 'X', 'n\n').text).toBe('a\r\n#if X\r\nn\n#else\r\nb\r\n#endif\r\n');
    expect(wrapInGuard('a\nb', 'f.c', 2, 2, 'X', '').text).toBe('a\n#if X\n#else\nb\n#endif');
  });

  it('refuses ranges that would tear a conditional apart, at file:line', () => {
    const src = 'x\n#ifdef A\ny\n#endif\nz\n';
    const e = thrown(() => wrapInGuard(src, 'd/f.c', 1, 3, 'X', ''));
    expect(e.describe()).toMatch(/^d\/f\.c:2: lines 1-3 must be balanced: .*unterminated/);
    expect(thrown(() => wrapInGuard(src, 'd/f.c', 3, 5, 'X', '')).describe()).toMatch(/^d\/f\.c:4: .*#endif without #if/);
    expect(wrapInGuard(src, 'd/f.c', 2, 4, 'X', '').text).toContain('#else\n#ifdef A\ny\n#endif\n#endif\n');
    expect(thrown(() => wrapInGuard(src, 'd/f.c', 1, 1, 'X', '#if Y\n')).message).toMatch(/compat code must be balanced/);
  });

  it('refuses ranges outside the file', () => {
    expect(thrown(() => wrapInGuard(text, 'f.c', 3, 9, 'X', '')).describe()).toBe('f.c:4: line 9 is past the end of the file (4 lines)');
    expect(thrown(() => wrapInGuard(text, 'f.c', 3, 2, 'X', '')).message).toMatch(/bad line range/);
  });

  it('parses FILE:START-END and FILE:LINE', () => {
    expect(parseFileRange('blkfront/blkfront.c:12-14')).toEqual({ file: 'blkfront/blkfront.c', start: 12, end: 14 });
    expect(parseFileRange('a:b.c:7')).toEqual({ file: 'a:b.c', start: 7, end: 7 });
    expect(() => parseFileRange('f.c')).toThrow(InputError);
    expect(() => parseFileRange('f.c:9-3')).toThrow(/bad line range/);
  });
});
