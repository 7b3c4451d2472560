// Size phase: min+gzip of each SDK's script-tag bundle and of a tree-shaken
// single-class import, bundled in-process by rollup (node-resolve + terser).
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { rollup } from 'rollup';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';

const root = fileURLToPath(new URL('..', import.meta.url));
const nm = (p) => path.join(root, 'node_modules', p);

/** Script-tag bundles as each project ships them. */
export const SCRIPT_BUNDLES = {
  'rotor-auth': path.join(root, 'dist/rotor-auth.min.js'),
  'auth0-spa-js': nm('@auth0/auth0-spa-js/dist/auth0-spa-js.production.js'),
  'oidc-client-ts': nm('oidc-client-ts/dist/browser/oidc-client-ts.min.js'),
};

/** What an app imports: the one client class of each SDK. */
const IMPORTS = {
  'rotor-auth': { specifier: 'rotor-auth', name: 'AuthClient' },
  'auth0-spa-js': { specifier: '@auth0/auth0-spa-js', name: 'Auth0Client' },
  'oidc-client-ts': { specifier: 'oidc-client-ts', name: 'UserManager' },
};

function sizes(code) {
  const buf = Buffer.from(code);
  return { minBytes: buf.length, gzipBytes: gzipSync(buf, { level: 9 }).length };
}

/** Bundles `import { name } from specifier` for a browser, tree-shaken and minified. */
async function treeShaken({ specifier, name }) {
  const entryId = '\0bench-entry';
  const bundle = await rollup({
    input: entryId,
    treeshake: true,
    onwarn: () => {},
    plugins: [
      {
        name: 'bench-entry',
        resolveId(id) {
          if (id === entryId) return id;
          // the package under test resolves to its own build, like an installed copy
          if (id === 'rotor-auth') return path.join(root, 'dist/rotor-auth.mjs');
          return null;
        },
        load(id) {
          return id === entryId ? `export { ${name} } from ${JSON.stringify(specifier)};` : null;
        },
      },
      nodeResolve({ browser: true, exportConditions: ['browser', 'import', 'default'], rootDir: root }),
    ],
  });
  try {
    const { output } = await bundle.generate({ format: 'es', plugins: [terser({ format: { comments: false } })] });
    // where the (pre-minification) bytes come from: own code vs each dependency
    const composition = {};
    for (const [id, mod] of Object.entries(output[0].modules)) {
      if (!mod.renderedLength) continue;
      const m = id.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
      const owner = m ? m[1] : 'own code';
      composition[owner] = (composition[owner] ?? 0) + mod.renderedLength;
    }
    const total = Object.values(composition).reduce((a, b) => a + b, 0);
    for (const k of Object.keys(composition)) composition[k] = Math.round((composition[k] / total) * 1000) / 10;
    return { ...sizes(output[0].code), compositionPercent: composition };
  } finally {
    await bundle.close();
  }
}

export async function measureSizes() {
  const results = {};
  for (const [sdk, file] of Object.entries(SCRIPT_BUNDLES)) {
    if (!existsSync(file)) {
      results[sdk] = { error: `missing ${path.relative(root, file)}` };
      continue;
    }
    const script = sizes(await readFile(file));
    let tree;
    try {
      tree = await treeShaken(IMPORTS[sdk]);
    } catch (err) {
      tree = { error: String(err?.message ?? err).split('\n')[0] };
    }
    results[sdk] = { file: path.relative(root, file), script, treeShaken: { import: `{ ${IMPORTS[sdk].name} }`, ...tree } };
  }
  return results;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await measureSizes(), null, 2));
}
