/**
 * The preprocessor environment of one kernel: which macros exist and which names are *known*.
 * A name that is not a macro here but is known (some kernel defines it, or the config declares
 * it) evaluates to 0 as in cpp; a name nobody knows (CONFIG_X86_64, __GNUC__) is *unknown*, and
 * makes an `#if` unknown unless the other side of `&&`/`||`/`?:` decides.
 */
import type { KernelEntry, KernelsConfig } from '../config.js';
import { CppError, type Location } from '../errors.js';
import { isIdentifier, lexLine, type Token } from './lex.js';

/** A kernel helper that cannot be written as a plain macro. */
export type BuiltinKind = 'IS_ENABLED' | 'IS_BUILTIN' | 'IS_MODULE';

/** A macro ready for expansion. */
export interface Macro {
  name: string;
  /** Parameter names; undefined for an object-like macro. */
  params: readonly string[] | undefined;
  body: readonly Token[];
  builtin?: BuiltinKind;
}

/** A macro as written: `params` undefined for object-like (`NAME body`), [] for `NAME() body`. */
export interface MacroSpec {
  name: string;
  params?: readonly string[] | undefined;
  body: string;
}

export interface CppEnv {
  /** For messages: the kernel name, or "cpp". */
  readonly name: string;
  readonly macros: ReadonlyMap<string, Macro>;
  /** Names known to be meaningful: not a macro here means "undefined", i.e. 0. */
  readonly known: ReadonlySet<string>;
  /** Every name that is not a macro is simply undefined (plain cpp, no unknowns). */
  readonly closedWorld: boolean;
  /** __has_include answers by header spelling, `<linux/foo.h>` or `"foo.h"`; others are unknown. */
  readonly includes: ReadonlyMap<string, boolean>;
}

export interface EnvSpec {
  name?: string;
  /** Later definitions of the same name replace earlier ones. */
  macros?: Iterable<MacroSpec>;
  /** Names that are known (evaluate to 0 when not defined here). */
  known?: Iterable<string>;
  closedWorld?: boolean;
  includes?: Record<string, boolean>;
  /** Add IS_ENABLED / IS_BUILTIN / IS_MODULE (the kernel's kconfig.h helpers). */
  kernelBuiltins?: boolean;
  /** Where definition errors point (e.g. kernels.json). */
  where?: Location;
}

/** KERNEL_VERSION as <linux/version.h> defines it. */
export const KERNEL_VERSION_BODY = '(((a) << 16) + ((b) << 8) + (c))';

/**
 * Parse the text after `#define`: `NAME body` (object-like) or `NAME(a, b) body` (function-like:
 * the parenthesis must touch the name). Throws CppError for a missing or bad name, bad or
 * duplicate parameters, an unclosed parameter list. Variadic macros are not supported.
 */
export function parseMacroDefinition(text: string, where: Location = { file: '<macro>' }): MacroSpec {
  const m = /^\s*([A-Za-z_$][A-Za-z0-9_$]*)(\(([^)]*)\))?/.exec(text);
  if (!m) throw new CppError(`macro names must be identifiers: "${text.trim()}"`, where);
  const name = m[1] as string;
  const rest = text.slice(m[0].length);
  if (m[2] === undefined) {
    if (rest.startsWith('(')) throw new CppError(`missing ')' in the parameter list of macro "${name}"`, where);
    return { name, params: undefined, body: rest.trim() };
  }
  const inner = (m[3] ?? '').trim();
  const params = inner === '' ? [] : inner.split(',').map((p) => p.trim());
  return { name, params, body: rest.trim() };
}

function compileMacro(spec: MacroSpec, where: Location): Macro {
  const { name } = spec;
  if (!isIdentifier(name) || name === 'defined') throw new CppError(`bad macro name "${name}"`, where);
  const params = spec.params;
  if (params) {
    const seen = new Set<string>();
    for (const p of params) {
      if (!isIdentifier(p)) throw new CppError(`macro "${name}": bad parameter "${p}"`, where);
      if (seen.has(p)) throw new CppError(`macro "${name}": duplicate parameter "${p}"`, where);
      seen.add(p);
    }
  }
  const body = lexLine(spec.body).map((t) => ({ ...t, pos: -1 }));
  const first = body[0];
  const last = body[body.length - 1];
  if ((first?.kind === 'punct' && first.text === '##') || (last?.kind === 'punct' && last.text === '##')) {
    throw new CppError(`macro "${name}": '##' cannot appear at either end of a macro expansion`, where);
  }
  if (params) {
    body.forEach((t, i) => {
      const next = body[i + 1];
      if (t.kind === 'punct' && t.text === '#' && !(next?.kind === 'ident' && params.includes(next.text))) {
        throw new CppError(`macro "${name}": '#' is not followed by a macro parameter`, where);
      }
    });
  }
  if (body[0]) body[0] = { ...body[0], ws: false };
  return { name, params, body };
}

/** CONFIG_FOO and CONFIG_FOO_MODULE are known together: a config that models one models both. */
function addKnown(known: Set<string>, name: string): void {
  known.add(name);
  if (!name.startsWith('CONFIG_')) return;
  if (name.endsWith('_MODULE')) known.add(name.slice(0, -'_MODULE'.length));
  else known.add(`${name}_MODULE`);
}

/**
 * Build an environment from macro specs. Every macro name is known; `known` adds names that are
 * undefined here but meaningful; with `closedWorld` every name is known (exactly cpp).
 * CONFIG_X and CONFIG_X_MODULE are known together. Throws CppError (at `where`) for a bad macro:
 * bad name or parameter, `#` not followed by a parameter, `##` at either end of the body.
 */
export function createEnv(spec: EnvSpec): CppEnv {
  const where = spec.where ?? { file: '<env>' };
  const macros = new Map<string, Macro>();
  const known = new Set<string>();
  if (spec.kernelBuiltins) {
    for (const b of ['IS_ENABLED', 'IS_BUILTIN', 'IS_MODULE'] as const) {
      macros.set(b, { name: b, params: ['option'], body: [], builtin: b });
    }
  }
  for (const m of spec.macros ?? []) macros.set(m.name, compileMacro(m, where));
  for (const name of macros.keys()) addKnown(known, name);
  for (const name of spec.known ?? []) addKnown(known, name);
  return {
    name: spec.name ?? 'cpp',
    macros,
    known,
    closedWorld: spec.closedWorld ?? false,
    includes: new Map(Object.entries(spec.includes ?? {})),
  };
}

/** Is `name` meaningful in `env` (a macro, known elsewhere, or closed world)? */
export function isKnown(env: CppEnv, name: string): boolean {
  return env.closedWorld || env.macros.has(name) || env.known.has(name);
}

export interface KernelEnvOptions {
  /** Extra names known to be undefined (evaluate to 0 instead of unknown). */
  undefinedSymbols?: Iterable<string>;
  /** Extra object-like defines assumed for this kernel, e.g. { __KERNEL__: '1' }. */
  assume?: Record<string, string>;
  /** Every name that is not a macro is undefined: no unknowns at all. */
  closedWorld?: boolean;
  /** __has_include answers, by `<header>` or `"header"`. */
  includes?: Record<string, boolean>;
}

const HAS_INCLUDE_KEY = /^__has_include\s*\(\s*(<[^>]*>|"[^"]*")\s*\)$/;

/**
 * The environment of kernel `kernel`: KERNEL_VERSION and IS_ENABLED/IS_BUILTIN/IS_MODULE built
 * in, then the config's top-level `macros` (a MacroDef without params is object-like), then
 * LINUX_VERSION_CODE = kernel.code, then the kernel's `defines`, then `options.assume`. Known
 * names: the union of every kernel's defines, every declared macro, the built-ins and
 * `options.undefinedSymbols`. `__has_include(<x.h>)` is unknown unless `options.includes` or a
 * define key spelled `__has_include(<x.h>)` (value "0" or "1") answers it.
 */
export function kernelEnv(config: KernelsConfig, kernel: KernelEntry, options: KernelEnvOptions = {}): CppEnv {
  const macros: MacroSpec[] = [{ name: 'KERNEL_VERSION', params: ['a', 'b', 'c'], body: KERNEL_VERSION_BODY }];
  for (const m of config.macros) macros.push({ name: m.name, params: m.params.length > 0 ? m.params : undefined, body: m.body });
  macros.push({ name: 'LINUX_VERSION_CODE', body: String(kernel.code) });
  const includes: Record<string, boolean> = {};
  const objectDefines = (defs: Record<string, string>): void => {
    for (const [name, body] of Object.entries(defs)) {
      const inc = HAS_INCLUDE_KEY.exec(name);
      if (inc) includes[inc[1] as string] = body.trim() !== '0';
      else macros.push({ name, body });
    }
  };
  objectDefines(kernel.defines);
  objectDefines(options.assume ?? {});
  Object.assign(includes, options.includes ?? {});
  const known = new Set<string>(['LINUX_VERSION_CODE', 'KERNEL_VERSION']);
  for (const k of config.kernels) for (const name of Object.keys(k.defines)) if (isIdentifier(name)) known.add(name);
  for (const m of config.macros) known.add(m.name);
  for (const name of options.undefinedSymbols ?? []) known.add(name);
  return createEnv({
    name: kernel.name,
    macros,
    known,
    closedWorld: options.closedWorld ?? false,
    includes,
    kernelBuiltins: true,
    where: { file: 'kernels.json' },
  });
}
