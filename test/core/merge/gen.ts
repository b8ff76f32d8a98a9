/**
 * Seeded generators of C-like merge cases for the differential tests (no I/O).
 */

/** mulberry32: a tiny seeded PRNG, so a failing case can be replayed from its seed. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const COMMON = ['}', '', '\treturn 0;', '{', '#endif', '\tint err;', '\tbreak;', '#else'];
const CALLS = ['elevator_init', 'INIT_WORK', 'kmem_cache_create', 'blk_queue_max_segments', 'xenbus_switch_state', 'gnttab_end_foreign_access', 'spin_lock_irqsave', 'request_irq'];

export interface Gen {
  /** Per-case counter that makes generated lines unique. */
  serial: { n: number };
  next(): number;
  int(lo: number, hi: number): number;
  pick<T>(xs: readonly T[]): T;
}

export function gen(seed: number): Gen {
  const r = rng(seed);
  return {
    serial: { n: 0 },
    next: r,
    int: (lo, hi) => lo + Math.floor(r() * (hi - lo + 1)),
    pick: <T,>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T,
  };
}

/** A C-like line: mostly unique calls, sometimes a common line ("}", "", "return 0;"). */
export function cLine(g: Gen, tag: string, commonRate = 0.3): string {
  if (g.next() < commonRate) return g.pick(COMMON);
  g.serial.n++;
  return `\t${g.pick(CALLS)}(${tag}${g.serial.n}, ${g.int(0, 9)});`;
}

/** Random edits of `lines`: each replaces 0-3 lines at a random place by 0-3 new lines. */
export function mutate(g: Gen, lines: readonly string[], edits: number, tag: string, commonRate = 0.3): string[] {
  const out = [...lines];
  for (let e = 0; e < edits; e++) {
    const at = g.int(0, out.length);
    const del = Math.min(g.int(0, 3), out.length - at);
    const ins: string[] = [];
    const n = g.int(del === 0 ? 1 : 0, 3);
    for (let i = 0; i < n; i++) ins.push(cLine(g, tag, commonRate));
    out.splice(at, del, ...ins);
  }
  return out;
}

export interface MergeCase {
  seed: number;
  base: string;
  ours: string;
  theirs: string;
}

/** Join lines with the case's terminator, with or without a final newline. */
export function joinLines(lines: readonly string[], eol: string, finalNewline: boolean): string {
  if (lines.length === 0) return '';
  return lines.join(eol) + (finalNewline ? eol : '');
}

/** A generated three-way case: base, and two sides with independent (sometimes shared) edits. */
export function mergeCase(seed: number): MergeCase {
  const g = gen(seed);
  const commonRate = g.pick([0.05, 0.2, 0.4]);
  const n = g.int(0, 30);
  const base: string[] = [];
  for (let i = 0; i < n; i++) base.push(cLine(g, 'b', commonRate));
  let ours = mutate(g, base, g.int(0, 3), 'o', commonRate);
  let theirs = mutate(g, base, g.int(0, 3), 't', commonRate);
  if (g.next() < 0.1) theirs = mutate(g, ours, g.int(0, 2), 't', commonRate); // theirs contains ours' change
  if (g.next() < 0.05) ours = [...theirs];
  const eol = g.next() < 0.15 ? '\r\n' : '\n';
  const fin = () => g.next() < 0.9;
  return { seed, base: joinLines(base, eol, fin()), ours: joinLines(ours, eol, fin()), theirs: joinLines(theirs, eol, fin()) };
}

export interface GuardCase extends MergeCase {
  /** Upstream's edits add conditional directive lines of their own (a bare `#else`/`#endif`). */
  theirsAddsDirectives: boolean;
}

/**
 * A generated rebase case: ours wraps 1-2 lines of base in `#if … #else <line> #endif` guards
 * (and sometimes edits elsewhere too); theirs edits base at 1-3 random places.
 */
export function guardCase(seed: number): GuardCase {
  const g = gen(seed);
  const rate = g.pick([0.05, 0.2, 0.4]);
  const n = g.int(3, 30);
  const base: string[] = [];
  for (let i = 0; i < n; i++) base.push(cLine(g, 'b', rate));
  let ours = [...base];
  const k = g.int(1, 2);
  for (let q = 0; q < k; q++) {
    const at = g.int(0, ours.length - 1);
    const line = ours[at] as string;
    if (line.startsWith('#')) continue;
    ours.splice(at, 1, `#if LINUX_VERSION_CODE < KERNEL_VERSION(2,6,${10 + q})`, `\told_call_${q}();`, '#else', line, '#endif');
  }
  if (g.next() < 0.3) ours = mutate(g, ours, 1, 'o', rate);
  const theirs = mutate(g, base, g.int(1, 3), 't', rate);
  const directives = (ls: string[]): number => ls.filter((l) => l.startsWith('#')).length;
  return {
    seed,
    base: joinLines(base, '\n', true),
    ours: joinLines(ours, '\n', true),
    theirs: joinLines(theirs, '\n', true),
    theirsAddsDirectives: directives(theirs) > directives(base),
  };
}
