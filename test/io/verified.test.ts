// What apply remembers of a verified drop (.pvpatch/cache/verified.json): files whose stats did not
// change since their bytes matched drops.json are trusted without being read; any change to a file
// (content, mode) or to its recorded sha256 sends it back to be read and checked.
import { describe, expect, it } from 'vitest';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { copySampleWorkspace, pvpatch, readTree } from '../helpers/cli.js';
import { loadWorkspace, readDrop, readDropFiles, selectDrop } from '../../src/io/workspace.js';
import { RACY_NS } from '../../src/io/verified.js';

/** Files changed less than RACY_NS ago are not recorded: let the copied sample age past that. */
const age = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, Number(RACY_NS / 1_000_000n) + 200));

describe('the verified-drop record', () => {
  it('trusts unread only the files not needed whose stats are unchanged, and refuses a tampered one', async () => {
    const root = await copySampleWorkspace();
    await age();
    const ws = await loadWorkspace(root);
    const drop = selectDrop(ws);
    const all = Object.keys(drop.files).sort();
    const needed = new Set(all.filter((rel) => rel.includes('blkfront')));
    expect(needed.size).toBeGreaterThan(0);

    // First run: nothing recorded yet, every file read; the record is saved by remember().
    const first = await readDrop(ws, drop, (rel) => needed.has(rel));
    expect(first.trusted.size).toBe(0);
    expect([...first.bytes.keys()]).toEqual(all);
    await expect(fsp.access(path.join(root, '.pvpatch', 'cache', 'verified.json'))).rejects.toThrow();
    await first.remember();
    const record = JSON.parse(await fsp.readFile(path.join(root, '.pvpatch', 'cache', 'verified.json'), 'utf8')) as { drops: Record<string, Record<string, string[]>> };
    expect(Object.keys(record.drops[drop.version] ?? {}).sort()).toEqual(all);

    // Second run: the files not needed are trusted, not read; the needed ones are read.
    const second = await readDrop(ws, drop, (rel) => needed.has(rel));
    expect([...second.bytes.keys()].sort()).toEqual([...needed].sort());
    expect([...second.trusted.keys()].sort()).toEqual(all.filter((rel) => !needed.has(rel)));

    // Without `need` (view, rebase…) the record is not used: every file is read.
    const plain = await readDrop(ws, drop);
    expect(plain.trusted.size).toBe(0);

    // A file changed in place (same size even) is read again and refused.
    const victim = all.find((rel) => !needed.has(rel)) as string;
    const file = path.join(root, 'upstream', drop.version, victim);
    const text = await fsp.readFile(file, 'utf8');
    await fsp.writeFile(file, text.replace(/[a-z]/, (c) => (c === 'x' ? 'y' : 'x')));
    await expect(readDrop(ws, drop, (rel) => needed.has(rel))).rejects.toThrow(/differs from the sha256 recorded at import/);
    await fsp.writeFile(file, text);

    // A file whose recorded sha256 is not the one drops.json now says is read again (and refused).
    const other = all.filter((rel) => !needed.has(rel))[1] as string;
    const edited = { ...drop, files: { ...drop.files, [other]: '0'.repeat(64) } };
    await expect(readDrop(ws, edited, (rel) => needed.has(rel))).rejects.toThrow(new RegExp(`${other.replace(/[.]/g, '\\.')} differs`));
  }, 20_000);

  it('apply gives the same tree from the record, and a read-only drop file still comes out with the usual mode', async () => {
    const root = await copySampleWorkspace();
    const ws = await loadWorkspace(root);
    const drop = selectDrop(ws);
    const untouched = Object.keys(drop.files).find((rel) => rel.startsWith('include/')) as string;
    // Made read-only before it is recorded: a copy would take mode 0444, so it must be read and written.
    await fsp.chmod(path.join(root, 'upstream', drop.version, untouched), 0o444);
    await age();
    expect(pvpatch(['apply', '--out', 'first'], { cwd: root }).code).toBe(0);
    const r = pvpatch(['apply', '--out', 'second'], { cwd: root });
    expect(r.code, r.stderr).toBe(0);
    expect(await readTree(path.join(root, 'second'))).toEqual(await readTree(path.join(root, 'first')));
    expect((await fsp.stat(path.join(root, 'second', untouched))).mode & 0o777).toBe(0o644);
    // The record was used for the others: it lists every file.
    const record = JSON.parse(await fsp.readFile(path.join(root, '.pvpatch', 'cache', 'verified.json'), 'utf8')) as { drops: Record<string, Record<string, string[]>> };
    expect(Object.keys(record.drops[drop.version] ?? {}).length).toBe(Object.keys(drop.files).length);
  }, 20_000);
  it('reads only the files asked for (rebase: those the series touches), each still checked against drops.json', async () => {
    const root = await copySampleWorkspace();
    const ws = await loadWorkspace(root);
    const drop = selectDrop(ws);
    const all = Object.keys(drop.files).sort();
    const only = new Set(all.filter((rel) => rel.startsWith('blkfront/')));
    expect(only.size).toBeGreaterThan(0);
    expect(only.size).toBeLessThan(all.length);
    const some = await readDropFiles(ws, drop, only);
    expect([...some.keys()].sort()).toEqual([...only].sort());
    for (const rel of only) expect(some.get(rel)).toBe(await fsp.readFile(path.join(root, 'upstream', drop.version, rel), 'utf8'));
    // A file outside the set is not read: a change to it goes unseen here; one inside is refused.
    const outside = all.find((rel) => !only.has(rel)) as string;
    await fsp.appendFile(path.join(root, 'upstream', drop.version, outside), '/* changed */\n');
    expect((await readDropFiles(ws, drop, only)).size).toBe(only.size);
    await fsp.appendFile(path.join(root, 'upstream', drop.version, [...only][0] as string), '/* changed */\n');
    await expect(readDropFiles(ws, drop, only)).rejects.toThrow(/differs from the sha256 recorded at import/);
    await expect(readDropFiles(ws, drop)).rejects.toThrow(/differs from the sha256 recorded at import/);
  });
});
