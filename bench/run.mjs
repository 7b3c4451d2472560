// `npm run bench` (= npm run build && node bench/run.mjs): every measurement
// side by side in one run, then bench/results.md and bench/results.svg.
// Bounded loops, loopback only, every server and browser is closed before
// exit; the whole run stops by itself (hard cap below).
// Environment:
//   BENCH_REQUIRE_CLEAN=1  refuse to run when the working tree differs from HEAD
//   BENCH_PHASES=size,browser,server,faults  run only these phases (validation runs)
//   BENCH_OUT=dir          write results.md / results.svg there instead of bench/
//   BENCH_LABEL=text       a line quoted under the title (e.g. "loaded machine, harness check")
//   BENCH_JSON=file        also write the raw measurements
import { writeFile, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import os from 'node:os';
import { machineFacts } from './lib/machine.mjs';
import { measureSizes } from './size.mjs';
import { measureBrowser } from './browser.mjs';
import { measureServer } from './server-phase.mjs';
import { measureFaults } from './faults.mjs';
import { buildRows } from './report.mjs';
import { renderMarkdown, renderSvg } from './report-render.mjs';

const HARD_CAP_MS = 9 * 60_000; // phases bound themselves (count budget, fault-matrix timeout); this is the backstop
const log = (...a) => console.log(...a);
const outDir = process.env.BENCH_OUT ? path.resolve(process.env.BENCH_OUT) : fileURLToPath(new URL('.', import.meta.url));
const phases = new Set((process.env.BENCH_PHASES ?? 'size,browser,server,faults').split(',').map((s) => s.trim()));

const cap = setTimeout(() => {
  console.error('bench: hard time cap reached, aborting');
  process.exit(2);
}, HARD_CAP_MS);
cap.unref();

const machine = machineFacts();
if (!machine.clean) {
  const msg = `bench: the working tree differs from ${machine.commit}: ${machine.dirty.join(', ')}`;
  if (process.env.BENCH_REQUIRE_CLEAN === '1') {
    console.error(`${msg}\nbench: BENCH_REQUIRE_CLEAN=1, refusing to measure; commit first`);
    process.exit(1);
  }
  console.warn(`${msg}\nbench: results.md will say so`);
}

async function phase(name, fn, results) {
  if (!phases.has(name)) return { error: `phase ${name} not run (BENCH_PHASES)` };
  log(`bench: ${name}…`);
  const t0 = performance.now();
  try {
    return await fn();
  } catch (err) {
    results.errors.push(`${name}: ${err.message}`);
    log(`  ${name} failed: ${err.stack ?? err.message}`);
    return { error: err.message.split('\n')[0] };
  } finally {
    log(`  (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
}

const started = performance.now();
const results = { machine, errors: [], label: process.env.BENCH_LABEL };
results.size = await phase('size', () => measureSizes(), results);
results.browser = await phase('browser', () => measureBrowser({ log }), results);
results.server = await phase('server', () => measureServer({ log }), results);
results.faults = await phase('faults', () => measureFaults({ log }), results);
results.durationSeconds = (performance.now() - started) / 1000;
results.loadavgAtEnd = os.loadavg().map((l) => l.toFixed(2)).join(' ');

const rows = buildRows(results);
const markdown = renderMarkdown(results, rows);
await mkdir(outDir, { recursive: true });
await writeFile(path.join(outDir, 'results.md'), markdown);
await writeFile(path.join(outDir, 'results.svg'), renderSvg(rows));
if (process.env.BENCH_JSON) await writeFile(process.env.BENCH_JSON, JSON.stringify(results, null, 2));
log('');
log(markdown.split('\n').filter((l) => l.startsWith('|')).join('\n'));
log(`\nwrote ${path.join(outDir, 'results.md')} and results.svg (${results.durationSeconds.toFixed(0)} s)`);
