import { minify } from 'terser';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
const cfgSrc = readFileSync('rollup.config.mjs','utf8');
const names = cfgSrc.match(/const PRIVATE_NAMES = `([^`]*)`/)[1].trim().split(/\s+/);
const regex = new RegExp(`^(${names.join('|')})$`);
const raw = readFileSync('/tmp/size/raw.js', 'utf8');
const mk = (c = {}, f = {}) => ({ ecma: 2020, module: false, keep_classnames: /Error$/, compress: { passes: 3, ...c }, mangle: { properties: { regex } }, format: { comments: false, ...f } });
const v = {
  inline0: mk({ inline: 0 }),
  inline1: mk({ inline: 1 }),
  inline2: mk({ inline: 2 }),
  i1pg: mk({ inline: 1, pure_getters: true }),
  i1nocollapse: mk({ inline: 1, collapse_vars: false }),
  i1p2: { ...mk({ inline: 1 }), compress: { inline: 1, passes: 2 } },
  i1p4: { ...mk({ inline: 1 }), compress: { inline: 1, passes: 4 } },
  i1nojoin: mk({ inline: 1, join_vars: false }),
};
for (const [k, o] of Object.entries(v)) { const r = await minify(raw, o); console.log(k.padEnd(14), r.code.length, gzipSync(r.code, { level: 9 }).length); }
