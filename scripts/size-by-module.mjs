#!/usr/bin/env node
// Where the bytes of the script-tag bundle come from: builds dist/rotor-auth.min.js in memory (same
// rollup config, with a source map, nothing written) and attributes every minified character to its
// source module. Prints per module: minified bytes and the gzip of that module's characters alone
// (a rough share: gzip of the whole is less than the sum), then the longest string literals.
// Usage: node scripts/size-by-module.mjs [--strings N]
import { gzipSync } from 'node:zlib';
import { rollup } from 'rollup';

const configs = (await import(new URL('../rollup.config.mjs', import.meta.url).href)).default;
const cfg = configs.find((c) => c.output?.format === 'iife');
const bundle = await rollup({ input: cfg.input, plugins: cfg.plugins, onwarn() {} });
const { output } = await bundle.generate({ ...cfg.output, sourcemap: true, file: undefined });
const { code, map } = output[0];
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** Decodes one source-map segment's VLQ fields. */
function vlq(segment) {
  const out = [];
  let value = 0;
  let shift = 0;
  for (const ch of segment) {
    const digit = B64.indexOf(ch);
    value += (digit & 31) << shift;
    if (digit & 32) shift += 5;
    else {
      out.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return out;
}
const text = new Map();
const add = (owner, chars) => {
  if (!text.has(owner)) text.set(owner, []);
  text.get(owner).push(chars);
};
const lines = code.split('\n');
let source = 0;
map.mappings.split(';').forEach((mapped, l) => {
  const line = lines[l] ?? '';
  let col = 0;
  let owner = 'unmapped';
  let at = 0;
  for (const segment of mapped ? mapped.split(',') : []) {
    const [dc, ds] = vlq(segment);
    col += dc;
    add(owner, line.slice(at, col));
    at = col;
    if (ds !== undefined) {
      source += ds;
      owner = map.sources[source].replace(/.*\/(src|node_modules)\//, '$1/');
    }
  }
  add(owner, line.slice(at));
});
console.log(`total: ${code.length} bytes minified, ${gzipSync(code, { level: 9 }).length} min+gzip`);
const rows = [...text].map(([m, parts]) => [m, parts.join('')]).map(([m, t]) => [m, t.length, gzipSync(t, { level: 9 }).length]).sort((a, b) => b[1] - a[1]);
for (const [m, min, gz] of rows) console.log(`${String(min).padStart(7)} ${String(gz).padStart(6)}  ${m}`);
const n = Number(process.argv[process.argv.indexOf('--strings') + 1]) || 0;
if (n) {
  const strings = [...code.matchAll(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`/g)].map((m) => m[0]).sort((a, b) => b.length - a.length);
  for (const s of strings.slice(0, n)) console.log(String(s.length).padStart(5), s.slice(0, 140));
}
