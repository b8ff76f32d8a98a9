// The manifest regions of apply's patched files, made on the thread that writes them (the tree
// writer's, see tree-writer.ts) while the main thread applies the next files: scanning a file's
// directives and deciding its guards per kernel is most of what a patched file costs after its hunks
// are placed. With the regions, the file's entry in the cache of per-file results is written too.
import type { KernelsConfig } from '../core/config.js';
import { branchOracle } from '../core/kernel-branches.js';
import { fileRegions, type BranchOracle, type ManifestRegion } from '../core/manifest.js';
import type { CacheEntry } from './apply-cache.js';
import { sha256 } from './hash.js';
import { replaceFileSync } from './tree-writer-core.js';

/**
 * A patched file of the tree: its text, and what its regions need. `lines` and `patches` are the
 * lines (0-based) a patch added and that patch's series name (every other line is upstream's), the
 * compact form of the origins apply tracks. With `entry`, its cache entry (src/io/apply-cache.ts) is
 * written as `json` (the entry with its regions and the text's sha256) and `out` (the text).
 */
export interface Described {
  text: string;
  describe: {
    file: string;
    lines: number[];
    patches: string[];
    entry?: { json: string; out: string; base: Omit<CacheEntry, 'regions' | 'sha'> };
  };
}

/** The compact origins of a file (see Described): the lines some patch added, and which. */
export function originMarks(origins: readonly (string | null)[]): { lines: number[]; patches: string[] } {
  const lines: number[] = [];
  const patches: string[] = [];
  for (let i = 0; i < origins.length; i++) {
    const o = origins[i];
    if (o !== null && o !== undefined) {
      lines.push(i);
      patches.push(o);
    }
  }
  return { lines, patches };
}

/** A described file's regions and, when its cache entry was asked for, its text's sha256 (as in the entry). */
export interface DescribedFile {
  file: string;
  regions: ManifestRegion[];
  sha?: string;
}

export interface Describer {
  /** The regions of a file just written; its cache entry, if any, is written by flush(). */
  add(d: Described): void;
  /** Write the cache entries of the files added (after the tree: it is what the user waits for). */
  flush(): void;
  /** The files described so far, in the order they were added. */
  readonly files: DescribedFile[];
}

export function startDescriber(config: KernelsConfig): Describer {
  let oracle: BranchOracle | undefined;
  const files: DescribedFile[] = [];
  const entries: Array<[string, string, string, string]> = [];
  return {
    files,
    add: (d) => {
      const { file, lines, patches, entry } = d.describe;
      const origins = new Array<string | null>(lines.length > 0 ? (lines[lines.length - 1] as number) + 1 : 0).fill(null);
      lines.forEach((line, k) => (origins[line] = patches[k] as string));
      const found = fileRegions(file, d.text, origins, config, (oracle ??= branchOracle(config)));
      if (!entry) {
        files.push({ file, regions: found });
        return;
      }
      const sha = sha256(d.text);
      files.push({ file, regions: found, sha });
      const full: CacheEntry = { format: entry.base.format, file: entry.base.file, deleted: false, sha, regions: found, outcomes: entry.base.outcomes };
      entries.push([entry.out, d.text, entry.json, JSON.stringify(full)]);
    },
    flush: () => {
      // The text before the entry that names it, as entryFiles orders them.
      for (const [out, text, json, entryText] of entries.splice(0)) {
        replaceFileSync(out, text);
        replaceFileSync(json, entryText);
      }
    },
  };
}
