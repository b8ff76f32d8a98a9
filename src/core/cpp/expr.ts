/**
 * The `#if` expression grammar (C11 6.6 as cpp restricts it), parsed from macro-expanded tokens
 * into a tree. Precedence is a table; `?:` is right-associative with a full expression (comma
 * included) between `?` and `:`; comma is allowed, as gcc allows it.
 */
import { CppError, type Location } from '../errors.js';
import type { Token } from './lex.js';
import { parseCharLiteral, parseIntegerLiteral } from './literal.js';
import { locate, type SourceRef } from './macro.js';

export type UnaryOp = '+' | '-' | '~' | '!';
export type BinaryOp =
  | '*' | '/' | '%' | '+' | '-' | '<<' | '>>' | '<' | '>' | '<=' | '>=' | '==' | '!='
  | '&' | '^' | '|' | '&&' | '||' | ',';

/** A node of a `#if` expression. `h` is the node's height (bounded, so evaluation cannot overflow the stack). */
export type Expr =
  | { k: 'num'; value: bigint; unsigned: boolean; pos: number; h: number }
  /** An identifier left after expansion; `call` when an unknown name is followed by `(...)`. */
  | { k: 'ident'; name: string; unknown: boolean; call: boolean; pos: number; h: number }
  /** defined X, __has_include(...), IS_ENABLED(X): value undefined when unknown. */
  | { k: 'value'; value: bigint | undefined; unknown: readonly string[]; pos: number; h: number }
  | { k: 'unary'; op: UnaryOp; arg: Expr; pos: number; h: number }
  | { k: 'binary'; op: BinaryOp; left: Expr; right: Expr; pos: number; h: number }
  | { k: 'cond'; test: Expr; then: Expr; else: Expr; pos: number; h: number };

/** Binding strength of the binary operators (higher binds tighter); `?:` and `,` are below these. */
export const BINARY_PRECEDENCE: Readonly<Record<string, number>> = {
  '*': 10, '/': 10, '%': 10,
  '+': 9, '-': 9,
  '<<': 8, '>>': 8,
  '<': 7, '>': 7, '<=': 7, '>=': 7,
  '==': 6, '!=': 6,
  '&': 5,
  '^': 4,
  '|': 3,
  '&&': 2,
  '||': 1,
};

/**
 * `NAME(...)` where NAME is not a function-like macro here but is known (defined by another
 * kernel, or a painted or argument-less macro name): gcc rejects the line ("missing binary
 * operator before token \"(\""), even in the short-circuited side of `||`.
 */
export class UndefinedMacroCallError extends CppError {
  readonly macro: string;
  constructor(macro: string, location: Location) {
    super(`function-like macro "${macro}" is not defined here (missing binary operator before token "(")`, location);
    this.macro = macro;
  }
}

/** The tallest expression tree accepted (real guards are a few levels deep). */
export const MAX_EXPR_HEIGHT = 1000;

export interface ParseOptions {
  ref: SourceRef;
  /** Is this leftover identifier unknown (then `NAME(...)` is an unknown call, not an error)? */
  isUnknown: (name: string) => boolean;
  /** Is this name a macro here (a leftover macro name is painted, or function-like without arguments)? */
  isMacro?: (name: string) => boolean;
}

/**
 * Parse expanded `#if` tokens. Throws CppError located at the offending token for: an empty
 * expression, a missing operand or `)`, `?` without `:`, two operands in a row (also a name that
 * is not a function-like macro followed by `(`, as gcc: "missing binary operator before token"),
 * strings, `=`, `.` and other tokens not valid in `#if`, floating or malformed numbers
 * (`1.0`, `08`, `1lL`), bad character constants, trees taller than MAX_EXPR_HEIGHT.
 * An unknown identifier followed by `(` swallows the balanced argument list (unknown call).
 */
export function parseExpression(tokens: readonly Token[], options: ParseOptions): Expr {
  let i = 0;
  const { ref } = options;
  const fail = (message: string, t: Token | undefined): never => {
    throw new CppError(message, locate(ref, t?.pos ?? -1));
  };
  const peek = (): Token | undefined => tokens[i];
  const isOp = (t: Token | undefined, text: string): boolean => t !== undefined && t.kind === 'punct' && t.text === text;
  const height = (...kids: Expr[]): number => {
    const h = 1 + Math.max(...kids.map((e) => e.h));
    if (h > MAX_EXPR_HEIGHT) fail(`expression nested more than ${MAX_EXPR_HEIGHT} levels deep`, tokens[i]);
    return h;
  };
  const describe = (t: Token): string => `"${t.text}"`;
  // Parentheses and unary operators recurse before any node exists: bound them on the way down.
  let nesting = 0;
  const enter = (t: Token): void => {
    if (++nesting > MAX_EXPR_HEIGHT) fail(`expression nested more than ${MAX_EXPR_HEIGHT} levels deep`, t);
  };
  /** A token where an operator or the end was expected. */
  const unexpected = (rest: Token): never => {
    const before = tokens[i - 1];
    if (isOp(rest, '(') && before?.kind === 'ident' && !options.isUnknown(before.text)) {
      if (options.isMacro?.(before.text)) {
        fail(`"${before.text}" is not expanded here (its own expansion, or no arguments): missing binary operator before token "("`, rest);
      }
      throw new UndefinedMacroCallError(before.text, locate(ref, rest.pos));
    }
    if (isOp(rest, ')')) return fail("missing '(' in expression", rest);
    if (isOp(rest, ':')) return fail("':' without preceding '?'", rest);
    if (rest.kind === 'punct' && !(rest.text in BINARY_PRECEDENCE) && rest.text !== '(' && rest.text !== '?' && rest.text !== ',') {
      return fail(`token ${describe(rest)} is not valid in preprocessor expressions`, rest);
    }
    return fail(`missing binary operator before token ${describe(rest)}`, rest);
  };
  const expect = (text: string, missing: string, at: Token): void => {
    const t = tokens[i];
    if (t === undefined) fail(missing, at);
    else if (!isOp(t, text)) unexpected(t);
    i++;
  };

  const primary = (): Expr => {
    const t = tokens[i++];
    if (t === undefined) {
      const prev = tokens[i - 2];
      if (prev === undefined) return fail('#if with no expression', undefined);
      return fail(`operator '${prev.text}' has no right operand`, prev);
    }
    switch (t.kind) {
      case 'number': {
        const r = parseIntegerLiteral(t.text);
        if ('error' in r) return fail(r.error, t);
        return { k: 'num', value: r.value, unsigned: r.unsigned, pos: t.pos, h: 1 };
      }
      case 'char': {
        const r = parseCharLiteral(t.text);
        if ('error' in r) return fail(r.error, t);
        return { k: 'num', value: r.value, unsigned: r.unsigned, pos: t.pos, h: 1 };
      }
      case 'value':
        return { k: 'value', value: t.value, unknown: t.unknown ?? [], pos: t.pos, h: 1 };
      case 'ident': {
        const unknown = options.isUnknown(t.text);
        let call = false;
        if (unknown && isOp(peek(), '(')) {
          call = true;
          let depth = 0;
          for (;;) {
            const a = tokens[i++];
            if (a === undefined) return fail(`unterminated argument list of "${t.text}"`, t);
            if (isOp(a, '(')) depth++;
            else if (isOp(a, ')') && --depth === 0) break;
          }
        }
        return { k: 'ident', name: t.text, unknown, call, pos: t.pos, h: 1 };
      }
      case 'punct':
        if (t.text === '(') {
          if (isOp(peek(), ')')) return fail("missing expression between '(' and ')'", peek());
          enter(t);
          const e = comma();
          nesting--;
          expect(')', "missing ')' in expression", t);
          return e;
        }
        if (t.text === ')') return fail("missing '(' in expression", t);
        if (t.text in BINARY_PRECEDENCE || t.text === '?' || t.text === ':' || t.text === ',') {
          return fail(`operator '${t.text}' has no left operand`, t);
        }
        return fail(`token ${describe(t)} is not valid in preprocessor expressions`, t);
      case 'string':
      case 'other':
        return fail(`token ${describe(t)} is not valid in preprocessor expressions`, t);
    }
  };
  const unary = (): Expr => {
    const t = peek();
    if (t?.kind === 'punct' && (t.text === '+' || t.text === '-' || t.text === '~' || t.text === '!')) {
      i++;
      enter(t);
      const arg = unary();
      nesting--;
      return { k: 'unary', op: t.text, arg, pos: t.pos, h: height(arg) };
    }
    return primary();
  };
  const binary = (min: number): Expr => {
    let left = unary();
    for (;;) {
      const t = peek();
      const p = t?.kind === 'punct' ? BINARY_PRECEDENCE[t.text] : undefined;
      if (t === undefined || p === undefined || p < min) return left;
      i++;
      const right = binary(p + 1);
      left = { k: 'binary', op: t.text as BinaryOp, left, right, pos: t.pos, h: height(left, right) };
    }
  };
  const conditional = (): Expr => {
    const test = binary(1);
    const q = peek();
    if (!isOp(q, '?')) return test;
    i++;
    enter(q as Token);
    const then = comma();
    expect(':', "'?' without following ':'", q as Token);
    const other = conditional();
    nesting--;
    return { k: 'cond', test, then, else: other, pos: (q as Token).pos, h: height(test, then, other) };
  };
  function comma(): Expr {
    let left = conditional();
    while (isOp(peek(), ',')) {
      const t = tokens[i++] as Token;
      const right = conditional();
      left = { k: 'binary', op: ',', left, right, pos: t.pos, h: height(left, right) };
    }
    return left;
  }

  if (tokens.length === 0) return fail('#if with no expression', undefined);
  const e = comma();
  const rest = tokens[i];
  if (rest !== undefined) unexpected(rest);
  return e;
}
