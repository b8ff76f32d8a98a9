/**
 * Typed errors with one exit-code contract (STYLE.md §3-4):
 *   0 ok, 1 failed check or conflict, 2 usage / input / I/O error.
 * User errors carry a location (`file:line`) and never print a stack trace;
 * anything that is not a PvpatchError is a bug and is reported as one.
 */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_INPUT = 2;

export interface Location {
  file: string;
  line?: number;
  column?: number;
}

export function formatLocation(loc: Location | undefined): string {
  if (!loc) return '';
  let s = loc.file;
  if (loc.line !== undefined) s += `:${loc.line}`;
  if (loc.line !== undefined && loc.column !== undefined) s += `:${loc.column}`;
  return s;
}

export class PvpatchError extends Error {
  readonly exitCode: number;
  readonly location: Location | undefined;
  constructor(message: string, options: { exitCode?: number; location?: Location; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = options.exitCode ?? EXIT_INPUT;
    this.location = options.location;
  }
  /** `file:line: message`, the unifdef-style diagnostic line (without the `pvpatch: ` prefix). */
  describe(): string {
    const where = formatLocation(this.location);
    return where ? `${where}: ${this.message}` : this.message;
  }
}

/** Bad input from the user: malformed patch, bad kernels.json, unknown kernel, path outside the tree. */
export class InputError extends PvpatchError {
  constructor(message: string, location?: Location, cause?: unknown) {
    super(message, { exitCode: EXIT_INPUT, location, cause });
  }
}

/** A patch file that cannot be parsed. */
export class PatchParseError extends InputError {}

/** A config file (kernels.json, series, drops.json) that is invalid. */
export class ConfigError extends InputError {}

/** A preprocessor problem: unbalanced directive, bad expression, recursive macro. */
export class CppError extends InputError {}

/** A check or operation that ran fine but failed (hunk rejected, build failed, conflicts remain). */
export class CheckFailed extends PvpatchError {
  constructor(message: string, location?: Location) {
    super(message, { exitCode: EXIT_FAILED, location });
  }
}

/** An I/O failure (permission, missing tool, lock held). */
export class IoError extends PvpatchError {
  constructor(message: string, location?: Location, cause?: unknown) {
    super(message, { exitCode: EXIT_INPUT, location, cause });
  }
}
