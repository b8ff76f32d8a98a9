// Naming a patch on the command line: "blkfront/x", "blkfront/x.patch" or "patches/blkfront/x.patch".
import { InputError } from '../core/errors.js';
import { parseSeries, type SeriesEntry } from '../core/series.js';
import type { Workspace } from '../io/workspace.js';

/** The series form of a patch argument: no leading "patches/", ".patch" added unless it ends in .patch/.diff. */
export function normalisePatchName(arg: string): string {
  let name = arg.trim().replace(/^\.\//, '').replace(/^patches\//, '');
  if (!/\.(patch|diff)$/.test(name)) name += '.patch';
  return name;
}

/** Check that `name` can be a series entry inside patches/ (InputError otherwise). */
export function validatePatchName(name: string, arg: string, opts: { needSubsystem?: boolean } = {}): string {
  try {
    parseSeries(name, '<name>');
  } catch {
    throw new InputError(`bad patch name "${arg}": expected SUBSYS/NAME inside patches/ (letters, digits, . _ + -; no "..", no leading dot)`);
  }
  if (opts.needSubsystem && !name.includes('/')) throw new InputError(`bad patch name "${arg}": expected SUBSYS/NAME, e.g. blkfront/elevator-noop`);
  return name;
}

/** The series entry `arg` names; InputError listing similar names (or the series) otherwise. */
export function findSeriesEntry(ws: Workspace, arg: string, what = 'patch'): SeriesEntry {
  const name = normalisePatchName(arg);
  const entry = ws.series.find((e) => e.name === name);
  if (entry) return entry;
  const stem = name.replace(/\.(patch|diff)$/, '');
  const base = stem.slice(stem.lastIndexOf('/') + 1);
  const similar = ws.series.filter((e) => e.name.includes(base) || base.includes(e.name.replace(/\.(patch|diff)$/, '').split('/').pop() ?? '\0'));
  const hint = similar.length > 0
    ? ` (did you mean ${similar.map((e) => e.name).join(', ')}?)`
    : ws.series.length > 0 ? ` (the series has: ${ws.series.map((e) => e.name).join(', ')})` : ' (the series is empty)';
  throw new InputError(`no ${what} ${name} in patches/series${hint}`, { file: 'patches/series' });
}
