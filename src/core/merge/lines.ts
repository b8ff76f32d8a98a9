/**
 * Line helpers shared by the merge modules. Two views of a text are used:
 *  - "records": each line *with* its terminator ("a\n", "b\r\n", a final "c" without one), the
 *    way git's xdiff compares lines, so a merge over records is byte-exact and keeps CRLF and a
 *    missing final newline where they were;
 *  - "lines": the records without terminators, the way a reviewer reads them (ReviewItem lines).
 */

const RECORD_RE = /[^\n]*\n|[^\n]+$/g;

/**
 * Split a text into records, each keeping its "\n" or "\r\n" terminator.
 * "" gives []; "a" gives ["a"]; "a\n" gives ["a\n"]; "a\r\nb" gives ["a\r\n", "b"].
 */
export function splitRecords(text: string): string[] {
  return text.match(RECORD_RE) ?? [];
}

/** A record without its terminator ("a\r\n" → "a", "a" → "a"). */
export function stripEol(record: string): string {
  if (record.endsWith('\r\n')) return record.slice(0, -2);
  if (record.endsWith('\n')) return record.slice(0, -1);
  return record;
}

/**
 * Split a text into lines without terminators; a final newline does not make an empty last
 * line ("a\nb\n" and "a\nb" both give ["a", "b"]; "" gives []).
 */
export function splitLines(text: string): string[] {
  return splitRecords(text).map(stripEol);
}

/** The terminator a text mostly uses: "\r\n" when more lines end in CRLF than in a bare LF. */
export function detectEol(text: string): '\n' | '\r\n' {
  let crlf = 0;
  let lf = 0;
  for (const r of splitRecords(text)) {
    if (r.endsWith('\r\n')) crlf++;
    else if (r.endsWith('\n')) lf++;
  }
  return crlf > lf ? '\r\n' : '\n';
}

/** Whether two string arrays are equal element by element. */
export function sameLines(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
