// The fault matrix's outcome as a bench row: runs the Playwright fault matrix
// (e2e/faults, written by the rotation work) with ROTOR_FAULT_REPORT=<file>,
// which makes it write { tried, survived, reuseDetections,
// rows: [{ fault, cache, survived, reuse }] }. Says what is missing when
// the matrix or its report isn't there.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** e2e/faults as a directory, or e2e/faults*.spec.ts files. */
function faultSpecs(dir) {
  if (existsSync(path.join(dir, 'e2e/faults'))) return ['e2e/faults'];
  const files = existsSync(path.join(dir, 'e2e')) ? readdirSync(path.join(dir, 'e2e')).filter((f) => /^faults.*\.spec\.ts$/.test(f)) : [];
  return files.map((f) => `e2e/${f}`);
}

export async function measureFaults({ timeoutMs = 200_000, log = () => {}, cwd = root } = {}) {
  const specs = faultSpecs(cwd);
  if (specs.length === 0) return { missing: 'e2e/faults does not exist at this commit' };
  const report = path.join(tmpdir(), `rotor-fault-report-${process.pid}.json`);
  const clean = () => Promise.all([rm(report, { force: true }), rm(`${report}.jsonl`, { force: true })]);
  await clean();
  const started = performance.now();
  let timedOut = false;
  const { code, tail } = await new Promise((resolve) => {
    // first-try outcomes: no retries (a retry would replace a lost session's row)
    const child = spawn('npx', ['playwright', 'test', ...specs, '--project=chromium', '--reporter=line', '--retries=0'], {
      cwd, env: { ...process.env, ROTOR_FAULT_REPORT: report }, stdio: ['ignore', 'pipe', 'pipe'], detached: true,
    });
    let out = '';
    const keep = (d) => { out = (out + d).slice(-4000); };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => {
      timedOut = true;
      keep(`\nbench: fault matrix stopped after ${timeoutMs} ms`);
      try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
    }, timeoutMs);
    child.on('close', (c) => { clearTimeout(timer); resolve({ code: c, tail: out }); });
  });
  const seconds = (performance.now() - started) / 1000;
  log(`  fault matrix: exit ${code} after ${seconds.toFixed(1)} s`);
  if (!existsSync(report)) {
    return { specs, exitCode: code, seconds, missing: `the matrix wrote no ROTOR_FAULT_REPORT (exit ${code}): ${tail.trim().split('\n').slice(-2).join(' ')}` };
  }
  try {
    const summary = JSON.parse(await readFile(report, 'utf8'));
    return { specs, exitCode: code, seconds, ...summary, ...(timedOut ? { partial: `stopped after ${Math.round(timeoutMs / 1000)} s, rows so far` } : {}) };
  } catch (err) {
    return { specs, exitCode: code, seconds, missing: `unreadable fault report: ${err.message}` };
  } finally {
    await clean();
  }
}
