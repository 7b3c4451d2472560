// attribute minified bytes of rotor-auth.min.js to sources using a sourcemap
import { rollup } from 'rollup';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { TraceMap, originalPositionFor } from '@jridgewell/trace-mapping';
const cfgMod = await import(process.cwd() + '/rollup.config.mjs?' + Date.now());
const cfg = cfgMod.default.find((c) => c.output?.format === 'iife');
const bundle = await rollup({ input: cfg.input, plugins: cfg.plugins, onwarn() {} });
const { output } = await bundle.generate({ ...cfg.output, sourcemap: true, file: undefined });
const chunk = output[0];
const code = chunk.code;
const map = new TraceMap(chunk.map);
const lines = code.split('\n');
const per = {};
const text = {};
for (let l = 0; l < lines.length; l++) {
  const line = lines[l];
  let last = 'unmapped';
  for (let c = 0; c < line.length; c++) {
    const p = originalPositionFor(map, { line: l + 1, column: c });
    if (p.source) last = p.source.replace(/.*\/(src|node_modules)\//, '$1/');
    per[last] = (per[last] ?? 0) + 1;
    (text[last] ??= []).push(line[c]);
  }
}
import { writeFileSync, mkdirSync } from "node:fs"; mkdirSync("/tmp/size/mods",{recursive:true}); for (const k in text) writeFileSync("/tmp/size/mods/"+k.replace(/\//g,"_"), text[k].join(""));
const total = code.length;
const gz = gzipSync(code, { level: 9 }).length;
console.log('total', total, 'gz', gz);
const rows = Object.entries(per).sort((a, b) => b[1] - a[1]);
for (const [k, v] of rows) {
  const g = gzipSync(text[k].join(''), { level: 9 }).length;
  console.log(String(v).padStart(7), String(g).padStart(6), k);
}
// largest string literals
const strs = [...code.matchAll(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`/g)].map((m) => m[0]).sort((a, b) => b.length - a.length);
console.log('--- strings total', strs.reduce((a, s) => a + s.length, 0));
if (process.argv.includes('--str')) for (const s of strs.slice(0, 80)) console.log(s.length, s.slice(0, 160));
