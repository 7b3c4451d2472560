import { readFileSync } from 'node:fs';
import { execSync } from 'node:child_process';
const min = readFileSync('/tmp/size/mangled.min.js', 'utf8');
const dts = readFileSync('dist/index.d.ts', 'utf8').split('\n').filter((l) => !/^\s*private /.test(l)).join('\n');
const strs = [...min.matchAll(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`/g)].map((m) => m[0]).join(' ');
for (const n of process.argv.slice(2)) {
  const re = new RegExp(`\\b${n}\\b`);
  let ext = '';
  try { ext = execSync(`grep -rlw ${n} e2e demo bench src/mock-server src/testing examples test/browser 2>/dev/null`).toString().split('\n').filter(Boolean).length; } catch { ext = 0; }
  console.log(n.padEnd(16), 'uses', (min.match(new RegExp(`[.]${n}\\b`, 'g')) ?? []).length, 'dts', re.test(dts) ? 'Y' : '-', 'str', re.test(strs) ? 'Y' : '-', 'ext', ext);
}
