// Seeded generators of C-like files and edits, for differential tests against GNU patch and git.
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

export function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)] as T;
}

const STMTS = [
  'err = xenbus_printf(xbt, dev->nodename, "ring-ref", "%u", ref);',
  'spin_lock_irqsave(&info->lock, flags);',
  'spin_unlock_irqrestore(&info->lock, flags);',
  'if (err)\n\t\tgoto fail;',
  'info->ring.req_prod_pvt++;',
  'notify_remote_via_irq(info->irq);',
  'kfree(info->shadow);',
  'return 0;',
  'memset(&req, 0, sizeof(req));',
  'blk_start_queue(info->rq);',
];

/** A C-like file of `functions` functions, each with unique lines (so patches have one place to match). */
export function cFile(r: () => number, name: string, functions: number): string {
  let out = `/* ${name}: generated */\n#include <linux/kernel.h>\n\n`;
  for (let f = 0; f < functions; f++) {
    out += `static int ${name}_fn${f}(struct dev *dev)\n{\n\tint err = ${f};\n`;
    const n = 3 + Math.floor(r() * 6);
    for (let i = 0; i < n; i++) out += `\t${pick(r, STMTS)} /* ${f}.${i} */\n`;
    out += '\treturn err;\n}\n\n';
  }
  return out;
}

/** Wrap a random line of each chosen function in a version guard; returns the new text. */
export function addGuards(r: () => number, text: string, count: number): string {
  const lines = text.split('\n');
  for (let k = 0; k < count; k++) {
    const candidates = lines.map((l, i) => [l, i] as const).filter(([l]) => /^\t.*\/\* \d+\.\d+ \*\/$/.test(l));
    if (candidates.length === 0) break;
    const [line, i] = pick(r, candidates);
    const v = `KERNEL_VERSION(2,6,${5 + Math.floor(r() * 20)})`;
    lines.splice(i, 1, `#if LINUX_VERSION_CODE < ${v}`, line.replace(/;/, '_compat;'), '#else', line, '#endif');
  }
  return lines.join('\n');
}
