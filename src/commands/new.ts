import path from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../core/errors.js';
import { exists, readTextIfExists, writeFileAtomic } from '../io/fs.js';
import { SERIES } from '../io/workspace.js';
import { print, printJson, withWorkspace } from './common.js';
import { findSeriesEntry, normalisePatchName, validatePatchName } from './patch-ref.js';
import { insertSeriesLine } from './series.js';

interface NewOptions {
  after?: string;
  subject?: string;
  why?: string;
  kernels?: string;
  upstream?: string;
  author?: string;
  json?: boolean;
}

/** Wrap a paragraph at 72 columns. */
function wrap(text: string, width = 72): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const word of text.trim().split(/\s+/)) {
    if (cur !== '' && cur.length + 1 + word.length > width) {
      lines.push(cur);
      cur = word;
    } else cur = cur === '' ? word : `${cur} ${word}`;
  }
  if (cur !== '') lines.push(cur);
  return lines;
}

/**
 * The header of a new patch: From, Subject, and a description in three labelled paragraphs —
 * why the patch exists, which kernels take its compat branches, which upstream change it
 * follows — with TODO placeholders for what the options did not give; it ends with the `---`
 * separator, under which `refresh` writes the diffstat.
 */
export function patchTemplate(name: string, opts: { author: string; subject?: string; why?: string; kernels?: string; upstream?: string }): string {
  const subsystem = name.includes('/') ? name.slice(0, name.indexOf('/')) : '';
  const stem = name.replace(/\.(patch|diff)$/, '').split('/').pop() ?? name;
  const subject = opts.subject ?? `${subsystem ? `${subsystem}: ` : ''}${stem.replace(/[-_]+/g, ' ')}`;
  const para = (label: string, value: string | undefined, todo: string): string[] => wrap(`${label}: ${value ?? `TODO ${todo}`}`);
  return [
    `From: ${opts.author}`,
    `Subject: [PATCH] ${subject}`,
    '',
    ...para('Why', opts.why, 'what the older kernels lack or do differently, and why this is the right way to carry it.'),
    '',
    ...para('Kernels', opts.kernels, 'which kernels take the compat branch (e.g. < 2.6.16: sles9, rhel4); the others build the upstream code.'),
    '',
    ...para('Upstream', opts.upstream, 'the upstream change this follows, e.g. commit 1234567890ab ("subject").'),
    '---',
    '',
  ].join('\n');
}

async function defaultAuthor(root: string): Promise<string> {
  const name = process.env.GIT_AUTHOR_NAME;
  const email = process.env.GIT_AUTHOR_EMAIL;
  if (name && email) return `${name} <${email}>`;
  try {
    const { simpleGit } = await import('simple-git');
    const git = simpleGit(root);
    const [n, e] = await Promise.all([git.getConfig('user.name'), git.getConfig('user.email')]);
    if (n.value && e.value) return `${n.value} <${e.value}>`;
  } catch {
    // No git, or no configuration: the placeholder says what to fill in.
  }
  return 'TODO Your Name <you@example.org>';
}

export function registerNew(program: Command): void {
  program
    .command('new <patch>')
    .description('start a new, empty patch SUBSYS/NAME in the series (patches/SUBSYS/NAME.patch) with a header template')
    .option('--after <patch>', 'put it after this patch in the series (default: at the end)')
    .option('--subject <text>', 'the Subject line (default: "SUBSYS: name")')
    .option('--why <text>', 'why the patch exists (the description)')
    .option('--kernels <text>', 'which kernels take its compat branches')
    .option('--upstream <text>', 'the upstream change it follows')
    .option('--author <"Name <email>">', 'the From line (default: git config user.name/user.email)')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nThen: "pvpatch edit SUBSYS/NAME", change the work tree (or "pvpatch guard …"), "pvpatch refresh".')
    .action(async (arg: string, opts: NewOptions, cmd: Command) => {
      const result = await withWorkspace(cmd, 'new', async (ws) => {
        const name = validatePatchName(normalisePatchName(arg), arg, { needSubsystem: true });
        if (ws.series.some((e) => e.name === name)) throw new InputError(`${name} is already in the series`, { file: SERIES, line: ws.series.find((e) => e.name === name)?.line });
        const file = path.join(ws.root, 'patches', name);
        if (await exists(file)) throw new InputError(`patches/${name} already exists (not in the series): add it to patches/series or choose another name`, { file: `patches/${name}` });
        if (await exists(path.join(ws.root, 'patches', '.dropped', name))) {
          throw new InputError(`${name} was dropped (patches/.dropped/${name}): "pvpatch series --restore ${name}" brings it back`);
        }
        const after = opts.after === undefined ? undefined : findSeriesEntry(ws, opts.after);
        const author = opts.author ?? (await defaultAuthor(ws.root));
        const header = patchTemplate(name, { ...opts, author });
        const seriesText = (await readTextIfExists(path.join(ws.root, SERIES), SERIES)) ?? '';
        const newSeries = insertSeriesLine(seriesText, ws.series, name, after ?? 'end');
        // The patch file first: a crash before the series write leaves an unlisted file, never a listed missing one.
        await writeFileAtomic(file, header);
        await writeFileAtomic(path.join(ws.root, SERIES), newSeries);
        const position = after ? ws.series.indexOf(after) + 2 : ws.series.length + 1;
        return { name, file: `patches/${name}`, position };
      });
      if (opts.json) printJson(result);
      else print(`created ${result.file} (#${result.position} in the series)\nnext: fill in its header, then "pvpatch edit ${result.name.replace(/\.patch$/, '')}" and "pvpatch refresh"`);
    });
}
