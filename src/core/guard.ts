/**
 * Authoring a guard: the `#if` condition for "kernels below V (unless the distro backported it)"
 * and the wrapping of upstream lines into
 *
 *     #if <condition>
 *     <compat code>
 *     #else
 *     <upstream lines>
 *     #endif
 *
 * Pure: text and kernels.json data in, text out. The kernel each branch is taken by is decided
 * by an oracle: the cpp engine (`cppConditionOracle`), or `guardSpecOracle`, which knows only the
 * conditions this module builds (the tests check that the two agree).
 */
import { CppError, InputError, type Location } from './errors.js';
import type { KernelEntry, KernelsConfig, MacroDef } from './config.js';
import { parseKernelVersion, versionCode, type KernelVersion } from './kernel-version.js';
import { scanDirectives } from './cpp/scan.js';
import { kernelEnv } from './cpp/env.js';
import { evaluateExpression } from './cpp/eval.js';
import { splitRecords } from './merge/lines.js';

/** A distro release as the distro's version macro takes it, e.g. RHEL_RELEASE_VERSION(5,4). */
export interface DistroClause {
  /** The macro each kernel defines with its release (tested with defined()), e.g. RHEL_RELEASE_CODE. */
  codeMacro: string;
  /** The function-like macro of kernels.json that builds a release code, e.g. RHEL_RELEASE_VERSION. */
  versionMacro: string;
  /** The release, padded with zeros to the macro's parameter count, e.g. [5, 4] or [10, 2, 0]. */
  release: number[];
}

export interface GuardSpec {
  /** Kernels older than this take the compat branch. */
  below: KernelVersion;
  /** Distros that backported the upstream API in (or after) a release: they take the upstream branch. */
  backports: DistroClause[];
}

/** The distros `guard` knows: option name → the macros kernels.json must declare. */
export const DISTROS: Readonly<Record<'rhel' | 'sles', { codeMacro: string; versionMacro: string; example: string }>> = {
  rhel: { codeMacro: 'RHEL_RELEASE_CODE', versionMacro: 'RHEL_RELEASE_VERSION', example: '5.4' },
  sles: { codeMacro: 'SLE_VERSION_CODE', versionMacro: 'SLE_VERSION', example: '10.2' },
};

const RELEASE_RE = /^\d{1,3}(\.\d{1,3}){0,2}$/;

function distroClause(option: 'rhel' | 'sles', text: string, config: KernelsConfig, kernelsFile: string): DistroClause {
  const d = DISTROS[option];
  if (!RELEASE_RE.test(text.trim())) {
    throw new InputError(`--${option} wants a release like ${d.example}, not "${text}"`);
  }
  const macro: MacroDef | undefined = config.macros.find((m) => m.name === d.versionMacro);
  if (!macro || macro.params.length === 0) {
    const declared = config.macros.map((m) => (m.params.length ? `${m.name}(${m.params.join(',')})` : m.name));
    throw new InputError(
      `--${option} needs the function-like macro ${d.versionMacro}(…) declared in the "macros" of kernels.json ` +
        `(it declares ${declared.length ? declared.join(', ') : 'none'}); pvpatch only writes macros kernels.json declares`,
      { file: kernelsFile },
    );
  }
  const parts = text.trim().split('.').map(Number);
  if (parts.length > macro.params.length) {
    throw new InputError(`--${option} ${text}: ${d.versionMacro} takes ${macro.params.length} numbers (${macro.params.join(',')}), not ${parts.length}`, { file: kernelsFile });
  }
  while (parts.length < macro.params.length) parts.push(0);
  return { codeMacro: d.codeMacro, versionMacro: d.versionMacro, release: parts };
}

/**
 * The guard of `--below V [--rhel R] [--sles S]`, validated against kernels.json: `--rhel` and
 * `--sles` need RHEL_RELEASE_VERSION / SLE_VERSION among the declared "macros" (InputError naming
 * kernels.json otherwise), releases are padded with zeros to the macro's parameter count
 * (`--sles 10.2` → SLE_VERSION(10,2,0)); a bad version is an InputError.
 */
export function parseGuardSpec(opts: { below: string; rhel?: string; sles?: string }, config: KernelsConfig, kernelsFile = 'kernels.json'): GuardSpec {
  let below: KernelVersion;
  try {
    below = parseKernelVersion(opts.below);
  } catch {
    throw new InputError(`--below wants a kernel version like 2.6.16, not "${opts.below}"`);
  }
  const backports: DistroClause[] = [];
  if (opts.rhel !== undefined) backports.push(distroClause('rhel', opts.rhel, config, kernelsFile));
  if (opts.sles !== undefined) backports.push(distroClause('sles', opts.sles, config, kernelsFile));
  return { below, backports };
}

/**
 * The `#if` condition text (without `#if`), e.g.
 * `LINUX_VERSION_CODE < KERNEL_VERSION(2,6,16) && !(defined(RHEL_RELEASE_CODE) && RHEL_RELEASE_CODE >= RHEL_RELEASE_VERSION(5,4))`.
 */
export function guardCondition(spec: GuardSpec): string {
  const v = spec.below;
  let text = `LINUX_VERSION_CODE < KERNEL_VERSION(${v.major},${v.minor},${v.patch})`;
  for (const b of spec.backports) {
    text += ` && !(defined(${b.codeMacro}) && ${b.codeMacro} >= ${b.versionMacro}(${b.release.join(',')}))`;
  }
  return text;
}

/** true / false / undefined (unknown): does `kernel` take the `#if` branch of a condition? */
export type ConditionOracle = (condition: string, kernel: KernelEntry) => boolean | undefined;

/**
 * An oracle for the conditions `guardCondition(spec)` builds, without a preprocessor:
 * LINUX_VERSION_CODE is the kernel's code; a distro clause holds when the kernel defines the
 * code macro as `VERSION_MACRO(a,b…)` (compared part by part, as these macros are monotonic)
 * and is false when it does not define it. A code macro defined some other way (a bare number,
 * another expression) makes the clause unknown; unknown spreads unless the version test decides.
 */
export function guardSpecOracle(spec: GuardSpec): ConditionOracle {
  return (_condition, kernel) => {
    if (kernel.code >= versionCode(spec.below)) return false;
    let unknown = false;
    for (const b of spec.backports) {
      const backported = distroBackported(b, kernel);
      if (backported === true) return false;
      if (backported === undefined) unknown = true;
    }
    return unknown ? undefined : true;
  };
}

/**
 * The cpp engine as an oracle: the condition evaluated in each kernel's environment (kernels.json
 * macros, LINUX_VERSION_CODE, the kernel's defines); unknown when it depends on a symbol no
 * kernel defines. Environments are built once per kernel.
 */
export function cppConditionOracle(config: KernelsConfig): ConditionOracle {
  const envs = new Map<string, ReturnType<typeof kernelEnv>>();
  return (condition, kernel) => {
    let env = envs.get(kernel.name);
    if (!env) {
      env = kernelEnv(config, kernel);
      envs.set(kernel.name, env);
    }
    try {
      const truth = evaluateExpression(condition, env, { file: '<guard condition>' }).truth;
      return truth === 'unknown' ? undefined : truth === 'true';
    } catch (err) {
      // A kernels.json macro the compiler would reject: this kernel's branch cannot be told.
      if (err instanceof CppError) return undefined;
      throw err;
    }
  };
}

function distroBackported(b: DistroClause, kernel: KernelEntry): boolean | undefined {
  const value = kernel.defines[b.codeMacro];
  if (value === undefined) return false;
  const m = new RegExp(`^\\s*${b.versionMacro}\\s*\\(([^()]*)\\)\\s*$`).exec(value);
  if (!m) return undefined;
  const parts = (m[1] ?? '').split(',').map((p) => p.trim());
  if (!parts.every((p) => /^\d+$/.test(p))) return undefined;
  const have = parts.map(Number);
  for (let i = 0; i < Math.max(have.length, b.release.length); i++) {
    const x = have[i] ?? 0;
    const y = b.release[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}

/** Which branch of the guard each kernel compiles. */
export interface KernelBranch {
  kernel: string;
  version: string;
  /** compat = the `#if` branch, upstream = the `#else` branch, unknown = cannot tell. */
  takes: 'compat' | 'upstream' | 'unknown';
}

/** The branch every kernel of kernels.json takes, in kernels.json order. */
export function kernelBranches(condition: string, config: KernelsConfig, oracle: ConditionOracle): KernelBranch[] {
  return config.kernels.map((k) => {
    const r = oracle(condition, k);
    return { kernel: k.name, version: `${k.version.major}.${k.version.minor}.${k.version.patch}`, takes: r === undefined ? 'unknown' : r ? 'compat' : 'upstream' };
  });
}

/** Throw an InputError (at `file:line` of the first offending line) when `text` has unbalanced conditionals. */
function assertBalanced(text: string, where: Location, firstLine: number, what: string): void {
  try {
    scanDirectives(text, where.file);
  } catch (err) {
    const e = err as { message?: string; location?: Location };
    const line = e.location?.line !== undefined ? firstLine + e.location.line - 1 : undefined;
    throw new InputError(`${what} must be balanced: ${e.message ?? String(err)}`, line === undefined ? { file: where.file } : { file: where.file, line });
  }
}

export interface WrapResult {
  text: string;
  /** 1-based lines of the new `#if`, `#else` and `#endif` in the result. */
  ifLine: number;
  elseLine: number;
  endifLine: number;
}

/**
 * Wrap lines `start`..`end` (1-based, inclusive) of `text` (shown as `file` in errors):
 * `#if condition`, the compat code, `#else`, the wrapped lines, `#endif`. The directives use the
 * file's line terminator (CRLF if its first line has one); compat code gets a final newline if it
 * lacks one and may be empty; a wrapped last line without newline gets one and `#endif` ends the
 * file without one. InputError (file:line) for a range outside the file, a range or compat code
 * whose #if/#else/#endif are not balanced (wrapping would tear a conditional apart).
 */
export function wrapInGuard(text: string, file: string, start: number, end: number, condition: string, compat: string): WrapResult {
  const lines = splitRecords(text);
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 1 || end < start) {
    throw new InputError(`bad line range ${start}-${end} (expected START-END with 1 <= START <= END)`, { file });
  }
  if (end > lines.length) throw new InputError(`line ${end} is past the end of the file (${lines.length} lines)`, { file, line: lines.length });
  const eol = lines[0]?.endsWith('\r\n') ? '\r\n' : '\n';
  const wrapped = lines.slice(start - 1, end);
  assertBalanced(wrapped.join(''), { file }, start, `lines ${start}-${end}`);
  assertBalanced(compat, { file: `${file} (compat code)` }, 1, 'the compat code');
  const last = wrapped.length - 1;
  let endifEnding = eol;
  if (!(wrapped[last] ?? '').endsWith('\n')) {
    wrapped[last] = (wrapped[last] ?? '') + eol;
    endifEnding = '';
  }
  const compatLines = splitRecords(compat).map((l) => (l.endsWith('\n') ? l : l + eol));
  const out = [
    ...lines.slice(0, start - 1),
    `#if ${condition}${eol}`,
    ...compatLines,
    `#else${eol}`,
    ...wrapped,
    `#endif${endifEnding}`,
    ...lines.slice(end),
  ];
  const ifLine = start;
  const elseLine = ifLine + compatLines.length + 1;
  return { text: out.join(''), ifLine, elseLine, endifLine: elseLine + wrapped.length + 1 };
}

/** Parse `FILE:START-END` (or `FILE:LINE`); InputError for anything else. */
export function parseFileRange(arg: string): { file: string; start: number; end: number } {
  const m = /^(.+):(\d+)(?:-(\d+))?$/.exec(arg);
  if (!m) throw new InputError(`expected FILE:START-END (e.g. blkfront/blkfront.c:120-124), not "${arg}"`);
  const start = Number(m[2]);
  const end = m[3] === undefined ? start : Number(m[3]);
  if (start < 1 || end < start) throw new InputError(`bad line range in "${arg}" (expected 1 <= START <= END)`);
  return { file: m[1] as string, start, end };
}
