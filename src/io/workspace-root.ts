// Where the workspace is. Only node's own modules and the errors: the start-up path
// (apply-prefetch.ts) needs it before anything else is loaded.
import fs from 'node:fs';
import path from 'node:path';
import { InputError } from '../core/errors.js';

export const KERNELS_JSON = 'kernels.json';
/** The drops and their files' sha256s, and the series: with kernels.json, what a workspace is read from. */
export const DROPS_JSON = 'upstream/drops.json';
export const SERIES = 'patches/series';

const holdsKernels = (dir: string): boolean => fs.lstatSync(path.join(dir, KERNELS_JSON), { throwIfNoEntry: false }) !== undefined;

/**
 * The workspace root: `explicit` (resolved from `cwd`) if given and it holds kernels.json, else the
 * nearest ancestor of `cwd` that has one; undefined when there is none (findWorkspaceRoot says why).
 */
export function locateWorkspace(explicit: string | undefined, cwd: string): string | undefined {
  if (explicit) {
    const root = path.resolve(cwd, explicit);
    return holdsKernels(root) ? root : undefined;
  }
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    if (holdsKernels(dir)) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** The workspace root (see locateWorkspace), or an InputError saying where none was found. */
export async function findWorkspaceRoot(explicit: string | undefined, cwd = process.cwd()): Promise<string> {
  const root = locateWorkspace(explicit, cwd);
  if (root !== undefined) return root;
  if (explicit) throw new InputError(`${path.resolve(cwd, explicit)} is not a pvpatch workspace (no kernels.json); run "pvpatch init" there first`);
  throw new InputError(`no pvpatch workspace here (no kernels.json in ${cwd} or above); run "pvpatch init" or pass -C DIR`);
}
