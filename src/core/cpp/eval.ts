/**
 * Three-valued evaluation of `#if` expressions with cpp's arithmetic: every value is a 64-bit
 * intmax_t or uintmax_t (BigInt), the usual arithmetic conversions apply (`-1 < 0u` is false),
 * shifts keep the left operand's type, comparisons and `!`, `&&`, `||` give a signed int.
 * A value is true, false or unknown; unknown spreads unless the known side of `&&`, `||` or the
 * condition of `?:` decides (unifdef's rule).
 */
import { CppError } from '../errors.js';
import { definedValue, expandLine, locate, type SourceRef } from './macro.js';
import { isKnown, type CppEnv } from './env.js';
import type { Expr } from './expr.js';
import { parseExpression } from './expr.js';
import { lexLine } from './lex.js';
import { wrap } from './literal.js';
import type { Directive } from './scan.js';

export type Truth = 'true' | 'false' | 'unknown';

export interface CondResult {
  truth: Truth;
  /** The integer value, when known. */
  value: bigint | undefined;
  /** Its type, when known. */
  unsigned: boolean | undefined;
  /** Identifiers evaluated as 0 because they are not macros here though known (-Wundef): a misspelling shows up here. */
  undefinedIdentifiers: string[];
  /** Unknown names met while evaluating (outside the branches skipped for certain). */
  unknownSymbols: string[];
  /** Unknown names called like function-like macros, `FOO(1)`: gcc rejects them when FOO is undefined. */
  unknownCalls: string[];
}

/** How surely a subexpression is evaluated by the compiler: for sure, perhaps (under an unknown), never. */
type Mode = 'eval' | 'maybe' | 'skip';

/** A value: v undefined is unknown; u undefined is an unknown signedness (then v is unknown too). */
interface V {
  v: bigint | undefined;
  u: boolean | undefined;
}

const known = (v: bigint, u: boolean): V => ({ v: wrap(v, u), u });
const unknown = (u?: boolean): V => ({ v: undefined, u });
const bool = (b: boolean): V => ({ v: b ? 1n : 0n, u: false });

/** The usual arithmetic conversions of two operand types. */
function common(a: boolean | undefined, b: boolean | undefined): boolean | undefined {
  if (a === true || b === true) return true;
  if (a === undefined || b === undefined) return undefined;
  return false;
}

interface Recorder {
  undefinedIdentifiers: Set<string>;
  unknownSymbols: Set<string>;
  unknownCalls: Set<string>;
}

function evaluate(e: Expr, mode: Mode, rec: Recorder, ref: SourceRef): V {
  const sub = (x: Expr, m: Mode = mode): V => evaluate(x, m, rec, ref);
  const noted = mode !== 'skip';
  switch (e.k) {
    case 'num':
      return { v: e.value, u: e.unsigned };
    case 'value':
      if (e.value !== undefined) return { v: e.value, u: false };
      if (noted) for (const s of e.unknown) rec.unknownSymbols.add(s);
      return unknown(false);
    case 'ident':
      if (e.unknown) {
        if (noted) {
          rec.unknownSymbols.add(e.name);
          if (e.call) rec.unknownCalls.add(e.name);
        }
        return unknown();
      }
      if (noted) rec.undefinedIdentifiers.add(e.name);
      return { v: 0n, u: false };
    case 'unary': {
      const a = sub(e.arg);
      if (e.op === '!') return a.v === undefined ? unknown(false) : bool(a.v === 0n);
      if (a.v === undefined || a.u === undefined) return unknown(a.u);
      if (e.op === '-') return known(-a.v, a.u);
      if (e.op === '~') return known(~a.v, a.u);
      return a;
    }
    case 'cond': {
      const c = sub(e.test);
      if (c.v === undefined) {
        const a = sub(e.then, mode === 'skip' ? 'skip' : 'maybe');
        const b = sub(e.else, mode === 'skip' ? 'skip' : 'maybe');
        return unknown(common(a.u, b.u));
      }
      const taken = c.v !== 0n;
      const a = sub(e.then, taken ? mode : 'skip');
      const b = sub(e.else, taken ? 'skip' : mode);
      const chosen = taken ? a : b;
      const u = common(a.u, b.u);
      if (u === undefined || chosen.v === undefined) return unknown(u);
      return known(chosen.v, u);
    }
    case 'binary':
      break;
  }
  const { op } = e;
  if (op === '&&' || op === '||') {
    const l = sub(e.left);
    const decides = op === '&&' ? 0n : 1n;
    const lb = l.v === undefined ? undefined : l.v === 0n ? 0n : 1n;
    if (lb === decides) {
      sub(e.right, 'skip');
      return { v: decides, u: false };
    }
    const r = sub(e.right, lb === undefined && mode !== 'skip' ? 'maybe' : mode);
    const rb = r.v === undefined ? undefined : r.v === 0n ? 0n : 1n;
    if (rb === decides) return { v: decides, u: false };
    if (lb === undefined || rb === undefined) return unknown(false);
    return { v: rb, u: false };
  }
  const l = sub(e.left);
  const r = sub(e.right);
  if (op === ',') return r;
  if (op === '<<' || op === '>>') {
    if (l.v === undefined || l.u === undefined || r.v === undefined || r.u === undefined) return unknown(l.u);
    let left = op === '<<';
    let count = r.v;
    if (!r.u && count < 0n) {
      left = !left;
      count = -count;
    }
    if (left) return known(count >= 64n ? 0n : l.v << count, l.u);
    if (count >= 64n) return known(!l.u && l.v < 0n ? -1n : 0n, l.u);
    return known(l.v >> count, l.u);
  }
  const u = common(l.u, r.u);
  if ((op === '/' || op === '%') && r.v === 0n) {
    if (mode === 'eval') throw new CppError(op === '/' ? 'division by zero in #if' : 'division by zero in #if (modulo)', locate(ref, e.pos));
    return unknown(u);
  }
  const comparison = op === '<' || op === '>' || op === '<=' || op === '>=' || op === '==' || op === '!=';
  if (u === undefined || l.v === undefined || r.v === undefined) return unknown(comparison ? false : u);
  const a = wrap(l.v, u);
  const b = wrap(r.v, u);
  switch (op) {
    case '*': return known(a * b, u);
    case '/': return known(a / b, u);
    case '%': return known(a % b, u);
    case '+': return known(a + b, u);
    case '-': return known(a - b, u);
    case '&': return known(a & b, u);
    case '^': return known(a ^ b, u);
    case '|': return known(a | b, u);
    case '<': return bool(a < b);
    case '>': return bool(a > b);
    case '<=': return bool(a <= b);
    case '>=': return bool(a >= b);
    case '==': return bool(a === b);
    case '!=': return bool(a !== b);
  }
}

function truthOf(v: bigint | undefined): Truth {
  if (v === undefined) return 'unknown';
  return v === 0n ? 'false' : 'true';
}

function newRecorder(): Recorder {
  return { undefinedIdentifiers: new Set(), unknownSymbols: new Set(), unknownCalls: new Set() };
}

function result(v: V, rec: Recorder): CondResult {
  return {
    truth: truthOf(v.v),
    value: v.v,
    unsigned: v.v === undefined ? undefined : v.u,
    undefinedIdentifiers: [...rec.undefinedIdentifiers],
    unknownSymbols: [...rec.unknownSymbols],
    unknownCalls: [...rec.unknownCalls],
  };
}

/**
 * Evaluate the text of a `#if` in `env`: expand macros, parse, evaluate three-valued.
 * `ref` locates errors (`column` is the column of text[0], so errors can name the token).
 * Throws CppError for every expansion or syntax error (see expandLine, parseExpression) and for
 * division or modulo by zero in a part that is surely evaluated; zero divisors in branches
 * skipped by `&&`, `||`, `?:` are fine (as in cpp), and under an unknown condition they only
 * make the result unknown. Identifiers that are not macros: known names are 0 (listed in
 * `undefinedIdentifiers`), unknown names are unknown (`unknownSymbols`).
 */
export function evaluateExpression(text: string, env: CppEnv, ref: SourceRef): CondResult {
  const tokens = expandLine(lexLine(text), env, ref);
  const tree = parseExpression(tokens, {
    ref,
    isUnknown: (name) => !env.macros.has(name) && !isKnown(env, name),
    isMacro: (name) => env.macros.has(name),
  });
  const rec = newRecorder();
  return result(evaluate(tree, 'eval', rec, ref), rec);
}

/**
 * Evaluate a conditional directive in `env`: `#if`/`#elif` by their expression,
 * `#ifdef X`/`#elifdef X` as `defined X`, `#ifndef`/`#elifndef` as its negation (unknown when
 * nobody knows X), `#else` is true. Extra tokens after an #ifdef name are ignored (gcc warns).
 * Throws CppError at the directive for "#if with no expression", "no macro name given in
 * #ifdef directive", "macro names must be identifiers", and every error of evaluateExpression;
 * and for #endif or a non-conditional directive, which have no condition.
 */
export function evaluateDirective(d: Directive, env: CppEnv, file: string): CondResult {
  const ref: SourceRef = { file, line: d.line };
  if (d.textColumn !== undefined) ref.column = d.textColumn;
  switch (d.kind) {
    case 'if':
    case 'elif':
      if (d.text.trim() === '') throw new CppError(`#${d.name} with no expression`, locate(ref));
      return evaluateExpression(d.text, env, ref);
    case 'ifdef':
    case 'ifndef':
    case 'elifdef':
    case 'elifndef': {
      const first = lexLine(d.text)[0];
      if (!first) throw new CppError(`no macro name given in #${d.name} directive`, locate(ref));
      if (first.kind !== 'ident') throw new CppError('macro names must be identifiers', locate(ref, first.pos));
      const v = definedValue(env, first.text);
      const rec = newRecorder();
      if (v === undefined) rec.unknownSymbols.add(first.text);
      const negate = d.kind === 'ifndef' || d.kind === 'elifndef';
      return result(v === undefined ? unknown(false) : bool((v === 1n) !== negate), rec);
    }
    case 'else':
      return result(bool(true), newRecorder());
    case 'endif':
    case 'other':
      throw new CppError(`#${d.name} has no condition`, locate(ref));
  }
}
