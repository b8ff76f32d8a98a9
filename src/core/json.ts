import { ConfigError } from './errors.js';

/** Line and column (1-based) of a character offset in text. */
export function lineColumnAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * Where JSON text first goes wrong (RFC 8259), and why; undefined when it is valid. V8 names the
 * position in some versions ("at position 12") and only quotes the text in others, so the place
 * is found here. Iterative (an explicit stack), so deep nesting cannot overflow.
 */
export function findJsonError(text: string): { offset: number; reason: string } | undefined {
  let i = 0;
  const n = text.length;
  const ws = (): void => {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const token = (): string => (i >= n ? 'end of input' : JSON.stringify(text[i]));
  const fail = (reason: string): { offset: number; reason: string } => ({ offset: i, reason });
  /** A scalar at i, or an error; objects and arrays are handled by the loop below. */
  const scalar = (): { offset: number; reason: string } | undefined => {
    const c = text[i];
    if (c === '"') {
      i++;
      while (i < n && text[i] !== '"') {
        const code = text.charCodeAt(i);
        if (code < 0x20) return fail(`control character U+${code.toString(16).padStart(4, '0')} in a string`);
        if (text[i] === '\\') {
          const e = text[i + 1];
          if (e === 'u') {
            if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return fail('bad \\u escape in a string');
            i += 6;
            continue;
          }
          if (e === undefined || !'"\\/bfnrt'.includes(e)) return fail('bad escape in a string');
          i += 2;
          continue;
        }
        i++;
      }
      if (i >= n) return fail('unterminated string');
      i++;
      return undefined;
    }
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (m && m[0] !== '' && m[0] !== '-') {
      i += m[0].length;
      return undefined;
    }
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return undefined;
      }
    }
    return fail(`unexpected ${token()}`);
  };
  /** A property name in double quotes and the ":" after it, or an error. */
  const propertyName = (): { offset: number; reason: string } | undefined => {
    if (text[i] !== '"') return fail(`expected a property name in double quotes, not ${token()}`);
    const err = scalar();
    if (err) return err;
    ws();
    if (text[i] !== ':') return fail(`expected ":" after a property name, not ${token()}`);
    i++;
    return undefined;
  };
  // The stack holds what the containers expect next.
  const stack: ('array' | 'object')[] = [];
  ws();
  for (;;) {
    // A value.
    ws();
    if (text[i] === '[') {
      i++;
      ws();
      if (text[i] === ']') i++;
      else {
        stack.push('array');
        continue;
      }
    } else if (text[i] === '{') {
      i++;
      ws();
      if (text[i] === '}') i++;
      else {
        stack.push('object');
        const err = propertyName();
        if (err) return err;
        continue;
      }
    } else {
      const err = scalar();
      if (err) return err;
    }
    // After a value: close containers or go on to the next element.
    for (;;) {
      ws();
      const top = stack[stack.length - 1];
      if (top === undefined) {
        return i < n ? fail(`unexpected ${token()} after the end of the JSON value`) : undefined;
      }
      if (text[i] === ',') {
        i++;
        ws();
        if (top === 'object') {
          const err = propertyName();
          if (err) return err;
        }
        break;
      }
      if ((top === 'array' && text[i] === ']') || (top === 'object' && text[i] === '}')) {
        i++;
        stack.pop();
        continue;
      }
      return fail(`expected "," or "${top === 'array' ? ']' : '}'}", not ${token()}`);
    }
  }
}

/**
 * JSON.parse that reports a syntax error as a ConfigError at `file:line:column` of the first
 * character that is wrong (an error at the very end is placed after the last character).
 */
export function parseJsonText(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const found = findJsonError(text);
    const message = err instanceof Error ? err.message : String(err);
    const m = /at position (\d+)/.exec(message);
    const offset = found?.offset ?? (m ? Number(m[1]) : text.length);
    const { line, column } = lineColumnAt(text, offset);
    const reason = found?.reason ?? message.replace(/\s*in JSON at position \d+.*$/s, '').replace(/\s*\(line \d+ column \d+\)$/, '').replace(/, "[\s\S]*" is not valid JSON$/, '');
    throw new ConfigError(`invalid JSON: ${reason}`, { file, line, column });
  }
}
