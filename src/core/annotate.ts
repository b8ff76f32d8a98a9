/**
 * Provenance annotations: every conditional directive a patch introduces gets
 * `/* pvpatch: SUBSYS/NAME *\/` appended, so whoever reads the tree sees which patch put it there.
 */

import { splitRecords } from './merge/lines.js';
import type { SideLine } from './patch/model.js';

const CONDITIONAL_RE = /^[ \t]*#[ \t]*(if|ifdef|ifndef|elif|elifdef|elifndef|else|endif)\b/;
// Without the blanks before it: `[ \t]*\/\*…` would retry from every blank of a long run (quadratic).
const ANNOTATION_RE = /\/\* pvpatch: ([A-Za-z0-9_][A-Za-z0-9._+/-]*) \*\/(?=\r?$)/;

/** The line without its annotation and the blanks before it. */
function withoutAnnotation(body: string): string {
  const m = ANNOTATION_RE.exec(body);
  if (!m) return body;
  let start = m.index;
  while (start > 0 && (body[start - 1] === ' ' || body[start - 1] === '\t')) start--;
  return body.slice(0, start) + body.slice(m.index + m[0].length);
}

/** The label of a series entry in annotations: the name without ".patch". */
export function patchLabel(seriesName: string): string {
  return seriesName.replace(/\.(patch|diff)$/, '');
}

/** Is this line (without its ending) a conditional directive? */
export function isConditionalDirective(line: string): boolean {
  return CONDITIONAL_RE.test(line);
}

/** Split text into lines that keep their endings ("\n" or "\r\n"); the last may have none. */
export const splitLinesKeepEnds = splitRecords;

function splitEnding(line: string): [string, string] {
  if (line.endsWith('\r\n')) return [line.slice(0, -2), '\r\n'];
  if (line.endsWith('\n')) return [line.slice(0, -1), '\n'];
  return [line, ''];
}

/**
 * Annotate the directive lines whose origin is a patch. `origins[i]` is the series name of the
 * patch that introduced line i, or null for upstream lines. Lines continued with a backslash
 * are left alone (a comment there would join the next line); existing annotations are replaced.
 */
export function annotateLines(lines: readonly string[], origins: readonly (string | null)[]): string[] {
  return lines.map((line, i) => {
    const [body, ending] = splitEnding(line);
    const annotated = annotatedBody(body, origins[i]);
    return annotated === undefined ? line : annotated + ending;
  });
}

/** A line (without its ending) with the annotation of `origin`, or undefined when it gets none. */
function annotatedBody(body: string, origin: string | null | undefined): string | undefined {
  if (!origin || !isConditionalDirective(body) || body.endsWith('\\')) return undefined;
  return `${withoutAnnotation(body)} /* pvpatch: ${patchLabel(origin)} */`;
}

/** annotateLines on lines split from their endings (as a series is applied), replacing the annotated ones. */
export function annotateSideLines(lines: SideLine[], origins: readonly (string | null)[]): void {
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as SideLine;
    const annotated = annotatedBody(line.content, origins[i]);
    if (annotated !== undefined) lines[i] = { content: annotated, ending: line.ending };
  }
}

/** The patch label an annotated directive line carries, if any. */
export function annotationOf(line: string): string | undefined {
  const [body] = splitEnding(line);
  return ANNOTATION_RE.exec(body)?.[1];
}

/** Remove pvpatch annotations from every directive line (the inverse of annotateLines). */
export function stripAnnotations(text: string): string {
  return splitLinesKeepEnds(text)
    .map((line) => {
      const [body, ending] = splitEnding(line);
      return isConditionalDirective(body) ? withoutAnnotation(body) + ending : line;
    })
    .join('');
}
