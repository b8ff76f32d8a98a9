// Summaries of V8 .cpuprofile files (node --cpu-prof): where the time goes, by function.
//
//   node bench/profile.mjs FILE.cpuprofile [--top N]
//
// Self time = samples that stopped in the function; total time = samples with the function
// anywhere on the stack (counted once per sample, so recursion does not double it).

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** A text table of the top functions by self time and by total time. */
export function summarizeProfile(profile, { root = process.cwd(), top = 15 } = {}) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const keyOf = (n) => {
    const cf = n.callFrame;
    let url = cf.url || '';
    if (url.startsWith('file://')) url = fileURLToPath(url);
    if (url.startsWith(root)) url = path.relative(root, url);
    url = url.replace(/^.*node_modules\//, 'node_modules/');
    const name = cf.functionName || '(anonymous)';
    return url ? `${name}  ${url}:${cf.lineNumber + 1}` : name;
  };
  const self = new Map();
  const total = new Map();
  let all = 0;
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    // The delta after a sample is the time spent in it.
    const us = deltas[i + 1] ?? deltas[i] ?? 0;
    all += us;
    let id = samples[i];
    const n = nodes.get(id);
    if (!n) continue;
    const k = keyOf(n);
    self.set(k, (self.get(k) ?? 0) + us);
    const seen = new Set();
    while (id !== undefined) {
      const m = nodes.get(id);
      const mk = keyOf(m);
      if (!seen.has(mk)) {
        seen.add(mk);
        total.set(mk, (total.get(mk) ?? 0) + us);
      }
      id = parent.get(id);
    }
  }
  const fmt = (us) => `${(us / 1000).toFixed(0).padStart(6)} ms ${((100 * us) / (all || 1)).toFixed(1).padStart(5)}%`;
  const list = (m, skip) =>
    [...m]
      .filter(([k]) => !skip.some((s) => k.startsWith(s)))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => `${fmt(us)}  ${k}`);
  return [
    `sampled ${(all / 1000).toFixed(0)} ms`,
    '',
    'self time:',
    ...list(self, []),
    '',
    'total time (inclusive):',
    ...list(total, ['(root)', '(program)', '(idle)']),
  ].join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  const i = process.argv.indexOf('--top');
  if (!file) {
    process.stderr.write('usage: node bench/profile.mjs FILE.cpuprofile [--top N]\n');
    process.exit(2);
  }
  process.stdout.write(summarizeProfile(JSON.parse(readFileSync(file, 'utf8')), { top: i > 0 ? Number(process.argv[i + 1]) : 15 }) + '\n');
}
