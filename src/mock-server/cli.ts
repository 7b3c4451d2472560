#!/usr/bin/env node
import { parseArgs, USAGE, UsageError } from './args.js';
import { startCli } from './run-cli.js';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let help = false;
  try {
    help = parseArgs(argv).help;
  } catch {
    // reported by startCli below
  }
  if (help) {
    console.log(USAGE);
    return;
  }
  const server = await startCli(argv);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void server.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e: unknown) => {
  if (e instanceof UsageError) {
    console.error(`rotor-mock-server: ${e.message}\n\n${USAGE}`);
    process.exit(2);
  } else {
    console.error(`rotor-mock-server: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
});
