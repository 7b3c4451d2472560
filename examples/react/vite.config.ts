// `npm run example:react`: Vite serves this directory on http://localhost:5173 (another site than the
// mock server on http://127.0.0.1:4000, as in production). The package's imports resolve to this
// repository's sources, so no build is needed for the app; an app of your own imports the installed package.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const src = (path: string) => fileURLToPath(new URL(`../../src/${path}`, import.meta.url));

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // pre-bundled dependencies under the repository's .cache/ (not inside node_modules)
  cacheDir: fileURLToPath(new URL('../../.cache/vite-example-react', import.meta.url)),
  resolve: {
    alias: [{ find: /^rotor-auth\/react$/, replacement: src('react/index.ts') }],
  },
  // the whole app on one page: /orders and the callback URLs get index.html too (Vite's default)
  server: { host: 'localhost', port: 5173 },
});
