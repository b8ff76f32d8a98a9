/**
 * Views: a file as one kernel's compiler sees it, unifdef-style. Conditionals whose conditions
 * resolve disappear with their dead branches; conditionals with unknown conditions stay, with
 * their branches processed the same way; every line kept is byte-identical to the input.
 * The walk is unifdef's explicit state table (one state per open group).
 */
import type { CppEnv } from './env.js';
import { resolveConditionals, type GroupResolution } from './resolve.js';
import { scanDirectives, type Directive, type ScanReport } from './scan.js';

/**
 * The state of an open group, as in unifdef: Prefix = only resolved conditions so far,
 * Middle = after an unknown one, Else = after #else, Trailer = after the taken branch.
 * False/True/Pass: the current branch is dropped / kept without its directive / kept with it.
 */
type State =
  | 'FalsePrefix' | 'TruePrefix' | 'PassMiddle' | 'FalseMiddle' | 'TrueMiddle'
  | 'PassElse' | 'FalseElse' | 'TrueElse' | 'FalseTrailer';

/** What happens to a directive line: kept, dropped, or rewritten (unifdef's elif2if / keywordedit). */
type Action = 'print' | 'drop' | 'toIf' | 'toElse' | 'toEndif';

type LineType = 'true' | 'false' | 'unknown' | 'else' | 'endif';

/** [next state, action] per state and line type of an #elif, #else or #endif. */
const TRANSITIONS: Readonly<Record<State, Readonly<Record<LineType, readonly [State | 'pop', Action]>>>> = {
  FalsePrefix: { unknown: ['PassMiddle', 'toIf'], true: ['TruePrefix', 'drop'], false: ['FalsePrefix', 'drop'], else: ['TrueElse', 'drop'], endif: ['pop', 'drop'] },
  TruePrefix: { unknown: ['FalseTrailer', 'drop'], true: ['FalseTrailer', 'drop'], false: ['FalseTrailer', 'drop'], else: ['FalseElse', 'drop'], endif: ['pop', 'drop'] },
  PassMiddle: { unknown: ['PassMiddle', 'print'], true: ['TrueMiddle', 'toElse'], false: ['FalseMiddle', 'drop'], else: ['PassElse', 'print'], endif: ['pop', 'print'] },
  FalseMiddle: { unknown: ['PassMiddle', 'print'], true: ['TrueMiddle', 'toElse'], false: ['FalseMiddle', 'drop'], else: ['PassElse', 'print'], endif: ['pop', 'print'] },
  TrueMiddle: { unknown: ['FalseTrailer', 'toEndif'], true: ['FalseTrailer', 'toEndif'], false: ['FalseTrailer', 'toEndif'], else: ['FalseTrailer', 'toEndif'], endif: ['pop', 'print'] },
  PassElse: { unknown: ['PassElse', 'print'], true: ['PassElse', 'print'], false: ['PassElse', 'print'], else: ['PassElse', 'print'], endif: ['pop', 'print'] },
  FalseElse: { unknown: ['FalseElse', 'drop'], true: ['FalseElse', 'drop'], false: ['FalseElse', 'drop'], else: ['FalseElse', 'drop'], endif: ['pop', 'drop'] },
  TrueElse: { unknown: ['TrueElse', 'drop'], true: ['TrueElse', 'drop'], false: ['TrueElse', 'drop'], else: ['TrueElse', 'drop'], endif: ['pop', 'drop'] },
  FalseTrailer: { unknown: ['FalseTrailer', 'drop'], true: ['FalseTrailer', 'drop'], false: ['FalseTrailer', 'drop'], else: ['FalseElse', 'drop'], endif: ['pop', 'drop'] },
};

/** The state an #if opens, and what happens to its line. */
const OPEN: Readonly<Record<'true' | 'false' | 'unknown', readonly [State, Action]>> = {
  true: ['TruePrefix', 'drop'],
  false: ['FalsePrefix', 'drop'],
  unknown: ['PassMiddle', 'print'],
};

const KEEPS: ReadonlySet<State> = new Set<State>(['TruePrefix', 'PassMiddle', 'TrueMiddle', 'PassElse', 'TrueElse']);

/** One line of a view. */
export interface ViewLine {
  /** The input line (1-based) it comes from; for a rewritten multi-line directive, its first line. */
  source: number;
  /** The text with its line terminator. */
  text: string;
  /** A directive rewritten as unifdef does (#elif to #if, #elif or #else to #else/#endif). */
  edited: boolean;
}

/** The directive's source text with its keyword rewritten; `rest: false` also drops what follows it. */
function rewrite(report: ScanReport, d: Directive, keyword: string, rest: boolean): string {
  const start = report.lineStarts[d.line - 1] ?? 0;
  const lastLine = report.lines[d.endLine - 1] ?? '';
  const end = (report.lineStarts[d.endLine - 1] ?? 0) + lastLine.length;
  const eol = /\r?\n$/.exec(lastLine)?.[0] ?? '';
  const head = report.text.slice(start, d.keywordStart) + keyword;
  return rest ? head + report.text.slice(d.keywordEnd, end) : head + eol;
}

/**
 * The view of a scanned file in `env`, line by line. Directive rewrites follow unifdef exactly:
 * an unknown #elif after resolved-false branches becomes `#if` ("elif" is overwritten by "if  ",
 * #elifdef by "ifdef  ", keeping the rest of the line); a true #elif after unknown branches
 * becomes `#else` and a later #elif/#else becomes `#endif` (keyword kept, the rest of the line
 * dropped, the line's own terminator kept). Throws the CppError of a condition the compiler
 * surely evaluates; a failing condition under an unknown one is kept as unknown.
 */
export function viewReport(report: ScanReport, env: CppEnv, resolved?: readonly GroupResolution[]): ViewLine[] {
  const res = resolved ?? resolveConditionals(report, env);
  for (const g of res) {
    for (const b of g.branches) if (b.error && b.evaluated === 'yes') throw b.error;
  }
  const byLine = new Map<number, Directive>();
  for (const d of report.directives) if (d.group !== undefined) byLine.set(d.line, d);
  const stack: State[] = [];
  const out: ViewLine[] = [];
  const keeping = (): boolean => {
    const top = stack[stack.length - 1];
    return top === undefined || KEEPS.has(top);
  };
  let line = 1;
  while (line <= report.lines.length) {
    const d = byLine.get(line);
    if (!d || d.group === undefined) {
      if (keeping()) out.push({ source: line, text: report.lines[line - 1] ?? '', edited: false });
      line++;
      continue;
    }
    const g = res[d.group] as GroupResolution;
    let action: Action;
    if (d.kind === 'if' || d.kind === 'ifdef' || d.kind === 'ifndef') {
      let next: State;
      if (!keeping()) [next, action] = ['FalseTrailer', 'drop'];
      else [next, action] = OPEN[g.branches[0]?.truth ?? 'unknown'];
      stack.push(next);
    } else {
      const state = stack.pop() as State;
      let type: LineType;
      if (d.kind === 'endif') type = 'endif';
      else if (d.kind === 'else') type = 'else';
      else type = g.branches[d.branch ?? 0]?.truth ?? 'unknown';
      const [next, act] = TRANSITIONS[state][type];
      action = act;
      if (next !== 'pop') stack.push(next);
    }
    switch (action) {
      case 'print':
        for (let k = d.line; k <= d.endLine; k++) out.push({ source: k, text: report.lines[k - 1] ?? '', edited: false });
        break;
      case 'toIf': {
        const keyword = `${d.name.slice(2)}  `;
        out.push({ source: d.line, text: rewrite(report, d, keyword, true), edited: true });
        break;
      }
      case 'toElse':
        out.push({ source: d.line, text: rewrite(report, d, 'else', false), edited: true });
        break;
      case 'toEndif':
        out.push({ source: d.line, text: rewrite(report, d, 'endif', false), edited: true });
        break;
      case 'drop':
        break;
    }
    line = d.endLine + 1;
  }
  return out;
}

/**
 * The file `text` as the compiler of `env` sees it (unifdef-style; see viewReport). Lines
 * outside resolved conditionals and every kept line are byte-identical, "\r\n" included.
 * Throws CppError for an unbalanced file (see scanDirectives) or a failing condition the
 * compiler surely evaluates.
 */
export function viewText(text: string, file: string, env: CppEnv): string {
  return viewReport(scanDirectives(text, file), env).map((l) => l.text).join('');
}
