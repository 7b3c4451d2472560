// Builds every output named in CONTRACT.md ("Package and build"):
//   dist/rotor-auth.mjs      ESM for bundlers (runtime dependencies stay imports)
//   dist/rotor-auth.cjs      CJS, dependencies bundled in (so require() never meets an ESM-only package)
//   dist/rotor-auth.min.js   minified IIFE, global `rotorAuth`, everything bundled (idb-keyval included)
//   dist/index.d.ts          types (ESM) and dist/index.d.cts (the same, for require)
//   dist/mock-server.mjs     Node ESM mock authorization server (+ dist/mock-server.d.ts)
//   dist/cli.mjs             `rotor-mock-server` CLI, with a shebang
//   dist/testing.mjs         rotor-auth/testing (signIn and scenario helpers; + dist/testing.d.ts)
//   dist/testing-playwright.mjs  rotor-auth/testing/playwright (fixture; + .d.ts; @playwright/test stays a peer)
// Every config is independent; `ROTOR_BUILD=browser|server|types` builds a subset.
import { chmod } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import nodeResolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';
import { dts } from 'rollup-plugin-dts';

const root = fileURLToPath(new URL('.', import.meta.url));
const src = (p) => `${root}src/${p}`;
const out = (p) => `${root}dist/${p}`;

const SDK_ENTRY = src('index.ts');
const SERVER_ENTRY = src('mock-server/index.ts');
const CLI_ENTRY = src('mock-server/cli.ts');
const TESTING_ENTRY = src('testing/index.ts');
const PLAYWRIGHT_ENTRY = src('testing/playwright.ts');
const REACT_ENTRY = src('react/index.ts');
const peerDeps = ['@playwright/test'];

const runtimeDeps = ['jose', 'idb-keyval'];
const isDep = (id, deps) => deps.some((d) => id === d || id.startsWith(`${d}/`));
const isBuiltin = (id) => id.startsWith('node:') || builtinModules.includes(id.split('/')[0]);

/** A fresh TypeScript plugin per config: tsconfig.json is for type checking (noEmit), so emit is switched on here. */
function ts() {
  return typescript({
    tsconfig: `${root}tsconfig.json`,
    include: [`${root}src/**/*.ts`],
    exclude: [`${root}src/**/*.test.ts`],
    compilerOptions: {
      noEmit: false,
      declaration: false,
      declarationMap: false,
      sourceMap: false,
      outDir: undefined,
      useDefineForClassFields: false,
      rootDir: `${root}src`,
    },
  });
}

/** Gives dist/cli.mjs exactly one `#!/usr/bin/env node` line (whether or not the source has one) and the x bit. */
function executable(fileName) {
  return {
    name: 'rotor-executable',
    generateBundle(_options, bundle) {
      const chunk = bundle[fileName];
      if (chunk?.type === 'chunk') chunk.code = `#!/usr/bin/env node\n${chunk.code.replace(/^#![^\n]*\n/, '')}`;
    },
    async writeBundle(options, bundle) {
      if (bundle[fileName]) await chmod(`${options.dir}/${fileName}`, 0o755);
    },
  };
}

const sdkEsm = {
  input: SDK_ENTRY,
  external: (id) => isDep(id, runtimeDeps),
  plugins: [ts()],
  output: [
    { file: out('rotor-auth.mjs'), format: 'es' },
  ],
};

const sdkCjs = {
  input: SDK_ENTRY,
  plugins: [nodeResolve({ browser: true }), ts()],
  output: { file: out('rotor-auth.cjs'), format: 'cjs', exports: 'named', interop: 'auto' },
};

import { PRIVATE_NAMES } from './scripts/private-names.mjs';

const PRIVATE_PROPS = new RegExp(`^(${PRIVATE_NAMES.join('|')})$`);

const sdkIife = {
  input: SDK_ENTRY,
  plugins: [nodeResolve({ browser: true }), ts()],
  output: {
    file: out('rotor-auth.min.js'),
    format: 'iife',
    name: 'rotorAuth',
    exports: 'named',
    // Error classes keep their names: GenericError sets `name` from the class (`err.name === 'OAuthError'`).
    plugins: [
      terser({
        ecma: 2020,
        module: false,
        keep_classnames: /Error$/,
        // unsafe_arrows: our function declarations that terser turns into expressions never use `this`,
        // `arguments` or `new` (classes do that), so arrows are the same; unsafe_comps: only numbers and
        // strings are compared. Measured together: -37 B gzip.
        compress: { passes: 3, inline: 1, unsafe_arrows: true, unsafe_comps: true },
        mangle: { properties: { regex: PRIVATE_PROPS, builtins: true } },
        format: { comments: false },
      }),
    ],
  },
};

/**
 * rotor-auth/testing builds on the SDK's public face: its imports of src/index.ts and src/errors.ts (the error
 * classes, all public) stay imports of `rotor-auth`, so an app and its test client share one set of error classes
 * (`instanceof OAuthError` holds for both).
 */
const sdkAsPackage = () => ({
  name: 'rotor-sdk-as-package',
  async resolveId(source, importer, options) {
    if (!importer || !source.startsWith('.')) return null;
    const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
    const file = resolved?.id.replace(/\.d\.ts$|\.js$/, '.ts');
    return file === SDK_ENTRY || file === src('errors.ts') ? { id: 'rotor-auth', external: true } : null;
  },
});

const server = {
  input: { 'mock-server': SERVER_ENTRY, cli: CLI_ENTRY, testing: TESTING_ENTRY, 'testing-playwright': PLAYWRIGHT_ENTRY },
  external: (id) => isBuiltin(id) || isDep(id, ['jose', ...peerDeps]),
  plugins: [sdkAsPackage(), nodeResolve({ preferBuiltins: true, exportConditions: ['node'] }), ts(), executable('cli.mjs')],
  output: {
    dir: out(''),
    format: 'es',
    entryFileNames: '[name].mjs',
    chunkFileNames: 'chunks/[name]-[hash].mjs',
  },
};

/** rotor-auth/react: React stays the app's (a peer), the SDK stays `rotor-auth`; nothing of it is in the SDK's bundles. */
const react = {
  input: { react: REACT_ENTRY },
  external: (id) => isDep(id, ['react', 'react-dom']),
  plugins: [sdkAsPackage(), nodeResolve({ browser: true }), ts()],
  output: { dir: out(''), format: 'es', entryFileNames: '[name].mjs' },
};

const dtsPlugin = () =>
  dts({ tsconfig: `${root}tsconfig.json`, compilerOptions: { noEmit: false, declaration: true } });

const sdkTypes = {
  input: SDK_ENTRY,
  external: (id) => isDep(id, runtimeDeps),
  plugins: [dtsPlugin()],
  output: [
    { file: out('index.d.ts'), format: 'es' },
    { file: out('index.d.cts'), format: 'es' },
  ],
};

const serverTypes = {
  input: SERVER_ENTRY,
  external: (id) => isBuiltin(id) || isDep(id, runtimeDeps),
  plugins: [dtsPlugin()],
  output: { file: out('mock-server.d.ts'), format: 'es' },
};

const testingTypes = [
  [TESTING_ENTRY, 'testing.d.ts'],
  [PLAYWRIGHT_ENTRY, 'testing-playwright.d.ts'],
].map(([input, file]) => ({
  input,
  external: (id) => isBuiltin(id) || isDep(id, [...runtimeDeps, ...peerDeps]),
  plugins: [sdkAsPackage(), dtsPlugin()],
  output: { file: out(file), format: 'es' },
}));

const reactTypes = {
  input: REACT_ENTRY,
  external: (id) => isDep(id, ['react', 'react-dom']),
  plugins: [sdkAsPackage(), dtsPlugin()],
  output: { file: out('react.d.ts'), format: 'es' },
};

const groups = {
  browser: [sdkEsm, sdkCjs, sdkIife, react],
  server: [server],
  types: [sdkTypes, serverTypes, ...testingTypes, reactTypes],
};
const only = process.env.ROTOR_BUILD;
export default only ? only.split(',').flatMap((g) => groups[g] ?? []) : Object.values(groups).flat();
