import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const readme = readFileSync(new URL('README.md', root), 'utf8');

/** Every `<!-- example: PATH -->` marker in the README and the code block right after it. */
function examples(): Array<{ path: string; block: string }> {
  const out: Array<{ path: string; block: string }> = [];
  const re = /<!-- example: (\S+) -->\n```[a-z]*\n([\s\S]*?)```\n/g;
  for (let m = re.exec(readme); m; m = re.exec(readme)) out.push({ path: m[1]!, block: m[2]! });
  return out;
}

describe('README examples are the files the suite runs', () => {
  it('the README includes the vitest and the Playwright example, and the playwright.config the spec needs', () => {
    expect(examples().map((e) => e.path)).toEqual([
      'examples/vitest/mock-server.test.ts',
      'examples/playwright/sign-in.spec.ts',
      // run by e2e/readme/quick-start.spec.ts in a scratch app (this repo's own config runs the spec here)
      'examples/playwright/playwright.config.ts',
      'examples/react/main.tsx',
      'examples/react/Profile.tsx',
      'examples/react/Profile.test.tsx',
    ]);
  });

  it('each README block equals its file byte for byte', () => {
    for (const { path, block } of examples()) {
      expect(existsSync(new URL(path, root)), path).toBe(true);
      expect(block, path).toBe(readFileSync(new URL(path, root), 'utf8'));
    }
  });

  it('the example files are picked up by the vitest and Playwright configs', () => {
    expect(readFileSync(new URL('vitest.config.ts', root), 'utf8')).toContain("'examples/vitest/**/*.test.ts'");
    expect(readFileSync(new URL('playwright.config.ts', root), 'utf8')).toContain("'examples/playwright/**/*.spec.ts'");
  });
});
