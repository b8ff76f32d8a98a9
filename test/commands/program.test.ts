// The program as a whole: help lists every command, and a run loads only the command it needs
// (src/commands/index.ts) without changing what the user sees.
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/commands/index.js';
import { commandOf } from '../../src/program.js';
import { pvpatch } from '../helpers/cli.js';

describe('the pvpatch program', () => {
  it('finds the command after the program options', () => {
    expect(commandOf(['node', 'pvpatch', 'apply', '--out', 'x'])).toBe('apply');
    expect(commandOf(['node', 'pvpatch', '-C', 'ws', 'rebase', '--onto', '1.1'])).toBe('rebase');
    expect(commandOf(['node', 'pvpatch', '--workspace', 'apply', 'status'])).toBe('status');
    expect(commandOf(['node', 'pvpatch', '--workspace=ws', 'view'])).toBe('view');
    expect(commandOf(['node', 'pvpatch', '--help'])).toBeUndefined();
  });

  it('lists every command in --help, in the order of src/commands/index.ts', () => {
    const r = pvpatch(['--help']);
    expect(r.code).toBe(0);
    const listed = [...r.stdout.matchAll(/^ {2}([a-z]+)\b/gm)].map((m) => m[1]);
    const expected = COMMANDS.flatMap(([names]) => names);
    expect(listed.filter((n) => n !== 'help')).toEqual(expected);
  });

  it('runs each command from its own module: help of a command, resolve from review.js, --version alone', () => {
    for (const [names] of COMMANDS) {
      for (const name of names) {
        const r = pvpatch([name, '--help']);
        expect(r.code, `${name} --help: ${r.stderr}`).toBe(0);
        expect(r.stdout).toMatch(new RegExp(`^Usage: pvpatch ${name} `, 'm'));
      }
    }
    const v = pvpatch(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('refuses an unknown command with exit 2 and a suggestion', () => {
    const r = pvpatch(['aply']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command 'aply'/);
    expect(r.stderr).toMatch(/Did you mean apply\?/);
  });
});
