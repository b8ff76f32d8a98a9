// The "kbuild" recipe: Debian kernel headers fetched with `apt-get download` and unpacked with
// `dpkg-deb -x` into a private cache (nothing is installed), then
// `make -C <headers> M=<tree> modules` with -Werror; modpost's "undefined!" counts as a failure.
import path from 'node:path';
import { promises as fsp } from 'node:fs';
import { InputError, IoError } from '../../core/errors.js';
import { compareDebVersions, defaultCacheDir, downloadDeb, listVersions, versionsOf } from '../sources/deb.js';
import { runProgram } from './run.js';

/** A Debian package at one version. */
export interface PackageRef {
  package: string;
  version: string;
}

/** Headers unpacked into the cache, ready for `make -C dir`. */
export interface PreparedKernel {
  name: string;
  /** The flavour headers directory (`.../usr/src/linux-headers-6.1.0-56-amd64`): make -C here. */
  headersDir: string;
  /** KERNELRELEASE of the headers, e.g. "6.1.0-56-amd64". */
  release: string;
  /** Every package unpacked for this kernel (flavour, -common, linux-kbuild, extras, tools). */
  packages: PackageRef[];
  /** The compiler the headers name, e.g. "gcc-12". */
  compiler: string;
  /** Environment additions (PATH, LD_LIBRARY_PATH) for tools unpacked into the cache. */
  env: Record<string, string>;
  /** True when the cache already held these exact packages. */
  cached: boolean;
}

/** What one kbuild run gives the matrix. */
export interface KbuildResult {
  ok: boolean;
  log: string;
  /** Errors first (compiler, modpost undefined, make), then warnings; paths relative to the tree. */
  firstErrors: string[];
  durationMs: number;
  /** The .ko files built, relative to the tree. */
  artifacts: string[];
}

/** The parts of a kbuild log that decide success. */
export interface KbuildDiagnostics {
  errors: string[];
  warnings: string[];
  /** Symbols modpost reported as undefined: the module would not load. */
  undefinedSymbols: string[];
}

/** One dependency of a package: its name and version constraint, e.g. { name, op: '>=', version }. */
export interface Dependency {
  name: string;
  op?: string;
  version?: string;
}

/** Parse a Depends field into groups of alternatives: `a (>= 1), b | c` -> [[a>=1], [b, c]]. */
export function parseDepends(field: string): Dependency[][] {
  return field
    .split(',')
    .map((group) => group.trim())
    .filter((group) => group !== '')
    .map((group) =>
      group.split('|').map((alt) => {
        const m = /^\s*([a-z0-9][a-z0-9+.-]*)(?::[a-z0-9]+)?\s*(?:\(\s*([<>=]+)\s*([^)\s]+)\s*\))?/.exec(alt);
        if (!m) return { name: alt.trim() };
        const dep: Dependency = { name: m[1] as string };
        if (m[2] !== undefined && m[3] !== undefined) {
          dep.op = m[2];
          dep.version = m[3];
        }
        return dep;
      }),
    );
}

/** The fields of the first stanza of `apt-cache show` output (continuation lines are joined). */
export function parseControlStanza(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let key: string | undefined;
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      if (Object.keys(out).length > 0) break;
      continue;
    }
    if (/^\s/.test(line) && key !== undefined) {
      out[key] += '\n' + line.trim();
      continue;
    }
    const m = /^([A-Za-z0-9-]+):\s?(.*)$/.exec(line);
    if (m) {
      key = m[1] as string;
      out[key] = m[2] as string;
    }
  }
  return out;
}

/** True when a version satisfies `op version` (Debian operators: << <= = >= >>). */
export function satisfies(version: string, dep: Dependency): boolean {
  if (dep.op === undefined || dep.version === undefined) return true;
  const c = compareDebVersions(version, dep.version);
  switch (dep.op) {
    case '=':
      return c === 0;
    case '>=':
      return c >= 0;
    case '<=':
      return c <= 0;
    case '>>':
    case '>':
      return c > 0;
    case '<<':
    case '<':
      return c < 0;
    default:
      return true;
  }
}

/** The headers packages a flavour package depends on, sorted into roles. */
export interface HeadersDependencies {
  common: Dependency[];
  kbuild: Dependency | undefined;
  compiler: string | undefined;
}

/**
 * Sort a headers flavour package's Depends into roles: the `-common` headers (exact version),
 * `linux-kbuild-*`, and the compiler (`gcc-12` directly, or `linux-compiler-gcc-12-x86` -> gcc-12).
 * Image packages and linux-base are not needed to build modules and are left out.
 */
export function classifyHeadersDepends(groups: readonly Dependency[][]): HeadersDependencies {
  const out: HeadersDependencies = { common: [], kbuild: undefined, compiler: undefined };
  for (const group of groups) {
    const dep = group[0];
    if (!dep) continue;
    if (/^linux-headers-.*-common(-rt)?$/.test(dep.name)) out.common.push(dep);
    else if (/^linux-kbuild-/.test(dep.name)) out.kbuild = dep;
    else if (/^gcc-\d+$/.test(dep.name)) out.compiler = dep.name;
    else {
      const m = /^linux-compiler-(gcc-\d+)-/.exec(dep.name);
      if (m && out.compiler === undefined) out.compiler = m[1];
    }
  }
  return out;
}

/**
 * Turn a package-name glob into an anchored RegExp. `*` does not match `-`, so that
 * `linux-headers-6.1.0-*-amd64` takes `-56-amd64` but not the `-56-rt-amd64` or `-56-cloud-amd64` flavours.
 */
export function packageGlobToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[a-z0-9.+~]*').replace(/\?/g, '[a-z0-9.+~]');
  return new RegExp(`^${escaped}$`);
}

/**
 * The newest package name matching a glob, comparing names like versions (so `-56-` beats `-9-`).
 * A name without `*`/`?` is returned as is.
 */
export function pickNewestName(glob: string, names: readonly string[]): string | undefined {
  if (!/[*?]/.test(glob)) return glob;
  const re = packageGlobToRegExp(glob);
  const hits = names.filter((n) => re.test(n)).sort(compareDebVersions);
  return hits[hits.length - 1];
}

/** Rewrite the absolute `include /usr/src/...` of a Debian flavour Makefile to point into `root`. */
export function fixHeadersMakefile(text: string, root: string): string {
  return text.replace(/^(\s*include\s+)(\/usr\/src\/\S+)/gm, (_all, pre: string, abs: string) => `${pre}${path.join(root, abs)}`);
}

/** The values of a Debian `.kernelvariables` file we need: KERNELRELEASE and the compiler. */
export function parseKernelVariables(text: string): { release?: string; compiler?: string } {
  const release = /^\s*override\s+KERNELRELEASE\s*=\s*(\S+)/m.exec(text)?.[1];
  const cc = /^\s*CC\s*=.*?((?:gcc|clang)(?:-\d+)?)\s*$/m.exec(text)?.[1];
  const out: { release?: string; compiler?: string } = {};
  if (release !== undefined) out.release = release;
  if (cc !== undefined) out.compiler = cc;
  return out;
}

/** The Kbuild file of a module tree: one `obj-m += path.o` per module source. */
export function kbuildFileText(objects: readonly string[]): string {
  return objects.map((o) => `obj-m += ${o.replace(/\.c$/, '.o')}\n`).join('');
}

/** make arguments for one out-of-tree build; `cflags` go to ccflags-y (so -Werror covers only our code). */
export function kbuildArgs(headersDir: string, moduleDir: string, options: { cflags?: readonly string[]; jobs?: number; keepGoing?: boolean } = {}): string[] {
  const args = ['-C', headersDir, `M=${moduleDir}`];
  if (options.jobs !== undefined && options.jobs > 1) args.push(`-j${options.jobs}`);
  if (options.keepGoing) args.push('-k');
  args.push('modules');
  const cflags = options.cflags ?? ['-Werror'];
  if (cflags.length > 0) args.push(`ccflags-y=${cflags.join(' ')}`);
  return args;
}

/**
 * Pick the diagnostics out of a kbuild log. Compiler `error:`/`fatal error:`, modpost `ERROR:` and
 * make's `***` lines are errors; `warning:` lines are warnings; modpost's
 * `WARNING: modpost: "sym" [mod.ko] undefined!` is an undefined symbol (the module would not load).
 * `moduleDir/` is stripped from paths.
 */
export function parseKbuildLog(log: string, moduleDir?: string): KbuildDiagnostics {
  const out: KbuildDiagnostics = { errors: [], warnings: [], undefinedSymbols: [] };
  const strip = (l: string): string => (moduleDir ? l.split(moduleDir.replace(/\/$/, '') + '/').join('') : l).trim();
  for (const raw of log.split('\n')) {
    const line = strip(raw);
    if (line === '') continue;
    const undef = /WARNING: modpost: "([^"]+)" \[([^\]]+)\] undefined!/.exec(line);
    if (undef) {
      out.undefinedSymbols.push(`${undef[1] as string} (${undef[2] as string})`);
      continue;
    }
    if (/(?:^|\s|:)(?:fatal )?error:|^ERROR: |\*\*\* /.test(line)) out.errors.push(line);
    else if (/(?:^|\s|:)warning:|^WARNING: /.test(line)) out.warnings.push(line);
  }
  return out;
}

/** Success and the lines to show for a finished kbuild run. */
export function judgeKbuild(exitCode: number, log: string, moduleDir?: string): { ok: boolean; firstErrors: string[] } {
  const d = parseKbuildLog(log, moduleDir);
  const firstErrors = [
    ...d.errors.filter((e) => !/^make(\[\d+\])?: \*\*\*/.test(e)),
    ...d.undefinedSymbols.map((s) => `modpost: undefined symbol ${s}`),
    ...d.warnings,
    ...d.errors.filter((e) => /^make(\[\d+\])?: \*\*\*/.test(e)),
  ].slice(0, 6);
  const ok = exitCode === 0 && d.errors.length === 0 && d.warnings.length === 0 && d.undefinedSymbols.length === 0;
  if (!ok && firstErrors.length === 0) firstErrors.push(`make exited with ${exitCode}`);
  return { ok, firstErrors };
}

async function exists(p: string): Promise<boolean> {
  return fsp.stat(p).then(
    () => true,
    () => false,
  );
}

async function onPath(program: string, extraPath: string): Promise<boolean> {
  for (const dir of [extraPath, ...(process.env.PATH ?? '').split(':')]) {
    if (dir && (await exists(path.join(dir, program)))) return true;
  }
  return false;
}

async function aptShow(ref: PackageRef): Promise<Record<string, string>> {
  const r = await runProgram('apt-cache', ['show', `${ref.package}=${ref.version}`]);
  if (r.code !== 0) throw new IoError(`apt-cache show ${ref.package}=${ref.version} failed: ${r.stderr.trim().split('\n')[0] ?? ''}`);
  return parseControlStanza(r.stdout);
}

/** Resolve a headers package name or glob to the newest package the mirror has. */
export async function resolveHeadersPackage(glob: string): Promise<PackageRef> {
  let candidates: string[] = [glob];
  if (/[*?]/.test(glob)) {
    const prefix = glob.slice(0, glob.search(/[*?]/));
    const r = await runProgram('apt-cache', ['pkgnames', prefix]);
    if (r.code === 127) throw new IoError('apt-cache not found: the kbuild recipe fetches Debian headers with apt');
    const re = packageGlobToRegExp(glob);
    candidates = r.stdout.split('\n').filter((n) => re.test(n)).sort(compareDebVersions).reverse();
    if (candidates.length === 0) throw new InputError(`no package matches ${glob} (has \`apt-get update\` run?)`);
  }
  // pkgnames also lists names that only some other package mentions; take the newest that has a version.
  for (const name of candidates) {
    const versions = versionsOf(name, await listVersions([name]));
    const newest = versions[versions.length - 1];
    if (newest !== undefined) return { package: name, version: newest };
  }
  throw new InputError(`${glob}: apt has no downloadable version (the mirror may have dropped it; \`apt-cache madison '${glob}'\`)`);
}

async function pickSatisfying(dep: Dependency, prefer?: string): Promise<PackageRef> {
  const versions = versionsOf(dep.name, await listVersions([dep.name])).filter((v) => satisfies(v, dep));
  if (versions.length === 0) {
    const want = dep.op ? ` (${dep.op} ${dep.version ?? ''})` : '';
    throw new InputError(`${dep.name}${want}: no such version on the mirror`);
  }
  const version = prefer !== undefined && versions.includes(prefer) ? prefer : (versions[versions.length - 1] as string);
  return { package: dep.name, version };
}

/** The cache stamp of a kernel's unpacked packages: `package=version` lines, in unpack order. */
export function packageStamp(packages: readonly PackageRef[]): string {
  return packages.map((p) => `${p.package}=${p.version}\n`).join('');
}

/** Where a kernel's headers live in the cache. */
export function kernelCacheDir(name: string, cacheDir = defaultCacheDir()): string {
  return path.join(cacheDir, 'kernels', name);
}

/**
 * Make the Debian headers named by `headers` (a package name or glob such as
 * `linux-headers-6.1.0-*-amd64`, or an existing directory) usable for `make -C`, without installing
 * anything: the flavour package, the `-common` headers and `linux-kbuild` it depends on, and
 * `extraPackages`, are downloaded and unpacked into `<cache>/kernels/<name>/root`; the flavour
 * Makefile's absolute include is rewritten; tools the kbuild package needs that are not on PATH
 * (pahole for BTF) are unpacked into `<cache>/tools/root`. The compiler the headers name must be
 * installed (it is not unpacked: a compiler needs its whole toolchain); if it is not, IoError says
 * which one. A cache that already holds the same package versions is reused.
 */
export async function prepareKernelHeaders(name: string, headers: string, options: { extraPackages?: readonly string[]; cacheDir?: string; onProgress?: (msg: string) => void } = {}): Promise<PreparedKernel> {
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const progress = options.onProgress ?? (() => undefined);
  if (headers.startsWith('/') || headers.startsWith('.')) return useInstalledHeaders(name, path.resolve(headers));

  const flavour = await resolveHeadersPackage(headers);
  const deps = classifyHeadersDepends(parseDepends((await aptShow(flavour)).Depends ?? ''));
  const packages: PackageRef[] = [flavour];
  for (const dep of deps.common) packages.push(await pickSatisfying(dep, flavour.version));
  const tools: PackageRef[] = [];
  const toolsRoot = path.join(cacheDir, 'tools', 'root');
  const toolBin = path.join(toolsRoot, 'usr', 'bin');
  if (deps.kbuild) {
    const kbuild = await pickSatisfying(deps.kbuild, flavour.version);
    packages.push(kbuild);
    // linux-kbuild names the host tools of the build (pahole for module BTF since 6.x).
    for (const group of parseDepends((await aptShow(kbuild)).Depends ?? '')) {
      const dep = group[0];
      if (!dep || /^lib|^zlib/.test(dep.name)) continue;
      if (!(await onPath(dep.name, ''))) tools.push(await pickSatisfying(dep));
    }
  }
  for (const extra of options.extraPackages ?? []) packages.push(await resolveHeadersPackage(extra));

  const kdir = kernelCacheDir(name, cacheDir);
  const root = path.join(kdir, 'root');
  // One `package=version` per line; examples/linux-xen/run.sh writes the same stamp.
  const stampFile = path.join(kdir, 'packages');
  const stamp = packageStamp(packages);
  const cached = (await fsp.readFile(stampFile, 'utf8').catch(() => '')) === stamp;
  if (!cached) {
    await fsp.rm(kdir, { recursive: true, force: true });
    await fsp.mkdir(root, { recursive: true });
    for (const ref of packages) {
      progress(`${name}: ${ref.package}=${ref.version}`);
      const { file } = await downloadDeb(ref.package, ref.version, cacheDir);
      await unpackDeb(file, root);
    }
  }
  for (const ref of tools) {
    const marker = path.join(cacheDir, 'tools', `${ref.package}=${ref.version}`);
    if (await exists(marker)) continue;
    progress(`${name}: tool ${ref.package}=${ref.version} (not installed)`);
    const { file } = await downloadDeb(ref.package, ref.version, cacheDir);
    await fsp.mkdir(toolsRoot, { recursive: true });
    await unpackDeb(file, toolsRoot);
    await fsp.writeFile(marker, '');
  }

  const headersDir = path.join(root, 'usr', 'src', flavour.package);
  const makefile = path.join(headersDir, 'Makefile');
  const text = await fsp.readFile(makefile, 'utf8').catch(() => {
    throw new IoError(`${flavour.package} did not unpack a Makefile at ${makefile}`);
  });
  const fixed = fixHeadersMakefile(text, root);
  if (fixed !== text) await fsp.writeFile(makefile, fixed);
  if (!cached) await fsp.writeFile(stampFile, stamp);

  const vars = parseKernelVariables(await fsp.readFile(path.join(headersDir, '.kernelvariables'), 'utf8').catch(() => ''));
  const compiler = vars.compiler ?? deps.compiler ?? 'gcc';
  if (!(await onPath(compiler, toolBin)) && !(await onPath(`x86_64-linux-gnu-${compiler}`, toolBin))) {
    throw new IoError(`${flavour.package} is built with ${compiler}, which is not installed: \`apt-get install ${compiler}\``);
  }
  return {
    name,
    headersDir,
    release: vars.release ?? flavour.package.replace(/^linux-headers-/, ''),
    packages: [...packages, ...tools],
    compiler,
    env: toolsEnv(toolsRoot),
    cached,
  };
}

function toolsEnv(toolsRoot: string): Record<string, string> {
  const lib = path.join(toolsRoot, 'usr', 'lib', 'x86_64-linux-gnu');
  return {
    PATH: [path.join(toolsRoot, 'usr', 'bin'), process.env.PATH ?? ''].filter((p) => p !== '').join(':'),
    LD_LIBRARY_PATH: [lib, process.env.LD_LIBRARY_PATH ?? ''].filter((p) => p !== '').join(':'),
  };
}

async function useInstalledHeaders(name: string, dir: string): Promise<PreparedKernel> {
  if (!(await exists(path.join(dir, 'Makefile')))) throw new InputError(`kernel ${name}: ${dir} has no Makefile (not a kernel headers or build directory)`);
  const vars = parseKernelVariables(await fsp.readFile(path.join(dir, '.kernelvariables'), 'utf8').catch(() => ''));
  return { name, headersDir: dir, release: vars.release ?? path.basename(dir), packages: [], compiler: vars.compiler ?? 'gcc', env: {}, cached: true };
}

async function unpackDeb(file: string, root: string): Promise<void> {
  const r = await runProgram('dpkg-deb', ['-x', file, root]);
  if (r.code === 127) throw new IoError('dpkg-deb not found: the kbuild recipe unpacks Debian packages');
  if (r.code !== 0) throw new IoError(`dpkg-deb -x ${path.basename(file)} failed: ${r.stderr.trim().split('\n')[0] ?? ''}`);
}

async function findKos(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fsp.readdir(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await findKos(dir, r)));
    else if (e.isFile() && e.name.endsWith('.ko')) out.push(r);
  }
  return out.sort();
}

/**
 * `make -C <headers> M=<moduleDir> modules` for a prepared kernel. `moduleDir` must hold a Kbuild
 * (or Makefile) naming the modules, see kbuildFileText(). Stale .ko files are removed first so that
 * `artifacts` lists only what this run built. ok = make succeeded, no error or warning line and no
 * undefined symbol from modpost.
 */
export async function runKbuild(kernel: PreparedKernel, moduleDir: string, options: { cflags?: readonly string[]; jobs?: number; keepGoing?: boolean } = {}): Promise<KbuildResult> {
  const dir = path.resolve(moduleDir);
  for (const ko of await findKos(dir)) await fsp.rm(path.join(dir, ko), { force: true });
  const env = { ...process.env, ...kernel.env, LC_ALL: 'C' };
  const r = await runProgram('make', kbuildArgs(kernel.headersDir, dir, options), { env });
  if (r.code === 127) throw new IoError('make not found: the kbuild recipe needs make');
  const log = r.stdout + r.stderr;
  const { ok, firstErrors } = judgeKbuild(r.code, log, dir);
  return { ok, log, firstErrors, durationMs: r.durationMs, artifacts: await findKos(dir) };
}

/**
 * The disassembly of a module's code (`objdump -dr`, without the file-name header), for comparing
 * two builds. Build both at the same path: __FILE__ strings of out-of-tree modules hold the absolute
 * path, so a different path moves .rodata offsets in the relocations.
 */
export async function disassemble(file: string): Promise<string> {
  const r = await runProgram('objdump', ['-dr', file]);
  if (r.code !== 0) throw new IoError(`objdump -dr ${file} failed: ${r.stderr.trim().split('\n')[0] ?? ''}`);
  return r.stdout.split('\n').slice(2).join('\n');
}
