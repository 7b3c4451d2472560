// Child-process entry: starts one authorization server on a random loopback
// port, sends {ready, url, endpoints, client} over IPC, answers {cmd:'cpu'}
// with its own CPU time, and exits when the parent disconnects (so it can
// never outlive the bench run).
//   node bench/servers/child.mjs mock|mock-es256|oidc-provider|oidc-provider-jwt-es256|oidc-provider-jwt-rs256
import { startOidcProvider, OIDC_CLIENT, OIDC_JWT_CLIENT } from './oidc-provider.mjs';
import { startMockServer, MOCK_CLIENT } from './mock.mjs';

const kind = process.argv[2];
let started;
if (kind === 'oidc-provider') started = { ...(await startOidcProvider()), client: OIDC_CLIENT };
else if (kind === 'oidc-provider-jwt-es256') started = { ...(await startOidcProvider({ jwtAccessTokens: true, alg: 'ES256' })), client: OIDC_JWT_CLIENT };
else if (kind === 'oidc-provider-jwt-rs256') started = { ...(await startOidcProvider({ jwtAccessTokens: true, alg: 'RS256' })), client: OIDC_JWT_CLIENT };
else if (kind === 'mock') started = { ...(await startMockServer()), client: MOCK_CLIENT };
else if (kind === 'mock-es256') started = { ...(await startMockServer({ signingAlg: 'ES256' })), client: MOCK_CLIENT };
else throw new Error(`unknown server kind ${kind}`);

process.send({ ready: true, url: started.url, endpoints: started.endpoints, client: started.client });

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await started.close();
  process.exit(0);
};
process.on('message', (msg) => {
  if (msg?.cmd === 'cpu') process.send({ cpu: process.cpuUsage(), heapUsed: process.memoryUsage().heapUsed });
  if (msg?.cmd === 'stop') stop();
});
process.on('disconnect', stop);
process.on('SIGTERM', stop);
