import { describe, expect, it } from 'vitest';
import { createFilePatch } from '../../../src/core/patch/create.js';
import { formatPatch } from '../../../src/core/patch/format.js';
import { parsePatch } from '../../../src/core/patch/parse.js';
import { applyFilePatch } from '../../../src/core/patch/apply.js';
import type { FilePatch } from '../../../src/core/patch/model.js';
import { join } from 'node:path';
import { Rand, gitApply, gnuDiff, gnuPatch, joinFile, randomEdit, randomFile, readIfExists, run, withTempDir, writeTree } from './helpers.js';

const format = (fp: FilePatch): string => formatPatch({ header: '', files: [fp], trailer: '' });

const BLKFRONT = `/*
 * blkfront.c
 */
#include <linux/version.h>
#include <xen/xenbus.h>

static int blkif_open(struct block_device *bdev, fmode_t mode)
{
	struct gendisk *disk = bdev->bd_disk;
	struct blkfront_info *info;
	int err = 0;

	info = disk->private_data;
	if (!info)
		return -ERESTARTSYS;
	mutex_lock(&blkfront_mutex);
	info->users++;
	mutex_unlock(&blkfront_mutex);
	return err;
}

static void blkif_release(struct gendisk *disk, fmode_t mode)
{
	struct blkfront_info *info = disk->private_data;

	mutex_lock(&blkfront_mutex);
	info->users--;
	if (info->users == 0)
		xlvbd_release_gendisk(info);
	mutex_unlock(&blkfront_mutex);
}

static const struct block_device_operations xlvbd_block_fops =
{
	.owner = THIS_MODULE,
	.open = blkif_open,
	.release = blkif_release,
};

int $weird_but_valid(void)
{
	return 0;
}

static int __init xlblk_init(void)
{
	int ret;

	if (!xen_domain())
		return -ENODEV;
	ret = xenbus_register_frontend(&blkfront_driver);
	return ret;
}
`;

/** The lines after ---/+++ of a diff: its hunks. */
const hunksOf = (patch: string): string => patch.slice(patch.indexOf('\n@@') + 1);

describe('createFilePatch', () => {
  const edits: [string, (s: string) => string][] = [
    ['one line in a function', (s) => s.replace('info->users++;', 'info->users += 1;')],
    ['two functions', (s) => s.replace('info->users++;', 'info->users += 1;').replace('return ret;', 'return ret ? ret : 0;')],
    ['a guard', (s) => s.replace('\tif (!xen_domain())\n', '#if LINUX_VERSION_CODE >= KERNEL_VERSION(2,6,24)\n\tif (!xen_domain())\n#endif\n')],
    ['after a $ line', (s) => s.replace('\treturn 0;\n}\n\nstatic int __init', '\treturn 1;\n}\n\nstatic int __init')],
    ['at the top (no function above)', (s) => s.replace(' * blkfront.c', ' * blkfront.c - Xen block frontend')],
    ['after a struct initializer', (s) => s.replace('.release = blkif_release,', '.release = blkif_release,\n\t.ioctl = blkif_ioctl,')],
  ];
  for (const [name, edit] of edits) {
    it(`writes the same hunks and function context as diff -up: ${name}`, () => {
      const after = edit(BLKFRONT);
      const ours = format(createFilePatch('blkfront/blkfront.c', BLKFRONT, after)!);
      const gnu = gnuDiff('blkfront/blkfront.c', BLKFRONT, after, ['-up']);
      expect(hunksOf(ours)).toBe(hunksOf(gnu));
      expect(ours.startsWith('diff --git a/blkfront/blkfront.c b/blkfront/blkfront.c\n--- a/blkfront/blkfront.c\n+++ b/blkfront/blkfront.c\n@@ ')).toBe(true);
    });
  }

  it('cuts the function line to 40 characters and drops trailing white space, like diff -p', () => {
    const before = 'static int a_very_long_function_name_that_exceeds_forty_chars(int x)\n{\n\t1;\n\t2;\n\t3;\n\t4;\n}\n';
    const fp = createFilePatch('x.c', before, before.replace('\t4;', '\tfour;'))!;
    expect(fp.hunks[0]!.section).toBe('static int a_very_long_function_name_tha');
    const spaced = 'abcdefghijklmnopqrstuvwxyz0123456789abc   d\n1\n2\n3\n4\n5\n';
    expect(createFilePatch('t.c', spaced, spaced.replace('\n5\n', '\nX\n'))!.hunks[0]!.section).toBe('abcdefghijklmnopqrstuvwxyz0123456789abc');
    expect(createFilePatch('t.c', spaced, spaced.replace('\n5\n', '\nX\n'), { funcContext: false })!.hunks[0]!.section).toBe('');
    expect(hunksOf(format(createFilePatch('t.c', spaced, spaced.replace('\n5\n', '\nX\n'))!))).toBe(hunksOf(gnuDiff('t.c', spaced, spaced.replace('\n5\n', '\nX\n'), ['-up'])));
  });

  it('returns null when nothing changes', () => {
    expect(createFilePatch('x', 'a\n', 'a\n')).toBeNull();
    expect(createFilePatch('x', null, null)).toBeNull();
  });

  it('writes new and deleted files as git does, and GNU patch and git apply take them', () => {
    const create = format(createFilePatch('dir/new.c', null, 'int x;\nint y;\n')!);
    expect(create).toBe('diff --git a/dir/new.c b/dir/new.c\nnew file mode 100644\n--- /dev/null\n+++ b/dir/new.c\n@@ -0,0 +1,2 @@\n+int x;\n+int y;\n');
    expect(gnuPatch('dir/new.c', null, create).text).toBe('int x;\nint y;\n');
    expect(gitApply('dir/new.c', null, create).text).toBe('int x;\nint y;\n');
    const remove = format(createFilePatch('old.c', 'a\nb', null)!);
    expect(remove).toBe('diff --git a/old.c b/old.c\ndeleted file mode 100644\n--- a/old.c\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-a\n-b\n\\ No newline at end of file\n');
    const g = gnuPatch('old.c', 'a\nb', remove);
    expect([g.status, g.text]).toEqual([0, null]);
    expect(gitApply('old.c', 'a\nb', remove).status).toBe(0);
    const empty = format(createFilePatch('e', null, '')!);
    expect(empty).toBe('diff --git a/e b/e\nnew file mode 100644\n');
    expect(gitApply('e', null, empty).text).toBe('');
    expect(applyFilePatch(null, parsePatch(empty, 'e.patch').files[0]!)).toMatchObject({ ok: true, text: '' });
  });

  it('GNU patch -p1 and git apply turn the old text into the new one (300 generated pairs, LF/CRLF, with and without final newline)', () => {
    let checked = 0;
    for (let seed = 9001; seed <= 9300; seed++) {
      const r = new Rand(seed);
      const before = randomFile(r, r.int(0, 60));
      const after = randomEdit(r, before);
      const eol = r.chance(0.2) ? '\r\n' : '\n';
      const oldText = joinFile(before, !r.chance(0.1), eol);
      const newText = joinFile(after, !r.chance(0.1), eol);
      const fp = createFilePatch('drivers/xen/f.c', oldText, newText, { context: r.pick([3, 3, 1, 0]) });
      if (fp === null) {
        expect(oldText).toBe(newText);
        continue;
      }
      const text = format(fp);
      const where = `seed ${seed}\n${text}`;
      expect(formatPatch(parsePatch(text, 'gen.patch')), where).toBe(text);
      const ours = applyFilePatch(oldText, parsePatch(text, 'gen.patch').files[0]!);
      expect(ours.ok && ours.text, where).toBe(newText);
      // GNU patch strips the CRs of a patch whose lines end in CRLF; --binary keeps them.
      const gnu = gnuPatchBinary('drivers/xen/f.c', oldText, text);
      expect(gnu, where).toBe(newText);
      const unidiffZero = fp.hunks.some((h) => !h.lines.some((l) => l[0] === ' ')) ? ['--unidiff-zero'] : [];
      expect(gitApply('drivers/xen/f.c', oldText, text, unidiffZero).text, where).toBe(newText);
      checked++;
    }
    expect(checked).toBeGreaterThan(250);
  });
});

/** GNU patch with --binary: CRLF patch lines are kept as they are (it strips them otherwise). */
function gnuPatchBinary(path: string, text: string, patch: string): string | null {
  return withTempDir((dir) => {
    writeTree(dir, { [path]: text });
    run('patch', ['-p1', '-f', '--binary', '--no-backup-if-mismatch', '-r', '-'], dir, patch);
    return readIfExists(join(dir, path));
  });
}
