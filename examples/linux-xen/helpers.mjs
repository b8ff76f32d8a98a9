// Small helpers of examples/linux-xen/run.sh: reading pvpatch's --json output and rendering it.
// Usage: node helpers.mjs COMMAND ARGS… (see each case below). No pvpatch logic is repeated here:
// version resolution uses pvpatch's own src/io/sources/deb.ts (from dist/).
import { readFileSync } from 'node:fs';
import path from 'node:path';

const [command, ...args] = process.argv.slice(2);
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));
const base = (unit) => path.basename(unit);

switch (command) {
  // resolve DIST PKG PINNED oldest|newest: the pinned Debian version if the mirror has it, else the
  // oldest/newest it has (saying so on stderr). Prints the version.
  case 'resolve': {
    const [dist, pkg, pinned, fallback] = args;
    const deb = await import(path.resolve(dist, 'io/sources/deb.js'));
    const entries = await deb.listVersions([pkg]);
    try {
      console.log(deb.pickVersion(pkg, entries, deb.parseDebSpec(`deb:${pkg}=${pinned}`).request));
    } catch (err) {
      if (err.name !== 'InputError' || deb.versionsOf(pkg, entries).length === 0) throw err;
      console.error(`NOTE: ${err.message}`);
      const picked = deb.pickVersion(pkg, entries, { kind: fallback });
      console.error(`NOTE: taking the ${fallback} one instead: ${pkg}=${picked}`);
      console.log(picked);
    }
    break;
  }
  // upstream DEBIAN-VERSION: its upstream part (6.12.107-1~deb12u1 -> 6.12.107).
  case 'upstream': {
    const deb = await import(path.resolve(args[0], 'io/sources/deb.js'));
    console.log(deb.upstreamOf(args[1]));
    break;
  }
  // kernels KERNELS_JSON: one line per kernel: NAME VERSION CODE [-DNAME=VALUE…] (for unifdef).
  case 'kernels': {
    for (const k of readJson(args[0]).kernels) {
      const [a, b, c = 0] = String(k.version).split('.').map(Number);
      const code = a * 65536 + b * 256 + Math.min(c, 255);
      const defines = Object.entries(k.defines ?? {})
        .filter(([name]) => !name.startsWith('__has_include'))
        .map(([name, value]) => `-D${name}=${value}`);
      console.log([k.name, k.version, code, ...defines].join(' '));
    }
    break;
  }
  // matrix BUILD_JSON MODULE…: a markdown table module x kernel from `pvpatch build --json`, then the
  // first errors of each failing kernel. The modules named come first, in that order.
  case 'matrix': {
    const [file, ...order] = args;
    const run = readJson(file);
    const units = [...new Set(run.kernels.flatMap((k) => k.units.map((u) => u.unit)))];
    const rank = (u) => {
      const i = order.findIndex((m) => u === `${m}.ko`);
      return i < 0 ? order.length : i;
    };
    units.sort((x, y) => rank(x) - rank(y) || x.localeCompare(y));
    const header = `| module | ${run.kernels.map((k) => k.kernel).join(' | ')} |`;
    const lines = [header, header.replace(/[^|]/g, '-')];
    for (const u of units) {
      const cells = run.kernels.map((k) => {
        const hit = k.units.find((x) => x.unit === u);
        return hit === undefined ? '—' : hit.ok ? 'ok' : 'FAIL';
      });
      lines.push(`| ${base(u)} | ${cells.join(' | ')} |`);
    }
    for (const k of run.kernels.filter((x) => !x.ok)) {
      lines.push(`  ${k.kernel}: ${k.firstErrors.slice(0, 2).join(' / ')}`);
    }
    console.log(lines.join('\n'));
    break;
  }
  // cells BUILD_JSON: one line per kernel and unit: KERNEL UNIT ok|FAIL (for the shell's checks).
  case 'cells': {
    for (const k of readJson(args[0]).kernels) for (const u of k.units) console.log(`${k.kernel} ${u.unit} ${u.ok ? 'ok' : 'FAIL'}`);
    break;
  }
  // headers BUILD_LOG…: the first line of each kernel's build log (headers packages and compiler).
  case 'headers': {
    for (const f of args) console.log(readFileSync(f, 'utf8').split('\n')[0].replace(/^# kernel /, ''));
    break;
  }
  // review REVIEW_JSON: the items of `pvpatch review --json`, for a human.
  case 'review': {
    for (const i of readJson(args[0]).items) {
      console.log(`${i.kind.toUpperCase()} ${i.id}  ${i.patch}  ${i.file}:${i.line}  [${i.status}]`);
      if (i.condition) console.log(`  guard: #if ${i.condition}`);
      for (const b of i.branches ?? []) console.log(`    ${b.branch}: ${b.kernels.join(', ') || '(no kernel)'}`);
      if (i.kind === 'stale') {
        console.log('  the guarded lines:');
        for (const l of i.ours) console.log(`    ${l}`);
        console.log('  what upstream changed next to them:');
        for (const l of i.upstreamChange ?? []) console.log(`    ${l}`);
      } else {
        console.log(`  patch:    ${i.ours.length} lines, base: ${i.base.length} lines, upstream: ${i.theirs.length} lines`);
      }
    }
    break;
  }
  // ids REVIEW_JSON KIND: the ids of the open items of one kind (stale or conflict).
  case 'ids': {
    for (const i of readJson(args[0]).items) if (i.kind === args[1] && i.status === 'open') console.log(i.id);
    break;
  }
  // check CHECK_JSON: "errors warnings notes".
  case 'check': {
    const c = readJson(args[0]).counts;
    console.log(`${c.error} ${c.warning} ${c.note}`);
    break;
  }
  default:
    console.error(`helpers.mjs: unknown command "${command}"`);
    process.exit(2);
}
