import { readFile } from 'node:fs/promises';
import { parseArgs, UsageError } from './args.js';
import { createMockServer } from './index.js';
import { MockOptionsError } from './options.js';
import { selfSignedCertificate } from './tls.js';
import type { MockServerOptions } from './types.js';

async function readConfig(file: string): Promise<MockServerOptions> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(`--config: cannot read ${file}: ${(e as Error).message}`);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--config: ${file} is not valid JSON: ${(e as Error).message}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new UsageError(`--config: ${file} must hold a JSON object`);
  return v as MockServerOptions;
}

/**
 * Starts the mock server from command-line arguments and prints
 * `listening on http://HOST:PORT` once it accepts connections.
 */
export async function startCli(
  argv: string[],
  log: (line: string) => void = (l) => console.log(l),
): Promise<{ url: string; close(): Promise<void> }> {
  const args = parseArgs(argv);
  if (args.help) throw new UsageError('--help is handled by the rotor-mock-server command');
  const fromFile = args.config ? await readConfig(args.config) : {};
  let server;
  try {
    server = createMockServer({ controlApi: true, ...fromFile, ...args.options, ...(args.quiet ? {} : { onLog: log }) });
  } catch (e) {
    if (e instanceof MockOptionsError) {
      const where = args.config && e.field.split(/[.[]/)[0]! in fromFile ? ` (in --config ${args.config})` : '';
      throw new UsageError(`invalid option ${e.field}: ${e.detail}${where}`);
    }
    throw e;
  }
  const tls = args.https ? selfSignedCertificate(args.host) : undefined;
  const listening = await server.listen(args.port, args.host, tls ? { tls } : {});
  log(`listening on ${listening.url}`);
  return listening;
}
