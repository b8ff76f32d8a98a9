// Every temp dir of a test run (the tests' own workspaces, and those of the CLI they spawn) goes
// under one directory made for the run, removed when it ends: the system temp dir is left as the
// run found it (it used to keep some 600 directories per run, which every command that lists it
// then pays for).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export default function setup(): () => void {
  const before = process.env.TMPDIR;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pvpatch-tests-'));
  // The test workers are started after this, with this environment.
  process.env.TMPDIR = dir;
  return () => {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
    rmSync(dir, { recursive: true, force: true });
  };
}
