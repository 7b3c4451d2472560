// `npm run bench` (= npm run build && node bench/run.mjs): every measurement
// side by side in one run, then bench/results.md and bench/results.svg.
// Bounded loops, loopback only, every server and browser is closed before
// exit; the whole run stops by itself (hard cap below).
import { writeFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { machineFacts } from './lib/machine.mjs';
import { measureSizes } from './size.mjs';
import { measureBrowser } from './browser.mjs';
import { measureThroughput } from './throughput.mjs';
import { buildRows, renderMarkdown, renderSvg } from './report.mjs';

const HARD_CAP_MS = 5 * 60_000;
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const log = (...a) => console.log(...a);

const cap = setTimeout(() => {
  console.error('bench: hard time cap reached, aborting');
  process.exit(2);
}, HARD_CAP_MS);
cap.unref();

function measureMemory(n = 500, rotations = 4) {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--expose-gc', here('./memory.mjs'), String(n), String(rotations)], { timeout: 90_000 }, (err, stdout, stderr) => {
      if (err) {
        const lines = (stderr || err.message).split('\n');
        resolve({ error: `memory phase failed: ${lines.find((l) => /Error/.test(l)) ?? lines[0]}` });
      }
      else resolve(JSON.parse(stdout.trim().split('\n').pop()));
    });
  });
}

async function phase(name, fn, results) {
  log(`bench: ${name}…`);
  const t0 = performance.now();
  try {
    return await fn();
  } catch (err) {
    results.errors.push(`${name}: ${err.message}`);
    log(`  ${name} failed: ${err.stack ?? err.message}`);
    return { error: err.message };
  } finally {
    log(`  (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
}

const started = performance.now();
const results = { machine: machineFacts(), errors: [] };
results.size = await phase('size', () => measureSizes(), results);
results.browser = await phase('browser', () => measureBrowser({ log }), results);
results.throughput = await phase('mock server throughput', () => measureThroughput({ chains: 8, perChain: 60, rounds: 5, log }), results);
results.memory = await phase('mock server memory', () => measureMemory(), results);
results.durationSeconds = (performance.now() - started) / 1000;
results.loadavgAtEnd = os.loadavg().map((l) => l.toFixed(2)).join(' ');

const rows = buildRows(results);
await writeFile(here('./results.md'), renderMarkdown(results, rows));
await writeFile(here('./results.svg'), renderSvg(rows));
if (process.env.BENCH_JSON) await writeFile(process.env.BENCH_JSON, JSON.stringify(results, null, 2));
log('');
log(renderMarkdown(results, rows).split('\n').filter((l) => l.startsWith('|')).join('\n'));
log('\nwrote bench/results.md and bench/results.svg');
