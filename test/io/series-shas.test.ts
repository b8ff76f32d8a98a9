// seriesShas, as apply uses it to avoid reading the series: a patch whose lstat is the one known
// with its sha256 is not read; the others are read (their texts given back) and hashed.
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { copySampleWorkspace } from '../helpers/cli.js';
import { loadWorkspace, seriesShas } from '../../src/io/workspace.js';
import { RACY_NS } from '../../src/io/verified.js';

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

describe('seriesShas', () => {
  it('reads only the patches whose stats are not the known ones, and gives their texts', { timeout: 20_000 }, async () => {
    const root = await copySampleWorkspace();
    const ws = await loadWorkspace(root);
    // Old enough to be trusted by their stats (ctime too: wait rather than set the times).
    await new Promise((resolve) => setTimeout(resolve, Number(RACY_NS / 1_000_000n) + 200));
    const expected = await Promise.all(ws.series.map(async (e) => sha(await fsp.readFile(path.join(root, 'patches', e.name), 'utf8'))));

    const stats = new Map<string, string>();
    const texts = new Map<string, string>();
    expect(await seriesShas(ws, new Map(), stats, texts)).toEqual(expected);
    expect([...texts.keys()]).toEqual(ws.series.map((e) => e.name));
    expect([...stats.keys()]).toEqual(ws.series.map((e) => e.name));

    // Every stat known: nothing read.
    const known = new Map(ws.series.map((e, i) => [e.name, [expected[i] as string, stats.get(e.name) as string] as const]));
    const none = new Map<string, string>();
    expect(await seriesShas(ws, known, new Map(), none)).toEqual(expected);
    expect(none.size).toBe(0);

    // One patch rewritten: only it is read, and its new sha256 given.
    const first = ws.series[0]?.name as string;
    const file = path.join(root, 'patches', first);
    const changed = `Edited.\n${await fsp.readFile(file, 'utf8')}`;
    await fsp.writeFile(file, changed);
    const one = new Map<string, string>();
    const shas = await seriesShas(ws, known, new Map(), one);
    expect([...one.keys()]).toEqual([first]);
    expect(one.get(first)).toBe(changed);
    expect(shas).toEqual([sha(changed), ...expected.slice(1)]);
  });
});
