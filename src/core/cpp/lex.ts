/**
 * Preprocessing tokens of one logical line (a directive's text or a macro body), the way cpp
 * splits them: identifiers (with `$`, as gcc allows), pp-numbers, character and string literals
 * (with their L/u/U/u8 prefixes), punctuators (longest match, digraphs folded to their
 * canonical spelling) and single "other" characters. Lexing never fails: whatever cannot be a
 * token becomes an `other` token, which the expression parser rejects with a located error.
 */

export type TokenKind = 'ident' | 'number' | 'char' | 'string' | 'punct' | 'other' | 'value';

/** A preprocessing token. `value` tokens are produced by macro expansion (`defined X`, IS_ENABLED). */
export interface Token {
  readonly kind: TokenKind;
  /** The spelling (digraphs folded: `%:` is `#`). */
  readonly text: string;
  /** Preceded by whitespace (matters for `#` stringification only). */
  readonly ws: boolean;
  /** Offset in the lexed text, or -1 for a token that came out of a macro definition. */
  readonly pos: number;
  /** Hide set: names of the macros whose expansion produced this token (Prosser's algorithm). */
  readonly hs?: ReadonlySet<string>;
  /** For `value` tokens: the known value, or undefined when it is unknown. */
  readonly value?: bigint;
  /** For `value` tokens: the symbols whose unknown definition made the value unknown. */
  readonly unknown?: readonly string[];
}

/**
 * A copy of `t` with another `ws`, `pos` and hide set. Built field by field (not by spread, which
 * is slow on tokens of mixed shapes), and with every field present, so that all the tokens a
 * macro expansion makes have one shape.
 */
export function retoken(t: Token, ws: boolean, pos: number, hs: ReadonlySet<string> | undefined): Token {
  return { kind: t.kind, text: t.text, ws, pos, hs, value: t.value, unknown: t.unknown } as Token;
}

const PUNCTUATORS: readonly string[] = [
  '%:%:', '...', '<<=', '>>=',
  '->', '++', '--', '<<', '>>', '<=', '>=', '==', '!=', '&&', '||', '*=', '/=', '%=', '+=', '-=',
  '&=', '^=', '|=', '##', '<:', ':>', '<%', '%>', '%:',
  '[', ']', '(', ')', '{', '}', '.', '&', '*', '+', '-', '~', '!', '/', '%', '<', '>', '^', '|',
  '?', ':', ';', '=', ',', '#',
];

const DIGRAPHS: Readonly<Record<string, string>> = {
  '<:': '[', ':>': ']', '<%': '{', '%>': '}', '%:': '#', '%:%:': '##',
};

function isIdentStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_' || c === '$';
}

function isIdentChar(c: string): boolean {
  return isIdentStart(c) || (c >= '0' && c <= '9');
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

/** Whitespace inside a logical line (newlines never reach the lexer). */
export function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\f' || c === '\v' || c === '\r' || c === '\n';
}

/** End of a quoted literal starting at `start` (the quote), or -1 when it is not terminated. */
function literalEnd(text: string, start: number): number {
  const quote = text[start];
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\') i += 2;
    else if (c === quote) return i + 1;
    else i++;
  }
  return -1;
}

/**
 * Split `text` (one logical line: no backslash-newlines, comments already replaced by spaces)
 * into preprocessing tokens. `base` is added to every token's `pos`. Edge cases: an unterminated
 * quote makes one `other` token of the rest of the line (as gcc does); `u8'x'` is the
 * identifier `u8` followed by a character constant (C17); never throws.
 */
export function lexLine(text: string, base = 0): Token[] {
  const out: Token[] = [];
  let i = 0;
  let ws = false;
  const n = text.length;
  while (i < n) {
    const c = text[i] as string;
    if (isSpace(c)) {
      ws = true;
      i++;
      continue;
    }
    const start = i;
    if (isIdentStart(c)) {
      while (i < n && isIdentChar(text[i] as string)) i++;
      const word = text.slice(start, i);
      const q = text[i];
      const prefixed = (q === '"' && (word === 'L' || word === 'u' || word === 'U' || word === 'u8'))
        || (q === "'" && (word === 'L' || word === 'u' || word === 'U'));
      if (prefixed) {
        const end = literalEnd(text, i);
        if (end < 0) {
          out.push({ kind: 'other', text: text.slice(start), ws, pos: base + start });
          return out;
        }
        out.push({ kind: q === '"' ? 'string' : 'char', text: text.slice(start, end), ws, pos: base + start });
        i = end;
      } else {
        out.push({ kind: 'ident', text: word, ws, pos: base + start });
      }
    } else if (isDigit(c) || (c === '.' && isDigit(text[i + 1]))) {
      i++;
      while (i < n) {
        const d = text[i] as string;
        if ((d === '+' || d === '-') && /[eEpP]/.test(text[i - 1] as string)) i++;
        else if (isIdentChar(d) || d === '.') i++;
        else break;
      }
      out.push({ kind: 'number', text: text.slice(start, i), ws, pos: base + start });
    } else if (c === '"' || c === "'") {
      const end = literalEnd(text, i);
      if (end < 0) {
        out.push({ kind: 'other', text: text.slice(start), ws, pos: base + start });
        return out;
      }
      out.push({ kind: c === '"' ? 'string' : 'char', text: text.slice(start, end), ws, pos: base + start });
      i = end;
    } else {
      const p = PUNCTUATORS.find((s) => text.startsWith(s, i));
      if (p !== undefined) {
        out.push({ kind: 'punct', text: DIGRAPHS[p] ?? p, ws, pos: base + start });
        i += p.length;
      } else {
        // Any other character (`@`, a backslash, non-ASCII): one token the parser will reject.
        const cp = text.codePointAt(i) ?? 0;
        const len = cp > 0xffff ? 2 : 1;
        out.push({ kind: 'other', text: text.slice(i, i + len), ws, pos: base + start });
        i += len;
      }
    }
    ws = false;
  }
  return out;
}

/** The identifier spelled by `text`, exactly one token long, or undefined. */
export function isIdentifier(text: string): boolean {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(text);
}

/** Re-lex a spelling produced by `##`; undefined unless it is exactly one token. */
export function lexSingle(text: string): Token | undefined {
  const toks = lexLine(text);
  if (toks.length !== 1) return undefined;
  const t = toks[0] as Token;
  if (t.ws || t.kind === 'other') return undefined;
  return t;
}

/** The tokens joined back into cpp's spelling: one space where whitespace separated them. */
export function spell(tokens: readonly Token[]): string {
  let s = '';
  tokens.forEach((t, i) => {
    if (i > 0 && t.ws) s += ' ';
    s += t.text;
  });
  return s;
}
