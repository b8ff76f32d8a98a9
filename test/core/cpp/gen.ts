/**
 * Seeded generators for the preprocessor tests: macro sets and `#if` expressions for the
 * differential test against cpp, nested conditional files for the one against unifdef.
 */

/** A small seeded PRNG (mulberry32): the same seed gives the same corpus on every run. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
}

export interface MacroSet {
  /** The text after `#define` of each macro, in definition order. */
  defines: string[];
  objects: string[];
  functions: { name: string; arity: number }[];
  /** Names never defined. */
  undefined: string[];
}

const INTS = ['0', '1', '2', '3', '7', '8', '10', '16', '31', '32', '63', '64', '100', '255', '256', '65535', '65536',
  '2147483647', '2147483648', '4294967295', '4294967296', '9223372036854775807', '9223372036854775808',
  '18446744073709551615', '0x0', '0x1F', '0xff', '0XFFFFFFFF', '0x7fffffffffffffff', '0x8000000000000000',
  '0xFFFFFFFFFFFFFFFF', '00', '017', '0777', '01000000000000000000000', '0b101', '132614', '0x20612'];
const SUFFIXES = ['', '', '', '', 'u', 'U', 'l', 'L', 'ul', 'UL', 'lu', 'll', 'LL', 'ull', 'ULL', 'llu', 'LLU'];
const CHARS = ["'a'", "'0'", "'\\0'", "'\\n'", "'\\377'", "'\\x41'", "'\\x80'", "'\\''", "'\"'", "'\\\\'", "'ab'", "'\\1'", "L'a'", "L'\\xffffffff'", "u'b'", "U'c'", "'\\e'"];
const UNARY = ['-', '+', '~', '!'];
const BINARY = ['*', '/', '%', '+', '-', '<<', '>>', '<', '>', '<=', '>=', '==', '!=', '&', '^', '|', '&&', '||'];

/** A random macro set: object-like and function-like macros referring to each other, cycles included. */
export function genMacroSet(r: Rng): MacroSet {
  const objects = ['O0', 'O1', 'O2', 'O3', 'O4', 'O5', 'CY1', 'CY2', 'SELF', 'DO1', 'EMPTY'];
  const functions = [
    { name: 'F0', arity: 1 }, { name: 'F1', arity: 2 }, { name: 'F2', arity: 3 }, { name: 'F3', arity: 1 },
    { name: 'CAT', arity: 2 }, { name: 'KV', arity: 3 }, { name: 'REC', arity: 1 }, { name: 'DEF', arity: 1 },
    { name: 'NIL', arity: 0 }, { name: 'ID', arity: 1 }, { name: 'FA', arity: 1 }, { name: 'FB', arity: 1 },
  ];
  const undefinedNames = ['U0', 'U1', 'U2', 'F9'];
  const set: MacroSet = { defines: [], objects, functions, undefined: undefinedNames };
  const g = new ExprGen(r, set, []);
  for (const o of objects.slice(0, 6)) set.defines.push(`${o} ${g.expr(2)}`);
  set.defines.push('CY1 (CY2 + 1)', 'CY2 (CY1 * 2)', 'SELF (SELF + 3)', 'DO1 defined(O1)', 'EMPTY');
  const params = ['a', 'b', 'c'];
  for (const f of functions.slice(0, 4)) {
    const ps = params.slice(0, f.arity);
    const fg = new ExprGen(r, set, ps);
    set.defines.push(`${f.name}(${ps.join(', ')}) ${fg.expr(2)}`);
  }
  set.defines.push(
    'CAT(a, b) a ## b',
    'KV(a,b,c) (((a) << 16) + ((b) << 8) + (c))',
    r.chance(0.5) ? 'REC(x) (REC(x) + 1)' : 'REC(x) (x + REC)',
    'DEF(x) defined(x)',
    'NIL() 1',
    'ID(x) x',
    // C11 6.10.3.4 EXAMPLE: FA(2)(9) is 2*9*FB, which needs the hide-set intersection.
    'FA(a) a*FB',
    'FB(a) FA(a)',
    // Argument lists that start inside a macro and end outside it.
    'OPEN ID(~',
    'G ID',
  );
  return set;
}

/** Random `#if` expressions over a macro set (and the parameters of the macro being defined). */
export class ExprGen {
  constructor(private readonly r: Rng, private readonly set: MacroSet, private readonly params: string[]) {}

  number(): string {
    const r = this.r;
    if (r.chance(0.15)) return r.pick(CHARS);
    const n = r.pick(INTS);
    return n + (r.chance(0.35) ? r.pick(SUFFIXES) : '');
  }

  name(): string {
    const r = this.r;
    const pool = [...this.set.objects, ...this.set.undefined, ...this.params, ...this.params];
    if (r.chance(0.05)) return r.pick(this.set.functions).name; // a function-like name without arguments
    return r.pick(pool);
  }

  atom(): string {
    const r = this.r;
    const k = r.int(10);
    if (k < 5) return this.number();
    if (k < 8) return this.name();
    const x = r.chance(0.7) ? r.pick([...this.set.objects, ...this.set.undefined]) : r.pick(this.set.functions).name;
    return r.pick([`defined ${x}`, `defined(${x})`, `defined ( ${x} )`]);
  }

  call(depth: number): string {
    const r = this.r;
    const f = r.pick(this.set.functions);
    let arity = f.arity;
    if (r.chance(0.03)) arity += r.chance(0.5) ? 1 : -1;
    const args: string[] = [];
    for (let k = 0; k < arity; k++) {
      if (f.name === 'CAT') args.push(r.pick(['O', '1', '0x', '2', 'U', 'F', '', '3u', 'CY']));
      else args.push(r.chance(0.1) ? '' : this.expr(depth - 1));
    }
    return `${f.name}(${args.join(', ')})`;
  }

  expr(depth: number): string {
    const r = this.r;
    if (depth <= 0 || r.chance(0.25)) return this.atom();
    const k = r.int(20);
    if (k < 3) {
      const op = r.pick(UNARY);
      const e = this.expr(depth - 1);
      return r.chance(0.5) ? `${op}(${e})` : `${op} ${e}`;
    }
    if (k < 12) {
      const op = r.pick(BINARY);
      const left = this.expr(depth - 1);
      let right = this.expr(depth - 1);
      if ((op === '<<' || op === '>>') && r.chance(0.7)) right = r.pick(['0', '1', '3', '8', '16', '31', '32', '62', '63', '64', '65', '-1', '-3', '1u', '64u']);
      if ((op === '/' || op === '%') && r.chance(0.6)) right = r.pick(['1', '2', '3', '7', '-1', '-2', '10u', '0']);
      const wrap = (s: string): string => (r.chance(0.3) ? `(${s})` : s);
      return `${wrap(left)} ${op} ${wrap(right)}`;
    }
    if (k < 14) return `${this.expr(depth - 1)} ? ${this.expr(depth - 1)} : ${this.expr(depth - 1)}`;
    if (k < 15) return `(${this.expr(depth - 1)}, ${this.expr(depth - 1)})`;
    if (k < 17) return `(${this.expr(depth - 1)})`;
    if (k < 19) return this.call(depth);
    if (k < 20 && r.chance(0.5)) {
      return r.pick([`FA(${this.atom()})(${this.atom()})`, `(OPEN ${this.atom()}))`, `G(${this.atom()})`, `FB(${this.atom()})(${this.atom()})`]);
    }
    return r.pick(['0 && (1 / 0)', '1 || (2 % 0)', '(0 ? 1 / 0 : 4)', '(1 ? 5 : 1 / 0)', `(${this.atom()} && ${this.atom()} / 0)`]);
  }
}

/** A value as a C literal of the same value, for `(E) == V` checks. */
export function literalOf(v: bigint, unsigned: boolean): string {
  if (unsigned) return `0x${v.toString(16)}ULL`;
  if (v === -(1n << 63n)) return '(-9223372036854775807LL - 1)';
  return v < 0n ? `(-${(-v).toString()}LL)` : `${v.toString()}LL`;
}

/** The symbols of a generated C file for the unifdef comparison. */
export interface CFileSymbols {
  /** -D symbols with their (numeric) values; LINUX_VERSION_CODE among them. */
  defined: Record<string, string>;
  /** -U symbols: known, undefined. */
  undefined: string[];
  /** Names nobody knows. */
  unknown: string[];
}

const KERNEL_CODES = [0x20605, 0x20609, 0x20610, 0x20612, 0x20620, 0x30a00, 0x40400, 0x50a00, 0x60100, 0x60c00];
const REL = ['<', '>', '<=', '>=', '==', '!='];

/**
 * A random C file of nested conditionals in the subset Debian's unifdef 2.10 evaluates like cpp:
 * `defined`, `!`, `&&`, `||`, parentheses, relational operators, plain decimal/hex/octal
 * literals, symbols; KERNEL_VERSION(a,b,c) already replaced by its number. Bodies hold code,
 * one-line and multi-line comments, strings and characters that look like directives, and
 * other directives (#define, #include).
 */
export function genCFile(r: Rng, symbols: CFileSymbols, code: number): string {
  const names = [...Object.keys(symbols.defined).filter((n) => n !== 'LINUX_VERSION_CODE'), ...symbols.undefined, ...symbols.unknown];
  const version = (): string => {
    const base = r.pick(KERNEL_CODES);
    const v = r.chance(0.3) ? code + r.int(3) - 1 : base + (r.chance(0.2) ? r.int(3) - 1 : 0);
    return r.chance(0.3) ? `0x${v.toString(16)}` : String(v);
  };
  const atom = (): string => {
    const k = r.int(12);
    if (k < 4) return r.chance(0.8) ? `LINUX_VERSION_CODE ${r.pick(REL)} ${version()}` : `${version()} ${r.pick(REL)} LINUX_VERSION_CODE`;
    if (k < 6) return r.pick(names);
    if (k < 8) return r.pick([`defined(${r.pick(names)})`, `defined ${r.pick(names)}`, `defined( ${r.pick(names)} )`]);
    if (k < 9) return `${r.pick(names)} ${r.pick(REL)} ${r.pick(['0', '1', '2', '0x10', '010', '16'])}`;
    if (k < 10) return r.pick(['0', '1']);
    return `!${r.chance(0.5) ? r.pick(names) : `defined(${r.pick(names)})`}`;
  };
  const cond = (depth: number): string => {
    if (depth <= 0 || r.chance(0.4)) return atom();
    const k = r.int(6);
    if (k < 2) return `${cond(depth - 1)} && ${cond(depth - 1)}`;
    if (k < 4) return `${cond(depth - 1)} || ${cond(depth - 1)}`;
    if (k < 5) return `(${cond(depth - 1)})`;
    return `!(${cond(depth - 1)})`;
  };
  const hash = (kw: string): string => r.pick(['#', '#', '#', '# ', '  #', '#  ', '\t#']) + kw;
  const trailer = (): string => (r.chance(0.15) ? r.pick([' /* note */', ' // note', '\t/* pvpatch: x/y */']) : '');
  const bodyLine = (): string[] => {
    const k = r.int(14);
    if (k < 5) return [r.pick(['\tint a;', 'static int x = 1;', '\treturn y + 1;', '', '}', '\tfoo(bar, "baz");'])];
    if (k < 6) return ['/* a comment', ' * #endif inside a comment', ' * #if 0 too */'];
    if (k < 7) return ['\tputs("#endif"); /* #else */'];
    if (k < 8) return ["\tc = '#'; // #elif in a line comment"];
    if (k < 9) return [r.pick(['#define FOO 1', '#include <linux/module.h>', '#  undef BAR', '#pragma once', '#error stop'])];
    if (k < 10) return ['int f(void) /* comment */ { return 0; }'];
    return [r.pick(['\tx++;', '\ty--;', 'z = 0;'])];
  };
  const block = (depth: number, budget: { lines: number }): string[] => {
    const out: string[] = [];
    const n = 1 + r.int(4);
    for (let k = 0; k < n && budget.lines > 0; k++) {
      if (depth > 0 && r.chance(0.45)) out.push(...group(depth - 1, budget));
      else {
        const lines = bodyLine();
        budget.lines -= lines.length;
        out.push(...lines);
      }
    }
    return out;
  };
  const group = (depth: number, budget: { lines: number }): string[] => {
    const out: string[] = [];
    const k = r.int(10);
    if (k < 2) out.push(hash(`${r.pick(['ifdef', 'ifndef'])} ${r.pick(names)}`) + trailer());
    else out.push(hash(`if ${cond(2)}`) + trailer());
    out.push(...block(depth, budget));
    const elifs = r.chance(0.5) ? r.int(4) : 0;
    for (let e = 0; e < elifs; e++) {
      out.push(hash(`elif ${cond(2)}`) + trailer());
      out.push(...block(depth, budget));
    }
    if (r.chance(0.5)) {
      out.push(hash('else') + trailer());
      out.push(...block(depth, budget));
    }
    out.push(hash('endif') + trailer());
    budget.lines -= 2 + elifs;
    return out;
  };
  const budget = { lines: 60 };
  const lines: string[] = [];
  while (budget.lines > 0) {
    lines.push(...(r.chance(0.7) ? group(3, budget) : bodyLine()));
  }
  return lines.join('\n') + '\n';
}
