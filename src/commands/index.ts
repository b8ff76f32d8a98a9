import type { Command } from 'commander';
import { registerInit } from './init.js';
import { registerStatus } from './status.js';
import { registerUpstream } from './upstream.js';
import { registerApply } from './apply.js';
import { registerBuild } from './build.js';

/** Every command file exports a register function; the order here is the order in --help. */
export function registerCommands(program: Command): void {
  registerInit(program);
  registerStatus(program);
  registerUpstream(program);
  registerApply(program);
  registerBuild(program);
}
