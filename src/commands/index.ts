import type { Command } from 'commander';
import { registerInit } from './init.js';
import { registerStatus } from './status.js';
import { registerUpstream } from './upstream.js';
import { registerApply } from './apply.js';
import { registerBuild } from './build.js';
import { registerRebase } from './rebase.js';
import { registerReview } from './review.js';

/** Every command file exports a register function; the order here is the order in --help. */
export function registerCommands(program: Command): void {
  registerInit(program);
  registerStatus(program);
  registerUpstream(program);
  registerApply(program);
  registerBuild(program);
  registerRebase(program);
  registerReview(program);
}
