import { minify } from 'terser';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
const raw = readFileSync('/tmp/size/raw.js', 'utf8');
const base = { ecma: 2020, module: false, keep_classnames: /Error$/, compress: { passes: 2 }, format: { comments: false } };
const variants = {
  base,
  p3: { ...base, compress: { passes: 3 } },
  toplevel: { ...base, toplevel: true, compress: { passes: 3 } },
  ecma2022: { ...base, ecma: 2022, compress: { passes: 3 } },
  pure: { ...base, compress: { passes: 3, pure_getters: true, unsafe_arrows: true, unsafe_methods: true, unsafe: false } },
  kcn_none: { ...base, keep_classnames: false, compress: { passes: 3 } },
  kfn: { ...base, keep_fnames: false, compress: { passes: 3, pure_getters: true, unsafe_arrows: true } },
};
for (const [k, o] of Object.entries(variants)) {
  const r = await minify(raw, o);
  console.log(k.padEnd(10), r.code.length, gzipSync(r.code, { level: 9 }).length);
}
