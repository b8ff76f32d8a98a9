import type { Command } from 'commander';
import { registerInit } from './init.js';
import { registerStatus } from './status.js';
import { registerUpstream } from './upstream.js';
import { registerApply } from './apply.js';
import { registerBuild } from './build.js';
import { registerView } from './view.js';
import { registerCheck } from './check.js';
import { registerKernels } from './kernels.js';
import { registerRebase } from './rebase.js';
import { registerReview } from './review.js';
import { registerNew } from './new.js';
import { registerEdit } from './edit.js';
import { registerRefresh } from './refresh.js';
import { registerGuard } from './guard.js';
import { registerSeries } from './series.js';
import { registerLog } from './log.js';
import { registerBlame } from './blame.js';
import { registerExport } from './export.js';

/** Every command file exports a register function; the order here is the order in --help. */
export function registerCommands(program: Command): void {
  registerInit(program);
  registerStatus(program);
  registerUpstream(program);
  registerApply(program);
  registerBuild(program);
  registerView(program);
  registerCheck(program);
  registerKernels(program);
  registerRebase(program);
  registerReview(program);
  registerNew(program);
  registerEdit(program);
  registerRefresh(program);
  registerGuard(program);
  registerSeries(program);
  registerLog(program);
  registerBlame(program);
  registerExport(program);
}
