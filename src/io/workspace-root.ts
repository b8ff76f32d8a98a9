// Where the workspace is. Only node's own modules: the start-up path (apply-prefetch.ts) needs it
// before anything else is loaded.
import fs from 'node:fs';
import path from 'node:path';

export const KERNELS_JSON = 'kernels.json';

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
