// Whether a path lies inside another: only a ".." part leaves it, not a name that begins with two
// dots ("...", "..config").
import path from 'node:path';

/** Is `rel` (a path.relative result) at or below its base: not "..", no leading ".." part, not absolute? */
export function relInside(rel: string): boolean {
  return !(rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel));
}

/** Is `p` at or below `root`? */
export function isInside(root: string, p: string): boolean {
  return relInside(path.relative(root, p));
}
