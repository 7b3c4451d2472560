#!/usr/bin/env node
// Size budget for the script-tag bundle: min+gzip of dist/rotor-auth.min.js.
// Usage: node scripts/check-size.mjs [file] [--budget BYTES] [--json]
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const DEFAULT_FILE = 'dist/rotor-auth.min.js';
const DEFAULT_BUDGET = 20150; // 1.11× oidc-client-ts 3.5's script bundle (18,153 B, the smallest full-featured peer), min+gzip, every feature included; raised from 18,153 B when the lifecycle and hardening features landed, and from 19,968 B for IndexedDB cache hits at memory speed

const args = process.argv.slice(2);
const budgetAt = args.indexOf('--budget');
const budget = budgetAt >= 0 ? Number(args[budgetAt + 1]) : DEFAULT_BUDGET;
const json = args.includes('--json');
const file = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--budget') ?? DEFAULT_FILE;

if (!Number.isInteger(budget) || budget <= 0) {
  console.error(`check-size: --budget must be a positive integer of bytes, got ${args[budgetAt + 1]}`);
  process.exit(2);
}

let source;
try {
  source = readFileSync(file);
} catch (err) {
  console.error(`check-size: cannot read ${file} (${err.code ?? err}); run \`npm run build\` first`);
  process.exit(2);
}

const gzip = gzipSync(source, { level: 9 }).length;
const ok = gzip <= budget;
if (json) {
  console.log(JSON.stringify({ file, minified: source.length, gzip, budget, ok }));
} else {
  const kb = (n) => `${(n / 1024).toFixed(2)} KB`;
  console.log(`${file}: ${source.length} bytes minified, ${gzip} bytes min+gzip (${kb(gzip)}); budget ${budget} bytes (${kb(budget)})`);
  console.log(ok ? `size ok: ${budget - gzip} bytes under budget` : `size FAILED: ${gzip - budget} bytes over budget`);
}
process.exit(ok ? 0 : 1);
