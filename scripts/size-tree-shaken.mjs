#!/usr/bin/env node
// The size an app pays that imports rotor-auth from npm and uses neither DPoP, popup nor iframe (issue 21):
// a bundler (rollup + terser, as an app's build would) tree-shakes dist/rotor-auth.mjs down to what such an app
// imports, min+gzip. Printed beside the script-tag bundle, which has every feature. Usage: node scripts/size-tree-shaken.mjs [--json]
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { rollup } from 'rollup';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';

const esm = fileURLToPath(new URL('../dist/rotor-auth.mjs', import.meta.url));

/** What each app imports and calls (a virtual entry module). */
export const APPS = {
  'redirect login + getTokenSilently (no DPoP, popup or iframe)': `
    import { createAuthClient } from ${JSON.stringify(esm)};
    const client = await createAuthClient({ domain: 'https://id.example', clientId: 'app', useRefreshTokensFallback: false });
    if (location.search.includes('code=')) await client.handleRedirectCallback();
    document.body.textContent = (await client.isAuthenticated()) ? await client.getTokenSilently() : '';
    document.onclick = () => client.loginWithRedirect();`,
  'everything (all exports)': `export * from ${JSON.stringify(esm)};`,
};

async function sizeOf(code) {
  const bundle = await rollup({
    input: 'app',
    plugins: [{ name: 'app', resolveId: (id) => (id === 'app' ? id : null), load: (id) => (id === 'app' ? code : null) }, nodeResolve({ browser: true })],
    onwarn: () => {},
  });
  const { output } = await bundle.generate({ format: 'es', plugins: [terser({ compress: { passes: 3 }, format: { comments: false } })] });
  await bundle.close();
  const text = output[0].code;
  return { minified: Buffer.byteLength(text), gzip: gzipSync(text, { level: 9 }).length };
}

const results = {};
for (const [name, code] of Object.entries(APPS)) results[name] = await sizeOf(code);
const script = readFileSync(fileURLToPath(new URL('../dist/rotor-auth.min.js', import.meta.url)));
results['script-tag bundle dist/rotor-auth.min.js'] = { minified: script.length, gzip: gzipSync(script, { level: 9 }).length };
if (process.argv.includes('--json')) console.log(JSON.stringify(results));
else for (const [name, r] of Object.entries(results)) console.log(`${String(r.gzip).padStart(6)} B min+gzip (${r.minified} B min)  ${name}`);
