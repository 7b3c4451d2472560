import { readFileSync } from 'node:fs';
import { execSync } from 'node:child_process';
const min = readFileSync('dist/rotor-auth.min.js', 'utf8');
const dts = readFileSync('dist/index.d.ts', 'utf8');
const strs = [...min.matchAll(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`/g)].map((m) => m[0]).join(' ');
const priv = execSync(`grep -rhoE "^\\s+(private|protected)\\s+(readonly\\s+)?(async\\s+)?(static\\s+)?[a-zA-Z_]+" src --include=*.ts --exclude-dir=mock-server --exclude-dir=testing`).toString().split('\n').map((l) => l.trim().split(/\s+/).pop()).filter(Boolean);
const cands = [...new Set(priv)];
let tot = 0;
for (const n of cands) {
  const inD = new RegExp(`\\b${n}\\b`).test(dts);
  const inS = new RegExp(`\\b${n}\\b`).test(strs);
  const uses = (min.match(new RegExp(`[.]${n}\\b|\\b${n}[:(=]`, 'g')) ?? []).length;
  const ok = !inD && !inS;
  if (ok) tot += uses * (n.length - 1);
  console.log(ok ? 'OK ' : '-- ', n.padEnd(22), uses, inD ? 'dts' : '', inS ? 'str' : '');
}
console.log('raw saving ~', tot);
