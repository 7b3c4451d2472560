// Every fenced code block in README.md is covered here, as written ("docs are code").
//
// Convention: a block's id is `<heading>#<n>`: the text of the nearest heading above it (any
// level) and its 1-based position among the blocks under that heading (test/readme/blocks.ts).
// COVERAGE below maps each id to how the suite checks it:
//   e2e        runs in Chromium (e2e/readme/*.spec.ts reads the block with readmeBlock(id))
//   example    a `<!-- example: PATH -->` block: byte-for-byte the file the suite runs
//   typecheck  compiled by tsc (strict, the repo's options) against the package's own types
//              (`rotor-auth` → src/index.ts); `context` declares what a fragment takes from
//              the app around it (e.g. `client`), and nothing else is added
//   node       imported and run under Node (vitest), with `context` in front
//   shell      each command is checked: npm scripts exist, files exist, CLI flags parse,
//              curl'd control routes answer, the tarball name matches package.json
//   output     each line matches what the printing script's console.log template produces
// A README block without an entry fails this test, and so does an entry without a block: add
// the new snippet here (and to an e2e spec when it is a page) when you add it to the README.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { createMockServer } from '../../src/mock-server/index.js';
import { parseArgs, USAGE } from '../../src/mock-server/args.js';
import { readmeBlocks, ROOT, type ReadmeBlock } from './blocks.js';

type Check =
  | { kind: 'e2e'; spec: string }
  | { kind: 'example' }
  | { kind: 'typecheck'; context?: string; scripts?: 'inline-html' }
  | { kind: 'node'; context: string; exports?: string; run: (mod: Record<string, unknown>) => Promise<void> }
  | { kind: 'shell' }
  | { kind: 'output'; script: string };

const ERRORS_CONTEXT = `import type { AuthClient } from 'rotor-auth';
declare const client: AuthClient;
declare function retryLater(): void;
`;

const COVERAGE: Record<string, Check[]> = {
  'rotor-auth#1': [{ kind: 'shell' }],
  'rotor-auth#2': [{ kind: 'output', script: 'scripts/start.mjs' }],
  'Quick start: script tag#1': [
    { kind: 'e2e', spec: 'e2e/readme/quick-start.spec.ts' },
    // the inline script against the bundle's global (every export on `rotorAuth`)
    { kind: 'typecheck', scripts: 'inline-html', context: `declare const rotorAuth: typeof import('rotor-auth');\n` },
  ],
  // "Run this against the bundled mock server": the mock server and a static server of the app's directory
  'Quick start: script tag#2': [{ kind: 'shell' }],
  'Install#1': [{ kind: 'shell' }],
  'Quick start: import#1': [{ kind: 'typecheck' }, { kind: 'e2e', spec: 'e2e/readme/quick-start.spec.ts' }],
  'Quick start: import#2': [{ kind: 'shell' }],
  // a fragment of an app: `client` and the app's own `retryLater` come from around it
  'Errors#1': [{ kind: 'typecheck', context: ERRORS_CONTEXT }],
  'Events#1': [{ kind: 'typecheck', context: `import { createAuthClient } from 'rotor-auth';\ndeclare function showSignedOut(text: string): void;\n` }],
  'Long-lived sessions#1': [
    { kind: 'typecheck', context: `import type { AuthClient } from 'rotor-auth';\ndeclare const client: AuthClient;\ndeclare function showBanner(text: string, signIn: () => void): void;\n` },
  ],
  'Long-lived sessions#2': [
    { kind: 'typecheck', context: `import type { AuthClient } from 'rotor-auth';\ndeclare const client: AuthClient;\ndeclare function showError(text: string): void;\n` },
  ],
  'DPoP: sender-constrained tokens#1': [{ kind: 'typecheck', context: `import { createAuthClient } from 'rotor-auth';\n` }],
  'Using other OpenID providers#1': [{ kind: 'typecheck', context: `import { createAuthClient } from 'rotor-auth';\n` }],
  'Using other OpenID providers#2': [
    {
      kind: 'node',
      // the block is one `new Provider(...)` expression: exported so the test can serve it
      context: `import Provider from 'oidc-provider';\nconst issuer = 'http://localhost:3000';\nexport default `,
      run: runOidcProviderConfig,
    },
  ],
  // the React examples: byte for byte the files vitest's browser project runs (examples/react, test/browser/react-example.test.ts)
  'Using rotor-auth with React#1': [{ kind: 'example' }],
  'Using rotor-auth with React#2': [{ kind: 'example' }],
  // the two commands that start examples/react against the mock server (e2e/react-app.spec.ts runs the app)
  'Using rotor-auth with React#3': [{ kind: 'shell' }],
  'Testing your components#1': [{ kind: 'example' }],
  // the test tools' installs and run commands (the scratch app of e2e/readme/quick-start.spec.ts runs them)
  'The mock authorization server in your own tests#1': [{ kind: 'shell' }],
  'The mock authorization server in your own tests#2': [{ kind: 'example' }],
  'The mock authorization server in your own tests#3': [{ kind: 'example' }],
  // the Playwright config the spec needs: byte for byte the file the scratch app runs
  'The mock authorization server in your own tests#4': [{ kind: 'example' }],
  'The mock authorization server in your own tests#5': [
    { kind: 'typecheck', context: `import { createMockServer } from 'rotor-auth/mock-server';\n` },
    {
      kind: 'node',
      context: `import { createMockServer } from 'rotor-auth/mock-server';\n`,
      exports: 'export { mock, url, close };\n',
      run: runListenSnippet,
    },
  ],
  'The mock authorization server in your own tests#6': [{ kind: 'shell' }],
  'Benchmarks#1': [{ kind: 'shell' }],
};

const blocks = readmeBlocks();
const byId = new Map(blocks.map((b) => [b.id, b]));
const pkg = JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as {
  name: string;
  version: string;
  scripts: Record<string, string>;
  bin: Record<string, string>;
  devDependencies: Record<string, string>;
};
const tmp = mkdtempSync(join(tmpdir(), 'rotor-readme-blocks-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The checks of one kind with their blocks (entries without a block are reported by the first test). */
function checks<K extends Check['kind']>(kind: K): Array<[ReadmeBlock, Extract<Check, { kind: K }>]> {
  return Object.entries(COVERAGE).flatMap(([id, list]) => {
    const block = byId.get(id);
    if (!block) return [];
    return list.filter((c): c is Extract<Check, { kind: K }> => c.kind === kind).map((c): [ReadmeBlock, Extract<Check, { kind: K }>] => [block, c]);
  });
}

const slug = (id: string) => id.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '');

describe('README code blocks: every one is covered', () => {
  it('every README block has an entry in COVERAGE, and every entry a block', () => {
    const missing = blocks.filter((b) => !COVERAGE[b.id]?.length).map((b) => `README.md:${b.line} "${b.id}" (${b.lang || 'no language'})`);
    expect(missing, 'README blocks nobody checks: add them to COVERAGE in test/readme/readme-blocks.test.ts').toEqual([]);
    const stale = Object.keys(COVERAGE).filter((id) => !byId.has(id));
    expect(stale, 'COVERAGE entries with no README block (renamed heading? moved block?)').toEqual([]);
  });

  it('the block ids are unique and the ts/js/html blocks are executed or type-checked', () => {
    expect(new Set(blocks.map((b) => b.id)).size).toBe(blocks.length);
    for (const b of blocks.filter((x) => ['ts', 'js', 'html'].includes(x.lang))) {
      const kinds = (COVERAGE[b.id] ?? []).map((c) => c.kind);
      expect(kinds.some((k) => ['e2e', 'example', 'typecheck', 'node'].includes(k)), b.id).toBe(true);
    }
  });

  it('e2e blocks are read by their spec, which the Playwright config runs', () => {
    const config = readFileSync(new URL('playwright.config.ts', ROOT), 'utf8');
    expect(config).toContain("'e2e/**/*.spec.ts'");
    for (const [b, c] of checks('e2e')) {
      expect(c.spec).toMatch(/^e2e\/.*\.spec\.ts$/);
      expect(readFileSync(new URL(c.spec, ROOT), 'utf8'), `${c.spec} runs "${b.id}"`).toContain(`readmeBlock('${b.id}')`);
    }
  });

  it('example blocks equal the files the suite runs, byte for byte', () => {
    for (const [b] of checks('example')) {
      expect(b.example, `${b.id} needs a <!-- example: PATH --> marker`).toBeDefined();
      expect(existsSync(new URL(b.example!, ROOT)), b.example).toBe(true);
      expect(b.code, b.example).toBe(readFileSync(new URL(b.example!, ROOT), 'utf8'));
    }
  });
});

/** The inline (no `src`) scripts of an HTML block, joined. */
function inlineScripts(html: string): string {
  const out = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
  if (!out.length) throw new Error('no inline <script> in the block');
  return out.join('\n');
}

/** `// err: A | B` after a `case 'code':` in a switch block: the narrowing the README promises. */
function narrowingClaims(code: string): Array<{ code: string; types: string[] }> {
  return [...code.matchAll(/case '([^']+)':\s*\/\/ err: ([\w |]+)/g)].map((m) => ({ code: m[1]!, types: m[2]!.split('|').map((t) => t.trim()) }));
}

describe('README code blocks: type-checked as written', () => {
  const files = new Map<string, string>(); // file → block id
  for (const [b, c] of checks('typecheck')) {
    if (c.scripts === 'inline-html') {
      // a classic <script> is JavaScript: checked as an editor checks a JS file (// @ts-check,
      // not strict), with the page's globals declared beside it
      const file = join(tmp, `${slug(b.id)}-script.js`);
      writeFileSync(file, `// @ts-check\n${inlineScripts(b.code)}`);
      writeFileSync(join(tmp, `${slug(b.id)}-globals.d.ts`), c.context ?? '');
      files.set(file, b.id);
      continue;
    }
    const file = join(tmp, `${slug(b.id)}.ts`);
    // `export {}` keeps a fragment without imports a module (top-level await, no globals leak between files)
    writeFileSync(file, `${c.context ?? ''}${b.code}\nexport {};\n`);
    files.set(file, b.id);
    for (const claim of narrowingClaims(b.code)) {
      // the README's comment on a `case` names the classes err narrows to there: assert exactly that
      const check = join(tmp, `${slug(b.id)}-narrowing-${claim.code}.ts`);
      writeFileSync(
        check,
        `import type { RotorAuthError, ${claim.types.join(', ')} } from 'rotor-auth';
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
export function f(err: RotorAuthError): void {
  switch (err.error) {
    case '${claim.code}': {
      const exact: Equal<typeof err, ${claim.types.join(' | ')}> = true;
      void exact;
    }
  }
}
`,
      );
      files.set(check, `${b.id} (comment: case '${claim.code}' → ${claim.types.join(' | ')})`);
    }
  }

  it('compiles every typecheck block without a diagnostic', () => {
    const config = ts.readConfigFile(fileURLToPath(new URL('tsconfig.json', ROOT)), (p) => ts.sys.readFile(p));
    const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, fileURLToPath(ROOT));
    const src = (p: string) => [fileURLToPath(new URL(p, ROOT))];
    const base: ts.CompilerOptions = {
      ...options,
      noEmit: true,
      typeRoots: [fileURLToPath(new URL('node_modules/@types', ROOT))],
      paths: {
        'rotor-auth': src('src/index.ts'),
        'rotor-auth/mock-server': src('src/mock-server/index.ts'),
        'rotor-auth/testing': src('src/testing/index.ts'),
      },
    };
    const tsFiles = [...files.keys()].filter((f) => f.endsWith('.ts'));
    const jsFiles = [...files.keys()].filter((f) => f.endsWith('.js'));
    const program = ts.createProgram(tsFiles, base);
    const jsProgram = ts.createProgram([...jsFiles, ...jsFiles.map((f) => f.replace(/-script\.js$/, '-globals.d.ts'))], {
      ...base,
      allowJs: true,
      checkJs: true,
      strict: false,
    });
    expect(files.size).toBeGreaterThanOrEqual(checks('typecheck').length);
    const problems: string[] = [];
    for (const [file, id] of files) {
      const prog = file.endsWith('.js') ? jsProgram : program;
      const sf = prog.getSourceFile(file)!;
      for (const d of [...prog.getSyntacticDiagnostics(sf), ...prog.getSemanticDiagnostics(sf)]) {
        const where = d.start !== undefined ? sf.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
        problems.push(`${id} (generated ${file}:${where}): ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
      }
    }
    expect(problems).toEqual([]);
  }, 60_000);
});

describe('README code blocks: run under Node as written', () => {
  for (const [b, c] of checks('node')) {
    it(`runs "${b.id}"`, async () => {
      const file = join(tmp, `${slug(b.id)}-run.${b.lang === 'js' ? 'mjs' : 'ts'}`);
      writeFileSync(file, `${c.context}${b.code}${c.exports ?? ''}`);
      await c.run((await import(/* @vite-ignore */ pathToFileURL(file).href)) as Record<string, unknown>);
    }, 30_000);
  }
});

/** The listen() block: a server on a free port of 127.0.0.1 that signs `user-1` in without the form. */
async function runListenSnippet(mod: Record<string, unknown>): Promise<void> {
  const { url, close } = mod as { url: string; close: () => Promise<void> };
  const port = Number(/^http:\/\/127\.0\.0\.1:(\d+)\/?$/.exec(url)?.[1]);
  expect(port).toBeGreaterThan(0);
  try {
    const base = url.replace(/\/?$/, '/');
    const doc = (await (await fetch(`${base}.well-known/openid-configuration`)).json()) as { issuer: string };
    expect(doc.issuer).toBe(base);
    const authorize = new URL('authorize', base);
    authorize.search = new URLSearchParams({
      client_id: 'demo', response_type: 'code', redirect_uri: 'http://localhost/cb', state: 's', scope: 'openid',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
    }).toString();
    const res = await fetch(authorize, { redirect: 'manual' });
    expect(res.status).toBe(302); // autoLogin: straight back with a code, no login form
    expect(new URL(res.headers.get('location')!).searchParams.get('code')).toBeTruthy();
  } finally {
    await close();
  }
  await expect(fetch(url)).rejects.toThrow();
}

/** The oidc-provider block: the provider it configures starts and advertises what rotor-auth needs. */
async function runOidcProviderConfig(mod: Record<string, unknown>): Promise<void> {
  const provider = mod.default as { issuer: string; callback(): Parameters<typeof createServer>[1] };
  const server: Server = createServer(provider.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Record<string, string[] | string | undefined>;
    expect(doc.issuer).toBe('http://localhost:3000');
    expect(doc.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token']));
    expect(doc.code_challenge_methods_supported).toContain('S256');
    expect(doc.scopes_supported).toEqual(expect.arrayContaining(['openid', 'offline_access', 'profile', 'email']));
    expect(doc.claims_supported).toEqual(expect.arrayContaining(['name', 'email', 'email_verified']));
    expect(doc.revocation_endpoint).toBeTruthy();
    expect(doc.end_session_endpoint).toBeTruthy();
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** Problems with one shell command line of a README block ('' when it checks out). */
async function shellProblems(line: string): Promise<string[]> {
  const hash = line.search(/(^|\s)#\s/);
  const command = (hash < 0 ? line : line.slice(0, hash)).trim();
  const comment = hash < 0 ? '' : line.slice(hash);
  const problems: string[] = [];
  const tarball = `${pkg.name}-${pkg.version}.tgz`;
  // what the comment promises: files it runs exist, tarball names match package.json
  for (const m of comment.matchAll(/\bnode (\S+\.m?js)/g)) if (!existsSync(new URL(m[1]!, ROOT))) problems.push(`comment names missing ${m[1]}`);
  for (const m of comment.matchAll(/[\w.-]+-\d[\w.]*\.tgz/g)) if (m[0] !== tarball) problems.push(`comment: npm pack writes ${tarball}, not ${m[0]}`);
  for (const part of command.split('&&').map((p) => p.trim()).filter(Boolean)) {
    const [cmd, ...args] = part.split(/\s+/);
    const sub = args[0];
    if (cmd === 'cd') continue;
    if (cmd === 'node') {
      if (!existsSync(new URL(sub!, ROOT))) problems.push(`${part}: no file ${sub}`);
    } else if (cmd === 'npm' && (sub === 'ci' || sub === 'pack')) {
      if (args.length !== 1) problems.push(`${part}: unexpected arguments`);
    } else if (cmd === 'npm' && (sub === 'start' || sub === 'test')) {
      if (!pkg.scripts[sub]) problems.push(`${part}: package.json has no "${sub}" script`);
    } else if (cmd === 'npm' && sub === 'run') {
      if (!pkg.scripts[args[1]!]) problems.push(`${part}: package.json has no "${args[1]}" script`);
    } else if (cmd === 'npm' && sub === 'install' && args[1] === '-D') {
      // dev dependencies a user's test setup needs: each one the repo itself tests with
      for (const name of args.slice(2)) if (!pkg.devDependencies[name]) problems.push(`${part}: ${name} is not one of rotor-auth's devDependencies`);
    } else if (cmd === 'npm' && sub === 'install') {
      const file = args[1]!.split('/').pop();
      if (file !== tarball) problems.push(`${part}: npm pack writes ${tarball}`);
    } else if (cmd === 'npx' && sub === 'playwright') {
      if (!['install chromium', 'test'].includes(args.slice(1).join(' '))) problems.push(`${part}: not a command the scratch app runs`);
    } else if (cmd === 'npx' && sub === 'vitest') {
      if (args.slice(1).join(' ') !== 'run --dir test') problems.push(`${part}: not a command the scratch app runs`);
    } else if (cmd === 'python3') {
      // any static server of the app's directory on a loopback port (the client accepts any loopback redirect URI)
      if (!/^-m http\.server \d+$/.test(args.join(' '))) problems.push(`${part}: expected python3 -m http.server PORT`);
    } else if (cmd === 'npx' && sub === 'rotor-mock-server') {
      if (!pkg.bin['rotor-mock-server']) problems.push(`${part}: package.json has no rotor-mock-server bin`);
      try {
        parseArgs(args.slice(1));
      } catch (err) {
        problems.push(`${part}: ${String(err)}`);
      }
      for (const m of comment.matchAll(/--[a-z][\w-]*/g)) if (!USAGE.includes(m[0])) problems.push(`${part}: --help lists no ${m[0]}`);
    } else if (cmd === 'curl') {
      // the control API route it shows answers (in process, as from a loopback client)
      const url = args.find((a) => /^https?:/.test(a))!;
      const res = await createMockServer().fetch(new Request(url));
      if (res.status !== 200) problems.push(`${part}: HTTP ${res.status}`);
    } else {
      problems.push(`${part}: no rule for this command in test/readme/readme-blocks.test.ts`);
    }
  }
  return problems;
}

describe('README code blocks: shell commands and printed output', () => {
  for (const [b] of checks('shell')) {
    it(`"${b.id}": every command exists as written`, async () => {
      const lines = b.code.split('\n').filter((l) => l.trim());
      expect(lines.length).toBeGreaterThan(0);
      const problems = (await Promise.all(lines.map(shellProblems))).flat();
      expect(problems).toEqual([]);
    });
  }

  for (const [b, c] of checks('output')) {
    it(`"${b.id}": each line is one ${c.script} prints`, () => {
      const source = readFileSync(new URL(c.script, ROOT), 'utf8');
      const templates = [...source.matchAll(/console\.log\(`([^`]*)`\)/g)].map(
        (m) => new RegExp(`^${m[1]!.split(/\$\{[^}]*\}/).map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.+?')}$`),
      );
      expect(templates.length).toBeGreaterThan(0);
      const lines = b.code.split('\n').filter((l) => l.trim());
      for (const line of lines) expect(templates.some((t) => t.test(line)), line).toBe(true);
    });
  }
});
