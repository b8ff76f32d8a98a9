/**
 * Differential test of views against Debian's unifdef 2.10: generated C files of nested
 * conditionals, run through `unifdef -k -DLINUX_VERSION_CODE=N -D... -U...` and through
 * viewText with the same symbols, compared byte for byte (unifdef rewrites #elif lines exactly
 * like we do: "elif" to "if  ", or to "#else" / "#endif").
 *
 * The corpus stays inside what unifdef 2.10 gets right; excluded, and why:
 * - arithmetic, bitwise, shift, unary minus, `~`, `?:`, comma: 2.10 only knows `defined ! && ||
 *   ( )` and the relational operators; it passes every other #if through unresolved;
 * - integer suffixes (1UL), character constants: 2.10 cannot read them (passes them through);
 * - literals over LONG_MAX (strtol saturates) and octal literals with 8 or 9 (strtol stops early);
 * - function-like macros: 2.10 gives any -D symbol its value even with arguments, so every
 *   KERNEL_VERSION(a,b,c) is replaced by its number before the comparison;
 * - directives continued with backslash-newline, or with a comment running onto the next line:
 *   2.10 stops with "Obfuscated preprocessor control line" when it could resolve them;
 * - "\r\n" line ends: 2.10 writes the #else/#endif it makes from an #elif with "\n"
 *   (CRLF is checked by the view's own property tests instead);
 * - #elifdef/#elifndef (C23): unknown to 2.10;
 * - a directive after a comment that began on an earlier line behind code (`x /* ... *\/ #if`):
 *   not a directive for cpp, one for 2.10; empty -D values; a file without a final newline.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createEnv } from '../../../src/core/cpp/env.js';
import { scanDirectives } from '../../../src/core/cpp/scan.js';
import { viewReport } from '../../../src/core/cpp/view.js';
import { genCFile, Rng, type CFileSymbols } from './gen.js';

const UNIFDEF = '/usr/bin/unifdef';
const hasUnifdef = existsSync(UNIFDEF);

function runUnifdef(text: string, symbols: CFileSymbols): string {
  const args = ['-k'];
  for (const [name, value] of Object.entries(symbols.defined)) args.push(`-D${name}=${value}`);
  for (const name of symbols.undefined) args.push(`-U${name}`);
  const r = spawnSync(UNIFDEF, args, { input: text, encoding: 'utf8' });
  if (r.error) throw r.error;
  if (r.status !== 0 && r.status !== 1) throw new Error(`unifdef failed (${r.status}): ${r.stderr}\n${text}`);
  return r.stdout;
}

function firstDifference(a: string, b: string): string {
  const al = a.split('\n');
  const bl = b.split('\n');
  for (let i = 0; i < Math.max(al.length, bl.length); i++) {
    if (al[i] !== bl[i]) return `output line ${i + 1}: ours ${JSON.stringify(al[i])} unifdef ${JSON.stringify(bl[i])}`;
  }
  return 'identical';
}

const FILES = 600;

describe('views against unifdef', () => {
  it.skipIf(!hasUnifdef)(`match unifdef -k byte for byte on ${FILES} generated files`, () => {
    const failures: string[] = [];
    let lines = 0;
    let changed = 0;
    let groups = 0;
    let edited = 0;
    for (let f = 0; f < FILES; f++) {
      const r = new Rng(0x0f1f0000 + f);
      const code = r.pick([0x20605, 0x20609, 0x20610, 0x20612, 0x20620, 0x30a00, 0x50a00, 0x60100]);
      const symbols: CFileSymbols = {
        defined: { LINUX_VERSION_CODE: String(code), DA: '0', DB: '1', DC: r.pick(['2', '0x10', '0']), DD: r.pick(['1', '7']) },
        undefined: ['UA', 'UB'],
        unknown: ['XA', 'XB', 'CONFIG_X86_64'],
      };
      const text = genCFile(r, symbols, code);
      lines += text.split('\n').length - 1;
      const env = createEnv({
        macros: Object.entries(symbols.defined).map(([name, body]) => ({ name, body })),
        known: symbols.undefined,
      });
      const expected = runUnifdef(text, symbols);
      const view = viewReport(scanDirectives(text, `gen-${f}.c`), env);
      const ours = view.map((l) => l.text).join('');
      groups += scanDirectives(text, 'g.c').groups.length;
      edited += view.filter((l) => l.edited).length;
      if (expected !== text) changed++;
      if (ours !== expected) failures.push(`file ${f}: ${firstDifference(ours, expected)}\n${text}`);
    }
    console.log(`unifdef differential: ${FILES} files, ${lines} lines, ${groups} conditionals, ${edited} #elif/#else lines rewritten, ${changed} files changed by unifdef`);
    expect(failures.slice(0, 3)).toEqual([]);
  });
});
