// The tree writer's work on whichever thread runs it (tree-writer.ts: its worker, or the main thread
// where no worker can start): the files written in order, the patched ones described.
import { writeEntries, type TreeContent, type WriteFailure } from './tree-writer-core.js';
import { startDescriber, type DescribedFile, type Describer } from './describe-core.js';
import type { KernelsConfig } from '../core/config.js';

/** What the writer's thread is started with. */
export interface WriterData {
  entries: ReadonlyArray<readonly [string, TreeContent]>;
  /** kernels.json, for the regions of Described files (see describe-core.ts). */
  config?: KernelsConfig;
}

/** The writer's answer to "end": done (with the Described files' regions), or the first failure. */
export type WriterDone = WriteFailure | { ok: true; described: DescribedFile[] };

/**
 * Write `entries` then each batch `more` gives, describing Described files with `config`; the
 * first failure (nothing more is written after it) or the regions once `end` is called.
 */
export function writerLoop(data: WriterData): { more(entries: ReadonlyArray<readonly [string, TreeContent]>): void; end(): WriterDone } {
  let describer: Describer | undefined;
  const config = data.config;
  const onDescribed = config ? (d: Parameters<Describer['add']>[0]) => (describer ??= startDescriber(config)).add(d) : undefined;
  let failure: WriteFailure | undefined = writeEntries(data.entries, onDescribed);
  return {
    more: (entries) => {
      failure ??= writeEntries(entries, onDescribed);
    },
    end: () => {
      if (failure) return failure;
      try {
        describer?.flush();
      } catch (err) {
        return { ok: false, file: '.pvpatch/cache/apply', message: (err as Error).message };
      }
      return { ok: true, described: describer?.files ?? [] };
    },
  };
}
