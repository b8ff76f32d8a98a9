import { ConfigError, type Location } from './errors.js';

/** A kernel version a.b.c as cpp sees it: KERNEL_VERSION(a,b,c) = (a<<16) + (b<<8) + c. */
export interface KernelVersion {
  major: number;
  minor: number;
  patch: number;
}

const VERSION_RE = /^(\d{1,3})\.(\d{1,3})(?:\.(\d{1,3}))?$/;

/**
 * Parse "2.6.18" or "6.1" (patch level 0). Each part must fit KERNEL_VERSION's 8-bit fields
 * except the major; throws ConfigError naming `where` for "2.6.x", "", "2.6.300".
 */
export function parseKernelVersion(text: string, where?: Location): KernelVersion {
  const m = VERSION_RE.exec(text.trim());
  if (!m) throw new ConfigError(`bad kernel version "${text}" (expected a.b or a.b.c, e.g. 2.6.18)`, where);
  const major = Number(m[1]);
  const minor = Number(m[2]);
  const patch = m[3] === undefined ? 0 : Number(m[3]);
  if (minor > 255 || patch > 255) {
    throw new ConfigError(`bad kernel version "${text}": minor and patch level must be at most 255`, where);
  }
  return { major, minor, patch };
}

/** LINUX_VERSION_CODE of a version. */
export function versionCode(v: KernelVersion): number {
  return v.major * 65536 + v.minor * 256 + v.patch;
}

export function formatKernelVersion(v: KernelVersion): string {
  return `${v.major}.${v.minor}.${v.patch}`;
}

export function compareKernelVersions(a: KernelVersion, b: KernelVersion): number {
  return versionCode(a) - versionCode(b);
}
