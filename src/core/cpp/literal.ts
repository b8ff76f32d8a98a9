/**
 * Integer and character constants as gcc's preprocessor reads them in `#if`: every value is
 * intmax_t or uintmax_t (64 bits), char is signed and 8 bits wide, int and wchar_t are 32 bits.
 */

/** A value of a `#if` expression: a 64-bit integer and whether its type is unsigned. */
export interface IntValue {
  value: bigint;
  unsigned: boolean;
}

/** Either a value or the reason the literal is invalid (the caller adds the location). */
export type LiteralResult = IntValue | { error: string };

const INT64_MAX = (1n << 63n) - 1n;

/** Reduce `v` to the 64-bit type: 0..2^64-1 when unsigned, -2^63..2^63-1 when signed. */
export function wrap(v: bigint, unsigned: boolean): bigint {
  return unsigned ? BigInt.asUintN(64, v) : BigInt.asIntN(64, v);
}

const SUFFIX = /^(?:[uU](?:l|L|ll|LL)?|(?:l|L|ll|LL)[uU]?)?$/;

/**
 * Interpret a pp-number as an integer constant. Accepts decimal, octal (leading 0), hex (0x)
 * and GNU binary (0b) with the suffixes u, l, ll in any order and case (but not `lL`).
 * Errors, as gcc: floating constants, an invalid suffix (`0x`, `1lL`, `12abc`), an 8 or 9 in
 * an octal constant (`031418`), a digit over 1 in a binary one. A constant too large for 64 bits
 * keeps its low 64 bits (gcc only warns); one over INT64_MAX without `u` becomes unsigned.
 */
export function parseIntegerLiteral(text: string): LiteralResult {
  let radix = 10;
  let i = 0;
  const lower = text.toLowerCase();
  if (lower.startsWith('0x') && /^[0-9a-f.]/.test(lower.slice(2))) {
    radix = 16;
    i = 2;
  } else if (lower.startsWith('0b') && /^[01]/.test(lower.slice(2))) {
    radix = 2;
    i = 2;
  } else if (lower.startsWith('0')) {
    radix = 8;
  }
  const digitsStart = i;
  const isDigitOf = (c: string): boolean => (radix === 16 ? /[0-9a-f]/.test(c) : /[0-9]/.test(c));
  while (i < lower.length && isDigitOf(lower[i] as string)) i++;
  const digits = lower.slice(digitsStart, i);
  const rest = lower.slice(i);
  const isFloat = rest.startsWith('.') || rest.startsWith(radix === 16 ? 'p' : 'e');
  if (isFloat) return { error: 'floating constant in preprocessor expression' };
  const suffix = text.slice(i);
  if (!SUFFIX.test(suffix)) {
    if (/^[iIjJ]|[iIjJ]$/.test(suffix) && SUFFIX.test(suffix.replace(/^[iIjJ]|[iIjJ]$/, ''))) {
      return { error: 'imaginary number in preprocessor expression' };
    }
    return { error: `invalid suffix "${suffix}" on integer constant` };
  }
  if (radix === 8) {
    const bad = /[89]/.exec(digits);
    if (bad) return { error: `invalid digit "${bad[0]}" in octal constant` };
  }
  if (radix === 2) {
    const bad = /[2-9]/.exec(digits);
    if (bad) return { error: `invalid digit "${bad[0]}" in binary constant` };
  }
  let value = 0n;
  const big = BigInt(radix);
  for (const d of digits) value = value * big + BigInt(parseInt(d, 16));
  const overflow = value >> 64n !== 0n;
  let unsigned = /u/i.test(suffix);
  if (overflow) value = BigInt.asUintN(64, value);
  else if (!unsigned && value > INT64_MAX) unsigned = true;
  return { value: wrap(value, unsigned), unsigned };
}

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = {
  "'": 0x27, '"': 0x22, '?': 0x3f, '\\': 0x5c, a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, e: 27, E: 27,
};

function utf8(cp: number): number[] {
  if (cp < 0x80) return [cp];
  if (cp < 0x800) return [0xc0 | (cp >> 6), 0x80 | (cp & 63)];
  if (cp < 0x10000) return [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)];
  return [0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)];
}

/**
 * The characters of a literal body (between the quotes) as code units of `width` bits:
 * escapes are decoded and truncated to the width (`'\400'` is 0, `'\xfff'` is 0xff);
 * for narrow literals (width 8) other characters become their UTF-8 bytes.
 */
function decodeBody(body: string, width: number): number[] | { error: string } {
  const mask = width >= 32 ? 0xffffffff : (1 << width) - 1;
  const out: number[] = [];
  let i = 0;
  while (i < body.length) {
    const c = body[i] as string;
    if (c !== '\\') {
      const cp = body.codePointAt(i) ?? 0;
      i += cp > 0xffff ? 2 : 1;
      if (width === 8) out.push(...utf8(cp));
      else out.push(cp & mask);
      continue;
    }
    const e = body[i + 1];
    if (e === undefined) return { error: 'missing terminating \' character' };
    if (e === 'x') {
      let j = i + 2;
      while (j < body.length && /[0-9a-fA-F]/.test(body[j] as string)) j++;
      if (j === i + 2) return { error: '\\x used with no following hex digits' };
      const v = BigInt('0x' + body.slice(i + 2, j));
      out.push(Number(v & BigInt(mask)) >>> 0);
      i = j;
    } else if (e >= '0' && e <= '7') {
      let j = i + 1;
      while (j < body.length && j < i + 4 && /[0-7]/.test(body[j] as string)) j++;
      out.push((parseInt(body.slice(i + 1, j), 8) & mask) >>> 0);
      i = j;
    } else if (e === 'u' || e === 'U') {
      const len = e === 'u' ? 4 : 8;
      const hex = body.slice(i + 2, i + 2 + len);
      if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) return { error: `incomplete universal character name \\${e}${hex}` };
      const cp = parseInt(hex, 16);
      if (width === 8) out.push(...utf8(cp));
      else out.push((cp & mask) >>> 0);
      i += 2 + len;
    } else {
      // Unknown escapes (`\q`) are the character itself; gcc only warns.
      out.push(SIMPLE_ESCAPES[e] ?? (e.codePointAt(0) ?? 0) & mask);
      i += 2;
    }
  }
  return out;
}

/**
 * Interpret a character constant (`'a'`, `'\n'`, `'\377'`, `'ab'`, `L'x'`, `u'x'`, `U'x'`)
 * as gcc does in `#if`: plain char is signed (`'\377'` is -1); a multi-character constant is an
 * int built big-endian from its last 4 bytes; L'' is a signed 32-bit wchar_t; u'' and U'' are
 * unsigned. Errors: empty constant, `\x` without digits, a bad universal character name.
 */
export function parseCharLiteral(text: string): LiteralResult {
  const q = text.indexOf("'");
  const prefix = text.slice(0, q);
  const body = text.slice(q + 1, -1);
  if (body === '') return { error: 'empty character constant' };
  const width = prefix === '' ? 8 : prefix === 'u' ? 16 : 32;
  const units = decodeBody(body, width);
  if (!Array.isArray(units)) return units;
  if (prefix === '') {
    let result = 0;
    for (const u of units) result = ((result << 8) | u) >>> 0;
    if (units.length > 1) return { value: BigInt(result | 0), unsigned: false };
    return { value: BigInt(result & 0x80 ? result - 256 : result), unsigned: false };
  }
  const last = units[units.length - 1] ?? 0;
  if (prefix === 'L') return { value: BigInt(last | 0), unsigned: false };
  return { value: BigInt(last >>> 0), unsigned: true };
}
