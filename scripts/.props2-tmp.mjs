import { readFileSync } from 'node:fs';
const min = readFileSync('dist/rotor-auth.min.js', 'utf8');
const dts = readFileSync('dist/index.d.ts', 'utf8').split('\n').filter((l) => !/^\s*private /.test(l)).join('\n');
const strs = [...min.matchAll(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`/g)].map((m) => m[0]).join(' ');
const counts = {};
for (const m of min.matchAll(/[.]([a-zA-Z_$][\w$]{2,})\b/g)) counts[m[1]] = (counts[m[1]] ?? 0) + 1;
const rows = [];
for (const [n, c] of Object.entries(counts)) {
  if (new RegExp(`\\b${n}\\b`).test(dts) || new RegExp(`\\b${n}\\b`).test(strs)) continue;
  if (n in globalThis || n in Object.prototype || n in Array.prototype || n in String.prototype || n in Promise.prototype || n in Math || n in JSON || n in Object || n in Number) continue;
  rows.push([n, c, c * (n.length - 1)]);
}
rows.sort((a, b) => b[2] - a[2]);
console.log(rows.map((r) => r.join(':')).join('  '));
