/**
 * Macro expansion of a `#if` line, the way cpp does it (C11 6.10.3, Prosser's hide-set
 * algorithm): object-like and function-like macros, arguments fully expanded before
 * substitution unless next to `#` or `##`, rescanning, and the "blue paint" rule (a macro's name
 * met again inside its own expansion is never expanded, and stays painted).
 * In the `#if` line itself (not inside macro arguments) `defined X`, `defined(X)` and
 * `__has_include(...)` become value tokens, so the name after `defined` is never expanded.
 */
import { CppError, type Location } from '../errors.js';
import { isKnown, type CppEnv, type Macro } from './env.js';
import { lexSingle, retoken, type Token } from './lex.js';

/** Where the expanded text comes from: `column` is the column of the text's first character. */
export interface SourceRef {
  file: string;
  line?: number;
  column?: number;
}

/** The location of the token at offset `pos` of the text (no column for macro-body tokens). */
export function locate(ref: SourceRef, pos = -1): Location {
  const loc: Location = { file: ref.file };
  if (ref.line !== undefined) loc.line = ref.line;
  if (ref.line !== undefined && ref.column !== undefined && pos >= 0) loc.column = ref.column + pos;
  return loc;
}

/** Deepest nesting of macro arguments being pre-expanded. */
export const MAX_EXPANSION_DEPTH = 200;
/** Most tokens one `#if` line may expand to. */
export const MAX_EXPANSION_TOKENS = 200_000;

interface Ctx {
  env: CppEnv;
  ref: SourceRef;
  budget: number;
}

const EMPTY: ReadonlySet<string> = new Set();

function union(a: ReadonlySet<string> | undefined, b: ReadonlySet<string> | undefined): ReadonlySet<string> {
  if (!a || a.size === 0) return b ?? EMPTY;
  if (!b || b.size === 0) return a;
  return new Set([...a, ...b]);
}

function intersect(a: ReadonlySet<string> | undefined, b: ReadonlySet<string> | undefined): ReadonlySet<string> {
  if (!a || !b || a.size === 0 || b.size === 0) return EMPTY;
  return new Set([...a].filter((x) => b.has(x)));
}

function isPunct(t: Token | undefined, text: string): boolean {
  return t !== undefined && t.kind === 'punct' && t.text === text;
}

/**
 * Expand the tokens of a `#if`/`#elif` line. Returns the tokens the expression parser sees:
 * identifiers left over (not macros, painted, or function-like names without arguments),
 * numbers, punctuators, and `value` tokens for `defined` / `__has_include` / IS_ENABLED.
 * Throws CppError (located at the line) for: `defined` without an identifier or without its `)`,
 * an unterminated argument list, a wrong number of arguments, an invalid `##` paste, expansion
 * nested deeper than MAX_EXPANSION_DEPTH or growing past MAX_EXPANSION_TOKENS (e.g. a macro
 * that doubles itself 30 times). Self-reference (A -> B -> A) terminates by blue paint.
 */
export function expandLine(tokens: readonly Token[], env: CppEnv, ref: SourceRef): Token[] {
  return expand(tokens, { env, ref, budget: MAX_EXPANSION_TOKENS }, 0, true);
}

function fail(ctx: Ctx, message: string, pos = -1): never {
  throw new CppError(message, locate(ctx.ref, pos));
}

function expand(input: readonly Token[], ctx: Ctx, depth: number, top: boolean): Token[] {
  if (depth > MAX_EXPANSION_DEPTH) fail(ctx, `macro expansion nested more than ${MAX_EXPANSION_DEPTH} levels deep`);
  // The work list, reversed: the next token is at the end.
  const stack = input.slice().reverse();
  const out: Token[] = [];
  while (stack.length > 0) {
    const t = stack.pop() as Token;
    if (t.kind !== 'ident') {
      out.push(t);
      continue;
    }
    if (top && t.text === 'defined') {
      out.push(readDefined(t, stack, ctx));
      continue;
    }
    if (top && (t.text === '__has_include' || t.text === '__has_include_next')) {
      out.push(readHasInclude(t, stack, ctx));
      continue;
    }
    const m = ctx.env.macros.get(t.text);
    if (!m || t.hs?.has(t.text)) {
      out.push(t);
      continue;
    }
    let body: Token[];
    if (m.params === undefined) {
      body = substitute(m, [], union(t.hs, new Set([m.name])), t, ctx, depth);
    } else {
      if (!isPunct(stack[stack.length - 1], '(')) {
        out.push(t);
        continue;
      }
      const { args, close } = collectArgs(m, t, stack, ctx);
      if (m.builtin) {
        out.push(builtinValue(m, t, args, ctx, depth));
        continue;
      }
      body = substitute(m, args, union(intersect(t.hs, close.hs), new Set([m.name])), t, ctx, depth);
    }
    ctx.budget -= body.length;
    if (ctx.budget < 0) fail(ctx, `macro expansion grows past ${MAX_EXPANSION_TOKENS} tokens (at "${m.name}")`, t.pos);
    for (let k = body.length - 1; k >= 0; k--) stack.push(body[k] as Token);
  }
  return out;
}

function valueToken(from: Token, text: string, value: bigint | undefined, unknown: string[]): Token {
  return { kind: 'value', text, ws: from.ws, pos: from.pos, value, unknown };
}

/** defined X: 1 if a macro here, 0 if known but undefined here, unknown otherwise. */
export function definedValue(env: CppEnv, name: string): bigint | undefined {
  if (env.macros.has(name)) return 1n;
  return isKnown(env, name) ? 0n : undefined;
}

function readDefined(t: Token, stack: Token[], ctx: Ctx): Token {
  let name = stack.pop();
  const paren = isPunct(name, '(');
  if (paren) name = stack.pop();
  if (!name || name.kind !== 'ident') fail(ctx, 'operator "defined" requires an identifier', (name ?? t).pos);
  if (paren && !isPunct(stack.pop(), ')')) fail(ctx, 'missing \')\' after "defined"', name.pos);
  const v = definedValue(ctx.env, name.text);
  return valueToken(t, `defined(${name.text})`, v, v === undefined ? [name.text] : []);
}

function readHasInclude(t: Token, stack: Token[], ctx: Ctx): Token {
  if (!isPunct(stack.pop(), '(')) fail(ctx, `missing '(' after "${t.text}"`, t.pos);
  const parts: Token[] = [];
  let depth = 0;
  for (;;) {
    const p = stack.pop();
    if (!p) fail(ctx, `missing ')' after "${t.text}" operand`, t.pos);
    if (isPunct(p, '(')) depth++;
    if (isPunct(p, ')') && depth-- === 0) break;
    parts.push(p);
  }
  const header = parts.map((p) => p.text).join('');
  if (!/^(<[^>]+>|"[^"]+")$/.test(header)) fail(ctx, `operator "${t.text}" requires a header name`, t.pos);
  const known = ctx.env.includes.get(header);
  const v = known === undefined ? undefined : known ? 1n : 0n;
  return valueToken(t, `${t.text}(${header})`, v, v === undefined ? [`${t.text}(${header})`] : []);
}

function collectArgs(m: Macro, t: Token, stack: Token[], ctx: Ctx): { args: Token[][]; close: Token } {
  stack.pop(); // '('
  const args: Token[][] = [[]];
  let depth = 0;
  for (;;) {
    const a = stack.pop();
    if (!a) fail(ctx, `unterminated argument list invoking macro "${m.name}"`, t.pos);
    if (a.kind === 'punct') {
      if (a.text === '(') depth++;
      else if (a.text === ')') {
        if (depth === 0) {
          const want = (m.params as readonly string[]).length;
          const given = want === 0 && args.length === 1 && (args[0] as Token[]).length === 0 ? 0 : args.length;
          if (given < want) fail(ctx, `macro "${m.name}" requires ${want} arguments, but only ${given} given`, t.pos);
          if (given > want) fail(ctx, `macro "${m.name}" passed ${given} arguments, but takes just ${want}`, t.pos);
          return { args, close: a };
        }
        depth--;
      } else if (a.text === ',' && depth === 0) {
        args.push([]);
        continue;
      }
    }
    (args[args.length - 1] as Token[]).push(a);
  }
}

const PLACEMARKER: Token = { kind: 'other', text: '', ws: false, pos: -1 };
const PASTE: Token = { kind: 'punct', text: '##', ws: false, pos: -1 };

function stringize(arg: readonly Token[], ws: boolean): Token {
  const inner = arg.map((t, i) => {
    const text = t.kind === 'string' || t.kind === 'char' ? t.text.replace(/[\\"]/g, (c) => `\\${c}`) : t.text;
    return (i > 0 && t.ws ? ' ' : '') + text;
  }).join('');
  return { kind: 'string', text: `"${inner}"`, ws, pos: -1 };
}

/** The replacement list of one invocation, with `#`, `##` and argument substitution done. */
function substitute(m: Macro, args: Token[][], hs: ReadonlySet<string>, call: Token, ctx: Ctx, depth: number): Token[] {
  const params = m.params ?? [];
  const body = m.body;
  const expanded = new Map<number, Token[]>();
  const seq: Token[] = [];
  for (let i = 0; i < body.length; i++) {
    const t = body[i] as Token;
    const prev = body[i - 1];
    const next = body[i + 1];
    const p = t.kind === 'ident' ? params.indexOf(t.text) : -1;
    if (m.params && isPunct(t, '#') && next?.kind === 'ident' && params.includes(next.text)) {
      seq.push(stringize(args[params.indexOf(next.text)] ?? [], t.ws));
      i++;
    } else if (isPunct(t, '##')) {
      seq.push(PASTE);
    } else if (p >= 0 && (isPunct(prev, '##') || isPunct(next, '##'))) {
      const raw = args[p] ?? [];
      if (raw.length === 0) seq.push(PLACEMARKER);
      else raw.forEach((a, k) => seq.push(k === 0 ? retoken(a, t.ws, a.pos, a.hs) : a));
    } else if (p >= 0) {
      let e = expanded.get(p);
      if (!e) {
        e = expand(args[p] ?? [], ctx, depth + 1, false);
        expanded.set(p, e);
      }
      e.forEach((a, k) => seq.push(k === 0 ? retoken(a, t.ws, a.pos, a.hs) : a));
    } else {
      seq.push(t);
    }
  }
  // Token pasting, left to right, then placemarkers vanish.
  const pasted: Token[] = [];
  for (let i = 0; i < seq.length; i++) {
    const t = seq[i] as Token;
    if (t !== PASTE) {
      pasted.push(t);
      continue;
    }
    const left = pasted.pop() ?? PLACEMARKER;
    const right = seq[++i] ?? PLACEMARKER;
    if (left === PLACEMARKER) pasted.push(right);
    else if (right === PLACEMARKER) pasted.push(left);
    else {
      const glued = lexSingle(left.text + right.text);
      if (!glued) fail(ctx, `pasting "${left.text}" and "${right.text}" does not give a valid preprocessing token`, call.pos);
      pasted.push(retoken(glued, left.ws, -1, intersect(left.hs, right.hs)));
    }
  }
  const out: Token[] = [];
  for (const t of pasted) {
    if (t === PLACEMARKER) continue;
    out.push(retoken(t, out.length === 0 ? call.ws : t.ws, t.pos >= 0 ? t.pos : call.pos, union(t.hs, hs)));
  }
  return out;
}

/** Is the option's expansion exactly `1`? 1n / 0n, or undefined when the option is unknown. */
function optionIsOne(name: string, ctx: Ctx, depth: number): bigint | undefined {
  if (!ctx.env.macros.has(name)) return isKnown(ctx.env, name) ? 0n : undefined;
  const e = expand([{ kind: 'ident', text: name, ws: false, pos: -1 }], ctx, depth + 1, false);
  const only = e.length === 1 ? e[0] : undefined;
  if (only?.kind === 'number' && only.text === '1') return 1n;
  if (only?.kind === 'ident' && !isKnown(ctx.env, only.text)) return undefined;
  return 0n;
}

function builtinValue(m: Macro, t: Token, args: Token[][], ctx: Ctx, depth: number): Token {
  const arg = args[0] ?? [];
  const opt = arg.length === 1 ? arg[0] : undefined;
  if (opt?.kind !== 'ident') fail(ctx, `${m.name} expects a CONFIG_ option name`, t.pos);
  const name = opt.text;
  const builtin = m.builtin === 'IS_MODULE' ? 0n : optionIsOne(name, ctx, depth);
  const module = m.builtin === 'IS_BUILTIN' ? 0n : optionIsOne(`${name}_MODULE`, ctx, depth);
  let v: bigint | undefined;
  if (builtin === 1n || module === 1n) v = 1n;
  else if (builtin === 0n && module === 0n) v = 0n;
  const unknown = v === undefined ? [builtin === undefined ? name : `${name}_MODULE`] : [];
  return valueToken(t, `${m.name}(${name})`, v, unknown);
}

