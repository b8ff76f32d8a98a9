import { ConfigError, type Location } from './errors.js';
import { parseJsonText } from './json.js';
import { parseKernelVersion, versionCode, type KernelVersion } from './kernel-version.js';

/** How a kernel's compile is run. */
export type BuildRecipe =
  | { kind: 'cc'; include: string[]; cflags: string[] }
  | { kind: 'kbuild'; headers: string; packages: string[]; cflags: string[] };

/** One supported kernel: a column of the build matrix. */
export interface KernelEntry {
  name: string;
  version: KernelVersion;
  /** LINUX_VERSION_CODE */
  code: number;
  /** Object-like macros this kernel defines (value is cpp text, e.g. "RHEL_RELEASE_VERSION(4,8)"). */
  defines: Record<string, string>;
  build: BuildRecipe;
  description?: string;
}

/** A function-like helper macro shared by all kernels, e.g. RHEL_RELEASE_VERSION(a,b). */
export interface MacroDef {
  name: string;
  params: string[];
  body: string;
}

export interface KernelsConfig {
  macros: MacroDef[];
  kernels: KernelEntry[];
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MACRO_KEY = /^([A-Za-z_][A-Za-z0-9_]*)\s*\(\s*([^)]*)\)$/;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringArray(v: unknown, what: string, where: Location): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
    throw new ConfigError(`${what} must be an array of strings`, where);
  }
  return v as string[];
}

/** The line of `"name": "<name>"` in the text, so errors point at the right kernel entry. */
function lineOfKey(text: string, key: string, value?: string): number | undefined {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] ?? '';
    if (l.includes(`"${key}"`) && (value === undefined || l.includes(`"${value}"`))) return i + 1;
  }
  return undefined;
}

/**
 * Parse and validate kernels.json:
 *   { "macros": { "RHEL_RELEASE_VERSION(a,b)": "(((a) << 8) + (b))" },
 *     "kernels": [ { "name", "version", "defines"?, "build": { "kind": "cc", "include": [...] } } ] }
 * Errors name the file and line: bad JSON (line:column), bad version "2.6.x", duplicate kernel name,
 * unknown build kind, macro keys that are not `NAME(params)`.
 */
export function parseKernelsConfig(text: string, file = 'kernels.json'): KernelsConfig {
  const data = parseJsonText(text, file);
  const at = (line?: number): Location => (line === undefined ? { file } : { file, line });
  if (!isRecord(data)) throw new ConfigError('expected an object with "kernels" (and optional "macros")', at(1));
  const macros: MacroDef[] = [];
  if (data.macros !== undefined) {
    if (!isRecord(data.macros)) throw new ConfigError('"macros" must be an object', at(lineOfKey(text, 'macros')));
    for (const [key, body] of Object.entries(data.macros)) {
      const where = at(lineOfKey(text, key));
      const m = MACRO_KEY.exec(key.trim());
      if (typeof body !== 'string') throw new ConfigError(`macro ${key}: body must be a string`, where);
      if (IDENT.test(key.trim())) {
        macros.push({ name: key.trim(), params: [], body });
        continue;
      }
      if (!m) throw new ConfigError(`macro "${key}": expected NAME(a,b,...) or NAME`, where);
      const params = (m[2] ?? '').split(',').map((p) => p.trim()).filter((p) => p !== '');
      for (const p of params) if (!IDENT.test(p)) throw new ConfigError(`macro ${key}: bad parameter "${p}"`, where);
      macros.push({ name: m[1] as string, params, body });
    }
  }
  if (!Array.isArray(data.kernels) || data.kernels.length === 0) {
    throw new ConfigError('"kernels" must be a non-empty array', at(lineOfKey(text, 'kernels')));
  }
  const seen = new Map<string, number | undefined>();
  const kernels: KernelEntry[] = [];
  data.kernels.forEach((raw, index) => {
    if (!isRecord(raw)) throw new ConfigError(`kernels[${index}] must be an object`, at());
    const name = raw.name;
    if (typeof name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(name)) {
      throw new ConfigError(`kernels[${index}]: "name" must be a simple name (letters, digits, . _ + -)`, at());
    }
    const line = lineOfKey(text, 'name', name);
    const where = at(line);
    if (seen.has(name)) {
      throw new ConfigError(`duplicate kernel "${name}" (first defined at line ${seen.get(name) ?? '?'})`, where);
    }
    seen.set(name, line);
    if (typeof raw.version !== 'string') throw new ConfigError(`kernel ${name}: "version" must be a string like "2.6.18"`, where);
    const version = parseKernelVersion(raw.version, at(lineOfKey(text, 'version', raw.version) ?? line));
    const defines: Record<string, string> = {};
    if (raw.defines !== undefined) {
      if (!isRecord(raw.defines)) throw new ConfigError(`kernel ${name}: "defines" must be an object`, where);
      for (const [k, v] of Object.entries(raw.defines)) {
        // `__has_include(<x.h>)` keys declare what the kernel's headers provide ("1" or "0").
        if (!IDENT.test(k) && !/^__has_include\s*\(\s*(<[^>]*>|"[^"]*")\s*\)$/.test(k)) throw new ConfigError(`kernel ${name}: bad macro name "${k}" in defines`, where);
        if (typeof v !== 'string') throw new ConfigError(`kernel ${name}: define ${k} must be a string`, where);
        defines[k] = v;
      }
    }
    const b = raw.build;
    if (!isRecord(b)) throw new ConfigError(`kernel ${name}: "build" must be an object with "kind"`, where);
    let build: BuildRecipe;
    if (b.kind === 'cc') {
      build = { kind: 'cc', include: stringArray(b.include, `kernel ${name}: build.include`, where), cflags: stringArray(b.cflags, `kernel ${name}: build.cflags`, where) };
    } else if (b.kind === 'kbuild') {
      if (typeof b.headers !== 'string') throw new ConfigError(`kernel ${name}: build.headers must name the headers package or directory`, where);
      build = { kind: 'kbuild', headers: b.headers, packages: stringArray(b.packages, `kernel ${name}: build.packages`, where), cflags: stringArray(b.cflags, `kernel ${name}: build.cflags`, where) };
    } else {
      throw new ConfigError(`kernel ${name}: unknown build kind ${JSON.stringify(b.kind)} (expected "cc" or "kbuild")`, where);
    }
    const entry: KernelEntry = { name, version, code: versionCode(version), defines, build };
    if (typeof raw.description === 'string') entry.description = raw.description;
    kernels.push(entry);
  });
  return { macros, kernels };
}

/** The kernel named `name`, or a ConfigError listing the known ones. */
export function findKernel(config: KernelsConfig, name: string): KernelEntry {
  const k = config.kernels.find((e) => e.name === name);
  if (!k) {
    throw new ConfigError(`unknown kernel "${name}" (kernels.json has: ${config.kernels.map((e) => e.name).join(', ')})`);
  }
  return k;
}
